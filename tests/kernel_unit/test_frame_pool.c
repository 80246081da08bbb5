/* Host unit tests for the physical frame pool (kernel/mm/frame_pool.c). */
#include "ku_test.h"
#include <stdint.h>
#include <stdbool.h>
#include "frame_pool.h"

#define PG 4096ULL

static void *meta;
static struct frame_pool P;

static struct frame_pool *fresh(uint64_t max_pfn)
{
    free(meta);
    meta = malloc(fpool_meta_size(max_pfn));
    fpool_init(&P, meta, max_pfn);
    return &P;
}

static void t_init(void)
{
    struct frame_pool *p = fresh(64);
    CHECK_EQ(fpool_meta_size(64), 64 * (sizeof(uint32_t) + sizeof(uint16_t)));
    CHECK_EQ(fpool_free_count(p), 0);
    CHECK_EQ(p->total, 0);
    CHECK_EQ(fpool_alloc(p), 0);              /* empty pool */
    for (uint64_t pfn = 0; pfn < 64; pfn++)
        CHECK_EQ(fpool_refcount(p, pfn * PG), 0);  /* untracked */
}

static void t_alloc_order(void)
{
    struct frame_pool *p = fresh(64);
    CHECK_EQ(fpool_add_range(p, 8 * PG, 16 * PG), 8);
    CHECK_EQ(fpool_add_range(p, 32 * PG, 40 * PG), 8);
    /* Low frames first within a range; the range added last is on top. */
    for (uint64_t pfn = 32; pfn < 40; pfn++)
        CHECK_EQ(fpool_alloc(p), pfn * PG);
    for (uint64_t pfn = 8; pfn < 16; pfn++)
        CHECK_EQ(fpool_alloc(p), pfn * PG);
    CHECK_EQ(fpool_alloc(p), 0);
    /* Single range: strictly ascending. */
    p = fresh(300);
    CHECK_EQ(fpool_add_range(p, 0, 300 * PG), 299);
    uint64_t prev = 0;
    for (int i = 0; i < 299; i++) {
        uint64_t pa = fpool_alloc(p);
        CHECKF(pa > prev, "alloc %d returned 0x%llx after 0x%llx", i,
               (unsigned long long)pa, (unsigned long long)prev);
        CHECK_EQ(pa & (PG - 1), 0);
        prev = pa;
    }
    /* Freed frame is handed out again next (LIFO). */
    CHECK_EQ(fpool_put(p, 77 * PG), 0);
    CHECK_EQ(fpool_alloc(p), 77 * PG);
}

static void t_frame_zero(void)
{
    struct frame_pool *p = fresh(16);
    CHECK_EQ(fpool_add_range(p, 0, 16 * PG), 15);   /* frame 0 skipped */
    CHECK_EQ(fpool_add_range(p, 0, PG), 0);
    for (int i = 0; i < 15; i++)
        CHECK(fpool_alloc(p) != 0);
    CHECK_EQ(fpool_alloc(p), 0);
    CHECK_EQ(fpool_refcount(p, 0), 0);
    CHECK(!fpool_ref(p, 0));
    CHECK_EQ(fpool_put(p, 0), -1);
    CHECK_EQ(fpool_put(p, 100), -1);    /* inside frame 0 */
    /* Range [1 byte, 2 pages): frame 0 partial, frame 1 whole. */
    p = fresh(16);
    CHECK_EQ(fpool_add_range(p, 1, 2 * PG), 1);
    CHECK_EQ(fpool_alloc(p), PG);
}

