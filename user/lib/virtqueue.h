/* Split virtqueues (virtio 1.x) on DMA pages, for the drivers in user/.
 *
 * Every descriptor is bound for life to one DMA buffer (descriptor i <->
 * buffer i), so the rings only carry buffer numbers and nothing is
 * allocated once the queue is set up. The driver keeps the descriptors it
 * holds on a free stack (all of them after virtq_setup).
 *
 * Ordering: the device runs concurrently (another host thread). Before
 * avail->idx is published the descriptors and ring entries must be
 * visible (release fence); after used->idx is read the entries it covers
 * must be read afterwards (acquire fence); the used-ring flags that say
 * whether to notify may only be read after avail->idx is globally visible
 * (full fence, a store->load ordering x86 does not give for free).
 *
 * The ring operations are inline: they are the drivers' packet path. */
#ifndef VIRTQUEUE_H
#define VIRTQUEUE_H
#include <stdint.h>
#include "virtio.h"

#define VIRTQ_MAX 256                  /* entries per queue at most */

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VIRTQ_DESC_F_WRITE 2           /* device writes this buffer (receive) */

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[VIRTQ_MAX];
    uint16_t used_event;
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};
struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[VIRTQ_MAX];
    uint16_t avail_event;
};
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq {
    uint16_t index;                    /* queue number at the device */
    uint16_t size;                     /* entries in use (a power of two <= VIRTQ_MAX) */
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    uint8_t *buf_va[VIRTQ_MAX];        /* buffer i, bound to descriptor i */
    uint64_t buf_pa[VIRTQ_MAX];
    uint16_t avail_idx;                /* our copy of avail->idx (free-running) */
    uint16_t used_seen;                /* used entries consumed (free-running) */
    uint16_t free[VIRTQ_MAX];          /* descriptors the driver holds */
    uint16_t nfree;
    uint16_t kicked;                   /* avail_idx at the last notify */
    uint32_t buf_size;
};

/* Sets up queue `index` with at most `want` entries (fewer if the device's
 * maximum is smaller) and a buffer of buf_size bytes (a power of two, at
 * most 4096) per descriptor: descriptor table, available ring and used
 * ring take one DMA page each, buffers 4096 / buf_size per page. Every
 * descriptor starts on the free stack, device-readable with len = buf_size.
 * Call between virtio_negotiate and virtio_driver_ok. 0 or a negative errno. */
int virtq_setup(struct virtio_dev *d, struct virtq *q, uint16_t index, uint16_t want, uint32_t buf_size);
/* Receive queues: makes every descriptor device-writable and adds all of
 * them to the available ring (published by the next virtq_kick). */
void virtq_post_all(struct virtq *q);

/* Adds descriptor id to the available ring; the device sees it after
 * virtq_publish. */
static inline void virtq_add(struct virtq *q, uint16_t id)
{
    q->avail->ring[q->avail_idx++ & (q->size - 1)] = id;
}

/* Publishes every entry added so far. */
static inline void virtq_publish(struct virtq *q)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);   /* ring entries before the index */
    q->avail->idx = q->avail_idx;
}

/* Writes the queue-notify register unless the device said it needs no
 * notification. */
static inline void virtq_notify(struct virtio_dev *d, struct virtq *q)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* avail->idx visible before reading flags */
    q->kicked = q->avail_idx;
    if (q->used->flags & VIRTQ_USED_F_NO_NOTIFY)
        return;
    virtio_wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
    d->notifies++;
}

/* Publishes and notifies once for everything added since the last kick. */
static inline void virtq_kick(struct virtio_dev *d, struct virtq *q)
{
    if (q->kicked == q->avail_idx)
        return;
    virtq_publish(q);
    virtq_notify(d, q);
}

/* The device's used index: entries up to it may be taken. */
static inline uint16_t virtq_used_idx(struct virtq *q)
{
    uint16_t used = q->used->idx;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);   /* entries read after the index */
    return used;
}

/* Takes the next used entry (the caller saw q->used_seen != used index):
 * its descriptor number, and the bytes the device wrote into *len when len
 * is not NULL. The number comes from the device: check it against size. */
static inline uint32_t virtq_take_used(struct virtq *q, uint32_t *len)
{
    volatile struct virtq_used_elem *e = &q->used->ring[q->used_seen & (q->size - 1)];
    uint32_t id = e->id;
    if (len)
        *len = e->len;
    q->used_seen++;
    return id;
}

/* Takes every used descriptor back onto the free stack; returns how many
 * used entries there were. */
static inline int virtq_reclaim(struct virtq *q)
{
    uint16_t used = virtq_used_idx(q);
    int n = 0;
    while (q->used_seen != used) {
        uint32_t id = virtq_take_used(q, 0);
        if (id < q->size && q->nfree < q->size)
            q->free[q->nfree++] = (uint16_t)id;
        n++;
    }
    return n;
}

/* A descriptor off the free stack, or -1 if the driver holds none. */
static inline int virtq_get(struct virtq *q)
{
    return q->nfree ? q->free[--q->nfree] : -1;
}
#endif
