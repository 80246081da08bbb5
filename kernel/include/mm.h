/* Kernel memory management interface: frames, kernel page tables, the small
 * object allocator and kernel stacks. */
#ifndef EDGEOS_MM_H
#define EDGEOS_MM_H
#include "types.h"
#include "page_table.h"
#include "memlayout.h"

void mm_init(void);                 /* frame pool + kernel page tables */
paddr_t frame_alloc(void);          /* one frame, contents undefined; 0 if none */
paddr_t frame_alloc_zeroed(void);
bool frame_zero_idle(void);         /* idle CPUs: clear one frame ahead of need; false if none was */
void frame_ref(paddr_t pa);
void frame_put(paddr_t pa);         /* drop a reference; frees at zero */
uint16_t frame_refcount(paddr_t pa);
uint64_t frames_free(void);
uint64_t frames_total(void);

extern paddr_t kernel_pml4_pa;
extern const struct pt_ops kernel_pt_ops;   /* tables from the frame pool, unaccounted */
void *mmio_map(paddr_t pa, size_t size);    /* uncached kernel mapping */

void *kmalloc(size_t size);                  /* up to KMALLOC_MAX bytes, zeroed */
void kfree(void *p);
size_t kmalloc_size(size_t size);
uint64_t kmalloc_frames(void);               /* slab frames held */            /* the bytes an allocation of `size` takes (0 if too big) */
#define KMALLOC_MAX 2048

/* Kernel stacks: KSTACK_SIZE bytes with an unmapped guard below.
 * Freed stacks keep their frames and are reused (see kstack.c). */
int kstack_alloc(uint64_t *top);
void kstack_free(uint64_t top);
uint64_t kstack_cached_frames(void);
#endif
