/* Host unit tests for the 4-level page-table helpers (kernel/mm/page_table.c).
 * "Physical memory" is an aligned arena; pt_ops translate physical addresses
 * into it and hand out zeroed table frames, counting them so that leaks and
 * double frees are caught. */
#include "ku_test.h"
#include <stdint.h>
#include <stdbool.h>
#include "page_table.h"

#define PG 4096ULL
#define ARENA_PAGES 4096
#define PHYS_BASE 0x40000000ULL   /* arena frame i is at PHYS_BASE + i*PG */

struct arena {
    unsigned char *mem;
    unsigned char used[ARENA_PAGES];
    long allocated;      /* tables currently allocated (root included) */
    long budget;         /* allocations still allowed; <0 = unlimited */
    int bad;             /* a helper touched memory it should not have */
};

static struct arena A;

static void *a_p2v(void *ctx, uint64_t pa)
{
    struct arena *a = ctx;
    if (pa < PHYS_BASE || pa >= PHYS_BASE + ARENA_PAGES * PG || (pa & (PG - 1))) {
        a->bad = 1;
        fprintf(stderr, "p2v of a bad table address 0x%llx\n", (unsigned long long)pa);
        abort();
    }
    uint64_t i = (pa - PHYS_BASE) / PG;
    if (!a->used[i]) {
        a->bad = 1;
        fprintf(stderr, "p2v of a free table frame 0x%llx\n", (unsigned long long)pa);
        abort();
    }
    return a->mem + (pa - PHYS_BASE);
}

static uint64_t a_alloc(void *ctx)
{
    struct arena *a = ctx;
    if (a->budget == 0)
        return 0;
    for (uint64_t i = 0; i < ARENA_PAGES; i++) {
        if (!a->used[i]) {
            a->used[i] = 1;
            memset(a->mem + i * PG, 0, PG);
            a->allocated++;
            if (a->budget > 0)
                a->budget--;
            return PHYS_BASE + i * PG;
        }
    }
    return 0;
}

static void a_free(void *ctx, uint64_t pa)
{
    struct arena *a = ctx;
    uint64_t i = (pa - PHYS_BASE) / PG;
    if (pa < PHYS_BASE || i >= ARENA_PAGES || (pa & (PG - 1)) || !a->used[i]) {
        a->bad = 1;
        fprintf(stderr, "free_table of 0x%llx: not an allocated table\n", (unsigned long long)pa);
        abort();
    }
    a->used[i] = 0;
    memset(a->mem + i * PG, 0xa5, PG);   /* poison: use after free shows up */
    a->allocated--;
}

static struct pt_ops O = { a_p2v, a_alloc, a_free, &A };

static uint64_t fresh_root(void)
{
    if (!A.mem) {
        A.mem = aligned_alloc(PG, ARENA_PAGES * PG);
        if (!A.mem) { perror("aligned_alloc"); exit(2); }
    }
    memset(A.used, 0, sizeof A.used);
    A.allocated = 0;
    A.budget = -1;
    A.bad = 0;
    return a_alloc(&A);
}

static uint64_t *tbl(uint64_t pa) { return a_p2v(&A, pa & PTE_ADDR); }

