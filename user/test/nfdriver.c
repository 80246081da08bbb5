/* nfdriver: drives Click network-function FWPs (clicknf) for
 * tests/clicknf/run.sh. It forks the templates the boot modules
 * checkpointed, wires their inboxes and send channels, sends crafted
 * Ethernet/IPv4 frames and checks what comes back. One line per check:
 * "check NAME: PASS|FAIL (detail)"; figures as "figure NAME: ...".
 *
 *   nfdriver PASS FIREWALL SRCFILTER BAD   the templates' names
 *   nfdriver --bench PASS [BATCHES [FRAMES]]
 *       benchmark mode (bench/click/nf_bench.py, make bench-click): streams
 *       64- and 1500-byte frames through one fork of PASS and through a
 *       chain of three, one warm-up batch and BATCHES timed batches of
 *       FRAMES frames each; one line per batch, "bench nfs=N bytes=B
 *       batch=I frames=F got=G bad=X ns=T cycles=C" (batch 0 is the
 *       warm-up), then "bench done: ..." */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "edgeos.h"
#include "clicknf_proto.h"
#include "eos_check.h"

#define RX_SLOTS 256
#define RX_BYTES (sizeof(struct eos_chan_ring) + RX_SLOTS * EOS_CHAN_SLOT)
static uint8_t rx_mem[(RX_BYTES + 4095) & ~4095ul] __attribute__((aligned(4096)));
static struct eos_chan_ring *rx = (struct eos_chan_ring *)rx_mem;
static long rx_chan;                       /* channel into rx_mem, granted to the last NF of each line */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- frames ---- */

struct frame {
    uint8_t b[1514];
    uint32_t len;
};

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static uint32_t ip4(int a, int b, int c, int d) { return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d; }

static void eth(struct frame *f, uint16_t type)
{
    static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x01 }, src[6] = { 0x02, 0, 0, 0, 0, 0x02 };
    memcpy(f->b, dst, 6);
    memcpy(f->b + 6, src, 6);
    put16(f->b + 12, type);
}

/* Ethernet + IPv4 + UDP (proto 17) or TCP (6) to dport, `payload` bytes
 * that start with seq. */
static void ipframe(struct frame *f, int proto, uint32_t src, uint32_t dst, uint16_t dport, uint32_t payload, uint32_t seq)
{
    memset(f, 0, sizeof *f);
    eth(f, 0x0800);
    uint8_t *ip = f->b + 14, *l4 = ip + 20;
    uint32_t l4len = (proto == 6 ? 20 : 8) + payload;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + l4len));
    put16(ip + 4, (uint16_t)seq);
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, csum(ip, 20));
    put16(l4, (uint16_t)(40000 + seq % 1000));
    put16(l4 + 2, dport);
    if (proto == 6) {
        put32(l4 + 4, seq);
        l4[12] = 5 << 4;
        l4[13] = 0x02;                      /* SYN */
        put16(l4 + 14, 65535);
    } else {
        put16(l4 + 4, (uint16_t)l4len);
    }
    uint8_t *pl = l4 + (proto == 6 ? 20 : 8);
    for (uint32_t i = 0; i < payload; i++)
        pl[i] = (uint8_t)(seq * 7 + i);
    if (payload >= 4)
        put32(pl, seq);
    f->len = 14 + 20 + l4len;
    if (f->len < 60)
        f->len = 60;
}

static void arpframe(struct frame *f)
{
    memset(f, 0, sizeof *f);
    eth(f, 0x0806);
    uint8_t *a = f->b + 14;
    put16(a, 1); put16(a + 2, 0x0800); a[4] = 6; a[5] = 4; put16(a + 6, 1);
    put32(a + 14, ip4(10, 0, 0, 9));
    put32(a + 24, ip4(10, 0, 0, 1));
    f->len = 60;
}

/* ---- channels ---- */

struct nf {
    long fwp, in, ntfn;
};

/* Fork `tm`, attach a channel to its inbox, give it `out` as its send
 * channel and start it. */
