/*
 * mc_unit.c - engine unit tests (no sockets): split invariance of the
 * stream parser, expiry against the injected clock, flush_all with delay,
 * LRU eviction under a memory limit, CAS uniqueness, UDP framing, the slab
 * allocator's classes, per-class eviction and page moves, watch (log lines,
 * bounded buffer, skipped=N, removal on destroy), turns of at most N
 * requests (mc_conn_feed_some), ASCII authentication and the
 * connection-buffer limit.
 * Prints one "PASS name" / "FAIL name: why" line per test; exit status is
 * the number of failures. Built plain and with ASan/UBSan.
 */
#include "mc_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(name, cond, ...) do { if (cond) printf("PASS %s\n", name); \
    else { printf("FAIL %s: ", name); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

static mc_engine *mk(uint64_t mem, int64_t now)
{
    mc_config cfg;
    mc_config_default(&cfg);
    if (mem)
        cfg.mem_limit = mem;
    mc_engine *e = mc_engine_create(&cfg);
    mc_engine_set_clock(e, now);
    return e;
}

/* feeds s in one piece, returns the output (malloc'd, NUL-terminated) */
static char *run(mc_engine *e, const char *s, size_t n)
{
    mc_conn *c = mc_conn_create(e);
    mc_out o;
    mc_out_init(&o);
    mc_conn_feed(e, c, s, n, &o);
    char *r = malloc(o.len + 1);
    if (o.len)
        memcpy(r, o.buf, o.len);
    r[o.len] = 0;
    mc_out_free(&o);
    mc_conn_destroy(e, c);
    return r;
}

static char *runs(mc_engine *e, const char *s) { return run(e, s, strlen(s)); }

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static const char *const pieces[] = {
    "set a 0 0 5\r\nhello\r\n", "get a b c\r\n", "gets a\r\n", "append a 0 0 3\r\nxyz\r\n",
    "incr n 5\r\n", "set n 3 0 2\r\n10\r\n", "decr n 100\r\n", "delete a\r\n", "delete a 0 noreply\r\n",
    "touch a 100\r\n", "gat 100 a n\r\n", "mg a v k s f t c O77\r\n", "ms m 3 T100 F7 c\r\nabc\r\n",
    "md m q\r\n", "ma n N0 J9 v\r\n", "mn\r\n", "bogus\r\n", "set b 0 0 2\r\nXYZ\r\n", "\r\n",
    "set big 0 0 3000\r\n", "cas a 0 0 1 1\r\nq\r\n", "flush_all 0 noreply\r\n", "version\r\n",
    "mg a q\r\n", "ms b64 2 b\r\nzz\r\n", "ms YWJj 2 b k\r\nzz\r\n", "mg YWJj b k v\r\n",
    "get 0123456789012345678901234567890123456789012345678901234567890123456789\r\n",
};

/* A random pipelined stream of 1..40 pieces into stream; returns its length. */
static size_t random_stream(char *stream)
{
    size_t n = 0;
    int k = 1 + (int)(rnd() % 40);
    for (int i = 0; i < k; i++) {
        const char *p = pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
        size_t l = strlen(p);
        memcpy(stream + n, p, l);
        n += l;
        if (strcmp(p, "set big 0 0 3000\r\n") == 0) {
            memset(stream + n, 'v', 3000);
            memcpy(stream + n + 3000, "\r\n", 2);
            n += 3002;
        }
    }
    return n;
}

static void test_split(void)
{
    char *stream = malloc(1 << 20);
    int bad = 0;
    for (int round = 0; round < 200 && !bad; round++) {
        size_t n = random_stream(stream);
        mc_engine *e1 = mk(0, 1700000000), *e2 = mk(0, 1700000000);
        char *whole = run(e1, stream, n);
        mc_conn *c = mc_conn_create(e2);
        mc_out o;
        mc_out_init(&o);
        for (size_t i = 0; i < n;) {
            size_t m = 1 + rnd() % (round % 3 == 0 ? 2 : 700);
            if (m > n - i) m = n - i;
            mc_conn_feed(e2, c, stream + i, m, &o);
            i += m;
        }
        if (o.len != strlen(whole) || memcmp(o.buf, whole, o.len) != 0)
            bad = round + 1;
        free(whole);
        mc_out_free(&o);
        mc_conn_destroy(e2, c);
        mc_engine_destroy(e1);
        mc_engine_destroy(e2);
    }
    free(stream);
    CHECK("unit-split-invariance", !bad, "round %d differs between one read and random splits", bad - 1);
}

/* mc_conn_idle: true exactly between requests (servers time out clients
 * that stall inside one). */
static void test_idle(void)
{
    mc_engine *e = mk(0, 1700000000);
    mc_conn *c = mc_conn_create(e);
    mc_out o;
    mc_out_init(&o);
    bool fresh = mc_conn_idle(c);
    mc_conn_feed(e, c, "get ke", 6, &o);
    bool in_line = mc_conn_idle(c);
    mc_conn_feed(e, c, "y\r\nset a 0 0 5\r\nhe", 18, &o);
    bool in_data = mc_conn_idle(c);
    mc_conn_feed(e, c, "llo\r\n", 5, &o);
    bool done = mc_conn_idle(c);
    CHECK("unit-conn-idle", fresh && !in_line && !in_data && done,
          "idle: fresh %d, mid-line %d, mid-value %d, after the value %d", fresh, in_line, in_data, done);
    mc_out_free(&o);
    mc_conn_destroy(e, c);
    mc_engine_destroy(e);
}

static void test_expiry(void)
{
    mc_engine *e = mk(0, 1700000000);
    free(runs(e, "set r 0 10 1\r\nx\r\nset abs 0 1700000005 1\r\ny\r\nset neg 0 -1 1\r\nz\r\n"));
    char *a = runs(e, "get r abs neg\r\n");
    mc_engine_set_clock(e, 1700000006);
    char *b = runs(e, "get r abs\r\n");
    mc_engine_set_clock(e, 1700000010);
    char *c = runs(e, "get r\r\n");
    CHECK("unit-expiry",
          strcmp(a, "VALUE r 0 1\r\nx\r\nVALUE abs 0 1\r\ny\r\nEND\r\n") == 0 &&
          strcmp(b, "VALUE r 0 1\r\nx\r\nEND\r\n") == 0 && strcmp(c, "END\r\n") == 0,
          "got [%s] [%s] [%s]", a, b, c);
    free(a); free(b); free(c);
    /* flush_all with a delay: items stay until the delay has passed */
    free(runs(e, "set f 0 0 1\r\nx\r\nflush_all 5\r\n"));
    char *d = runs(e, "get f\r\n");
    mc_engine_set_clock(e, 1700000016);
    char *f = runs(e, "get f\r\n");
    free(runs(e, "set g 0 0 1\r\nx\r\n"));
    char *g = runs(e, "get g\r\n");
    CHECK("unit-flush-delay", strcmp(d, "VALUE f 0 1\r\nx\r\nEND\r\n") == 0 && strcmp(f, "END\r\n") == 0 &&
          strcmp(g, "VALUE g 0 1\r\nx\r\nEND\r\n") == 0, "got [%s] [%s] [%s]", d, f, g);
    free(d); free(f); free(g);
    mc_engine_destroy(e);
}

static void test_lru(void)
{
    mc_engine *e = mk(200 * 1024, 1700000000);
    char cmd[2200];
    char val[1000];
    memset(val, 'v', sizeof(val));
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(cmd, sizeof(cmd), "set key%d 0 0 1000\r\n", i);
        memcpy(cmd + n, val, 1000);
        memcpy(cmd + n + 1000, "\r\n", 2);
        char *r = run(e, cmd, (size_t)n + 1002);
        free(r);
        if (i % 10 == 0)    /* keep key0 hot */
            free(runs(e, "get key0\r\n"));
    }
    char *hot = runs(e, "mg key0 s\r\nmg key999 s\r\nmg key1 s\r\n");
    char *st = runs(e, "stats\r\n");
    const char *ev = strstr(st, "STAT evictions ");
    long evictions = ev ? strtol(ev + 15, NULL, 10) : -1;
    const char *by = strstr(st, "STAT bytes ");
    long bytes = by ? strtol(by + 11, NULL, 10) : -1;
    CHECK("unit-lru-eviction",
          strcmp(hot, "HD s1000\r\nHD s1000\r\nEN\r\n") == 0 && evictions > 700 && bytes > 0 && bytes <= 200 * 1024,
          "mg [%s] evictions %ld bytes %ld", hot, evictions, bytes);
    free(hot); free(st);
    /* an item larger than the whole memory limit: out of memory, data swallowed */
    mc_engine *t = mk(2048, 1700000000);
    char big[2200];
    int n = snprintf(big, sizeof(big), "set huge 0 0 2000\r\n");
    memset(big + n, 'h', 2000);
    memcpy(big + n + 2000, "\r\nget huge\r\n", 12);
    char *r = run(t, big, (size_t)n + 2012);
    CHECK("unit-out-of-memory", strcmp(r, "SERVER_ERROR out of memory storing object\r\nEND\r\n") == 0, "got [%s]", r);
    free(r);
    mc_engine_destroy(t);
    mc_engine_destroy(e);
}

