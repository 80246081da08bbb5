/* FWP address spaces: the user half of a private PML4 whose kernel half is
 * shared with every other address space (memlayout.h). */
#include "fwp.h"
#include "mm.h"
#include "errno.h"
#include "string.h"
#include "cpu.h"
#include "kprintf.h"
#include "tenant.h"


static void *fwp_p2v(void *ctx, uint64_t pa) { (void)ctx; return PHYS_TO_VIRT(pa); }

static uint64_t fwp_table_alloc(void *ctx)
{
    return fwp_frame_alloc(ctx, true);
}

static void fwp_table_free(void *ctx, uint64_t pa)
{
    fwp_uncharge(ctx, 1);
    frame_put(pa);
}

int vms_init(struct fwp *f)
{
    f->pt = (struct pt_ops){ fwp_p2v, fwp_table_alloc, fwp_table_free, f };
    paddr_t pml4 = fwp_table_alloc(f);
    if (!pml4)
        return -ENOMEM;
    const uint64_t *k = PHYS_TO_VIRT(kernel_pml4_pa);
    uint64_t *u = PHYS_TO_VIRT(pml4);
    memcpy(&u[256], &k[256], 256 * sizeof(uint64_t));
    f->pml4 = pml4;
    return 0;
}

static void flush_page(struct fwp *f, vaddr_t va)
{
    if (read_cr3() == f->pml4)
        invlpg(va);
}

bool vms_range_free(struct fwp *f, vaddr_t va, uint64_t npages)
{
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t *e = pt_walk(&f->pt, f->pml4, va + i * PAGE_SIZE, false, 0);
        if (e && (*e & (PTE_P | PTE_RSV | PTE_LAZY)))
            return false;
    }
    return true;
}

int vms_map_anon(struct fwp *f, vaddr_t va, uint64_t npages, uint64_t flags)
{
    f->vm_reshaped = true;
    for (uint64_t i = 0; i < npages; i++) {
        vaddr_t a = va + i * PAGE_SIZE;
        paddr_t pa = 0;
        uint64_t *e = NULL;
        int err = -ENOMEM;
        pa = fwp_frame_alloc(f, true);
        if (pa) {
            e = pt_walk(&f->pt, f->pml4, a, true, PTE_W | PTE_U);
            if (e && (*e & PTE_P)) {
                e = NULL;
                err = -EEXIST;
            }
            if (!e) {
                frame_put(pa);
                fwp_uncharge(f, 1);
            }
        }
        if (!e) {
            vms_unmap(f, va, i);
            return err;
        }
        *e = pa | PTE_P | PTE_U | (flags & (PTE_W | PTE_NX));
    }
    return 0;
}

int vms_reserve(struct fwp *f, vaddr_t va, uint64_t npages, uint64_t flags, bool lazy)
{
    f->vm_reshaped = true;
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t *e = pt_walk(&f->pt, f->pml4, va + i * PAGE_SIZE, true, PTE_W | PTE_U);
        if (!e) {
            vms_unmap(f, va, i);
            return -ENOMEM;
        }
        *e = (lazy ? PTE_LAZY : PTE_RSV) | (flags & (PTE_W | PTE_NX));
    }
    return 0;
}

/* Drops what a leaf entry holds: a private frame (charged to f). A frame
 * shared with the template (PTE_SHARED) holds no reference of its own: the
 * template's address space outlives every fork (a fork holds a reference on
 * its template until its own address space is gone). Device windows and
 * reservations hold nothing. */
static bool leaf_owns_frame(uint64_t e)
{
    return (e & (PTE_P | PTE_HIDDEN)) && !(e & (PTE_DEVICE | PTE_SHARED));
}

static void release_leaf(struct fwp *f, uint64_t e)
{
    if (leaf_owns_frame(e)) {
        frame_put(e & PTE_ADDR);
        fwp_uncharge(f, 1);
    }
}

static void unmap_leaf(void *arg, uint64_t va, uint64_t *pte)
{
    struct fwp *f = arg;
    release_leaf(f, *pte);
    *pte = 0;
    flush_page(f, va);
}

