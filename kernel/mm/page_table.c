/* 4-level page-table walking, mapping and teardown (see page_table.h). */
#include "page_table.h"

static uint64_t *table(const struct pt_ops *o, uint64_t pa)
{
    return o->p2v(o->ctx, pa & PTE_ADDR);
}

uint64_t *pt_walk(const struct pt_ops *o, uint64_t root, uint64_t va, bool create, uint64_t inter)
{
    uint64_t *t = table(o, root);
    for (int level = 4; level > 1; level--) {
        uint64_t *e = &t[pt_index(va, level)];
        if (!(*e & PTE_P)) {
            if (!create)
                return 0;
            uint64_t pa = o->alloc_table(o->ctx);
            if (!pa)
                return 0;
            *e = pa | inter | PTE_P;
        } else if (*e & PTE_PS) {
            return 0;
        }
        t = table(o, *e);
    }
    return &t[pt_index(va, 1)];
}

int pt_map(const struct pt_ops *o, uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t inter = PTE_W | (flags & PTE_U);
    uint64_t *e = pt_walk(o, root, va, true, inter);
    if (!e)
        return -12;
    if (*e & PTE_P)
        return -17;
    *e = (pa & PTE_ADDR) | flags | PTE_P;
    return 0;
}

uint64_t pt_unmap(const struct pt_ops *o, uint64_t root, uint64_t va)
{
    uint64_t *e = pt_walk(o, root, va, false, 0);
    if (!e)
        return 0;
    uint64_t old = *e;
    *e = 0;
    return old;
}

static void walk_range(const struct pt_ops *o, uint64_t tpa, int level, uint64_t base,
                       uint64_t start, uint64_t end, pt_leaf_fn fn, void *arg)
{
    uint64_t *t = table(o, tpa);
    uint64_t span = 1ULL << (12 + 9 * (level - 1));
    for (unsigned i = 0; i < 512; i++) {
        uint64_t va = base + i * span;
        if (level == 4 && (va & (1ULL << 47)))
            va |= 0xffff000000000000ULL;   /* canonical upper half */
        if (va + (span - 1) < start || va >= end)   /* inclusive end: no wrap at the top slot */
            continue;
        uint64_t e = t[i];
        if (level == 1) {
            if (e)
                fn(arg, va, &t[i]);
        } else if ((e & PTE_P) && !(e & PTE_PS)) {
            walk_range(o, e, level - 1, va, start, end, fn, arg);
        }
    }
}

void pt_for_each(const struct pt_ops *o, uint64_t root, uint64_t start, uint64_t end, pt_leaf_fn fn, void *arg)
{
    walk_range(o, root, 4, 0, start, end, fn, arg);
}

static bool table_empty(const uint64_t *t)
{
    for (unsigned i = 0; i < 512; i++)
        if (t[i])
            return false;
    return true;
}

/* Frees the tables below `t` (a level-`level` table) that cover [start, end)
 * and hold no entry at all. */
static void prune_range(const struct pt_ops *o, uint64_t *t, int level, uint64_t base, uint64_t start, uint64_t end)
{
    uint64_t span = 1ULL << (12 + 9 * (level - 1));
    for (unsigned i = 0; i < 512; i++) {
        uint64_t va = base + i * span;
        if (level == 4 && (va & (1ULL << 47)))
            va |= 0xffff000000000000ULL;
        if (va + (span - 1) < start || va >= end)
            continue;
        uint64_t e = t[i];
        if (!(e & PTE_P) || (e & PTE_PS))
            continue;
        uint64_t *child = table(o, e);
        if (level > 2)
            prune_range(o, child, level - 1, va, start, end);
        if (table_empty(child)) {
            t[i] = 0;
            o->free_table(o->ctx, e & PTE_ADDR);
        }
    }
}

void pt_prune(const struct pt_ops *o, uint64_t root, uint64_t start, uint64_t end)
{
    if (start >= end)
        return;
    prune_range(o, table(o, root), 4, 0, start, end);
}

static void free_level(const struct pt_ops *o, uint64_t tpa, int level)
{
    uint64_t *t = table(o, tpa);
    if (level > 1) {
        for (unsigned i = 0; i < 512; i++)
            if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
                free_level(o, t[i] & PTE_ADDR, level - 1);
    }
    o->free_table(o->ctx, tpa & PTE_ADDR);
}

void pt_free_tables(const struct pt_ops *o, uint64_t root, unsigned first, unsigned last)
{
    uint64_t *t = table(o, root);
    for (unsigned i = first; i < last && i < 512; i++) {
        if (t[i] & PTE_P)
            free_level(o, t[i] & PTE_ADDR, 3);
        t[i] = 0;
    }
}

static uint64_t count_level(const struct pt_ops *o, uint64_t tpa, int level)
{
    uint64_t n = 1;
    if (level > 1) {
        uint64_t *t = table(o, tpa);
        for (unsigned i = 0; i < 512; i++)
            if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
                n += count_level(o, t[i], level - 1);
    }
    return n;
}

uint64_t pt_count_tables(const struct pt_ops *o, uint64_t root, unsigned first, unsigned last)
{
    uint64_t *t = table(o, root), n = 0;
    for (unsigned i = first; i < last && i < 512; i++)
        if (t[i] & PTE_P)
            n += count_level(o, t[i], 3);
    return n;
}
