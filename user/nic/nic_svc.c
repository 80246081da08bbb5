/* Services and their instances: creation from templates, the set-up
 * handshake, channel delivery in batches, replies, crash recovery, and
 * per-client instances with idle reclamation.
 *
 * Instance protocol (the service's side lives in the service program):
 *  1. nic: fwp = fork (parked) or from a pool;
 *     tx = grant(fwp, reply_chan, SEND); ep = grant(fwp, setup_ep, SEND, badge = slot + 1);
 *     activate(fwp, tx | ep << 16 | service_port << 32).
 *  2. instance: creates its receive ring + channel, calls setup_ep with
 *     w[0] = that channel's index in its own table.
 *  3. nic: recv(setup_ep) -> badge; chan = cap_take(fwp, w[0]); reply w[0] = 0.
 *  Requests: chan_send(chan, {payload, meta = client_port << 16 | server_port,
 *  aux = client IPv4}); replies arrive in the nic's reply ring with the
 *  same meta/aux. One set-up is in flight at a time, so the badge that
 *  answers is always the instance just activated. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nic.h"

static struct nic_inst *nic_slots[NIC_MAX_INST];
static int nic_slot_free[NIC_MAX_INST], nic_nslot_free, nic_nslots;
static struct nic_inst *nic_dirty;            /* instances with queued descriptors */
static struct eos_chan_ring *nic_reply_ring;
static struct eos_chan_slot *nic_reply_slots;
static long nic_reply_chan = -1, nic_setup_ep = -1;
static long nic_ncpus = 1, nic_my_cpu;
static unsigned nic_next_cpu;
/* Set-up time (fork/take to channel ready), for the start-up report. */
static uint64_t nic_setup_cyc[NIC_MAX_INST];
static int nic_nsetup;

static double nic_cyc_us(uint64_t c) { return (double)c * 1e6 / (double)nic_tsc_hz; }

int nic_svc_parse(const char *spec, struct nic_svc *s)
{
    char name[64], proto[8], mode[16];
    unsigned base, count;
    char extra;
    memset(s, 0, sizeof *s);
    if (sscanf(spec, "%63[^:]:%7[^:]:%u:%u:%15[^:]%c", name, proto, &base, &count, mode, &extra) != 5)
        return -1;
    if (strcmp(proto, "udp") || strlen(name) >= sizeof s->name || base == 0 || base > 65535 || count == 0 ||
        count > NIC_MAX_INST / 2)
        return -1;
    if (!strcmp(mode, "shared"))
        s->mode = NIC_SHARED;
    else if (!strcmp(mode, "pool"))
        s->mode = NIC_POOL;
    else if (!strcmp(mode, "perclient"))
        s->mode = NIC_PERCLIENT;
    else
        return -1;
    if (s->mode == NIC_SHARED && base + count - 1 > 65535)
        return -1;
    strcpy(s->name, name);
    s->base = (uint16_t)base;
    s->count = (uint16_t)count;
    s->tmpl = -1;
    return 0;
}

/* Instances run on the CPUs other than the nic's, round robin (all CPUs
 * if there is only one). */
static int nic_pick_cpu(void)
{
    if (nic_ncpus <= 1)
        return 0;
    int c = (int)(nic_next_cpu++ % (unsigned)(nic_ncpus - 1));
    return c >= nic_my_cpu ? c + 1 : c;
}

static struct nic_inst *nic_inst_alloc(struct nic_svc *svc)
{
    int slot;
    if (nic_nslot_free)
        slot = nic_slot_free[--nic_nslot_free];
    else if (nic_nslots < NIC_MAX_INST)
        slot = nic_nslots++;
    else
        return NULL;
    struct nic_inst *in = nic_slots[slot];
    if (!in && !(in = nic_slots[slot] = calloc(1, sizeof *in)))
        return NULL;
    memset(in, 0, sizeof *in);
    in->svc = svc;
    in->slot = slot;
    in->fwp = in->chan = -1;
    in->grants[0] = in->grants[1] = in->grants[2] = -1;
    return in;
}

static void nic_inst_free(struct nic_inst *in) { nic_slot_free[nic_nslot_free++] = in->slot; }

