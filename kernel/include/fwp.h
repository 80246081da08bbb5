/* Featherweight process (FWP): an address space, its threads, and a memory
 * quota. Every frame an FWP maps, including its page-table pages, is charged
 * to its quota; creation and growth fail with -ENOMEM when the quota or
 * physical memory runs out, leaving nothing allocated. */
#ifndef EDGEOS_FWP_H
#define EDGEOS_FWP_H
#include "types.h"
#include "spinlock.h"
#include "page_table.h"

enum fwp_state { FWP_ALIVE, FWP_DYING, FWP_DEAD };

struct thread;

struct fwp {
    uint32_t id;
    char name[32];
    spinlock_t lock;
    paddr_t pml4;
    struct pt_ops pt;            /* page-table ops charging this FWP */
    uint64_t frames_used;        /* frames charged (data + page tables) */
    uint64_t frames_limit;
    vaddr_t brk_start, brk_cur, brk_limit;
    vaddr_t mmap_next;           /* mmap regions are carved downward from here */
    struct thread *threads;
    uint32_t nthreads;
    volatile int state;
    int exit_status;
    const char *end_reason;
    struct fwp *all_next;        /* global list */
};

struct fwp *fwp_create(const char *name, uint64_t mem_limit_bytes);
static inline paddr_t fwp_cr3(struct fwp *f) { return f->pml4; }
int fwp_charge(struct fwp *f, uint64_t frames);    /* -ENOMEM over quota */
void fwp_uncharge(struct fwp *f, uint64_t frames);
/* Ends the FWP: every thread dies at its next kernel entry (the calling
 * thread at once when it belongs to f). Logs one line. */
void fwp_kill(struct fwp *f, int status, const char *why);
_Noreturn void fwp_exit_current(int status);
void fwp_thread_gone(struct fwp *f);   /* a thread of f was freed */
void fwp_thread_gone_quiet(struct fwp *f);  /* free an FWP whose thread never ran */
extern bool halt_when_idle, boot_programs_started;
uint32_t fwp_live_count(void);

/* Address space (fwp/vmspace.c). Flags are PTE_W / PTE_NX on top of user. */
int vms_map_anon(struct fwp *f, vaddr_t va, uint64_t npages, uint64_t flags);
int vms_reserve(struct fwp *f, vaddr_t va, uint64_t npages, uint64_t flags, bool lazy);
void vms_unmap(struct fwp *f, vaddr_t va, uint64_t npages);
int vms_protect(struct fwp *f, vaddr_t va, uint64_t npages, uint64_t flags);
int vms_fault_in(struct fwp *f, vaddr_t va, bool write);   /* demand-zero pages */
void vms_destroy(struct fwp *f);
bool vms_range_free(struct fwp *f, vaddr_t va, uint64_t npages);

/* Checked access to user memory of the current FWP: every page is walked,
 * must be user-accessible (and writable for writes). -EFAULT otherwise. */
int copy_from_user(void *dst, uint64_t usrc, size_t n);
int copy_to_user(uint64_t udst, const void *src, size_t n);
int copy_to_fwp(struct fwp *f, uint64_t udst, const void *src, size_t n);
bool user_range_ok(uint64_t uaddr, size_t n);
#endif
