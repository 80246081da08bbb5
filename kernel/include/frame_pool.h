/* Physical frame pool: a stack of free page-frame numbers plus a reference
 * count per frame. Pure data structure (no locking, no hardware access) so it
 * is unit-tested on the host; the kernel wraps it in mm/frame.c.
 *
 * Invariants:
 *   - a frame is on the free stack  <=>  its reference count is 0
 *     and it lies in a range given to fpool_add_range();
 *   - frame 0 is never handed out, so 0 means "no frame". */
#ifndef EDGEOS_FRAME_POOL_H
#define EDGEOS_FRAME_POOL_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct frame_pool {
    uint32_t *stack;     /* free PFNs; stack[top-1] is handed out next */
    uint16_t *ref;       /* reference count per PFN */
    uint64_t top;
    uint64_t max_pfn;    /* PFNs >= max_pfn are not tracked */
    uint64_t total;      /* frames ever added */
};

size_t fpool_meta_size(uint64_t max_pfn);
void fpool_init(struct frame_pool *p, void *meta, uint64_t max_pfn);
/* Adds the whole frames inside [start, end) (bytes). Returns frames added. */
uint64_t fpool_add_range(struct frame_pool *p, uint64_t start, uint64_t end);
/* Returns a physical address with reference count 1, or 0 if none is free. */
uint64_t fpool_alloc(struct frame_pool *p);
/* Takes another reference. Returns false if the frame is not allocated. */
bool fpool_ref(struct frame_pool *p, uint64_t pa);
/* Drops a reference; the frame is free again when the count reaches 0.
 * Returns the remaining count, or -1 for a frame that is not allocated. */
int fpool_put(struct frame_pool *p, uint64_t pa);
uint16_t fpool_refcount(const struct frame_pool *p, uint64_t pa);
static inline uint64_t fpool_free_count(const struct frame_pool *p) { return p->top; }
#endif
