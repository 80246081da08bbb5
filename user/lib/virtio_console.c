/* virtio console, port 0, non-blocking (see virtio_console.h). */
#include <errno.h>
#include <string.h>
#include "virtio_console.h"

enum { VCONS_RXQ = 0, VCONS_TXQ = 1 };

int virtio_console_init(struct virtio_console *c, const char **why)
{
    memset(c, 0, sizeof *c);
    c->rx_cur = -1;
    struct virtio_dev *d = &c->dev;
    int r = virtio_open(d, VIRTIO_ID_CONSOLE, why);
    if (r == -ENODEV && d->cap < 0)
        *why = "no virtio console device";
    /* No optional features: without MULTIPORT there is one port on queues 0/1. */
    if (r < 0 || (r = virtio_negotiate(d, 0, why)) < 0)
        return r;
    if ((r = virtq_setup(d, &c->rx, VCONS_RXQ, VCONS_BUFS, VCONS_BUF_SIZE)) < 0 ||
        (r = virtq_setup(d, &c->tx, VCONS_TXQ, VCONS_BUFS, VCONS_BUF_SIZE)) < 0) {
        virtio_fail(d);
        *why = "queue set-up failed (device queue or DMA memory)";
        return r;
    }
    virtq_post_all(&c->rx);
    virtio_driver_ok(d);
    virtq_kick(d, &c->rx);
    return 0;
}

size_t virtio_console_read(struct virtio_console *c, void *buf, size_t max)
{
    struct virtq *q = &c->rx;
    uint8_t *out = buf;
    size_t got = 0;
    uint16_t used = virtq_used_idx(q);
    while (got < max) {
        if (c->rx_cur < 0) {
            if (q->used_seen == used)
                break;
            uint32_t len;
            uint32_t id = virtq_take_used(q, &len);
            if (id >= q->size)
                continue;                       /* a device bug; never index with it */
            c->rx_cur = (int)id;
            c->rx_off = 0;
            c->rx_len = len < q->buf_size ? len : q->buf_size;
        }
        size_t n = c->rx_len - c->rx_off;
        if (n > max - got)
            n = max - got;
        memcpy(out + got, q->buf_va[c->rx_cur] + c->rx_off, n);
        got += n;
        c->rx_off += (uint32_t)n;
        if (c->rx_off == c->rx_len) {           /* read to the end: the device may fill it again */
            virtq_add(q, (uint16_t)c->rx_cur);
            c->rx_cur = -1;
        }
    }
    virtq_kick(&c->dev, q);
    return got;
}

int virtio_console_tx_reclaim(struct virtio_console *c) { return virtq_reclaim(&c->tx); }

size_t virtio_console_write(struct virtio_console *c, const void *buf, size_t len)
{
    struct virtq *q = &c->tx;
    const uint8_t *in = buf;
    size_t put = 0;
    if (q->nfree == 0)
        virtq_reclaim(q);
    while (put < len) {
        int id = virtq_get(q);
        if (id < 0)
            break;
        size_t n = len - put < q->buf_size ? len - put : q->buf_size;
        memcpy(q->buf_va[id], in + put, n);
        q->desc[id].len = (uint32_t)n;
        q->desc[id].flags = 0;
        virtq_add(q, (uint16_t)id);
        put += n;
    }
    virtq_kick(&c->dev, q);
    return put;
}

bool virtio_console_tx_pending(struct virtio_console *c)
{
    virtq_reclaim(&c->tx);
    return c->tx.nfree < c->tx.size;
}
