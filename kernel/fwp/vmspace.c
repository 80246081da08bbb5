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
    struct fwp *f = ctx;
    if (fwp_charge(f, 1) < 0)
        return 0;
    paddr_t pa = frame_alloc_zeroed();
    if (!pa)
        fwp_uncharge(f, 1);
    return pa;
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
        if (fwp_charge(f, 1) == 0) {
            pa = frame_alloc_zeroed();
            if (!pa)
                fwp_uncharge(f, 1);
        }
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
    if (*pte & (PTE_P | PTE_HIDDEN)) {
        frame_put(*pte & PTE_ADDR);
        fwp_uncharge(f, 1);
    }
    *pte = 0;
    flush_page(f, va);
}

void vms_unmap(struct fwp *f, vaddr_t va, uint64_t npages)
{
    if (npages)
        pt_for_each(&f->pt, f->pml4, va, va + npages * PAGE_SIZE, unmap_leaf, f);
}

int vms_protect(struct fwp *f, vaddr_t va, uint64_t npages, uint64_t flags)
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
            if (fwp_charge(f, 1) < 0)
                return -ENOMEM;
            paddr_t pa = frame_alloc_zeroed();
            if (!pa) {
                fwp_uncharge(f, 1);
                return -ENOMEM;
            }
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
    if (fwp_charge(f, 1) < 0)
        return -ENOMEM;
    paddr_t pa = frame_alloc_zeroed();
    if (!pa) {
        fwp_uncharge(f, 1);
        return -ENOMEM;
    }
    *e = pa | PTE_P | PTE_U | (*e & (PTE_W | PTE_NX));
    return 0;
}

static void free_leaf(void *arg, uint64_t va, uint64_t *pte)
{
    (void)va;
    struct fwp *f = arg;
    if ((*pte & PTE_P) || (*pte & PTE_HIDDEN)) {
        frame_put(*pte & PTE_ADDR);
        fwp_uncharge(f, 1);
    }
    *pte = 0;
}

void vms_destroy(struct fwp *f)
{
    if (!f->pml4)
        return;
    pt_for_each(&f->pt, f->pml4, 0, USER_TOP, free_leaf, f);
    pt_free_tables(&f->pt, f->pml4, 0, 256);
    fwp_table_free(f, f->pml4);
    f->pml4 = 0;
}