static int nf_start(struct nf *n, long tm, long out)
{
    memset(n, 0, sizeof *n);
    n->fwp = eos_fork(tm, 0, -1);
    if (n->fwp < 0)
        return (int)n->fwp;
    n->ntfn = eos_notification_create();
    long ni = eos_cap_grant(n->fwp, n->ntfn, EOS_RIGHT_RECV, 0);
    n->in = eos_chan_attach(n->fwp, n->ntfn);
    long so = eos_cap_grant(n->fwp, out, EOS_RIGHT_SEND, 0);
    if (n->ntfn < 0 || ni < 0 || n->in < 0 || so < 0) {
        printf("nfdriver: wiring failed: ntfn %ld grant %ld attach %ld send %ld\n", n->ntfn, ni, n->in, so);
        return -1;
    }
    return (int)eos_activate(n->fwp, (long)CLICKNF_ARG(so, ni));
}

static void nf_end(struct nf *n)
{
    eos_destroy(n->fwp);
    eos_cap_delete(n->in);
    eos_destroy(n->ntfn);
}

static int send_slots(long chan, const struct eos_chan_desc *d, int n)
{
    int done = 0;
    uint64_t end = now_ns() + 2000000000ull;
    while (done < n && now_ns() < end) {
        long r = eos_chan_send(chan, d + done, n - done);
        if (r < 0)
            return done;
        done += (int)r;
        if (done < n)
            eos_sleep_ns(0);
    }
    return done;
}

static int send_frames(long chan, const struct frame *f, int n)
{
    struct eos_chan_desc d[64];
    int sent = 0;
    while (sent < n) {
        int k = n - sent < 64 ? n - sent : 64;
        for (int i = 0; i < k; i++)
            d[i] = (struct eos_chan_desc){ (uint64_t)(uintptr_t)f[sent + i].b, f[sent + i].len, CLICKNF_META_FRAME, 0 };
        int r = send_slots(chan, d, k);
        sent += r;
        if (r < k)
            break;
    }
    return sent;
}

static const struct eos_chan_slot *rx_slot(uint32_t i)
{
    return (const struct eos_chan_slot *)(rx_mem + sizeof *rx + (size_t)(i % rx->nslots) * EOS_CHAN_SLOT);
}

/* Waits up to timeout_ms for the next slot of the driver's ring; copies it
 * out and consumes it. 0 on timeout. */
static int rx_next(struct frame *f, uint32_t *meta, uint64_t *aux, unsigned timeout_ms)
{
    uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000ull;
    for (;;) {
        uint32_t cons = rx->cons;
        if (cons != __atomic_load_n(&rx->prod, __ATOMIC_ACQUIRE)) {
            const struct eos_chan_slot *s = rx_slot(cons);
            f->len = s->len < sizeof f->b ? s->len : sizeof f->b;
            memcpy(f->b, s->data, f->len);
            if (meta)
                *meta = s->meta;
            if (aux)
                *aux = s->aux;
            __atomic_store_n(&rx->cons, cons + 1, __ATOMIC_RELEASE);
            return 1;
        }
        if (now_ns() > end)
            return 0;
        eos_sleep_ns(0);
    }
}

/* Collects frames (data slots) until `want` arrived or nothing came for
 * timeout_ms. */
static int rx_frames(struct frame *out, int want, unsigned timeout_ms)
{
    int n = 0;
    struct frame tmp;
    uint32_t meta;
    while (n < want && rx_next(out ? &out[n] : &tmp, &meta, NULL, timeout_ms))
        if (meta == CLICKNF_META_FRAME)
            n++;
    return n;
}

/* Asks an NF for handler values; returns the text of the answer ("" on
 * no answer). */
static const char *stats(struct nf *n, const char *ask)
{
    static char text[8192];
    text[0] = 0;
    struct eos_chan_desc d = { (uint64_t)(uintptr_t)ask, (uint32_t)strlen(ask), CLICKNF_META_STATS, 0 };
    if (send_slots(n->in, &d, 1) != 1)
        return text;
    static struct frame f;
    uint32_t meta;
    uint64_t aux;
    size_t len = 0;
    while (rx_next(&f, &meta, &aux, 3000)) {
        if (meta != CLICKNF_META_STATS)
            continue;
        if (len + f.len < sizeof text) {
            memcpy(text + len, f.b, f.len);
            len += f.len;
            text[len] = 0;
        }
        if (aux == 1)
            break;
    }
    return text;
}