static void t_add_range_rounding(void)
{
    struct frame_pool *p = fresh(64);
    /* [1.5 pages, 5.5 pages): whole frames 2, 3, 4. */
    CHECK_EQ(fpool_add_range(p, PG + PG / 2, 5 * PG + PG / 2), 3);
    CHECK_EQ(fpool_alloc(p), 2 * PG);
    CHECK_EQ(fpool_alloc(p), 3 * PG);
    CHECK_EQ(fpool_alloc(p), 4 * PG);
    CHECK_EQ(fpool_alloc(p), 0);
    CHECK_EQ(fpool_refcount(p, 1 * PG), 0);
    CHECK_EQ(fpool_refcount(p, 5 * PG), 0);
    CHECK_EQ(fpool_put(p, 5 * PG), -1);
    /* Less than a page, or a partial page straddling a boundary: nothing. */
    CHECK_EQ(fpool_add_range(p, 10 * PG + 1, 11 * PG + 4095), 0);
    CHECK_EQ(fpool_add_range(p, 20 * PG, 20 * PG + 4095), 0);
    CHECK_EQ(fpool_add_range(p, 30 * PG, 30 * PG), 0);
    CHECK_EQ(fpool_add_range(p, 31 * PG, 30 * PG), 0);   /* reversed */
    /* Exact boundaries. */
    CHECK_EQ(fpool_add_range(p, 40 * PG, 41 * PG), 1);
    CHECK_EQ(fpool_add_range(p, 41 * PG - 1, 42 * PG + 1), 1);   /* frame 41 */
    /* Clipped to max_pfn. */
    CHECK_EQ(fpool_add_range(p, 60 * PG, 1000 * PG), 4);
    CHECK_EQ(fpool_add_range(p, 100 * PG, 1000 * PG), 0);
    CHECK_EQ(p->total, 3 + 1 + 1 + 4);
    CHECK_EQ(fpool_free_count(p), 1 + 1 + 4);
}

static void t_double_add(void)
{
    struct frame_pool *p = fresh(64);
    CHECK_EQ(fpool_add_range(p, 4 * PG, 12 * PG), 8);
    CHECK_EQ(fpool_add_range(p, 4 * PG, 12 * PG), 0);
    CHECK_EQ(fpool_add_range(p, 8 * PG, 16 * PG), 4);     /* only 12..15 new */
    CHECK_EQ(fpool_free_count(p), 12);
    CHECK_EQ(p->total, 12);
    /* Re-adding allocated or freed frames must not put them on the stack. */
    uint64_t a = fpool_alloc(p);
    CHECK_EQ(a, 12 * PG);   /* the range added last is on top */
    CHECK_EQ(fpool_add_range(p, 0, 64 * PG), 63 - 12);
    CHECK_EQ(fpool_refcount(p, a), 1);
    CHECK_EQ(fpool_free_count(p), 63 - 1);
    CHECK_EQ(fpool_put(p, a), 0);
    CHECK_EQ(fpool_add_range(p, 0, 64 * PG), 0);
    CHECK_EQ(fpool_free_count(p), 63);
    /* Every frame comes out exactly once. */
    static unsigned char seen[64];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < 63; i++) {
        uint64_t pa = fpool_alloc(p);
        CHECK(pa != 0 && pa < 64 * PG);
        if (pa && pa < 64 * PG) {
            CHECKF(!seen[pa / PG], "frame %llu handed out twice", (unsigned long long)(pa / PG));
            seen[pa / PG] = 1;
        }
    }
    CHECK_EQ(fpool_alloc(p), 0);
}

static void t_exhaustion(void)
{
    struct frame_pool *p = fresh(1024);
    CHECK_EQ(fpool_add_range(p, 0, 1024 * PG), 1023);
    for (int i = 0; i < 1023; i++)
        CHECK(fpool_alloc(p) != 0);
    CHECK_EQ(fpool_free_count(p), 0);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(fpool_alloc(p), 0);
    CHECK_EQ(fpool_put(p, 500 * PG), 0);
    CHECK_EQ(fpool_alloc(p), 500 * PG);
    CHECK_EQ(fpool_alloc(p), 0);
}