static void test_cas(void)
{
    mc_engine *e = mk(0, 1700000000);
    char *r = runs(e, "set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\ngets a b\r\nincr a 1\r\ngets a\r\n");
    unsigned long long c1, c2, c3;
    int ok = sscanf(r, "STORED\r\nSTORED\r\nVALUE a 0 1 %llu\r\n1\r\nVALUE b 0 1 %llu\r\n2\r\nEND\r\n2\r\nVALUE a 0 1 %llu", &c1, &c2, &c3) == 3;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "cas a 0 0 1 %llu\r\nX\r\ncas a 0 0 1 %llu\r\nY\r\n", c3, c3);
    char *r2 = runs(e, cmd);
    CHECK("unit-cas", ok && c1 < c2 && c2 < c3 && strcmp(r2, "STORED\r\nEXISTS\r\n") == 0, "got [%s] [%s]", r, r2);
    free(r); free(r2);
    mc_engine_destroy(e);
}

typedef struct { int n; size_t lens[64]; unsigned char hdr[64][8]; size_t total; } dgrams;
static void collect(void *ctx, const void *d, size_t len)
{
    dgrams *g = ctx;
    if (g->n < 64) {
        g->lens[g->n] = len;
        memcpy(g->hdr[g->n], d, 8);
    }
    g->n++;
    g->total += len - 8;
}