static long stat_value(const char *text, const char *spec)
{
    char key[128];
    snprintf(key, sizeof key, "%s=", spec);
    for (const char *p = text; (p = strstr(p, key)); p++)
        if (p == text || p[-1] == '\n')
            return strtol(p + strlen(key), NULL, 10);
    return -1;
}

static void drain(void)
{
    rx->cons = __atomic_load_n(&rx->prod, __ATOMIC_ACQUIRE);
}

/* ---- the checks ---- */

static struct frame tx_f[512], rx_f[512];

static void test_passthrough(long tm)
{
    struct nf n;
    int r = nf_start(&n, tm, rx_chan);
    int sizes[] = { 60, 64, 128, 333, 590, 1000, 1400, 1514 };
    int nf = 24;
    for (int i = 0; i < nf; i++) {
        uint32_t len = (uint32_t)sizes[i % 8];
        ipframe(&tx_f[i], 17, ip4(172, 16, 0, 1 + i), ip4(10, 0, 0, 5), 53, len - 42, (uint32_t)i);
    }
    int sent = send_frames(n.in, tx_f, nf);
    int got = rx_frames(rx_f, nf, 3000);
    int same = 0;
    for (int i = 0; i < got; i++)
        same += rx_f[i].len == tx_f[i].len && !memcmp(rx_f[i].b, tx_f[i].b, tx_f[i].len);
    eos_check("passthrough", r == 0 && sent == nf && got == nf && same == nf,
          "start %d; sent %d, received %d, %d identical and in order", r, sent, got, same);
    const char *s = stats(&n, "c.count");
    eos_check("passthrough-counter", stat_value(s, "c.count") == nf, "answer '%.*s'", (int)strcspn(s, "\n"), s);
    s = stats(&n, "");
    eos_check("stats-all", stat_value(s, "c.count") == nf && strstr(s, "clicknf.tx_dropped=0"),
          "%zu bytes listing every handler", strlen(s));
    nf_end(&n);
}

static struct nf fw;                       /* stays alive through the crash test */

static void test_firewall(long tm)
{
    int r = nf_start(&fw, tm, rx_chan);
    int k = 0;
    ipframe(&tx_f[k++], 17, ip4(172, 16, 1, 1), ip4(10, 0, 0, 5), 53, 32, 1);    /* DNS to a server: pass */
    ipframe(&tx_f[k++], 6, ip4(172, 16, 1, 2), ip4(10, 0, 0, 6), 80, 16, 2);     /* HTTP to a server: pass */
    ipframe(&tx_f[k++], 17, ip4(172, 16, 1, 3), ip4(10, 0, 0, 5), 9999, 32, 3);  /* blocked port */
    ipframe(&tx_f[k++], 6, ip4(172, 16, 1, 4), ip4(10, 0, 0, 6), 23, 16, 4);      /* telnet: blocked port */
    ipframe(&tx_f[k++], 17, ip4(172, 16, 1, 5), ip4(10, 0, 9, 5), 53, 32, 5);    /* outside the server range */
    arpframe(&tx_f[k++]);                                                        /* ARP: pass */
    ipframe(&tx_f[k], 17, ip4(1, 1, 1, 1), ip4(10, 0, 0, 5), 53, 32, 7);
    put16(tx_f[k++].b + 12, 0x86dd);                                             /* not IPv4: dropped */
    int sent = send_frames(fw.in, tx_f, k);
    int got = rx_frames(rx_f, 4, 1500);    /* 3 expected; a 4th would be a leak */
    int which = 0;
    for (int i = 0; i < got; i++)
        for (int j = 0; j < k; j++)
            if (rx_f[i].len == tx_f[j].len && !memcmp(rx_f[i].b, tx_f[j].b, tx_f[j].len))
                which |= 1 << j;
    eos_check("firewall-pass-drop", r == 0 && sent == k && got == 3 && which == (1 << 0 | 1 << 1 | 1 << 5),
          "sent %d, received %d, passed set %#x (want 0x23: DNS, HTTP, ARP)", sent, got, which);
    const char *s = stats(&fw, "passed.count filter.drops nonip.count check.drops");
    long pc = stat_value(s, "passed.count"), fd = stat_value(s, "filter.drops"), ni = stat_value(s, "nonip.count");
    eos_check("firewall-counters", pc == 2 && fd == 3 && ni == 1, "passed.count %ld filter.drops %ld nonip.count %ld", pc, fd, ni);
}

