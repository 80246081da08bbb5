/* Services and their instances: creation from templates, delivery in
 * batches, replies checked against their sender, crash recovery,
 * per-client instances with idle reclamation, and changes at run time
 * (add, scale, remove) from the control FWP.
 *
 * An instance is set up without its cooperation, so the nic never waits
 * for a tenant's program (user/lib/eos_service.h):
 *   fwp = fork(template) (parked);
 *   tx  = grant(fwp, reply channel, SEND, badge = slot + 1);
 *   n   = a new notification, granted to fwp with RECV;
 *   chan = chan_attach(fwp, n)        (a channel into its declared inbox);
 *   activate(fwp, tx | n << 16 | port << 32).
 * Requests: chan_send(chan, {payload, meta = client port << 16 | server
 * port, aux = client IPv4}); replies arrive in the nic's reply ring with
 * the same meta/aux, stamped by the kernel with the sender's badge. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nic.h"

/* Instance slots and services live in fixed pools, so the nic's memory
 * does not grow or shrink as services come and go. */
static struct nic_inst nic_inst_pool[NIC_MAX_INST];
static struct nic_inst *nic_slots[NIC_MAX_INST];
static int nic_slot_free[NIC_MAX_INST], nic_nslot_free, nic_nslots;
static struct nic_inst *nic_dirty;            /* instances with queued descriptors */
static struct nic_reply nic_boot_reply;           /* services from boot arguments */
static struct nic_reply nic_svc_reply[NIC_MAX_SVCS];  /* run-time services; rings kept for reuse */
/* The rings in use, packed: the reply poll visits only these. */
static struct nic_reply *nic_reply_active[NIC_MAX_SVCS];
static int nic_reply_nactive;

static void nic_reply_activate(struct nic_reply *r)
{
    r->used = true;
    nic_reply_active[nic_reply_nactive++] = r;
}

static void nic_reply_deactivate(struct nic_reply *r)
{
    r->used = false;
    for (int i = 0; i < nic_reply_nactive; i++)
        if (nic_reply_active[i] == r) {
            nic_reply_active[i] = nic_reply_active[--nic_reply_nactive];
            return;
        }
}
static long nic_ncpus = 1, nic_my_cpu;
static unsigned nic_next_cpu;
static struct nic_svc *nic_port_svc[65536];   /* UDP destination port -> service */
static struct nic_svc *nic_tcp_port_svc[65536];   /* TCP destination port -> service */
static struct nic_svc *nic_svcs[NIC_MAX_SVCS];
static int nic_nsvcs;
/* Set-up time (fork to activation) of the instances built since the last
 * report, for the start-up line. */
static uint64_t nic_setup_cyc[NIC_MAX_INST];
static int nic_nsetup;

static double nic_cyc_us(uint64_t c) { return (double)c * 1e6 / (double)nic_tsc_hz; }

int nic_svc_parse(const char *spec, struct nic_svc *s)
{
    char name[64], proto[8], mode[16];
    unsigned base, count;
    char extra, head[128];
    memset(s, 0, sizeof *s);
    /* An optional last field ":nf=NF1+NF2" names the NFs in front of it. */
    const char *nf = strstr(spec, ":nf=");
    size_t hl = nf ? (size_t)(nf - spec) : strlen(spec);
    if (hl >= sizeof head)
        return -1;
    memcpy(head, spec, hl);
    head[hl] = 0;
    if (sscanf(head, "%63[^:]:%7[^:]:%u:%u:%15[^:]%c", name, proto, &base, &count, mode, &extra) != 5)
        return -1;
    if (nf && nic_nf_parse_list(nf + 4, s) < 0)
        return -1;
    if (!strcmp(proto, "udp"))
        s->protos = NIC_UDP;
    else if (!strcmp(proto, "tcp"))
        s->protos = NIC_TCP;
    else if (!strcmp(proto, "tcp+udp") || !strcmp(proto, "udp+tcp"))   /* no ',' in boot arguments */
        s->protos = NIC_TCP | NIC_UDP;
    else
        return -1;
    if (strlen(name) >= sizeof s->name || base == 0 || base > 65535 || count == 0 ||
        count > NIC_MAX_COUNT)
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
    s->count = count;
    s->tmpl = -1;
    return 0;
}