void vms_unmap(struct fwp *f, vaddr_t va, uint64_t npages)
{
    if (!npages)
        return;
    spin_lock(&f->vm_lock);
    f->vm_reshaped = true;
    pt_for_each(&f->pt, f->pml4, va, va + npages * PAGE_SIZE, unmap_leaf, f);
    /* Tables left empty go too: mmap carves fresh address space below the
     * last region, so a program that maps and unmaps all the time would
     * otherwise pile up empty tables charged to it. */
    pt_prune(&f->pt, f->pml4, va, va + npages * PAGE_SIZE);
    flush_page(f, va);      /* invlpg also drops cached paging-structure entries */
    spin_unlock(&f->vm_lock);
}

static int protect_locked(struct fwp *f, vaddr_t va, uint64_t npages, uint64_t flags);

int vms_protect(struct fwp *f, vaddr_t va, uint64_t npages, uint64_t flags)
{
    spin_lock(&f->vm_lock);
    int r = protect_locked(f, va, npages, flags);
    spin_unlock(&f->vm_lock);
    return r;
}

static int protect_locked(struct fwp *f, vaddr_t va, uint64_t npages, uint64_t flags)
{
    f->vm_reshaped = true;
    for (uint64_t i = 0; i < npages; i++) {
        vaddr_t a = va + i * PAGE_SIZE;
        uint64_t *e = pt_walk(&f->pt, f->pml4, a, false, 0);
        if (!e || !(*e & (PTE_P | PTE_RSV | PTE_LAZY)))
            return -ENOMEM;   /* Linux: range not fully mapped */
    }
    for (uint64_t i = 0; i < npages; i++) {
        vaddr_t a = va + i * PAGE_SIZE;
        uint64_t *e = pt_walk(&f->pt, f->pml4, a, false, 0);
        bool none = !(flags & PTE_P);
        uint64_t perm = flags & (PTE_W | PTE_NX);
        if ((*e & PTE_SHARED) && (perm & PTE_W) && !none) {
            /* The template's frame is shared by every fork: a fork that
             * makes it writable gets a private copy first. */
            paddr_t pa = fwp_frame_alloc(f, false);
            if (!pa)
                return -ENOMEM;
            memcpy(PHYS_TO_VIRT(pa), PHYS_TO_VIRT(*e & PTE_ADDR), PAGE_SIZE);
            *e = pa | (*e & PTE_FLAGS & ~(PTE_SHARED | PTE_RSV | PTE_HIDDEN)) | PTE_P;
        }
        if (*e & PTE_P) {
            if (none) {
                /* keep the frame but make it inaccessible */
                *e = (*e & ~(PTE_P | PTE_W)) | PTE_RSV | PTE_HIDDEN;
            } else {
                *e = (*e & ~(PTE_W | PTE_NX)) | perm;
            }
        } else if (*e & PTE_HIDDEN) {  /* inaccessible but backed */
            if (!none)
                *e = (*e & ~(PTE_RSV | PTE_HIDDEN | PTE_W | PTE_NX)) | PTE_P | perm;
        } else if (!none) {
            /* reservation becoming accessible: back it now (no overcommit) */
            paddr_t pa = fwp_frame_alloc(f, true);
            if (!pa)
                return -ENOMEM;
            *e = pa | PTE_P | PTE_U | perm;
        } else {
            *e = (*e & ~(PTE_W | PTE_NX)) | perm;
        }
        flush_page(f, a);
    }
    return 0;
}

int vms_fault_in(struct fwp *f, vaddr_t va, bool write)
{
    uint64_t *e = pt_walk(&f->pt, f->pml4, ALIGN_DOWN(va, PAGE_SIZE), false, 0);
    if (!e || !(*e & PTE_LAZY) || (*e & PTE_P))
        return -EFAULT;
    if (write && !(*e & PTE_W))
        return -EFAULT;
    f->vm_reshaped = true;
    paddr_t pa = fwp_frame_alloc(f, true);
    if (!pa)
        return -ENOMEM;
    *e = pa | PTE_P | PTE_U | (*e & (PTE_W | PTE_NX));
    return 0;
}

