/* Multiboot 1 entry: runs in 32-bit protected mode with paging off, builds
 * boot page tables (first 1 GiB identity-mapped, at DIRECT_MAP_BASE and at
 * KERNEL_VBASE), enters long mode and jumps to kmain() in the higher half.
 * The header uses the address fields (flag 16) so the loader takes the flat
 * image as-is and needs no ELF32. */
#define KERNEL_VBASE 0xffffffff80000000
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00010003   /* page-aligned modules, memory map, address fields */

    .section .multiboot, "a"
    .align 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long mb_header
    .long _load_start
    .long _load_end_phys
    .long _bss_end_phys
    .long _start32

    .section .boot.text, "ax"
    .code32
    .global _start32
_start32:
    cli
    movl %eax, boot_mb_magic
    movl %ebx, boot_mb_info
    movl $boot_stack_top, %esp

    /* PML4[0] and PML4[256] -> identity PDPT, PML4[511] -> high PDPT */
    movl $boot_pdpt_low, %eax
    orl $3, %eax
    movl %eax, boot_pml4
    movl %eax, boot_pml4 + 256 * 8
    movl $boot_pdpt_high, %eax
    orl $3, %eax
    movl %eax, boot_pml4 + 511 * 8
    movl $boot_pd, %eax
    orl $3, %eax
    movl %eax, boot_pdpt_low
    movl %eax, boot_pdpt_high + 510 * 8
    /* PD: 512 x 2 MiB pages covering physical 0 .. 1 GiB */
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax
    movl %eax, boot_pd(, %ecx, 8)
    movl $0, boot_pd + 4(, %ecx, 8)
    incl %ecx
    cmpl $512, %ecx
    jne 1b

    movl %cr4, %eax
    orl $0xa0, %eax              /* PAE | PGE */
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx       /* EFER: LME | NXE | SCE */
    rdmsr
    orl $0x901, %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80010001, %eax        /* PG | WP | PE */
    movl %eax, %cr0
    lgdt boot_gdt_ptr
    ljmp $0x08, $long_entry_low

    .code64
long_entry_low:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabs $long_entry_high, %rax
    jmp *%rax

    .section .boot.data, "aw"
    .align 8
    .global boot_mb_magic, boot_mb_info
boot_mb_magic: .long 0
boot_mb_info:  .long 0
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff     /* 64-bit kernel code */
    .quad 0x00cf92000000ffff     /* kernel data */
boot_gdt_ptr:
    .word 3 * 8 - 1
    .long boot_gdt
    .align 4096
    .global boot_pml4
boot_pml4:      .fill 4096, 1, 0
boot_pdpt_low:  .fill 4096, 1, 0
boot_pdpt_high: .fill 4096, 1, 0
boot_pd:        .fill 4096, 1, 0
boot_stack:     .fill 16384, 1, 0
boot_stack_top:

    .text
    .code64
long_entry_high:
    movabs $(boot_stack_top + KERNEL_VBASE), %rsp
    xorq %rbp, %rbp
    movl boot_mb_magic, %edi
    movl boot_mb_info, %esi
    call kmain
2:  cli
    hlt
    jmp 2b

    .section .note.GNU-stack, "", @progbits