static void t_map_walk_unmap(void)
{
    uint64_t root = fresh_root();
    uint64_t va = 0x0000123456789000ULL, pa = 0x0000000abcdef000ULL;
    CHECK(pt_walk(&O, root, va, false, 0) == NULL);
    CHECK_EQ(A.allocated, 1);                        /* walk without create allocates nothing */
    CHECK_EQ(pt_unmap(&O, root, va), 0);
    CHECK_EQ(pt_map(&O, root, va, pa, PTE_W | PTE_U | PTE_NX), 0);
    CHECK_EQ(A.allocated, 4);                        /* PDPT, PD, PT */
    CHECK_EQ(pt_count_tables(&O, root, 0, 512), 3);
    uint64_t *e = pt_walk(&O, root, va, false, 0);
    CHECK(e != NULL);
    if (e)
        CHECK_EQ(*e, pa | PTE_W | PTE_U | PTE_NX | PTE_P);
    /* Every address inside the page walks to the same entry. */
    CHECK(pt_walk(&O, root, va + 0xfff, false, 0) == e);
    /* The path is made of present tables with W and U (user mapping). */
    uint64_t t = root;
    for (int level = 4; level > 1; level--) {
        uint64_t ent = tbl(t)[pt_index(va, level)];
        CHECK((ent & (PTE_P | PTE_W | PTE_U)) == (PTE_P | PTE_W | PTE_U));
        CHECK(!(ent & PTE_PS));
        t = ent & PTE_ADDR;
    }
    /* Neighbour page in the same PT: no new table. */
    CHECK_EQ(pt_map(&O, root, va + PG, pa + PG, PTE_W), 0);
    CHECK_EQ(A.allocated, 4);
    /* Physical address bits outside PTE_ADDR are dropped. */
    CHECK_EQ(pt_map(&O, root, va + 2 * PG, pa + 2 * PG + 0x123, 0), 0);
    e = pt_walk(&O, root, va + 2 * PG, false, 0);
    CHECK(e && *e == ((pa + 2 * PG) | PTE_P));
    /* Unmap returns the old entry and leaves a zero entry (tables stay). */
    CHECK_EQ(pt_unmap(&O, root, va), pa | PTE_W | PTE_U | PTE_NX | PTE_P);
    e = pt_walk(&O, root, va, false, 0);
    CHECK(e && *e == 0);
    CHECK_EQ(pt_unmap(&O, root, va), 0);
    CHECK_EQ(A.allocated, 4);
    /* Remap after unmap works. */
    CHECK_EQ(pt_map(&O, root, va, pa, PTE_W), 0);
    /* Kernel mapping in another PML4 slot: intermediates without U. */
    uint64_t kva = 0xffff800000200000ULL;
    CHECK_EQ(pt_map(&O, root, kva, 0x200000, PTE_W | PTE_G), 0);
    t = root;
    for (int level = 4; level > 1; level--) {
        uint64_t ent = tbl(t)[pt_index(kva, level)];
        CHECK((ent & (PTE_P | PTE_W)) == (PTE_P | PTE_W));
        CHECK(!(ent & PTE_U));
        t = ent & PTE_ADDR;
    }
    CHECK_EQ(A.allocated, 7);
    /* walk with create and explicit intermediate flags. */
    e = pt_walk(&O, root, 0x7000000000ULL, true, PTE_W | PTE_U);
    CHECK(e && *e == 0);
    CHECK_EQ(A.allocated, 10);
    CHECK_EQ(pt_count_tables(&O, root, 0, 512), 9);
    pt_free_tables(&O, root, 0, 512);
    CHECK_EQ(A.allocated, 1);
    CHECK(!A.bad);
}

static void t_eexist(void)
{
    uint64_t root = fresh_root();
    uint64_t va = 0x400000;
    CHECK_EQ(pt_map(&O, root, va, 0x1000, PTE_W), 0);
    long n = A.allocated;
    CHECK_EQ(pt_map(&O, root, va, 0x2000, PTE_U), -17);
    CHECK_EQ(pt_map(&O, root, va + 0x800, 0x2000, 0), -17);  /* same page */
    uint64_t *e = pt_walk(&O, root, va, false, 0);
    CHECK(e && *e == (0x1000 | PTE_W | PTE_P));   /* untouched */
    CHECK_EQ(A.allocated, n);
    /* A non-present, non-zero entry (software bits) is not "mapped". */
    *e = PTE_RSV;
    CHECK_EQ(pt_map(&O, root, va, 0x3000, 0), 0);
    CHECK(*e == (0x3000 | PTE_P));
    pt_free_tables(&O, root, 0, 512);
    CHECK_EQ(A.allocated, 1);
}

static void t_enomem(void)
{
    for (long budget = 0; budget < 3; budget++) {
        uint64_t root = fresh_root();
        A.budget = budget;
        uint64_t va = 0x00007fffdead0000ULL;
        CHECKF(pt_map(&O, root, va, 0x5000, PTE_W | PTE_U) == -12, "budget %ld", budget);
        /* Whatever was allocated is reachable (no leak)... */
        CHECK_EQ(A.allocated, 1 + budget);
        CHECK_EQ(pt_count_tables(&O, root, 0, 512), (uint64_t)budget);
        CHECK(pt_walk(&O, root, va, false, 0) == NULL);
        /* ...and is reused once memory is available again. */
        A.budget = -1;
        CHECK_EQ(pt_map(&O, root, va, 0x5000, PTE_W | PTE_U), 0);
        CHECK_EQ(A.allocated, 4);
        pt_free_tables(&O, root, 0, 512);
        CHECK_EQ(A.allocated, 1);
    }
    /* Walk with create reports failure as NULL. */
    uint64_t root = fresh_root();
    A.budget = 1;
    CHECK(pt_walk(&O, root, 0x1000, true, PTE_W) == NULL);
    CHECK_EQ(A.allocated, 2);
    pt_free_tables(&O, root, 0, 512);
    CHECK_EQ(A.allocated, 1);
    CHECK(!A.bad);
}