static void test_udp(void)
{
    mc_engine *e = mk(0, 1700000000);
    static char req[8 + 64 + 5000];
    memcpy(req, "\x12\x34\x00\x00\x00\x01\x00\x00", 8);
    int n = snprintf(req + 8, 64, "set u 0 0 4000\r\n");
    memset(req + 8 + n, 'u', 4000);
    memcpy(req + 8 + n + 4000, "\r\n", 2);
    dgrams g = {0};
    mc_udp_handle(e, req, 8 + (size_t)n + 4002, collect, &g);
    int stored = g.n == 1 && g.lens[0] == 16;
    memset(&g, 0, sizeof(g));
    mc_udp_handle(e, "\xab\xcd\x00\x00\x00\x01\x00\x00get u\r\n", 15, collect, &g);
    int ok = g.n == 3 && g.total == 16 + 4002 + 5;
    for (int i = 0; i < g.n && i < 64; i++)
        ok = ok && g.lens[i] <= 1400 && g.hdr[i][0] == 0xab && g.hdr[i][1] == 0xcd &&
             g.hdr[i][3] == i && g.hdr[i][5] == 3;
    dgrams m = {0};
    int dropped = mc_udp_handle(e, "\x00\x01\x00\x00\x00\x02\x00\x00get u\r\n", 15, collect, &m);
    CHECK("unit-udp-framing", stored && ok && dropped == -1 && m.n == 0,
          "stored %d n %d total %zu dropped %d", stored, g.n, g.total, dropped);
    mc_engine_destroy(e);
}

