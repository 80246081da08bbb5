/* FWP life cycle: creation, references, quota accounting, ending, freeing.
 *
 * References: one "alive" reference from creation until the address space is
 * torn down, plus one per capability naming the FWP and one per FWP forked
 * from it (a template). A plain FWP's address space goes when its last
 * thread is gone; a template's when its last reference is dropped. The
 * struct itself is freed with the last reference. */
#include "fwp.h"
#include "sched.h"
#include "mm.h"
#include "errno.h"
#include "string.h"
#include "kprintf.h"
#include "ipc.h"
#include "platform.h"
#include "tenant.h"
#include "registry.h"

int vms_init(struct fwp *f);
void machine_exit(int code);

static spinlock_t fwp_list_lock = SPINLOCK_INIT;
static struct fwp *fwp_list;
static uint32_t next_fwp_id = 1;
static volatile uint32_t live_fwps;
bool halt_when_idle = true;
bool boot_programs_started;

struct fwp *fwp_create(const char *name, uint64_t mem_limit_bytes, struct tenant *t, int *err)
{
    if (t->killed) {
        *err = -ESRCH;
        return NULL;
    }
    struct fwp *f = tenant_kmalloc(t, sizeof *f);
    if (!f) {
        *err = tenant_alloc_error(t, sizeof *f);
        return NULL;
    }
    strlcpy(f->name, name, sizeof f->name);
    f->tenant = t;                  /* the reference tenant_kmalloc took */
    f->caps.owner = t;
    f->frames_limit = mem_limit_bytes / PAGE_SIZE;
    f->mmap_next = USER_MMAP_TOP;
    f->state = FWP_ALIVE;
    f->refs = 1;
    if (vms_init(f) < 0) {
        *err = f->last_charge_err ? f->last_charge_err : -ENOMEM;
        tenant_kfree(t, f, sizeof *f);
        return NULL;
    }
    __atomic_add_fetch(&t->nfwps, 1, __ATOMIC_RELAXED);
    spin_lock(&fwp_list_lock);
    f->id = next_fwp_id++;
    f->all_next = fwp_list;
    fwp_list = f;
    live_fwps++;
    spin_unlock(&fwp_list_lock);
    return f;
}

/* Forks belong to their manager and do not count as running programs for
 * the "all programs have ended" power-off. */
void fwp_mark_fork(struct fwp *f, struct fwp *parent)
{
    spin_lock(&fwp_list_lock);
    f->parent = parent;
    live_fwps--;
    spin_unlock(&fwp_list_lock);
}

