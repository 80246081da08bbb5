/* The memcached FWP: EdgeOS's memcached service instance.
 *
 * As a template it builds its cache and pre-loads keys key:0..key:N-1
 * (values value:0..), then checkpoints. Each fork is one instance: the nic
 * (its root FWP) grants it a send right on the nic's reply channel and a
 * setup endpoint, passing their indices in the checkpoint argument:
 *   bits 0-15 reply channel, 16-31 setup endpoint, 32-47 UDP port served.
 * The instance creates its own receive ring and channel, tells the nic the
 * channel's index through the setup endpoint, then serves: request
 * datagrams (memcached's UDP frame header + text protocol) arrive in its
 * ring; replies go back through the reply channel with the request's
 * meta/aux (client port, server port, client address) unchanged. It sleeps
 * on a notification whenever its ring is empty.
 *
 * Options: preload=N (100), cache=KiB (item memory, 1024),
 *          crashkey (test hook: "get __edgeos_crash__" faults on purpose). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "edgeos.h"
#include "mc_engine.h"

#define RX_SLOTS 64
#define TX_MAX 64

struct tx_batch {
    struct eos_chan_desc d[TX_MAX];
    uint8_t buf[TX_MAX][1408];
    int n;
    uint32_t meta;
    uint64_t aux;
    long chan;
};

static void tx_flush(struct tx_batch *b)
{
    if (b->n)
        eos_chan_send(b->chan, b->d, b->n);   /* a full nic ring drops; UDP clients retry */
    b->n = 0;
}

static void emit(void *ctx, const void *dgram, size_t len)
{
    struct tx_batch *b = ctx;
    if (b->n == TX_MAX)
        tx_flush(b);
    if (len > sizeof b->buf[0])
        return;
    memcpy(b->buf[b->n], dgram, len);
    b->d[b->n] = (struct eos_chan_desc){ (uint64_t)(uintptr_t)b->buf[b->n], (uint32_t)len, b->meta, b->aux };
    b->n++;
}

static int64_t now_unix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
}

static int is_crash_request(const uint8_t *p, uint32_t len)
{
    static const char key[] = "get __edgeos_crash__";
    return len >= 8 + sizeof key - 1 && !memcmp(p + 8, key, sizeof key - 1);
}

int main(int argc, char **argv)
{
    long preload = 100, cache_kib = 1024;
    int crashkey = 0;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "preload=", 8))
            preload = strtol(argv[i] + 8, NULL, 10);
        else if (!strncmp(argv[i], "cache=", 6))
            cache_kib = strtol(argv[i] + 6, NULL, 10);
        else if (!strcmp(argv[i], "crashkey"))
            crashkey = 1;
    }
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.mem_limit = (uint64_t)cache_kib * 1024;
    cfg.version = "1.6.18-edgeos";
    mc_engine *e = mc_engine_create(&cfg);
    if (!e) {
        printf("memcached: cannot create the cache\n");
        return 1;
    }
    mc_engine_set_clock(e, now_unix());
    mc_conn *c = mc_conn_create(e);
    mc_out out;
    memset(&out, 0, sizeof out);
    for (long i = 0; i < preload; i++) {
        char req[128];
        char val[32];
        int vl = snprintf(val, sizeof val, "value:%ld", i);
        int n = snprintf(req, sizeof req, "set key:%ld 0 0 %d noreply\r\n%s\r\n", i, vl, val);
        mc_conn_feed(e, c, req, (size_t)n, &out);
    }
    mc_conn_destroy(e, c);
    mc_out_free(&out);

    /* Everything above is the template; forks start here. */
    uint64_t seed, arg;
    long id = eos_checkpoint(&seed, &arg);
    if (id < 0) {
        printf("memcached: checkpoint failed (%ld)\n", id);
        return 1;
    }
    srand((unsigned)seed);
    long reply_chan = (long)(arg & 0xffff), setup_ep = (long)((arg >> 16) & 0xffff);
    size_t ring_bytes = (sizeof(struct eos_chan_ring) + RX_SLOTS * EOS_CHAN_SLOT + 4095) & ~4095UL;
    struct eos_chan_ring *ring = aligned_alloc(4096, ring_bytes);
    long ntfn = eos_notification_create();
    long chan = ring && ntfn >= 0 ? eos_chan_create(ring, ring_bytes, ntfn) : -1;
    uint64_t w[4] = { (uint64_t)chan, 0, 0, 0 };
    if (chan < 0 || eos_call(setup_ep, w) < 0) {
        printf("memcached %ld: setup failed (channel %ld)\n", id, chan);
        return 1;
    }
    static struct tx_batch tx;
    tx.chan = reply_chan;
    uint32_t cons = ring->cons;
    for (;;) {
        uint32_t prod = __atomic_load_n(&ring->prod, __ATOMIC_ACQUIRE);
        if (prod == cons) {
            eos_wait(ntfn);             /* the kernel signals after each send */
            continue;
        }
        mc_engine_set_clock(e, now_unix());
        for (; cons != prod; cons++) {
            struct eos_chan_slot *s = (struct eos_chan_slot *)((uint8_t *)ring + sizeof *ring +
                                                               (size_t)(cons % ring->nslots) * EOS_CHAN_SLOT);
            uint32_t len = s->len <= EOS_CHAN_DATA ? s->len : EOS_CHAN_DATA;
            if (crashkey && is_crash_request(s->data, len)) {
                volatile int *null = 0;
                *null = 1;              /* test hook: crash mid-request */
            }
            tx.meta = s->meta;
            tx.aux = s->aux;
            mc_udp_handle(e, s->data, len, emit, &tx);
        }
        __atomic_store_n(&ring->cons, cons, __ATOMIC_RELEASE);
        tx_flush(&tx);
    }
}
