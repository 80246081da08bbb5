/* Per-CPU scheduler: the system tenant's threads first, then the other
 * tenants' threads round robin, with time slices and tenant CPU budgets
 * enforced by the LAPIC timer (see sched.h and tenant.h). */
#include "sched.h"
#include "fwp.h"
#include "trap.h"
#include "lapic.h"
#include "time.h"
#include "mm.h"
#include "cpu.h"
#include "kprintf.h"
#include "string.h"
#include "ipc.h"
#include "tenant.h"
#include "errno.h"

extern struct thread *context_switch(struct thread *prev, uint64_t *prev_sp, uint64_t next_sp);
extern void thread_first_run(void);
extern bool cpu_has_fsgsbase;
void machine_exit(int code);

uint64_t shutdown_at_tsc;
static volatile uint32_t next_tid = 1;
static volatile uint32_t next_cpu;
/* Sleeping threads, per CPU, unsorted (few sleepers expected). */
static struct thread *sleepers[MAX_CPUS];

/* One-shot kernel timers that signal a notification, per CPU (the CPU that
 * set them; only it touches its list, with interrupts off). */
struct ktimer {
    uint64_t deadline;
    struct ipc_obj *n;
    uint64_t bits;
    struct tenant *owner;        /* charged for the timer */
    struct ktimer *next;
};
static struct ktimer *ktimers[MAX_CPUS];
static uint32_t nktimers[MAX_CPUS];
/* Timers are charged to the setter's tenant; their number per CPU is
 * bounded too, because each one lengthens the timer interrupt's walk. */
#define KTIMERS_PER_CPU 4096

int ktimer_set(struct ipc_obj *n, uint64_t bits, uint64_t ns)
{
    struct cpu *c = this_cpu();
    if (nktimers[c->id] >= KTIMERS_PER_CPU)
        return -EAGAIN;
    struct tenant *owner = c->current->fwp ? c->current->fwp->tenant : &system_tenant;
    struct ktimer *k = tenant_kmalloc(owner, sizeof *k);
    if (!k)
        return tenant_alloc_error(owner, sizeof *k);
    k->owner = owner;
    nktimers[c->id]++;
    k->deadline = rdtsc() + ns_to_tsc(ns);
    k->n = n;
    ipc_obj_get(n);
    k->bits = bits;
    k->next = ktimers[c->id];
    ktimers[c->id] = k;
    if (!c->timer_deadline || k->deadline < c->timer_deadline) {
        c->timer_deadline = k->deadline;
        timer_arm(k->deadline);
    }
    return 0;
}

static void fire_ktimers(struct cpu *c, uint64_t now)
{
    struct ktimer **pp = &ktimers[c->id];
    while (*pp) {
        struct ktimer *k = *pp;
        if (k->deadline <= now) {
            *pp = k->next;
            ntfn_signal(k->n, k->bits);
            ipc_obj_put(k->n);
            tenant_kfree(k->owner, k, sizeof *k);
            nktimers[c->id]--;
        } else {
            pp = &k->next;
        }
    }
}

void sched_init_cpu(struct cpu *c)
{
    struct thread *idle = kmalloc(sizeof *idle);
    KASSERT(idle);
    idle->state = THREAD_RUNNING;
    idle->on_cpu = true;
    idle->cpu = c->id;
    idle->tid = 0;
    c->idle = idle;
    c->current = idle;
    c->cur_cr3 = read_cr3();
}

uint32_t sched_pick_cpu(void)
{
    return __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % ncpus_online;
}

struct trapframe *thread_trapframe(struct thread *t)
{
    return (struct trapframe *)(t->kstack_top - sizeof(struct trapframe));
}

