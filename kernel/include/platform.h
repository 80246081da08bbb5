/* Platform discovery: the one place that knows which machine we run on. */
#ifndef EDGEOS_PLATFORM_H
#define EDGEOS_PLATFORM_H
#include "types.h"
int platform_cpu_count(void);   /* -1 if unknown */

/* Devices user-level drivers may claim (virtio-mmio transports today). */
struct platform_device {
    paddr_t mmio_phys;
    uint64_t mmio_size;
    uint32_t irq;            /* 0 if unknown */
    uint32_t virtio_id;      /* virtio device id, 0 if not virtio */
};
#define MAX_PLATFORM_DEVICES 32
void platform_probe_devices(void);
int platform_device_count(void);
const struct platform_device *platform_device(int index);
int platform_device_index(const struct platform_device *d);
/* One driver FWP per device. When the owner ends, its devices are reset so
 * no DMA lands in frames that went back to the pool. */
int platform_device_claim(int index, void *owner);
/* Whether the 4 KiB page(s) of the device's window hold another device's
 * registers too: such a window is never mapped into an FWP. */
bool platform_device_shares_page(int index);
/* Register access through the kernel for the device's owner (claims it
 * like a mapping does): -EBUSY another FWP owns it, -EINVAL bad offset or
 * width (1, 2, 4; aligned; inside the window). */
int64_t platform_device_read(int index, void *owner, uint64_t off, int width);
int platform_device_write(int index, void *owner, uint64_t off, uint32_t value, int width);
void platform_devices_release(void *owner);
/* Device interrupts signal a notification (bits) of the owning driver. */
struct ipc_obj;
int platform_irq_bind(int index, void *owner, struct ipc_obj *ntfn, uint64_t bits);
void platform_irq(int index);           /* from the interrupt vector */
#endif
