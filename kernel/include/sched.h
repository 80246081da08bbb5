/* Threads and the per-CPU scheduler.
 *
 * Each CPU has its own run queue; a thread runs only on its home CPU
 * (t->cpu), so a thread is never on two CPUs and a queue is only popped by
 * its owner. Other CPUs may push (wake-ups) under the queue lock and send a
 * reschedule IPI. The system tenant's threads run ahead of other
 * tenants'; each level is round robin with a time slice enforced by the
 * LAPIC timer, which also ends a tenant thread's run when its tenant's CPU
 * budget on that CPU is spent (tenant.h). A CPU with nothing to run halts
 * with its timer off. */
#ifndef EDGEOS_SCHED_H
#define EDGEOS_SCHED_H
#include "types.h"
#include "percpu.h"

enum thread_state { THREAD_RUNNABLE, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

struct fwp;
struct trapframe;

struct thread {
    uint64_t ctx_rsp;            /* saved kernel stack pointer while switched out */
    uint64_t kstack_top;
    struct fwp *fwp;             /* NULL for idle threads */
    struct thread *rq_next;      /* run queue link */
    struct thread *fwp_next;     /* the FWP's thread list */
    struct thread *wait_next;    /* wait-queue / sleep-list link */
    uint32_t tid;
    volatile int state;
    uint32_t cpu;
    uint64_t fs_base;
    uint64_t wake_tsc;           /* sleeping until this TSC value */
    bool sleeping;               /* on its CPU's sleeper list */
    uint64_t release_tsc;        /* throttled until this TSC value (its tenant's period ends) */
    uint64_t run_tsc;            /* cycles spent running */
    uint64_t last_start;
    uint64_t ipc_regs[8];        /* IPC message registers in transit */
    int64_t wait_result;
    uint32_t ipc_badge;
    volatile bool on_cpu;        /* its kernel stack is in use by a CPU */
    int wait_kind;               /* enum wait_kind (ipc.h): what it is blocked on */
    struct thread *reply_to;     /* server: the caller it owes a reply */
    struct thread *reply_from;   /* caller: the server holding its reply right */
    bool parked;                 /* waiting (blocked) to be reset, activated or destroyed */
    bool in_syscall_wait;        /* parked by cancelling a wait: its kernel stack still holds that system
                                    call (and what it acquired), so it must run to be freed */
    uint64_t clear_tid;          /* user word zeroed and futex-woken when the thread ends */
    void *wait_obj;
    uint8_t fpu[512] __attribute__((aligned(16)));
};

#define TIME_SLICE_NS 10000000ULL

void sched_init_cpu(struct cpu *c);
_Noreturn void sched_idle_loop(void);
/* A blocked thread of f; its structure and kernel stack are charged to f's
 * tenant (NULL and *err = -EDQUOT or -ENOMEM when they cannot be). */
struct thread *thread_create_user(struct fwp *f, uint64_t rip, uint64_t rsp, uint32_t cpu, int *err);
/* Frees a thread that is off its stack (or never ran). */
void thread_free(struct thread *t);
struct trapframe *thread_trapframe(struct thread *t);
void sched_wake(struct thread *t);
void sched_wake_first(struct thread *t);
bool sched_switch_direct(struct thread *next);   /* IPC hand-off on this CPU; false: not applicable */
bool sched_claim_direct(struct thread *next);    /* its check and claim (sched.c) ... */
void sched_handoff(struct thread *next);         /* ... and its switch */
void schedule(void);             /* current thread gives up the CPU */
void sched_block(void);          /* current thread sleeps until sched_wake() */
_Noreturn void thread_exit(void);
void sched_sleep_until(uint64_t tsc);
void sched_timer_interrupt(void);
void sched_resched_interrupt(void);
/* On the way back to user mode: switch if a system thread became runnable
 * on this CPU while another tenant's thread runs. */
void sched_preempt_point(void);
uint32_t sched_pick_cpu(void);
void sched_finish_switch(struct thread *prev);
struct ipc_obj;
int ktimer_set(struct ipc_obj *n, uint64_t bits, uint64_t ns);   /* signal n once, ns from now */
static inline struct thread *current_thread(void) { return this_cpu()->current; }
/* Kernel deadline for a timed power-off (ns since boot, 0 = none). */
extern uint64_t shutdown_at_tsc;
#endif
