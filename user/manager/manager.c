/* The manager: EdgeOS's root FWP. It opens the templates that boot modules
 * checkpointed and drives FWPs through their life cycle.
 *   manager test TEMPLATE [LEAK_ITERATIONS]   life-cycle checks, one "check NAME: PASS|FAIL" line each
 *   manager bench T16 T256 T4M [ITER]         start-up benchmark, CSV lines "csv,name,iters,median_ns,..." */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edgeos.h"
#include "eos_icount.h"
#include "eos_check.h"


static long must_open(const char *name)
{
    long t = eos_template_open(name);
    if (t < 0) {
        printf("manager: cannot open template %s (%ld)\n", name, t);
        exit(2);
    }
    return t;
}

static uint64_t free_frames(void)
{
    struct eos_mem_info mi;
    eos_mem_info(&mi);
    return mi.frames_free + mi.kstack_frames;   /* cached kernel stacks are reusable */
}

static int run_test(const char *tname, long leak_iters)
{
    long tm = must_open(tname);
    struct eos_mem_info mi;
    eos_mem_info(&mi);
    printf("manager: template %s open (cap %ld); %llu frames free of %llu\n", tname, tm,
           (unsigned long long)mi.frames_free, (unsigned long long)mi.frames_total);

    /* Forks see the template's state; each reports once (command 0). */
    long c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = eos_fork(tm, EOS_START, i % eos_ncpus());
        if (c[i] < 0) {
            eos_check("fork", 0, "fork returned %ld", c[i]);
            return 1;
        }
    }
    for (int i = 0; i < 3; i++)
        eos_wait_parked(c[i]);
    eos_check("fork", 1, "3 forks started and parked");

    /* Isolation: each writes its id; each then sees only its own writes. */
    for (int i = 0; i < 3; i++) {
        eos_activate(c[i], 1);
        eos_wait_parked(c[i]);
    }
    for (int i = 0; i < 3; i++) {
        eos_activate(c[i], 2);
        eos_wait_parked(c[i]);
    }
    /* A fork that makes its shared text writable and changes it gets a
     * private copy: the others, and new forks, still see the template's
     * text (commands 11 and 12 report; tests/fwp checks the reports). */
    eos_activate(c[1], 11);
    eos_wait_parked(c[1]);
    eos_activate(c[2], 12);
    eos_wait_parked(c[2]);
    long fresh = eos_fork(tm, EOS_START | 0, -1);
    if (fresh >= 0) {
        eos_wait_parked(fresh);
        eos_activate(fresh, 12);
        eos_wait_parked(fresh);
        eos_destroy(fresh);
    }
    eos_reset(c[1], 0, 0);
    eos_activate(c[1], 12);          /* reset brings the shared text back too */
    eos_wait_parked(c[1]);
    /* Reset restores exactly the template state (command 0 reports it). */
    long restored = eos_reset(c[0], 0, 0);
    eos_check("reset-count", restored > 0, "reset restored %ld pages after the FWP wrote its state", restored);
    long again = eos_reset(c[0], 0, 0);
    eos_check("reset-clean", again == 0, "a second reset with nothing dirtied restored %ld pages", again);
    eos_activate(c[0], 0);           /* reports "intact": reset restored the template state */
    eos_wait_parked(c[0]);

    /* Wrong capabilities are errors. */
    eos_check("badcap-fork", eos_fork(9999, 0, -1) == -EBADF, "fork of a non-existent cap");
    eos_check("badcap-type", eos_reset(tm, 0, 0) == -EBADF, "reset of a template cap (wrong type)");
    eos_check("badcap-negative", eos_destroy(-5) == -EBADF, "destroy of cap -5");
    eos_check("badcap-forktype", eos_fork(c[1], 0, -1) == -EBADF, "fork from an FWP cap (wrong type)");
    eos_check("reset-running", eos_reset(tm, 0, 0) == -EBADF, "reset refused");

    /* A faulting fork ends alone; destroying the rest frees their memory. */
    eos_activate(c[2], 4);
    eos_wait_parked(c[2]);          /* returns -ESRCH once it is gone */
    struct eos_fwp_info info;
    eos_fwp_info(c[2], &info);
    eos_check("fault-contained", info.state != 0, "faulting fork state %llu", (unsigned long long)info.state);
    for (int i = 0; i < 3; i++)
        eos_destroy(c[i]);

    /* Quota inside a fork: malloc returns NULL, the fork lives on. */
    long q = eos_fork(tm, EOS_START, -1);
    eos_wait_parked(q);
    eos_activate(q, 5);
    eos_wait_parked(q);
    eos_fwp_info(q, &info);
    eos_check("fork-quota", info.parked == 1 && info.used_frames <= info.quota_frames,
          "used %llu of %llu frames", (unsigned long long)info.used_frames, (unsigned long long)info.quota_frames);
    eos_destroy(q);

    /* Pools: pre-fork on every CPU, take from this CPU's pool. */
    long ncpu = eos_ncpus(), filled = 0;
    for (long cpu = 0; cpu < ncpu; cpu++)
        filled += eos_pool_fill(tm, cpu, 4);
    long p = eos_pool_take(tm, EOS_START, 0);
    if (p >= 0)
        eos_wait_parked(p);
    eos_check("pool", filled == 4 * ncpu && p >= 0, "filled %ld, took cap %ld", filled, p);
    if (p >= 0)
        eos_destroy(p);

    /* Physical memory exhaustion: fork until the kernel says no, then all
     * memory comes back. */
    uint64_t before = free_frames();
    static long many[20000];
    long n = 0, err = 0;
    while (n < 20000) {
        long f = eos_fork(tm, 0, -1);
        if (f < 0) {
            err = f;
            break;
        }
        many[n++] = f;
    }
    for (long i = 0; i < n; i++)
        eos_destroy(many[i]);
    uint64_t after = free_frames();
    eos_check("exhaustion", err == -ENOMEM && after == before,
          "%ld forks until error %ld; free frames %llu -> %llu", n, err, (unsigned long long)before,
          (unsigned long long)after);

    /* IPC: a fork serves an endpoint granted to it; words echo +1. */
    long ep = eos_endpoint_create();
    long srv = eos_fork(tm, 0, eos_cpu());
    long idx = eos_cap_grant(srv, ep, EOS_RIGHT_RECV, 0);
    eos_activate(srv, 7 | (idx << 8));
    uint64_t w[4] = { 10, 20, 30, 40 };
    long r = eos_call(ep, w);
    eos_check("ipc-call", r == 0 && w[0] == 11 && w[1] == 21 && w[2] == 31 && w[3] == 41,
          "call returned %ld, words %llu %llu %llu %llu", r, (unsigned long long)w[0], (unsigned long long)w[1],
          (unsigned long long)w[2], (unsigned long long)w[3]);
    int okn = 1;
    for (uint64_t i = 1; i <= 1000 && okn; i++) {
        uint64_t v[4] = { i, i * 2, i * 3, ~i };
        okn = eos_call(ep, v) == 0 && v[0] == i + 1 && v[1] == i * 2 + 1 && v[3] == ~i + 1;
    }
    eos_check("ipc-many", okn, "1000 calls answered correctly");
    /* wrong caps and rights */
    eos_check("ipc-badcap", eos_call(9999, w) == -EBADF, "call on a non-existent cap");
    eos_check("ipc-wrongtype", eos_call(tm, w) == -EBADF, "call on a template cap");
    long sendonly = eos_cap_mint(ep, EOS_RIGHT_SEND, 7);
    eos_check("ipc-rights", eos_recv(sendonly, w) == -EPERM, "receive through a send-only cap");
    /* the server stops; then it is destroyed while we call: -EPIPE, not a hang */
    uint64_t stop[4] = { 0, 0, 0, 0 };
    eos_call(ep, stop);
    eos_wait_parked(srv);
    eos_activate(srv, 7 | (idx << 8));
    uint64_t dead[4] = { 0xdead, 0, 0, 0 };
    r = eos_call(ep, dead);
    eos_check("ipc-dead-peer", r == -EPIPE, "call to a server that faulted mid-request returned %ld", r);
    eos_destroy(srv);
    /* revocation: a fork's granted cap is removed; its call then fails */
    long cli = eos_fork(tm, 0, -1);
    idx = eos_cap_grant(cli, ep, EOS_RIGHT_SEND, 0);
    long rv = eos_cap_revoke(cli, idx);
    long rv2 = eos_cap_revoke(cli, idx);
    eos_activate(cli, 9 | (idx << 8));
    eos_wait_parked(cli);
    eos_check("cap-revoke", rv == 0 && rv2 == -EBADF, "revoke %ld then %ld", rv, rv2);
    /* a fork cannot use the manager's capability indices it was not granted */
    eos_activate(cli, 9 | ((long)ep << 8));
    eos_wait_parked(cli);
    eos_destroy(cli);
    /* notifications */
    long nt = eos_notification_create();
    long sig = eos_fork(tm, 0, -1);
    idx = eos_cap_grant(sig, nt, EOS_RIGHT_SEND, 0);
    eos_activate(sig, 8 | (idx << 8));
    long bits = eos_wait(nt);
    eos_check("notification", bits == 0x5, "wait returned %ld", bits);
    eos_wait_parked(sig);
    eos_destroy(sig);
    eos_destroy(nt);
    eos_destroy(ep);
    eos_check("ipc-destroyed", eos_call(ep, w) == -EBADF, "call on a destroyed endpoint cap");

    /* Channels: a fork copies buffers into the manager's private ring. */
    {
        size_t bytes = 64 + 4 * EOS_CHAN_SLOT;
        static uint8_t ringmem[64 + 4 * EOS_CHAN_SLOT + 4096] __attribute__((aligned(4096)));
        struct eos_chan_ring *ring = (struct eos_chan_ring *)ringmem;
        long ch = eos_chan_create(ring, bytes, -1);
        long snd = eos_fork(tm, 0, -1);
        long ci = eos_cap_grant(snd, ch, EOS_RIGHT_SEND, 0);
        struct eos_fwp_info si;
        eos_fwp_info(snd, &si);
        eos_activate(snd, 10 | (ci << 8));
        eos_wait_parked(snd);
        int ok = ring->nslots == 4 && ring->prod == 3;
        for (uint32_t i = 0; ok && i < 3; i++) {
            struct eos_chan_slot *sl = (struct eos_chan_slot *)(ringmem + 64 + i * EOS_CHAN_SLOT);
            char want[16];
            snprintf(want, sizeof want, "chan-%u", i);
            ok = sl->len == strlen(want) && !memcmp(sl->data, want, sl->len) && sl->meta == i && sl->aux == si.id;
        }
        eos_check("chan-copy", ok, "3 buffers copied into the receiver's ring (prod %u, slots %u)", ring->prod, ring->nslots);
        /* full ring: 1 free slot left, a batch of 3 moves exactly 1 */
        eos_activate(snd, 10 | (ci << 8));
        eos_wait_parked(snd);
        eos_check("chan-full", ring->prod == 4, "ring of 4 with 3 unread took 1 more (prod %u)", ring->prod);
        ring->cons = 4;                 /* consume everything */
        eos_activate(snd, 10 | (ci << 8));
        eos_wait_parked(snd);
        eos_check("chan-wrap", ring->prod == 7, "after consuming, 3 more arrived (prod %u)", ring->prod);
        /* a send-only right cannot be used to receive-side operations; a
         * channel into a reset FWP is dead */
        long rc = eos_fork(tm, 0, -1);
        eos_reset(snd, 0, 0);
        uint64_t one = 1;
        struct eos_chan_desc d1 = { (uint64_t)(uintptr_t)&one, 8, 0, 0 };
        eos_check("chan-badcap", eos_chan_send(9999, &d1, 1) == -EBADF && eos_chan_send(tm, &d1, 1) == -EBADF,
              "send on bad caps");
        eos_check("chan-badlen", eos_chan_send(ch, &(struct eos_chan_desc){ (uint64_t)(uintptr_t)&one, 4096, 0, 0 }, 1) == -EINVAL,
              "a buffer longer than a slot is refused");
        eos_destroy(rc);
        eos_destroy(snd);
        eos_destroy(ch);
    }

    /* Leak test: fork, run, reset, run, destroy, many times. */
    long warm = eos_fork(tm, 0, -1);           /* warm-up: kernel caches */
    eos_activate(warm, 6);
    eos_wait_parked(warm);
    eos_destroy(warm);
    before = free_frames();
    for (long i = 0; i < leak_iters; i++) {
        long f = eos_fork(tm, 0, -1);
        if (f < 0) {
            eos_check("leak", 0, "fork %ld failed: %ld", i, f);
            return 1;
        }
        if (i & 1) {                 /* run it, reset it, run it again */
            eos_activate(f, 6);
            eos_wait_parked(f);
            eos_reset(f, 0, 0);
            eos_activate(f, 6);
            eos_wait_parked(f);
        }
        eos_destroy(f);
    }
    after = free_frames();
    eos_check("leak", after == before, "%ld fork/reset/destroy cycles; free frames %llu -> %llu", leak_iters,
          (unsigned long long)before, (unsigned long long)after);
    printf("manager: %d eos_check_failures\n", eos_check_failures);
    return eos_check_failures ? 1 : 0;
}

