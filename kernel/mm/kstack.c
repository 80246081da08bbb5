/* Kernel stacks live in their own region (KSTACK_BASE), one 32 KiB slot per
 * stack: an unmapped 16 KiB guard, then the 16 KiB stack, so an overflow
 * faults instead of corrupting memory. A freed stack stays mapped and goes
 * on a free list: kernel-half mappings are never removed, so no other CPU
 * can hold a stale translation for a reused slot. */
#include "mm.h"
#include "spinlock.h"
#include "kprintf.h"

static spinlock_t kstack_lock = SPINLOCK_INIT;
static uint64_t next_slot;
static uint64_t free_tops[4096];
static uint64_t nfree;
static uint64_t *free_overflow;   /* further freed stacks, linked through their lowest word */
static uint64_t held_frames;      /* stack frames of every slot that was fully mapped */

int kstack_alloc(uint64_t *top)
{
    spin_lock(&kstack_lock);
    if (nfree) {
        *top = free_tops[--nfree];
        spin_unlock(&kstack_lock);
        return 0;
    }
    if (free_overflow) {
        uint64_t *w = free_overflow;
        free_overflow = (uint64_t *)*w;
        *top = (uint64_t)w + KSTACK_SIZE;
        spin_unlock(&kstack_lock);
        return 0;
    }
    if (next_slot >= KSTACK_SLOTS) {
        spin_unlock(&kstack_lock);
        return -12;
    }
    uint64_t slot = next_slot++;
    spin_unlock(&kstack_lock);
    vaddr_t base = KSTACK_BASE + slot * KSTACK_SLOT + (KSTACK_SLOT - KSTACK_SIZE);
    for (uint64_t off = 0; off < KSTACK_SIZE; off += PAGE_SIZE) {
        paddr_t pa = frame_alloc();
        if (!pa || pt_map(&kernel_pt_ops, kernel_pml4_pa, base + off, pa, PTE_W | PTE_G | PTE_NX) < 0) {
            /* Frames already mapped stay with the slot; give the slot back. */
            if (pa)
                frame_put(pa);
            for (uint64_t o = 0; o < off; o += PAGE_SIZE) {
                uint64_t old = pt_unmap(&kernel_pt_ops, kernel_pml4_pa, base + o);
                frame_put(old & PTE_ADDR);
                __asm__ volatile("invlpg (%0)" :: "r"(base + o) : "memory");
            }
            return -12;
        }
    }
    __atomic_add_fetch(&held_frames, KSTACK_SIZE / PAGE_SIZE, __ATOMIC_RELAXED);
    *top = base + KSTACK_SIZE;
    return 0;
}

void kstack_free(uint64_t top)
{
    spin_lock(&kstack_lock);
    if (nfree < 4096) {
        free_tops[nfree++] = top;
    } else {
        uint64_t *w = (uint64_t *)(top - KSTACK_SIZE);
        *w = (uint64_t)free_overflow;
        free_overflow = w;
    }
    spin_unlock(&kstack_lock);
}

uint64_t kstack_cached_frames(void)
{
    /* Every slot ever created holds its frames (live or cached), plus the
     * page tables mapping the region: one PT per 2 MiB (64 slots), one PD
     * per GiB. */
    uint64_t per_pt = (2UL << 20) / KSTACK_SLOT, per_pd = (1UL << 30) / KSTACK_SLOT;
    return held_frames + (next_slot + per_pt - 1) / per_pt
           + (next_slot + per_pd - 1) / per_pd;
}