/* A parked fork for svc on cpu: from the service's pool, else a fresh one. */
static long nic_parked_fork(struct nic_svc *svc, int cpu)
{
    if (svc->mode == NIC_PERCLIENT && cpu < NIC_MAX_CPUS && svc->nparked[cpu] > 0)
        return svc->parked[cpu][--svc->nparked[cpu]];
    return eos_fork(svc->tmpl, 0, cpu);
}

/* Runs the set-up handshake with a parked fork; on success the instance
 * owns fwp and its channel. */
static int nic_inst_start(struct nic_inst *in, long fwp, uint16_t port)
{
    uint64_t t0 = eos_rdtsc();
    if (fwp < 0)
        fwp = nic_parked_fork(in->svc, in->cpu);
    if (fwp < 0) {
        printf("nic: %s: cannot create an instance (%ld)\n", in->svc->name, fwp);
        return (int)fwp;
    }
    in->fwp = fwp;
    /* The badge names the slot: the kernel stamps it on every reply slot
     * this instance writes, so replies can be checked against its flows. */
    long tx = eos_cap_grant(fwp, nic_reply_chan, EOS_RIGHT_SEND, in->slot + 1);
    long ep = eos_cap_grant(fwp, nic_setup_ep, EOS_RIGHT_SEND, in->slot + 1);
    long r = tx < 0 ? tx : ep < 0 ? ep : 0;
    if (r == 0)
        r = eos_activate(fwp, (long)((uint64_t)tx | ((uint64_t)ep << 16) | ((uint64_t)port << 32)));
    if (r < 0) {
        printf("nic: %s: instance set-up failed (grant/activate %ld)\n", in->svc->name, r);
        eos_destroy(fwp);
        in->fwp = -1;
        return (int)r;
    }
    in->grants[0] = tx;
    in->grants[1] = ep;
    /* The instance calls the setup endpoint once. If it dies first the
     * receive does not return: instances must not fail before set-up
     * (their initialisation ran before the checkpoint). */
    for (;;) {
        uint64_t w[4] = { 0, 0, 0, 0 };
        long badge = eos_recv(nic_setup_ep, w);
        if (badge < 0) {
            printf("nic: %s: setup receive failed (%ld)\n", in->svc->name, badge);
            eos_destroy(fwp);
            in->fwp = -1;
            return (int)badge;
        }
        if (badge != in->slot + 1) {            /* not the instance we started: refuse */
            uint64_t no[4] = { (uint64_t)-EINVAL, 0, 0, 0 };
            eos_reply(no);
            continue;
        }
        long chan = eos_cap_take(fwp, (long)w[0]);
        uint64_t ok[4] = { chan < 0 ? (uint64_t)chan : 0, 0, 0, 0 };
        eos_reply(ok);
        if (chan < 0) {
            printf("nic: %s: cannot take the instance's channel (%ld)\n", in->svc->name, chan);
            eos_destroy(fwp);
            in->fwp = -1;
            return (int)chan;
        }
        in->chan = chan;
        in->grants[2] = (long)w[0];
        break;
    }
    uint64_t dt = eos_rdtsc() - t0;
    if (nic_nsetup < NIC_MAX_INST)
        nic_setup_cyc[nic_nsetup++] = dt;
    nic_stats.inst_created++;
    return 0;
}

static uint16_t nic_inst_port(const struct nic_inst *in, uint16_t dport)
{
    return in->svc->mode == NIC_SHARED ? dport : in->svc->base;
}

/* The instance died (its channel said -EPIPE): a fresh one takes its slot. */
static int nic_inst_restart(struct nic_inst *in, uint16_t port)
{
    printf("nic: %s: instance in slot %d died; starting a fresh one\n", in->svc->name, in->slot);
    if (in->chan >= 0)
        eos_cap_delete(in->chan);
    if (in->fwp >= 0)
        eos_destroy(in->fwp);
    in->fwp = in->chan = -1;
    nic_stats.inst_restarted++;
    return nic_inst_start(in, -1, port);
}

