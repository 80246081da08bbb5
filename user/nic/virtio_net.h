/* virtio-net, virtio 1.x over MMIO, driven from user level by polling.
 *
 * One receive queue (0) and one transmit queue (1), split virtqueues of
 * VIRTIO_QSIZE entries. Every descriptor is bound for life to one 2 KiB DMA
 * buffer (descriptor i <-> buffer i), so the rings only ever carry buffer
 * numbers; nothing is allocated on the packet path. */
#ifndef VIRTIO_NET_H
#define VIRTIO_NET_H
#include <stddef.h>
#include <stdint.h>

#define VIRTIO_QSIZE     256
#define VIRTIO_BUF_SIZE  2048
#define VIRTIO_NET_HDR   12          /* struct virtio_net_hdr with VERSION_1 */
/* Largest frame the driver sends (no offloads): Ethernet header + 1500. */
#define VIRTIO_MAX_FRAME (VIRTIO_BUF_SIZE - VIRTIO_NET_HDR)

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VIRTQ_DESC_F_WRITE 2         /* device writes this buffer (receive) */

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[VIRTIO_QSIZE];
    uint16_t used_event;
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};
struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[VIRTIO_QSIZE];
    uint16_t avail_event;
};
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq {
    uint16_t index;                 /* queue number at the device */
    uint16_t size;                  /* entries in use (<= VIRTIO_QSIZE) */
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    uint8_t *buf_va[VIRTIO_QSIZE];  /* buffer i, bound to descriptor i */
    uint64_t buf_pa[VIRTIO_QSIZE];
    uint16_t avail_idx;             /* our copy of avail->idx (free-running) */
    uint16_t used_seen;             /* used entries consumed (free-running) */
    uint16_t free[VIRTIO_QSIZE];    /* transmit: descriptors not in flight */
    uint16_t nfree;
    uint16_t kicked;                /* avail_idx at the last notify */
};

struct virtio_net {
    volatile uint32_t *regs;        /* the 0x200-byte MMIO window */
    uint8_t mac[6];
    struct virtq rx, tx;
    uint64_t notifies;              /* queue-notify register writes */
    long dev_cap;                   /* the device capability (for eos_irq_bind) */
};

/* Acknowledges the device's pending interrupt causes; its line drops, so
 * the next event raises a new (edge-triggered) interrupt. */
void virtio_net_irq_ack(struct virtio_net *vn);

/* Finds the first virtio-net device, negotiates VERSION_1 + MAC, sets up
 * both queues and posts every receive buffer. 0 or a negative errno; *why
 * names the step that failed. */
int virtio_net_init(struct virtio_net *vn, const char **why);

/* A received frame: buffer number, frame (after the virtio header) and length. */
struct virtio_rx {
    uint16_t id;
    const uint8_t *frame;
    uint32_t len;
};
/* Takes up to max received frames off the used ring. Their buffers stay
 * the caller's until handed back with virtio_net_rx_recycle. */
int virtio_net_rx_poll(struct virtio_net *vn, struct virtio_rx *out, int max);
/* Re-posts n buffers and notifies the device once. */
void virtio_net_rx_recycle(struct virtio_net *vn, const struct virtio_rx *rx, int n);

/* Transmit: get a buffer to build a frame in (NULL if the ring is full
 * after reclaiming), then queue it; virtio_net_tx_kick notifies the device
 * of everything queued since the last kick. */
uint8_t *virtio_net_tx_buf(struct virtio_net *vn, uint16_t *id);
void virtio_net_tx_queue(struct virtio_net *vn, uint16_t id, uint32_t frame_len);
void virtio_net_tx_kick(struct virtio_net *vn);
/* Takes completed transmit descriptors back; returns how many. */
int virtio_net_tx_reclaim(struct virtio_net *vn);
#endif
