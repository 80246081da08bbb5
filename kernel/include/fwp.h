/* Featherweight process (FWP): an address space, its threads, and a memory
 * quota. Every frame an FWP maps, including its page-table pages, is charged
 * to its quota; creation and growth fail with -ENOMEM when the quota or
 * physical memory runs out, leaving nothing allocated. */
#ifndef EDGEOS_FWP_H
#define EDGEOS_FWP_H
#include "types.h"
#include "spinlock.h"
#include "page_table.h"
#include "cap.h"
#include "trap.h"
#include "percpu.h"

enum fwp_state { FWP_ALIVE, FWP_DYING, FWP_DEAD };

struct thread;

struct fwp {
    uint32_t id;
    char name[32];
    spinlock_t lock;
    spinlock_t vm_lock;          /* taken by anything that frees pages of, or copies into,
                                    this address space from outside its own thread */
    paddr_t pml4;
    struct pt_ops pt;            /* page-table ops charging this FWP */
    uint64_t frames_used;        /* frames charged (data + page tables) */
    uint64_t frames_limit;
    vaddr_t brk_start, brk_cur, brk_limit;
    vaddr_t mmap_next;           /* mmap regions are carved downward from here */
    struct thread *threads;
    uint32_t nthreads;
    volatile int state;
    struct fwp *all_next;        /* global list */
    uint32_t refs;               /* 1 while it has an address space + 1 per capability */
    bool root;                   /* may open templates and devices (the manager, the nic) */
    bool driver;                 /* owns a device: may allocate DMA pages */
    uint32_t generation;         /* bumped by each reset: channels into it die */
    struct tenant *tenant;       /* its accounting domain (holds a reference) */
    int last_charge_err;         /* why the last charge failed: -ENOMEM (own quota) or -EDQUOT (tenant's) */
    uint64_t inbox, inbox_bytes; /* declared receive ring (forks inherit it) */
    uint32_t inbox_gen;          /* generation + 1 of the last channel attached to the inbox */
    struct cap_table caps;
    struct template_state *tmpl; /* set when this FWP is a template */
    struct fwp *parent;          /* template this FWP was forked from (holds a ref) */
    struct fwp *pool_next;       /* link in the parent's pool */
    struct thread *park_waiter;  /* thread waiting for this FWP to park */
    bool vm_reshaped;            /* a fork whose mappings changed since its fork or last
                                    reset (map, unmap, protect, demand fault): its
                                    reset walks all its tables instead of the plan */
};

/* What fwp_checkpoint() records: the state every fork resumes from. The
 * template's memory itself stays in its (frozen) address space. */
struct template_state {
    struct trapframe regs;
    uint8_t fpu[512] __attribute__((aligned(16)));
    uint64_t fs_base, brk_cur, mmap_next;
    struct vms_plan *plan;       /* the frozen address space's entries (vmspace.c); NULL: walk */
    bool destroyed;
    spinlock_t pool_lock;
    struct fwp *pool[MAX_CPUS];  /* per-CPU pre-forked, parked FWPs */
    uint32_t pool_count[MAX_CPUS];
};

struct tenant;
/* A new, empty FWP in tenant t: NULL (and *err) over the tenant's quota,
 * when the tenant was killed, or out of memory. */
struct fwp *fwp_create(const char *name, uint64_t mem_limit_bytes, struct tenant *t, int *err);
void fwp_get(struct fwp *f);
void fwp_mark_fork(struct fwp *f, struct fwp *parent);
void fwp_put(struct fwp *f);
/* A template (or a program that will checkpoint) named `name`, of tenant
 * `t` (any tenant if NULL); holds a reference. */
struct fwp *fwp_find_by_name(const char *name, struct tenant *t);
/* Ends every FWP of tenant t (tenant_kill). */
void fwp_kill_tenant(struct tenant *t);
void fwp_log_tenant(struct tenant *t);     /* one console line per FWP of t */
/* Templates (fwp/template.c) */
int fwp_checkpoint(struct trapframe *tf);          /* never returns to the caller on success */
/* A fork of tmpl, charged to tenant `charge` (NULL: tmpl's own tenant). */
struct fwp *fwp_fork(struct fwp *tmpl, struct tenant *charge, int cpu, bool start, int *err);
int fwp_reset(struct fwp *f, bool start, uint64_t arg);  /* pages restored, or -errno */
int fwp_destroy(struct fwp *f);
int fwp_activate(struct fwp *f, uint64_t arg);
int fwp_park_current(void);                        /* returns the value for rax on resume */
int fwp_wait_parked(struct fwp *f);
int template_wait_ready(struct fwp *f);
int pool_fill(struct fwp *tmpl, uint32_t cpu, uint32_t n);
struct fwp *pool_take(struct fwp *tmpl, uint32_t cpu);
static inline paddr_t fwp_cr3(struct fwp *f) { return f->pml4; }
int fwp_charge(struct fwp *f, uint64_t frames);    /* -ENOMEM over its quota, -EDQUOT over its tenant's */
void fwp_uncharge(struct fwp *f, uint64_t frames);
/* A frame charged to f (zeroed if asked); 0 over quota or out of memory. */
paddr_t fwp_frame_alloc(struct fwp *f, bool zero);
/* Ends the FWP: every thread dies at its next kernel entry (the calling
 * thread at once when it belongs to f). Callers log the reason. */
void fwp_kill(struct fwp *f);
_Noreturn void fwp_exit_current(int status);
void fwp_thread_gone(struct fwp *f);   /* a thread of f was freed */
void fwp_unlink_thread(struct fwp *f, struct thread *t);
#define FWP_MAX_THREADS 64
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
int vms_clone(struct fwp *dst, struct fwp *src);
/* A template's fork plan: built at its checkpoint (NULL if memory is short:
 * forks then walk the template's tables), freed with the template. */
struct vms_plan *vms_plan_build(struct fwp *tmpl);
void vms_plan_free(struct fwp *tmpl, struct vms_plan *plan);
/* The kernel wrote user page va of f (through the direct map): mark it
 * dirty and its tables accessed, as the CPU would, so a reset restores it. */
void vms_mark_written(struct fwp *f, vaddr_t va);
int64_t vms_reset(struct fwp *f, struct fwp *tmpl);
bool vms_range_free(struct fwp *f, vaddr_t va, uint64_t npages);

/* Checked access to user memory of the current FWP: every page is walked,
 * must be user-accessible (and writable for writes). -EFAULT otherwise. */
int copy_from_user(void *dst, uint64_t usrc, size_t n);
int copy_to_user(uint64_t udst, const void *src, size_t n);
int copy_to_fwp(struct fwp *f, uint64_t udst, const void *src, size_t n);
int copy_from_fwp(struct fwp *f, void *dst, uint64_t usrc, size_t n);
/* Copies n bytes from src's memory to dst's, frame to frame; the caller
 * holds dst->vm_lock. -EFAULT if either range is not accessible. */
int copy_between(struct fwp *dst, uint64_t udst, struct fwp *src, uint64_t usrc, size_t n);
/* Maps device memory / a DMA page into f (vmspace.c). */
int64_t vms_map_device(struct fwp *f, paddr_t pa, uint64_t size);
int64_t vms_dma_page(struct fwp *f, paddr_t *pa);
bool user_range_ok(uint64_t uaddr, size_t n);
#endif