static int nic_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int nic_svc_start(void)
{
    if (nic_cfg.nsvcs == 0)
        return 0;
    nic_ncpus = eos_ncpus();
    nic_my_cpu = eos_cpu();
    size_t bytes = sizeof(struct eos_chan_ring) + (size_t)NIC_REPLY_SLOTS * EOS_CHAN_SLOT;
    bytes = (bytes + 4095) & ~(size_t)4095;
    void *ring = aligned_alloc(4096, bytes);
    if (!ring) {
        printf("nic: no memory for the reply ring\n");
        return -1;
    }
    memset(ring, 0, bytes);                     /* backs every page before the kernel writes */
    nic_reply_chan = eos_chan_create(ring, bytes, nic_ntfn);   /* replies wake a waiting nic (bit 1) */
    nic_setup_ep = eos_endpoint_create();
    if (nic_reply_chan < 0 || nic_setup_ep < 0) {
        printf("nic: cannot create the reply channel (%ld) or setup endpoint (%ld)\n", nic_reply_chan,
               nic_setup_ep);
        return -1;
    }
    nic_reply_ring = ring;
    nic_reply_slots = (struct eos_chan_slot *)((uint8_t *)ring + sizeof(struct eos_chan_ring));

    for (int s = 0; s < nic_cfg.nsvcs; s++) {
        struct nic_svc *svc = &nic_cfg.svcs[s];
        svc->tmpl = eos_template_open(svc->name);
        if (svc->tmpl < 0) {
            printf("nic: %s: no such template (%ld)\n", svc->name, svc->tmpl);
            return -1;
        }
        uint64_t t0 = eos_rdtsc();
        int first = nic_nsetup;
        if (svc->mode == NIC_PERCLIENT) {
            /* Pre-start the pool: each instance is forked and has done its
             * set-up handshake, so a new client's first packet only picks
             * one (the set-up is off the client's path). */
            svc->capparked = svc->count;
            int made = 0;
            for (int c = 0; c < nic_ncpus && c < NIC_MAX_CPUS; c++)
                if (!(svc->parked[c] = calloc((size_t)svc->capparked, sizeof(long))))
                    return -1;
            for (int i = 0; i < svc->count; i++) {
                struct nic_inst *in = nic_inst_alloc(svc);
                if (!in)
                    break;
                in->cpu = nic_pick_cpu();
                if (nic_inst_start(in, -1, svc->base) < 0) {
                    nic_inst_free(in);
                    break;
                }
                in->flow_next = svc->ready;
                svc->ready = in;
                svc->nready++;
                made++;
            }
            uint64_t dt = eos_rdtsc() - t0;
            printf("nic: service %s udp/%u perclient: %d instances ready in %.1f us (%.2f us each), idle reclaim %llu ms\n",
                   svc->name, svc->base, made, nic_cyc_us(dt), made ? nic_cyc_us(dt) / made : 0.0,
                   (unsigned long long)nic_cfg.idle_ms);
            continue;
        }
        if (!(svc->inst = calloc(svc->count, sizeof *svc->inst)))
            return -1;
        for (int i = 0; i < svc->count; i++) {
            struct nic_inst *in = nic_inst_alloc(svc);
            if (!in)
                return -1;
            in->cpu = nic_pick_cpu();
            svc->inst[i] = in;
            uint16_t port = (uint16_t)(svc->mode == NIC_SHARED ? svc->base + i : svc->base);
            if (nic_inst_start(in, -1, port) < 0)
                return -1;
        }
        uint64_t dt = eos_rdtsc() - t0;
        int n = nic_nsetup - first;
        uint64_t sorted[NIC_MAX_INST];
        memcpy(sorted, nic_setup_cyc + first, (size_t)n * sizeof sorted[0]);
        qsort(sorted, (size_t)n, sizeof sorted[0], nic_cmp_u64);
        printf("nic: service %s udp/%u%s%u %s: %d instances in %.1f us; per-instance set-up median %.1f us, "
               "min %.1f us, max %.1f us\n",
               svc->name, svc->base, svc->mode == NIC_SHARED ? "-" : " x", svc->mode == NIC_SHARED ? svc->base + svc->count - 1 : svc->count,
               svc->mode == NIC_SHARED ? "shared" : "pool", n, nic_cyc_us(dt), nic_cyc_us(sorted[n / 2]),
               nic_cyc_us(sorted[0]), nic_cyc_us(sorted[n - 1]));
    }
    fflush(stdout);
    return 0;
}

/* ---- per-client flows ---- */

static unsigned nic_flow_hash(uint32_t ip, uint16_t port)
{
    uint32_t h = ip * 2654435761u ^ (uint32_t)port * 40503u;
    return (h ^ h >> 15) & (NIC_FLOW_BUCKETS - 1);
}