/* Instances run on the CPUs other than the nic's, round robin (all CPUs
 * if there is only one). */
int nic_pick_cpu(void)
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
    struct nic_inst *in = nic_slots[slot] = &nic_inst_pool[slot];
    memset(in, 0, sizeof *in);
    in->svc = svc;
    in->slot = slot;
    in->fwp = in->chan = -1;
    in->cpu = nic_pick_cpu();
    return in;
}

/* The slot is free again: replies still in the ring from it are dropped. */
static void nic_inst_free(struct nic_inst *in)
{
    in->svc = NULL;
    nic_slot_free[nic_nslot_free++] = in->slot;
}

static uint16_t nic_inst_port(const struct nic_inst *in)
{
    const struct nic_svc *svc = in->svc;
    if (svc->mode != NIC_SHARED)
        return svc->base;
    for (uint32_t i = 0; i < svc->count; i++)
        if (svc->inst[i] == in)
            return (uint16_t)(svc->base + i);
    return svc->base;
}

/* Sets up a parked FWP (fwp >= 0, which the instance then owns) or a new
 * fork as the instance, and starts it. On failure nothing is left. */
static int nic_inst_start(struct nic_inst *in, long fwp)
{
    struct nic_svc *svc = in->svc;
    uint64_t t0 = eos_rdtsc();
    if (fwp < 0)
        fwp = eos_fork(svc->tmpl, 0, in->cpu);
    if (fwp < 0)
        return (int)fwp;
    long r, n = -1, chan = -1;
    /* The badge names the slot: the kernel stamps it on every reply slot
     * this instance writes, so replies can be checked against its flows. */
    long tx = eos_cap_grant(fwp, svc->reply->chan, EOS_RIGHT_SEND, in->slot + 1);
    r = tx;
    if (r >= 0)
        r = n = eos_notification_create();
    long ni = -1;
    if (r >= 0)
        r = ni = eos_cap_grant(fwp, n, EOS_RIGHT_RECV, 0);
    if (r >= 0)
        r = chan = eos_chan_attach(fwp, n);
    if (n >= 0)
        eos_cap_delete(n);                  /* the instance's grant and the channel hold it */
    if (r >= 0)
        r = eos_activate(fwp, (long)((uint64_t)tx | (uint64_t)ni << 16 | (uint64_t)nic_inst_port(in) << 32));
    if (r < 0) {
        if (chan >= 0)
            eos_cap_delete(chan);
        eos_destroy(fwp);
        return (int)r;
    }
    in->fwp = fwp;
    in->chan = chan;
    if (nic_nsetup < NIC_MAX_INST)
        nic_setup_cyc[nic_nsetup++] = eos_rdtsc() - t0;
    nic_stats.inst_created++;
    return 0;
}

/* Ends the instance's FWP and channel (the slot stays); datagrams queued
 * for it are dropped and its TCP connections reset. */
static void nic_inst_stop(struct nic_inst *in)
{
    nic_tcp_reset_inst(in);
    if (in->npend) {
        for (struct nic_inst **pp = &nic_dirty; *pp; pp = &(*pp)->dirty_next)
            if (*pp == in) {
                *pp = in->dirty_next;
                break;
            }
        in->svc->st.drops += (uint64_t)in->npend;
        in->npend = 0;
    }
    if (in->chan >= 0)
        eos_cap_delete(in->chan);
    if (in->fwp >= 0)
        eos_destroy(in->fwp);
    in->fwp = in->chan = -1;
}

static void nic_inst_destroy(struct nic_inst *in)
{
    nic_inst_stop(in);
    nic_inst_free(in);
}

/* The instance died (its channel said -EPIPE): a fresh one takes its slot. */
static int nic_inst_restart(struct nic_inst *in)
{
    printf("nic: %s: instance in slot %d died; starting a fresh one\n", in->svc->name, in->slot);
    nic_inst_stop(in);
    nic_stats.inst_restarted++;
    in->svc->st.restarts++;
    int r = nic_inst_start(in, -1);
    if (r < 0)
        printf("nic: %s: cannot restart the instance (%d)\n", in->svc->name, r);
    return r;
}