static void test_srcfilter(long tm)
{
    struct nf n;
    int r = nf_start(&n, tm, rx_chan);
    int k = 0;
    ipframe(&tx_f[k++], 17, ip4(192, 168, 7, 7), ip4(10, 0, 0, 5), 53, 32, 1);   /* blocked source range */
    ipframe(&tx_f[k++], 17, ip4(192, 168, 255, 1), ip4(10, 0, 0, 5), 53, 32, 2); /* blocked source range */
    ipframe(&tx_f[k++], 17, ip4(192, 169, 0, 1), ip4(10, 0, 0, 5), 53, 32, 3);   /* just outside it */
    ipframe(&tx_f[k++], 6, ip4(10, 1, 1, 1), ip4(10, 0, 0, 5), 80, 16, 4);
    int sent = send_frames(n.in, tx_f, k);
    int got = rx_frames(rx_f, 3, 1500);
    int which = 0;
    for (int i = 0; i < got; i++)
        for (int j = 0; j < k; j++)
            if (rx_f[i].len == tx_f[j].len && !memcmp(rx_f[i].b, tx_f[j].b, tx_f[j].len))
                which |= 1 << j;
    const char *s = stats(&n, "f.drops c.count");
    long fd = stat_value(s, "f.drops"), cc = stat_value(s, "c.count");
    eos_check("srcrange-drop", r == 0 && sent == k && got == 2 && which == 0xc && fd == 2 && cc == 2,
          "received %d (set %#x, want 0xc), f.drops %ld, c.count %ld", got, which, fd, cc);
    nf_end(&n);
}

/* Pushes `total` frames of tx_f[0..255] (in turn) in through `in` and
 * counts what reaches the driver's ring; returns frames received, *ns and
 * *cycles the time taken, *bad the frames that came back different (whole:
 * every byte compared; else the length and the sequence number at the start
 * of the payload, so the driver's own work per frame stays small). */
static int pump(long in, int total, bool whole, uint64_t *ns, uint64_t *cycles, int *bad)
{
    int nf = 256;
    struct eos_chan_desc d[32];
    int sent = 0, got = 0;
    *bad = 0;
    uint64_t t0 = now_ns(), c0 = eos_rdtsc(), idle_since = t0;
    while (got < total) {
        if (sent < total) {
            int k = total - sent < 32 ? total - sent : 32;
            for (int i = 0; i < k; i++) {
                const struct frame *f = &tx_f[(sent + i) % nf];
                d[i] = (struct eos_chan_desc){ (uint64_t)(uintptr_t)f->b, f->len, CLICKNF_META_FRAME, 0 };
            }
            long r = eos_chan_send(in, d, k);
            if (r > 0)
                sent += (int)r;
        }
        int progress = 0;
        uint32_t prod = __atomic_load_n(&rx->prod, __ATOMIC_ACQUIRE), cons = rx->cons;
        for (; cons != prod; cons++) {
            const struct eos_chan_slot *s = rx_slot(cons);
            const struct frame *f = &tx_f[got % nf];
            if (s->len != f->len || (whole ? memcmp(s->data, f->b, f->len) : memcmp(s->data + 42, f->b + 42, 4)))
                (*bad)++;
            got++;
            progress = 1;
        }
        __atomic_store_n(&rx->cons, cons, __ATOMIC_RELEASE);
        uint64_t t = now_ns();
        if (progress)
            idle_since = t;
        else if (t - idle_since > 2000000000ull)
            break;                          /* 2 s without a frame: lost */
        if (!progress)
            eos_sleep_ns(0);
    }
    *ns = now_ns() - t0;
    *cycles = eos_rdtsc() - c0;
    return got;
}


/* Pushes `total` frames in through `in` and counts what reaches the
 * driver's ring; returns frames received, *ns the time taken. */
