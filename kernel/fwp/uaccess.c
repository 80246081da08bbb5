/* Checked copies between the kernel and user memory. The kernel never
 * dereferences a user pointer: it walks the FWP's page tables and copies
 * through the direct map, so a bad pointer is an error, never a fault. */
#include "fwp.h"
#include "sched.h"
#include "mm.h"
#include "errno.h"
#include "string.h"

bool user_range_ok(uint64_t uaddr, size_t n)
{
    return uaddr < USER_TOP && n <= USER_TOP - uaddr;
}

/* The kernel writes user pages through the direct map, which leaves the
 * user mapping's dirty bit alone: set it (and the accessed bits above it),
 * so a reset, which restores the pages whose dirty bit is set, restores
 * what the kernel wrote too. A dirty leaf already has them. */
static void mark_dirty(struct fwp *f, uint64_t va, const uint64_t *e)
{
    if (!(*e & PTE_D))
        vms_mark_written(f, va);
}

/* The leaf entry mapping user page va of f, or NULL: the walk of pt_walk
 * without its callbacks (user tables are reached through the direct map),
 * for the copies below, which look up every page they touch. */
static uint64_t *user_pte(const struct fwp *f, uint64_t va)
{
    uint64_t *t = PHYS_TO_VIRT(f->pml4);
    for (int level = 4; level > 1; level--) {
        uint64_t e = t[pt_index(va, level)];
        if ((e & (PTE_P | PTE_PS)) != PTE_P)
            return NULL;
        t = PHYS_TO_VIRT(e & PTE_ADDR);
    }
    return &t[pt_index(va, 1)];
}

static int copy_user(struct fwp *f, uint64_t uaddr, void *kbuf, size_t n, bool to_user)
{
    if (!f || !user_range_ok(uaddr, n))
        return -EFAULT;
    char *k = kbuf;
    while (n) {
        uint64_t *e = user_pte(f, uaddr);
        if (e && (*e & PTE_LAZY) && !(*e & PTE_P)) {
            int r = vms_fault_in(f, uaddr, to_user);
            if (r < 0)
                return r == -ENOMEM ? -ENOMEM : -EFAULT;
        }
        if (!e || (*e & (PTE_P | PTE_U)) != (PTE_P | PTE_U) || (to_user && !(*e & PTE_W)))
            return -EFAULT;
        size_t off = uaddr & (PAGE_SIZE - 1);
        size_t chunk = MIN(n, PAGE_SIZE - off);
        char *p = (char *)PHYS_TO_VIRT((*e & PTE_ADDR) + off);
        if (to_user) {
            mark_dirty(f, uaddr, e);
            memcpy(p, k, chunk);
        } else
            memcpy(k, p, chunk);
        k += chunk;
        uaddr += chunk;
        n -= chunk;
    }
    return 0;
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
    return copy_user(current_thread()->fwp, usrc, dst, n, false);
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
    return copy_user(current_thread()->fwp, udst, (void *)src, n, true);
}

int copy_to_fwp(struct fwp *f, uint64_t udst, const void *src, size_t n)
{
    return copy_user(f, udst, (void *)src, n, true);
}

int copy_from_fwp(struct fwp *f, void *dst, uint64_t usrc, size_t n)
{
    return copy_user(f, usrc, dst, n, false);
}

/* Physical address of user page va in f (present, user, writable if asked;
 * a page asked for writing is marked dirty). */
static bool user_page(struct fwp *f, uint64_t va, bool write, paddr_t *pa)
{
    uint64_t *e = user_pte(f, va);
    if (!e || (*e & (PTE_P | PTE_U)) != (PTE_P | PTE_U) || (write && !(*e & PTE_W)) || (*e & PTE_DEVICE))
        return false;
    if (write)
        mark_dirty(f, va, e);
    *pa = (*e & PTE_ADDR) + (va & (PAGE_SIZE - 1));
    return true;
}

int copy_between(struct fwp *dst, uint64_t udst, struct fwp *src, uint64_t usrc, size_t n)
{
    if (!dst->pml4 || !src->pml4 || !user_range_ok(udst, n) || !user_range_ok(usrc, n))
        return -EFAULT;
    while (n) {
        paddr_t dpa, spa;
        if (!user_page(dst, udst, true, &dpa) || !user_page(src, usrc, false, &spa))
            return -EFAULT;
        size_t chunk = MIN(n, MIN(PAGE_SIZE - (udst & (PAGE_SIZE - 1)), PAGE_SIZE - (usrc & (PAGE_SIZE - 1))));
        memcpy(PHYS_TO_VIRT(dpa), PHYS_TO_VIRT(spa), chunk);
        udst += chunk;
        usrc += chunk;
        n -= chunk;
    }
    return 0;
}
