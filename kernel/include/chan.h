/* Channels: the memory mover between FWPs (see edgeos_syscalls.h for the
 * ring layout). A channel names a receiver's ring; a send copies each
 * buffer from the sender's memory straight into a ring slot in the
 * receiver's memory (frame to frame through the direct map), so mutually
 * distrusting FWPs never share a writable page. The kernel is the mover: no
 * core is dedicated to copying. */
#ifndef EDGEOS_CHAN_H
#define EDGEOS_CHAN_H
#include "types.h"
#include "spinlock.h"

struct fwp;
struct ipc_obj;

struct chan {
    uint32_t refs;
    spinlock_t lock;             /* one sender copies into the ring at a time */
    struct fwp *rx;              /* receiver (holds a reference) */
    uint64_t ring;               /* ring address in the receiver */
    uint32_t nslots;
    uint32_t prod;               /* kernel's copy of the producer index */
    uint32_t gen;                /* receiver's generation at creation: a reset ends the channel */
    struct ipc_obj *ntfn;        /* signalled (bit 0) after a send, may be NULL */
};

int64_t chan_create(struct fwp *rx, uint64_t ring, uint64_t bytes, struct ipc_obj *ntfn, struct chan **out);
/* Copies up to 64 buffers; each slot records `badge` (the sender's
 * capability badge) so a receiver knows which sender wrote it. */
int64_t chan_send(struct chan *c, struct fwp *tx, uint32_t badge, uint64_t batch, uint64_t count);
/* A channel into rx's declared inbox (one per reset generation). */
int64_t chan_attach(struct fwp *rx, struct ipc_obj *ntfn, struct chan **out);
/* Declares f's inbox: the ring at `ring` (page aligned, mapped). */
int64_t inbox_set(struct fwp *f, uint64_t ring, uint64_t bytes);
void chan_get(struct chan *c);
void chan_put(struct chan *c);
#endif
