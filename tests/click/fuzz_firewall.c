/* libFuzzer harness: frames through the shipped firewall configuration
 * (apps/click/configs/firewall.click). The input is a list of frames, each
 * a 2-byte big-endian length followed by that many bytes. Besides memory
 * safety it checks the firewall's promise: everything that comes out is
 * either ARP or a well-formed IPv4 packet for an allowed service. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "click.h"
#include "click_memdev.h"
#include "click_net.h"

static click_memdev *m;
static click_router *r;

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *path = getenv("CLICK_FIREWALL_CONFIG");
    char *text = slurp(path ? path : "apps/click/configs/firewall.click");
    if (!text) {
        fprintf(stderr, "fuzz-click-firewall: cannot read the firewall config (set CLICK_FIREWALL_CONFIG)\n");
        exit(1);
    }
    m = click_memdev_create();
    click_host h;
    click_memdev_host(m, &h);
    static const char *const params[] = {"IN=in", "OUT=out", NULL};
    char err[4096];
    r = click_router_create(text, "firewall.click", &h, params, err, sizeof err);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    return 0;
}

static void check_output(const uint8_t *d, uint32_t len) {
    if (len >= 14 && rd16(d + 12) == ETHERTYPE_ARP) return;
    if (len < 34 || rd16(d + 12) != ETHERTYPE_IP) abort();
    const uint8_t *ip = d + 14;
    unsigned hl = ip_hlen(ip);
    if ((ip[0] >> 4) != 4 || hl < 20 || 14 + hl > len || click_in_cksum(ip, hl) != 0) abort();
    if (rd16(ip + 2) != len - 14) abort(); /* trimmed to the IP length */
    uint8_t proto = ip[9];
    uint32_t dst = rd32(ip + 16);
    bool first = (rd16(ip + 6) & IP_OFFMASK) == 0;
    const uint8_t *th = ip + hl;
    uint32_t tlen = len - 14 - hl;
    if (proto == IP_PROTO_ICMP) {
        if (!first || tlen < 1 || th[0] != 8) abort();
        return;
    }
    if ((dst & 0xffffff00u) != 0x0a000000u || !first || tlen < 4) abort();
    uint16_t dport = rd16(th + 2);
    if (proto == IP_PROTO_TCP && (dport == 22 || dport == 80 || dport == 443)) return;
    if (proto == IP_PROTO_UDP && dport == 53) return;
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    click_memdev_clear(m);
    size_t off = 0;
    int n = 0;
    while (off + 2 <= size && n < 64) {
        size_t l = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (l > size - off) l = size - off;
        click_memdev_add_rx(m, "in", data + off, (uint32_t)l, 1);
        off += l;
        n++;
    }
    click_router_resume(r);
    click_router_run(r, 1000);
    int k = click_memdev_tx_count(m, "out");
    if (k > n) abort();
    for (int i = 0; i < k; i++) {
        uint32_t len;
        const uint8_t *d = click_memdev_tx(m, "out", i, &len);
        check_output(d, len);
    }
    return 0;
}
