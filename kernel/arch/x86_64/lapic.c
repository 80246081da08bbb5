/* Local APIC driver (xAPIC, memory-mapped). */
#include "lapic.h"
#include "trap.h"
#include "time.h"
#include "mm.h"
#include "cpu.h"
#include "kprintf.h"

#define LAPIC_ID      0x020
#define LAPIC_EOI     0x0b0
#define LAPIC_SVR     0x0f0
#define LAPIC_ICR_LO  0x300
#define LAPIC_ICR_HI  0x310
#define LAPIC_LVT_TMR 0x320
#define LAPIC_TMR_INIT 0x380
#define LAPIC_TMR_CUR 0x390
#define LAPIC_TMR_DIV 0x3e0

static volatile uint32_t *lapic;
bool timer_tsc_deadline;
uint64_t lapic_timer_hz;
static uint64_t lapic_per_tsc_q32;

static inline uint32_t rd(uint32_t r) { return lapic[r / 4]; }
static inline void wr(uint32_t r, uint32_t v) { lapic[r / 4] = v; }

uint32_t lapic_id(void) { return rd(LAPIC_ID) >> 24; }
void lapic_eoi(void) { wr(LAPIC_EOI, 0); }

void lapic_init(bool bsp)
{
    if (bsp) {
        /* Mask the legacy PIC: every interrupt we use comes from the LAPIC. */
        outb(0x21, 0xff);
        outb(0xa1, 0xff);
        paddr_t base = rdmsr(MSR_APIC_BASE) & 0xfffff000;
        lapic = mmio_map(base, PAGE_SIZE);
        uint32_t a, b, c, d;
        cpuid(1, 0, &a, &b, &c, &d);
        timer_tsc_deadline = (c >> 24) & 1;
    }
    wr(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
    wr(LAPIC_TMR_DIV, 0x3);                      /* divide by 16 */
    if (timer_tsc_deadline) {
        wr(LAPIC_LVT_TMR, VEC_TIMER | (2 << 17));
    } else {
        wr(LAPIC_LVT_TMR, VEC_TIMER);            /* one-shot */
        if (bsp) {
            wr(LAPIC_TMR_INIT, 0xffffffff);
            uint64_t t0 = rdtsc();
            udelay(10000);
            uint64_t t1 = rdtsc();
            uint32_t left = rd(LAPIC_TMR_CUR);
            wr(LAPIC_TMR_INIT, 0);
            uint64_t counted = 0xffffffffULL - left;
            lapic_timer_hz = counted * tsc_hz / (t1 - t0);
            lapic_per_tsc_q32 = (lapic_timer_hz << 32) / tsc_hz;
        }
    }
    wr(LAPIC_EOI, 0);
}

void timer_arm(uint64_t deadline)
{
    if (timer_tsc_deadline) {
        wrmsr(MSR_TSC_DEADLINE, deadline);
        return;
    }
    uint64_t now = rdtsc();
    uint64_t delta = deadline > now ? deadline - now : 1;
    uint64_t ticks = (uint64_t)(((unsigned __int128)delta * lapic_per_tsc_q32) >> 32);
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffULL)
        ticks = 0xffffffffULL;
    wr(LAPIC_TMR_INIT, (uint32_t)ticks);
}

void timer_disarm(void)
{
    if (timer_tsc_deadline)
        wrmsr(MSR_TSC_DEADLINE, 0);
    else
        wr(LAPIC_TMR_INIT, 0);
}

static void icr_wait(void)
{
    for (int i = 0; i < 1000000 && (rd(LAPIC_ICR_LO) & (1 << 12)); i++)
        cpu_relax();
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    icr_wait();
    wr(LAPIC_ICR_HI, apic_id << 24);
    wr(LAPIC_ICR_LO, vector);
}

void lapic_send_init_sipi_all(uint8_t start_page)
{
    icr_wait();
    wr(LAPIC_ICR_HI, 0);
    wr(LAPIC_ICR_LO, 0x000c4500);                /* INIT, all excluding self */
    icr_wait();
    udelay(10000);
    for (int i = 0; i < 2; i++) {
        wr(LAPIC_ICR_HI, 0);
        wr(LAPIC_ICR_LO, 0x000c4600 | start_page); /* STARTUP */
        icr_wait();
        udelay(200);
    }
}
