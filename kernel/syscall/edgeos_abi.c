/* EdgeOS's own system calls (numbers from EOS_SYSCALL_BASE), reached
 * through libedgeos (user/lib/edgeos.h). This file only decodes: each call
 * acquires its capabilities (which checks index, type and rights and holds
 * a reference for the duration of the call) and hands over to the object's
 * code in fwp/, ipc/ or cap/. */
#include "syscall.h"
#include "edgeos_syscalls.h"
#include "trap.h"
#include "sched.h"
#include "fwp.h"
#include "cap.h"
#include "ipc.h"
#include "mm.h"
#include "time.h"
#include "errno.h"
#include "string.h"
#include "chan.h"
#include "platform.h"
#include "cpu.h"

static int64_t mem_info(struct fwp *f, uint64_t out)
{
    struct eos_mem_info mi = {
        .frames_free = frames_free(),
        .frames_total = frames_total(),
        .quota_frames = f->frames_limit,
        .used_frames = f->frames_used,
        .kstack_frames = kstack_cached_frames(),
        .live_fwps = fwp_live_count(),
        .tsc_hz = tsc_hz,
    };
    return copy_to_user(out, &mi, sizeof mi);
}

static int64_t template_open(struct fwp *f, uint64_t uname)
{
    if (!f->root)
        return -EPERM;
    char name[32];
    memset(name, 0, sizeof name);
    for (int i = 0; i < 31; i++) {
        if (copy_from_user(&name[i], uname + i, 1) < 0)
            return -EFAULT;
        if (!name[i])
            break;
    }
    struct fwp *tm = fwp_find_by_name(name);
    if (!tm)
        return -ENOENT;
    int r = template_wait_ready(tm);
    if (r == 0)
        r = cap_insert(&f->caps, CAP_TEMPLATE, tm);
    fwp_put(tm);
    return r;
}

/* Operations on an FWP named by a capability. */
static int64_t fwp_op(struct fwp *f, uint64_t nr, struct trapframe *tf)
{
    struct fwp *c = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_FWP, NULL);
    if (!c)
        return -EBADF;
    int64_t r = -ENOSYS;
    switch (nr) {
    case EOS_SYS_ACTIVATE:
        r = fwp_activate(c, tf->rsi);
        break;
    case EOS_SYS_RESET:
        r = fwp_reset(c, tf->rsi & EOS_START, tf->rdx);
        break;
    case EOS_SYS_WAIT_PARKED:
        r = fwp_wait_parked(c);
        break;
    case EOS_SYS_FWP_INFO: {
        struct eos_fwp_info info = {
            .id = c->id, .state = (uint64_t)c->state,
            .parked = c->threads && c->threads->parked,
            .used_frames = c->frames_used, .quota_frames = c->frames_limit,
        };
        r = copy_to_user(tf->rsi, &info, sizeof info);
        break;
    }
    case EOS_SYS_CAP_GRANT: {
        struct cap src;
        if (cap_get(&f->caps, (int64_t)tf->rsi, &src) < 0) {
            r = -EBADF;
        } else if (!(src.rights & CAP_R_GRANT)) {
            r = -EPERM;
        } else {
            uint32_t badge = src.badge ? src.badge : (uint32_t)tf->r10;
            r = cap_insert_full(&c->caps, src.type, src.obj, src.rights & (uint8_t)tf->rdx, badge);
        }
        break;
    }
    case EOS_SYS_CAP_REVOKE:
        r = cap_delete(&c->caps, (int64_t)tf->rsi);
        break;
    case EOS_SYS_CAP_TAKE: {
        struct cap src;
        r = cap_get(&c->caps, (int64_t)tf->rsi, &src);
        if (r == 0)
            r = cap_insert_full(&f->caps, src.type, src.obj, src.rights, src.badge);
        break;
    }
    }
    cap_release(CAP_FWP, c);
    return r;
}

static int64_t ipc_op(struct fwp *f, uint64_t nr, struct trapframe *tf)
{
    bool ntfn = nr == EOS_SYS_SIGNAL || nr == EOS_SYS_WAIT;
    enum cap_type type = ntfn ? CAP_NOTIFICATION : CAP_ENDPOINT;
    struct cap c;
    struct ipc_obj *o = cap_acquire(&f->caps, (int64_t)tf->rdi, type, &c);
    if (!o)
        return -EBADF;
    bool sending = nr == EOS_SYS_CALL || nr == EOS_SYS_SIGNAL;
    int64_t r;
    if (!(c.rights & (sending ? CAP_R_SEND : CAP_R_RECV)))
        r = -EPERM;
    else if (nr == EOS_SYS_CALL)
        r = ipc_call(o, c.badge, tf);
    else if (nr == EOS_SYS_RECV)
        r = ipc_recv(o, tf);
    else if (nr == EOS_SYS_REPLY_RECV)
        r = ipc_reply_recv(o, tf);
    else if (nr == EOS_SYS_SIGNAL)
        r = ntfn_signal(o, tf->rsi);
    else
        r = ntfn_wait(o);
    cap_release(type, o);
    return r;
}

