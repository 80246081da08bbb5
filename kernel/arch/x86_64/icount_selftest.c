/* Calibration of guest instruction counting (bench/icount/): with the boot
 * option icount_selftest=1, the kernel runs loops of known instruction counts
 * between markers (kernel/include/uapi/eos_icount.h), interrupts masked so
 * nothing else runs between them, and prints what each pair must count.
 * The icount test compares the plugin's counts with these. */
#include "cpu.h"
#include "eos_icount.h"
#include "kprintf.h"
#include "types.h"

void icount_selftest(void);

/* mov + ITERS x (dec, jnz): 1 + 2 * ITERS instructions between the markers. */
#define COUNTED_LOOP(id, iters)                                                                          \
    do {                                                                                                 \
        EOS_ICOUNT_START(id);                                                                            \
        __asm__ volatile("mov %0, %%ecx\n1:\tdec %%ecx\n\tjnz 1b" ::"i"(iters) : "ecx", "cc", "memory"); \
        EOS_ICOUNT_STOP(id);                                                                             \
    } while (0)

void icount_selftest(void)
{
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    EOS_ICOUNT_START(1);
    EOS_ICOUNT_STOP(1);
    COUNTED_LOOP(2, 1000);
    COUNTED_LOOP(3, 100000);
    if (flags & (1u << 9))
        __asm__ volatile("sti" ::: "memory");
    kprintf("icount-name,1,selftest_empty expect=0\n");
    kprintf("icount-name,2,selftest_loop_1000 expect=%d\n", 1 + 2 * 1000);
    kprintf("icount-name,3,selftest_loop_100000 expect=%d\n", 1 + 2 * 100000);
}