static void t_large_page(void)
{
    uint64_t root = fresh_root();
    /* Build PML4 -> PDPT -> PD, then put a 2 MiB page in the PD. */
    CHECK_EQ(pt_map(&O, root, 0x40000000ULL, 0x1000, PTE_W), 0);   /* creates tables for 1 GiB..2 GiB */
    uint64_t pdpt = tbl(root)[0] & PTE_ADDR;
    uint64_t pd = tbl(pdpt)[1] & PTE_ADDR;
    tbl(pd)[5] = 0x00a00000ULL | PTE_P | PTE_W | PTE_PS;        /* va 0x40a00000 */
    uint64_t big = 0x40a00000ULL;
    CHECK(pt_walk(&O, root, big, false, 0) == NULL);
    CHECK(pt_walk(&O, root, big + 0x1000, true, PTE_W) == NULL);
    CHECK_EQ(pt_unmap(&O, root, big), 0);
    CHECK(pt_map(&O, root, big, 0x2000, 0) < 0);
    CHECK_EQ(tbl(pd)[5], 0x00a00000ULL | PTE_P | PTE_W | PTE_PS);
    CHECK_EQ(pt_count_tables(&O, root, 0, 512), 3);
    pt_free_tables(&O, root, 0, 512);   /* must not free the large page's "frame" */
    CHECK_EQ(A.allocated, 1);
    CHECK(!A.bad);
}

/* --- pt_for_each ------------------------------------------------------- */

#define MAXV 4096
struct visit { uint64_t va[MAXV]; int n; int order_ok; int bad_pte; };

static void record(void *arg, uint64_t va, uint64_t *pte)
{
    struct visit *v = arg;
    if (v->n && va <= v->va[v->n - 1])
        v->order_ok = 0;
    if (v->n < MAXV)
        v->va[v->n] = va;
    v->n++;
    /* The entry handed over must be the one pt_walk finds. */
    if (pt_walk(&O, (uint64_t)PHYS_BASE, va, false, 0) != pte)
        v->bad_pte = 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t canon(uint64_t va)
{
    va &= 0x0000fffffffff000ULL;
    if (va & (1ULL << 47))
        va |= 0xffff000000000000ULL;
    return va;
}

/* Checks pt_for_each on [s, e) against the sorted list of mapped pages. */
static void check_range(uint64_t root, const uint64_t *mapped, int n, uint64_t s, uint64_t e)
{
    static struct visit v;
    v.n = 0; v.order_ok = 1; v.bad_pte = 0;
    pt_for_each(&O, root, s, e, record, &v);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (mapped[i] + PG <= s || mapped[i] >= e)
            continue;
        if (k >= v.n || v.va[k] != mapped[i]) {
            ku_fail(__FILE__, __LINE__, "range [0x%llx, 0x%llx): expected visit of 0x%llx, got %s0x%llx",
                    (unsigned long long)s, (unsigned long long)e, (unsigned long long)mapped[i],
                    k < v.n ? "" : "nothing; last ", (unsigned long long)(k < v.n ? v.va[k] : 0));
            return;
        }
        k++;
    }
    CHECKF(v.n == k, "range [0x%llx, 0x%llx): %d visits, expected %d", (unsigned long long)s,
           (unsigned long long)e, v.n, k);
    CHECK(v.order_ok);
    CHECK(!v.bad_pte);
}

