/* Minimal host test harness for the EdgeOS kernel unit tests.
 *
 * A test group is a function; CHECK() records the first failing condition of
 * the current group (with file:line) and the group is reported as one line:
 *     PASS <name>
 *     FAIL <name>: <why>
 * KNOWN_BUG groups are reported as FAIL as well (so that defects in the code
 * under test stay visible) but say so in the message. */
#ifndef EDGEOS_KU_TEST_H
#define EDGEOS_KU_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

/* Exit status when some group failed. Distinct from 1, which ASan and UBSan
 * use when they abort, so that run.sh can tell a crash from a failed check. */
#define KU_EXIT_FAILED 3

static char ku_why[512];
static int ku_failed_group;
static int ku_failures;
static const char *ku_suffix = "";   /* e.g. "[asan]" for the sanitizer build */

static inline void ku_fail(const char *file, int line, const char *fmt, ...)
{
    if (ku_failed_group)
        return;   /* keep the first failure of the group */
    ku_failed_group = 1;
    int n = snprintf(ku_why, sizeof ku_why, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ku_why + n, sizeof ku_why - (size_t)n, fmt, ap);
    va_end(ap);
}

#define CHECK(cond) do { if (!(cond)) ku_fail(__FILE__, __LINE__, "%s", #cond); } while (0)
#define CHECKF(cond, ...) do { if (!(cond)) ku_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define CHECK_EQ(a, b) do { unsigned long long ku_a = (unsigned long long)(a), ku_b = (unsigned long long)(b); \
    if (ku_a != ku_b) ku_fail(__FILE__, __LINE__, "%s == %s (0x%llx != 0x%llx)", #a, #b, ku_a, ku_b); } while (0)
#define CHECK_STR(a, b) do { const char *ku_a = (a), *ku_b = (b); \
    if (!ku_a || !ku_b || strcmp(ku_a, ku_b) != 0) ku_fail(__FILE__, __LINE__, "%s: \"%s\" != \"%s\"", #a, \
        ku_a ? ku_a : "(null)", ku_b ? ku_b : "(null)"); } while (0)

static inline void ku_run(const char *name, void (*fn)(void))
{
    ku_failed_group = 0;
    ku_why[0] = 0;
    fn();
    if (ku_failed_group) {
        printf("FAIL %s%s: %s\n", name, ku_suffix, ku_why);
        ku_failures++;
    } else {
        printf("PASS %s%s\n", name, ku_suffix);
    }
    fflush(stdout);
}

/* Deterministic PRNG (xorshift64*), so that property tests are reproducible. */
static unsigned long long ku_rng_state = 0x9e3779b97f4a7c15ULL;
static inline unsigned long long ku_rand(void)
{
    unsigned long long x = ku_rng_state;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    ku_rng_state = x;
    return x * 0x2545f4914f6cdd1dULL;
}
static inline void ku_seed(unsigned long long s) { ku_rng_state = s ? s : 1; }

static inline void ku_init(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--suffix=", 9) == 0)
            ku_suffix = argv[i] + 9;
}
#endif
