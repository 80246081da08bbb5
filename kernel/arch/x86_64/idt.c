/* Interrupt descriptor table: every vector enters through isr_stubs
 * (entry.S) and reaches trap_dispatch(). */
#include "trap.h"
#include "cpu.h"

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));
extern char isr_stubs[];

void idt_init(void)
{
    for (int v = 0; v < 256; v++) {
        uint64_t a = (uint64_t)isr_stubs + 16 * v;
        idt[v] = (struct idt_entry){
            .off_lo = a & 0xffff, .sel = KERNEL_CS,
            .ist = v == 8 ? 1 : 0,          /* double fault on its own stack */
            .type = 0x8e,                   /* present, DPL 0, interrupt gate */
            .off_mid = (a >> 16) & 0xffff, .off_hi = a >> 32,
        };
    }
}

void idt_load(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" :: "m"(idtr));
}