static void free_leaf(void *arg, uint64_t va, uint64_t *pte)
{
    (void)va;
    release_leaf(arg, *pte);
    *pte = 0;
}

static bool destroy_by_plan(struct fwp *f, paddr_t pml4);

void vms_destroy(struct fwp *f)
{
    spin_lock(&f->vm_lock);
    paddr_t pml4 = f->pml4;
    f->pml4 = 0;            /* cross-FWP copies check this under vm_lock */
    spin_unlock(&f->vm_lock);
    if (!pml4)
        return;
    if (destroy_by_plan(f, pml4)) {
        fwp_table_free(f, pml4);
        return;
    }
    pt_for_each(&f->pt, pml4, 0, USER_TOP, free_leaf, f);
    pt_free_tables(&f->pt, pml4, 0, 256);
    fwp_table_free(f, pml4);
}

/* ---- Forking and resetting (templates) ----
 * A child's user half is built from the template's tables: read-only pages
 * share the template's frame (PTE_SHARED, charged to the template only),
 * writable pages are copied eagerly into frames charged to the child, and
 * reservations (lazy stack, PROT_NONE) are copied as entries. Child entries
 * start with the dirty bit clear, so a reset only has to copy back the pages
 * whose dirty bit the CPU has set since. */

#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U)

/* Builds the fork's entry *d from the template's entry s. A private copy's
 * frame is charged here, or was charged beforehand (`charged`: the fork
 * plan charges a whole fork at once). */
static int clone_leaf_frame(struct fwp *dst, uint64_t *d, uint64_t s, bool charged)
{
    if (s & PTE_DEVICE) {
        *d = 0;             /* device windows are never inherited */
        return 0;
    }
    if (s & (PTE_P | PTE_HIDDEN)) {
        paddr_t spa = s & PTE_ADDR;
        bool writable = (s & PTE_W) || (s & PTE_HIDDEN);
        if (!writable) {
            *d = (s & ~(PTE_A | PTE_D)) | PTE_SHARED;   /* no reference: see release_leaf */
            return 0;
        }
        paddr_t pa = charged ? frame_alloc() : fwp_frame_alloc(dst, false);   /* fully overwritten below */
        if (!pa)
            return -ENOMEM;
        memcpy(PHYS_TO_VIRT(pa), PHYS_TO_VIRT(spa), PAGE_SIZE);
        *d = pa | (s & PTE_FLAGS & ~(PTE_A | PTE_D | PTE_SHARED));
        return 1;
    }
    *d = s;   /* reservation entry (or empty) */
    return 0;
}

static int clone_leaf(struct fwp *dst, uint64_t *d, uint64_t s)
{
    return clone_leaf_frame(dst, d, s, false) < 0 ? -ENOMEM : 0;
}

/* Whether clone_leaf_frame gives entry s a frame of the fork's own. */
static bool leaf_needs_frame(uint64_t s)
{
    return (s & (PTE_P | PTE_HIDDEN)) && !(s & PTE_DEVICE) && ((s & PTE_W) || (s & PTE_HIDDEN));
}

static int clone_table(struct fwp *dst, uint64_t *dt, const uint64_t *st, int level, unsigned first, unsigned last)
{
    for (unsigned i = first; i < last; i++) {
        uint64_t s = st[i];
        if (!s)
            continue;
        if (level == 1) {
            int r = clone_leaf(dst, &dt[i], s);
            if (r < 0)
                return r;
            continue;
        }
        if (!(s & PTE_P))
            continue;
        paddr_t t = dst->pt.alloc_table(dst);
        if (!t)
            return -ENOMEM;
        dt[i] = t | TABLE_FLAGS;
        int r = clone_table(dst, PHYS_TO_VIRT(t), PHYS_TO_VIRT(s & PTE_ADDR), level - 1, 0, 512);
        if (r < 0)
            return r;
    }
    return 0;
}

