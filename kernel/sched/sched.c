/* Per-CPU round-robin scheduler with timer-enforced time slices. */
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
    struct ktimer *next;
};
static struct ktimer *ktimers[MAX_CPUS];
static uint32_t nktimers[MAX_CPUS];
/* Kernel memory for timers is not charged to an FWP, so their number is
 * bounded instead: an FWP cannot exhaust the kernel heap with them. */
#define KTIMERS_PER_CPU 4096

int ktimer_set(struct ipc_obj *n, uint64_t bits, uint64_t ns)
{
    struct cpu *c = this_cpu();
    if (nktimers[c->id] >= KTIMERS_PER_CPU)
        return -11;                             /* -EAGAIN */
    struct ktimer *k = kmalloc(sizeof *k);
    if (!k)
        return -12;
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
            kfree(k);
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

struct thread *thread_create_user(struct fwp *f, uint64_t rip, uint64_t rsp, uint32_t cpu)
{
    struct thread *t = kmalloc(sizeof *t);
    if (!t)
        return NULL;
    if (kstack_alloc(&t->kstack_top) < 0) {
        kfree(t);
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

static void rq_push(struct cpu *c, struct thread *t)
{
    t->rq_next = NULL;
    if (c->rq.tail)
        c->rq.tail->rq_next = t;
    else
        c->rq.head = t;
    c->rq.tail = t;
    c->rq.count++;
}

static struct thread *rq_pop(struct cpu *c)
{
    struct thread *t = c->rq.head;
    if (t) {
        c->rq.head = t->rq_next;
        if (!c->rq.head)
            c->rq.tail = NULL;
        c->rq.count--;
    }
    return t;
}

void sched_wake(struct thread *t)
{
    struct cpu *c = &cpus[t->cpu];
    spin_lock(&c->rq.lock);
    if (t->state == THREAD_BLOCKED) {
        t->state = THREAD_RUNNABLE;
        rq_push(c, t);
    }
    spin_unlock(&c->rq.lock);
    /* Pairs with the fence in sched_idle_loop: either the idle CPU sees the
     * queued thread, or we see it idling and interrupt its halt. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (c != this_cpu() && c->idling)
        lapic_send_ipi(c->lapic_id, VEC_RESCHED);
}

/* Like sched_wake, but t goes to the front of its run queue: the IPC path
 * hands the CPU straight to the peer it just woke. */
void sched_wake_first(struct thread *t)
{
    struct cpu *c = &cpus[t->cpu];
    spin_lock(&c->rq.lock);
    if (t->state == THREAD_BLOCKED) {
        t->state = THREAD_RUNNABLE;
        t->rq_next = c->rq.head;
        c->rq.head = t;
        if (!c->rq.tail)
            c->rq.tail = t;
        c->rq.count++;
    }
    spin_unlock(&c->rq.lock);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (c != this_cpu() && c->idling)
        lapic_send_ipi(c->lapic_id, VEC_RESCHED);
}

/* Next timer interrupt this CPU needs: end of slice, a sleeper, shutdown. */
static void rearm_timer(struct cpu *c, bool running_user)
{
    uint64_t next = running_user ? c->slice_end : 0;
    for (struct thread *s = sleepers[c->id]; s; s = s->wait_next)
        if (!next || s->wake_tsc < next)
            next = s->wake_tsc;
    for (struct ktimer *k = ktimers[c->id]; k; k = k->next)
        if (!next || k->deadline < next)
            next = k->deadline;
    if (c->id == 0 && shutdown_at_tsc && (!next || shutdown_at_tsc < next))
        next = shutdown_at_tsc;
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

void schedule(void)
{
    struct cpu *c = this_cpu();
    struct thread *prev = c->current;
    uint64_t now = rdtsc();
    spin_lock(&c->rq.lock);
    if (prev->state == THREAD_RUNNING && prev != c->idle) {
        prev->state = THREAD_RUNNABLE;
        rq_push(c, prev);
    }
    struct thread *next = rq_pop(c);
    if (!next)
        next = c->idle;
    next->state = THREAD_RUNNING;
    spin_unlock(&c->rq.lock);

    if (next != c->idle)
        c->slice_end = now + ns_to_tsc(TIME_SLICE_NS);
    rearm_timer(c, next != c->idle);
    if (next == prev)
        return;
    prev->run_tsc += now - prev->last_start;
    next->last_start = now;
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
    if (f)
        fwp_unlink_thread(f, prev);
    kstack_free(prev->kstack_top);
    kfree(prev);
    if (f)
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

_Noreturn void thread_exit(void)
{
    ipc_thread_exit(current_thread());   /* a caller owed a reply gets -EPIPE */
    current_thread()->state = THREAD_DEAD;
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
    t->state = THREAD_BLOCKED;   /* only this CPU wakes its sleepers */
    sched_block();
}

static void wake_sleepers(struct cpu *c, uint64_t now)
{
    struct thread **pp = &sleepers[c->id];
    while (*pp) {
        struct thread *t = *pp;
        if (t->wake_tsc <= now) {
            *pp = t->wait_next;
            sched_wake(t);
        } else {
            pp = &t->wait_next;
        }
    }
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
    if (c->current == c->idle || now >= c->slice_end)
        schedule();
    else
        rearm_timer(c, true);
}

void sched_resched_interrupt(void)
{
    lapic_eoi();
    struct cpu *c = this_cpu();
    if (c->current == c->idle)
        schedule();
}

_Noreturn void sched_idle_loop(void)
{
    struct cpu *c = this_cpu();
    for (;;) {
        irq_disable();
        c->idling = true;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&c->rq.head, __ATOMIC_RELAXED)) {
            c->idling = false;
            schedule();
            continue;
        }
        /* sti takes effect after hlt starts, so no wake-up is lost. */
        __asm__ volatile("sti; hlt; cli" ::: "memory");
        c->idling = false;
    }
}
