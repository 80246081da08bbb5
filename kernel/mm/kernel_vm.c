/* Kernel page tables: the direct map of RAM, the kernel image, and the
 * regions for device windows and kernel stacks. See memlayout.h. */
#include "mm.h"
#include "multiboot.h"
#include "spinlock.h"
#include "kprintf.h"
#include "string.h"
#include "cpu.h"

paddr_t kernel_pml4_pa;

static void *kernel_p2v(void *ctx, uint64_t pa) { (void)ctx; return PHYS_TO_VIRT(pa); }
static uint64_t kernel_table_alloc(void *ctx) { (void)ctx; return frame_alloc_zeroed(); }
static void kernel_table_free(void *ctx, uint64_t pa) { (void)ctx; frame_put(pa); }
const struct pt_ops kernel_pt_ops = { kernel_p2v, kernel_table_alloc, kernel_table_free, 0 };

static paddr_t must_alloc_table(void)
{
    paddr_t pa = frame_alloc_zeroed();
    if (!pa)
        panic("out of memory building kernel page tables");
    return pa;
}

/* Maps [start, end) of physical memory at DIRECT_MAP_BASE with 2 MiB pages. */
static void direct_map_range(paddr_t start, paddr_t end)
{
    uint64_t *pml4 = PHYS_TO_VIRT(kernel_pml4_pa);
    start = ALIGN_DOWN(start, 2UL << 20);
    end = MIN(ALIGN_UP(end, 2UL << 20), DIRECT_MAP_MAX);
    for (paddr_t pa = start; pa < end; pa += 2UL << 20) {
        vaddr_t va = DIRECT_MAP_BASE + pa;
        uint64_t *pdpt = PHYS_TO_VIRT(pml4[pt_index(va, 4)] & PTE_ADDR);
        uint64_t *pd_e = &pdpt[pt_index(va, 3)];
        if (!(*pd_e & PTE_P))
            *pd_e = must_alloc_table() | PTE_P | PTE_W;
        uint64_t *pd = PHYS_TO_VIRT(*pd_e & PTE_ADDR);
        pd[pt_index(va, 2)] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
    }
}

/* The kernel image at KERNEL_VBASE, 4 KiB pages: text read-only and
 * executable, everything else not executable. */
extern char _text_start[], _text_end[], _kernel_end[];
static void map_kernel_image(void)
{
    for (vaddr_t va = KERNEL_VBASE + 0x100000; va < (vaddr_t)_kernel_end; va += PAGE_SIZE) {
        uint64_t *e = pt_walk(&kernel_pt_ops, kernel_pml4_pa, va, true, PTE_W);
        if (!e)
            panic("out of memory mapping the kernel");
        bool text = va >= (vaddr_t)_text_start && va < (vaddr_t)_text_end;
        *e = KIMG_TO_PHYS(va) | PTE_P | PTE_G | (text ? 0 : PTE_W | PTE_NX);
    }
}

void frame_pool_init(void);

void mm_init(void)
{
    frame_pool_init();
    kernel_pml4_pa = must_alloc_table();
    uint64_t *pml4 = PHYS_TO_VIRT(kernel_pml4_pa);
    /* Pre-create the kernel-half PDPTs so every address space can share
     * PML4 entries 256..511 by value. */
    pml4[pt_index(DIRECT_MAP_BASE, 4)] = must_alloc_table() | PTE_P | PTE_W;
    pml4[pt_index(MMIO_BASE, 4)] = must_alloc_table() | PTE_P | PTE_W;
    pml4[pt_index(KSTACK_BASE, 4)] = must_alloc_table() | PTE_P | PTE_W;
    pml4[511] = must_alloc_table() | PTE_P | PTE_W;
    map_kernel_image();
    for (int i = 0; i < boot_info.nram; i++)
        direct_map_range(boot_info.ram[i].start, boot_info.ram[i].end);
    write_cr3(kernel_pml4_pa);
}

static spinlock_t mmio_lock = SPINLOCK_INIT;
static vaddr_t mmio_next = MMIO_BASE;

void *mmio_map(paddr_t pa, size_t size)
{
    paddr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
    size_t len = ALIGN_UP(pa + size, PAGE_SIZE) - base;
    spin_lock(&mmio_lock);
    vaddr_t va = mmio_next;
    mmio_next += len + PAGE_SIZE;   /* unmapped page between windows */
    for (size_t off = 0; off < len; off += PAGE_SIZE)
        if (pt_map(&kernel_pt_ops, kernel_pml4_pa, va + off, base + off,
                   PTE_W | PTE_PCD | PTE_PWT | PTE_G | PTE_NX) < 0)
            panic("mmio_map: cannot map %lx", base + off);
    spin_unlock(&mmio_lock);
    return (void *)(va + (pa - base));
}