struct thread *thread_create_user(struct fwp *f, uint64_t rip, uint64_t rsp, uint32_t cpu, int *err)
{
    struct tenant *tn = f->tenant;
    if (tenant_charge(tn, KSTACK_SIZE) < 0) {
        *err = -EDQUOT;
        return NULL;
    }
    struct thread *t = tenant_kmalloc(tn, sizeof *t);
    if (!t) {
        tenant_uncharge(tn, KSTACK_SIZE);
        *err = tenant_alloc_error(tn, sizeof *t);
        return NULL;
    }
    if (kstack_alloc(&t->kstack_top) < 0) {
        tenant_kfree(tn, t, sizeof *t);
        tenant_uncharge(tn, KSTACK_SIZE);
        *err = -ENOMEM;
        return NULL;
    }
    t->fwp = f;
    t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
    t->cpu = cpu < ncpus_online ? cpu : 0;
    t->state = THREAD_BLOCKED;
    struct trapframe *tf = thread_trapframe(t);
    memset(tf, 0, sizeof *tf);
    tf->rip = rip;
    tf->rsp = rsp;
    tf->cs = USER_CS;
    tf->ss = USER_DS;
    tf->rflags = RFLAGS_IF | 0x2;
    /* Initial kernel context: six callee-saved registers, then the return
     * address of context_switch. */
    uint64_t *sp = (uint64_t *)tf;
    *--sp = (uint64_t)thread_first_run;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    t->ctx_rsp = (uint64_t)sp;
    /* A clean FPU/SSE state: default control words. */
    *(uint16_t *)&t->fpu[0] = 0x037f;        /* FCW */
    *(uint32_t *)&t->fpu[24] = 0x1f80;       /* MXCSR */
    return t;
}

void thread_free(struct thread *t)
{
    struct tenant *tn = t->fwp->tenant;
    kstack_free(t->kstack_top);
    tenant_uncharge(tn, KSTACK_SIZE);
    tenant_kfree(tn, t, sizeof *t);
}

static bool is_system(const struct thread *t)
{
    return !t->fwp || t->fwp->tenant->system;
}

static void q_push(struct thread_queue *q, struct thread *t)
{
    t->rq_next = NULL;
    if (q->tail)
        q->tail->rq_next = t;
    else
        q->head = t;
    q->tail = t;
}

static void q_push_front(struct thread_queue *q, struct thread *t)
{
    t->rq_next = q->head;
    q->head = t;
    if (!q->tail)
        q->tail = t;
}

static struct thread *q_pop(struct thread_queue *q)
{
    struct thread *t = q->head;
    if (t) {
        q->head = t->rq_next;
        if (!q->head)
            q->tail = NULL;
    }
    return t;
}

/* With c->rq.lock held. */
static void rq_push(struct cpu *c, struct thread *t, bool front)
{
    struct thread_queue *q = is_system(t) ? &c->rq.sys : &c->rq.ten;
    if (front)
        q_push_front(q, t);
    else
        q_push(q, t);
    c->rq.count++;
}

/* With c->rq.lock held: the next thread to run on c, or NULL. Tenant
 * threads whose tenant has spent its budget on c in this period go to the
 * throttled list instead. *left: cycles of budget the chosen thread's
 * tenant has left here (0 = no limit). */
static struct thread *rq_pick(struct cpu *c, uint64_t now, uint64_t *left)
{
    *left = 0;
    struct thread *t = q_pop(&c->rq.sys);
    if (t) {
        c->rq.count--;
        return t;
    }
    while ((t = q_pop(&c->rq.ten)) != NULL) {
        c->rq.count--;
        uint64_t release = 0;
        /* A thread of an ending FWP runs to its exit: it only gives back. */
        if (t->fwp->state != FWP_ALIVE || tenant_may_run(t->fwp->tenant, c->id, now, left, &release))
            return t;
        t->release_tsc = release;
        t->rq_next = c->rq.throttled;
        c->rq.throttled = t;
    }
    return NULL;
}

/* With c->rq.lock held: throttled threads whose period has ended, or whose
 * FWP is ending, queue again. */
static void release_throttled(struct cpu *c, uint64_t now)
{
    struct thread **pp = &c->rq.throttled;
    while (*pp) {
        struct thread *t = *pp;
        if (t->release_tsc <= now || t->fwp->state != FWP_ALIVE) {
            *pp = t->rq_next;
            q_push(&c->rq.ten, t);
            c->rq.count++;
        } else {
            pp = &t->rq_next;
        }
    }
}

/* With c->rq.lock held: where a thread of tenant t that wakes on c goes.
 * A tenant that has used less of c lately (the last 10-20 ms) than the
 * tenant whose thread runs there (counting its current run) takes the CPU
 * now (FAIR_PREEMPT); while a system thread or nothing runs, it goes
 * ahead of a waiting thread of a tenant that used more (FAIR_FRONT). So a
 * tenant that blocks (a server waiting for requests) is served ahead of
 * one that spins, whatever their budgets. */
