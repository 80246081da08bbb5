/* NF chains in front of services (docs/net.md, "NF chains").
 *
 * A service may name NF templates (clicknf programs, docs/clicknf.md) that
 * its incoming frames cross before they reach it. For each the nic forks
 * one instance when the service is added, and sets it up the way clicknf
 * expects, without its cooperation:
 *   fwp = fork(template);
 *   tx  = grant(fwp, the NF's output-ring channel, SEND, badge = pool index + 1);
 *   n   = a new notification, granted with RECV;  chan = chan_attach(fwp, n);
 *   activate(fwp, CLICKNF_ARG(tx, n)).
 * A frame for the service (UDP or TCP to one of its ports) is copied, whole,
 * into the first NF's inbox; what NF i sends comes back into its own ring in
 * the nic and goes on to NF i + 1, and what the last one sends takes the
 * nic's ordinary per-frame path for that service. Frames an NF does not
 * send on are gone. Only the ingress path crosses NFs; replies go to the
 * wire as before. An NF instance found dead (its inbox channel says
 * -EPIPE, when sending or on the periodic probe) is replaced by a fresh
 * fork. NF forks are charged to the service's tenant (EOS_FORK_CHARGE_AS
 * with the service's template), as its instances are, whichever tenant
 * the NF template belongs to. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "nic.h"
#include "../clicknf/clicknf_proto.h"
#include "nic_ctl_proto.h"

static struct nic_nf nic_nf_pool[NIC_NF_POOL];
/* The NF instances in use, packed: the per-round flush and drain visit
 * only these (none at all on a system without NF chains). */
static struct nic_nf *nic_nf_active[NIC_NF_POOL];
static int nic_nf_nactive;

static void nic_nf_set_used(struct nic_nf *nf, bool used)
{
    if (nf->used == used)
        return;
    nf->used = used;
    if (used) {
        nic_nf_active[nic_nf_nactive++] = nf;
        return;
    }
    for (int i = 0; i < nic_nf_nactive; i++)
        if (nic_nf_active[i] == nf) {
            nic_nf_active[i] = nic_nf_active[--nic_nf_nactive];
            return;
        }
}
bool nic_nf_fault_hook;

/* Boot argument nf=TEMPLATE:NF1+NF2: the chain of the service whose
 * template is TEMPLATE (a boot service, or one the control FWP deploys:
 * its template is TENANT/SERVICE). */
#define NIC_NF_BINDS 16
static struct { char tmpl[32]; struct nic_svc names; } nic_nf_binds[NIC_NF_BINDS];
static int nic_nf_nbinds;

int nic_nf_parse_list(const char *list, struct nic_svc *s)
{
    s->nnf = 0;
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, '+');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == 0 || l >= sizeof s->nf_names[0] || s->nnf == NIC_MAX_NF || memchr(p, ':', l))
            return -1;
        memcpy(s->nf_names[s->nnf], p, l);
        s->nf_names[s->nnf][l] = 0;
        s->nnf++;
        if (!e)
            return 0;
        p = e + 1;
    }
}

int nic_nf_bind(const char *spec)
{
    const char *c = strrchr(spec, ':');
    if (!c || c == spec || (size_t)(c - spec) >= sizeof nic_nf_binds[0].tmpl || nic_nf_nbinds == NIC_NF_BINDS)
        return -1;
    memset(&nic_nf_binds[nic_nf_nbinds], 0, sizeof nic_nf_binds[0]);
    memcpy(nic_nf_binds[nic_nf_nbinds].tmpl, spec, (size_t)(c - spec));
    if (nic_nf_parse_list(c + 1, &nic_nf_binds[nic_nf_nbinds].names) < 0)
        return -1;
    nic_nf_nbinds++;
    return 0;
}

static int nic_nf_start(struct nic_nf *nf)
{
    /* Charged to the service's tenant, whatever tenant the NF template is in. */
    long flags = nf->svc->tmpl >= 0 ? (long)EOS_FORK_CHARGE_CAP(nf->svc->tmpl) : 0;
    long fwp = eos_fork(nf->tmpl, flags, nic_pick_cpu());
    if (fwp < 0)
        return (int)fwp;
    long r, n = -1, chan = -1, ni = -1;
    long tx = eos_cap_grant(fwp, nf->out.chan, EOS_RIGHT_SEND, (unsigned long)(nf - nic_nf_pool) + 1);
    r = tx;
    if (r >= 0)
        r = n = eos_notification_create();
    if (r >= 0)
        r = ni = eos_cap_grant(fwp, n, EOS_RIGHT_RECV, 0);
    if (r >= 0)
        r = chan = eos_chan_attach(fwp, n);
    if (n >= 0)
        eos_cap_delete(n);
    if (r >= 0)
        r = eos_activate(fwp, (long)CLICKNF_ARG(tx, ni));
    if (r < 0) {
        if (chan >= 0)
            eos_cap_delete(chan);
        eos_destroy(fwp);
        return (int)r;
    }
    nf->fwp = fwp;
    nf->chan = chan;
    return 0;
}