static int stream(long in, int total, uint64_t *ns, uint64_t *cycles, int *bad)
{
    for (int i = 0; i < 256; i++)
        ipframe(&tx_f[i], 17, ip4(172, 16, 2, 1), ip4(10, 0, 0, 5), 53, 64, (uint32_t)i);
    return pump(in, total, true, ns, cycles, bad);
}

static void test_chain(long tm)
{
    struct nf n[3];
    int r = 0;
    /* Start from the end: each NF's send channel is the next one's inbox. */
    r |= nf_start(&n[2], tm, rx_chan);
    r |= nf_start(&n[1], tm, n[2].in);
    r |= nf_start(&n[0], tm, n[1].in);
    uint64_t ns, cyc;
    int bad, total = 3000;
    int got = stream(n[0].in, total, &ns, &cyc, &bad);
    eos_check("chain3", r == 0 && got == total && bad == 0, "%d of %d frames through driver -> nf1 -> nf2 -> nf3 -> driver, %d changed or out of order",
          got, total, bad);
    printf("figure chain3: %d frames in %llu us, %llu frames/s, %llu TSC cycles/frame\n", got,
           (unsigned long long)(ns / 1000), (unsigned long long)(ns ? (uint64_t)got * 1000000000ull / ns : 0),
           (unsigned long long)(got ? cyc / (uint64_t)got : 0));
    const char *s = stats(&n[1], "c.count");
    eos_check("chain3-middle-count", stat_value(s, "c.count") == total, "nf2 counted %ld", stat_value(s, "c.count"));
    for (int i = 0; i < 3; i++)
        nf_end(&n[i]);

    struct nf one;
    r = nf_start(&one, tm, rx_chan);
    got = stream(one.in, total, &ns, &cyc, &bad);
    eos_check("single-stream", r == 0 && got == total && bad == 0, "%d of %d frames through one NF", got, total);
    printf("figure single: %d frames in %llu us, %llu frames/s, %llu TSC cycles/frame\n", got,
           (unsigned long long)(ns / 1000), (unsigned long long)(ns ? (uint64_t)got * 1000000000ull / ns : 0),
           (unsigned long long)(got ? cyc / (uint64_t)got : 0));
    nf_end(&one);
}

static void test_crash(long tm)
{
    struct nf n;
    int r = nf_start(&n, tm, rx_chan);
    ipframe(&tx_f[0], 17, ip4(172, 16, 3, 1), ip4(10, 0, 0, 5), 53, 32, 1);
    send_frames(n.in, tx_f, 1);
    int before = rx_frames(rx_f, 1, 2000);
    struct eos_chan_desc d = { (uint64_t)(uintptr_t)"", 0, CLICKNF_META_FAULT, 0 };
    send_slots(n.in, &d, 1);
    long w = eos_wait_parked(n.fwp);       /* returns once it has ended */
    struct eos_fwp_info info;
    memset(&info, 0, sizeof info);
    eos_fwp_info(n.fwp, &info);
    eos_check("crash-ended", r == 0 && before == 1 && info.state != 0, "wait %ld, state %llu after the fault request",
          w, (unsigned long long)info.state);
    nf_end(&n);
    /* A fresh fork of the same template works. */
    struct nf f;
    r = nf_start(&f, tm, rx_chan);
    for (int i = 0; i < 5; i++)
        ipframe(&tx_f[i], 17, ip4(172, 16, 3, 2), ip4(10, 0, 0, 5), 53, 100, (uint32_t)i);
    int sent = send_frames(f.in, tx_f, 5);
    int got = rx_frames(rx_f, 5, 2000);
    int same = 0;
    for (int i = 0; i < got; i++)
        same += !memcmp(rx_f[i].b, tx_f[i].b, tx_f[i].len);
    eos_check("crash-fresh-fork", r == 0 && sent == 5 && got == 5 && same == 5, "sent %d, received %d (%d identical)", sent, got, same);
    nf_end(&f);
    /* The firewall instance started earlier still answers. */
    const char *s = stats(&fw, "passed.count");
    eos_check("crash-others-unaffected", stat_value(s, "passed.count") == 2, "firewall's passed.count %ld", stat_value(s, "passed.count"));
}


/* ---- benchmark mode ---- */

/* Like stream(), for frames of exactly `len` bytes, checked by length and
 * sequence number only. */
