/* FWP address spaces: the user half of a private PML4 whose kernel half is
 * shared with every other address space (memlayout.h). */
#include "fwp.h"
#include "mm.h"
#include "errno.h"
#include "string.h"
#include "cpu.h"
#include "kprintf.h"


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

static void unmap_leaf(void *arg, uint64_t va, uint64_t *pte)
{
    struct fwp *f = arg;
    if ((*pte & (PTE_P | PTE_HIDDEN)) && !(*pte & PTE_DEVICE)) {
        frame_put(*pte & PTE_ADDR);
        if (!(*pte & PTE_SHARED))
            fwp_uncharge(f, 1);
    }
    *pte = 0;
    flush_page(f, va);
}

void vms_unmap(struct fwp *f, vaddr_t va, uint64_t npages)
{
    if (!npages)
        return;
    spin_lock(&f->vm_lock);
    pt_for_each(&f->pt, f->pml4, va, va + npages * PAGE_SIZE, unmap_leaf, f);
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
    paddr_t pa = fwp_frame_alloc(f, true);
    if (!pa)
        return -ENOMEM;
    *e = pa | PTE_P | PTE_U | (*e & (PTE_W | PTE_NX));
    return 0;
}

static void free_leaf(void *arg, uint64_t va, uint64_t *pte)
{
    (void)va;
    struct fwp *f = arg;
    if (((*pte & PTE_P) || (*pte & PTE_HIDDEN)) && !(*pte & PTE_DEVICE)) {
        frame_put(*pte & PTE_ADDR);
        if (!(*pte & PTE_SHARED))
            fwp_uncharge(f, 1);
    }
    *pte = 0;
}

void vms_destroy(struct fwp *f)
{
    spin_lock(&f->vm_lock);
    paddr_t pml4 = f->pml4;
    f->pml4 = 0;            /* cross-FWP copies check this under vm_lock */
    spin_unlock(&f->vm_lock);
    if (!pml4)
        return;
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

static int clone_leaf(struct fwp *dst, uint64_t *d, uint64_t s)
{
    if (s & PTE_DEVICE) {
        *d = 0;             /* device windows are never inherited */
        return 0;
    }
    if (s & (PTE_P | PTE_HIDDEN)) {
        paddr_t spa = s & PTE_ADDR;
        bool writable = (s & PTE_W) || (s & PTE_HIDDEN);
        if (!writable) {
            frame_ref(spa);
            *d = (s & ~(PTE_A | PTE_D)) | PTE_SHARED;
            return 0;
        }
        paddr_t pa = fwp_frame_alloc(dst, false);   /* fully overwritten below */
        if (!pa)
            return -ENOMEM;
        memcpy(PHYS_TO_VIRT(pa), PHYS_TO_VIRT(spa), PAGE_SIZE);
        *d = pa | (s & PTE_FLAGS & ~(PTE_A | PTE_D | PTE_SHARED));
        return 0;
    }
    *d = s;   /* reservation entry (or empty) */
    return 0;
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

int vms_clone(struct fwp *dst, struct fwp *src)
{
    int r = clone_table(dst, PHYS_TO_VIRT(dst->pml4), PHYS_TO_VIRT(src->pml4), 4, 0, 256);
    return r;
}

static void drop_leaf(struct fwp *f, uint64_t *d)
{
    if ((*d & (PTE_P | PTE_HIDDEN)) && !(*d & PTE_DEVICE)) {
        frame_put(*d & PTE_ADDR);
        if (!(*d & PTE_SHARED))
            fwp_uncharge(f, 1);
    }
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
    spin_lock(&f->vm_lock);
    int64_t r = reset_table(f, PHYS_TO_VIRT(f->pml4), PHYS_TO_VIRT(tmpl->pml4), 4, 0, 256);
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