/* The fork plan: a template's address space is frozen at its checkpoint,
 * so its non-empty user entries are listed once, depth first (a table's
 * entry comes before the entries inside it; a run of equal reservation
 * entries is one op). A fork then visits only those, instead of scanning
 * 512 entries per table, and a reset of a fork whose mappings have not
 * changed visits only its private pages. The plan lives in whole frames
 * charged to the template's tenant. */
struct vms_plan_op {
    uint64_t entry;              /* the template's entry */
    uint32_t n;                  /* level 1: equal entries from index on (reservations);
                                    above: ops in the subtree below this entry */
    uint16_t index;              /* in its table */
    uint8_t level;               /* of its table: 4 (PML4) .. 1 (page table) */
};
#define PLAN_OPS ((PAGE_SIZE - 32) / sizeof(struct vms_plan_op))
struct vms_plan {                /* one frame of the plan; the first heads the list */
    struct vms_plan *next;
    uint64_t n;
    uint64_t frames;             /* first frame: tables + private pages a fork gets */
    uint64_t pad;
    struct vms_plan_op op[PLAN_OPS];
};
_Static_assert(sizeof(struct vms_plan) <= PAGE_SIZE, "a plan chunk is one frame");

struct plan_builder { struct vms_plan *first, *last; struct tenant *t; uint64_t ops, frames; bool failed; };

static struct vms_plan_op *plan_add(struct plan_builder *b, uint64_t s, unsigned i, int level)
{
    if (b->failed)
        return NULL;
    struct vms_plan *c = b->last;
    if (c && c->n) {
        struct vms_plan_op *prev = &c->op[c->n - 1];
        if (level == 1 && prev->level == 1 && prev->entry == s && !(s & (PTE_P | PTE_HIDDEN)) &&
            prev->index + prev->n == i) {
            prev->n++;
            return prev;
        }
    }
    if (!c || c->n == PLAN_OPS) {
        if (tenant_charge(b->t, PAGE_SIZE) < 0) {
            b->failed = true;
            return NULL;
        }
        paddr_t pa = frame_alloc();
        if (!pa) {
            tenant_uncharge(b->t, PAGE_SIZE);
            b->failed = true;
            return NULL;
        }
        struct vms_plan *n = PHYS_TO_VIRT(pa);
        n->next = NULL;
        n->n = 0;
        if (c)
            c->next = n;
        else
            b->first = n;
        b->last = c = n;
    }
    b->ops++;
    c->op[c->n] = (struct vms_plan_op){ s, 1, (uint16_t)i, (uint8_t)level };
    return &c->op[c->n++];
}

static void plan_walk(struct plan_builder *b, const uint64_t *t, int level, unsigned last)
{
    for (unsigned i = 0; i < last; i++) {
        uint64_t s = t[i];
        if (!s || (level > 1 && !(s & PTE_P)))
            continue;           /* clone_table copies neither */
        struct vms_plan_op *o = plan_add(b, s, i, level);
        if (level > 1 || leaf_needs_frame(s))
            b->frames++;
        if (level > 1) {
            uint64_t before = b->ops;
            plan_walk(b, PHYS_TO_VIRT(s & PTE_ADDR), level - 1, 512);
            if (o)
                o->n = (uint32_t)(b->ops - before);
        }
    }
}

static void plan_release(struct tenant *t, struct vms_plan *p)
{
    while (p) {
        struct vms_plan *next = p->next;
        frame_put(VIRT_TO_PHYS(p));
        tenant_uncharge(t, PAGE_SIZE);
        p = next;
    }
}

struct vms_plan *vms_plan_build(struct fwp *tmpl)
{
    struct plan_builder b = { NULL, NULL, tmpl->tenant, 0, 0, false };
    plan_walk(&b, PHYS_TO_VIRT(tmpl->pml4), 4, 256);
    if (b.failed || !b.first) {
        plan_release(tmpl->tenant, b.first);
        return NULL;
    }
    b.first->frames = b.frames;
    return b.first;
}

