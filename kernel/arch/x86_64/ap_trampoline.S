/* Application-processor start code. Copied to TRAMP_BASE (below 1 MiB);
 * an AP starts here in real mode after INIT-SIPI-SIPI, climbs through
 * protected mode into long mode on the boot page tables (which identity-map
 * this page), takes a CPU index and a stack, and jumps to ap_entry64 in the
 * kernel image. Data fields at the end are filled in by smp.c. */
#define TRAMP_BASE 0x8000
#define T(x) (TRAMP_BASE + ((x) - ap_tramp_start))

    .section .rodata
    .code16
    .global ap_tramp_start, ap_tramp_end, ap_tramp_cr3, ap_tramp_kcr3
    .global ap_tramp_counter, ap_tramp_entry, ap_tramp_stacks
ap_tramp_start:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl tramp_gdtr - ap_tramp_start
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $T(tramp32)

    .code32
tramp32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $0xa0, %eax
    movl %eax, %cr4
    movl T(ap_tramp_cr3), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx
    rdmsr
    orl $0x901, %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80010001, %eax
    movl %eax, %cr0
    ljmpl $0x18, $T(tramp64)

    .code64
tramp64:
    movl $1, %eax
    lock xaddl %eax, T(ap_tramp_counter)
    movl %eax, %edi                      /* CPU index */
    movq T(ap_tramp_stacks)(, %rax, 8), %rsi
    movq T(ap_tramp_kcr3), %rdx
    movq T(ap_tramp_entry), %rax
    jmp *%rax

    .align 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff             /* 0x08 32-bit code */
    .quad 0x00cf92000000ffff             /* 0x10 data */
    .quad 0x00af9a000000ffff             /* 0x18 64-bit code */
tramp_gdtr:
    .word 4 * 8 - 1
    .long T(tramp_gdt)
    .align 8
ap_tramp_cr3:     .quad 0
ap_tramp_kcr3:    .quad 0
ap_tramp_counter: .quad 1
ap_tramp_entry:   .quad 0
ap_tramp_stacks:  .fill 64, 8, 0
ap_tramp_end:

    .text
    .code64
/* edi = CPU index, rsi = stack top, rdx = kernel page tables */
    .global ap_entry64
ap_entry64:
    movq %rdx, %cr3
    movq %rsi, %rsp
    xorq %rbp, %rbp
    call ap_main
1:  cli
    hlt
    jmp 1b

    .section .note.GNU-stack, "", @progbits