static void nic_nf_stop(struct nic_nf *nf)
{
    if (nf->chan >= 0)
        eos_cap_delete(nf->chan);
    if (nf->fwp >= 0)
        eos_destroy(nf->fwp);
    nf->fwp = nf->chan = -1;
}

static int nic_nf_restart(struct nic_nf *nf)
{
    printf("nic: %s: NF %d (%s) died; starting a fresh one\n", nf->svc->name, nf->idx, nf->name);
    nic_nf_stop(nf);
    nf->restarts++;
    nic_stats.nf_restarted++;
    int r = nic_nf_start(nf);
    if (r < 0)
        printf("nic: %s: cannot restart NF %s (%d)\n", nf->svc->name, nf->name, r);
    fflush(stdout);
    return r;
}

static void nic_nf_free(struct nic_nf *nf)
{
    nic_nf_stop(nf);
    if (nf->tmpl >= 0)
        eos_cap_delete(nf->tmpl);
    nf->tmpl = -1;
    nf->npend = 0;
    nf->svc = NULL;
    nic_nf_set_used(nf, false);             /* its ring stays for the next one */
}

int nic_nf_attach(struct nic_svc *svc, const char **why)
{
    static char msg[96];
    if (svc->nnf == 0)
        for (int b = 0; b < nic_nf_nbinds; b++)
            if (!strcmp(nic_nf_binds[b].tmpl, svc->name)) {
                svc->nnf = nic_nf_binds[b].names.nnf;
                memcpy(svc->nf_names, nic_nf_binds[b].names.nf_names, sizeof svc->nf_names);
                break;
            }
    for (int i = 0; i < NIC_MAX_NF; i++)
        svc->nf[i] = NULL;
    for (int i = 0; i < svc->nnf; i++) {
        struct nic_nf *nf = NULL;
        for (int k = 0; k < NIC_NF_POOL && !nf; k++)
            if (!nic_nf_pool[k].used)
                nf = &nic_nf_pool[k];
        int r = -ENOSPC;
        if (!nf) {
            *why = "too many NF instances in the nic";
            goto fail;
        }
        memset(&nf->pend, 0, sizeof nf->pend);
        nic_nf_set_used(nf, true);
        nf->svc = svc;
        nf->idx = i;
        nf->fwp = nf->chan = nf->tmpl = -1;
        nf->npend = 0;
        nf->in = nf->out_n = nf->inbox_full = nf->restarts = 0;
        snprintf(nf->name, sizeof nf->name, "%s", svc->nf_names[i]);
        svc->nf[i] = nf;
        if (!nf->out.ring) {
            r = nic_reply_create(&nf->out, NIC_NF_SLOTS);
            if (r < 0) {
                *why = "the nic has no memory for an NF ring";
                goto fail;
            }
        }
        nf->out.ring->cons = nf->out.ring->prod;
        /* Boot services wait for their NF templates as for their own; a
         * service deployed at run time never waits. */
        nf->tmpl = (svc->id & (1u << 31)) ? eos_template_open(nf->name) : eos_template_open_nowait(nf->name);
        if (nf->tmpl < 0) {
            r = (int)nf->tmpl;
            snprintf(msg, sizeof msg, "NF %s: %s", nf->name,
                     r == -EAGAIN ? "the program has not checkpointed" : "no such template");
            *why = msg;
            goto fail;
        }
        r = nic_nf_start(nf);
        if (r < 0) {
            snprintf(msg, sizeof msg, "NF %s: cannot start an instance (%d)", nf->name, r);
            *why = msg;
            goto fail;
        }
        continue;
    fail:
        nic_nf_detach(svc);
        return r;
    }
    if (svc->nnf) {
        printf("nic: %s: NF chain", svc->name);
        for (int i = 0; i < svc->nnf; i++)
            printf(" %s%s", i ? "-> " : "", svc->nf_names[i]);
        printf(" (ingress)\n");
        fflush(stdout);
    }
    return 0;
}

void nic_nf_detach(struct nic_svc *svc)
{
    for (int i = 0; i < NIC_MAX_NF; i++)
        if (svc->nf[i]) {
            nic_nf_free(svc->nf[i]);
            svc->nf[i] = NULL;
        }
}

static void nic_nf_send(struct nic_nf *nf)
{
    int n = nf->npend;
    nf->npend = 0;
    if (n == 0)
        return;
    if (nf->chan < 0 && nic_nf_start(nf) < 0) {
        nf->inbox_full += (uint64_t)n;      /* counted as lost before its inbox */
        return;
    }
    long r = eos_chan_send(nf->chan, nf->pend, n);
    if (r == -EPIPE) {
        if (nic_nf_restart(nf) < 0) {
            nf->inbox_full += (uint64_t)n;
            return;
        }
        r = eos_chan_send(nf->chan, nf->pend, n);
    }
    if (r < 0)
        r = 0;
    nf->in += (uint64_t)r;
    nf->inbox_full += (uint64_t)(n - r);
}