void vms_plan_free(struct fwp *tmpl, struct vms_plan *plan)
{
    plan_release(tmpl->tenant, plan);
}

#define PLAN_FOR_EACH(p, c, o)                \
    for (const struct vms_plan *c = (p); c; c = c->next) \
        for (const struct vms_plan_op *o = c->op; o < c->op + c->n; o++)

int vms_clone(struct fwp *dst, struct fwp *src)
{
    const struct vms_plan *p = src->tmpl ? src->tmpl->plan : NULL;
    dst->vm_reshaped = false;
    if (!p)
        return clone_table(dst, PHYS_TO_VIRT(dst->pml4), PHYS_TO_VIRT(src->pml4), 4, 0, 256);
    /* The whole fork is charged at once; what is not placed is given back. */
    if (fwp_charge(dst, p->frames) < 0)
        return -ENOMEM;
    uint64_t placed = 0;
    uint64_t *table[5];
    table[4] = PHYS_TO_VIRT(dst->pml4);
    PLAN_FOR_EACH(p, c, o) {
        uint64_t *dt = table[o->level];
        if (o->level == 1) {
            if (o->n > 1) {             /* a run of equal reservations */
                uint64_t *to = &dt[o->index];
                uint64_t n = o->n;
                __asm__ volatile("rep stosq" : "+D"(to), "+c"(n) : "a"(o->entry) : "memory");
                continue;
            }
            int r = clone_leaf_frame(dst, &dt[o->index], o->entry, true);
            if (r < 0)
                goto no_memory;
            placed += (uint64_t)r;
            continue;
        }
        paddr_t t = frame_alloc_zeroed();
        if (!t)
            goto no_memory;
        placed++;
        dt[o->index] = t | TABLE_FLAGS;
        table[o->level - 1] = PHYS_TO_VIRT(t);
    }
    return 0;
no_memory:
    fwp_uncharge(dst, p->frames - placed);
    return -ENOMEM;
}

/* Moves a plan cursor (chunk c, index k) past n ops. */
static void plan_skip(const struct vms_plan **c, uint64_t *k, uint64_t n)
{
    while (*c && *k + n >= (*c)->n) {
        n -= (*c)->n - *k;
        *c = (*c)->next;
        *k = 0;
    }
    *k += n;
}

/* Reset of a fork with the template's shape (not reshaped): only its
 * private copies of writable pages can differ, and only if dirty. The CPU
 * sets the accessed bit of every table entry it translates through (and
 * vms_mark_written does for the kernel's writes), so a subtree whose entry
 * is not accessed since the fork or last reset is skipped whole; the bits
 * of the entries visited are cleared for the next reset. */
static int64_t reset_by_plan(struct fwp *f, const struct vms_plan *p)
{
    int64_t restored = 0;
    uint64_t *table[5];
    table[4] = PHYS_TO_VIRT(f->pml4);
    const struct vms_plan *c = p;
    uint64_t k = 0;
    while (c) {
        if (k >= c->n) {
            c = c->next;
            k = 0;
            continue;
        }
        const struct vms_plan_op *o = &c->op[k++];
        uint64_t *dt = table[o->level];
        uint64_t d = dt[o->index];
        if (o->level > 1) {
            if (d & PTE_A) {
                dt[o->index] = d & ~PTE_A;
                table[o->level - 1] = PHYS_TO_VIRT(d & PTE_ADDR);
                continue;
            }
            plan_skip(&c, &k, o->n);            /* untouched below: past the subtree */
            continue;
        }
        uint64_t s = o->entry;
        if ((s & (PTE_P | PTE_W | PTE_DEVICE)) == (PTE_P | PTE_W) && (d & PTE_D)) {
            memcpy(PHYS_TO_VIRT(d & PTE_ADDR), PHYS_TO_VIRT(s & PTE_ADDR), PAGE_SIZE);
            dt[o->index] = d & ~(PTE_D | PTE_A);
            restored++;
        }
    }
    return restored;
}