/* Creates a reply ring of `nslots` slots and its channel; 0 or -errno. */
int nic_reply_create(struct nic_reply *r, unsigned nslots)
{
    size_t bytes = sizeof(struct eos_chan_ring) + (size_t)nslots * EOS_CHAN_SLOT;
    bytes = (bytes + 4095) & ~(size_t)4095;
    void *ring = aligned_alloc(4096, bytes);
    if (!ring)
        return -ENOMEM;
    memset(ring, 0, bytes);                     /* backs every page before the kernel writes */
    long chan = eos_chan_create(ring, bytes, nic_ntfn);   /* replies wake a waiting nic (bit 1) */
    if (chan < 0) {
        free(ring);
        return (int)chan;
    }
    r->ring = ring;
    r->slots = (struct eos_chan_slot *)((uint8_t *)ring + sizeof(struct eos_chan_ring));
    r->chan = chan;
    return 0;
}

/* A reply ring for a new service: its own for a run-time service (a ring
 * left by an earlier service is reused, emptied), the shared one for a
 * boot service. NULL when no ring can be made. */
static struct nic_reply *nic_reply_take(const struct nic_svc *svc)
{
    if (svc->id & (1u << 31))
        return &nic_boot_reply;
    struct nic_reply *spare = NULL;
    for (int i = 0; i < NIC_MAX_SVCS; i++) {
        struct nic_reply *r = &nic_svc_reply[i];
        if (r->used)
            continue;
        if (r->ring) {
            r->ring->cons = r->ring->prod;      /* nothing of the last owner's is read */
            nic_reply_activate(r);
            return r;
        }
        if (!spare)
            spare = r;
    }
    if (!spare || nic_reply_create(spare, NIC_SVC_REPLY_SLOTS) < 0)
        return NULL;
    nic_reply_activate(spare);
    return spare;
}

/* The service no longer needs its ring (its instances are gone). */
static void nic_reply_put(struct nic_svc *svc)
{
    if (svc->reply && svc->reply != &nic_boot_reply)
        nic_reply_deactivate(svc->reply);
    svc->reply = NULL;
}

int nic_svc_init(void)
{
    nic_ncpus = eos_ncpus();
    nic_my_cpu = eos_cpu();
    int r = nic_reply_create(&nic_boot_reply, NIC_REPLY_SLOTS);
    if (r < 0) {
        printf("nic: cannot create the reply ring (%d)\n", r);
        return -1;
    }
    nic_boot_reply.used = true;
    return 0;
}

/* ---- adding, scaling, removing ---- */

static void nic_ports(const struct nic_svc *svc, uint32_t count, uint32_t *first, uint32_t *end)
{
    *first = svc->base;
    *end = (uint32_t)svc->base + (svc->mode == NIC_SHARED ? count : 1);
}

/* Takes ports [first, end) for svc, or names the service in the way. */
static int nic_ports_take(struct nic_svc *svc, uint32_t first, uint32_t end, const char **why)
{
    static char msg[96];
    if (end > 65536) {
        *why = "ports past 65535";
        return -EINVAL;
    }
    for (uint32_t p = first; p < end; p++) {
        struct nic_svc *u = (svc->protos & NIC_UDP) ? nic_port_svc[p] : NULL;
        struct nic_svc *t = (svc->protos & NIC_TCP) ? nic_tcp_port_svc[p] : NULL;
        struct nic_svc *o = u && u != svc ? u : t && t != svc ? t : NULL;
        if (o) {
            snprintf(msg, sizeof msg, "%s port %u is in use by another service (%s)", o == u ? "UDP" : "TCP", p,
                     o->name);
            *why = msg;
            return -EADDRINUSE;
        }
    }
    for (uint32_t p = first; p < end; p++) {
        if (svc->protos & NIC_UDP)
            nic_port_svc[p] = svc;
        if (svc->protos & NIC_TCP)
            nic_tcp_port_svc[p] = svc;
    }
    return 0;
}

