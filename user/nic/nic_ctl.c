/* Commands from the control FWP (user/lib/nic_ctl_proto.h): services added,
 * scaled and removed while the nic runs. Commands arrive in the nic's
 * command ring (its send capability published in the system registry);
 * answers go to the control FWP's reply ring, found in the registry on
 * the first answer. ADD and SCALE are answered when their instances exist
 * (nic_ctl_built), so the nic keeps moving packets while it builds them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nic.h"
#include "nic_ctl_proto.h"

#define NIC_STR_(x) #x
#define NIC_STR(x) NIC_STR_(x)

#define NIC_CTL_SLOTS 16

_Static_assert(sizeof(struct nicctl_cmd) <= EOS_CHAN_DATA && sizeof(struct nicctl_reply) <= EOS_CHAN_DATA,
               "control messages fit one channel slot");
_Static_assert(NICCTL_MAX_NF == NIC_MAX_NF && NICCTL_NAME == sizeof ((struct nic_svc *)0)->nf_names[0],
               "the NF chain of a command fits a service");

static struct eos_chan_ring *nic_ctl_ring;
static long nic_ctl_reply = -1;

int nic_ctl_init(void)
{
    size_t bytes = (sizeof(struct eos_chan_ring) + NIC_CTL_SLOTS * EOS_CHAN_SLOT + 4095) & ~(size_t)4095;
    void *ring = aligned_alloc(4096, bytes);
    if (!ring)
        return -ENOMEM;
    memset(ring, 0, bytes);
    long chan = eos_chan_create(ring, bytes, nic_ntfn);     /* a command wakes a waiting nic */
    if (chan < 0)
        return (int)chan;
    long send = eos_cap_mint(chan, EOS_RIGHT_SEND, 0);
    long r = send < 0 ? send : eos_registry_put(send, NICCTL_NIC_NAME);
    if (send >= 0)
        eos_cap_delete(send);                               /* the registry holds its own */
    if (r < 0)
        return (int)r;
    nic_ctl_ring = ring;
    return 0;
}

static struct nic_svc *nic_ctl_svc_alloc(void)
{
    for (int i = 0; i < NIC_MAX_SVCS; i++)
        if (!nic_cfg.pool_used[i]) {
            nic_cfg.pool_used[i] = true;
            memset(&nic_cfg.pool[i], 0, sizeof nic_cfg.pool[i]);
            return &nic_cfg.pool[i];
        }
    return NULL;
}

static void nic_ctl_svc_free(struct nic_svc *svc)
{
    nic_cfg.pool_used[svc - nic_cfg.pool] = false;
}

static void nic_ctl_answer(struct nicctl_reply *rep)
{
    struct eos_chan_desc d = { (uint64_t)(uintptr_t)rep, sizeof *rep, 0, 0 };
    for (int attempt = 0; attempt < 2; attempt++) {
        if (nic_ctl_reply < 0)
            nic_ctl_reply = eos_registry_get(NICCTL_CTL_NAME);
        if (nic_ctl_reply < 0) {
            printf("nic: no control reply channel (%ld)\n", nic_ctl_reply);
            return;
        }
        long r = eos_chan_send(nic_ctl_reply, &d, 1);
        if (r == 1)
            return;
        if (r != -EPIPE) {
            printf("nic: control reply dropped (%ld)\n", r);
            return;
        }
        eos_cap_delete(nic_ctl_reply);                      /* the control FWP was restarted */
        nic_ctl_reply = -1;
    }
}

static void nic_ctl_fill(struct nicctl_reply *rep, struct nic_svc *svc)
{
    rep->instances = nic_svc_instances(svc, &rep->clients);
    rep->rx = svc->st.rx;
    rep->tx = svc->st.tx;
    rep->drops = svc->st.drops;
    rep->restarts = svc->st.restarts;
    rep->tcp_conns = svc->tcp_conns;
    rep->nnf = (uint32_t)nic_nf_stats(svc, rep->nf);
}

static void nic_ctl_fail(struct nicctl_reply *rep, int err, const char *why)
{
    rep->status = err;
    snprintf(rep->msg, sizeof rep->msg, "%s", why);
}

void nic_ctl_built(struct nic_svc *svc)
{
    nic_svc_report(svc);
    if (!svc->pending_seq)
        return;                                 /* a boot service: nic_main looks at svc->err */
    struct nicctl_reply rep;
    memset(&rep, 0, sizeof rep);
    rep.seq = svc->pending_seq;
    rep.svc_id = svc->id;
    svc->pending_seq = 0;
    int err = svc->err;
    svc->err = 0;
    if (err) {
        char why[96];
        uint32_t clients;
        snprintf(why, sizeof why, "cannot create instance %u of %u: %s", nic_svc_instances(svc, &clients) + 1,
                 svc->count, err == -EDQUOT ? "the tenant's memory quota is exhausted"
                             : err == -ENOMEM ? "out of memory" : err == -ENOSPC ? "no instance slot left"
                             : "the kernel refused");
        nic_ctl_fail(&rep, err, why);
        /* Nothing half-done: a failed ADD goes, a failed SCALE returns to its old count. */
        if (svc->pending_op == NICCTL_ADD) {
            nic_svc_remove(svc);
            nic_ctl_svc_free(svc);
            nic_ctl_answer(&rep);
            return;
        }
        nic_svc_undo_scale(svc);
    }
    nic_ctl_fill(&rep, svc);
    nic_ctl_answer(&rep);
}

