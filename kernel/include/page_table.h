/* x86-64 4-level page-table helpers. Pure: they reach table memory through
 * the caller's phys-to-virt function and get new table frames from the
 * caller's allocator, so they run unchanged in host unit tests. */
#ifndef EDGEOS_PAGE_TABLE_H
#define EDGEOS_PAGE_TABLE_H
#include <stdint.h>
#include <stdbool.h>

#define PTE_P    (1ULL << 0)
#define PTE_W    (1ULL << 1)
#define PTE_U    (1ULL << 2)
#define PTE_PWT  (1ULL << 3)
#define PTE_PCD  (1ULL << 4)
#define PTE_A    (1ULL << 5)
#define PTE_D    (1ULL << 6)
#define PTE_PS   (1ULL << 7)
#define PTE_G    (1ULL << 8)
#define PTE_COW  (1ULL << 9)   /* software: copy-on-write page */
#define PTE_RSV  (1ULL << 10)  /* software: reserved (PROT_NONE), not present */
#define PTE_LAZY (1ULL << 11)  /* software: demand-zero page of a reservation */
#define PTE_HIDDEN (1ULL << 52) /* software: backed page made inaccessible (PROT_NONE) */
#define PTE_SHARED (1ULL << 53) /* software: frame shared with a template, not charged */
#define PTE_DEVICE (1ULL << 54) /* software: device memory, not a RAM frame */
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL
#define PTE_FLAGS (~PTE_ADDR)

struct pt_ops {
    void *(*p2v)(void *ctx, uint64_t pa);
    uint64_t (*alloc_table)(void *ctx);          /* zeroed frame or 0 */
    void (*free_table)(void *ctx, uint64_t pa);
    void *ctx;
};

static inline unsigned pt_index(uint64_t va, int level)  /* level 4 = PML4 .. 1 = PT */
{
    return (va >> (12 + 9 * (level - 1))) & 511;
}

/* Leaf entry for va, creating intermediate tables (with flags `inter`) when
 * `create`. NULL if absent or a table could not be allocated. Large pages
 * are not walked through (NULL). */
uint64_t *pt_walk(const struct pt_ops *o, uint64_t root, uint64_t va, bool create, uint64_t inter);
/* Maps one 4 KiB page. -12 (ENOMEM) if a table cannot be allocated, -17
 * (EEXIST) if va is already mapped. */
int pt_map(const struct pt_ops *o, uint64_t root, uint64_t va, uint64_t pa, uint64_t flags);
/* Removes the mapping of va; returns the old entry (0 if none). */
uint64_t pt_unmap(const struct pt_ops *o, uint64_t root, uint64_t va);
/* Calls fn for every non-zero leaf entry in [start, end) of the
 * 4 KiB-page tables under root. fn may modify the entry in place. */
typedef void (*pt_leaf_fn)(void *arg, uint64_t va, uint64_t *pte);
void pt_for_each(const struct pt_ops *o, uint64_t root, uint64_t start, uint64_t end, pt_leaf_fn fn, void *arg);
/* Frees every table (below the root) covering part of [start, end) that
 * holds no entry at all, and clears the entry pointing to it; run after
 * unmapping a range so that unmapped address space costs no table memory.
 * Tables with any non-zero entry (software bits included) stay. The caller
 * flushes the TLB and paging-structure caches afterwards. */
void pt_prune(const struct pt_ops *o, uint64_t root, uint64_t start, uint64_t end);
/* Frees every table below the PML4 entries [first, last) (not the leaves'
 * frames: call pt_for_each first for those), and clears those entries. */
void pt_free_tables(const struct pt_ops *o, uint64_t root, unsigned first, unsigned last);
/* Number of table pages (excluding root) under PML4 entries [first, last). */
uint64_t pt_count_tables(const struct pt_ops *o, uint64_t root, unsigned first, unsigned last);
#endif
