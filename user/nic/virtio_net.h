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
#include "virtqueue.h"

#define VIRTIO_QSIZE     256
#define VIRTIO_BUF_SIZE  2048
#define VIRTIO_NET_HDR   12          /* struct virtio_net_hdr with VERSION_1 */
/* Largest frame the driver sends (no offloads): Ethernet header + 1500. */
#define VIRTIO_MAX_FRAME (VIRTIO_BUF_SIZE - VIRTIO_NET_HDR)

struct virtio_net {
    struct virtio_dev dev;          /* registers, device capability (for virtio_irq_bind) */
    uint8_t mac[6];
    struct virtq rx, tx;
};

/* Acknowledges the device's pending interrupt causes; its line drops, so
 * the next event raises a new (edge-triggered) interrupt. */
static inline void virtio_net_irq_ack(struct virtio_net *vn) { virtio_irq_ack(&vn->dev); }

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