static int64_t tmpl_op(struct fwp *f, uint64_t nr, struct trapframe *tf)
{
    struct fwp *tm = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_TEMPLATE, NULL);
    if (!tm)
        return -EBADF;
    int64_t r;
    if (nr == EOS_SYS_FORK) {
        int err = 0;
        struct fwp *c = fwp_fork(tm, (int)tf->rdx, tf->rsi & EOS_START, &err);
        r = err;
        if (c) {
            r = cap_insert(&f->caps, CAP_FWP, c);
            if (r < 0)
                fwp_destroy(c);
        }
    } else if (nr == EOS_SYS_POOL_FILL) {
        r = pool_fill(tm, (uint32_t)tf->rsi, (uint32_t)tf->rdx);
    } else {                        /* EOS_SYS_POOL_TAKE */
        struct fwp *c = pool_take(tm, this_cpu()->id);
        r = -EAGAIN;
        if (c) {
            r = cap_insert(&f->caps, CAP_FWP, c);
            if (r < 0)
                fwp_destroy(c);
            else if (tf->rsi & EOS_START)
                fwp_activate(c, tf->rdx);
        }
    }
    cap_release(CAP_TEMPLATE, tm);
    return r;
}

static int64_t destroy(struct fwp *f, int64_t idx)
{
    static const enum cap_type types[] = { CAP_FWP, CAP_TEMPLATE, CAP_ENDPOINT, CAP_NOTIFICATION, CAP_CHANNEL };
    for (unsigned i = 0; i < ARRAY_LEN(types); i++) {
        void *o = cap_acquire(&f->caps, idx, types[i], NULL);
        if (!o)
            continue;
        int64_t r = 0;
        if (types[i] == CAP_FWP || types[i] == CAP_TEMPLATE)
            r = fwp_destroy(o);
        else if (types[i] != CAP_CHANNEL)
            ipc_obj_kill(o);
        cap_release(types[i], o);
        cap_delete(&f->caps, idx);
        return r;
    }
    return -EBADF;
}

static int64_t mint(struct fwp *f, struct trapframe *tf)
{
    struct cap src;
    if (cap_get(&f->caps, (int64_t)tf->rdi, &src) < 0)
        return -EBADF;
    uint32_t badge = src.badge ? src.badge : (uint32_t)tf->rdx;
    return cap_insert_full(&f->caps, src.type, src.obj, src.rights & (uint8_t)tf->rsi, badge);
}

