/* Tenants: the kernel's accounting and isolation domains.
 *
 * Every FWP belongs to exactly one tenant; programs started from boot
 * modules belong to the system tenant (tenant 0), which has no limits and
 * whose threads are scheduled ahead of every other tenant's.
 *
 * Memory: a tenant's quota covers everything its FWPs hold, in bytes:
 * their frames (pages, page tables, DMA pages) and the kernel objects made
 * on their behalf (the FWP structures and capability tables, threads and
 * their kernel stacks, endpoints, notifications, channels, timers). An
 * allocation that would pass the quota fails with -EDQUOT and changes
 * nothing.
 *
 * CPU: a budget of `budget` cycles in every `period` on each CPU
 * (docs/tenants.md): the scheduler stops running a tenant's threads on a
 * CPU once they have used its budget there in the current period, until
 * the period ends, whether or not they ever block.
 *
 * References: one per capability naming the tenant, one per FWP in it and
 * one per kernel object charged to it, so the structure outlives
 * everything that must be uncharged from it. */
#ifndef EDGEOS_TENANT_H
#define EDGEOS_TENANT_H
#include "types.h"
#include "percpu.h"

/* Per-CPU budget state; only its own CPU touches it (in the scheduler,
 * interrupts off), so it needs no lock. */
struct tenant_cpu {
    uint64_t window_start;       /* TSC at which the current period began on this CPU */
    uint64_t used;               /* cycles used in that period */
    /* Recent use, for fairness between tenants at wake-up (every tenant,
     * budget or not): cycles in the current fairness window and in the
     * one before it. Touched under the CPU's run-queue lock. */
    uint64_t fair_start;
    uint32_t fair_used, fair_prev;   /* saturating */
};

struct tenant {
    uint32_t id;
    char name[16];
    uint32_t refs;
    bool system;
    volatile bool killed;        /* no new FWPs; its FWPs are ending */
    uint64_t mem_limit;          /* bytes */
    uint64_t mem_used;           /* bytes charged */
    uint64_t frames;             /* whole frames among them */
    uint64_t nfwps;              /* FWP structures that exist */
    uint64_t cpu_tsc;            /* cycles run, all CPUs */
    uint64_t throttled;          /* times a thread was held back for the rest of a period */
    uint64_t budget_tsc;         /* 0 = no CPU limit */
    uint64_t period_tsc;
    uint32_t budget_us, period_us;
    struct tenant *next;         /* all tenants */
    struct tenant_cpu *cpu;      /* [MAX_CPUS], a separate allocation */
};

extern struct tenant system_tenant;

void tenant_init(void);
struct tenant *tenant_create(const char *name, uint64_t mem_limit, uint32_t budget_us, uint32_t period_us);
int tenant_set_limits(struct tenant *t, uint64_t mem_limit, uint32_t budget_us, uint32_t period_us);
void tenant_get(struct tenant *t);
void tenant_put(struct tenant *t);
/* Ends every FWP of the tenant; it can make no new ones. */
void tenant_kill(struct tenant *t);

/* Copies struct eos_tenant_info to the caller's memory at `out`. */
int64_t tenant_info(struct tenant *t, uint64_t out);

/* Charges bytes to the tenant: -EDQUOT over its quota (nothing charged). */
int tenant_charge(struct tenant *t, uint64_t bytes);
void tenant_uncharge(struct tenant *t, uint64_t bytes);

/* A kernel object made on the tenant's behalf: its allocation size is
 * charged and the object holds a reference on the tenant until
 * tenant_kfree. NULL over the quota or when the kernel heap is empty. */
void *tenant_kmalloc(struct tenant *t, size_t size);
void tenant_kfree(struct tenant *t, void *p, size_t size);
/* After tenant_kmalloc(t, size) failed: -EDQUOT or -ENOMEM. */
int tenant_alloc_error(const struct tenant *t, size_t size);

/* Scheduler hooks (sched.c): a tenant thread's time on CPU c, and whether
 * the tenant may run there now (rolls the period over when it ended). */
void tenant_account(struct tenant *t, uint32_t cpu, uint64_t cycles, uint64_t now);
/* Cycles the tenant ran on CPU `cpu` in the last 10-20 ms (with that CPU's run-queue lock held). */
uint64_t tenant_recent(struct tenant *t, uint32_t cpu, uint64_t now);
bool tenant_may_run(struct tenant *t, uint32_t cpu, uint64_t now, uint64_t *left, uint64_t *release);
#endif