static void nic_ports_release(struct nic_svc *svc, uint32_t first, uint32_t end)
{
    for (uint32_t p = first; p < end && p < 65536; p++) {
        if (nic_port_svc[p] == svc)
            nic_port_svc[p] = NULL;
        if (nic_tcp_port_svc[p] == svc)
            nic_tcp_port_svc[p] = NULL;
    }
}

static int nic_inst_array(struct nic_svc *svc, uint32_t count)
{
    (void)count;
    if (svc->mode == NIC_PERCLIENT || svc->inst)
        return 0;
    svc->inst = svc->inst_store;
    svc->inst_cap = NIC_MAX_COUNT;
    return 0;
}

int nic_svc_add(struct nic_svc *svc, const char **why)
{
    if (nic_nsvcs == NIC_MAX_SVCS) {
        *why = "too many services";
        return -ENOSPC;
    }
    if (svc->count == 0 || svc->count > NIC_MAX_COUNT) {
        *why = "instance count out of range";
        return -EINVAL;
    }
    /* Never wait on a tenant's program: it must already have checkpointed.
     * The template first: NF forks are charged to its tenant. */
    svc->tmpl = eos_template_open_nowait(svc->name);
    if (svc->tmpl < 0) {
        *why = svc->tmpl == -EAGAIN ? "the program has not checkpointed" : "no such template";
        return (int)svc->tmpl;
    }
    int nr = nic_nf_attach(svc, why);
    if (nr < 0) {
        eos_cap_delete(svc->tmpl);
        svc->tmpl = -1;
        return nr;
    }
    svc->reply = nic_reply_take(svc);
    if (!svc->reply) {
        nic_nf_detach(svc);
        eos_cap_delete(svc->tmpl);
        svc->tmpl = -1;
        *why = "the nic has no memory for the service's reply ring";
        return -ENOMEM;
    }
    uint32_t first, end;
    nic_ports(svc, svc->count, &first, &end);
    int r = nic_ports_take(svc, first, end, why);
    if (r == 0 && nic_inst_array(svc, svc->count) < 0) {
        nic_ports_release(svc, first, end);
        *why = "out of memory";
        r = -ENOMEM;
    }
    if (r < 0) {
        eos_cap_delete(svc->tmpl);
        svc->tmpl = -1;
        nic_reply_put(svc);
        nic_nf_detach(svc);
        return r;
    }
    nic_svcs[nic_nsvcs++] = svc;
    svc->building = true;
    svc->err = 0;
    svc->setup_t0 = eos_rdtsc();
    nic_nsetup = 0;
    return 0;
}

/* Destroys the instances of svc beyond `count` (shared/pool) or the ready
 * ones beyond it (perclient; instances serving clients stay until idle). */
static void nic_svc_shrink(struct nic_svc *svc, uint32_t count)
{
    if (svc->mode == NIC_PERCLIENT) {
        while (svc->nready > count && svc->ready) {
            struct nic_inst *in = svc->ready;
            svc->ready = in->flow_next;
            svc->nready--;
            nic_inst_destroy(in);
        }
        return;
    }
    for (uint32_t i = count; i < svc->inst_cap; i++)
        if (svc->inst[i]) {
            nic_inst_destroy(svc->inst[i]);
            svc->inst[i] = NULL;
        }
}

int nic_svc_scale(struct nic_svc *svc, uint32_t count, const char **why)
{
    if (count == 0 || count > NIC_MAX_COUNT) {
        *why = "instance count out of range";
        return -EINVAL;
    }
    if (svc->building) {
        *why = "a change to this service is in progress";
        return -EBUSY;
    }
    uint32_t first, end, ofirst, oend;
    nic_ports(svc, count, &first, &end);
    nic_ports(svc, svc->count, &ofirst, &oend);
    if (end > oend) {
        int r = nic_ports_take(svc, oend, end, why);
        if (r < 0)
            return r;
    }
    if (nic_inst_array(svc, count) < 0) {
        nic_ports_release(svc, oend, end);
        *why = "out of memory";
        return -ENOMEM;
    }
    svc->undo_count = svc->count;
    if (count < svc->count) {
        nic_ports_release(svc, end, oend);
        nic_svc_shrink(svc, count);
    }
    svc->count = count;
    svc->building = true;
    svc->err = 0;
    svc->setup_t0 = eos_rdtsc();
    nic_nsetup = 0;
    return 0;
}

