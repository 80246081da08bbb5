/* virtio 1.x devices over MMIO ("modern", register layout version 2),
 * driven from user level: discovery, register access, initialisation,
 * interrupts. The split virtqueues are in virtqueue.h.
 *
 * Registers are reached one of two ways, chosen when the device is opened:
 * through the register window the kernel maps uncached (eos_dev_map), or,
 * when the kernel refuses to map it because its 4 KiB page also holds
 * another device's registers (-EXDEV), through the eos_dev_read /
 * eos_dev_write system calls. The accessors below hide the difference; in
 * the mapped case each is one volatile load or store. */
#ifndef VIRTIO_H
#define VIRTIO_H
#include <stdint.h>
#include "edgeos.h"

/* Register offsets (virtio-mmio, version 2), in bytes. */
enum {
    VIRTIO_MMIO_MAGIC = 0x000,
    VIRTIO_MMIO_VERSION = 0x004,
    VIRTIO_MMIO_DEVICE_ID = 0x008,
    VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
    VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
    VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
    VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
    VIRTIO_MMIO_QUEUE_SEL = 0x030,
    VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
    VIRTIO_MMIO_QUEUE_NUM = 0x038,
    VIRTIO_MMIO_QUEUE_READY = 0x044,
    VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
    VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
    VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
    VIRTIO_MMIO_STATUS = 0x070,
    VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,
    VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
    VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,
    VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
    VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,
    VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
    VIRTIO_MMIO_CONFIG = 0x100,        /* device-specific configuration space */
};
#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u   /* "virt" */

/* Device ids. */
#define VIRTIO_ID_NET     1
#define VIRTIO_ID_CONSOLE 3

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_FAILED      128u

#define VIRTIO_F_VERSION_1 32          /* feature bit every driver here requires */

struct virtio_dev {
    volatile uint32_t *regs;           /* the mapped register window; NULL: through system calls */
    long cap;                          /* the device capability */
    uint32_t status;                   /* status bits set so far */
    uint64_t features;                 /* negotiated feature bits */
    uint64_t notifies;                 /* queue-notify register writes */
};

/* 32-bit register access. */
static inline uint32_t virtio_rd(const struct virtio_dev *d, unsigned off)
{
    if (__builtin_expect(d->regs != 0, 1))
        return d->regs[off / 4];
    return (uint32_t)eos_dev_read(d->cap, off, 4);
}
static inline void virtio_wr(const struct virtio_dev *d, unsigned off, uint32_t v)
{
    if (__builtin_expect(d->regs != 0, 1))
        d->regs[off / 4] = v;
    else
        eos_dev_write(d->cap, off, v, 4);
}

/* Finds the first device with this virtio id, opens it and sets up
 * register access (mapped, or system calls when the kernel answers
 * -EXDEV); checks that it is a version 2 MMIO device. 0 or a negative
 * errno (-ENODEV: none); *why names the step that failed. */
int virtio_open(struct virtio_dev *d, uint32_t virtio_id, const char **why);
/* "mapped" or "via system calls": how the registers are reached. */
const char *virtio_regs_mode(const struct virtio_dev *d);

/* Reset, ACKNOWLEDGE, DRIVER, then features: the driver accepts
 * VIRTIO_F_VERSION_1 (which the device must offer) plus whatever of
 * `optional` the device offers; FEATURES_OK is set and read back.
 * d->features holds the result. The queues are set up next, then
 * virtio_driver_ok. */
int virtio_negotiate(struct virtio_dev *d, uint64_t optional, const char **why);
void virtio_driver_ok(struct virtio_dev *d);
/* Tells the device the driver gave up (status FAILED). */
void virtio_fail(struct virtio_dev *d);

/* Copies len bytes of the configuration space from offset off, read
 * until the configuration generation is the same before and after. */
void virtio_config_read(const struct virtio_dev *d, unsigned off, void *buf, unsigned len);

/* The device's interrupts signal `bits` on notification ntfn (edge-
 * triggered): 0 or a negative errno. */
int virtio_irq_bind(const struct virtio_dev *d, long ntfn, unsigned long bits);

/* Acknowledges the device's pending interrupt causes; its line drops, so
 * the next event raises a new interrupt. A driver about to wait
 * acknowledges, polls its queues once more, then waits. */
static inline void virtio_irq_ack(const struct virtio_dev *d)
{
    uint32_t isr = virtio_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (isr)
        virtio_wr(d, VIRTIO_MMIO_INTERRUPT_ACK, isr);
}
#endif
