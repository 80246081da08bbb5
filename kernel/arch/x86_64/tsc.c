/* TSC calibration against the i8254 PIT (channel 0 polled, no interrupts),
 * and conversions between cycles and nanoseconds. */
#include "time.h"
#include "cpu.h"
#include "kprintf.h"

uint64_t tsc_hz, tsc_boot;
static uint64_t ns_per_tsc_q32;   /* ns per cycle, 32.32 fixed point */
static uint64_t tsc_per_ns_q32;

#define PIT_HZ 1193182ULL

static uint16_t pit_read(void)
{
    outb(0x43, 0x00);             /* latch channel 0 */
    uint8_t lo = inb(0x40), hi = inb(0x40);
    return (uint16_t)(hi << 8 | lo);
}

static uint64_t pit_measure(void)
{
    outb(0x43, 0x30);             /* channel 0, lo/hi, mode 0 */
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    uint16_t c0 = pit_read(), c;
    int spins = 0;
    while ((c = pit_read()) == c0)
        if (++spins > 1000000)
            return 0;             /* no PIT */
    uint64_t t0 = rdtsc();
    const uint16_t ticks = 11932; /* 10 ms */
    while ((uint16_t)(c - pit_read()) < ticks)
        ;
    uint64_t t1 = rdtsc();
    return (t1 - t0) * PIT_HZ / ticks;
}

void tsc_calibrate(void)
{
    tsc_boot = rdtsc();
    tsc_hz = pit_measure();
    if (!tsc_hz) {
        uint32_t a, b, c, d;
        cpuid(0x16, 0, &a, &b, &c, &d);
        tsc_hz = a ? (uint64_t)a * 1000000 : 1000000000;
        kprintf("time: no PIT, TSC frequency assumed %lu Hz\n", tsc_hz);
    }
    ns_per_tsc_q32 = (1000000000ULL << 32) / tsc_hz;
    tsc_per_ns_q32 = (tsc_hz << 32) / 1000000000ULL;
}

uint64_t tsc_to_ns(uint64_t cycles)
{
    return (uint64_t)(((unsigned __int128)cycles * ns_per_tsc_q32) >> 32);
}

uint64_t ns_to_tsc(uint64_t ns)
{
    return (uint64_t)(((unsigned __int128)ns * tsc_per_ns_q32) >> 32);
}

uint64_t time_ns(void)
{
    return tsc_to_ns(rdtsc() - tsc_boot);
}

void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + ns_to_tsc(us * 1000);
    while (rdtsc() < end)
        cpu_relax();
}