/* Frees the address space of a fork with the template's shape (not
 * reshaped) by its template's plan: only the fork's own pages and tables
 * are visited. A fork whose building failed half way has zero entries where
 * it stopped: a missing table skips its subtree, a missing leaf holds
 * nothing. False (nothing done) for anything else; the caller walks. */
static bool destroy_by_plan(struct fwp *f, paddr_t pml4)
{
    const struct vms_plan *p = f->parent && f->parent->tmpl ? f->parent->tmpl->plan : NULL;
    if (!p || f->vm_reshaped)
        return false;
    uint64_t *table[5];
    paddr_t open[5] = { 0, 0, 0, 0, 0 };    /* open[l]: the table holding level-l entries */
    table[4] = PHYS_TO_VIRT(pml4);
    uint64_t frames = 0;
    const struct vms_plan *c = p;
    uint64_t k = 0;
    while (c) {
        if (k >= c->n) {
            c = c->next;
            k = 0;
            continue;
        }
        const struct vms_plan_op *o = &c->op[k++];
        if (o->level > 1) {
            for (int l = 1; l < o->level; l++)      /* the subtree before this entry is done */
                if (open[l]) {
                    frame_put(open[l]);
                    frames++;
                    open[l] = 0;
                }
            uint64_t e = table[o->level][o->index];
            if (!(e & PTE_P)) {
                plan_skip(&c, &k, o->n);
                continue;
            }
            open[o->level - 1] = e & PTE_ADDR;
            table[o->level - 1] = PHYS_TO_VIRT(e & PTE_ADDR);
            continue;
        }
        if (o->n > 1)
            continue;                               /* reservations hold nothing */
        uint64_t e = table[1][o->index];
        if (leaf_owns_frame(e)) {                   /* as release_leaf, charged back once below */
            frame_put(e & PTE_ADDR);
            frames++;
        }
    }
    for (int l = 1; l < 4; l++)
        if (open[l]) {
            frame_put(open[l]);
            frames++;
        }
    fwp_uncharge(f, frames);
    return true;
}

void vms_mark_written(struct fwp *f, vaddr_t va)
{
    uint64_t *t = PHYS_TO_VIRT(f->pml4);
    for (int level = 4; level >= 1; level--) {
        uint64_t *e = &t[pt_index(va, level)];
        if (!(*e & PTE_P))
            return;
        uint64_t bits = level == 1 ? PTE_A | PTE_D : PTE_A;
        if ((*e & bits) != bits)
            __atomic_or_fetch(e, bits, __ATOMIC_RELAXED);
        t = PHYS_TO_VIRT(*e & PTE_ADDR);
    }
}

static void drop_leaf(struct fwp *f, uint64_t *d)
{
    release_leaf(f, *d);
    *d = 0;
}

static void drop_table(struct fwp *f, uint64_t e, int level)
{
    uint64_t *t = PHYS_TO_VIRT(e & PTE_ADDR);
    for (unsigned i = 0; i < 512; i++) {
        if (!t[i])
            continue;
        if (level == 1)
            drop_leaf(f, &t[i]);
        else if (t[i] & PTE_P)
            drop_table(f, t[i], level - 1);
    }
    f->pt.free_table(f, e & PTE_ADDR);
}

/* Brings the child's table `dt` back to the template's `st`. Returns the
 * number of pages copied back, or -ENOMEM. */
