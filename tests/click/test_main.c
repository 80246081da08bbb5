/* Unit-test driver: runs every case and prints PASS/FAIL lines.
 * Usage: test-click [NAME-PREFIX] */
#include <stdlib.h>

#include "click_test.h"
#include "click_element.h"

char ct_msg[1024];
int ct_failed;

static uint64_t total_rx(void) { return 0; }

int ct_setup(ct_env *t, const char *config) {
    memset(t, 0, sizeof *t);
    t->m = click_memdev_create();
    click_host h;
    click_memdev_host(t->m, &h);
    t->r = click_router_create(config, "test.click", &h, NULL, t->err, sizeof t->err);
    return t->r ? 0 : -1;
}

void ct_teardown(ct_env *t) {
    click_router_destroy(t->r);
    click_memdev_destroy(t->m);
    t->r = NULL;
    t->m = NULL;
}

void ct_rx(ct_env *t, const char *dev, const uint8_t *data, size_t len) {
    click_memdev_add_rx(t->m, dev, data, (uint32_t)len, 0);
}

void ct_run(ct_env *t) {
    click_router_resume(t->r);
    click_router_run(t->r, 100000);
}

int ct_ntx(ct_env *t, const char *dev) { return click_memdev_tx_count(t->m, dev); }

const uint8_t *ct_tx(ct_env *t, const char *dev, int i, uint32_t *len) {
    return click_memdev_tx(t->m, dev, i, len);
}

const char *ct_read(ct_env *t, const char *spec) {
    static char buf[65536];
    if (click_router_read(t->r, spec, buf, sizeof buf) < 0) {
        static char e[66000];
        snprintf(e, sizeof e, "<error: %s>", buf);
        return e;
    }
    return buf;
}

long long ct_read_n(ct_env *t, const char *spec) {
    const char *s = ct_read(t, spec);
    char *end;
    long long v = strtoll(s, &end, 10);
    return end == s ? -1 : v;
}

const char *ct_config_error(const char *config) {
    static char err[8192];
    click_memdev *m = click_memdev_create();
    click_host h;
    click_memdev_host(m, &h);
    err[0] = 0;
    click_router *r = click_router_create(config, "test.click", &h, NULL, err, sizeof err);
    if (r) err[0] = 0;
    click_router_destroy(r);
    click_memdev_destroy(m);
    return err;
}

uint32_t ct_ip(const char *d) {
    uint32_t ip = 0;
    click_parse_ip(d, &ip);
    return ip;
}

static size_t pk_ipwrap(uint8_t *b, int proto, uint32_t src, uint32_t dst, size_t l4len) {
    /* the L4 part is already at b+20 */
    b[0] = 0x45;
    b[1] = 0;
    wr16(b + 2, (uint16_t)(20 + l4len));
    wr16(b + 4, 0x1234);
    wr16(b + 6, 0);
    b[8] = 64;
    b[9] = (uint8_t)proto;
    wr32(b + 12, src);
    wr32(b + 16, dst);
    pk_fix_ip(b);
    return 20 + l4len;
}

void pk_fix_ip(uint8_t *b) {
    wr16(b + 10, 0);
    wr16(b + 10, click_in_cksum(b, ip_hlen(b)));
}

static uint16_t l4sum(const uint8_t *ip, const uint8_t *l4, size_t len, int proto) {
    uint8_t ph[12];
    memcpy(ph, ip + 12, 8);
    ph[8] = 0;
    ph[9] = (uint8_t)proto;
    wr16(ph + 10, (uint16_t)len);
    uint32_t s = click_csum_partial(ph, 12, 0);
    s = click_csum_partial(l4, len, s);
    return click_csum_fold(s);
}

size_t pk_udp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, size_t datalen) {
    uint8_t *u = b + 20;
    wr16(u, sp);
    wr16(u + 2, dp);
    wr16(u + 4, (uint16_t)(8 + datalen));
    wr16(u + 6, 0);
    for (size_t i = 0; i < datalen; i++) u[8 + i] = (uint8_t)i;
    size_t n = pk_ipwrap(b, IP_PROTO_UDP, src, dst, 8 + datalen);
    uint16_t s = l4sum(b, u, 8 + datalen, IP_PROTO_UDP);
    wr16(u + 6, s ? s : 0xffff);
    return n;
}

size_t pk_tcp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint8_t flags) {
    uint8_t *t = b + 20;
    memset(t, 0, 20);
    wr16(t, sp);
    wr16(t + 2, dp);
    wr32(t + 4, 1000);
    t[12] = 5 << 4;
    t[13] = flags;
    wr16(t + 14, 8192);
    size_t n = pk_ipwrap(b, IP_PROTO_TCP, src, dst, 20);
    wr16(t + 16, l4sum(b, t, 20, IP_PROTO_TCP));
    return n;
}

size_t pk_icmp(uint8_t *b, uint32_t src, uint32_t dst, uint8_t type, size_t datalen) {
    uint8_t *c = b + 20;
    c[0] = type;
    c[1] = 0;
    wr16(c + 2, 0);
    wr16(c + 4, 0x77);
    wr16(c + 6, 1);
    for (size_t i = 0; i < datalen; i++) c[8 + i] = (uint8_t)(i * 3);
    wr16(c + 2, click_in_cksum(c, 8 + datalen));
    return pk_ipwrap(b, IP_PROTO_ICMP, src, dst, 8 + datalen);
}

size_t pk_eth(uint8_t *b, size_t len, uint16_t type) {
    memmove(b + 14, b, len);
    static const uint8_t d[6] = {2, 0, 0, 0, 0, 0xb}, s[6] = {2, 0, 0, 0, 0, 0xa};
    memcpy(b, d, 6);
    memcpy(b + 6, s, 6);
    wr16(b + 12, type);
    return len + 14;
}

int pk_l4_ok(const uint8_t *ip) {
    unsigned hl = ip_hlen(ip);
    size_t len = rd16(ip + 2) - hl;
    const uint8_t *l4 = ip + hl;
    if (ip[9] == IP_PROTO_ICMP) return click_in_cksum(l4, len) == 0;
    if (ip[9] == IP_PROTO_UDP && rd16(l4 + 6) == 0) return 1;
    return l4sum(ip, l4, len, ip[9]) == 0;
}

static int run_cases(const ct_case *cs, const char *prefix) {
    int bad = 0;
    for (int i = 0; cs[i].name; i++) {
        ct_failed = 0;
        ct_msg[0] = 0;
        cs[i].fn();
        if (ct_failed) {
            printf("FAIL %s%s: %s\n", prefix, cs[i].name, ct_msg);
            bad++;
        } else {
            printf("PASS %s%s\n", prefix, cs[i].name);
        }
        fflush(stdout);
    }
    return bad;
}

extern const ct_case ct_element2_cases[];

int main(int argc, char **argv) {
    const char *prefix = argc > 1 ? argv[1] : "";
    (void)total_rx;
    run_cases(ct_engine_cases, prefix);
    run_cases(ct_parser_cases, prefix);
    run_cases(ct_element_cases, prefix);
    run_cases(ct_element2_cases, prefix);
    run_cases(ct_ipsumdump_cases, prefix);
    return 0;
}
