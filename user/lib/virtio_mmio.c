/* virtio-mmio devices: discovery, register access, the initialisation
 * sequence, configuration space, interrupt binding (see virtio.h). */
#include <errno.h>
#include <stddef.h>
#include "virtio.h"

/* Status reads a reset may take before the device reports status 0. */
#define VIRTIO_RESET_POLLS 1000000

/* A pointer answer of the kernel, or a negative errno in the same word. */
static int dev_err(long r) { return r < 0 && r > -4096 ? (int)r : 0; }

static int virtio_attach(struct virtio_dev *d, long index, const char **why)
{
    long cap = eos_dev_open(index);
    if (cap < 0) {
        *why = "cannot open the device";
        return (int)cap;
    }
    long w = eos_dev_map_raw(cap);
    int err = dev_err(w);
    if (err == -EXDEV) {
        w = 0;                            /* its page holds another device too: use the kernel */
    } else if (err < 0) {
        eos_cap_delete(cap);
        *why = "cannot claim the device's registers";
        return err;
    }
    d->regs = (volatile uint32_t *)w;
    d->cap = cap;
    return 0;
}

int virtio_open(struct virtio_dev *d, uint32_t virtio_id, const char **why)
{
    *d = (struct virtio_dev){ .cap = -1 };
    struct eos_dev_info di;
    long i = 0;
    for (;; i++) {
        long r = eos_dev_info(i, &di);
        if (r == -ENOENT) {
            *why = "no such virtio device";
            return -ENODEV;
        }
        if (r < 0) {
            *why = "cannot list devices";
            return (int)r;
        }
        if (di.virtio_id == virtio_id)
            break;
    }
    int r = virtio_attach(d, i, why);
    if (r < 0)
        return r;
    if (virtio_rd(d, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE || virtio_rd(d, VIRTIO_MMIO_VERSION) != 2 ||
        virtio_rd(d, VIRTIO_MMIO_DEVICE_ID) != virtio_id) {
        *why = "not a virtio 1.x (version 2) MMIO device (QEMU needs virtio-mmio.force-legacy=false)";
        return -ENODEV;
    }
    return 0;
}

const char *virtio_regs_mode(const struct virtio_dev *d) { return d->regs ? "mapped" : "via system calls"; }

static void virtio_set_status(struct virtio_dev *d, uint32_t bits)
{
    d->status |= bits;
    virtio_wr(d, VIRTIO_MMIO_STATUS, d->status);
}

void virtio_fail(struct virtio_dev *d) { virtio_set_status(d, VIRTIO_STATUS_FAILED); }
void virtio_driver_ok(struct virtio_dev *d) { virtio_set_status(d, VIRTIO_STATUS_DRIVER_OK); }

int virtio_negotiate(struct virtio_dev *d, uint64_t optional, const char **why)
{
    d->status = 0;
    virtio_wr(d, VIRTIO_MMIO_STATUS, 0);                          /* reset */
    int polls = 0;
    while (virtio_rd(d, VIRTIO_MMIO_STATUS) != 0)
        if (++polls == VIRTIO_RESET_POLLS) {
            *why = "device does not complete its reset";
            return -EIO;
        }
    virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_set_status(d, VIRTIO_STATUS_DRIVER);

    virtio_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t offered = virtio_rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
    virtio_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    offered |= (uint64_t)virtio_rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    if (!(offered & (1ull << VIRTIO_F_VERSION_1))) {
        virtio_fail(d);
        *why = "device does not offer VIRTIO_F_VERSION_1";
        return -ENODEV;
    }
    uint64_t want = (1ull << VIRTIO_F_VERSION_1) | (offered & optional);
    virtio_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    virtio_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)want);
    virtio_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    virtio_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(want >> 32));
    virtio_set_status(d, VIRTIO_STATUS_FEATURES_OK);
    if (!(virtio_rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_fail(d);
        *why = "device refused our features";
        return -ENODEV;
    }
    d->features = want;
    return 0;
}

static uint8_t virtio_config8(const struct virtio_dev *d, unsigned off)
{
    if (d->regs)
        return ((volatile uint8_t *)d->regs)[VIRTIO_MMIO_CONFIG + off];
    return (uint8_t)eos_dev_read(d->cap, VIRTIO_MMIO_CONFIG + off, 1);
}

void virtio_config_read(const struct virtio_dev *d, unsigned off, void *buf, unsigned len)
{
    /* The generation changes if the device updates its configuration
     * while we read it; read until two generations agree. */
    uint8_t *out = buf;
    uint32_t gen;
    do {
        gen = virtio_rd(d, VIRTIO_MMIO_CONFIG_GENERATION);
        for (unsigned i = 0; i < len; i++)
            out[i] = virtio_config8(d, off + i);
    } while (gen != virtio_rd(d, VIRTIO_MMIO_CONFIG_GENERATION));
}

int virtio_irq_bind(const struct virtio_dev *d, long ntfn, unsigned long bits)
{
    return (int)eos_irq_bind(d->cap, ntfn, bits);
}
