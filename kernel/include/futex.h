/* Futex wait/wake for user threads (sched/futex.c). */
#ifndef EDGEOS_FUTEX_H
#define EDGEOS_FUTEX_H
#include "types.h"
struct fwp;
struct thread;
int64_t futex_wait(uint64_t uaddr, uint32_t val, uint64_t timeout_ns);   /* timeout 0 = none */
int64_t futex_wake(struct fwp *f, uint64_t uaddr, uint32_t n);
void futex_cancel(struct thread *t);
/* Wakes nwake waiters on uaddr and moves up to nmove others to uaddr2
 * (optionally only if *uaddr == expect). Returns woken + moved. */
int64_t futex_requeue(struct fwp *f, uint64_t uaddr, uint32_t nwake, uint64_t uaddr2, uint32_t nmove,
                      bool cmp, uint32_t expect);
#endif