/* ---- benchmark ---- */

/* Every measured operation also sits between instruction-count markers
 * (eos_icount.h: no-ops unless QEMU runs the counting plugin), so the same
 * run gives guest instruction counts per operation (bench/icount/). Marker
 * ids need constants: COUNTED(id, statement). */
#define COUNTED(id, stmt)       \
    do {                        \
        EOS_ICOUNT_START(id);   \
        stmt;                   \
        EOS_ICOUNT_STOP(id);    \
    } while (0)
/* Ids: fork 10+k, destroy 13+k, pool activation 16+k for k = 0 (16 KiB),
 * 1 (256 KiB), 2 (4 MiB); reset after the FWP ran and dirtied N state
 * pages 20..26 (its stack is dirty too); reset of an FWP that has not run
 * since its last reset, so no page is dirty, 27; IPC 30; channel
 * copy of a batch of 32 packets 31 (64 B), 32 (1400 B). */
static const long reset_dirty[] = { 0, 1, 4, 16, 64, 256, 1024 };
static void icount_names(void)
{
    static const char *size[] = { "16k", "256k", "4m" };
    for (int k = 0; k < 3; k++) {
        printf("icount-name,%d,fwp_fork_%s\n", 10 + k, size[k]);
        printf("icount-name,%d,fwp_destroy_%s\n", 13 + k, size[k]);
        printf("icount-name,%d,fwp_pool_activate_%s\n", 16 + k, size[k]);
    }
    for (int k = 0; k < 7; k++)
        printf("icount-name,%d,fwp_reset_dirty_%ld\n", 20 + k, reset_dirty[k]);
    printf("icount-name,27,fwp_reset_clean\n");
    printf("icount-name,30,ipc_call_reply_roundtrip\n");
    printf("icount-name,31,chan_copy_per_packet_64B per=32\n");
    printf("icount-name,32,chan_copy_per_packet_1400B per=32\n");
}

