/* Saved user/kernel state on kernel entry (interrupt, exception, syscall).
 * Layout fixed by entry.S: general registers, vector, error code, then the
 * hardware interrupt frame. */
#ifndef EDGEOS_TRAP_H
#define EDGEOS_TRAP_H
#include "types.h"

struct trapframe {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

#define VEC_PAGE_FAULT  14
#define VEC_TIMER       32
#define VEC_DEVICE_BASE 0x40     /* + device index, up to 32 devices */
#define VEC_RESCHED     0xf0
#define VEC_SPURIOUS    0xff
#define VEC_SYSCALL     0x100    /* marks a frame built by syscall_entry */

void trap_dispatch(struct trapframe *tf);
void syscall_dispatch(struct trapframe *tf);
void idt_init(void);
void idt_load(void);
extern void trap_return(void);
#endif
