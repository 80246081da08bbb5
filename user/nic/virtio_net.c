/* virtio-net over virtio-mmio (virtio 1.x, "modern" register layout),
 * polled from user level. See virtio_net.h for the ring/buffer model; the
 * device and ring mechanics (and their memory ordering) are in
 * user/lib/virtio_mmio.c and virtqueue.h. */
#include <errno.h>
#include <string.h>
#include "edgeos.h"
#include "virtio_net.h"

/* Feature bits we accept besides VERSION_1; nothing else (no offloads, no
 * merged buffers, no event index), which keeps the header at a fixed 12
 * bytes and every frame in one buffer. */
#define VIRTIO_NET_F_MAC 5

int virtio_net_init(struct virtio_net *vn, const char **why)
{
    memset(vn, 0, sizeof *vn);
    struct virtio_dev *d = &vn->dev;
    int r = virtio_open(d, VIRTIO_ID_NET, why);
    if (r == -ENODEV && d->cap < 0)
        *why = "no virtio-net device";
    if (r < 0 || (r = virtio_negotiate(d, 1ull << VIRTIO_NET_F_MAC, why)) < 0)
        return r;

    if (d->features & (1ull << VIRTIO_NET_F_MAC)) {
        virtio_config_read(d, 0, vn->mac, 6);
    } else {
        static const uint8_t fallback[6] = { 0x52, 0x54, 0x00, 0xed, 0x6e, 0x05 };  /* locally administered */
        memcpy(vn->mac, fallback, 6);
    }

    if ((r = virtq_setup(d, &vn->rx, 0, VIRTIO_QSIZE, VIRTIO_BUF_SIZE)) < 0 ||
        (r = virtq_setup(d, &vn->tx, 1, VIRTIO_QSIZE, VIRTIO_BUF_SIZE)) < 0) {
        virtio_fail(d);
        *why = "queue set-up failed (device queue or DMA memory)";
        return r;
    }
    /* Receive: every descriptor is device-writable and posted now;
     * transmit: every descriptor starts free. */
    virtq_post_all(&vn->rx);
    virtio_driver_ok(d);
    virtq_kick(d, &vn->rx);
    return 0;
}

int virtio_net_rx_poll(struct virtio_net *vn, struct virtio_rx *out, int max)
{
    struct virtq *q = &vn->rx;
    uint16_t used = virtq_used_idx(q);
    int n = 0;
    while (q->used_seen != used && n < max) {
        uint32_t len;
        uint32_t id = virtq_take_used(q, &len);
        if (id >= q->size)
            continue;                           /* a device bug; never index with it */
        if (len > VIRTIO_BUF_SIZE)
            len = VIRTIO_BUF_SIZE;
        out[n].id = (uint16_t)id;
        out[n].frame = q->buf_va[id] + VIRTIO_NET_HDR;
        out[n].len = len >= VIRTIO_NET_HDR ? len - VIRTIO_NET_HDR : 0;
        n++;
    }
    return n;
}

void virtio_net_rx_recycle(struct virtio_net *vn, const struct virtio_rx *rx, int n)
{
    struct virtq *q = &vn->rx;
    if (n <= 0)
        return;
    for (int i = 0; i < n; i++)
        virtq_add(q, rx[i].id);
    virtq_publish(q);
    virtq_notify(&vn->dev, q);
}

int virtio_net_tx_reclaim(struct virtio_net *vn) { return virtq_reclaim(&vn->tx); }

uint8_t *virtio_net_tx_buf(struct virtio_net *vn, uint16_t *id)
{
    struct virtq *q = &vn->tx;
    if (q->nfree == 0) {
        virtio_net_tx_kick(vn);                 /* the device may be waiting for us */
        virtio_net_tx_reclaim(vn);
        if (q->nfree == 0)
            return NULL;
    }
    *id = (uint16_t)virtq_get(q);
    uint8_t *b = q->buf_va[*id];
    memset(b, 0, VIRTIO_NET_HDR);               /* no offloads requested */
    return b + VIRTIO_NET_HDR;
}

void virtio_net_tx_queue(struct virtio_net *vn, uint16_t id, uint32_t frame_len)
{
    struct virtq *q = &vn->tx;
    q->desc[id].len = VIRTIO_NET_HDR + frame_len;
    q->desc[id].flags = 0;
    virtq_add(q, id);
}

void virtio_net_tx_kick(struct virtio_net *vn) { virtq_kick(&vn->dev, &vn->tx); }
