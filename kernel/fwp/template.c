/* Templates: checkpoint an initialised FWP, fork FWPs from it, reset them
 * to the checkpoint, pre-fork them into per-CPU pools, destroy them.
 *
 * A forked FWP starts (or is parked) with the template's registers at the
 * checkpoint; fwp_checkpoint() "returns" in it with rax = the child's FWP id
 * and rdx = a fresh random seed. A parked FWP's only thread is blocked with
 * t->parked set and is on no run queue, so the kernel may rewrite its
 * trapframe, memory and FPU state, or free it, from another CPU once it is
 * off its CPU (t->on_cpu clear). */
#include "fwp.h"
#include "sched.h"
#include "loader.h"
#include "mm.h"
#include "cpu.h"
#include "errno.h"
#include "string.h"
#include "kprintf.h"
#include "ipc.h"
#include "tenant.h"

extern bool cpu_has_fsgsbase;

int fwp_checkpoint(struct trapframe *tf)
{
    struct thread *t = current_thread();
    struct fwp *f = t->fwp;
    if (f->parent || f->tmpl)
        return -EINVAL;                 /* forks and templates cannot checkpoint */
    if (f->nthreads != 1)
        return -EBUSY;
    struct template_state *ts = tenant_kmalloc(f->tenant, sizeof *ts);
    if (!ts)
        return tenant_alloc_error(f->tenant, sizeof *ts);
    ts->regs = *tf;
    __asm__ volatile("fxsave64 %0" : "=m"(ts->fpu));
    ts->fs_base = cpu_has_fsgsbase ? ({ uint64_t v; __asm__ volatile("rdfsbase %0" : "=r"(v)); v; })
                                   : rdmsr(MSR_FS_BASE);
    ts->brk_cur = f->brk_cur;
    ts->mmap_next = f->mmap_next;
    ts->plan = vms_plan_build(f);      /* the address space is frozen from here on */
    spin_lock(&f->lock);
    f->tmpl = ts;                   /* from now on forks may be made */
    struct thread *w = f->park_waiter;    /* a manager in template_wait_ready */
    f->park_waiter = NULL;
    spin_unlock(&f->lock);
    kprintf("fwp %u (%s) checkpointed as a template (%lu KiB of private memory)\n",
            f->id, f->name, f->frames_used * 4);
    if (w)
        sched_wake(w);
    thread_exit();                      /* the template never runs again */
}

/* Blocks until `f` has checkpointed. */
int template_wait_ready(struct fwp *f)
{
    for (;;) {
        spin_lock(&f->lock);
        if (f->tmpl) {
            spin_unlock(&f->lock);
            return 0;
        }
        if (f->state != FWP_ALIVE) {
            spin_unlock(&f->lock);
            return -ESRCH;
        }
        /* Not a template yet: the checkpoint (or fwp_kill) wakes us. */
        struct thread *t = current_thread();
        f->park_waiter = t;
        t->state = THREAD_BLOCKED;
        spin_unlock(&f->lock);
        sched_block();
    }
}

/* Loads the checkpoint into t's trapframe and FPU state. */
static void load_checkpoint(struct thread *t, struct fwp *child, struct template_state *ts, uint64_t arg)
{
    struct trapframe *tf = thread_trapframe(t);
    *tf = ts->regs;
    tf->cs = USER_CS;
    tf->ss = USER_DS;
    tf->vector = 0;
    /* The checkpoint was taken in a syscall: resume after it. */
    tf->rflags = (tf->r11 & 0x3f7fd5) | 0x202;
    tf->rax = child->id;
    tf->rdx = random_u64();
    tf->rsi = arg;
    t->wait_result = (int64_t)child->id;
    memcpy(t->fpu, ts->fpu, sizeof t->fpu);
    t->fs_base = ts->fs_base;
}

