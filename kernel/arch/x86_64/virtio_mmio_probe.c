/* Device discovery on QEMU microvm: virtio-mmio transports sit at
 * 0xfeb00000 + i * 0x200 and answer the magic "virt" with a non-zero device
 * id when a device is attached. (Other machines would read the device tree
 * or ACPI here; the rest of the kernel only sees platform_device().) */
#include "platform.h"
#include "mm.h"
#include "kprintf.h"
#include "spinlock.h"
#include "ioapic.h"
#include "ipc.h"
#include "percpu.h"
#include "trap.h"
#include "lapic.h"
#include "errno.h"

#define VIRTIO_MMIO_BASE  0xfeb00000UL
#define VIRTIO_MMIO_SLOTS 32
#define VIRTIO_MMIO_SIZE  0x200

/* Interrupt line of transport `slot`: with a second I/O APIC, microvm
 * wires 24 transports to GSIs 24..47; otherwise 8 transports to 16..23. */
static uint32_t transport_gsi(int slot)
{
    return ioapic_count() > 1 ? 24 + (uint32_t)slot : 16 + (uint32_t)slot;
}

static struct platform_device devices[MAX_PLATFORM_DEVICES];
static struct ipc_obj *irq_ntfn[MAX_PLATFORM_DEVICES];
static uint64_t irq_bits[MAX_PLATFORM_DEVICES];
static volatile uint32_t *regs_of[MAX_PLATFORM_DEVICES];
static void *owner_of[MAX_PLATFORM_DEVICES];
static int ndevices;
static spinlock_t dev_lock = SPINLOCK_INIT;

void platform_probe_devices(void)
{
    volatile uint32_t *win = mmio_map(VIRTIO_MMIO_BASE, VIRTIO_MMIO_SLOTS * VIRTIO_MMIO_SIZE);
    for (int i = 0; i < VIRTIO_MMIO_SLOTS && ndevices < MAX_PLATFORM_DEVICES; i++) {
        volatile uint32_t *regs = win + i * VIRTIO_MMIO_SIZE / 4;
        if (regs[0] != 0x74726976 || regs[2] == 0)   /* magic, device id */
            continue;
        regs_of[ndevices] = regs;
        devices[ndevices++] = (struct platform_device){
            .mmio_phys = VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SIZE,
            .mmio_size = VIRTIO_MMIO_SIZE,
            .virtio_id = regs[2],
            .irq = transport_gsi(i),
        };
        kprintf("dev: virtio device %u (version %u) at %lx, irq %u\n", regs[2], regs[1],
                VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SIZE, transport_gsi(i));
    }
}

int platform_device_count(void) { return ndevices; }

int platform_device_index(const struct platform_device *d)
{
    return (int)(d - devices);
}

const struct platform_device *platform_device(int index)
{
    return index >= 0 && index < ndevices ? &devices[index] : NULL;
}

bool platform_device_shares_page(int index)
{
    if (index < 0 || index >= ndevices)
        return true;
    paddr_t lo = devices[index].mmio_phys & ~(paddr_t)0xfff;
    paddr_t hi = (devices[index].mmio_phys + devices[index].mmio_size + 0xfff) & ~(paddr_t)0xfff;
    for (int i = 0; i < ndevices; i++)
        if (i != index && devices[i].mmio_phys < hi && devices[i].mmio_phys + devices[i].mmio_size > lo)
            return true;
    return false;
}

static volatile void *reg_at(int index, uint64_t off, int width)
{
    if ((width != 1 && width != 2 && width != 4) || (off & (uint64_t)(width - 1)) ||
        off >= devices[index].mmio_size || (uint64_t)width > devices[index].mmio_size - off)
        return NULL;
    return (volatile uint8_t *)regs_of[index] + off;
}

int64_t platform_device_read(int index, void *owner, uint64_t off, int width)
{
    if (platform_device_claim(index, owner) < 0)
        return -EBUSY;
    volatile void *r = reg_at(index, off, width);
    if (!r)
        return -EINVAL;
    return width == 1 ? *(volatile uint8_t *)r : width == 2 ? *(volatile uint16_t *)r : *(volatile uint32_t *)r;
}

int platform_device_write(int index, void *owner, uint64_t off, uint32_t value, int width)
{
    if (platform_device_claim(index, owner) < 0)
        return -EBUSY;
    volatile void *r = reg_at(index, off, width);
    if (!r)
        return -EINVAL;
    if (width == 1)
        *(volatile uint8_t *)r = (uint8_t)value;
    else if (width == 2)
        *(volatile uint16_t *)r = (uint16_t)value;
    else
        *(volatile uint32_t *)r = value;
    return 0;
}

int platform_device_claim(int index, void *owner)
{
    if (index < 0 || index >= ndevices)
        return -1;
    spin_lock(&dev_lock);
    int r = -1;
    if (!owner_of[index] || owner_of[index] == owner) {
        owner_of[index] = owner;
        r = 0;
    }
    spin_unlock(&dev_lock);
    return r;
}

void platform_devices_release(void *owner)
{
    spin_lock(&dev_lock);
    for (int i = 0; i < ndevices; i++)
        if (owner_of[i] == owner) {
            regs_of[i][0x70 / 4] = 0;      /* virtio status 0: device reset, DMA stops */
            owner_of[i] = NULL;
            ioapic_mask(devices[i].irq);
            if (irq_ntfn[i])
                ipc_obj_put(irq_ntfn[i]);
            irq_ntfn[i] = NULL;
            kprintf("dev: virtio device %u reset (its driver ended)\n", devices[i].virtio_id);
        }
    spin_unlock(&dev_lock);
}

int platform_irq_bind(int index, void *owner, struct ipc_obj *ntfn, uint64_t bits)
{
    if (index < 0 || index >= ndevices || !devices[index].irq)
        return -1;
    spin_lock(&dev_lock);
    if (owner_of[index] != owner) {
        spin_unlock(&dev_lock);
        return -1;
    }
    struct ipc_obj *old = irq_ntfn[index];
    ipc_obj_get(ntfn);
    irq_ntfn[index] = ntfn;
    irq_bits[index] = bits;
    spin_unlock(&dev_lock);
    if (old)
        ipc_obj_put(old);
    /* Delivered to the binding CPU, where its driver most likely waits. */
    return ioapic_route(devices[index].irq, (uint8_t)(VEC_DEVICE_BASE + index), this_cpu()->lapic_id);
}

void platform_irq(int index)
{
    lapic_eoi();
    if (index < 0 || index >= ndevices)
        return;
    spin_lock(&dev_lock);
    struct ipc_obj *n = irq_ntfn[index];
    uint64_t bits = irq_bits[index];
    if (n)
        ipc_obj_get(n);
    spin_unlock(&dev_lock);
    if (n) {
        ntfn_signal(n, bits);
        ipc_obj_put(n);
    }
}
