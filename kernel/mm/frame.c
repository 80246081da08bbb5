/* The kernel's physical frame pool: built from the boot memory map, minus the
 * first MiB, the kernel image, the loader's structures and the modules. */
#include "mm.h"
#include "frame_pool.h"
#include "multiboot.h"
#include "spinlock.h"
#include "kprintf.h"
#include "string.h"

extern char _kernel_end[];
static struct frame_pool pool;
static spinlock_t pool_lock = SPINLOCK_INIT;

/* Frames cleared ahead of need: idle CPUs clear frames (frame_zero_idle)
 * into this stack, and frame_alloc_zeroed takes from it, so page tables
 * and zeroed pages cost no clearing on the path that asks for them. The
 * frames in it are allocated from the pool but count as free everywhere
 * (frames_free), and frame_alloc takes them when the pool is empty, so no
 * memory is held back. */
#define ZEROED_MAX 256
static paddr_t zeroed[ZEROED_MAX];
static uint32_t nzeroed;

paddr_t frame_alloc(void)
{
    spin_lock(&pool_lock);
    paddr_t pa = fpool_alloc(&pool);
    if (!pa && nzeroed)
        pa = zeroed[--nzeroed];
    spin_unlock(&pool_lock);
    return pa;
}

paddr_t frame_alloc_zeroed(void)
{
    spin_lock(&pool_lock);
    paddr_t pa = nzeroed ? zeroed[--nzeroed] : 0;
    spin_unlock(&pool_lock);
    if (pa)
        return pa;
    pa = frame_alloc();
    if (pa)
        memset(PHYS_TO_VIRT(pa), 0, PAGE_SIZE);
    return pa;
}

bool frame_zero_idle(void)
{
    if (__atomic_load_n(&nzeroed, __ATOMIC_RELAXED) >= ZEROED_MAX)
        return false;
    spin_lock(&pool_lock);
    paddr_t pa = fpool_free_count(&pool) > ZEROED_MAX ? fpool_alloc(&pool) : 0;
    spin_unlock(&pool_lock);
    if (!pa)
        return false;               /* memory is short: keep what is free in the pool */
    memset(PHYS_TO_VIRT(pa), 0, PAGE_SIZE);
    spin_lock(&pool_lock);
    if (nzeroed < ZEROED_MAX) {
        zeroed[nzeroed++] = pa;
        pa = 0;
    }
    spin_unlock(&pool_lock);
    if (pa)
        frame_put(pa);              /* another CPU filled the last slot */
    return true;
}

void frame_ref(paddr_t pa)
{
    spin_lock(&pool_lock);
    bool ok = fpool_ref(&pool, pa);
    spin_unlock(&pool_lock);
    if (!ok)
        panic("frame_ref: frame %lx is not allocated", pa);
}

void frame_put(paddr_t pa)
{
    spin_lock(&pool_lock);
    int r = fpool_put(&pool, pa);
    spin_unlock(&pool_lock);
    if (r < 0)
        panic("frame_put: frame %lx is not allocated (double free?)", pa);
}

uint16_t frame_refcount(paddr_t pa) { return fpool_refcount(&pool, pa); }
uint64_t frames_free(void) { return fpool_free_count(&pool) + __atomic_load_n(&nzeroed, __ATOMIC_RELAXED); }
uint64_t frames_total(void) { return pool.total; }

/* Adds [s, e) minus every reserved range. */
static void add_usable(paddr_t s, paddr_t e, const struct ram_region *resv, int nresv)
{
    for (int i = 0; i < nresv && s < e; i++) {
        if (resv[i].end <= s || resv[i].start >= e)
            continue;
        if (resv[i].start > s)
            add_usable(s, resv[i].start, resv, nresv);
        s = resv[i].end;
    }
    if (s < e)
        fpool_add_range(&pool, s, e);
}

void frame_pool_init(void)
{
    paddr_t max = 0;
    for (int i = 0; i < boot_info.nram; i++)
        max = MAX(max, boot_info.ram[i].end);
    uint64_t max_pfn = max >> PAGE_SHIFT;
    size_t meta = ALIGN_UP(fpool_meta_size(max_pfn), PAGE_SIZE);

    struct ram_region resv[4 + MAX_BOOT_MODULES];
    int n = 0;
    resv[n++] = (struct ram_region){ 0, 1 << 20 };
    resv[n++] = (struct ram_region){ 1 << 20, KIMG_TO_PHYS(_kernel_end) };
    resv[n++] = (struct ram_region){ ALIGN_DOWN(boot_info.info_start, PAGE_SIZE), ALIGN_UP(boot_info.info_end, PAGE_SIZE) };
    /* The pool's own metadata: the first gap above everything reserved that
     * the boot mapping (first GiB) reaches. */
    /* On its own 2 MiB page, apart from the boot page tables: hypervisors
     * that shadow page tables slow down every write to a large page that
     * holds a page table. */
    paddr_t meta_at = ALIGN_UP(MAX(KIMG_TO_PHYS(_kernel_end), boot_info.info_end), 2UL << 20);
    if (meta_at + meta > (1ULL << 30))
        panic("frame pool metadata (%lu KiB) does not fit below 1 GiB", meta >> 10);
    resv[n++] = (struct ram_region){ meta_at, meta_at + meta };
    /* sort by start (insertion sort, tiny) */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && resv[j].start < resv[j - 1].start; j--) {
            struct ram_region t = resv[j]; resv[j] = resv[j - 1]; resv[j - 1] = t;
        }
    fpool_init(&pool, PHYS_TO_VIRT(meta_at), max_pfn);
    for (int i = boot_info.nram - 1; i >= 0; i--)
        add_usable(boot_info.ram[i].start, boot_info.ram[i].end, resv, n);
    kprintf("mm: %lu MiB usable in %lu frames (pool metadata %lu KiB)\n",
            (pool.total * PAGE_SIZE) >> 20, pool.total, meta >> 10);
}
