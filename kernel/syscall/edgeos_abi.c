/* EdgeOS's own system calls (numbers from EOS_SYSCALL_BASE), reached
 * through libedgeos (user/lib/edgeos.h). Decoding only: each case checks
 * its capability and hands over to the object's code. */
#include "syscall.h"
#include "edgeos_syscalls.h"
#include "trap.h"
#include "sched.h"
#include "fwp.h"
#include "cap.h"
#include "mm.h"
#include "errno.h"
#include "string.h"
#include "time.h"

int64_t edgeos_syscall(uint64_t nr, struct trapframe *tf)
{
    struct thread *t = current_thread();
    struct fwp *f = t->fwp;
    uint64_t a0 = tf->rdi, a1 = tf->rsi, a2 = tf->rdx;
    switch (nr) {
    case EOS_SYS_MEM_INFO: {
        struct eos_mem_info mi = {
            .frames_free = frames_free(),
            .frames_total = frames_total(),
            .quota_frames = f->frames_limit,
            .used_frames = f->frames_used,
            .kstack_frames = kstack_cached_frames(),
            .live_fwps = fwp_live_count(),
            .tsc_hz = tsc_hz,
        };
        return copy_to_user(a0, &mi, sizeof mi);
    }
    case EOS_SYS_CHECKPOINT:
        return fwp_checkpoint(tf);
    case EOS_SYS_TEMPLATE_OPEN: {
        if (!f->root)
            return -EPERM;
        char name[32];
        memset(name, 0, sizeof name);
        for (int i = 0; i < 31; i++) {
            if (copy_from_user(&name[i], a0 + i, 1) < 0)
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
    case EOS_SYS_FORK: {
        struct fwp *tm = cap_lookup(&f->caps, (int64_t)a0, CAP_TEMPLATE);
        if (!tm)
            return -EBADF;
        int err = 0;
        struct fwp *c = fwp_fork(tm, (int)a2, a1 & EOS_START, &err);
        if (!c)
            return err;
        int r = cap_insert(&f->caps, CAP_FWP, c);
        if (r < 0)
            fwp_destroy(c);
        return r;
    }
    case EOS_SYS_ACTIVATE:
    case EOS_SYS_RESET:
    case EOS_SYS_WAIT_PARKED:
    case EOS_SYS_FWP_INFO: {
        struct fwp *c = cap_lookup(&f->caps, (int64_t)a0, CAP_FWP);
        if (!c)
            return -EBADF;
        if (nr == EOS_SYS_ACTIVATE)
            return fwp_activate(c, a1);
        if (nr == EOS_SYS_RESET)
            return fwp_reset(c, a1 & EOS_START, a2);
        if (nr == EOS_SYS_WAIT_PARKED)
            return fwp_wait_parked(c);
        struct eos_fwp_info info = {
            .id = c->id, .state = (uint64_t)c->state,
            .parked = c->threads && c->threads->parked,
            .used_frames = c->frames_used, .quota_frames = c->frames_limit,
        };
        return copy_to_user(a1, &info, sizeof info);
    }
    case EOS_SYS_DESTROY: {
        struct fwp *c = cap_lookup(&f->caps, (int64_t)a0, CAP_FWP);
        if (!c)
            c = cap_lookup(&f->caps, (int64_t)a0, CAP_TEMPLATE);
        if (!c)
            return -EBADF;
        int r = fwp_destroy(c);
        cap_delete(&f->caps, (int64_t)a0);
        return r;
    }
    case EOS_SYS_PARK:
        return fwp_park_current();
    case EOS_SYS_POOL_FILL: {
        struct fwp *tm = cap_lookup(&f->caps, (int64_t)a0, CAP_TEMPLATE);
        if (!tm)
            return -EBADF;
        return pool_fill(tm, (uint32_t)a1, (uint32_t)a2);
    }
    case EOS_SYS_POOL_TAKE: {
        struct fwp *tm = cap_lookup(&f->caps, (int64_t)a0, CAP_TEMPLATE);
        if (!tm)
            return -EBADF;
        struct fwp *c = pool_take(tm, this_cpu()->id);
        if (!c)
            return -EAGAIN;
        int r = cap_insert(&f->caps, CAP_FWP, c);
        if (r < 0)
            fwp_destroy(c);
        else if (a1 & EOS_START)
            fwp_activate(c, a2);
        return r;
    }
    case EOS_SYS_CAP_DELETE:
        return cap_delete(&f->caps, (int64_t)a0);
    case EOS_SYS_CPU:
        return this_cpu()->id;
    case EOS_SYS_NCPUS:
        return ncpus_online;
    }
    return -ENOSYS;
}