static long stat_of(const char *stats, const char *name)
{
    char key[96];
    snprintf(key, sizeof(key), "STAT %s ", name);
    const char *p = strstr(stats, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void set_n(mc_engine *e, const char *key, size_t len)
{
    char *cmd = malloc(len + 300);
    int n = snprintf(cmd, 300, "set %s 0 0 %zu\r\n", key, len);
    memset(cmd + n, 'v', len);
    memcpy(cmd + n + len, "\r\n", 2);
    free(run(e, cmd, (size_t)n + len + 2));
    free(cmd);
}

static void test_slabs(void)
{
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.mem_limit = 3 * 1024 * 1024;
    cfg.slab_allocator = true;
    mc_engine *e = mc_engine_create(&cfg);
    mc_engine_set_clock(e, 1700000000);
    set_n(e, "small", 10);
    char *st = runs(e, "stats slabs\r\n");
    CHECK("unit-slabs-classes",
          stat_of(st, "1:chunk_size") == 96 && stat_of(st, "1:chunks_per_page") == 10922 &&
              stat_of(st, "1:used_chunks") == 1 && stat_of(st, "active_slabs") == 1 &&
              stat_of(st, "total_malloced") == 1048576,
          "stats slabs [%.400s]", st);
    free(st);
    /* 40 items of class 31 (82792-byte chunks, 12 a page) in 3 MiB: the
     * class gets the two pages left and then evicts its own oldest items;
     * class 1's item stays */
    char key[32];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof(key), "big%d", i);
        set_n(e, key, 66560);
    }
    char *items = runs(e, "stats items\r\n");
    char *hit = runs(e, "mg small s\r\nmg big0 s\r\nmg big39 s\r\n");
    CHECK("unit-slabs-per-class-eviction",
          stat_of(items, "items:31:evicted") == 16 && stat_of(items, "items:31:number") == 24 &&
              stat_of(items, "items:1:evicted") == 0 && strcmp(hit, "HD s10\r\nEN\r\nHD s66560\r\n") == 0,
          "items [%.300s] mg [%s]", items, hit);
    free(items);
    free(hit);
    char *r = runs(e, "slabs reassign 31 31\r\nslabs reassign 70 1\r\nslabs reassign 5 1\r\n"
                      "slabs reassign 31 1\r\nslabs reassign x 1\r\n");
    st = runs(e, "stats slabs\r\nstats\r\n");
    CHECK("unit-slabs-reassign",
          strcmp(r, "SAME src and dst class are identical\r\nBADCLASS invalid src or dst class id\r\n"
                    "NOSPARE source class has no spare pages\r\nOK\r\nCLIENT_ERROR bad command line format\r\n") == 0 &&
              stat_of(st, "31:total_pages") == 1 && stat_of(st, "1:total_pages") == 2 &&
              stat_of(st, "slabs_moved") == 1 && stat_of(st, "slab_reassign_evictions_nomem") == 12,
          "replies [%s] stats [%.600s]", r, st);
    free(r);
    free(st);
    /* expired items of a class are reclaimed before it takes a new chunk */
    free(runs(e, "flush_all\r\n"));
    mc_engine_set_clock(e, 1700000002);
    set_n(e, "again", 66560);
    st = runs(e, "stats\r\n");
    CHECK("unit-slabs-reclaim", stat_of(st, "reclaimed") >= 1 && stat_of(st, "evictions") == 28,
          "reclaimed %ld evictions %ld", stat_of(st, "reclaimed"), stat_of(st, "evictions"));
    free(st);
    mc_engine_destroy(e);
}

/* watch: a watcher sees other connections' lookups and stores with their
 * ids, ignores its own input, holds at most its buffer when nobody drains
 * it, and is told how many lines it missed once it drains. */
