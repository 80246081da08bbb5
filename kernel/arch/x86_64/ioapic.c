/* I/O APICs: route a device's interrupt line (GSI) to a vector on one CPU.
 * microvm has one IOAPIC at 0xfec00000 (GSIs 0-23) and, with 24 virtio
 * transports, a second at 0xfec10000 (GSIs 24-47). Lines are programmed
 * edge-triggered, active high: a device that keeps its line raised until
 * its driver acknowledges it then produces one interrupt per event and
 * never a storm, whatever the driver (a user program) does. */
#include "ioapic.h"
#include "mm.h"
#include "kprintf.h"
#include "spinlock.h"

struct ioapic {
    volatile uint32_t *regs;
    uint32_t gsi_base, npins;
};

static struct ioapic ioapics[2];
static int nioapics;
static spinlock_t ioapic_lock = SPINLOCK_INIT;

static uint32_t rd(struct ioapic *a, uint32_t reg)
{
    a->regs[0] = reg;
    return a->regs[4];
}

static void wr(struct ioapic *a, uint32_t reg, uint32_t v)
{
    a->regs[0] = reg;
    a->regs[4] = v;
}

static void probe(paddr_t pa, uint32_t gsi_base)
{
    struct ioapic *a = &ioapics[nioapics];
    a->regs = mmio_map(pa, PAGE_SIZE);
    uint32_t ver = rd(a, 1);
    if (ver == 0xffffffff || ver == 0)
        return;
    a->gsi_base = gsi_base;
    a->npins = ((ver >> 16) & 0xff) + 1;
    for (uint32_t pin = 0; pin < a->npins; pin++) {
        wr(a, 0x10 + 2 * pin, 1u << 16);       /* masked */
        wr(a, 0x11 + 2 * pin, 0);
    }
    nioapics++;
}

void ioapic_init(void)
{
    probe(0xfec00000, 0);
    probe(0xfec10000, 24);
    kprintf("irq: %d I/O APIC(s)\n", nioapics);
}

int ioapic_count(void) { return nioapics; }

static struct ioapic *find(uint32_t gsi, uint32_t *pin)
{
    for (int i = 0; i < nioapics; i++)
        if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].npins) {
            *pin = gsi - ioapics[i].gsi_base;
            return &ioapics[i];
        }
    return NULL;
}

int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id)
{
    uint32_t pin;
    struct ioapic *a = find(gsi, &pin);
    if (!a)
        return -1;
    spin_lock(&ioapic_lock);
    wr(a, 0x11 + 2 * pin, apic_id << 24);
    wr(a, 0x10 + 2 * pin, vector);             /* fixed, physical, edge, active high, unmasked */
    spin_unlock(&ioapic_lock);
    return 0;
}

void ioapic_mask(uint32_t gsi)
{
    uint32_t pin;
    struct ioapic *a = find(gsi, &pin);
    if (!a)
        return;
    spin_lock(&ioapic_lock);
    wr(a, 0x10 + 2 * pin, rd(a, 0x10 + 2 * pin) | (1u << 16));
    spin_unlock(&ioapic_lock);
}
