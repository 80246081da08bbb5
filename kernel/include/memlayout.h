/* Virtual memory layout shared by every address space.
 *
 *   0x0000000000000000 .. 0x00007fffffffffff  user half (per FWP)
 *       0x0000000000400000   ELF program text/data (as linked)
 *       USER_MMAP_TOP        mmap() regions grow down from here
 *       USER_STACK_TOP       initial thread stack grows down from here
 *   0xffff800000000000  DIRECT_MAP_BASE: all physical RAM, 2 MiB pages (PML4 256)
 *   0xfffffe8000000000  MMIO_BASE: device windows, uncached       (PML4 509)
 *   0xffffff0000000000  KSTACK_BASE: kernel stacks with guard pages (PML4 510)
 *   0xffffffff80000000  KERNEL_VBASE: kernel image                 (PML4 511)
 *
 * The kernel half is built once at boot; every address space shares the same
 * PML4 entries 256..511, so kernel mappings added later (stacks, MMIO) are
 * visible everywhere without touching per-FWP tables. */
#ifndef EDGEOS_MEMLAYOUT_H
#define EDGEOS_MEMLAYOUT_H

#define KERNEL_VBASE     0xffffffff80000000UL
#define DIRECT_MAP_BASE  0xffff800000000000UL
#define DIRECT_MAP_MAX   (512UL << 30)          /* one PML4 entry */
#define MMIO_BASE        0xfffffe8000000000UL
#define MMIO_SIZE        (512UL << 30)
#define KSTACK_BASE      0xffffff0000000000UL
#define KSTACK_SLOT      (32 * 1024UL)          /* 16 KiB stack + 16 KiB guard */
#define KSTACK_SIZE      (16 * 1024UL)
#define KSTACK_SLOTS     (1u << 20)

#define USER_TOP         0x0000800000000000UL   /* first non-user address */
#define USER_STACK_TOP   0x00007ffffff00000UL
#define USER_STACK_SIZE  (256 * 1024UL)
#define USER_MMAP_TOP    0x00007f0000000000UL
#define USER_MIN         0x0000000000010000UL   /* nothing mapped below: NUL traps */

#define PHYS_TO_VIRT(p)  ((void *)((uint64_t)(p) + DIRECT_MAP_BASE))
#define VIRT_TO_PHYS(v)  ((uint64_t)(v) - DIRECT_MAP_BASE)
#define KIMG_TO_PHYS(v)  ((uint64_t)(v) - KERNEL_VBASE)

#endif