static void test_watch(void)
{
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.watch_buf_size = 8192;
    mc_engine *e = mc_engine_create(&cfg);
    mc_engine_set_clock_us(e, 1700000000123456ll);
    /* as memcached: refused behind replies it has not transmitted yet
     * (it transmits after the get family and mn), noreply ones included */
    char *p1 = runs(e, "get a\r\nwatch\r\n"), *p2 = runs(e, "version\r\nwatch\r\n");
    char *p3 = runs(e, "set n 0 0 1 noreply\r\nb\r\nwatch\r\n");
    bool pipe = strcmp(p1, "END\r\nOK\r\n") == 0 && strstr(p2, "\r\nERROR cannot pipeline other commands before watch\r\n") &&
                strcmp(p3, "ERROR cannot pipeline other commands before watch\r\n") == 0;
    free(p1);
    free(p2);
    free(p3);
    mc_conn *w = mc_conn_create(e), *c = mc_conn_create(e);
    mc_conn_set_id(c, 42);
    mc_out wo, co;
    mc_out_init(&wo);
    mc_out_init(&co);
    const char *wreq = "watch fetchers mutations\r\nget x\r\n";
    mc_conn_feed(e, w, wreq, strlen(wreq), &wo);
    bool ok = wo.len == 4 && memcmp(wo.buf, "OK\r\n", 4) == 0 && mc_conn_watching(w) && mc_engine_watchers(e) == 1;
    mc_out_consume(&wo, wo.len);
    const char *req = "set a%b 0 0 1\r\nv\r\nget a%b\r\n";
    mc_conn_feed(e, c, req, strlen(req), &co);
    mc_watch_take(e, w, &wo, 1 << 20);
    char got[1024];
    size_t n = wo.len < sizeof got - 1 ? wo.len : sizeof got - 1;
    memcpy(got, wo.buf, n);
    got[n] = 0;
    const char *want =
        "ts=1700000000.123456 gid=1 type=item_get key=a%25b status=not_found clsid=0 cfd=42 size=0\n"
        "ts=1700000000.123456 gid=2 type=item_store key=a%25b status=stored cmd=set ttl=0 clsid=1 cfd=42 size=1\n"
        "ts=1700000000.123456 gid=3 type=item_get key=a%25b status=found clsid=1 cfd=42 size=1\n";
    bool lines = strcmp(got, want) == 0;
    mc_out_consume(&wo, wo.len);

    /* nobody drains: 2000 lines of ~100 bytes into an 8 KiB buffer */
    const char *miss = "get missing-key-with-some-length-to-it\r\n";
    for (int i = 0; i < 2000; i++)
        mc_conn_feed(e, c, miss, strlen(miss), &co);
    size_t held = mc_watch_take(e, w, &wo, 1 << 20);       /* the lines kept, then the report */
    size_t again = mc_watch_take(e, w, &wo, 1 << 20);      /* nothing more */
    bool bounded = false;
    if (wo.len > 0 && wo.buf[wo.len - 1] == '\n') {
        wo.buf[wo.len - 1] = 0;
        const char *last = strrchr(wo.buf, '\n');
        bounded = held > 0 && held <= 8192 && again == 0 && last && strncmp(last + 1, "skipped=", 8) == 0 &&
                  atoi(last + 9) > 1800;
    }
    mc_conn_destroy(e, w);
    bool removed = mc_engine_watchers(e) == 0;
    mc_conn_destroy(e, c);
    mc_out_free(&wo);
    mc_out_free(&co);
    mc_engine_destroy(e);
    CHECK("unit-watch", pipe && ok && lines && bounded && removed,
          "pipelining %d ok %d lines %d [%s] bounded %d (held %zu, then %zu) removed %d", pipe, ok, lines, got, bounded,
          held, again, removed);
}

/* A server's turns: each feed starts at most a random 1..5 requests and
 * the bytes it leaves are fed again, with more of the stream behind them.
 * The replies must be those of one whole feed. */
static void test_turns(void)
{
    char *stream = malloc(1 << 20), *pend = malloc(1 << 20);
    int bad = 0;
    const char *why = "";
    for (int round = 0; round < 200 && !bad; round++) {
        size_t n = random_stream(stream);
        mc_engine *e1 = mk(0, 1700000000), *e2 = mk(0, 1700000000);
        char *whole = run(e1, stream, n);
        mc_conn *c = mc_conn_create(e2);
        mc_out o;
        mc_out_init(&o);
        size_t np = 0, i = 0;
        while ((i < n || np > 0) && !mc_conn_closed(c)) {
            size_t m = 1 + rnd() % 300;
            if (m > n - i) m = n - i;
            memcpy(pend + np, stream + i, m);
            np += m;
            i += m;
            unsigned max = 1 + (unsigned)(rnd() % 5), started;
            size_t used = mc_conn_feed_some(e2, c, pend, np, &o, max, &started);
            if (started > max) {
                bad = round + 1;
                why = "more requests than allowed";
            }
            if (used < np && started < max && !mc_conn_closed(c)) {
                bad = round + 1;
                why = "stopped before its limit";
            }
            memmove(pend, pend + used, np - used);
            np -= used;
        }
        if (!bad && (o.len != strlen(whole) || memcmp(o.buf, whole, o.len) != 0)) {
            bad = round + 1;
            why = "replies differ from one whole feed";
        }
        free(whole);
        mc_out_free(&o);
        mc_conn_destroy(e2, c);
        mc_engine_destroy(e1);
        mc_engine_destroy(e2);
    }
    free(stream);
    free(pend);
    CHECK("unit-turns", !bad, "round %d: %s", bad - 1, why);
}

static mc_engine *mk_auth(void)
{
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.auth_required = true;
    mc_engine *e = mc_engine_create(&cfg);
    mc_engine_set_clock(e, 1700000000);
    return e;
}

