/* Bring-up of the application processors. */
#include "percpu.h"
#include "platform.h"
#include "lapic.h"
#include "time.h"
#include "mm.h"
#include "sched.h"
#include "cpu.h"
#include "kprintf.h"
#include "string.h"

#define TRAMP_BASE 0x8000
extern char ap_tramp_start[], ap_tramp_end[], ap_tramp_cr3[], ap_tramp_kcr3[];
extern char ap_tramp_counter[], ap_tramp_entry[], ap_tramp_stacks[];
extern char boot_pml4[];
extern void ap_entry64(void);

volatile uint32_t ncpus_online = 1;
uint32_t ncpus_expected = 1;

#define TRAMP_FIELD(sym) ((uint64_t *)((char *)PHYS_TO_VIRT(TRAMP_BASE) + ((sym) - ap_tramp_start)))

void ap_main(uint32_t index)
{
    struct cpu *c = &cpus[index];
    c->id = index;
    cpu_init_local(c);
    lapic_init(false);
    c->lapic_id = lapic_id();
    sched_init_cpu(c);
    __atomic_fetch_add(&ncpus_online, 1, __ATOMIC_RELEASE);
    sched_idle_loop();
}

void smp_start(void)
{
    int n = platform_cpu_count();
    ncpus_expected = n > 0 ? (uint32_t)n : MAX_CPUS;
    if (ncpus_expected > MAX_CPUS)
        ncpus_expected = MAX_CPUS;
    if (ncpus_expected == 1)
        return;
    memcpy(PHYS_TO_VIRT(TRAMP_BASE), ap_tramp_start, ap_tramp_end - ap_tramp_start);
    *TRAMP_FIELD(ap_tramp_cr3) = (uint64_t)boot_pml4;
    *TRAMP_FIELD(ap_tramp_kcr3) = kernel_pml4_pa;
    *TRAMP_FIELD(ap_tramp_entry) = (uint64_t)ap_entry64;
    for (uint32_t i = 1; i < ncpus_expected; i++) {
        uint64_t top;
        if (kstack_alloc(&top) < 0)
            panic("smp: no memory for CPU stacks");
        TRAMP_FIELD(ap_tramp_stacks)[i] = top;
    }
    lapic_send_init_sipi_all(TRAMP_BASE >> 12);
    /* Wait for every AP (or 200 ms when the count is unknown). */
    uint64_t until = rdtsc() + ns_to_tsc(n > 0 ? 2000000000ULL : 200000000ULL);
    while (__atomic_load_n(&ncpus_online, __ATOMIC_ACQUIRE) < ncpus_expected && rdtsc() < until)
        cpu_relax();
    if (ncpus_online < ncpus_expected && n > 0)
        kprintf("smp: only %u of %u CPUs came up\n", ncpus_online, ncpus_expected);
    ncpus_expected = ncpus_online;
}
