/* virtio console (device id 3), port 0 only: the MULTIPORT feature is not
 * negotiated, so queue 0 receives and queue 1 transmits, and the device
 * counts the port as opened by the guest once the driver is ready.
 *
 * Every call returns at once. Receive: VCONS_BUFS buffers of VCONS_BUF_SIZE
 * bytes are posted at start; virtio_console_read copies out what has
 * arrived, in order, and reposts each buffer once it is read to the end
 * (while no buffer is posted, the host's side waits: nothing is lost).
 * Transmit: virtio_console_write copies into free transmit buffers as much
 * as fits and notifies the device once; the device hands a buffer back once
 * its bytes have gone to the host side. (QEMU's virtconsole discards output
 * its character device cannot take at that moment, e.g. a full socket
 * buffer: the host end must keep reading.)
 *
 * Waiting: bind the interrupt to a notification (virtio_console_irq_bind);
 * before waiting, acknowledge it (virtio_console_irq_ack), then read and
 * reclaim once more: anything that arrives after the acknowledgement
 * raises a new interrupt (both a receive and a completed transmit do). */
#ifndef VIRTIO_CONSOLE_H
#define VIRTIO_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>
#include "virtqueue.h"

#define VCONS_BUFS     32              /* per queue */
#define VCONS_BUF_SIZE 4096

struct virtio_console {
    struct virtio_dev dev;
    struct virtq rx, tx;
    int rx_cur;                        /* receive buffer being read out, -1: none */
    uint32_t rx_off, rx_len;           /* its bytes already read, its bytes */
};

/* Finds the first virtio console, negotiates VERSION_1 only, sets up both
 * queues and posts every receive buffer. 0 or a negative errno; *why names
 * the step that failed. */
int virtio_console_init(struct virtio_console *c, const char **why);

/* Copies up to max received bytes into buf; returns how many (0: none). */
size_t virtio_console_read(struct virtio_console *c, void *buf, size_t max);

/* Queues up to len bytes for the host and notifies the device; returns how
 * many were accepted (0 when every transmit buffer is in flight). */
size_t virtio_console_write(struct virtio_console *c, const void *buf, size_t len);

/* Takes completed transmit buffers back; returns how many. */
int virtio_console_tx_reclaim(struct virtio_console *c);

/* True while written bytes are still in buffers the device has not
 * handed back (after reclaiming). */
bool virtio_console_tx_pending(struct virtio_console *c);

static inline int virtio_console_irq_bind(struct virtio_console *c, long ntfn, unsigned long bits)
{
    return virtio_irq_bind(&c->dev, ntfn, bits);
}
static inline void virtio_console_irq_ack(struct virtio_console *c) { virtio_irq_ack(&c->dev); }
#endif