enum { FAIR_BACK, FAIR_FRONT, FAIR_PREEMPT };
static int fair_place(struct cpu *c, struct tenant *t, uint64_t now)
{
    struct tenant *cur = c->run_tenant;
    if (cur)
        return cur != t && tenant_recent(t, c->id, now) < tenant_recent(cur, c->id, now) + (now - c->run_since)
                   ? FAIR_PREEMPT : FAIR_BACK;
    struct thread *head = c->rq.ten.head;
    if (head && head->fwp->tenant != t &&
        tenant_recent(t, c->id, now) < tenant_recent(head->fwp->tenant, c->id, now))
        return FAIR_FRONT;
    return FAIR_BACK;
}

/* Wakes t on its CPU (at the front of its level when `first`). A system
 * thread preempts a tenant thread: at once on this CPU's next exit to user
 * mode, by IPI on another CPU. A tenant thread preempts another tenant's
 * thread that has had more of the CPU lately (fair_place). */
static void wake(struct thread *t, bool first)
{
    struct cpu *c = &cpus[t->cpu];
    bool sys = is_system(t), fair = false;
    spin_lock(&c->rq.lock);
    if (t->state == THREAD_BLOCKED) {
        t->state = THREAD_RUNNABLE;
        int place = sys ? FAIR_BACK : fair_place(c, t->fwp->tenant, rdtsc());
        if (place != FAIR_BACK)
            first = true;
        if (place == FAIR_PREEMPT)
            fair = c->fair_preempt = true;
        rq_push(c, t, first);
    }
    spin_unlock(&c->rq.lock);
    /* Pairs with the fence in sched_idle_loop: either the idle CPU sees the
     * queued thread, or we see it idling and interrupt its halt. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    bool preempt = fair || (sys && __atomic_load_n(&c->run_tenant, __ATOMIC_RELAXED));
    if (c != this_cpu()) {
        if (c->idling || preempt)
            lapic_send_ipi(c->lapic_id, VEC_RESCHED);
    } else if (preempt) {
        c->need_resched = true;
    }
}

void sched_wake(struct thread *t)
{
    wake(t, false);
}

/* Like sched_wake, but t goes to the front of its level: the IPC path
 * hands the CPU straight to the peer it just woke. */
void sched_wake_first(struct thread *t)
{
    wake(t, true);
}

/* Next timer interrupt this CPU needs: end of slice or of budget, a
 * sleeper, a kernel timer, a throttled tenant's new period, shutdown. */
static void rearm_timer(struct cpu *c, bool running_user)
{
    uint64_t next = running_user ? c->slice_end : 0;
#define EARLIER(x) do { if ((x) && (!next || (x) < next)) next = (x); } while (0)
    if (running_user)
        EARLIER(c->budget_end);
    for (struct thread *s = sleepers[c->id]; s; s = s->wait_next)
        EARLIER(s->wake_tsc);
    for (struct ktimer *k = ktimers[c->id]; k; k = k->next)
        EARLIER(k->deadline);
    for (struct thread *t = c->rq.throttled; t; t = t->rq_next)
        EARLIER(t->release_tsc);
    if (c->id == 0)
        EARLIER(shutdown_at_tsc);
#undef EARLIER
    c->timer_deadline = next;
    if (next)
        timer_arm(next);
    else
        timer_disarm();
}

static void switch_address_space(struct cpu *c, struct thread *next)
{
    uint64_t cr3 = next->fwp ? fwp_cr3(next->fwp) : kernel_pml4_pa;
    if (cr3 != c->cur_cr3) {
        write_cr3(cr3);
        c->cur_cr3 = cr3;
    }
}

static void switch_to(struct cpu *c, struct thread *prev, struct thread *next);

void schedule(void)
{
    struct cpu *c = this_cpu();
    struct thread *prev = c->current;
    uint64_t now = rdtsc();
    /* Charge prev's time since it last started, to it and its tenant,
     * whether or not it keeps the CPU: a lone spinner must still use up
     * its tenant's budget. */
    uint64_t ran = now - prev->last_start;
    prev->run_tsc += ran;
    prev->last_start = now;
    c->need_resched = false;
    c->fair_preempt = false;
    spin_lock(&c->rq.lock);
    /* The tenant is charged from run_since: the time of prev and of the
     * threads of the same tenant that handed the CPU on to each other
     * (sched_switch_direct) since the last schedule. */
    if (prev->fwp)
        tenant_account(prev->fwp->tenant, c->id, now - c->run_since, now);
    /* A thread about to block whose FWP is ending does not: fwp_kill
     * wakes the blocked threads it sees, and a thread that was still
     * running then sees the end here (the lock above orders its earlier
     * store of BLOCKED before this load, as fwp_kill's fence orders its
     * store of the state before its scan). It leaves at its exit to user
     * mode, where thread_exit undoes the wait it registered. */
    if (prev->state == THREAD_BLOCKED && prev->fwp && prev->fwp->state != FWP_ALIVE)
        prev->state = THREAD_RUNNING;
    release_throttled(c, now);
    if (prev->state == THREAD_RUNNING && prev != c->idle) {
        prev->state = THREAD_RUNNABLE;
        rq_push(c, prev, false);
    }
    uint64_t left;
    struct thread *next = rq_pick(c, now, &left);
    if (!next)
        next = c->idle;
    next->state = THREAD_RUNNING;
    __atomic_store_n(&c->run_tenant, is_system(next) ? NULL : next->fwp->tenant, __ATOMIC_RELAXED);
    c->run_since = now;
    spin_unlock(&c->rq.lock);

    c->budget_end = left ? now + left : 0;
    if (next != c->idle)
        c->slice_end = now + ns_to_tsc(TIME_SLICE_NS);
    rearm_timer(c, next != c->idle);
    if (next == prev)
        return;
    next->last_start = now;
    switch_to(c, prev, next);
}

/* The IPC hand-off: the current thread, about to block (or already
 * queued again by a waker), gives its CPU straight to `next`, a blocked
 * thread of the same tenant whose home is this CPU. No run queue, no timer
 * change: next runs on the rest of the slice, and the tenant's budget is
 * the same (the tenant is charged at the next schedule, from run_since).
 *
 * sched_claim_direct checks that and claims next (marks it running, so no
 * waker queues it); false, with nothing done, when it does not apply.
 * sched_handoff then switches to the claimed thread. */
bool sched_claim_direct(struct thread *next)
{
    struct cpu *c = this_cpu();
    struct thread *prev = c->current;
    if (next->cpu != c->id || !prev->fwp || !next->fwp || prev->fwp->tenant != next->fwp->tenant)
        return false;
    spin_lock(&c->rq.lock);
    bool ok = next->state == THREAD_BLOCKED && prev->fwp->state == FWP_ALIVE && !c->need_resched;
    if (ok)
        next->state = THREAD_RUNNING;
    spin_unlock(&c->rq.lock);
    return ok;
}

void sched_handoff(struct thread *next)
{
    struct cpu *c = this_cpu();
    struct thread *prev = c->current;
    uint64_t now = rdtsc();
    prev->run_tsc += now - prev->last_start;
    next->last_start = now;
    switch_to(c, prev, next);
}

bool sched_switch_direct(struct thread *next)
{
    if (!sched_claim_direct(next))
        return false;
    sched_handoff(next);
    return true;
}

/* Saves prev's user state, loads next's, and switches stacks. */
static void switch_to(struct cpu *c, struct thread *prev, struct thread *next)
{
    if (prev->fwp) {
        __asm__ volatile("fxsave64 %0" : "=m"(prev->fpu));
        prev->fs_base = cpu_has_fsgsbase ? ({ uint64_t v; __asm__ volatile("rdfsbase %0" : "=r"(v)); v; })
                                         : rdmsr(MSR_FS_BASE);
    }
    if (next->fwp) {
        __asm__ volatile("fxrstor64 %0" :: "m"(next->fpu));
        if (cpu_has_fsgsbase)
            __asm__ volatile("wrfsbase %0" :: "r"(next->fs_base));
        else
            wrmsr(MSR_FS_BASE, next->fs_base);
        c->kstack_top = next->kstack_top;
        c->tss.rsp0 = next->kstack_top;
    }
    switch_address_space(c, next);
    c->current = next;
    next->on_cpu = true;
    struct thread *from = context_switch(prev, &prev->ctx_rsp, next->ctx_rsp);
    sched_finish_switch(from);
}

/* Runs on the new thread's stack right after a switch: the previous thread
 * is off its stack now, so a dead one can be freed. */
void sched_finish_switch(struct thread *prev)
{
    __atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
    if (prev->state != THREAD_DEAD)
        return;
    struct fwp *f = prev->fwp;
    fwp_unlink_thread(f, prev);     /* idle threads never die */
    thread_free(prev);
    fwp_thread_gone(f);
}

/* The caller sets its state to THREAD_BLOCKED while holding the lock of the
 * object it waits on (so a waker that takes that lock sees it blocked), drops
 * the lock, then calls this. */
/* First run of a new thread (from thread_first_run in entry.S). */
void sched_first_run(struct thread *prev)
{
    sched_finish_switch(prev);
    struct thread *t = current_thread();
    if (t->fwp && t->fwp->state != FWP_ALIVE)
        thread_exit();
}

void sched_block(void)
{
    schedule();
}

static void sleepers_remove(struct cpu *c, struct thread *t)
{
    for (struct thread **pp = &sleepers[c->id]; *pp; pp = &(*pp)->wait_next)
        if (*pp == t) {
            *pp = t->wait_next;
            break;
        }
    t->sleeping = false;
}

_Noreturn void thread_exit(void)
{
    struct thread *t = current_thread();
    /* A sleeper woken early (its FWP is ending) leaves the sleeper list
     * of its CPU, this one, before its memory can be freed. */
    if (t->sleeping)
        sleepers_remove(this_cpu(), t);
    if (t->wait_kind != WAIT_NONE)
        ipc_cancel(t);               /* a wait it registered but never slept in */
    ipc_thread_exit(t);              /* a caller owed a reply gets -EPIPE */
    t->state = THREAD_DEAD;
    schedule();
    panic("dead thread resumed");
}

void sched_sleep_until(uint64_t tsc)
{
    struct cpu *c = this_cpu();
    struct thread *t = c->current;
    t->wake_tsc = tsc;
    t->wait_next = sleepers[c->id];
    sleepers[c->id] = t;
    t->sleeping = true;
    t->state = THREAD_BLOCKED;   /* only this CPU wakes its sleepers */
    sched_block();
    if (t->sleeping)
        sleepers_remove(c, t);   /* woken early */
}

static void wake_sleepers(struct cpu *c, uint64_t now)
{
    struct thread **pp = &sleepers[c->id];
    while (*pp) {
        struct thread *t = *pp;
        if (t->wake_tsc <= now) {
            *pp = t->wait_next;
            t->sleeping = false;
            sched_wake(t);
        } else {
            pp = &t->wait_next;
        }
    }
}

/* A system thread waits on this CPU while another tenant's runs. */
static bool system_waiting(struct cpu *c)
{
    return c->run_tenant && __atomic_load_n(&c->rq.sys.head, __ATOMIC_RELAXED);
}

void sched_timer_interrupt(void)
{
    struct cpu *c = this_cpu();
    uint64_t now = rdtsc();
    lapic_eoi();
    if (c->id == 0 && shutdown_at_tsc && now >= shutdown_at_tsc) {
        kprintf("kernel: timed shutdown\n");
        machine_exit(0);
    }
    wake_sleepers(c, now);
    fire_ktimers(c, now);
    if (c->rq.throttled) {
        spin_lock(&c->rq.lock);
        release_throttled(c, now);
        spin_unlock(&c->rq.lock);
    }
    if (c->current == c->idle || now >= c->slice_end || (c->budget_end && now >= c->budget_end) ||
        system_waiting(c) || c->fair_preempt)
        schedule();
    else
        rearm_timer(c, true);
}

void sched_resched_interrupt(void)
{
    lapic_eoi();
    struct cpu *c = this_cpu();
    if (c->current == c->idle || system_waiting(c) || c->fair_preempt)
        schedule();
}

void sched_preempt_point(void)
{
    struct cpu *c = this_cpu();
    if (c->need_resched)
        schedule();
}

_Noreturn void sched_idle_loop(void)
{
    struct cpu *c = this_cpu();
    for (;;) {
        irq_disable();
        c->idling = true;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&c->rq.count, __ATOMIC_RELAXED)) {
            c->idling = false;
            schedule();
            continue;
        }
        c->idling = false;
        if (frame_zero_idle())
            continue;               /* one frame cleared; look at the run queue again */
        c->idling = true;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&c->rq.count, __ATOMIC_RELAXED))
            continue;
        /* sti takes effect after hlt starts, so no wake-up is lost. */
        __asm__ volatile("sti; hlt; cli" ::: "memory");
        c->idling = false;
    }
}