static uint64_t tsc_hz;
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *cyc, long n)
{
    if (n <= 0) {
        printf("csv,%s,0,,,,,,\n", name);
        return;
    }
    qsort(cyc, (size_t)n, sizeof cyc[0], cmp_u64);
#define NS(c) ((double)(c) * 1e9 / (double)tsc_hz)
    uint64_t med = cyc[n / 2], p90 = cyc[n * 90 / 100], p99 = cyc[n * 99 / 100];
    printf("csv,%s,%ld,%.0f,%.0f,%.0f,%.0f,%.0f,%llu\n", name, n, NS(med), NS(p90), NS(p99), NS(cyc[0]),
           NS(cyc[n - 1]), (unsigned long long)med);
}

static uint64_t samples[20000];
static long caps[20000];

static void bench_template(const char *tname, int k, long iters)
{
    static const char *labels[] = { "16k", "256k", "4m" };
    const char *label = labels[k];
    long tm = must_open(tname);
    char name[64];
    /* fork (parked) and destroy */
    uint64_t dcyc[20000];
    /* Warm-up: as many forks made and destroyed first, so the measured
     * ones find the kernel's caches (kernel stacks, slabs) as a running
     * system does. */
    for (long i = 0; i < iters; i++)
        if ((caps[i] = eos_fork(tm, 0, 0)) < 0)
            break;
    for (long i = 0; i < iters && caps[i] >= 0; i++)
        eos_destroy(caps[i]);
    for (long i = 0; i < iters; i++) {
        /* Forks come in bursts of 25 with the CPU idle in between, as on a
         * system that creates instances on demand: idle CPUs clear frames
         * ahead of need (the kernel's zeroed-frame cache, 256 frames). */
        if (i % 25 == 0)
            eos_sleep_ns(50000000);
        uint64_t t0 = eos_rdtsc();
        switch (k) {
        case 0: COUNTED(10, caps[i] = eos_fork(tm, 0, 0)); break;
        case 1: COUNTED(11, caps[i] = eos_fork(tm, 0, 0)); break;
        default: COUNTED(12, caps[i] = eos_fork(tm, 0, 0)); break;
        }
        samples[i] = eos_rdtsc() - t0;
        if (caps[i] < 0) {
            iters = i;
            break;
        }
    }
    for (long i = 0; i < iters; i++) {
        uint64_t t0 = eos_rdtsc();
        switch (k) {
        case 0: COUNTED(13, eos_destroy(caps[i])); break;
        case 1: COUNTED(14, eos_destroy(caps[i])); break;
        default: COUNTED(15, eos_destroy(caps[i])); break;
        }
        dcyc[i] = eos_rdtsc() - t0;
    }
    snprintf(name, sizeof name, "fwp_fork_%s", label);
    report(name, samples, iters);
    snprintf(name, sizeof name, "fwp_destroy_%s", label);
    report(name, dcyc, iters);
    /* activation from a pool on this CPU */
    long cpu = eos_cpu();
    long filled = eos_pool_fill(tm, cpu, iters);
    long got = 0;
    for (long i = 0; i < filled; i++) {
        uint64_t t0 = eos_rdtsc();
        long c;
        switch (k) {
        case 0: COUNTED(16, c = eos_pool_take(tm, EOS_START, 0)); break;
        case 1: COUNTED(17, c = eos_pool_take(tm, EOS_START, 0)); break;
        default: COUNTED(18, c = eos_pool_take(tm, EOS_START, 0)); break;
        }
        samples[i] = eos_rdtsc() - t0;
        if (c < 0)
            break;
        caps[got++] = c;
    }
    snprintf(name, sizeof name, "fwp_pool_activate_%s", label);
    report(name, samples, got);
    for (long i = 0; i < got; i++) {
        eos_wait_parked(caps[i]);
        eos_destroy(caps[i]);
    }
    eos_cap_delete(tm);             /* the template stays for later steps */
}

