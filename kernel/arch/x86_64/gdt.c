/* Per-CPU descriptor tables and CPU feature setup. GDT order is dictated by
 * syscall/sysret: STAR[47:32] = kernel CS (SS = CS + 8), and sysret loads
 * SS = STAR[63:48] + 8 and CS = STAR[63:48] + 16, both with RPL 3. The
 * selector values are the ones Linux uses (kernel CS 0x10, user CS 0x33):
 * some hypervisors that emulate syscall/sysret (e.g. KVM's PVM mode, found
 * on this project's nested build machines) assume exactly these. */
#include "percpu.h"
#include "trap.h"
#include "cpu.h"
#include "string.h"

struct cpu cpus[MAX_CPUS];
extern void syscall_entry(void);
bool cpu_has_fsgsbase;

static void load_gdt(struct cpu *c)
{
    c->gdt[0] = 0;
    c->gdt[1] = 0x00cf9a000000ffffULL;   /* 0x08 kernel code, 32-bit (unused) */
    c->gdt[2] = 0x00af9a000000ffffULL;   /* 0x10 kernel code, 64-bit */
    c->gdt[3] = 0x00cf92000000ffffULL;   /* 0x18 kernel data */
    c->gdt[4] = 0x00cffa000000ffffULL;   /* 0x20 user code, 32-bit (unused) */
    c->gdt[5] = 0x00cff2000000ffffULL;   /* 0x28 user data, DPL 3 */
    c->gdt[6] = 0x00affa000000ffffULL;   /* 0x30 user code, DPL 3, 64-bit */
    c->gdt[7] = 0;
    uint64_t base = (uint64_t)&c->tss, limit = sizeof c->tss - 1;
    c->gdt[8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
                ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
    c->gdt[9] = base >> 32;
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = { sizeof c->gdt - 1, (uint64_t)c->gdt };
    __asm__ volatile(
        "lgdt %0\n"
        "movw $0x18, %%ax\n movw %%ax, %%ds\n movw %%ax, %%es\n movw %%ax, %%ss\n"
        "xorw %%ax, %%ax\n movw %%ax, %%fs\n movw %%ax, %%gs\n"
        "pushq $0x10\n leaq 1f(%%rip), %%rax\n pushq %%rax\n lretq\n1:\n"
        :: "m"(gdtr) : "rax", "memory");
    c->tss.iomap_base = sizeof c->tss;
    c->tss.ist[0] = (uint64_t)c->df_stack + sizeof c->df_stack;
    __asm__ volatile("ltr %w0" :: "r"(TSS_SEL));
}

void cpu_init_local(struct cpu *c)
{
    c->self = c;
    load_gdt(c);
    idt_load();
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
    wrmsr(MSR_STAR, ((uint64_t)USER32_CS << 48) | ((uint64_t)KERNEL_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    /* Clear IF, TF, DF, NT and AC on entry. */
    wrmsr(MSR_FMASK, (1 << 9) | (1 << 8) | (1 << 10) | (1 << 14) | (1 << 18));
    /* SSE for user code (the kernel itself is built without it). */
    write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_WP);
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PGE;
    uint32_t a, b, cc, d;
    cpuid(7, 0, &a, &b, &cc, &d);
    cpu_has_fsgsbase = b & 1;
    if (cpu_has_fsgsbase)
        cr4 |= CR4_FSGSBASE;
    write_cr4(cr4);
    __asm__ volatile("fninit");
}