int64_t edgeos_syscall(uint64_t nr, struct trapframe *tf)
{
    struct fwp *f = current_thread()->fwp;
    switch (nr) {
    case EOS_SYS_MEM_INFO:
        return mem_info(f, tf->rdi);
    case EOS_SYS_CHECKPOINT:
        return fwp_checkpoint(tf);
    case EOS_SYS_TEMPLATE_OPEN:
        return template_open(f, tf->rdi);
    case EOS_SYS_FORK:
    case EOS_SYS_POOL_FILL:
    case EOS_SYS_POOL_TAKE:
        return tmpl_op(f, nr, tf);
    case EOS_SYS_ACTIVATE:
    case EOS_SYS_RESET:
    case EOS_SYS_WAIT_PARKED:
    case EOS_SYS_FWP_INFO:
    case EOS_SYS_CAP_GRANT:
    case EOS_SYS_CAP_REVOKE:
    case EOS_SYS_CAP_TAKE:
        return fwp_op(f, nr, tf);
    case EOS_SYS_DEV_INFO: {
        if (!f->root)
            return -EPERM;
        const struct platform_device *d = platform_device((int)tf->rdi);
        if (!d)
            return -ENOENT;
        struct eos_dev_info info = { d->mmio_phys, d->mmio_size, d->irq, d->virtio_id };
        return copy_to_user(tf->rsi, &info, sizeof info);
    }
    case EOS_SYS_DEV_OPEN: {
        if (!f->root)
            return -EPERM;
        const struct platform_device *d = platform_device((int)tf->rdi);
        if (!d)
            return -ENOENT;
        return cap_insert(&f->caps, CAP_DEVICE, (void *)d);
    }
    case EOS_SYS_DEV_MAP: {
        const struct platform_device *d = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_DEVICE, NULL);
        if (!d)
            return -EBADF;
        int index = platform_device_index(d);
        if (platform_device_claim(index, f) < 0)
            return -EBUSY;          /* another FWP drives it */
        f->driver = true;
        return vms_map_device(f, d->mmio_phys, d->mmio_size);
    }
    case EOS_SYS_DMA_ALLOC: {
        if (!f->root && !f->driver)
            return -EPERM;
        paddr_t pa;
        int64_t va = vms_dma_page(f, &pa);
        if (va < 0)
            return va;
        struct eos_dma out = { (uint64_t)va, pa };
        return copy_to_user(tf->rdi, &out, sizeof out);
    }
    case EOS_SYS_CHAN_CREATE: {
        struct ipc_obj *n = NULL;
        if ((int64_t)tf->rdx >= 0) {
            n = cap_acquire(&f->caps, (int64_t)tf->rdx, CAP_NOTIFICATION, NULL);
            if (!n)
                return -EBADF;
        }
        struct chan *c = NULL;
        int64_t r = chan_create(f, tf->rdi, tf->rsi, n, &c);
        if (n)
            cap_release(CAP_NOTIFICATION, n);
        if (r < 0)
            return r;
        r = cap_insert(&f->caps, CAP_CHANNEL, c);
        chan_put(c);                /* the capability (if any) holds it now */
        return r;
    }
    case EOS_SYS_CHAN_SEND: {
        struct cap cc;
        struct chan *c = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_CHANNEL, &cc);
        if (!c)
            return -EBADF;
        int64_t r = (cc.rights & CAP_R_SEND) ? chan_send(c, f, cc.badge, tf->rsi, tf->rdx) : -EPERM;
        cap_release(CAP_CHANNEL, c);
        return r;
    }
    case EOS_SYS_IRQ_BIND: {
        const struct platform_device *d = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_DEVICE, NULL);
        if (!d)
            return -EBADF;
        struct ipc_obj *n = cap_acquire(&f->caps, (int64_t)tf->rsi, CAP_NOTIFICATION, NULL);
        if (!n)
            return -EBADF;
        int r = platform_irq_bind(platform_device_index(d), f, n, tf->rdx);
        cap_release(CAP_NOTIFICATION, n);
        return r < 0 ? -ENODEV : 0;
    }
    case EOS_SYS_TIMER_SET: {
        struct ipc_obj *n = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_NOTIFICATION, NULL);
        if (!n)
            return -EBADF;
        int r = ktimer_set(n, tf->rsi, tf->rdx);
        cap_release(CAP_NOTIFICATION, n);
        return r;
    }
    case EOS_SYS_NANOSLEEP_NS:
        if (tf->rdi)
            sched_sleep_until(rdtsc() + ns_to_tsc(tf->rdi));
        else
            schedule();
        return 0;
    case EOS_SYS_DESTROY:
        return destroy(f, (int64_t)tf->rdi);
    case EOS_SYS_PARK:
        return fwp_park_current();
    case EOS_SYS_CAP_DELETE:
        return cap_delete(&f->caps, (int64_t)tf->rdi);
    case EOS_SYS_CPU:
        return this_cpu()->id;
    case EOS_SYS_NCPUS:
        return ncpus_online;
    case EOS_SYS_ENDPOINT_CREATE:
    case EOS_SYS_NOTIFICATION_CREATE: {
        int kind = nr == EOS_SYS_ENDPOINT_CREATE ? CAP_ENDPOINT : CAP_NOTIFICATION;
        struct ipc_obj *o = ipc_obj_create(kind);
        if (!o)
            return -ENOMEM;
        int r = cap_insert(&f->caps, kind, o);
        if (r < 0)
            kfree(o);
        return r;
    }
    case EOS_SYS_CALL:
    case EOS_SYS_RECV:
    case EOS_SYS_REPLY_RECV:
    case EOS_SYS_SIGNAL:
    case EOS_SYS_WAIT:
        return ipc_op(f, nr, tf);
    case EOS_SYS_REPLY:
        return ipc_reply(tf);
    case EOS_SYS_CAP_MINT:
        return mint(f, tf);
    }
    return -ENOSYS;
}