static void bench_reset(const char *tname, long iters)
{
    long tm = must_open(tname);
    long f = eos_fork(tm, EOS_START, 0);
    eos_wait_parked(f);
    for (unsigned k = 0; k < sizeof reset_dirty / sizeof reset_dirty[0]; k++) {
        long n = 0;
        for (long i = 0; i < iters; i++) {
            eos_activate(f, 3 | (reset_dirty[k] << 8));
            eos_wait_parked(f);
            uint64_t t0 = eos_rdtsc();
            long r;
            switch (k) {
            case 0: COUNTED(20, r = eos_reset(f, 0, 0)); break;
            case 1: COUNTED(21, r = eos_reset(f, 0, 0)); break;
            case 2: COUNTED(22, r = eos_reset(f, 0, 0)); break;
            case 3: COUNTED(23, r = eos_reset(f, 0, 0)); break;
            case 4: COUNTED(24, r = eos_reset(f, 0, 0)); break;
            case 5: COUNTED(25, r = eos_reset(f, 0, 0)); break;
            default: COUNTED(26, r = eos_reset(f, 0, 0)); break;
            }
            samples[n++] = eos_rdtsc() - t0;
            if (r < 0)
                break;
        }
        char name[64];
        snprintf(name, sizeof name, "fwp_reset_dirty_%ld", reset_dirty[k]);
        report(name, samples, n);
    }
    /* No page dirty: reset again an FWP that has not run since its reset. */
    long n = 0;
    eos_reset(f, 0, 0);
    for (long i = 0; i < iters; i++) {
        uint64_t t0 = eos_rdtsc();
        long r;
        COUNTED(27, r = eos_reset(f, 0, 0));
        samples[n++] = eos_rdtsc() - t0;
        if (r < 0)
            break;
    }
    report("fwp_reset_clean", samples, n);
    eos_destroy(f);
}

