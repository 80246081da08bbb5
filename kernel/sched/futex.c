/* Futexes: the wait/wake primitive under musl's pthread mutexes, condition
 * variables and pthread_join. Waiters hang on a small hash table keyed by
 * (FWP, user address). WAIT checks the user word and enqueues under the
 * bucket lock, and WAKE dequeues under the same lock, so no wake-up is lost.
 * A timed wait sleeps at most 1 ms and returns (a permitted spurious wake-up:
 * callers re-check their condition and wait again with what is left). */
#include "futex.h"
#include "sched.h"
#include "fwp.h"
#include "ipc.h"
#include "time.h"
#include "cpu.h"
#include "errno.h"
#include "spinlock.h"

#define FUTEX_BUCKETS 64

static struct bucket {
    spinlock_t lock;
    struct thread *head;
} buckets[FUTEX_BUCKETS];

static struct bucket *bucket_of(struct fwp *f, uint64_t uaddr)
{
    uint64_t h = ((uint64_t)(uintptr_t)f ^ (uaddr * 0x9E3779B97F4A7C15ULL)) >> 58;
    return &buckets[h % FUTEX_BUCKETS];
}

int64_t futex_wait(uint64_t uaddr, uint32_t val, uint64_t timeout_ns)
{
    struct thread *me = current_thread();
    struct fwp *f = me->fwp;
    if (uaddr & 3)
        return -EINVAL;
    struct bucket *b = bucket_of(f, uaddr);
    spin_lock(&b->lock);
    uint32_t cur;
    if (copy_from_user(&cur, uaddr, 4) < 0) {
        spin_unlock(&b->lock);
        return -EFAULT;
    }
    if (cur != val) {
        spin_unlock(&b->lock);
        return -EAGAIN;
    }
    if (timeout_ns) {
        /* Timed: a short sleep instead of a queued wait. */
        spin_unlock(&b->lock);
        sched_sleep_until(rdtsc() + ns_to_tsc(timeout_ns < 1000000 ? timeout_ns : 1000000));
        return timeout_ns <= 1000000 ? -ETIMEDOUT : 0;
    }
    me->wait_obj = (void *)uaddr;
    me->wait_kind = WAIT_FUTEX;
    me->wait_result = 0;
    me->wait_next = b->head;
    b->head = me;
    me->state = THREAD_BLOCKED;
    spin_unlock(&b->lock);
    sched_block();
    return me->wait_result;
}

int64_t futex_wake(struct fwp *f, uint64_t uaddr, uint32_t n)
{
    struct bucket *b = bucket_of(f, uaddr);
    struct thread *wake[16];
    int64_t woken = 0;
    for (;;) {
        int k = 0;
        spin_lock(&b->lock);
        for (struct thread **pp = &b->head; *pp && woken + k < n && k < 16;) {
            struct thread *t = *pp;
            if (t->fwp == f && (uint64_t)t->wait_obj == uaddr) {
                *pp = t->wait_next;
                t->wait_next = NULL;
                t->wait_kind = WAIT_NONE;
                t->wait_obj = NULL;
                wake[k++] = t;
            } else {
                pp = &t->wait_next;
            }
        }
        spin_unlock(&b->lock);
        for (int i = 0; i < k; i++)
            sched_wake(wake[i]);
        woken += k;
        if (k < 16 || woken >= n)
            return woken;
    }
}

void futex_cancel(struct thread *t)
{
    struct bucket *b = bucket_of(t->fwp, (uint64_t)t->wait_obj);
    spin_lock(&b->lock);
    if (t->wait_kind == WAIT_FUTEX) {
        for (struct thread **pp = &b->head; *pp; pp = &(*pp)->wait_next)
            if (*pp == t) {
                *pp = t->wait_next;
                break;
            }
        t->wait_next = NULL;
        t->wait_kind = WAIT_NONE;
        t->wait_obj = NULL;
    }
    spin_unlock(&b->lock);
}

int64_t futex_requeue(struct fwp *f, uint64_t uaddr, uint32_t nwake, uint64_t uaddr2, uint32_t nmove,
                      bool cmp, uint32_t expect)
{
    if ((uaddr & 3) || (uaddr2 & 3))
        return -EINVAL;
    struct bucket *b = bucket_of(f, uaddr), *b2 = bucket_of(f, uaddr2);
    /* Lock both buckets in address order. */
    struct bucket *first = b < b2 ? b : b2, *second = b < b2 ? b2 : b;
    spin_lock(&first->lock);
    if (second != first)
        spin_lock(&second->lock);
    int64_t r = 0;
    if (cmp) {
        uint32_t cur;
        if (copy_from_user(&cur, uaddr, 4) < 0)
            r = -EFAULT;
        else if (cur != expect)
            r = -EAGAIN;
    }
    struct thread *wake = NULL;
    int64_t count = 0;
    if (r == 0) {
        for (struct thread **pp = &b->head; *pp;) {
            struct thread *t = *pp;
            if (t->fwp != f || (uint64_t)t->wait_obj != uaddr) {
                pp = &t->wait_next;
                continue;
            }
            *pp = t->wait_next;
            if (nwake) {
                nwake--;
                t->wait_kind = WAIT_NONE;
                t->wait_obj = NULL;
                t->wait_next = wake;
                wake = t;
                count++;
            } else if (nmove) {
                nmove--;
                t->wait_obj = (void *)uaddr2;      /* now waits on the second word */
                t->wait_next = b2->head;
                b2->head = t;
                count++;
                if (b2 == b && pp == &b->head)
                    pp = &t->wait_next;            /* do not revisit it */
            } else {
                t->wait_next = *pp;                /* put back: nothing left to do */
                *pp = t;
                break;
            }
        }
    }
    if (second != first)
        spin_unlock(&second->lock);
    spin_unlock(&first->lock);
    while (wake) {
        struct thread *t = wake;
        wake = t->wait_next;
        t->wait_next = NULL;
        sched_wake(t);
    }
    return r < 0 ? r : count;
}
