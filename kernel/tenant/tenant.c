/* Tenants (see tenant.h): creation, limits, memory charging, CPU budgets. */
#include "tenant.h"
#include "fwp.h"
#include "mm.h"
#include "time.h"
#include "errno.h"
#include "string.h"
#include "spinlock.h"
#include "kprintf.h"
#include "edgeos_syscalls.h"

#define DEFAULT_PERIOD_US 10000u

_Static_assert(MAX_CPUS * sizeof(struct tenant_cpu) <= KMALLOC_MAX, "a tenant's per-CPU state is one kernel-heap object");
static struct tenant_cpu system_tenant_cpu[MAX_CPUS];

struct tenant system_tenant = {
    .id = 0, .name = "system", .refs = 1, .system = true, .mem_limit = UINT64_MAX, .cpu = system_tenant_cpu,
};

static spinlock_t tenants_lock = SPINLOCK_INIT;
static struct tenant *tenants = &system_tenant;
static uint32_t next_tenant_id = 1;

static uint64_t fair_window_tsc;

void tenant_init(void)
{
    fair_window_tsc = ns_to_tsc(DEFAULT_PERIOD_US * 1000ull);
    system_tenant.period_tsc = fair_window_tsc;
    system_tenant.period_us = DEFAULT_PERIOD_US;
}

static void set_budget(struct tenant *t, uint32_t budget_us, uint32_t period_us)
{
    if (!period_us)
        period_us = DEFAULT_PERIOD_US;
    if (budget_us >= period_us)
        budget_us = 0;                  /* the whole period: no limit */
    t->period_us = period_us;
    t->budget_us = budget_us;
    t->period_tsc = ns_to_tsc(period_us * 1000ull);
    t->budget_tsc = ns_to_tsc(budget_us * 1000ull);
}

struct tenant *tenant_create(const char *name, uint64_t mem_limit, uint32_t budget_us, uint32_t period_us)
{
    if (period_us > 1000000 || mem_limit == 0)
        return NULL;
    /* The tenant structure itself belongs to the system (its creator). */
    struct tenant *t = tenant_kmalloc(&system_tenant, sizeof *t);
    if (!t)
        return NULL;
    t->cpu = tenant_kmalloc(&system_tenant, MAX_CPUS * sizeof *t->cpu);
    if (!t->cpu) {
        tenant_kfree(&system_tenant, t, sizeof *t);
        return NULL;
    }
    strlcpy(t->name, name, sizeof t->name);
    t->refs = 1;                        /* the caller's (its capability) */
    t->mem_limit = mem_limit;
    set_budget(t, budget_us, period_us);
    spin_lock(&tenants_lock);
    t->id = next_tenant_id++;
    t->next = tenants;
    tenants = t;
    spin_unlock(&tenants_lock);
    kprintf("tenant %u (%s) created: memory quota %lu KiB, CPU %u us per %u us\n", t->id, t->name,
            mem_limit >> 10, t->budget_us ? t->budget_us : t->period_us, t->period_us);
    return t;
}

int tenant_set_limits(struct tenant *t, uint64_t mem_limit, uint32_t budget_us, uint32_t period_us)
{
    if (t->system || period_us > 1000000 || mem_limit == 0)
        return -EINVAL;
    /* Lowering the quota below what is held would leave the tenant over
     * it; refuse instead of reclaiming anything behind its back. */
    if (mem_limit < __atomic_load_n(&t->mem_used, __ATOMIC_RELAXED))
        return -EBUSY;
    t->mem_limit = mem_limit;
    set_budget(t, budget_us, period_us);
    return 0;
}

