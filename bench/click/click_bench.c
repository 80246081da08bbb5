/* Click engine benchmark: packets per second on one core for the shipped
 * bridge, firewall, NAT and 3-element chain configurations, with 64-byte and
 * 1500-byte frames. Packets come from an in-memory device that copies a
 * template frame into each packet (as a NIC would) and leave through one
 * that counts and frees them: no pcap or other I/O in the timed loop.
 * Each case runs RUNS times on a fresh router; the table shows the median
 * and the 10th/90th percentiles of the per-run rates.
 *
 *   click-bench [--runs N] [--packets N] [--configs DIR] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../apps/click/engine/click.h"
#include "../../apps/click/engine/click_memdev.h"
#include "../../apps/click/engine/click_net.h"

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b) b[n] = 0;
    fclose(f);
    return b;
}

/* Build an Ethernet/IPv4 frame of exactly len bytes: TCP or UDP. */
static void build_frame(uint8_t *f, uint32_t len, int proto, uint32_t src, uint32_t dst,
                        uint16_t sport, uint16_t dport) {
    memset(f, 0, len);
    static const uint8_t d[6] = {2, 0, 0, 0, 0, 0xb}, s[6] = {2, 0, 0, 0, 0, 0xa};
    memcpy(f, d, 6);
    memcpy(f + 6, s, 6);
    wr16(f + 12, ETHERTYPE_IP);
    uint8_t *ip = f + 14;
    uint16_t tl = (uint16_t)(len - 14);
    ip[0] = 0x45;
    wr16(ip + 2, tl);
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    wr32(ip + 12, src);
    wr32(ip + 16, dst);
    wr16(ip + 10, click_in_cksum(ip, 20));
    uint8_t *l4 = ip + 20;
    wr16(l4, sport);
    wr16(l4 + 2, dport);
    if (proto == IP_PROTO_UDP) {
        wr16(l4 + 4, (uint16_t)(tl - 20));
        /* checksum 0: none (the NAT run varies ports per packet) */
    } else {
        l4[12] = 5 << 4;
        l4[13] = 0x10;
    }
}

/* NAT: spread packets over 4096 inside flows by varying the source port. */
static void vary_port(uint8_t *frame, uint32_t len, uint64_t i, void *arg) {
    (void)len;
    (void)arg;
    wr16(frame + 14 + 20, (uint16_t)(10000 + (i & 4095)));
}

typedef struct bcase {
    const char *name, *file;
    int proto;
    uint32_t dst;
    uint16_t dport;
    bool vary;
} bcase;

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, int n, double p) {
    int k = (int)(p * (n - 1) + 0.5);
    return v[k];
}

int main(int argc, char **argv) {
    int runs = 9;
    uint64_t npk = 0;
    const char *dir = "apps/click/configs";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--packets") && i + 1 < argc) npk = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--configs") && i + 1 < argc) dir = argv[++i];
        else {
            fprintf(stderr, "usage: click-bench [--runs N] [--packets N] [--configs DIR]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 1000) runs = 9;
    cpu_set_t cs;
    CPU_ZERO(&cs);
    CPU_SET(0, &cs);
    bool pinned = sched_setaffinity(0, sizeof cs, &cs) == 0;

    static const bcase cases[] = {
        {"bridge", "bridge.click", IP_PROTO_UDP, 0x0a000005, 53, false},
        {"firewall", "firewall.click", IP_PROTO_TCP, 0x0a000005, 80, false},
        {"nat", "nat.click", IP_PROTO_UDP, 0xcb007109, 53, true},
        {"chain", "chain.click", IP_PROTO_TCP, 0x0a000005, 80, false},
    };
    static const uint32_t sizes[] = {64, 1500};

    printf("# EdgeOS Click engine benchmark (Linux build, in-memory devices, one core%s)\n",
           pinned ? ", pinned to CPU 0" : "");
    printf("# Peer: real Click is not available on this machine (not packaged in Debian, not built\n"
           "#       from source), so only EdgeOS figures are shown; no ratio is claimed.\n");
    printf("# Each case: %d runs on a fresh router; rate = packets / time to drain the source.\n", runs);
    printf("# Frames are 64 and 1500 bytes including the Ethernet header; all are forwarded.\n");
    printf("%-10s %6s %10s %14s %14s %14s %10s\n", "config", "bytes", "packets", "median pps",
           "p10 pps", "p90 pps", "Gbit/s");
    int status = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, cases[c].file);
        char *text = slurp(path);
        if (!text) {
            fprintf(stderr, "click-bench: cannot read %s (run from the repository root)\n", path);
            return 1;
        }
        for (size_t s = 0; s < 2; s++) {
            uint32_t len = sizes[s];
            uint64_t n = npk ? npk : (len == 64 ? 2000000 : 1000000);
            uint8_t frame[1600];
            build_frame(frame, len, cases[c].proto, 0xc0a80107, cases[c].dst, 40000, cases[c].dport);
            double *rate = calloc((size_t)runs, sizeof *rate);
            for (int r = 0; r < runs; r++) {
                click_memdev *m = click_memdev_create();
                click_host h;
                click_memdev_host(m, &h);
                const char *params[] = {"IN=in", "OUT=out", NULL};
                char err[2048];
                click_router *rt = click_router_create(text, cases[c].file, &h, params, err, sizeof err);
                if (!rt) {
                    fprintf(stderr, "%s\n", err);
                    return 1;
                }
                click_memdev_set_generator(m, "in", frame, len, n, cases[c].vary ? vary_port : NULL, NULL);
                click_memdev_set_store(m, "out", false);
                uint64_t t0 = now_ns();
                click_router_run(rt, 0);
                uint64_t t1 = now_ns();
                uint64_t out = click_memdev_tx_total(m, "out");
                if (out != n) {
                    fprintf(stderr, "click-bench: %s/%u: %llu of %llu packets forwarded\n", cases[c].name,
                            len, (unsigned long long)out, (unsigned long long)n);
                    status = 1;
                }
                rate[r] = (double)n / ((double)(t1 - t0) / 1e9);
                click_router_destroy(rt);
                click_memdev_destroy(m);
            }
            qsort(rate, (size_t)runs, sizeof *rate, cmp_d);
            double med = pct(rate, runs, 0.5);
            printf("%-10s %6u %10llu %14.0f %14.0f %14.0f %10.2f\n", cases[c].name, len,
                   (unsigned long long)n, med, pct(rate, runs, 0.1), pct(rate, runs, 0.9),
                   med * len * 8 / 1e9);
            fflush(stdout);
            free(rate);
        }
        free(text);
    }
    return status;
}