/* ASCII authentication: refusals before it, the replies of memcached, the
 * credential table kept when a new text is malformed, any split. */
static void test_auth(void)
{
    mc_engine *e = mk_auth();
    const char *good = "alice:pw\nbob:b:c\r\n", *bad = "carol:x\n\n";   /* an empty line: malformed */
    int r1 = mc_engine_set_auth(e, good, strlen(good));
    int r2 = mc_engine_set_auth(e, bad, strlen(bad));
    const char *in = "get k\r\nset k 0 0 2\r\nhi\r\nset k 0 0 8\r\nalice pX\r\nset k 0 0 7\r\nbob b:c\r\n"
                     "set k 0 0 2\r\nhi\r\nget k\r\n";
    const char *want = "CLIENT_ERROR unauthenticated\r\nCLIENT_ERROR bad authentication token format\r\n"
                       "CLIENT_ERROR authentication failure\r\nSTORED\r\nSTORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n";
    char *got = runs(e, in);
    /* byte by byte */
    mc_conn *c = mc_conn_create(e);
    mc_out o;
    mc_out_init(&o);
    for (size_t i = 0; in[i]; i++)
        mc_conn_feed(e, c, in + i, 1, &o);
    bool split_ok = o.len == strlen(want) && memcmp(o.buf, want, o.len) == 0;
    mc_out_free(&o);
    mc_conn_destroy(e, c);
    char *other = runs(e, "set k 0 0 7\r\ncarol x\r\n");       /* never loaded */
    char *badterm = runs(e, "set k 0 0 2\r\nabcd\r\n");
    CHECK("unit-auth", r1 == MC_AUTH_OK && r2 == MC_AUTH_MALFORMED && strcmp(got, want) == 0 && split_ok &&
          strcmp(other, "CLIENT_ERROR authentication failure\r\n") == 0 &&
          strncmp(badterm, "CLIENT_ERROR bad command line termination\r\n", 43) == 0,
          "set_auth %d %d, got %s, split %d, carol %s, bad termination %s", r1, r2, got, split_ok, other, badterm);
    free(got);
    free(other);
    free(badterm);
    mc_engine_destroy(e);
}

/* Connection buffers: two 16 KiB buffers hold 26 reply objects. */
static void test_conn_bufs(void)
{
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.conn_buf_limit = 2 * MC_CONN_BUF_SIZE;
    mc_engine *e = mc_engine_create(&cfg);
    mc_engine_set_clock(e, 1700000000);
    char get26[256] = "get", get27[256];
    for (int i = 0; i < 2 * MC_RESP_PER_BUF; i++)
        strcat(get26, " k");
    snprintf(get27, sizeof get27, "%s k\r\n", get26);
    strcat(get26, "\r\n");
    char *fits = runs(e, get26), *over = runs(e, get27);
    /* 27 pipelined requests in one feed: closed, nothing sent */
    char pipe[27 * 4 + 1] = "";
    for (int i = 0; i < 27; i++)
        strcat(pipe, "mn\r\n");
    mc_conn *c = mc_conn_create(e);
    mc_out o;
    mc_out_init(&o);
    mc_conn_feed(e, c, pipe, strlen(pipe), &o);
    bool closed = mc_conn_closed(c) && o.len == 0;
    mc_conn_destroy(e, c);
    /* the same requests with the replies sent between feeds: all answered */
    c = mc_conn_create(e);
    size_t mns = 0;
    for (int i = 0; i < 27; i++) {
        mc_conn_feed(e, c, "mn\r\n", 4, &o);
        mns += o.len / 4;
        mc_out_consume(&o, o.len);
        mc_conn_sent(e, c);
    }
    bool paced = !mc_conn_closed(c) && mns == 27;
    mc_conn_destroy(e, c);
    mc_out_free(&o);
    CHECK("unit-conn-bufs", strcmp(fits, "END\r\n") == 0 &&
          strcmp(over, "SERVER_ERROR out of memory writing get response\r\n") == 0 && closed && paced,
          "26 keys %s, 27 keys %s, pipeline closed %d, paced %d", fits, over, closed, paced);
    free(fits);
    free(over);
    mc_engine_destroy(e);
}

int main(void)
{
    test_turns();
    test_auth();
    test_conn_bufs();
    test_split();
    test_expiry();
    test_lru();
    test_cas();
    test_udp();
    test_idle();
    test_slabs();
    test_watch();
    return failures;
}
