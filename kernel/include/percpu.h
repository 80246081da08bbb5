/* Per-CPU data, reached through the GS base while in the kernel. The first
 * three fields are used by entry.S at fixed offsets (checked below). */
#ifndef EDGEOS_PERCPU_H
#define EDGEOS_PERCPU_H
#include "types.h"
#include "spinlock.h"

struct tenant;

#define MAX_CPUS 64

struct thread;

struct tss {
    uint32_t reserved0;
    uint64_t rsp0, rsp1, rsp2;
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap_base;
} __attribute__((packed));

struct thread_queue {
    struct thread *head, *tail;
};

/* Two levels: the system tenant's threads run before any other tenant's;
 * within a level, round robin. A tenant thread whose tenant has used its
 * CPU budget on this CPU for the current period waits on `throttled`
 * (state RUNNABLE, on no queue) until the period ends. Other CPUs only
 * push onto sys/ten (wake-ups); everything else is this CPU's own. */
struct runqueue {
    spinlock_t lock;
    struct thread_queue sys, ten;
    struct thread *throttled;
    uint32_t count;               /* threads on sys and ten */
};

struct cpu {
    struct cpu *self;             /* offset 0  */
    uint64_t kstack_top;          /* offset 8: syscall entry stack */
    uint64_t user_rsp;            /* offset 16: scratch for syscall entry */
    struct thread *current;       /* offset 24 */
    uint32_t id;
    uint32_t lapic_id;
    struct thread *idle;
    struct runqueue rq;
    volatile bool idling;         /* halted in the idle loop */
    uint64_t timer_deadline;      /* TSC value the timer is armed for, 0 = off */
    uint64_t slice_end;           /* TSC end of the current thread's slice */
    uint64_t budget_end;          /* TSC at which the running tenant thread's budget here runs out, 0 = none */
    struct tenant *run_tenant;    /* the current thread's tenant, NULL for system threads and idle (set under rq.lock) */
    uint64_t run_since;           /* TSC at which it last started (under rq.lock) */
    volatile bool fair_preempt;   /* a woken tenant thread is owed the CPU: switch at the next chance */
    volatile bool need_resched;   /* a system thread became runnable here: switch at the next exit to user mode */
    uint64_t cur_cr3;
    uint64_t gdt[10];
    struct tss tss;
    uint8_t df_stack[4096] __attribute__((aligned(16)));  /* double-fault stack */
} __attribute__((aligned(64)));

_Static_assert(__builtin_offsetof(struct cpu, kstack_top) == 8, "entry.S offset");
_Static_assert(__builtin_offsetof(struct cpu, user_rsp) == 16, "entry.S offset");

extern struct cpu cpus[MAX_CPUS];
extern volatile uint32_t ncpus_online;
extern uint32_t ncpus_expected;

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(c));
    return c;
}

void cpu_init_local(struct cpu *c);  /* GDT, TSS, IDT, GS, syscall MSRs, FPU */
#endif