static void t_ref_put(void)
{
    struct frame_pool *p = fresh(32);
    fpool_add_range(p, 0, 32 * PG);
    uint64_t a = fpool_alloc(p);
    uint64_t before = fpool_free_count(p);
    CHECK_EQ(fpool_refcount(p, a), 1);
    CHECK(fpool_ref(p, a));
    CHECK(fpool_ref(p, a + 123));   /* any address inside the frame */
    CHECK_EQ(fpool_refcount(p, a), 3);
    CHECK_EQ(fpool_put(p, a), 2);
    CHECK_EQ(fpool_put(p, a), 1);
    CHECK_EQ(fpool_free_count(p), before);
    CHECK_EQ(fpool_put(p, a), 0);
    CHECK_EQ(fpool_free_count(p), before + 1);
    CHECK_EQ(fpool_refcount(p, a), 0);
    /* Now free: put and ref refuse. */
    CHECK_EQ(fpool_put(p, a), -1);
    CHECK(!fpool_ref(p, a));
    CHECK_EQ(fpool_free_count(p), before + 1);
    /* Saturation: the count stops below the "untracked" marker. */
    uint64_t b = fpool_alloc(p);
    int refs = 1;
    while (fpool_ref(p, b) && refs < 70000)
        refs++;
    CHECK_EQ(refs, 0xfffe);
    CHECK_EQ(fpool_refcount(p, b), 0xfffe);
    CHECK_EQ(fpool_put(p, b), 0xfffd);
}

static void t_untracked(void)
{
    struct frame_pool *p = fresh(32);
    fpool_add_range(p, 8 * PG, 16 * PG);
    uint64_t n = fpool_free_count(p);
    /* Never added, never allocated, beyond max_pfn, absurd addresses. */
    uint64_t bad[] = { 0, 4 * PG, 20 * PG, 31 * PG, 32 * PG, 1000 * PG, 9 * PG /* free */,
                       0xfffffffffffff000ULL, 0x100000000000ULL };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECKF(fpool_put(p, bad[i]) == -1, "put(0x%llx) != -1", (unsigned long long)bad[i]);
        CHECKF(!fpool_ref(p, bad[i]), "ref(0x%llx) succeeded", (unsigned long long)bad[i]);
        CHECKF(fpool_refcount(p, bad[i]) == 0, "refcount(0x%llx) != 0", (unsigned long long)bad[i]);
    }
    CHECK_EQ(fpool_free_count(p), n);
}

/* An empty byte range near the top of the 64-bit space contains no whole
 * frame, so nothing may be added. */
static void t_add_range_top(void)
{
    struct frame_pool *p = fresh(64);
    uint64_t n = fpool_add_range(p, 0xfffffffffffff001ULL, 0xffffffffffffffffULL);
    CHECKF(n == 0, "KNOWN BUG: fpool_add_range(0xfffffffffffff001, 0xffffffffffffffff) added %llu frames "
           "(start + 4095 wraps to 0, so the whole pool [1, max_pfn) is added)", (unsigned long long)n);
    CHECK_EQ(fpool_free_count(p), 0);
}