struct fwp *fwp_fork(struct fwp *tmpl, struct tenant *charge, int cpu, bool start, int *err)
{
    struct template_state *ts = tmpl->tmpl;
    if (!ts) {
        *err = -EINVAL;
        return NULL;
    }
    if (ts->destroyed) {
        *err = -ESRCH;
        return NULL;
    }
    struct fwp *c = fwp_create(tmpl->name, tmpl->frames_limit * PAGE_SIZE, charge ? charge : tmpl->tenant, err);
    if (!c)
        return NULL;
    fwp_get(tmpl);
    fwp_mark_fork(c, tmpl);
    c->brk_start = tmpl->brk_start;
    c->brk_cur = ts->brk_cur;
    c->brk_limit = tmpl->brk_limit;
    c->mmap_next = ts->mmap_next;
    c->inbox = tmpl->inbox;
    c->inbox_bytes = tmpl->inbox_bytes;
    struct thread *t = NULL;
    int r = vms_clone(c, tmpl);
    if (r < 0 && c->last_charge_err)
        r = c->last_charge_err;         /* -EDQUOT: the tenant's quota, not the fork's */
    if (r == 0) {
        t = thread_create_user(c, 0, 0, cpu >= 0 ? (uint32_t)cpu : sched_pick_cpu(), &r);
    }
    if (r < 0) {
        fwp_thread_gone_quiet(c);       /* frees the partial address space */
        *err = r;
        return NULL;
    }
    load_checkpoint(t, c, ts, 0);
    c->threads = t;
    c->nthreads = 1;
    if (start) {
        sched_wake(t);
    } else {
        t->parked = true;               /* state is THREAD_BLOCKED from creation */
    }
    return c;
}

/* The FWP's thread is parked and off its CPU: safe to rewrite or free.
 * A thread blocked in a cancellable wait (a notification, an IPC receive,
 * a futex, ...) counts as parked once its wait is cancelled: an instance
 * that sleeps waiting for work can be reset or destroyed without its
 * cooperation. (Called with f->lock held.) */
static bool parked_and_off_cpu(struct fwp *f)
{
    struct thread *t = f->threads;
    if (!t || f->nthreads != 1 || t->state != THREAD_BLOCKED)
        return false;
    if (!t->parked) {
        if (t->wait_kind == WAIT_NONE)
            return false;       /* blocked in a wait we cannot cancel (sleep, set-up) */
        ipc_cancel(t);
        if (t->state != THREAD_BLOCKED)
            return false;
        t->parked = true;
        t->in_syscall_wait = true;
    }
    while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
        cpu_relax();
    return true;
}

int fwp_reset(struct fwp *f, bool start, uint64_t arg)
{
    if (!f->parent)
        return -EINVAL;
    spin_lock(&f->lock);
    if (f->state != FWP_ALIVE || !parked_and_off_cpu(f)) {
        spin_unlock(&f->lock);
        return f->state != FWP_ALIVE ? -ESRCH : -EBUSY;
    }
    struct fwp *tmpl = f->parent;
    int64_t restored = vms_reset(f, tmpl);
    if (restored >= 0) {
        __atomic_add_fetch(&f->generation, 1, __ATOMIC_RELEASE);
        f->brk_cur = tmpl->tmpl->brk_cur;
        f->mmap_next = tmpl->tmpl->mmap_next;
        load_checkpoint(f->threads, f, tmpl->tmpl, arg);
    }
    struct thread *t = f->threads;
    if (restored >= 0 && start) {
        t->parked = false;
        sched_wake(t);
    }
    spin_unlock(&f->lock);
    /* A fork starts with an empty capability table; so does a reset one. */
    if (restored >= 0)
        cap_table_clear(&f->caps);
    if (restored < 0) {
        fwp_kill(f);
        return (int)restored;
    }
    return (int)restored;
}

int fwp_activate(struct fwp *f, uint64_t arg)
{
    spin_lock(&f->lock);
    struct thread *t = f->threads;
    if (f->state != FWP_ALIVE || !t || !t->parked) {
        spin_unlock(&f->lock);
        return f->state != FWP_ALIVE ? -ESRCH : -EBUSY;
    }
    t->parked = false;
    thread_trapframe(t)->rsi = arg;     /* delivered in rsi on resume */
    sched_wake(t);
    spin_unlock(&f->lock);
    return 0;
}