static struct nic_inst *nic_flow_get(struct nic_svc *svc, uint32_t ip, uint16_t port)
{
    unsigned h = nic_flow_hash(ip, port);
    for (struct nic_inst *in = svc->flows[h]; in; in = in->flow_next)
        if (in->client_ip == ip && in->client_port == port)
            return in;
    struct nic_inst *in = svc->ready;
    if (in) {                               /* the fast path: already set up */
        svc->ready = in->flow_next;
        svc->nready--;
    } else {
        if (!(in = nic_inst_alloc(svc)))
            return NULL;
        in->cpu = nic_pick_cpu();
        if (nic_inst_start(in, -1, svc->base) < 0) {
            nic_inst_free(in);
            return NULL;
        }
    }
    in->client_ip = ip;
    in->client_port = port;
    in->flow_next = svc->flows[h];
    svc->flows[h] = in;
    svc->active++;
    return in;
}

/* An idle per-client instance is reused: its channel and grants go, it is
 * reset to the template's state (the kernel cancels its wait for work), and
 * it runs the set-up handshake again at once, so it waits in the ready
 * list for the next client with nothing left to do on that client's path.
 * If the reset fails it is destroyed and a fresh fork takes its place. */
static void nic_flow_release(struct nic_svc *svc, struct nic_inst *in)
{
    if (in->chan >= 0)
        eos_cap_delete(in->chan);
    in->chan = -1;
    long fwp = in->fwp;
    for (int i = 0; i < 3; i++)
        if (in->grants[i] >= 0)
            eos_cap_revoke(fwp, in->grants[i]);
    if (eos_reset(fwp, 0, 0) >= 0) {
        nic_stats.inst_reset++;             /* reused: back to its template state */
    } else {
        eos_destroy(fwp);
        fwp = -1;                           /* nic_inst_start forks a fresh one */
    }
    svc->active--;
    nic_stats.inst_reclaimed++;
    in->client_ip = 0;
    in->client_port = 0;
    in->fwp = -1;
    if (svc->nready < svc->count) {
        if (nic_inst_start(in, fwp, svc->base) == 0) {   /* it owns fwp now */
            in->flow_next = svc->ready;
            svc->ready = in;
            svc->nready++;
            return;
        }
        fwp = -1;                           /* nic_inst_start destroyed it */
    }
    if (fwp >= 0)
        eos_destroy(fwp);
    nic_inst_free(in);
}

void nic_svc_reclaim_idle(uint64_t now)
{
    uint64_t idle = nic_cfg.idle_ms * (nic_tsc_hz / 1000);
    for (int s = 0; s < nic_cfg.nsvcs; s++) {
        struct nic_svc *svc = &nic_cfg.svcs[s];
        if (svc->mode != NIC_PERCLIENT || svc->active == 0)
            continue;
        for (unsigned b = 0; b < NIC_FLOW_BUCKETS; b++) {
            struct nic_inst **pp = &svc->flows[b];
            while (*pp) {
                struct nic_inst *in = *pp;
                if (now - in->last_tsc > idle && in->npend == 0) {
                    *pp = in->flow_next;
                    nic_flow_release(svc, in);
                } else {
                    pp = &in->flow_next;
                }
            }
        }
    }
}

/* ---- requests ---- */

static struct nic_svc *nic_svc_for_port(uint16_t port)
{
    for (int s = 0; s < nic_cfg.nsvcs; s++) {
        struct nic_svc *svc = &nic_cfg.svcs[s];
        if (svc->mode == NIC_SHARED ? (port >= svc->base && port - svc->base < svc->count) : port == svc->base)
            return svc;
    }
    return NULL;
}

static void nic_inst_flush(struct nic_inst *in)
{
    int n = in->npend;
    in->npend = 0;
    if (n == 0)
        return;
    if (in->fwp < 0 || in->chan < 0) {
        /* A previous restart failed: try once more now. */
        if (nic_inst_start(in, -1, nic_inst_port(in, (uint16_t)in->pend[0].meta)) < 0) {
            nic_stats.chan_dead += (uint64_t)n;
            return;
        }
    }
    long r = eos_chan_send(in->chan, in->pend, n);
    if (r == -EPIPE) {
        nic_stats.chan_dead++;
        if (nic_inst_restart(in, nic_inst_port(in, (uint16_t)in->pend[0].meta)) < 0)
            return;
        r = eos_chan_send(in->chan, in->pend, n);
    }
    if (r < 0) {
        nic_stats.chan_full += (uint64_t)n;
        return;
    }
    nic_stats.chan_in += (uint64_t)r;
    nic_stats.chan_full += (uint64_t)(n - r);       /* ring full: the rest dropped */
}

