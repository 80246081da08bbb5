/* Sample buffers, order statistics and TSC calibration for the start-up
 * peer benchmark. */
#ifndef STARTUP_STATS_H
#define STARTUP_STATS_H

#include <stddef.h>
#include <stdint.h>

/* One measurement's samples: elapsed nanoseconds (CLOCK_MONOTONIC) and
 * elapsed TSC cycles, one pair per iteration, recorded in the same order. */
struct samples {
    uint64_t *ns;
    uint64_t *cycles;
    size_t n, cap;
};

/* Order statistics of one measurement. Percentiles use the nearest-rank
 * definition (the smallest sample with at least p% of samples <= it), so
 * min <= median <= p90 <= p99 <= max always holds. */
struct summary {
    size_t n;
    uint64_t min_ns, median_ns, p90_ns, p99_ns, max_ns;
    uint64_t min_cycles, median_cycles, p90_cycles, p99_cycles, max_cycles;
};

/* Room for exactly cap samples; samples_add returns -ENOSPC beyond that. */
int samples_init(struct samples *s, size_t cap);
int samples_add(struct samples *s, uint64_t ns, uint64_t cycles);
void samples_free(struct samples *s);
/* Sorts the samples in place (ns and cycles independently) and fills *out.
 * Returns -EINVAL when there are no samples. */
int samples_summarise(struct samples *s, struct summary *out);

static inline uint64_t tsc_read(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
    return ((uint64_t)hi << 32) | lo;
}

uint64_t mono_ns(void);

/* Measures the TSC frequency in Hz against CLOCK_MONOTONIC: several windows
 * of window_ms each, and the median of the per-window rates. */
double tsc_calibrate_hz(int windows, int window_ms);

#endif
