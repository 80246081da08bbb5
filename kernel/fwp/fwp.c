/* FWP life cycle: creation, quota accounting, ending and freeing. */
#include "fwp.h"
#include "sched.h"
#include "mm.h"
#include "errno.h"
#include "string.h"
#include "kprintf.h"

int vms_init(struct fwp *f);
void machine_exit(int code);

static spinlock_t fwp_list_lock = SPINLOCK_INIT;
static struct fwp *fwp_list;
static uint32_t next_fwp_id = 1;
static volatile uint32_t live_fwps;
bool halt_when_idle = true;
bool boot_programs_started;

struct fwp *fwp_create(const char *name, uint64_t mem_limit_bytes)
{
    struct fwp *f = kmalloc(sizeof *f);
    if (!f)
        return NULL;
    strlcpy(f->name, name, sizeof f->name);
    f->frames_limit = mem_limit_bytes / PAGE_SIZE;
    f->mmap_next = USER_MMAP_TOP;
    f->state = FWP_ALIVE;
    if (vms_init(f) < 0) {
        kfree(f);
        return NULL;
    }
    spin_lock(&fwp_list_lock);
    f->id = next_fwp_id++;
    f->all_next = fwp_list;
    fwp_list = f;
    live_fwps++;
    spin_unlock(&fwp_list_lock);
    return f;
}

int fwp_charge(struct fwp *f, uint64_t frames)
{
    uint64_t used = __atomic_add_fetch(&f->frames_used, frames, __ATOMIC_RELAXED);
    if (used > f->frames_limit) {
        __atomic_sub_fetch(&f->frames_used, frames, __ATOMIC_RELAXED);
        return -ENOMEM;
    }
    return 0;
}

void fwp_uncharge(struct fwp *f, uint64_t frames)
{
    __atomic_sub_fetch(&f->frames_used, frames, __ATOMIC_RELAXED);
}

uint32_t fwp_live_count(void) { return live_fwps; }

void fwp_kill(struct fwp *f, int status, const char *why)
{
    spin_lock(&f->lock);
    if (f->state != FWP_ALIVE) {
        spin_unlock(&f->lock);
        return;
    }
    f->state = FWP_DYING;
    f->exit_status = status;
    f->end_reason = why;
    /* Threads of f notice FWP_DYING at their next kernel entry or exit;
     * blocked ones are woken so that they do. */
    for (struct thread *t = f->threads; t; t = t->fwp_next)
        if (t != current_thread() && t->state == THREAD_BLOCKED) {
            t->wait_result = -EINTR;
            sched_wake(t);
        }
    spin_unlock(&f->lock);
}

_Noreturn void fwp_exit_current(int status)
{
    struct fwp *f = current_thread()->fwp;
    char why[48];
    ksnprintf(why, sizeof why, "exited with status %d", status);
    kprintf("fwp %u (%s) %s\n", f->id, f->name, why);
    fwp_kill(f, status, "exit");
    thread_exit();
}

/* Frees an FWP with no threads left. Returns the number of live FWPs. */
static uint32_t fwp_free(struct fwp *f)
{
    f->state = FWP_DEAD;
    vms_destroy(f);
    KASSERT(f->frames_used == 0);
    spin_lock(&fwp_list_lock);
    for (struct fwp **pp = &fwp_list; *pp; pp = &(*pp)->all_next)
        if (*pp == f) {
            *pp = f->all_next;
            break;
        }
    uint32_t left = --live_fwps;
    spin_unlock(&fwp_list_lock);
    kfree(f);
    return left;
}

void fwp_thread_gone_quiet(struct fwp *f)
{
    f->nthreads = 0;
    fwp_free(f);
}

void fwp_thread_gone(struct fwp *f)
{
    spin_lock(&f->lock);
    bool last = --f->nthreads == 0;
    spin_unlock(&f->lock);
    if (!last)
        return;
    if (fwp_free(f) == 0 && halt_when_idle && boot_programs_started) {
        kprintf("kernel: all programs have ended, powering off\n");
        machine_exit(0);
    }
}