int nic_svc_deliver(uint16_t dport, uint32_t client_ip, uint16_t client_port, const uint8_t *payload, uint32_t len)
{
    struct nic_svc *svc = nic_svc_for_port(dport);
    if (!svc)
        return -1;
    struct nic_inst *in;
    if (svc->mode == NIC_SHARED)
        in = svc->inst[dport - svc->base];
    else if (svc->mode == NIC_POOL)
        in = svc->inst[nic_flow_hash(client_ip, client_port) % svc->count];
    else
        in = nic_flow_get(svc, client_ip, client_port);
    if (!in)
        return -1;
    if (in->npend == NIC_BATCH)
        nic_inst_flush(in);
    if (in->npend == 0) {
        in->dirty_next = nic_dirty;
        nic_dirty = in;
    }
    struct eos_chan_desc *d = &in->pend[in->npend++];
    d->buf = (uint64_t)(uintptr_t)payload;
    d->len = len;
    d->meta = (uint32_t)client_port << 16 | dport;
    d->aux = client_ip;
    in->last_tsc = eos_rdtsc();
    return 0;
}

int nic_svc_flush(void)
{
    int n = 0;
    while (nic_dirty) {
        struct nic_inst *in = nic_dirty;
        nic_dirty = in->dirty_next;
        n += in->npend;
        nic_inst_flush(in);
    }
    return n;
}

/* ---- replies ---- */

/* May the instance in reply-slot badge `badge` answer this flow? An
 * instance only speaks for its own service port (shared: its own port) and,
 * per client, only to its own client. */
static int nic_reply_allowed(uint32_t badge, uint32_t ip, uint16_t cport, uint16_t sport)
{
    if (badge == 0 || badge > NIC_MAX_INST)
        return 0;
    const struct nic_inst *in = nic_slots[badge - 1];
    if (!in || !in->svc)
        return 0;
    const struct nic_svc *svc = in->svc;
    switch (svc->mode) {
    case NIC_SHARED:
        return sport >= svc->base && sport - svc->base < svc->count && svc->inst[sport - svc->base] == in;
    case NIC_POOL:
        return sport == svc->base;
    case NIC_PERCLIENT:
        return sport == svc->base && ip == in->client_ip && cport == in->client_port;
    }
    return 0;
}

int nic_svc_replies(int max)
{
    if (!nic_reply_ring)
        return 0;
    uint32_t cons = nic_reply_ring->cons, prod = nic_reply_ring->prod;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);        /* slots read after prod */
    uint32_t nslots = nic_reply_ring->nslots;
    int n = 0;
    while (cons != prod && n < max) {
        const struct eos_chan_slot *s = &nic_reply_slots[cons % nslots];
        cons++;
        n++;
        nic_stats.chan_out++;
        uint32_t len = s->len, meta = s->meta;
        uint32_t ip = (uint32_t)s->aux;
        uint16_t cport = (uint16_t)(meta >> 16), sport = (uint16_t)meta;
        if (!nic_reply_allowed(s->sender, ip, cport, sport)) {
            nic_stats.dropped_spoofed++;
            continue;
        }
        const uint8_t *mac = nic_arp_lookup(ip);
        if (!mac || len > NET_UDP_MAX_PAYLOAD || len > EOS_CHAN_DATA) {
            nic_stats.dropped_noservice++;
            continue;
        }
        uint16_t id;
        uint8_t *f = virtio_net_tx_buf(&nic_dev, &id);
        if (!f) {
            nic_stats.tx_full++;
            continue;
        }
        int fl = net_udp_build(f, VIRTIO_MAX_FRAME, nic_dev.mac, mac, nic_cfg.ip, ip, sport, cport, nic_next_ip_id(),
                               s->data, len);
        if (fl < 0) {
            nic_stats.tx_full++;
            continue;
        }
        virtio_net_tx_queue(&nic_dev, id, (uint32_t)fl);
        nic_stats.tx++;
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);        /* slots consumed before they are handed back */
    nic_reply_ring->cons = cons;
    return n;
}