int fwp_park_current(void)
{
    struct thread *t = current_thread();
    struct fwp *f = t->fwp;
    if (!f->parent)
        return -EINVAL;                 /* only forked FWPs can be reused */
    spin_lock(&f->lock);
    t->parked = true;
    t->in_syscall_wait = false;         /* parked here, holding nothing */
    t->state = THREAD_BLOCKED;
    struct thread *w = f->park_waiter;
    f->park_waiter = NULL;
    spin_unlock(&f->lock);
    if (w)
        sched_wake(w);
    sched_block();
    return (int)t->wait_result;         /* the new id after a reset */
}

/* Blocks until f is parked (or gone). */
int fwp_wait_parked(struct fwp *f)
{
    for (;;) {
        spin_lock(&f->lock);
        if (f->state != FWP_ALIVE) {
            spin_unlock(&f->lock);
            return -ESRCH;
        }
        if (f->threads && f->threads->parked) {
            spin_unlock(&f->lock);
            return 0;
        }
        struct thread *t = current_thread();
        f->park_waiter = t;
        t->state = THREAD_BLOCKED;
        spin_unlock(&f->lock);
        sched_block();
    }
}

int fwp_destroy(struct fwp *f)
{
    spin_lock(&f->lock);
    if (f->tmpl) {
        /* A template: its pools are emptied and its "alive" reference
         * dropped; the memory goes when the last fork is gone. */
        bool first = !f->tmpl->destroyed;
        f->tmpl->destroyed = true;
        spin_unlock(&f->lock);
        if (!first)
            return -ESRCH;
        for (uint32_t cpu = 0; cpu < ncpus_online; cpu++) {
            struct fwp *c;
            while ((c = pool_take(f, cpu)) != NULL)
                fwp_destroy(c);
        }
        fwp_put(f);
        return 0;
    }
    if (f->state != FWP_ALIVE) {
        spin_unlock(&f->lock);
        return -ESRCH;
    }
    if (!parked_and_off_cpu(f) || f->threads->in_syscall_wait) {
        /* Running, or parked inside a system call whose references only
         * its own unwinding releases: it ends at its next exit to user
         * mode (fwp_kill wakes a blocked one). */
        spin_unlock(&f->lock);
        fwp_kill(f);
        return 0;
    }
    /* Parked: free it here and now. */
    f->state = FWP_DYING;
    struct thread *t = f->threads;
    f->threads = NULL;
    spin_unlock(&f->lock);
    thread_free(t);
    fwp_thread_gone_quiet(f);
    return 0;
}

int pool_fill(struct fwp *tmpl, uint32_t cpu, uint32_t n)
{
    struct template_state *ts = tmpl->tmpl;
    if (!ts || cpu >= ncpus_online)
        return -EINVAL;
    uint32_t added = 0;
    for (; added < n; added++) {
        int err;
        struct fwp *c = fwp_fork(tmpl, NULL, (int)cpu, false, &err);
        if (!c)
            return added ? (int)added : err;
        spin_lock(&ts->pool_lock);
        c->pool_next = ts->pool[cpu];
        ts->pool[cpu] = c;
        ts->pool_count[cpu]++;
        spin_unlock(&ts->pool_lock);
    }
    return (int)added;
}

struct fwp *pool_take(struct fwp *tmpl, uint32_t cpu)
{
    struct template_state *ts = tmpl->tmpl;
    if (!ts || cpu >= ncpus_online)
        return NULL;
    spin_lock(&ts->pool_lock);
    struct fwp *c = ts->pool[cpu];
    if (c) {
        ts->pool[cpu] = c->pool_next;
        ts->pool_count[cpu]--;
        c->pool_next = NULL;
    }
    spin_unlock(&ts->pool_lock);
    return c;
}