static void nic_ctl_handle(const struct nicctl_cmd *cmd)
{
    struct nicctl_reply rep;
    memset(&rep, 0, sizeof rep);
    rep.seq = cmd->seq;
    rep.svc_id = cmd->svc_id;
    struct nic_svc *svc = nic_svc_by_id(cmd->svc_id);
    const char *why = "";
    int r;
    switch (cmd->op) {
    case NICCTL_ADD:
        if (svc || cmd->svc_id == 0 || (cmd->svc_id & (1u << 31))) {
            nic_ctl_fail(&rep, -EEXIST, "service id in use");
            break;
        }
        if (cmd->proto == 0 || (cmd->proto & ~(NICCTL_PROTO_UDP | NICCTL_PROTO_TCP)) || cmd->mode > NICCTL_PERCLIENT || cmd->port == 0 || memchr(cmd->tmpl, 0, sizeof cmd->tmpl) == NULL) {
            nic_ctl_fail(&rep, -EINVAL, "malformed service");
            break;
        }
        if (cmd->nnf > NICCTL_MAX_NF) {
            nic_ctl_fail(&rep, -EINVAL, "too many NFs (at most " NIC_STR(NICCTL_MAX_NF) ")");
            break;
        }
        for (uint32_t k = 0; k < cmd->nnf; k++)
            if (!cmd->nf[k][0] || memchr(cmd->nf[k], 0, sizeof cmd->nf[k]) == NULL || strchr(cmd->nf[k], '+')) {
                nic_ctl_fail(&rep, -EINVAL, "malformed NF template name");
                goto answer;
            }
        if (!(svc = nic_ctl_svc_alloc())) {
            nic_ctl_fail(&rep, -ENOSPC, "too many services");
            break;
        }
        svc->id = cmd->svc_id;
        svc->tenant = cmd->tenant_id;
        strcpy(svc->name, cmd->tmpl);
        svc->mode = cmd->mode == NICCTL_SHARED ? NIC_SHARED : cmd->mode == NICCTL_POOL ? NIC_POOL : NIC_PERCLIENT;
        svc->protos = (uint8_t)cmd->proto;         /* the same bits as NIC_UDP / NIC_TCP */
        svc->base = cmd->port;
        svc->count = cmd->count;
        svc->nnf = (int)cmd->nnf;               /* none: the boot-time nf= binding, if any */
        for (uint32_t k = 0; k < cmd->nnf; k++)
            strcpy(svc->nf_names[k], cmd->nf[k]);
        r = nic_svc_add(svc, &why);
        if (r < 0) {
            nic_ctl_svc_free(svc);
            nic_ctl_fail(&rep, r, why);
            break;
        }
        svc->pending_seq = cmd->seq;
        svc->pending_op = NICCTL_ADD;
        return;                                 /* answered when built */
    case NICCTL_SCALE:
        if (!svc) {
            nic_ctl_fail(&rep, -ENOENT, "no such service");
            break;
        }
        r = nic_svc_scale(svc, cmd->count, &why);
        if (r < 0) {
            nic_ctl_fail(&rep, r, why);
            break;
        }
        svc->pending_seq = cmd->seq;
        svc->pending_op = NICCTL_SCALE;
        return;
    case NICCTL_REMOVE:
        if (!svc) {
            nic_ctl_fail(&rep, -ENOENT, "no such service");
            break;
        }
        if (svc->pending_seq) {                 /* whoever waited for a build gets an answer */
            struct nicctl_reply old;
            memset(&old, 0, sizeof old);
            old.seq = svc->pending_seq;
            old.svc_id = svc->id;
            nic_ctl_fail(&old, -ECANCELED, "removed while being built");
            nic_ctl_answer(&old);
        }
        nic_ctl_fill(&rep, svc);
        nic_svc_remove(svc);
        printf("nic: service %s removed\n", svc->name);
        fflush(stdout);
        nic_ctl_svc_free(svc);
        break;
    case NICCTL_STATS:
        if (!svc) {
            nic_ctl_fail(&rep, -ENOENT, "no such service");
            break;
        }
        nic_ctl_fill(&rep, svc);
        break;
    default:
        nic_ctl_fail(&rep, -EINVAL, "unknown command");
        break;
    }
answer:
    nic_ctl_answer(&rep);
}

int nic_ctl_poll(void)
{
    if (!nic_ctl_ring)
        return 0;
    uint32_t cons = nic_ctl_ring->cons, prod = __atomic_load_n(&nic_ctl_ring->prod, __ATOMIC_ACQUIRE);
    uint32_t nslots = nic_ctl_ring->nslots;
    int n = 0;
    while (cons != prod) {
        const struct eos_chan_slot *s = (const struct eos_chan_slot *)((const uint8_t *)nic_ctl_ring +
                                                                       sizeof *nic_ctl_ring +
                                                                       (size_t)(cons % nslots) * EOS_CHAN_SLOT);
        struct nicctl_cmd cmd;
        if (s->len == sizeof cmd) {
            memcpy(&cmd, s->data, sizeof cmd);
            cons++;
            __atomic_store_n(&nic_ctl_ring->cons, cons, __ATOMIC_RELEASE);
            nic_ctl_handle(&cmd);
        } else {
            cons++;
            __atomic_store_n(&nic_ctl_ring->cons, cons, __ATOMIC_RELEASE);
            printf("nic: control message of %u bytes ignored\n", s->len);
        }
        n++;
    }
    return n;
}
