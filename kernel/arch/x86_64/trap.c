/* Exceptions and interrupts. A fault in user mode ends the faulting FWP
 * with one log line; a fault in the kernel is a bug and panics with a
 * register dump. */
#include "trap.h"
#include "sched.h"
#include "fwp.h"
#include "lapic.h"
#include "cpu.h"
#include "errno.h"
#include "kprintf.h"
#include "platform.h"
#include "page_table.h"
#include "memlayout.h"

bool verbose_faults;

static const char *const exception_names[32] = {
    "divide error", "debug trap", "NMI", "breakpoint", "overflow", "bound range exceeded",
    "invalid opcode", "device not available", "double fault", "coprocessor overrun",
    "invalid TSS", "segment not present", "stack fault", "general protection fault",
    "page fault", "reserved", "x87 floating-point error", "alignment check", "machine check",
    "SIMD floating-point error", "virtualization exception", "control protection fault",
};

static const char *exception_name(uint64_t v)
{
    return v < 32 && exception_names[v] ? exception_names[v] : "reserved exception";
}

static void dump_registers(const struct trapframe *tf)
{
    kprintf("  rip %016lx  cs %04lx  rflags %08lx  rsp %016lx  ss %04lx\n",
            tf->rip, tf->cs, tf->rflags, tf->rsp, tf->ss);
    kprintf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    kprintf("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
    kprintf("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
    kprintf("  r13 %016lx  r14 %016lx  r15 %016lx  cr2 %016lx\n", tf->r13, tf->r14, tf->r15, read_cr2());
    kprintf("  vector %lu  error %lx  cpu %u\n", tf->vector, tf->error, this_cpu()->id);
}

static _Noreturn void kernel_fault(struct trapframe *tf)
{
    struct thread *t = current_thread();
    kprintf("\nkernel fault: %s in kernel mode", exception_name(tf->vector));
    if (tf->vector == VEC_PAGE_FAULT)
        kprintf(" at address %016lx", read_cr2());
    if (t && t->fwp)
        kprintf(" (while serving fwp %u (%s))", t->fwp->id, t->fwp->name);
    kprintf("\n");
    dump_registers(tf);
    panic("unrecoverable kernel fault");
}

extern void syscall_entry(void);
uint64_t syscalls_via_fault;

/* Some hypervisors (KVM's PVM mode) execute SYSCALL for a non-paravirtual
 * guest without the switch to ring 0: RCX and R11 are saved and RIP becomes
 * LSTAR, but the CPU stays in user mode and faults fetching the kernel
 * entry. That exact signature is served as the system call it is. */
static bool syscall_without_privilege_change(struct trapframe *tf)
{
    if (tf->vector != VEC_PAGE_FAULT || tf->rip != (uint64_t)syscall_entry || read_cr2() != tf->rip)
        return false;
    if (syscalls_via_fault++ == 0)
        kprintf("kernel: syscall runs without a privilege change on this CPU; serving it from the fault path\n");
    tf->rip = tf->rcx;
    tf->rflags = (tf->r11 & 0x3f7fd5) | 0x202;   /* user-settable flags, IF on */
    syscall_dispatch(tf);
    return true;
}

static void user_fault(struct trapframe *tf)
{
    struct thread *t = current_thread();
    struct fwp *f = t->fwp;
    char why[160];
    if (syscall_without_privilege_change(tf))
        return;
    if (tf->vector == VEC_PAGE_FAULT) {
        uint64_t addr = read_cr2();
        bool present = tf->error & 1, write = tf->error & 2, exec = tf->error & 16;
        if (!present) {
            int r = vms_fault_in(f, addr, write);
            if (r == 0)
                return;
            if (r == -ENOMEM) {
                ksnprintf(why, sizeof why, "out of memory (quota %lu KiB) growing its stack at %lx",
                          f->frames_limit * 4, addr);
                goto end;
            }
        }
        ksnprintf(why, sizeof why, "page fault at address %lx (%s, %s) rip %lx",
                  addr, exec ? "execute" : write ? "write" : "read",
                  present ? "protection violation" : "not mapped", tf->rip);
    } else {
        ksnprintf(why, sizeof why, "%s (vector %lu, error %lx) rip %lx rsp %lx",
                  exception_name(tf->vector), tf->vector, tf->error, tf->rip, tf->rsp);
    }
end:
    kprintf("fwp %u (%s) ended: %s\n", f->id, f->name, why);
    if (verbose_faults) {
        dump_registers(tf);
        uint64_t va = read_cr2(), tpa = read_cr3() & PTE_ADDR;
        for (int level = 4; level >= 1; level--) {
            uint64_t e = ((uint64_t *)PHYS_TO_VIRT(tpa))[pt_index(va, level)];
            kprintf("  level %d entry %016lx\n", level, e);
            if (!(e & PTE_P) || (e & PTE_PS))
                break;
            tpa = e & PTE_ADDR;
        }
        kprintf("  efer %lx star %lx lstar %lx fmask %lx cr0 %lx cr4 %lx\n", rdmsr(MSR_EFER), rdmsr(MSR_STAR),
                rdmsr(MSR_LSTAR), rdmsr(MSR_FMASK), read_cr0(), read_cr4());
    }
    fwp_kill(f);
    thread_exit();
}

void trap_dispatch(struct trapframe *tf)
{
    uint64_t v = tf->vector;
    if (v < 32) {
        if ((tf->cs & 3) == 0)
            kernel_fault(tf);
        user_fault(tf);
    } else if (v == VEC_TIMER) {
        sched_timer_interrupt();
    } else if (v == VEC_RESCHED) {
        sched_resched_interrupt();
    } else if (v >= VEC_DEVICE_BASE && v < VEC_DEVICE_BASE + 32) {
        platform_irq((int)(v - VEC_DEVICE_BASE));
    } else if (v != VEC_SPURIOUS) {
        lapic_eoi();
    }
    /* Leaving for user mode: an FWP that was ended stops here. */
    if ((tf->cs & 3) == 3) {
        struct thread *t = current_thread();
        if (t->fwp && t->fwp->state != FWP_ALIVE)
            thread_exit();
        sched_preempt_point();
    }
}
