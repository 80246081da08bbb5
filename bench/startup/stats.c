#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

int samples_init(struct samples *s, size_t cap)
{
    size_t bytes = cap * sizeof(uint64_t);
    s->ns = s->cycles = NULL;
    s->n = s->cap = 0;
    if (cap == 0)
        return -EINVAL;
    /* Fixed-size anonymous mappings, excluded from fork children: the
     * parent's forkable footprint must not grow while a fork-based row is
     * being measured, or later iterations would copy more page tables than
     * earlier ones. Pages are touched lazily, so a large cap is cheap. */
    void *a = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return -ENOMEM;
    void *b = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) {
        munmap(a, bytes);
        return -ENOMEM;
    }
    madvise(a, bytes, MADV_DONTFORK);
    madvise(b, bytes, MADV_DONTFORK);
    s->ns = a;
    s->cycles = b;
    s->cap = cap;
    return 0;
}

int samples_add(struct samples *s, uint64_t ns, uint64_t cycles)
{
    if (s->n == s->cap)
        return -ENOSPC;
    s->ns[s->n] = ns;
    s->cycles[s->n] = cycles;
    s->n++;
    return 0;
}

void samples_free(struct samples *s)
{
    if (s->ns)
        munmap(s->ns, s->cap * sizeof(uint64_t));
    if (s->cycles)
        munmap(s->cycles, s->cap * sizeof(uint64_t));
    s->ns = s->cycles = NULL;
    s->n = s->cap = 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: index ceil(p/100 * n) - 1 of the sorted samples. */
static uint64_t rank(const uint64_t *sorted, size_t n, unsigned p)
{
    size_t r = ((size_t)p * n + 99) / 100;
    if (r == 0)
        r = 1;
    return sorted[r - 1];
}

int samples_summarise(struct samples *s, struct summary *out)
{
    if (s->n == 0)
        return -EINVAL;
    qsort(s->ns, s->n, sizeof *s->ns, cmp_u64);
    qsort(s->cycles, s->n, sizeof *s->cycles, cmp_u64);
    out->n = s->n;
    out->min_ns = s->ns[0];
    out->median_ns = rank(s->ns, s->n, 50);
    out->p90_ns = rank(s->ns, s->n, 90);
    out->p99_ns = rank(s->ns, s->n, 99);
    out->max_ns = s->ns[s->n - 1];
    out->min_cycles = s->cycles[0];
    out->median_cycles = rank(s->cycles, s->n, 50);
    out->p90_cycles = rank(s->cycles, s->n, 90);
    out->p99_cycles = rank(s->cycles, s->n, 99);
    out->max_cycles = s->cycles[s->n - 1];
    return 0;
}

uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tsc_calibrate_hz(int windows, int window_ms)
{
    double rates[64];
    if (windows > 64)
        windows = 64;
    if (windows < 1)
        windows = 1;
    for (int i = 0; i < windows; i++) {
        /* Busy-wait rather than sleep so a frequency-scaled or descheduled
         * core shows up as an outlier window, which the median discards. */
        uint64_t t0 = mono_ns(), c0 = tsc_read();
        uint64_t t1;
        do
            t1 = mono_ns();
        while (t1 - t0 < (uint64_t)window_ms * 1000000u);
        uint64_t c1 = tsc_read();
        rates[i] = (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
    }
    qsort(rates, (size_t)windows, sizeof rates[0], cmp_double);
    return rates[windows / 2];
}
