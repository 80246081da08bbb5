/*
 * mc_oom_test.c - the engine when the process refuses memory before -m is
 * reached (an FWP's memory quota, a host's limit). Linked with
 * -Wl,--wrap=malloc, so the test decides which item allocations fail: a
 * store then evicts the oldest items until its allocation succeeds
 * (counting malloc_fails and evictions) and answers STORED, or, when
 * memory never comes back, answers memcached's out-of-memory error.
 * Prints one "PASS name" / "FAIL name: why" line per test.
 */
#include "mc_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);

static int refuse;                      /* item allocations still to refuse (-1: all) */

/* items of this test are 2000-byte values: their allocations are 2000..2400 bytes */
void *__wrap_malloc(size_t n)
{
    if (refuse != 0 && n >= 2000 && n <= 2400) {
        if (refuse > 0)
            refuse--;
        return NULL;
    }
    return __real_malloc(n);
}

static int failures;
#define CHECK(name, cond, ...) do { if (cond) printf("PASS %s\n", name); \
    else { printf("FAIL %s: ", name); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

static char *run(mc_engine *e, const char *s, size_t n)
{
    mc_conn *c = mc_conn_create(e);
    mc_out o;
    mc_out_init(&o);
    mc_conn_feed(e, c, s, n, &o);
    char *r = __real_malloc(o.len + 1);
    memcpy(r, o.buf, o.len);
    r[o.len] = 0;
    mc_out_free(&o);
    mc_conn_destroy(e, c);
    return r;
}

static char *set(mc_engine *e, int i)
{
    static char cmd[2100];
    int n = snprintf(cmd, 64, "set k%d 0 0 2000\r\n", i);
    memset(cmd + n, 'v', 2000);
    memcpy(cmd + n + 2000, "\r\n", 2);
    return run(e, cmd, (size_t)n + 2002);
}

static long stat_of(mc_engine *e, const char *name)
{
    char *st = run(e, "stats\r\n", 7);
    char key[64];
    snprintf(key, sizeof key, "STAT %s ", name);
    const char *p = strstr(st, key);
    long v = p ? strtol(p + strlen(key), NULL, 10) : -1;
    free(st);
    return v;
}

static void test(bool slabs, bool no_evict, const char *name)
{
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.slab_allocator = slabs;
    cfg.evictions_disabled = no_evict;
    mc_engine *e = mc_engine_create(&cfg);
    mc_engine_set_clock(e, 1700000000);
    for (int i = 0; i < 10; i++)
        free(set(e, i));
    refuse = 3;                         /* memory comes back after three evictions */
    char *r1 = set(e, 10);
    char *g = run(e, "get k0 k2 k3 k10\r\n", 18);
    bool first_gone = strncmp(g, "VALUE k3 ", 9) == 0;
    long fails = stat_of(e, "malloc_fails"), ev = stat_of(e, "evictions");
    refuse = -1;                        /* memory never comes back */
    char *r2 = set(e, 11);
    long items = stat_of(e, "curr_items");
    refuse = 0;
    if (no_evict)
        CHECK(name, strcmp(r1, "SERVER_ERROR out of memory storing object\r\n") == 0 && fails == 1 && ev == 0 &&
                        strcmp(r2, r1) == 0 && items == 10,
              "store [%s] then [%s], malloc_fails %ld evictions %ld items %ld", r1, r2, fails, ev, items);
    else
        CHECK(name, strcmp(r1, "STORED\r\n") == 0 && first_gone && fails == 3 && ev == 3 &&
                        strcmp(r2, "SERVER_ERROR out of memory storing object\r\n") == 0 && items == 0,
              "store [%s] get [%.40s] malloc_fails %ld evictions %ld, then [%s] with %ld items", r1, g, fails, ev, r2,
              items);
    free(r1);
    free(r2);
    free(g);
    mc_engine_destroy(e);
}

int main(void)
{
    test(false, false, "oom-evicts-single-lru");
    test(true, false, "oom-evicts-slab-classes");
    test(false, true, "oom-with-M-refuses");
    return failures;
}