void nic_svc_remove(struct nic_svc *svc)
{
    uint32_t first, end;
    nic_ports(svc, svc->count, &first, &end);
    nic_ports_release(svc, first, end);        /* stops answering at once */
    for (int i = 0; i < nic_nsvcs; i++)
        if (nic_svcs[i] == svc) {
            nic_svcs[i] = nic_svcs[--nic_nsvcs];
            break;
        }
    if (svc->mode == NIC_PERCLIENT) {
        nic_svc_shrink(svc, 0);
        for (unsigned b = 0; b < NIC_FLOW_BUCKETS; b++)
            while (svc->flows[b]) {
                struct nic_inst *in = svc->flows[b];
                svc->flows[b] = in->flow_next;
                nic_inst_destroy(in);
            }
        svc->active = 0;
    } else {
        nic_svc_shrink(svc, 0);
    }
    svc->inst = NULL;
    svc->inst_cap = 0;
    if (svc->tmpl >= 0)
        eos_cap_delete(svc->tmpl);
    svc->tmpl = -1;
    nic_reply_put(svc);
    nic_nf_detach(svc);
}

void nic_svc_undo_scale(struct nic_svc *svc)
{
    uint32_t first, end, ofirst, oend;
    nic_ports(svc, svc->undo_count, &first, &end);
    nic_ports(svc, svc->count, &ofirst, &oend);
    nic_ports_release(svc, end, oend);
    nic_svc_shrink(svc, svc->undo_count);
    svc->count = svc->undo_count;
}

struct nic_svc *nic_svc_by_id(uint32_t id)
{
    for (int i = 0; i < nic_nsvcs; i++)
        if (nic_svcs[i]->id == id)
            return nic_svcs[i];
    return NULL;
}

uint32_t nic_svc_instances(const struct nic_svc *svc, uint32_t *clients)
{
    if (svc->mode == NIC_PERCLIENT) {
        *clients = svc->active;
        return svc->nready + svc->active;
    }
    *clients = 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < svc->count && i < svc->inst_cap; i++)
        n += svc->inst[i] != NULL;
    return n;
}

static int nic_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static const char *nic_proto_name(const struct nic_svc *svc)
{
    return svc->protos == (NIC_TCP | NIC_UDP) ? "tcp,udp" : svc->protos == NIC_TCP ? "tcp" : "udp";
}

void nic_svc_report(struct nic_svc *svc)
{
    uint64_t dt = eos_rdtsc() - svc->setup_t0;
    int n = nic_nsetup;
    uint32_t clients;
    uint32_t have = nic_svc_instances(svc, &clients);
    const char *mode = svc->mode == NIC_SHARED ? "shared" : svc->mode == NIC_POOL ? "pool" : "perclient";
    if (svc->err) {
        printf("nic: service %s: building failed (%d); %u instances\n", svc->name, svc->err, have);
    } else if (n == 0) {
        printf("nic: service %s %s/%u %s: %u instances\n", svc->name, nic_proto_name(svc), svc->base, mode, have);
    } else {
        qsort(nic_setup_cyc, (size_t)n, sizeof nic_setup_cyc[0], nic_cmp_u64);
        printf("nic: service %s %s/%u%s%u %s: %u instances in %.1f us; per-instance set-up median %.1f us, "
               "min %.1f us, max %.1f us\n",
               svc->name, nic_proto_name(svc), svc->base, svc->mode == NIC_SHARED ? "-" : " x",
               svc->mode == NIC_SHARED ? svc->base + svc->count - 1 : svc->count, mode, have, nic_cyc_us(dt),
               nic_cyc_us(nic_setup_cyc[n / 2]), nic_cyc_us(nic_setup_cyc[0]), nic_cyc_us(nic_setup_cyc[n - 1]));
    }
    nic_nsetup = 0;
    fflush(stdout);
}