static void bench_ipc(const char *tname, long iters)
{
    long tm = must_open(tname);
    long ep = eos_endpoint_create();
    long srv = eos_fork(tm, 0, eos_cpu());       /* same CPU: direct switch */
    long idx = eos_cap_grant(srv, ep, EOS_RIGHT_RECV, 0);
    eos_activate(srv, 7 | (idx << 8));
    uint64_t w[4] = { 1, 2, 3, 4 };
    eos_call(ep, w);                                   /* warm-up */
    for (long i = 0; i < iters; i++) {
        w[0] = (uint64_t)i + 1;
        uint64_t t0 = eos_rdtsc();
        COUNTED(30, eos_call(ep, w));
        samples[i] = eos_rdtsc() - t0;
    }
    report("ipc_call_reply_roundtrip", samples, iters);
    uint64_t stop[4] = { 0, 0, 0, 0 };
    eos_call(ep, stop);
    eos_wait_parked(srv);
    eos_destroy(srv);
    eos_destroy(ep);
    eos_cap_delete(tm);
}

/* Memory movement: cost per packet of copying batches of 32 buffers into a
 * channel's ring (the receiver here is the manager itself; the copy path is
 * the same for any receiver). Reported per packet. */
static void bench_chan(long iters)
{
    static uint8_t ringmem[64 + 256 * EOS_CHAN_SLOT] __attribute__((aligned(4096)));
    static uint8_t bufs[32][1400];
    struct eos_chan_ring *ring = (struct eos_chan_ring *)ringmem;
    long ch = eos_chan_create(ring, sizeof ringmem, -1);
    unsigned sizes[] = { 64, 1400 };
    for (unsigned k = 0; k < 2; k++) {
        struct eos_chan_desc d[32];
        for (int i = 0; i < 32; i++)
            d[i] = (struct eos_chan_desc){ (uint64_t)(uintptr_t)bufs[i], sizes[k], 0, 0 };
        for (long i = 0; i < iters; i++) {
            uint64_t t0 = eos_rdtsc();
            long r;
            if (k == 0)
                COUNTED(31, r = eos_chan_send(ch, d, 32));
            else
                COUNTED(32, r = eos_chan_send(ch, d, 32));
            samples[i] = (eos_rdtsc() - t0) / 32;
            ring->cons = ring->prod;
            if (r != 32)
                break;
        }
        char name[64];
        snprintf(name, sizeof name, "chan_copy_per_packet_%uB", sizes[k]);
        report(name, samples, iters);
    }
    eos_destroy(ch);
}

