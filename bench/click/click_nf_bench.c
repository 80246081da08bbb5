/* Click NF chain benchmark, Linux side of `make bench-click`: the engine's
 * counterpart of nfdriver's benchmark mode (user/test/nfdriver.c), which
 * streams frames through 1 and 3 clicknf FWPs inside EdgeOS.
 *
 * Here NF routers run in one process on one core. Each router runs the
 * pass-through configuration with devices that model the FWP channels:
 *   - the first router's receive device copies a frame (one of 256
 *     prebuilt frames, as the driver sends) into a fresh packet;
 *   - every send device but the last copies each packet into a 256-slot
 *     ring of 2048-byte slots (the kernel's channel copy), and the next
 *     router's receive device copies slots into packets (clicknf's inbox
 *     receive): so every extra hop costs two copies and one more router,
 *     as in EdgeOS;
 *   - the last send device checks the length and the sequence number and
 *     counts (the driver's receive).
 * A router takes from its ring only as many frames as the next ring has
 * room for (back-pressure, as clicknf waits for room), so nothing is
 * dropped. The routers are stepped in turn, last first, until the last one
 * has seen every frame.
 *
 * Output: one line per batch in nfdriver's format,
 *   bench nfs=N bytes=B batch=I frames=F got=G bad=X ns=T cycles=C
 * (batch 0 is the warm-up), then "bench done: ok|FAIL".
 *
 *   click-nf-bench [--batches N] [--frames N] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "../../apps/click/engine/click.h"
#include "../../apps/click/engine/click_net.h"
#include "../../apps/click/engine/click_packet.h"

#define PASS_CFG "FromDevice(in) -> c :: Counter -> ToDevice(out)"
#define RING_SLOTS 256u
#define SLOT_BYTES 2048u
#define NFRAMES 256u
#define MAX_NF 3

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

typedef struct ring {
    uint32_t prod, cons;
    uint32_t len[RING_SLOTS];
    uint8_t data[RING_SLOTS][SLOT_BYTES];
} ring;

static uint32_t ring_room(const ring *r) { return RING_SLOTS - (r->prod - r->cons); }

/* Shared by all hops of one batch. */
typedef struct chain {
    int nfs;
    uint32_t len;
    uint64_t total, sent, got, bad;
    ring rings[MAX_NF - 1];            /* rings[k]: router k -> router k+1 */
    uint8_t frames[NFRAMES][1600];
} chain;

typedef struct hop {
    chain *c;
    int k;                             /* position in the chain */
} hop;

static int hop_open(void *ctx, const char *name, int kind, int dir, void **devp, char *err,
                    size_t errlen) {
    (void)name;
    (void)kind;
    (void)err;
    (void)errlen;
    (void)dir;
    *devp = ctx;
    return 0;
}

static int hop_recv(void *dev, click_pool *pool, click_packet **pkts, int max) {
    hop *h = dev;
    chain *c = h->c;
    /* no more than the next ring can take */
    if (h->k < c->nfs - 1 && (uint32_t)max > ring_room(&c->rings[h->k])) max = (int)ring_room(&c->rings[h->k]);
    int n = 0;
    if (h->k == 0) {
        while (n < max && c->sent < c->total) {
            click_packet *p = click_packet_from(pool, c->frames[c->sent % NFRAMES], c->len);
            if (!p) break;
            pkts[n++] = p;
            c->sent++;
        }
        return n == 0 && c->sent == c->total ? CLICK_DEV_EOF : n;
    }
    ring *r = &c->rings[h->k - 1];
    while (n < max && r->cons != r->prod) {
        uint32_t i = r->cons % RING_SLOTS;
        click_packet *p = click_packet_from(pool, r->data[i], r->len[i]);
        if (!p) break;
        pkts[n++] = p;
        r->cons++;
    }
    return n;                          /* never EOF: the batch ends when the last hop has every frame */
}

static int hop_send(void *dev, click_packet *const *pkts, int n) {
    hop *h = dev;
    chain *c = h->c;
    if (h->k == c->nfs - 1) {
        for (int i = 0; i < n; i++) {
            const uint8_t *f = c->frames[c->got % NFRAMES];
            if (pkts[i]->len != c->len || memcmp(pkts[i]->data + 42, f + 42, 4)) c->bad++;
            c->got++;
        }
        return n;
    }
    ring *r = &c->rings[h->k];
    int i = 0;
    for (; i < n && ring_room(r); i++) {
        uint32_t s = r->prod % RING_SLOTS;
        memcpy(r->data[s], pkts[i]->data, pkts[i]->len);
        r->len[s] = pkts[i]->len;
        r->prod++;
    }
    return i;
}

static void hop_close(void *dev) { (void)dev; }