void tenant_get(struct tenant *t)
{
    __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

void tenant_put(struct tenant *t)
{
    if (t->system || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    KASSERT(t->mem_used == 0 && t->nfwps == 0);
    spin_lock(&tenants_lock);
    for (struct tenant **pp = &tenants; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    spin_unlock(&tenants_lock);
    kprintf("tenant %u (%s) freed\n", t->id, t->name);
    tenant_kfree(&system_tenant, t->cpu, MAX_CPUS * sizeof *t->cpu);
    tenant_kfree(&system_tenant, t, sizeof *t);
}

void tenant_kill(struct tenant *t)
{
    if (t->system)
        return;
    if (t->killed) {
        /* Asked again: its manager is waiting for something that does not
         * end. Say what is left. */
        kprintf("tenant %u (%s): %lu bytes still held by %lu FWPs:\n", t->id, t->name, t->mem_used, t->nfwps);
        fwp_log_tenant(t);
    }
    t->killed = true;
    fwp_kill_tenant(t);
}

int tenant_charge(struct tenant *t, uint64_t bytes)
{
    uint64_t used = __atomic_add_fetch(&t->mem_used, bytes, __ATOMIC_RELAXED);
    if (used > t->mem_limit || used < bytes) {
        __atomic_sub_fetch(&t->mem_used, bytes, __ATOMIC_RELAXED);
        return -EDQUOT;
    }
    return 0;
}

void tenant_uncharge(struct tenant *t, uint64_t bytes)
{
    __atomic_sub_fetch(&t->mem_used, bytes, __ATOMIC_RELAXED);
}

void *tenant_kmalloc(struct tenant *t, size_t size)
{
    size_t charged = kmalloc_size(size);
    if (!charged || tenant_charge(t, charged) < 0)
        return NULL;
    void *p = kmalloc(size);
    if (!p) {
        tenant_uncharge(t, charged);
        return NULL;
    }
    tenant_get(t);
    return p;
}

int tenant_alloc_error(const struct tenant *t, size_t size)
{
    return __atomic_load_n(&t->mem_used, __ATOMIC_RELAXED) + kmalloc_size(size) > t->mem_limit ? -EDQUOT : -ENOMEM;
}

void tenant_kfree(struct tenant *t, void *p, size_t size)
{
    if (!p)
        return;
    kfree(p);
    tenant_uncharge(t, kmalloc_size(size));
    tenant_put(t);
}

int64_t tenant_info(struct tenant *t, uint64_t out)
{
    struct eos_tenant_info i = {
        .id = t->id, .mem_limit = t->mem_limit, .mem_used = t->mem_used, .frames = t->frames,
        .fwps = t->nfwps, .cpu_ns = tsc_to_ns(t->cpu_tsc), .throttled = t->throttled,
        .cpu_budget_us = t->budget_us ? t->budget_us : t->period_us, .cpu_period_us = t->period_us,
        .killed = t->killed,
    };
    strlcpy(i.name, t->name, sizeof i.name);
    if (t->system)
        i.mem_limit = 0;                /* no limit */
    return copy_to_user(out, &i, sizeof i);
}

static void fair_roll(struct tenant_cpu *c, uint64_t now)
{
    if (now - c->fair_start < fair_window_tsc)
        return;
    uint64_t k = (now - c->fair_start) / fair_window_tsc;
    c->fair_prev = k == 1 ? c->fair_used : 0;
    c->fair_used = 0;
    c->fair_start += k * fair_window_tsc;
}

void tenant_account(struct tenant *t, uint32_t cpu, uint64_t cycles, uint64_t now)
{
    __atomic_add_fetch(&t->cpu_tsc, cycles, __ATOMIC_RELAXED);
    struct tenant_cpu *c = &t->cpu[cpu];
    /* Only time under a budget counts against one: a tenant given a
     * budget later starts without debt from its unlimited time. */
    if (t->budget_tsc)
        c->used += cycles;
    fair_roll(c, now);
    uint64_t f = (uint64_t)c->fair_used + cycles;
    c->fair_used = f > UINT32_MAX ? UINT32_MAX : (uint32_t)f;
}

uint64_t tenant_recent(struct tenant *t, uint32_t cpu, uint64_t now)
{
    struct tenant_cpu *c = &t->cpu[cpu];
    fair_roll(c, now);
    return (uint64_t)c->fair_prev + c->fair_used;
}

bool tenant_may_run(struct tenant *t, uint32_t cpu, uint64_t now, uint64_t *left, uint64_t *release)
{
    uint64_t budget = t->budget_tsc, period = t->period_tsc;
    if (!budget) {
        *left = 0;                      /* no limit */
        return true;
    }
    struct tenant_cpu *c = &t->cpu[cpu];
    if (now - c->window_start >= period) {
        /* Periods follow each other on a fixed grid. What a run took
         * beyond the budget (the timer that ends it can fire late, by a
         * millisecond or more under emulation) is paid back from the next
         * periods' budgets, so over time the tenant gets exactly its share;
         * idle periods forgive the rest. */
        uint64_t k = (now - c->window_start) / period;
        c->window_start += k * period;
        uint64_t refill = k > c->used / budget ? c->used : k * budget;
        c->used -= refill;
    }
    if (c->used < budget) {
        *left = budget - c->used;
        return true;
    }
    *release = c->window_start + period;
    __atomic_add_fetch(&t->throttled, 1, __ATOMIC_RELAXED);
    return false;
}