static void bench_capacity(const char *tname)
{
    long tm = must_open(tname);
    uint64_t before = free_frames();
    long n = 0;
    while (n < 20000) {
        long f = eos_fork(tm, 0, -1);
        if (f < 0)
            break;
        caps[n++] = f;
    }
    uint64_t used = before - free_frames();
    for (long i = 0; i < n; i++)
        eos_destroy(caps[i]);
    printf("csv_capacity,%s,%ld,%llu\n", tname, n, (unsigned long long)used);
}

int main(int argc, char **argv)
{
    struct eos_mem_info mi;
    eos_mem_info(&mi);
    tsc_hz = mi.tsc_hz;
    if (argc >= 3 && !strcmp(argv[1], "test"))
        return run_test(argv[2], argc > 3 ? strtol(argv[3], NULL, 10) : 1000);
    if (argc >= 5 && !strcmp(argv[1], "bench")) {
        long iters = argc > 5 ? strtol(argv[5], NULL, 10) : 1000;
        printf("manager: TSC %llu Hz, %ld iterations\n", (unsigned long long)tsc_hz, iters);
        icount_names();
        /* Every template has reached its checkpoint before anything is
         * measured: none is still initialising in the background. */
        for (int t = 2; t <= 4; t++)
            eos_cap_delete(must_open(argv[t]));
        bench_template(argv[2], 0, iters);
        bench_template(argv[3], 1, iters);
        bench_template(argv[4], 2, iters / 10 > 10 ? iters / 10 : 10);
        bench_reset(argv[4], iters / 10 > 10 ? iters / 10 : 10);
        bench_ipc(argv[2], iters * 10 < 20000 ? iters * 10 : 20000);
        bench_chan(iters);
        if (argc > 6)
            bench_capacity(argv[6]);
        printf("manager: benchmark done\n");
        return 0;
    }
    printf("usage: manager test TEMPLATE [LEAK_ITERS] | manager bench T16 T256 T4M [ITERS] [CAPACITY_TEMPLATE]\n");
    return 2;
}