static void nic_nf_queue(struct nic_nf *nf, const uint8_t *buf, uint32_t len, uint32_t meta)
{
    if (nf->npend == NIC_BATCH)
        nic_nf_send(nf);
    nf->pend[nf->npend++] = (struct eos_chan_desc){ (uint64_t)(uintptr_t)buf, len, meta, 0 };
}

void nic_nf_ingress(struct nic_svc *svc, const uint8_t *frame, uint32_t len, const struct net_pkt *pk)
{
    /* Test hook (nf_fault=1): a UDP datagram "EOS-NF-FAULT I" makes NF I
     * of the service commit a fault (if it was started with --allow-fault). */
    static const char fault[] = "EOS-NF-FAULT ";
    if (nic_nf_fault_hook && pk->ip_proto == 17 && pk->payload_len == sizeof fault &&
        !memcmp(frame + pk->payload_off, fault, sizeof fault - 1)) {
        int i = frame[pk->payload_off + sizeof fault - 1] - '0';
        if (i >= 0 && i < svc->nnf) {
            nic_nf_queue(svc->nf[i], frame, len, CLICKNF_META_FAULT);
            return;
        }
    }
    if (len > EOS_CHAN_DATA) {
        svc->st.drops++;
        return;
    }
    nic_nf_queue(svc->nf[0], frame, len, CLICKNF_META_FRAME);
}

int nic_nf_flush(void)
{
    int n = 0;
    for (int k = 0; k < nic_nf_nactive; k++)
        if (nic_nf_active[k]->npend) {
            n += nic_nf_active[k]->npend;
            nic_nf_send(nic_nf_active[k]);
        }
    return n;
}

/* Takes up to max frames from one NF's ring: each goes to the next NF or,
 * after the last, into the service's per-frame path. Descriptors point into
 * the ring, so everything queued is sent before the slots are handed back. */
static int nic_nf_drain_one(struct nic_nf *nf, int max)
{
    struct eos_chan_ring *ring = nf->out.ring;
    uint32_t cons = ring->cons, prod = __atomic_load_n(&ring->prod, __ATOMIC_ACQUIRE);
    uint32_t nslots = ring->nslots;
    struct nic_svc *svc = nf->svc;
    struct nic_nf *next = nf->idx + 1 < svc->nnf ? svc->nf[nf->idx + 1] : NULL;
    int n = 0;
    while (cons != prod && n < max) {
        const struct eos_chan_slot *s = &nf->out.slots[cons % nslots];
        cons++;
        n++;
        if (s->meta != CLICKNF_META_FRAME || s->len > EOS_CHAN_DATA)
            continue;                       /* answers to control slots: not frames */
        nf->out_n++;
        if (next)
            nic_nf_queue(next, s->data, s->len, CLICKNF_META_FRAME);
        else
            nic_input_after_nf(svc, s->data, s->len);
    }
    if (n)
        nic_svc_flush();
    __atomic_store_n(&ring->cons, cons, __ATOMIC_RELEASE);
    return n;
}

int nic_nf_drain(int max)
{
    int n = 0;
    for (int k = 0; k < nic_nf_nactive && n < max; k++)
        n += nic_nf_drain_one(nic_nf_active[k], max - n);
    return n;
}

void nic_nf_check_alive(void)
{
    for (int k = 0; k < NIC_NF_POOL; k++) {
        struct nic_nf *nf = &nic_nf_pool[k];
        if (nf->used && nf->chan >= 0 && eos_chan_send(nf->chan, NULL, 0) == -EPIPE)
            nic_nf_restart(nf);
    }
}

/* One line per NF: frames into it, out of it, dropped by it (in - out;
 * frames still inside it count until they come out), refused by its full
 * inbox, and its restarts. */
void nic_nf_stats_print(void)
{
    for (int k = 0; k < NIC_NF_POOL; k++) {
        const struct nic_nf *nf = &nic_nf_pool[k];
        if (!nf->used)
            continue;
        printf("nic: nf %s/%u[%d] %s in=%llu out=%llu dropped=%llu inbox_full=%llu nf_restarted=%llu\n", nf->svc->name,
               nf->svc->base, nf->idx, nf->name, (unsigned long long)nf->in, (unsigned long long)nf->out_n,
               (unsigned long long)(nf->in > nf->out_n ? nf->in - nf->out_n : 0),
               (unsigned long long)nf->inbox_full, (unsigned long long)nf->restarts);
    }
}

int nic_nf_stats(const struct nic_svc *svc, struct nicctl_nf_stats *out)
{
    int n = 0;
    for (int i = 0; i < svc->nnf && i < NIC_MAX_NF; i++) {
        const struct nic_nf *nf = svc->nf[i];
        if (!nf)
            continue;
        out[n++] = (struct nicctl_nf_stats){ nf->in, nf->out_n, nf->in > nf->out_n ? nf->in - nf->out_n : 0,
                                             nf->inbox_full, nf->restarts };
    }
    return n;
}