/* Random alloc/ref/put sequence against a shadow model. */
static void t_property(void)
{
    enum { MAXPFN = 4096 };
    struct frame_pool *p = fresh(MAXPFN);
    static uint32_t model[MAXPFN];          /* refcount per pfn; tracked frames 1.. */
    static uint64_t held[MAXPFN];           /* frames with refcount > 0 */
    static int held_idx[MAXPFN];
    int nheld = 0;
    memset(model, 0, sizeof model);
    for (int i = 0; i < MAXPFN; i++) held_idx[i] = -1;
    /* Two ranges with a hole, partial ends. */
    fpool_add_range(p, 100, 1000 * PG + 5);
    fpool_add_range(p, 1500 * PG, MAXPFN * PG - 1);
    uint64_t start = fpool_free_count(p);
    CHECK_EQ(start, 999 + (MAXPFN - 1 - 1500));
    ku_seed(12345);
    long ops = 1000000;
    for (long k = 0; k < ops && !ku_failed_group; k++) {
        unsigned r = (unsigned)(ku_rand() % 100);
        if (r < 35) {
            uint64_t pa = fpool_alloc(p);
            uint64_t expect_free = start - (uint64_t)nheld;
            if (expect_free == 0) {
                CHECK_EQ(pa, 0);
                continue;
            }
            CHECKF(pa != 0, "op %ld: alloc failed with %llu free", k, (unsigned long long)expect_free);
            uint64_t pfn = pa / PG;
            CHECKF(pa % PG == 0 && pfn >= 1 && pfn < MAXPFN && !(pfn >= 1000 && pfn < 1500),
                   "op %ld: bad frame 0x%llx", k, (unsigned long long)pa);
            if (ku_failed_group) break;
            CHECKF(model[pfn] == 0, "op %ld: frame %llu allocated twice", k, (unsigned long long)pfn);
            model[pfn] = 1;
            held_idx[pfn] = nheld;
            held[nheld++] = pfn;
        } else if (r < 55 && nheld) {
            uint64_t pfn = held[ku_rand() % (uint64_t)nheld];
            CHECK(fpool_ref(p, pfn * PG + ku_rand() % PG));
            model[pfn]++;
        } else if (r < 95 && nheld) {
            uint64_t pfn = held[ku_rand() % (uint64_t)nheld];
            int rc = fpool_put(p, pfn * PG);
            model[pfn]--;
            CHECKF(rc == (int)model[pfn], "op %ld: put(%llu) = %d, model %u", k,
                   (unsigned long long)pfn, rc, model[pfn]);
            if (model[pfn] == 0) {
                int at = held_idx[pfn];
                held[at] = held[--nheld];
                held_idx[held[at]] = at;
                held_idx[pfn] = -1;
            }
        } else {
            /* Operations on a frame that is not allocated must be refused. */
            uint64_t pfn = ku_rand() % (MAXPFN + 64);
            if (pfn < MAXPFN && model[pfn])
                continue;
            CHECKF(fpool_put(p, pfn * PG) == -1, "op %ld: put of unallocated %llu", k, (unsigned long long)pfn);
            CHECKF(!fpool_ref(p, pfn * PG), "op %ld: ref of unallocated %llu", k, (unsigned long long)pfn);
        }
        CHECK_EQ(fpool_free_count(p), start - (uint64_t)nheld);
        if ((k & 4095) == 0) {
            for (uint64_t pfn = 0; pfn < MAXPFN; pfn++)
                CHECKF(fpool_refcount(p, pfn * PG) == model[pfn], "op %ld: refcount(%llu) %u != %u", k,
                       (unsigned long long)pfn, fpool_refcount(p, pfn * PG), model[pfn]);
        }
    }
    /* Drop everything: back to the starting free count. */
    while (nheld && !ku_failed_group) {
        uint64_t pfn = held[nheld - 1];
        while (model[pfn]) {
            model[pfn]--;
            CHECK_EQ(fpool_put(p, pfn * PG), model[pfn]);
        }
        nheld--;
    }
    CHECK_EQ(fpool_free_count(p), start);
    CHECK_EQ(p->total, start);
}

int main(int argc, char **argv)
{
    ku_init(argc, argv);
    ku_run("frame_pool.init", t_init);
    ku_run("frame_pool.alloc_order", t_alloc_order);
    ku_run("frame_pool.frame_zero_never", t_frame_zero);
    ku_run("frame_pool.add_range_rounding", t_add_range_rounding);
    ku_run("frame_pool.double_add_ignored", t_double_add);
    ku_run("frame_pool.exhaustion", t_exhaustion);
    ku_run("frame_pool.ref_put", t_ref_put);
    ku_run("frame_pool.put_untracked", t_untracked);
    ku_run("frame_pool.add_range_top_of_space", t_add_range_top);
    ku_run("frame_pool.property_1e6", t_property);
    free(meta);
    return ku_failures ? KU_EXIT_FAILED : 0;
}