static void build_random(uint64_t root, uint64_t *mapped, int *n, int count, uint64_t lo_pml4, uint64_t hi_pml4)
{
    *n = 0;
    while (*n < count) {
        uint64_t r = ku_rand();
        uint64_t slot = lo_pml4 + (r % (hi_pml4 - lo_pml4));
        uint64_t va;
        /* Cluster most pages so tables are shared, scatter the rest. */
        if (ku_rand() % 4)
            va = (slot << 39) | ((ku_rand() % 3) << 30) | ((ku_rand() % 3) << 21) | ((ku_rand() % 512) << 12);
        else
            va = (slot << 39) | (ku_rand() & 0x7ffffff000ULL);
        va = canon(va);
        int rc = pt_map(&O, root, va, (ku_rand() & 0xffffff) << 12, PTE_W | (va >> 63 ? 0 : PTE_U));
        if (rc == -17)
            continue;
        CHECK_EQ(rc, 0);
        if (rc)
            return;
        mapped[(*n)++] = va;
    }
    qsort(mapped, (size_t)*n, sizeof mapped[0], cmp_u64);
}

static uint64_t expected_tables(const uint64_t *mapped, int n)
{
    /* Distinct PDPTs (per PML4 slot), PDs (per 512 GiB/1 GiB prefix), PTs. */
    uint64_t t = 0;
    for (int shift = 39; shift >= 21; shift -= 9) {
        uint64_t prev = 0; int have = 0;
        for (int i = 0; i < n; i++) {
            uint64_t key = (mapped[i] & 0x0000ffffffffffffULL) >> shift;
            if (!have || key != prev) { t++; prev = key; have = 1; }
        }
    }
    return t;
}

static void t_for_each(void)
{
    static uint64_t mapped[1200];
    int n;
    uint64_t root = fresh_root();
    ku_seed(777);
    /* Lower half (PML4 0..255) and upper half below the last slot (256..510). */
    build_random(root, mapped, &n, 600, 0, 4);
    int n1 = n;
    build_random(root, mapped + n1, &n, 600, 254, 511);
    n += n1;
    qsort(mapped, (size_t)n, sizeof mapped[0], cmp_u64);
    CHECK_EQ(pt_count_tables(&O, root, 0, 512), expected_tables(mapped, n));
    CHECK_EQ((uint64_t)A.allocated, 1 + expected_tables(mapped, n));
    /* Whole space, lower half, upper half, PML4-spanning ranges. */
    check_range(root, mapped, n, 0, 0x0000800000000000ULL);
    check_range(root, mapped, n, 0xffff800000000000ULL, 0xffffff8000000000ULL);
    check_range(root, mapped, n, 0x0000008000000000ULL - 0x200000, 0x0000018000000000ULL + 0x200000);
    check_range(root, mapped, n, 0x00007f8000000000ULL, 0xffff808000000000ULL);
    check_range(root, mapped, n, 0, 0);
    /* Random sub-ranges, including unaligned bounds and bounds on mapped pages. */
    for (int i = 0; i < 2000 && !ku_failed_group; i++) {
        uint64_t s, e;
        if (i % 3 == 0) {
            s = mapped[ku_rand() % (uint64_t)n] + (ku_rand() % 3 == 0 ? ku_rand() % PG : 0);
            e = mapped[ku_rand() % (uint64_t)n] + (ku_rand() % 2 ? PG : 0);
        } else {
            s = canon(ku_rand() % 512 < 4 || ku_rand() % 2 ? (ku_rand() % 4) << 39 | (ku_rand() & 0x7fffffffffULL)
                                                         : ku_rand()) | (ku_rand() % PG);
            e = canon(ku_rand());
        }
        if (s > e) { uint64_t t = s; s = e; e = t; }
        check_range(root, mapped, n, s, e);
    }
    /* A non-present but non-zero leaf (software reservation) is visited. */
    uint64_t rva = 0x0000000123400000ULL;
    uint64_t *pe = pt_walk(&O, root, rva, true, PTE_W | PTE_U);
    CHECK(pe != NULL);
    if (pe) {
        int had = 0;
        for (int i = 0; i < n; i++) had |= mapped[i] == rva;
        if (!had) {
            *pe = PTE_RSV;
            static struct visit v;
            v.n = 0; v.order_ok = 1; v.bad_pte = 0;
            pt_for_each(&O, root, rva, rva + PG, record, &v);
            CHECK(v.n == 1 && v.va[0] == rva);
            *pe = 0;
        }
    }
    pt_free_tables(&O, root, 0, 512);
    CHECK_EQ(A.allocated, 1);
    CHECK(!A.bad);
}

