/* Physical frame pool (see frame_pool.h). O(1) allocate and free. */
#include "frame_pool.h"

size_t fpool_meta_size(uint64_t max_pfn)
{
    return max_pfn * (sizeof(uint32_t) + sizeof(uint16_t));
}

void fpool_init(struct frame_pool *p, void *meta, uint64_t max_pfn)
{
    p->stack = meta;
    p->ref = (uint16_t *)((char *)meta + max_pfn * sizeof(uint32_t));
    p->top = 0;
    p->max_pfn = max_pfn;
    p->total = 0;
    for (uint64_t i = 0; i < max_pfn; i++)
        p->ref[i] = 0xffff;  /* untracked until added */
}

uint64_t fpool_add_range(struct frame_pool *p, uint64_t start, uint64_t end)
{
    if (start > UINT64_MAX - 4095 || end <= start)
        return 0;                    /* no whole frame (and no overflow rounding up) */
    uint64_t first = (start + 4095) >> 12, last = end >> 12;  /* [first, last) */
    if (first == 0)
        first = 1;
    if (last > p->max_pfn)
        last = p->max_pfn;
    uint64_t added = 0;
    /* Push high frames first so that low frames are handed out first. */
    for (uint64_t pfn = last; pfn > first; ) {
        pfn--;
        if (p->ref[pfn] != 0xffff)
            continue;   /* already added */
        p->ref[pfn] = 0;
        p->stack[p->top++] = (uint32_t)pfn;
        added++;
    }
    p->total += added;
    return added;
}

uint64_t fpool_alloc(struct frame_pool *p)
{
    if (p->top == 0)
        return 0;
    uint32_t pfn = p->stack[--p->top];
    p->ref[pfn] = 1;
    return (uint64_t)pfn << 12;
}

static bool tracked_and_used(const struct frame_pool *p, uint64_t pfn)
{
    return pfn > 0 && pfn < p->max_pfn && p->ref[pfn] != 0 && p->ref[pfn] != 0xffff;
}

bool fpool_ref(struct frame_pool *p, uint64_t pa)
{
    uint64_t pfn = pa >> 12;
    if (!tracked_and_used(p, pfn) || p->ref[pfn] == 0xfffe)
        return false;
    p->ref[pfn]++;
    return true;
}

int fpool_put(struct frame_pool *p, uint64_t pa)
{
    uint64_t pfn = pa >> 12;
    if (!tracked_and_used(p, pfn))
        return -1;
    if (--p->ref[pfn] == 0)
        p->stack[p->top++] = (uint32_t)pfn;
    return p->ref[pfn];
}

uint16_t fpool_refcount(const struct frame_pool *p, uint64_t pa)
{
    uint64_t pfn = pa >> 12;
    if (pfn >= p->max_pfn || p->ref[pfn] == 0xffff)
        return 0;
    return p->ref[pfn];
}