static int64_t reset_table(struct fwp *f, uint64_t *dt, const uint64_t *st, int level, unsigned first, unsigned last)
{
    int64_t restored = 0;
    for (unsigned i = first; i < last; i++) {
        uint64_t d = dt[i], s = st[i];
        if (!d && !s)
            continue;
        if (level > 1) {
            bool dp = d & PTE_P, sp = s & PTE_P;
            if (dp && sp) {
                int64_t r = reset_table(f, PHYS_TO_VIRT(d & PTE_ADDR), PHYS_TO_VIRT(s & PTE_ADDR), level - 1, 0, 512);
                if (r < 0)
                    return r;
                restored += r;
            } else if (dp) {
                drop_table(f, d, level - 1);
                dt[i] = 0;
            } else if (sp) {
                paddr_t t = f->pt.alloc_table(f);
                if (!t)
                    return -ENOMEM;
                dt[i] = t | TABLE_FLAGS;
                if (clone_table(f, PHYS_TO_VIRT(t), PHYS_TO_VIRT(s & PTE_ADDR), level - 1, 0, 512) < 0)
                    return -ENOMEM;
                restored++;
            }
            continue;
        }
        /* leaf */
        if ((d & PTE_P) && (s & PTE_P) && (d & PTE_SHARED) && (d & PTE_ADDR) == (s & PTE_ADDR)
            && ((d ^ s) & (PTE_W | PTE_NX | PTE_U)) == 0)
            continue;                                   /* shared read-only page, untouched */
        if ((d & PTE_P) && (s & PTE_P) && !(d & PTE_SHARED) && (s & PTE_W)
            && ((d ^ s) & (PTE_W | PTE_NX | PTE_U)) == 0) {
            if (d & PTE_D) {                            /* dirtied since fork/reset */
                memcpy(PHYS_TO_VIRT(d & PTE_ADDR), PHYS_TO_VIRT(s & PTE_ADDR), PAGE_SIZE);
                dt[i] = d & ~(PTE_D | PTE_A);
                restored++;
            }
            continue;
        }
        if (d == s && !(d & (PTE_P | PTE_HIDDEN)))
            continue;                                   /* same reservation */
        /* anything else: rebuild the entry from the template */
        drop_leaf(f, &dt[i]);
        if (clone_leaf(f, &dt[i], s) < 0)
            return -ENOMEM;
        restored++;
    }
    return restored;
}

int64_t vms_reset(struct fwp *f, struct fwp *tmpl)
{
    const struct vms_plan *p = tmpl->tmpl ? tmpl->tmpl->plan : NULL;
    spin_lock(&f->vm_lock);
    int64_t r;
    if (p && !f->vm_reshaped) {
        r = reset_by_plan(f, p);
    } else {
        r = reset_table(f, PHYS_TO_VIRT(f->pml4), PHYS_TO_VIRT(tmpl->pml4), 4, 0, 256);
        if (r >= 0)
            f->vm_reshaped = false;     /* the template's shape again */
    }
    spin_unlock(&f->vm_lock);
    return r;
}

/* Carves `size` bytes of address space below the mmap cursor. */
static uint64_t carve(struct fwp *f, uint64_t size)
{
    uint64_t va = f->mmap_next - size;
    while (!vms_range_free(f, va, size / PAGE_SIZE))
        va -= PAGE_SIZE;
    f->mmap_next = va - PAGE_SIZE;
    return va;
}

int64_t vms_map_device(struct fwp *f, paddr_t pa, uint64_t size)
{
    paddr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
    uint64_t len = ALIGN_UP(pa + size, PAGE_SIZE) - base;
    uint64_t va = carve(f, len);
    f->vm_reshaped = true;
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t *e = pt_walk(&f->pt, f->pml4, va + off, true, PTE_W | PTE_U);
        if (!e) {
            vms_unmap(f, va, off / PAGE_SIZE);
            return -ENOMEM;
        }
        *e = (base + off) | PTE_P | PTE_U | PTE_W | PTE_PCD | PTE_PWT | PTE_NX | PTE_DEVICE;
    }
    return (int64_t)(va + (pa - base));
}

int64_t vms_dma_page(struct fwp *f, paddr_t *pa)
{
    uint64_t va = carve(f, PAGE_SIZE);
    int r = vms_map_anon(f, va, 1, PTE_W | PTE_NX);
    if (r < 0)
        return r;
    uint64_t *e = pt_walk(&f->pt, f->pml4, va, false, 0);
    *pa = *e & PTE_ADDR;
    return (int64_t)va;
}