static void clear_leaf(void *arg, uint64_t va, uint64_t *pte)
{
    (void)va;
    (*(int *)arg)++;
    *pte = 0;
}

static void t_for_each_modify(void)
{
    uint64_t root = fresh_root();
    for (uint64_t i = 0; i < 1024; i++)
        CHECK_EQ(pt_map(&O, root, 0x10000000ULL + i * PG, i * PG, PTE_W), 0);
    int cnt = 0;
    pt_for_each(&O, root, 0x10000000ULL + 100 * PG, 0x10000000ULL + 900 * PG, clear_leaf, &cnt);
    CHECK_EQ(cnt, 800);
    cnt = 0;
    pt_for_each(&O, root, 0, 0x0000800000000000ULL, clear_leaf, &cnt);
    CHECK_EQ(cnt, 224);
    cnt = 0;
    pt_for_each(&O, root, 0, 0x0000800000000000ULL, clear_leaf, &cnt);
    CHECK_EQ(cnt, 0);
    pt_free_tables(&O, root, 0, 512);
    CHECK_EQ(A.allocated, 1);
}

/* The last PML4 slot (511) holds the kernel image at 0xffffffff80000000. */
static void t_for_each_top_slot(void)
{
    uint64_t root = fresh_root();
    uint64_t pages[] = { 0xffffff8000000000ULL, 0xffffffff80000000ULL, 0xfffffffffffff000ULL };
    for (int i = 0; i < 3; i++)
        CHECK_EQ(pt_map(&O, root, pages[i], 0x1000ULL * (uint64_t)(i + 1), PTE_W), 0);
    static struct visit v;
    v.n = 0; v.order_ok = 1; v.bad_pte = 0;
    pt_for_each(&O, root, 0xffff800000000000ULL, 0xffffffffffffffffULL, record, &v);
    CHECKF(v.n == 3, "KNOWN BUG: pt_for_each over [0xffff800000000000, 0xffffffffffffffff) visited %d of the 3 "
           "pages mapped in PML4 slot 511 (va + span overflows to 0 in walk_range, so the slot is skipped)", v.n);
    CHECK(!v.bad_pte);
    pt_free_tables(&O, root, 0, 512);
    CHECK_EQ(A.allocated, 1);
}

static void t_free_and_count(void)
{
    static uint64_t mapped[2000];
    int n;
    uint64_t root = fresh_root();
    ku_seed(4242);
    build_random(root, mapped, &n, 1500, 0, 512);
    uint64_t all = pt_count_tables(&O, root, 0, 512);
    CHECK_EQ(all, expected_tables(mapped, n));
    CHECK_EQ((uint64_t)A.allocated, all + 1);
    /* Counts of disjoint slot ranges add up. */
    uint64_t lower = pt_count_tables(&O, root, 0, 256), upper = pt_count_tables(&O, root, 256, 512);
    CHECK_EQ(lower + upper, all);
    CHECK_EQ(pt_count_tables(&O, root, 0, 100000), all);   /* clamped to 512 */
    CHECK_EQ(pt_count_tables(&O, root, 7, 7), 0);
    /* Freeing the lower half leaves the upper half intact. */
    pt_free_tables(&O, root, 0, 256);
    CHECK_EQ((uint64_t)A.allocated, 1 + upper);
    CHECK_EQ(pt_count_tables(&O, root, 0, 256), 0);
    CHECK_EQ(pt_count_tables(&O, root, 256, 512), upper);
    for (int i = 0; i < 256; i++)
        CHECK_EQ(tbl(root)[i], 0);
    for (int i = 0; i < n; i++) {
        uint64_t *e = pt_walk(&O, root, mapped[i], false, 0);
        if (mapped[i] >> 63)
            CHECK(e && (*e & PTE_P));
        else
            CHECK(e == NULL);
    }
    pt_free_tables(&O, root, 256, 100000);
    CHECK_EQ(A.allocated, 1);
    for (int i = 0; i < 512; i++)
        CHECK_EQ(tbl(root)[i], 0);
    /* Large-page entries at PDPT level are not descended into. */
    CHECK_EQ(pt_map(&O, root, 0x1000, 0x1000, 0), 0);
    uint64_t pdpt = tbl(root)[0] & PTE_ADDR;
    tbl(pdpt)[3] = 0xc0000000ULL | PTE_P | PTE_PS;
    CHECK_EQ(pt_count_tables(&O, root, 0, 1), 3);
    pt_free_tables(&O, root, 0, 1);
    CHECK_EQ(A.allocated, 1);
    CHECK(!A.bad);
}