static const click_device_ops hop_ops = {hop_open, hop_recv, hop_send, hop_close};

/* Ethernet + IPv4 + UDP frame of len bytes, sequence number at byte 42 (as
 * nfdriver builds them). */
static void build_frame(uint8_t *f, uint32_t len, uint32_t seq) {
    memset(f, 0, len);
    static const uint8_t d[6] = {2, 0, 0, 0, 0, 1}, s[6] = {2, 0, 0, 0, 0, 2};
    memcpy(f, d, 6);
    memcpy(f + 6, s, 6);
    wr16(f + 12, ETHERTYPE_IP);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    wr16(ip + 2, (uint16_t)(len - 14));
    wr16(ip + 4, (uint16_t)seq);
    ip[8] = 64;
    ip[9] = IP_PROTO_UDP;
    wr32(ip + 12, 0xac100401);
    wr32(ip + 16, 0x0a000005);
    wr16(ip + 10, click_in_cksum(ip, 20));
    uint8_t *udp = ip + 20;
    wr16(udp, (uint16_t)(40000 + seq % 1000));
    wr16(udp + 2, 53);
    wr16(udp + 4, (uint16_t)(len - 34));
    for (uint32_t i = 42; i < len; i++) f[i] = (uint8_t)(seq * 7 + i);
    wr32(f + 42, seq);
}

int main(int argc, char **argv) {
    int batches = 15;
    uint64_t frames = 200000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--batches") && i + 1 < argc) batches = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--frames") && i + 1 < argc) frames = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: click-nf-bench [--batches N] [--frames N]\n");
            return 2;
        }
    }
    if (batches < 1 || batches > 1000) batches = 15;
    if (frames < 1) frames = 200000;
    cpu_set_t cs;
    CPU_ZERO(&cs);
    CPU_SET(0, &cs);
    bool pinned = sched_setaffinity(0, sizeof cs, &cs) == 0;
    printf("bench start: %d batches of %llu frames after one warm-up batch, one core%s\n", batches,
           (unsigned long long)frames, pinned ? " (CPU 0)" : "");
    static const uint32_t sizes[] = {64, 1500};
    static const int chains[] = {1, 3};
    chain *c = calloc(1, sizeof *c);
    if (!c) return 1;
    int status = 0;
    for (int si = 0; si < 2; si++) {
        for (int ci = 0; ci < 2; ci++) {
            for (int b = 0; b <= batches; b++) {
                memset(c, 0, offsetof(chain, rings));
                for (int k = 0; k < MAX_NF - 1; k++) c->rings[k].prod = c->rings[k].cons = 0;
                c->nfs = chains[ci];
                c->len = sizes[si];
                c->total = frames;
                for (uint32_t i = 0; i < NFRAMES; i++) build_frame(c->frames[i], c->len, i);
                hop hops[MAX_NF];
                click_host hosts[MAX_NF];
                click_router *rt[MAX_NF];
                for (int k = 0; k < c->nfs; k++) {
                    hops[k] = (hop){c, k};
                    hosts[k] = (click_host){&hop_ops, &hops[k], NULL, NULL};
                    char err[1024];
                    rt[k] = click_router_create(PASS_CFG, "-e", &hosts[k], NULL, err, sizeof err);
                    if (!rt[k]) {
                        fprintf(stderr, "click-nf-bench: %s\n", err);
                        return 1;
                    }
                }
                uint64_t t0 = now_ns(), c0 = __rdtsc();
                uint64_t idle = 0;
                while (c->got < c->total && idle < 1000) {
                    uint64_t before = c->got + c->sent;
                    for (int k = c->nfs - 1; k >= 0; k--) click_router_step(rt[k]);
                    idle = c->got + c->sent == before ? idle + 1 : 0;
                }
                uint64_t c1 = __rdtsc(), t1 = now_ns();
                for (int k = 0; k < c->nfs; k++) {
                    char v[64];
                    if (click_router_read(rt[k], "c.count", v, sizeof v) < 0 ||
                        strtoull(v, NULL, 10) != c->total)
                        status = 1;
                    click_router_destroy(rt[k]);
                }
                if (c->got != c->total || c->bad) status = 1;
                printf("bench nfs=%d bytes=%u batch=%d frames=%llu got=%llu bad=%llu ns=%llu cycles=%llu\n",
                       c->nfs, c->len, b, (unsigned long long)c->total, (unsigned long long)c->got,
                       (unsigned long long)c->bad, (unsigned long long)(t1 - t0),
                       (unsigned long long)(c1 - c0));
                fflush(stdout);
            }
        }
    }
    free(c);
    printf("bench done: %s\n", status ? "FAIL" : "ok");
    return status;
}
