/* Channels (see chan.h). */
#include "chan.h"
#include "fwp.h"
#include "ipc.h"
#include "mm.h"
#include "errno.h"
#include "edgeos_syscalls.h"
#include "tenant.h"

#define CHAN_MAX_BATCH 64

_Static_assert(sizeof(struct eos_chan_ring) == 64, "ring header layout");
_Static_assert(sizeof(struct eos_chan_slot) == EOS_CHAN_SLOT, "slot layout");

int64_t chan_create(struct fwp *rx, uint64_t ring, uint64_t bytes, struct ipc_obj *ntfn, struct chan **out)
{
    if ((ring & (PAGE_SIZE - 1)) || bytes < sizeof(struct eos_chan_ring) + EOS_CHAN_SLOT ||
        bytes > (64UL << 20) || !user_range_ok(ring, bytes))
        return -EINVAL;
    uint32_t nslots = (uint32_t)((bytes - sizeof(struct eos_chan_ring)) / EOS_CHAN_SLOT);
    struct eos_chan_ring hdr = { .prod = 0, .cons = 0, .nslots = nslots };
    if (copy_to_fwp(rx, ring, &hdr, sizeof hdr) < 0)
        return -EFAULT;
    /* Made on the receiver's behalf: charged to its tenant, like its ring. */
    struct chan *c = tenant_kmalloc(rx->tenant, sizeof *c);
    if (!c)
        return tenant_alloc_error(rx->tenant, sizeof *c);
    c->refs = 1;                    /* the caller's; it installs a capability, then drops this */
    c->rx = rx;
    fwp_get(rx);
    c->ring = ring;
    c->nslots = nslots;
    c->gen = rx->generation;
    c->ntfn = ntfn;
    if (ntfn)
        ipc_obj_get(ntfn);
    *out = c;
    return 0;
}

int64_t chan_attach(struct fwp *rx, struct ipc_obj *ntfn, struct chan **out)
{
    spin_lock(&rx->lock);
    int64_t r = 0;
    if (!rx->inbox)
        r = -ENOENT;
    else if (rx->tmpl)
        r = -EINVAL;                /* a template's memory is frozen */
    else if (rx->state != FWP_ALIVE)
        r = -ESRCH;
    else if (rx->inbox_gen == rx->generation + 1)
        r = -EBUSY;                 /* one channel per inbox until the next reset */
    else
        rx->inbox_gen = rx->generation + 1;
    spin_unlock(&rx->lock);
    if (r < 0)
        return r;
    /* rx runs meanwhile: its tables are walked under its VM lock. */
    spin_lock(&rx->vm_lock);
    r = rx->pml4 ? chan_create(rx, rx->inbox, rx->inbox_bytes, ntfn, out) : -ESRCH;
    spin_unlock(&rx->vm_lock);
    if (r < 0) {
        spin_lock(&rx->lock);
        rx->inbox_gen = 0;
        spin_unlock(&rx->lock);
    }
    return r;
}

int64_t inbox_set(struct fwp *f, uint64_t ring, uint64_t bytes)
{
    if ((ring & (PAGE_SIZE - 1)) || bytes < sizeof(struct eos_chan_ring) + EOS_CHAN_SLOT ||
        bytes > (64UL << 20) || !user_range_ok(ring, bytes))
        return -EINVAL;
    uint32_t probe;
    if (copy_from_fwp(f, &probe, ring + bytes - sizeof probe, sizeof probe) < 0 ||
        copy_to_fwp(f, ring, &probe, 0) < 0)
        return -EINVAL;             /* not mapped */
    f->inbox = ring;
    f->inbox_bytes = bytes;
    return 0;
}

void chan_get(struct chan *c)
{
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
}

void chan_put(struct chan *c)
{
    if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    if (c->ntfn)
        ipc_obj_put(c->ntfn);
    struct fwp *rx = c->rx;
    tenant_kfree(rx->tenant, c, sizeof *c);
    fwp_put(rx);
}

int64_t chan_send(struct chan *c, struct fwp *tx, uint32_t badge, uint64_t batch, uint64_t count)
{
    if (count > CHAN_MAX_BATCH)
        count = CHAN_MAX_BATCH;
    struct eos_chan_desc d[CHAN_MAX_BATCH];
    if (count && copy_from_user(d, batch, count * sizeof d[0]) < 0)
        return -EFAULT;
    for (uint64_t i = 0; i < count; i++)
        if (d[i].len > EOS_CHAN_DATA || !user_range_ok(d[i].buf, d[i].len))
            return -EINVAL;
    struct fwp *rx = c->rx;
    spin_lock(&c->lock);
    spin_lock(&rx->vm_lock);
    if (rx->state != FWP_ALIVE || !rx->pml4 || rx->generation != c->gen || rx->tmpl) {
        spin_unlock(&rx->vm_lock);
        spin_unlock(&c->lock);
        return -EPIPE;
    }
    /* The receiver owns cons; trust none of it beyond the ring's size. */
    uint32_t cons;
    int64_t r = 0;
    if (copy_from_fwp(rx, &cons, c->ring + 4, sizeof cons) < 0) {
        r = -EPIPE;         /* receiver unmapped its own ring */
        goto out;
    }
    if (c->prod - cons > c->nslots)
        cons = c->prod - c->nslots;
    uint64_t sent = 0;
    for (; sent < count && c->prod - cons < c->nslots; sent++) {
        uint64_t slot = c->ring + sizeof(struct eos_chan_ring) + (uint64_t)(c->prod % c->nslots) * EOS_CHAN_SLOT;
        struct { uint32_t len, meta; uint64_t aux; uint32_t sender, reserved; } head = {
            d[sent].len, d[sent].meta, d[sent].aux, badge, 0 };
        if (copy_to_fwp(rx, slot, &head, sizeof head) < 0) {
            r = -EPIPE;
            goto out;
        }
        int e = copy_between(rx, slot + 24, tx, d[sent].buf, d[sent].len);
        if (e < 0) {
            /* The sender's buffer is bad (the receiver's ring was fine). */
            r = -EFAULT;
            goto out;
        }
        c->prod++;
    }
    /* Slots first, then the producer index (x86 keeps stores in order). */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (copy_to_fwp(rx, c->ring, &c->prod, sizeof c->prod) < 0)
        r = -EPIPE;
    else
        r = (int64_t)sent;
out:
    spin_unlock(&rx->vm_lock);
    spin_unlock(&c->lock);
    if (r > 0 && c->ntfn)
        ntfn_signal(c->ntfn, 1);
    return r;
}