void fwp_get(struct fwp *f)
{
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

static void fwp_unlist(struct fwp *f)
{
    spin_lock(&fwp_list_lock);
    for (struct fwp **pp = &fwp_list; *pp; pp = &(*pp)->all_next)
        if (*pp == f) {
            *pp = f->all_next;
            break;
        }
    spin_unlock(&fwp_list_lock);
}

void fwp_put(struct fwp *f)
{
    if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    /* Last reference: a template's memory goes now. */
    if (f->pml4)
        vms_destroy(f);
    KASSERT(f->frames_used == 0);
    fwp_unlist(f);
    struct fwp *parent = f->parent;
    struct tenant *t = f->tenant;
    if (f->tmpl) {
        vms_plan_free(f, f->tmpl->plan);
        tenant_kfree(t, f->tmpl, sizeof *f->tmpl);
    }
    __atomic_sub_fetch(&t->nfwps, 1, __ATOMIC_RELAXED);
    tenant_kfree(t, f, sizeof *f);      /* drops the FWP's reference on t */
    if (parent)
        fwp_put(parent);
}

struct fwp *fwp_find_by_name(const char *name, struct tenant *t)
{
    struct fwp *found = NULL;
    spin_lock(&fwp_list_lock);
    for (struct fwp *f = fwp_list; f; f = f->all_next) {
        if (strcmp(f->name, name) || f->parent || f->state != FWP_ALIVE || (t && f->tenant != t))
            continue;
        if (f->tmpl && f->tmpl->destroyed)
            continue;               /* an undeployed template that forks still hold */
        found = f;
        fwp_get(f);
        break;
    }
    spin_unlock(&fwp_list_lock);
    return found;
}

/* Collects up to n live FWPs of tenant t (with references), for tenant_kill. */
static int tenant_fwps(struct tenant *t, struct fwp **out, int n)
{
    int k = 0;
    spin_lock(&fwp_list_lock);
    for (struct fwp *f = fwp_list; f && k < n; f = f->all_next)
        if (f->tenant == t && f->state == FWP_ALIVE && !(f->tmpl && f->tmpl->destroyed)) {
            fwp_get(f);
            out[k++] = f;
        }
    spin_unlock(&fwp_list_lock);
    return k;
}

void fwp_log_tenant(struct tenant *t)
{
    spin_lock(&fwp_list_lock);
    for (struct fwp *f = fwp_list; f; f = f->all_next)
        if (f->tenant == t)
            kprintf("  fwp %u (%s): state %d, %u threads, %u references, %lu frames%s%s\n", f->id, f->name, f->state,
                    f->nthreads, f->refs, f->frames_used, f->tmpl ? ", template" : "",
                    f->threads && f->threads->parked ? ", parked" : "");
    spin_unlock(&fwp_list_lock);
}

void fwp_kill_tenant(struct tenant *t)
{
    struct fwp *batch[32];
    int n;
    while ((n = tenant_fwps(t, batch, 32)) > 0) {
        for (int i = 0; i < n; i++) {
            /* A template's pools go now and its memory with its last fork
             * and capability; a parked FWP is freed now; a running one
             * ends at its next kernel entry. */
            fwp_destroy(batch[i]);
            fwp_kill(batch[i]);
            fwp_put(batch[i]);
        }
    }
}

int fwp_charge(struct fwp *f, uint64_t frames)
{
    uint64_t used = __atomic_add_fetch(&f->frames_used, frames, __ATOMIC_RELAXED);
    if (used > f->frames_limit) {
        __atomic_sub_fetch(&f->frames_used, frames, __ATOMIC_RELAXED);
        return f->last_charge_err = -ENOMEM;
    }
    if (tenant_charge(f->tenant, frames * PAGE_SIZE) < 0) {
        __atomic_sub_fetch(&f->frames_used, frames, __ATOMIC_RELAXED);
        return f->last_charge_err = -EDQUOT;
    }
    __atomic_add_fetch(&f->tenant->frames, frames, __ATOMIC_RELAXED);
    return 0;
}

void fwp_uncharge(struct fwp *f, uint64_t frames)
{
    __atomic_sub_fetch(&f->frames_used, frames, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&f->tenant->frames, frames, __ATOMIC_RELAXED);
    tenant_uncharge(f->tenant, frames * PAGE_SIZE);
}

paddr_t fwp_frame_alloc(struct fwp *f, bool zero)
{
    if (fwp_charge(f, 1) < 0)
        return 0;
    paddr_t pa = zero ? frame_alloc_zeroed() : frame_alloc();
    if (!pa)
        fwp_uncharge(f, 1);
    return pa;
}

uint32_t fwp_live_count(void) { return live_fwps; }

void fwp_kill(struct fwp *f)
{
    spin_lock(&f->lock);
    if (f->state != FWP_ALIVE) {
        spin_unlock(&f->lock);
        return;
    }
    f->state = FWP_DYING;
    /* Threads of f notice FWP_DYING at their next kernel entry or exit;
     * blocked ones are woken so that they do. The fence pairs with the
     * check in schedule(): a thread blocking right now either is seen
     * blocked here or sees the state there. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (struct thread *t = f->threads; t; t = t->fwp_next)
        if (t != current_thread() && t->state == THREAD_BLOCKED) {
            ipc_cancel(t);          /* out of any IPC wait queue first */
            t->wait_result = -EINTR;
            t->parked = false;
            sched_wake(t);
        }
    if (f->park_waiter) {
        sched_wake(f->park_waiter);
        f->park_waiter = NULL;
    }
    spin_unlock(&f->lock);
}

_Noreturn void fwp_exit_current(int status)
{
    struct fwp *f = current_thread()->fwp;
    if (!f->parent)
        kprintf("fwp %u (%s) exited with status %d\n", f->id, f->name, status);
    fwp_kill(f);
    thread_exit();
}

/* An FWP with no threads left: tear down what only running FWPs need.
 * Returns the number of live (running) FWPs left. */
static uint32_t fwp_retire(struct fwp *f)
{
    spin_lock(&fwp_list_lock);
    uint32_t left = f->parent ? live_fwps : --live_fwps;
    spin_unlock(&fwp_list_lock);
    cap_table_clear(&f->caps);
    registry_drop(f);
    platform_devices_release(f);    /* before its DMA pages go back to the pool */
    if (f->tmpl) {
        return left;        /* a template keeps its memory for forks */
    }
    f->state = FWP_DEAD;
    vms_destroy(f);
    KASSERT(f->frames_used == 0);
    fwp_put(f);             /* the "alive" reference */
    return left;
}

void fwp_thread_gone_quiet(struct fwp *f)
{
    f->nthreads = 0;
    fwp_retire(f);
}

void fwp_unlink_thread(struct fwp *f, struct thread *t)
{
    spin_lock(&f->lock);
    for (struct thread **pp = &f->threads; *pp; pp = &(*pp)->fwp_next)
        if (*pp == t) {
            *pp = t->fwp_next;
            break;
        }
    spin_unlock(&f->lock);
}

void fwp_thread_gone(struct fwp *f)
{
    spin_lock(&f->lock);
    bool last = --f->nthreads == 0;
    if (last)
        f->threads = NULL;
    spin_unlock(&f->lock);
    if (!last)
        return;
    if (f->state == FWP_ALIVE && !f->parent && !f->tmpl)
        kprintf("fwp %u (%s) exited with status 0 (its last thread ended)\n", f->id, f->name);
    if (fwp_retire(f) == 0 && halt_when_idle && boot_programs_started) {
        kprintf("kernel: all programs have ended, powering off\n");
        machine_exit(0);
    }
}

_Static_assert(sizeof(struct fwp) <= KMALLOC_MAX, "struct fwp must fit the kernel allocator");
