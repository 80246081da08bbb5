/* Ticket spinlock. The kernel runs with interrupts disabled (interrupt gates
 * and the syscall mask clear IF), so holding a lock never races with an
 * interrupt handler on the same CPU. */
#ifndef EDGEOS_SPINLOCK_H
#define EDGEOS_SPINLOCK_H
#include "types.h"

typedef struct {
    volatile uint32_t next;
    volatile uint32_t owner;
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
    uint32_t t = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t)
        __asm__ volatile("pause");
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

static inline bool spin_held(spinlock_t *l)
{
    return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) != __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}
#endif