/* One more instance for a service being built; 0 when it has all it
 * wants, 1 when one was made, -errno when making it failed. */
static int nic_svc_build_one(struct nic_svc *svc)
{
    if (svc->mode == NIC_PERCLIENT) {
        if (svc->nready >= svc->count)
            return 0;
        struct nic_inst *in = nic_inst_alloc(svc);
        if (!in)
            return -ENOSPC;
        int r = nic_inst_start(in, -1);
        if (r < 0) {
            nic_inst_free(in);
            return r;
        }
        in->flow_next = svc->ready;
        svc->ready = in;
        svc->nready++;
        return 1;
    }
    for (uint32_t i = 0; i < svc->count; i++) {
        if (svc->inst[i])
            continue;
        struct nic_inst *in = nic_inst_alloc(svc);
        if (!in)
            return -ENOSPC;
        svc->inst[i] = in;                  /* nic_inst_port looks it up */
        int r = nic_inst_start(in, -1);
        if (r < 0) {
            svc->inst[i] = NULL;
            nic_inst_free(in);
            return r;
        }
        return 1;
    }
    return 0;
}

bool nic_svc_work(uint64_t budget_us)
{
    uint64_t end = eos_rdtsc() + budget_us * (nic_tsc_hz / 1000000);
    bool more = false;
    for (int i = 0; i < nic_nsvcs; i++) {
        struct nic_svc *svc = nic_svcs[i];
        if (!svc->building)
            continue;
        int r = 1;
        while (r > 0 && eos_rdtsc() < end)
            r = nic_svc_build_one(svc);
        if (r > 0) {
            more = true;                    /* out of time: go on next round */
            continue;
        }
        svc->building = false;
        if (r < 0) {
            svc->err = r;
            printf("nic: %s: cannot create an instance (%d)%s\n", svc->name, r,
                   r == -EDQUOT ? ": the tenant's memory quota is exhausted" : "");
        }
        nic_ctl_built(svc);
        i = -1;                             /* nic_ctl_built may remove it: start over */
    }
    return more;
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
        if (nic_inst_start(in, -1) < 0) {
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

/* An idle per-client instance is reused: its channel goes, it is reset to
 * the template's state (the kernel cancels its wait for work and clears
 * its capabilities), and it is set up again at once, so it waits in the
 * ready list for the next client with nothing left to do on that client's
 * path. If the reset fails it is destroyed and a fresh fork takes its place. */
static void nic_flow_release(struct nic_svc *svc, struct nic_inst *in)
{
    nic_tcp_reset_inst(in);
    if (in->chan >= 0)
        eos_cap_delete(in->chan);
    in->chan = -1;
    long fwp = in->fwp;
    in->fwp = -1;
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
    if (svc->nready < svc->count) {
        if (nic_inst_start(in, fwp) == 0) { /* it owns fwp now */
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
    for (int s = 0; s < nic_nsvcs; s++) {
        struct nic_svc *svc = nic_svcs[s];
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

static void nic_inst_flush(struct nic_inst *in)
{
    int n = in->npend;
    in->npend = 0;
    if (n == 0)
        return;
    struct nic_svc *svc = in->svc;
    if (in->fwp < 0 || in->chan < 0) {
        /* A previous restart failed: try once more now. */
        if (nic_inst_start(in, -1) < 0) {
            nic_stats.chan_dead += (uint64_t)n;
            svc->st.drops += (uint64_t)n;
            return;
        }
    }
    long r = eos_chan_send(in->chan, in->pend, n);
    if (r == -EPIPE) {
        nic_stats.chan_dead++;
        if (nic_inst_restart(in) < 0) {
            svc->st.drops += (uint64_t)n;
            return;
        }
        /* The fresh instance gets the datagrams; TCP segments belonged to
         * connections that were reset with the old one. */
        int k = 0;
        for (int i = 0; i < n; i++)
            if (!(in->pend[i].aux & EOS_REQ_TCP))
                in->pend[k++] = in->pend[i];
        svc->st.drops += (uint64_t)(n - k);
        n = k;
        r = n ? eos_chan_send(in->chan, in->pend, n) : 0;
    }
    if (r < 0) {
        nic_stats.chan_full += (uint64_t)n;
        svc->st.drops += (uint64_t)n;
        return;
    }
    nic_stats.chan_in += (uint64_t)r;
    nic_stats.chan_full += (uint64_t)(n - r);       /* ring full: the rest dropped */
    svc->st.rx += (uint64_t)r;
    svc->st.drops += (uint64_t)(n - r);
}

void nic_inst_queue(struct nic_inst *in, const uint8_t *buf, uint32_t len, uint32_t meta, uint64_t aux)
{
    if (in->npend == NIC_BATCH)
        nic_inst_flush(in);
    if (in->npend == 0) {
        in->dirty_next = nic_dirty;
        nic_dirty = in;
    }
    struct eos_chan_desc *d = &in->pend[in->npend++];
    d->buf = (uint64_t)(uintptr_t)buf;
    d->len = len;
    d->meta = meta;
    d->aux = aux;
    in->last_tsc = eos_rdtsc();
}

struct nic_inst *nic_svc_pick(struct nic_svc *svc, uint16_t port, uint32_t client_ip, uint16_t client_port, bool tcp)
{
    if (svc->mode == NIC_SHARED)
        return svc->inst[port - svc->base];
    if (svc->mode == NIC_POOL)
        return svc->inst[nic_flow_hash(client_ip, client_port) % svc->count];
    /* perclient: a UDP client is an address and port; a TCP client is an
     * address, all of whose connections go to one instance */
    return nic_flow_get(svc, client_ip, tcp ? 0 : client_port);
}

struct nic_svc *nic_svc_udp(uint16_t port)
{
    return nic_port_svc[port];
}

struct nic_svc *nic_svc_tcp(uint16_t port)
{
    return nic_tcp_port_svc[port];
}

int nic_svc_deliver(uint16_t dport, uint32_t client_ip, uint16_t client_port, const uint8_t *payload, uint32_t len)
{
    struct nic_svc *svc = nic_port_svc[dport];
    if (!svc)
        return -1;
    struct nic_inst *in = nic_svc_pick(svc, dport, client_ip, client_port, false);
    if (!in) {
        svc->st.drops++;                    /* not built yet, or no instance could be made */
        return 0;
    }
    nic_inst_queue(in, payload, len, (uint32_t)client_port << 16 | dport, client_ip);
    return 0;
}

struct nic_inst *nic_inst_by_badge(uint32_t badge)
{
    if (badge == 0 || badge > NIC_MAX_INST)
        return NULL;
    struct nic_inst *in = nic_slots[badge - 1];
    return in && in->svc && in->fwp >= 0 ? in : NULL;
}

void nic_svc_check_alive(void)
{
    nic_nf_check_alive();
    for (int i = 0; i < nic_nslots; i++) {
        struct nic_inst *in = nic_slots[i];
        if (!in || !in->svc || in->fwp < 0 || in->chan < 0 || in->nconns == 0)
            continue;
        if (eos_chan_send(in->chan, NULL, 0) == -EPIPE) {
            nic_stats.chan_dead++;
            nic_inst_restart(in);           /* resets its connections */
        }
    }
}

int nic_svc_flush(void)
{
    int n = nic_nf_flush();
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
static struct nic_inst *nic_reply_sender(uint32_t badge, uint32_t ip, uint16_t cport, uint16_t sport)
{
    struct nic_inst *in = nic_inst_by_badge(badge);
    if (!in)
        return NULL;
    const struct nic_svc *svc = in->svc;
    switch (svc->mode) {
    case NIC_SHARED:
        return sport >= svc->base && (uint32_t)(sport - svc->base) < svc->count && svc->inst[sport - svc->base] == in
                   ? in : NULL;
    case NIC_POOL:
        return sport == svc->base ? in : NULL;
    case NIC_PERCLIENT:
        return sport == svc->base && ip == in->client_ip && cport == in->client_port ? in : NULL;
    }
    return NULL;
}

/* Sends up to `max` replies waiting in ring r; the number taken. A reply
 * counts only from an instance of a service whose ring r is. */
static int nic_reply_drain(struct nic_reply *r, int max)
{
    uint32_t cons = r->ring->cons, prod = r->ring->prod;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);        /* slots read after prod */
    uint32_t nslots = r->ring->nslots;
    int n = 0;
    while (cons != prod && n < max) {
        const struct eos_chan_slot *s = &r->slots[cons % nslots];
        cons++;
        n++;
        nic_stats.chan_out++;
        uint32_t len = s->len, meta = s->meta;
        uint32_t ip = (uint32_t)s->aux;
        if (s->aux & EOS_REQ_TCP) {
            struct nic_inst *in = nic_inst_by_badge(s->sender);
            if (!in || in->svc->reply != r || len > EOS_CHAN_DATA || nic_tcp_output(in, s->data, len) < 0) {
                if (in && in->svc->reply == r)
                    in->svc->st.drops++;
                continue;
            }
            in->svc->st.tx++;
            nic_icount_replied |= 2;
            continue;
        }
        uint16_t cport = (uint16_t)(meta >> 16), sport = (uint16_t)meta;
        struct nic_inst *in = nic_reply_sender(s->sender, ip, cport, sport);
        if (!in || in->svc->reply != r) {
            nic_stats.dropped_spoofed++;
            /* counted against the sender's service too, when it has one */
            struct nic_inst *from = s->sender && s->sender <= NIC_MAX_INST ? nic_slots[s->sender - 1] : NULL;
            if (from && from->svc)
                from->svc->st.drops++;
            continue;
        }
        struct nic_svc *svc = in->svc;
        const uint8_t *mac = nic_arp_lookup(ip);
        if (!mac || len > NET_UDP_MAX_PAYLOAD || len > EOS_CHAN_DATA) {
            nic_stats.dropped_noservice++;
            svc->st.drops++;
            continue;
        }
        uint16_t id;
        uint8_t *f = virtio_net_tx_buf(&nic_dev, &id);
        if (!f) {
            nic_stats.tx_full++;
            svc->st.drops++;
            continue;
        }
        int fl = net_udp_build(f, VIRTIO_MAX_FRAME, nic_dev.mac, mac, nic_cfg.ip, ip, sport, cport, nic_next_ip_id(),
                               s->data, len);
        if (fl < 0) {
            nic_stats.tx_full++;
            svc->st.drops++;
            continue;
        }
        virtio_net_tx_queue(&nic_dev, id, (uint32_t)fl);
        nic_stats.tx++;
        svc->st.tx++;
        nic_icount_replied |= 1;
        if (svc->mode == NIC_PERCLIENT)
            in->last_tsc = eos_rdtsc();
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);        /* slots consumed before they are handed back */
    r->ring->cons = cons;
    return n;
}

/* Up to `max` replies from all rings. Every ring with replies gets a turn
 * of up to NIC_REPLY_TURN first, starting from a different ring each time,
 * so one service's replies cannot hold back another's; what is left of
 * `max` then goes round again. Only the rings in use are visited. */
#define NIC_REPLY_TURN 16
int nic_svc_replies(int max)
{
    static unsigned next;
    int n = nic_reply_drain(&nic_boot_reply, max < NIC_REPLY_TURN ? max : NIC_REPLY_TURN);
    int na = nic_reply_nactive;
    int start = na ? (int)(next % (unsigned)na) : 0;
    for (int pass = 0; pass < 2 && n < max; pass++) {
        int before = n;
        for (int k = 0, i = start; k < na && n < max; k++, i = i + 1 == na ? 0 : i + 1) {
            int turn = pass == 0 && max - n > NIC_REPLY_TURN ? NIC_REPLY_TURN : max - n;
            n += nic_reply_drain(nic_reply_active[i], turn);
        }
        if (n < max)
            n += nic_reply_drain(&nic_boot_reply, max - n);
        if (n == before)
            break;                      /* nothing left anywhere */
    }
    next++;
    return n;
}