static int bench_stream(long in, int total, uint32_t len, uint64_t *ns, uint64_t *cycles, int *bad)
{
    for (int i = 0; i < 256; i++)
        ipframe(&tx_f[i], 17, ip4(172, 16, 4, 1), ip4(10, 0, 0, 5), 53, len - 42, (uint32_t)i);
    return pump(in, total, false, ns, cycles, bad);
}

static int bench_main(long tm, int batches, int frames)
{
    static const uint32_t sizes[] = { 64, 1500 };
    static const int chains[] = { 1, 3 };
    int status = 0;
    for (int si = 0; si < 2; si++) {
        for (int ci = 0; ci < 2; ci++) {
            int k = chains[ci];
            struct nf n[3];
            int r = 0;
            /* From the end: each NF's send channel is the next one's inbox. */
            for (int i = k - 1; i >= 0; i--)
                r |= nf_start(&n[i], tm, i == k - 1 ? rx_chan : n[i + 1].in);
            if (r) {
                printf("bench error: starting %d NFs: %d\n", k, r);
                return 1;
            }
            long want = 0;
            for (int b = 0; b <= batches; b++) {
                uint64_t ns, cyc;
                int bad;
                int got = bench_stream(n[0].in, frames, sizes[si], &ns, &cyc, &bad);
                want += frames;
                printf("bench nfs=%d bytes=%u batch=%d frames=%d got=%d bad=%d ns=%llu cycles=%llu\n", k, sizes[si], b,
                       frames, got, bad, (unsigned long long)ns, (unsigned long long)cyc);
                fflush(stdout);
                if (got != frames || bad) {
                    status = 1;
                    drain();
                }
            }
            /* every NF of the chain counted every frame */
            for (int i = 0; i < k; i++) {
                const char *s = stats(&n[i], "c.count");
                long c = stat_value(s, "c.count");
                if (c != want) {
                    printf("bench error: nfs=%d bytes=%u: NF %d counted %ld of %ld\n", k, sizes[si], i + 1, c, want);
                    status = 1;
                }
            }
            for (int i = 0; i < k; i++)
                nf_end(&n[i]);
            drain();
        }
    }
    printf("bench done: %s\n", status ? "FAIL" : "ok");
    return status;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--bench")) {
        int batches = argc > 3 ? atoi(argv[3]) : 9, frames = argc > 4 ? atoi(argv[4]) : 2000;
        if (batches < 1 || batches > 1000)
            batches = 9;
        if (frames < 1 || frames > 1000000)
            frames = 2000;
        rx_chan = eos_chan_create(rx, RX_BYTES, -1);
        long tm = eos_template_open(argv[2]);
        if (rx_chan < 0 || tm < 0) {
            printf("bench error: chan_create %ld, template_open(%s) %ld\n", rx_chan, argv[2], tm);
            return 1;
        }
        printf("bench start: %d batches of %d frames after one warm-up batch\n", batches, frames);
        return bench_main(tm, batches, frames);
    }
    if (argc < 5) {
        printf("usage: nfdriver PASS FIREWALL SRCFILTER BAD\n");
        return 2;
    }
    rx_chan = eos_chan_create(rx, RX_BYTES, -1);
    if (rx_chan < 0) {
        printf("nfdriver: chan_create %ld\n", rx_chan);
        return 1;
    }
    long tbad = eos_template_open(argv[4]);
    eos_check("config-error-no-template", tbad < 0, "opening '%s' returned %ld", argv[4], tbad);
    long tpass = eos_template_open(argv[1]), tfw = eos_template_open(argv[2]), tsrc = eos_template_open(argv[3]);
    if (tpass < 0 || tfw < 0 || tsrc < 0) {
        printf("nfdriver: cannot open templates (%ld %ld %ld)\n", tpass, tfw, tsrc);
        return 1;
    }
    test_passthrough(tpass);
    drain();
    test_firewall(tfw);
    drain();
    test_srcfilter(tsrc);
    drain();
    test_chain(tpass);
    drain();
    test_crash(tpass);
    nf_end(&fw);
    printf("nfdriver: %d eos_check_failures\n", eos_check_failures);
    return eos_check_failures ? 1 : 0;
}
