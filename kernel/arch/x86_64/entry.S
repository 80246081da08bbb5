/* Kernel entry and exit: exception/interrupt stubs, the syscall entry, and
 * the kernel-stack switch between threads. The saved-state layout is
 * struct trapframe (trap.h). GS holds the per-CPU pointer in the kernel and
 * the user's value in user mode; every entry from ring 3 does swapgs. */
#define USER_CS 0x33
#define USER_DS 0x2b

.macro PUSH_GPRS
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro POP_GPRS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
.endm

    .text
/* 256 stubs, 16 bytes apart; vectors that push no error code push 0. */
    .align 16
    .global isr_stubs
isr_stubs:
    .set vec, 0
    .rept 256
    .align 16
    .if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
    pushq $0
    .endif
    pushq $vec
    jmp isr_common
    .set vec, vec + 1
    .endr

isr_common:
    testb $3, 24(%rsp)          /* saved CS: came from ring 3? */
    jz 1f
    swapgs
1:  PUSH_GPRS
    cld
    movq %rsp, %rdi
    call trap_dispatch
    .global trap_return
trap_return:
    POP_GPRS
    testb $3, 24(%rsp)
    jz 2f
    swapgs
2:  addq $16, %rsp
    iretq

/* syscall: RCX = user RIP, R11 = user RFLAGS, IF cleared by FMASK. */
    .global syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:16
    movq %gs:8, %rsp
    pushq $USER_DS
    pushq %gs:16
    pushq %r11
    pushq $USER_CS
    pushq %rcx
    pushq $0
    pushq $0x100
    PUSH_GPRS
    movq %rsp, %rdi
    call syscall_dispatch
    .global syscall_return
syscall_return:
    POP_GPRS
    addq $16, %rsp
    movq (%rsp), %rcx
    movq %rcx, %r11
    sarq $47, %r11              /* sysret needs a canonical user RIP */
    jnz 3f
    movq 16(%rsp), %r11
    movq 24(%rsp), %rsp
    swapgs
    sysretq
3:  swapgs
    iretq

/* struct thread *context_switch(struct thread *prev, uint64_t *prev_sp, uint64_t next_sp)
 * Saves the callee-saved registers on the current kernel stack, switches to
 * next_sp and returns prev in the new context. */
    .global context_switch
context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rsi)
    movq %rdx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    movq %rdi, %rax
    ret

/* First run of a new thread: finish the switch, then leave through the
 * trapframe prepared at the top of its kernel stack. */
    .global thread_first_run
thread_first_run:
    movq %rax, %rdi
    call sched_first_run
    jmp trap_return

    .section .note.GNU-stack, "", @progbits