/* pt_prune frees exactly the tables left empty by an unmap, at every level,
 * and keeps tables that still hold a mapping or a software-only entry. */
static void t_prune(void)
{
    uint64_t root = fresh_root();
    const uint64_t a = 0x7f0000000000ULL - 0x400000ULL;   /* two 2 MiB regions below the top */
    const uint64_t b = 0x000040000000ULL;                  /* another PDPT entry (1 GiB) */
    for (uint64_t i = 0; i < 1024; i++)
        CHECK_EQ(pt_map(&O, root, a + i * PG, 0x100000 + i * PG, PTE_W | PTE_U), 0);
    CHECK_EQ(pt_map(&O, root, b, 0x200000, PTE_W | PTE_U), 0);
    /* root + PDPT(s) + PD(s) + 2 PTs for a, PD + PT for b */
    long before = A.allocated;
    CHECK_EQ(pt_count_tables(&O, root, 0, 256), (uint64_t)before - 1);
    /* Unmap the lower 2 MiB of a: one PT empties and is freed. */
    for (uint64_t i = 0; i < 512; i++)
        pt_unmap(&O, root, a + i * PG);
    pt_prune(&O, root, a, a + 0x200000);
    CHECK_EQ(A.allocated, before - 1);
    CHECK(pt_walk(&O, root, a + 512 * PG, false, 0) != NULL);
    CHECK_EQ(*pt_walk(&O, root, a + 600 * PG, false, 0) & PTE_ADDR, 0x100000 + 600 * PG);
    CHECK(pt_walk(&O, root, b, false, 0) != NULL);
    /* A software-only entry (a reservation) keeps its table. */
    *pt_walk(&O, root, a + 700 * PG, false, 0) = PTE_RSV;
    for (uint64_t i = 512; i < 1024; i++)
        if (i != 700)
            pt_unmap(&O, root, a + i * PG);
    pt_prune(&O, root, a, a + 0x400000);
    CHECK_EQ(A.allocated, before - 1);
    CHECK_EQ(*pt_walk(&O, root, a + 700 * PG, false, 0), PTE_RSV);
    /* Clearing it empties the PT, and the PD and PDPT above it when nothing
     * else is under them; b's tables stay. */
    pt_unmap(&O, root, a + 700 * PG);
    pt_prune(&O, root, a + 700 * PG, a + 701 * PG);
    CHECK(pt_walk(&O, root, a + 700 * PG, false, 0) == NULL);
    CHECK_EQ(tbl(root)[pt_index(a, 4)], 0);
    CHECK_EQ(*pt_walk(&O, root, b, false, 0) & PTE_ADDR, 0x200000);
    CHECK_EQ(pt_count_tables(&O, root, 0, 256), 3);       /* PDPT, PD, PT of b */
    /* An empty range, or one with no tables, changes nothing. */
    pt_prune(&O, root, b, b);
    pt_prune(&O, root, 0x10000000000ULL, 0x20000000000ULL);
    CHECK_EQ(A.allocated, 4);
    pt_unmap(&O, root, b);
    pt_prune(&O, root, 0, 0x800000000000ULL);
    CHECK_EQ(A.allocated, 1);
    CHECK(!A.bad);
}

int main(int argc, char **argv)
{
    ku_init(argc, argv);
    fresh_root();   /* the root of every test is the first arena frame */
    ku_run("page_table.map_walk_unmap", t_map_walk_unmap);
    ku_run("page_table.eexist", t_eexist);
    ku_run("page_table.enomem_no_leak", t_enomem);
    ku_run("page_table.large_page", t_large_page);
    ku_run("page_table.for_each_ranges", t_for_each);
    ku_run("page_table.for_each_modify", t_for_each_modify);
    ku_run("page_table.for_each_top_pml4_slot", t_for_each_top_slot);
    ku_run("page_table.free_and_count", t_free_and_count);
    ku_run("page_table.prune", t_prune);
    free(A.mem);
    return ku_failures ? KU_EXIT_FAILED : 0;
}
