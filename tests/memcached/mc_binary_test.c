/*
 * mc_binary_test.c - unit tests of the engine's binary protocol (no
 * sockets): every opcode and its quiet form, CAS, flags and expiry, incr/decr
 * with initial values, the status codes and error texts memcached sends,
 * split invariance at every byte, malformed requests, UDP framing.
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

enum {
    GET = 0x00, SET = 0x01, ADD = 0x02, REPLACE = 0x03, DELETE = 0x04, INCR = 0x05, DECR = 0x06,
    QUIT = 0x07, FLUSH = 0x08, GETQ = 0x09, NOOP = 0x0a, VERSION = 0x0b, GETK = 0x0c, GETKQ = 0x0d,
    APPEND = 0x0e, PREPEND = 0x0f, STAT = 0x10, SETQ = 0x11, ADDQ = 0x12, REPLACEQ = 0x13,
    DELETEQ = 0x14, INCRQ = 0x15, DECRQ = 0x16, QUITQ = 0x17, FLUSHQ = 0x18, APPENDQ = 0x19,
    PREPENDQ = 0x1a, VERBOSITY = 0x1b, TOUCH = 0x1c, GAT = 0x1d, GATQ = 0x1e, SASL_LIST = 0x20,
    SASL_AUTH = 0x21, GATK = 0x23, GATKQ = 0x24,
};

/* ---- packets ----------------------------------------------------------- */

typedef struct { unsigned char *p; size_t n, cap; } buf;

static void put(buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void be(unsigned char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t rd(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Appends a request; lengths are the real ones unless overridden (>= 0). */
static void req_raw(buf *b, int op, const char *key, const void *ext, int extlen, const char *val,
                    size_t vlen, uint32_t opaque, uint64_t cas, long keylen_ovr, long bodylen_ovr)
{
    unsigned char h[24] = {0x80, (unsigned char)op};
    size_t kl = key ? strlen(key) : 0;
    be(h + 2, keylen_ovr >= 0 ? (uint64_t)keylen_ovr : kl, 2);
    h[4] = (unsigned char)extlen;
    be(h + 8, bodylen_ovr >= 0 ? (uint64_t)bodylen_ovr : kl + (size_t)extlen + vlen, 4);
    be(h + 12, opaque, 4);
    be(h + 16, cas, 8);
    put(b, h, 24);
    put(b, ext, (size_t)extlen);
    put(b, key, kl);
    put(b, val, vlen);
}

static void req(buf *b, int op, const char *key, const void *ext, int extlen, const char *val,
                uint32_t opaque, uint64_t cas)
{
    req_raw(b, op, key, ext, extlen, val, val ? strlen(val) : 0, opaque, cas, -1, -1);
}

static void req_set(buf *b, int op, const char *key, uint32_t flags, uint32_t exp, const char *val,
                    uint32_t opaque, uint64_t cas)
{
    unsigned char ext[8];
    be(ext, flags, 4);
    be(ext + 4, exp, 4);
    req(b, op, key, ext, 8, val, opaque, cas);
}

static void req_arith(buf *b, int op, const char *key, uint64_t delta, uint64_t initial, uint32_t exp,
                      uint32_t opaque, uint64_t cas)
{
    unsigned char ext[20];
    be(ext, delta, 8);
    be(ext + 8, initial, 8);
    be(ext + 16, exp, 4);
    req(b, op, key, ext, 20, NULL, opaque, cas);
}

static void req_exp(buf *b, int op, const char *key, uint32_t exp, uint32_t opaque)
{
    unsigned char ext[4];
    be(ext, exp, 4);
    req(b, op, key, ext, 4, NULL, opaque, 0);
}

/* One response as parsed from the output. */
typedef struct {
    int opcode, status, extlen, keylen;
    uint32_t bodylen, opaque;
    uint64_t cas;
    const unsigned char *ext, *key, *val;
    size_t vlen;
} resp;

typedef struct { resp r[256]; int n; bool bad; } resps;

static void parse(const unsigned char *p, size_t n, resps *out)
{
    memset(out, 0, sizeof(*out));
    size_t i = 0;
    while (i + 24 <= n && out->n < 256) {
        resp *r = &out->r[out->n++];
        const unsigned char *h = p + i;
        if (h[0] != 0x81)
            out->bad = true;
        r->opcode = h[1];
        r->keylen = (int)rd(h + 2, 2);
        r->extlen = h[4];
        r->status = (int)rd(h + 6, 2);
        r->bodylen = (uint32_t)rd(h + 8, 4);
        r->opaque = (uint32_t)rd(h + 12, 4);
        r->cas = rd(h + 16, 8);
        if (i + 24 + r->bodylen > n) {
            out->bad = true;
            return;
        }
        r->ext = h + 24;
        r->key = r->ext + r->extlen;
        r->val = r->key + r->keylen;
        r->vlen = r->bodylen - (size_t)r->extlen - (size_t)r->keylen;
        i += 24 + r->bodylen;
    }
    if (i != n)
        out->bad = true;
}

static mc_engine *mk(uint32_t item_max)
{
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.version = "1.6.18";
    if (item_max)
        cfg.item_size_max = item_max;
    mc_engine *e = mc_engine_create(&cfg);
    mc_engine_set_clock(e, 1700000000);
    return e;
}

/* Feeds b to a new connection on e (in pieces of `step` bytes, 0 = whole). */
typedef struct { mc_out o; bool closed; size_t consumed; } result;

static result feed(mc_engine *e, const buf *b, size_t step)
{
    result res;
    mc_out_init(&res.o);
    mc_conn *c = mc_conn_create(e);
    res.consumed = 0;
    if (step == 0)
        step = b->n ? b->n : 1;
    for (size_t i = 0; i < b->n; i += step) {
        size_t n = b->n - i < step ? b->n - i : step;
        res.consumed += mc_conn_feed(e, c, b->p + i, n, &res.o);
    }
    res.closed = mc_conn_closed(c);
    mc_conn_destroy(e, c);
    return res;
}

/* Runs b on e and parses the replies. */
static result run(mc_engine *e, buf *b, resps *rs)
{
    result res = feed(e, b, 0);
    parse((unsigned char *)res.o.buf, res.o.len, rs);
    b->n = 0;
    return res;
}

static bool is(const resp *r, int opcode, int status, uint32_t opaque)
{
    return r->opcode == opcode && r->status == status && r->opaque == opaque;
}

static bool body_is(const resp *r, const char *s)
{
    return r->vlen == strlen(s) && memcmp(r->val, s, r->vlen) == 0;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_storage(void)
{
    mc_engine *e = mk(0);
    buf b = {0};
    resps rs;
    req_set(&b, SET, "a", 0xdeadbeef, 0, "hello", 1, 0);
    req(&b, GET, "a", NULL, 0, NULL, 2, 0);
    req(&b, GETK, "a", NULL, 0, NULL, 3, 0);
    req_set(&b, ADD, "a", 0, 0, "x", 4, 0);
    req_set(&b, ADD, "b", 7, 0, "bee", 5, 0);
    req_set(&b, REPLACE, "zz", 0, 0, "x", 6, 0);
    req_set(&b, REPLACE, "b", 8, 0, "BEE", 7, 0);
    req(&b, APPEND, "a", NULL, 0, "!!", 8, 0);
    req(&b, PREPEND, "a", NULL, 0, "<<", 9, 0);
    req(&b, APPEND, "nope", NULL, 0, "x", 10, 0);
    req(&b, GET, "a", NULL, 0, NULL, 11, 0);
    req(&b, GET, "b", NULL, 0, NULL, 12, 0);
    result res = run(e, &b, &rs);
    const resp *r = rs.r;
    bool ok = !rs.bad && rs.n == 12 && !res.closed;
    ok = ok && is(&r[0], SET, 0, 1) && r[0].cas != 0 && r[0].bodylen == 0;
    ok = ok && is(&r[1], GET, 0, 2) && r[1].extlen == 4 && rd(r[1].ext, 4) == 0xdeadbeef &&
         r[1].keylen == 0 && body_is(&r[1], "hello") && r[1].cas == r[0].cas;
    ok = ok && is(&r[2], GETK, 0, 3) && r[2].keylen == 1 && r[2].key[0] == 'a' && body_is(&r[2], "hello");
    ok = ok && is(&r[3], ADD, 0x02, 4) && body_is(&r[3], "Data exists for key.") && r[3].cas == 0;
    ok = ok && is(&r[4], ADD, 0, 5);
    ok = ok && is(&r[5], REPLACE, 0x01, 6) && body_is(&r[5], "Not found");
    ok = ok && is(&r[6], REPLACE, 0, 7);
    ok = ok && is(&r[7], APPEND, 0, 8) && is(&r[8], PREPEND, 0, 9);
    ok = ok && is(&r[9], APPEND, 0x05, 10) && body_is(&r[9], "Not stored.");
    ok = ok && body_is(&r[10], "<<hello!!") && rd(r[10].ext, 4) == 0xdeadbeef;
    ok = ok && body_is(&r[11], "BEE") && rd(r[11].ext, 4) == 8;
    CHECK("unit-bin-storage", ok, "bad %d n %d", rs.bad, rs.n);
    mc_out_free(&res.o);

    /* quiet forms: success silent, errors sent; a Noop ends the batch */
    req_set(&b, SETQ, "q", 0, 0, "1", 20, 0);
    req_set(&b, ADDQ, "q", 0, 0, "1", 21, 0);          /* exists: error */
    req_set(&b, ADDQ, "q2", 0, 0, "2", 22, 0);
    req_set(&b, REPLACEQ, "q2", 0, 0, "22", 23, 0);
    req_set(&b, REPLACEQ, "none", 0, 0, "x", 24, 0);   /* error */
    req(&b, APPENDQ, "q2", NULL, 0, "a", 25, 0);
    req(&b, PREPENDQ, "q2", NULL, 0, "p", 26, 0);
    req(&b, PREPENDQ, "none", NULL, 0, "p", 27, 0);    /* error */
    req(&b, GETQ, "q2", NULL, 0, NULL, 28, 0);         /* hit: sent */
    req(&b, GETQ, "none", NULL, 0, NULL, 29, 0);       /* miss: nothing */
    req(&b, GETKQ, "none", NULL, 0, NULL, 30, 0);
    req(&b, GETKQ, "q", NULL, 0, NULL, 31, 0);
    req(&b, DELETEQ, "q", NULL, 0, NULL, 32, 0);
    req(&b, DELETEQ, "q", NULL, 0, NULL, 33, 0);       /* error */
    req(&b, NOOP, NULL, NULL, 0, NULL, 34, 0);
    res = run(e, &b, &rs);
    r = rs.r;
    ok = !rs.bad && rs.n == 7;
    ok = ok && is(&r[0], ADDQ, 0x02, 21) && is(&r[1], REPLACEQ, 0x01, 24) &&
         is(&r[2], PREPENDQ, 0x05, 27);
    ok = ok && is(&r[3], GETQ, 0, 28) && body_is(&r[3], "p22a");
    ok = ok && is(&r[4], GETKQ, 0, 31) && r[4].keylen == 1 && body_is(&r[4], "1");
    ok = ok && is(&r[5], DELETEQ, 0x01, 33) && body_is(&r[5], "Not found");
    ok = ok && is(&r[6], NOOP, 0, 34) && r[6].bodylen == 0;
    CHECK("unit-bin-quiet", ok, "bad %d n %d", rs.bad, rs.n);
    mc_out_free(&res.o);

    /* misses: Get "Not found", GetK the key only */
    req(&b, GET, "none", NULL, 0, NULL, 40, 0);
    req(&b, GETK, "none", NULL, 0, NULL, 41, 0);
    res = run(e, &b, &rs);
    r = rs.r;
    ok = rs.n == 2 && is(&r[0], GET, 1, 40) && body_is(&r[0], "Not found") && r[0].extlen == 0 &&
         is(&r[1], GETK, 1, 41) && r[1].keylen == 4 && r[1].vlen == 0 && memcmp(r[1].key, "none", 4) == 0;
    CHECK("unit-bin-miss", ok, "n %d", rs.n);
    mc_out_free(&res.o);
    free(b.p);
    mc_engine_destroy(e);
}

static void test_cas(void)
{
    mc_engine *e = mk(0);
    buf b = {0};
    resps rs;
    req_set(&b, SET, "c", 0, 0, "v1", 1, 0);
    result res = run(e, &b, &rs);
    uint64_t cas = rs.r[0].cas;
    mc_out_free(&res.o);
    req_set(&b, SET, "c", 0, 0, "v2", 2, cas + 100);      /* wrong CAS */
    req_set(&b, SET, "c", 0, 0, "v2", 3, cas);            /* right CAS */
    req_set(&b, REPLACE, "c", 0, 0, "v3", 4, cas);        /* now stale */
    req_set(&b, ADD, "missing", 0, 0, "v", 5, 77);        /* CAS on a missing key */
    req(&b, APPEND, "c", NULL, 0, "x", 6, 1);             /* append, wrong CAS */
    req(&b, DELETE, "c", NULL, 0, NULL, 7, 1);            /* delete, wrong CAS */
    req(&b, GETK, "c", NULL, 0, NULL, 8, 0);
    res = run(e, &b, &rs);
    const resp *r = rs.r;
    bool ok = rs.n == 7 && is(&r[0], SET, 0x02, 2) && is(&r[1], SET, 0, 3) && r[1].cas > cas &&
              is(&r[2], REPLACE, 0x02, 4) && is(&r[3], ADD, 0x01, 5) && is(&r[4], APPEND, 0x02, 6) &&
              is(&r[5], DELETE, 0x02, 7) && is(&r[6], GETK, 0, 8) && r[6].cas == r[1].cas &&
              body_is(&r[6], "v2");
    uint64_t cur = rs.n == 7 ? r[6].cas : 0;
    mc_out_free(&res.o);
    req(&b, DELETE, "c", NULL, 0, NULL, 9, cur);
    req(&b, GET, "c", NULL, 0, NULL, 10, 0);
    res = run(e, &b, &rs);
    ok = ok && rs.n == 2 && is(&rs.r[0], DELETE, 0, 9) && is(&rs.r[1], GET, 1, 10);
    mc_out_free(&res.o);
    /* CAS disabled (-C): stores ignore the request's CAS (memcached keeps it
     * in the new item, which has none); delete and incr compare with 0 */
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.cas_disabled = true;
    mc_engine *nc = mc_engine_create(&cfg);
    mc_engine_set_clock(nc, 1700000000);
    req_set(&b, SET, "c", 0, 0, "v", 1, 5);
    req_set(&b, REPLACE, "c", 0, 0, "w", 2, 5);
    req(&b, DELETE, "c", NULL, 0, NULL, 3, 5);
    req(&b, GET, "c", NULL, 0, NULL, 4, 0);
    res = run(nc, &b, &rs);
    ok = ok && rs.n == 4 && is(&rs.r[0], SET, 0, 1) && rs.r[0].cas == 0 && is(&rs.r[1], REPLACE, 0, 2) &&
         is(&rs.r[2], DELETE, 2, 3) && is(&rs.r[3], GET, 0, 4) && body_is(&rs.r[3], "w") && rs.r[3].cas == 0;
    mc_engine_destroy(nc);
    CHECK("unit-bin-cas", ok, "n %d", rs.n);
    mc_out_free(&res.o);
    free(b.p);
    mc_engine_destroy(e);
}

static void test_arith(void)
{
    mc_engine *e = mk(0);
    buf b = {0};
    resps rs;
    req_arith(&b, INCR, "n", 1, 10, 0xffffffffu, 1, 0);    /* missing, no create */
    req_arith(&b, INCR, "n", 1, 10, 0, 2, 0);              /* created with 10 */
    req_arith(&b, INCR, "n", 5, 0, 0, 3, 0);               /* 15 */
    req_arith(&b, DECR, "n", 100, 0, 0, 4, 0);             /* 0 */
    req_arith(&b, INCRQ, "n", 7, 0, 0, 5, 0);              /* silent: 7 */
    req_arith(&b, DECRQ, "n", 2, 0, 0, 6, 0);              /* silent: 5 */
    req_arith(&b, DECR, "n", 0, 0, 0, 7, 0);
    req_set(&b, SET, "s", 0, 0, "abc", 8, 0);
    req_arith(&b, INCR, "s", 1, 0, 0, 9, 0);               /* non-numeric */
    req_arith(&b, INCR, "n", 1, 0, 0, 10, 12345);          /* CAS mismatch */
    req_set(&b, SET, "big", 0, 0, "18446744073709551615", 11, 0);
    req_arith(&b, INCR, "big", 2, 0, 0, 12, 0);            /* wraps to 1 */
    req_arith(&b, DECRQ, "missing", 1, 0, 0xffffffffu, 13, 0);   /* quiet, error sent */
    result res = run(e, &b, &rs);
    const resp *r = rs.r;
    bool ok = rs.n == 11;
    ok = ok && is(&r[0], INCR, 1, 1) && body_is(&r[0], "Not found");
    ok = ok && is(&r[1], INCR, 0, 2) && r[1].vlen == 8 && rd(r[1].val, 8) == 10 && r[1].cas != 0;
    ok = ok && rd(r[2].val, 8) == 15 && rd(r[3].val, 8) == 0;
    ok = ok && is(&r[4], DECR, 0, 7) && rd(r[4].val, 8) == 5;
    ok = ok && is(&r[6], INCR, 6, 9) && body_is(&r[6], "Non-numeric server-side value for incr or decr");
    ok = ok && is(&r[7], INCR, 2, 10);
    ok = ok && is(&r[9], INCR, 0, 12) && rd(r[9].val, 8) == 1;
    ok = ok && is(&r[10], DECRQ, 1, 13);
    CHECK("unit-bin-incr-decr", ok, "n %d", rs.n);
    mc_out_free(&res.o);
    free(b.p);
    mc_engine_destroy(e);
}

static void test_touch_flush_misc(void)
{
    mc_engine *e = mk(0);
    buf b = {0};
    resps rs;
    req_set(&b, SET, "t", 5, 100, "val", 1, 0);
    req_exp(&b, TOUCH, "t", 1000, 2);
    req_exp(&b, GAT, "t", 1000, 3);
    req_exp(&b, GATK, "t", 1000, 4);
    req_exp(&b, GATQ, "t", 1000, 5);
    req_exp(&b, GATKQ, "t", 1000, 6);
    req_exp(&b, GATQ, "none", 1000, 7);                  /* silent miss */
    req_exp(&b, GATKQ, "none", 1000, 8);                 /* silent miss */
    req_exp(&b, TOUCH, "none", 10, 9);
    req_exp(&b, GATK, "none", 10, 10);
    req(&b, VERSION, NULL, NULL, 0, NULL, 11, 0);
    req(&b, NOOP, NULL, NULL, 0, NULL, 12, 0);
    result res = run(e, &b, &rs);
    const resp *r = rs.r;
    bool ok = rs.n == 10;
    ok = ok && is(&r[0], SET, 0, 1);
    ok = ok && is(&r[1], TOUCH, 0, 2) && r[1].extlen == 4 && rd(r[1].ext, 4) == 5 && r[1].vlen == 0;
    ok = ok && is(&r[2], GAT, 0, 3) && body_is(&r[2], "val") && r[2].keylen == 0;
    ok = ok && is(&r[3], GATK, 0, 4) && r[3].keylen == 1 && body_is(&r[3], "val");
    ok = ok && is(&r[4], GATQ, 0, 5) && is(&r[5], GATKQ, 0, 6) && r[5].keylen == 1;
    ok = ok && is(&r[6], TOUCH, 1, 9) && body_is(&r[6], "Not found");
    ok = ok && is(&r[7], GATK, 1, 10) && r[7].keylen == 4;
    ok = ok && is(&r[8], VERSION, 0, 11) && body_is(&r[8], "1.6.18");
    ok = ok && is(&r[9], NOOP, 0, 12);
    CHECK("unit-bin-touch-gat-version", ok, "n %d", rs.n);
    mc_out_free(&res.o);

    /* expiry: the touch moved it to 1000 s */
    mc_engine_set_clock(e, 1700000000 + 500);
    req(&b, GET, "t", NULL, 0, NULL, 1, 0);
    res = run(e, &b, &rs);
    ok = rs.n == 1 && is(&rs.r[0], GET, 0, 1);
    mc_out_free(&res.o);
    mc_engine_set_clock(e, 1700000000 + 1001);
    req(&b, GET, "t", NULL, 0, NULL, 2, 0);
    res = run(e, &b, &rs);
    ok = ok && rs.n == 1 && is(&rs.r[0], GET, 1, 2);
    CHECK("unit-bin-expiry", ok, "n %d", rs.n);
    mc_out_free(&res.o);

    unsigned char zero[4] = {0};
    req_set(&b, SET, "f", 0, 0, "x", 1, 0);
    req(&b, FLUSH, NULL, NULL, 0, NULL, 2, 0);
    req(&b, GET, "f", NULL, 0, NULL, 3, 0);
    req_set(&b, SET, "f", 0, 0, "x", 4, 0);
    mc_engine_set_clock(e, 1700000000 + 1002);
    req(&b, FLUSHQ, NULL, zero, 4, NULL, 5, 0);
    req(&b, GETQ, "f", NULL, 0, NULL, 6, 0);
    req(&b, NOOP, NULL, NULL, 0, NULL, 7, 0);
    res = run(e, &b, &rs);
    ok = rs.n == 5 && is(&rs.r[1], FLUSH, 0, 2) && is(&rs.r[2], GET, 1, 3) && is(&rs.r[4], NOOP, 0, 7);
    mc_out_free(&res.o);
    /* flush disabled (-F): "Auth failure.", quiet or not */
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.flush_disabled = true;
    mc_engine *nf = mc_engine_create(&cfg);
    mc_engine_set_clock(nf, 1700000000);
    req_set(&b, SET, "f", 0, 0, "x", 1, 0);
    req(&b, FLUSHQ, NULL, NULL, 0, NULL, 2, 0);
    req(&b, GET, "f", NULL, 0, NULL, 3, 0);
    res = run(nf, &b, &rs);
    ok = ok && rs.n == 3 && is(&rs.r[1], FLUSHQ, 0x20, 2) && body_is(&rs.r[1], "Auth failure.") &&
         is(&rs.r[2], GET, 0, 3);
    mc_engine_destroy(nf);
    CHECK("unit-bin-flush", ok, "n %d", rs.n);
    mc_out_free(&res.o);

    /* statistics: one packet per stat, then an empty one */
    req(&b, STAT, NULL, NULL, 0, NULL, 9, 0);
    res = run(e, &b, &rs);
    bool found = false;
    for (int i = 0; i < rs.n; i++)
        if (rs.r[i].keylen == 7 && memcmp(rs.r[i].key, "cmd_get", 7) == 0)
            found = true;
    ok = rs.n > 20 && found && !rs.bad && is(&rs.r[rs.n - 1], STAT, 0, 9) && rs.r[rs.n - 1].bodylen == 0;
    mc_out_free(&res.o);
    req(&b, STAT, "settings", NULL, 0, NULL, 10, 0);
    req(&b, STAT, "items", NULL, 0, NULL, 11, 0);
    req(&b, STAT, "bogus", NULL, 0, NULL, 12, 0);
    req(&b, STAT, "reset", NULL, 0, NULL, 13, 0);
    res = run(e, &b, &rs);
    ok = ok && rs.n > 5 && is(&rs.r[0], STAT, 0, 10) && is(&rs.r[rs.n - 2], STAT, 1, 12) &&
         body_is(&rs.r[rs.n - 2], "Not found") && is(&rs.r[rs.n - 1], STAT, 0, 13) &&
         rs.r[rs.n - 1].bodylen == 0;
    CHECK("unit-bin-stat", ok, "n %d", rs.n);
    mc_out_free(&res.o);

    /* opcodes memcached does not serve here: Unknown command; the body
     * after the key is discarded (memcached's over-read included) */
    unsigned char one[4] = {0, 0, 0, 1};
    req(&b, VERBOSITY, NULL, one, 4, NULL, 20, 0);
    put(&b, "\0\0\0\0", 4);                         /* what memcached discards */
    req(&b, SASL_LIST, NULL, NULL, 0, NULL, 21, 0);
    req(&b, SASL_AUTH, "PLAIN", NULL, 0, "\0u\0p", 22, 0);
    req(&b, 0x42, NULL, NULL, 0, NULL, 23, 0);
    req(&b, NOOP, NULL, NULL, 0, NULL, 24, 0);
    res = run(e, &b, &rs);
    ok = rs.n == 5 && !res.closed;
    for (int i = 0; ok && i < 4; i++)
        ok = rs.r[i].status == 0x81 && body_is(&rs.r[i], "Unknown command") && rs.r[i].opaque == 20u + (unsigned)i;
    ok = ok && is(&rs.r[4], NOOP, 0, 24);
    CHECK("unit-bin-unknown", ok, "n %d", rs.n);
    mc_out_free(&res.o);

    /* quit: reply, then close; QuitQ closes silently */
    req(&b, QUIT, NULL, NULL, 0, NULL, 30, 0);
    req(&b, NOOP, NULL, NULL, 0, NULL, 31, 0);
    res = run(e, &b, &rs);
    ok = rs.n == 1 && is(&rs.r[0], QUIT, 0, 30) && res.closed && res.consumed == 24;
    mc_out_free(&res.o);
    req(&b, QUITQ, NULL, NULL, 0, NULL, 32, 0);
    res = run(e, &b, &rs);
    ok = ok && rs.n == 0 && res.closed;
    CHECK("unit-bin-quit", ok, "n %d closed %d", rs.n, res.closed);
    mc_out_free(&res.o);
    free(b.p);
    mc_engine_destroy(e);
}

static void test_limits(void)
{
    mc_engine *e = mk(2048);
    buf b = {0};
    resps rs;
    /* too large: E2BIG, the value is discarded, the stream goes on; a failed
     * set removes the old value */
    char *big = malloc(4001);
    memset(big, 'b', 4000);
    big[4000] = 0;
    req_set(&b, SET, "k", 0, 0, "old", 1, 0);
    req_set(&b, SET, "k", 0, 0, big, 2, 0);
    req(&b, GET, "k", NULL, 0, NULL, 3, 0);
    req(&b, APPEND, "k", NULL, 0, big, 4, 0);
    req(&b, NOOP, NULL, NULL, 0, NULL, 5, 0);
    result res = run(e, &b, &rs);
    bool ok = rs.n == 5 && is(&rs.r[1], SET, 3, 2) && body_is(&rs.r[1], "Too large.") &&
              is(&rs.r[2], GET, 1, 3) && is(&rs.r[3], APPEND, 3, 4) && is(&rs.r[4], NOOP, 0, 5);
    mc_out_free(&res.o);
    /* a Set with a CAS fails the same way and also removes the old value;
     * a failed Add leaves it */
    req_set(&b, SET, "k", 0, 0, "old", 6, 0);
    req_set(&b, ADD, "k", 0, 0, big, 7, 0);
    req(&b, GET, "k", NULL, 0, NULL, 8, 0);
    req_set(&b, SETQ, "k", 0, 0, big, 9, 12345);
    req(&b, GET, "k", NULL, 0, NULL, 10, 0);
    res = run(e, &b, &rs);
    ok = ok && rs.n == 5 && is(&rs.r[1], ADD, 3, 7) && is(&rs.r[2], GET, 0, 8) &&
         is(&rs.r[3], SETQ, 3, 9) && is(&rs.r[4], GET, 1, 10);
    CHECK("unit-bin-too-large", ok, "n %d", rs.n);
    mc_out_free(&res.o);
    free(big);
    /* empty value, binary-safe key and value */
    req_raw(&b, SET, "e", "\0\0\0\0\0\0\0\0", 8, NULL, 0, 1, 0, -1, -1);
    req(&b, GET, "e", NULL, 0, NULL, 2, 0);
    req_raw(&b, SET, "bin\r\n", "\0\0\0\0\0\0\0\0", 8, "\r\n\0x", 4, 3, 0, -1, -1);
    req(&b, GET, "bin\r\n", NULL, 0, NULL, 4, 0);
    res = run(e, &b, &rs);
    ok = rs.n == 4 && is(&rs.r[0], SET, 0, 1) && is(&rs.r[1], GET, 0, 2) && rs.r[1].vlen == 0 &&
         is(&rs.r[3], GET, 0, 4) && rs.r[3].vlen == 4 && memcmp(rs.r[3].val, "\r\n\0x", 4) == 0;
    CHECK("unit-bin-empty-and-binary-values", ok, "n %d", rs.n);
    mc_out_free(&res.o);
    free(b.p);
    mc_engine_destroy(e);
}

static void test_malformed(void)
{
    mc_engine *e = mk(0);
    buf b = {0};
    resps rs;
    bool ok = true;
    char key251[252];
    memset(key251, 'K', 251);
    key251[251] = 0;
    struct { const char *name; int status; } cases[] = {
        {"bad magic", -1}, {"key > body", 0x81}, {"key+ext > body", 0x81}, {"key 251", 0x04},
        {"get with extras", 0x04}, {"set short extras", 0x04}, {"incr short extras", 0x04},
        {"version with key", 0x04}, {"delete no key", 0x04}, {"noop with body", 0x04},
        {"flush ext 3", 0x04}, {"stat with extras", 0x04}, {"touch no extras", 0x04},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        req(&b, NOOP, NULL, NULL, 0, NULL, 1, 0);
        switch (i) {
        case 0: req(&b, GET, "k", NULL, 0, NULL, 2, 0); b.p[24] = 0x81; break;
        case 1: req_raw(&b, GET, "kk", NULL, 0, NULL, 0, 2, 0, -1, 1); break;
        case 2: req_raw(&b, SET, "kk", "\0\0\0\0\0\0\0\0", 8, "v", 1, 2, 0, -1, 9); break;
        case 3: req(&b, GET, key251, NULL, 0, NULL, 2, 0); break;
        case 4: req(&b, GET, "k", "abcd", 4, NULL, 2, 0); break;
        case 5: req(&b, SET, "k", "abcd", 4, "v", 2, 0); break;
        case 6: req(&b, INCR, "k", "abcdefgh", 8, NULL, 2, 0); break;
        case 7: req(&b, VERSION, "k", NULL, 0, NULL, 2, 0); break;
        case 8: req(&b, DELETE, NULL, NULL, 0, NULL, 2, 0); break;
        case 9: req(&b, NOOP, NULL, NULL, 0, "x", 2, 0); break;
        case 10: req(&b, FLUSH, NULL, "abc", 3, NULL, 2, 0); break;
        case 11: req(&b, STAT, NULL, "abcd", 4, NULL, 2, 0); break;
        case 12: req(&b, TOUCH, "k", NULL, 0, NULL, 2, 0); break;
        }
        req(&b, NOOP, NULL, NULL, 0, NULL, 3, 0);      /* never reached */
        result res = run(e, &b, &rs);
        bool c = res.closed && is(&rs.r[0], NOOP, 0, 1);
        if (cases[i].status < 0)
            c = c && rs.n == 1;
        else
            c = c && rs.n == 2 && rs.r[1].status == cases[i].status && rs.r[1].opaque == 2 &&
                body_is(&rs.r[1], cases[i].status == 0x81 ? "Unknown command" : "Invalid arguments");
        if (!c) {
            printf("  malformed case '%s': n %d closed %d\n", cases[i].name, rs.n, res.closed);
            ok = false;
        }
        mc_out_free(&res.o);
    }
    /* a set whose body length exceeds 2 GiB: E2BIG, nothing discarded */
    req_raw(&b, SET, "k", "\0\0\0\0\0\0\0\0", 8, NULL, 0, 5, 0, -1, 0xfffffff0);
    req(&b, NOOP, NULL, NULL, 0, NULL, 6, 0);
    result res = run(e, &b, &rs);
    if (!(rs.n == 2 && is(&rs.r[0], SET, 3, 5) && is(&rs.r[1], NOOP, 0, 6) && !res.closed)) {
        printf("  malformed case 'body over 2 GiB': n %d closed %d\n", rs.n, res.closed);
        ok = false;
    }
    mc_out_free(&res.o);
    /* a text connection stays text; a binary one stays binary */
    b.n = 0;
    put(&b, "version\r\n", 9);
    req(&b, NOOP, NULL, NULL, 0, NULL, 1, 0);
    res = feed(e, &b, 0);
    if (!(res.o.len >= 9 && memcmp(res.o.buf, "VERSION ", 8) == 0 && res.o.buf[res.o.len - 1] == '\n')) {
        printf("  malformed case 'text stays text': %zu bytes\n", res.o.len);
        ok = false;
    }
    mc_out_free(&res.o);
    b.n = 0;
    req(&b, NOOP, NULL, NULL, 0, NULL, 1, 0);
    put(&b, "version\r\nversion\r\nversion\r\n", 27);   /* a whole header */
    res = run(e, &b, &rs);
    ok = ok && rs.n == 1 && res.closed;           /* 'v' is a bad magic */
    CHECK("unit-bin-malformed", ok, "n %d", rs.n);
    mc_out_free(&res.o);
    free(b.p);
    mc_engine_destroy(e);
}

/* The same request stream, split at every byte, gives the same replies. */
static void test_split(void)
{
    buf b = {0};
    req_set(&b, SET, "a", 3, 0, "hello", 1, 0);
    req_set(&b, SETQ, "b", 0, 0, "", 2, 0);
    req(&b, GETK, "a", NULL, 0, NULL, 3, 0);
    req(&b, GETQ, "b", NULL, 0, NULL, 4, 0);
    req(&b, GETKQ, "none", NULL, 0, NULL, 5, 0);
    req_arith(&b, INCR, "n", 2, 40, 0, 6, 0);
    req(&b, APPENDQ, "a", NULL, 0, " world", 7, 0);
    req_exp(&b, GATK, "a", 100, 8);
    req(&b, STAT, "settings", NULL, 0, NULL, 9, 0);
    req(&b, VERBOSITY, NULL, "\0\0\0\1", 4, NULL, 10, 0);
    put(&b, "pad!", 4);
    req(&b, DELETE, "b", NULL, 0, NULL, 11, 0);
    req(&b, VERSION, NULL, NULL, 0, NULL, 12, 0);
    req(&b, NOOP, NULL, NULL, 0, NULL, 13, 0);
    req(&b, QUIT, NULL, NULL, 0, NULL, 14, 0);
    req(&b, NOOP, NULL, NULL, 0, NULL, 15, 0);
    mc_engine *e0 = mk(0);
    result whole = feed(e0, &b, 0);
    mc_engine_destroy(e0);
    resps rs;
    parse((unsigned char *)whole.o.buf, whole.o.len, &rs);
    bool ok = rs.n > 13 && whole.closed && !rs.bad;     /* Stat answers many packets */
    for (size_t cut = 1; ok && cut < b.n; cut++) {
        mc_engine *e = mk(0);
        mc_conn *c = mc_conn_create(e);
        mc_out o;
        mc_out_init(&o);
        mc_conn_feed(e, c, b.p, cut, &o);
        mc_conn_feed(e, c, b.p + cut, b.n - cut, &o);
        if (o.len != whole.o.len || memcmp(o.buf, whole.o.buf, o.len) != 0 || !mc_conn_closed(c)) {
            printf("  split at %zu differs\n", cut);
            ok = false;
        }
        mc_out_free(&o);
        mc_conn_destroy(e, c);
        mc_engine_destroy(e);
    }
    mc_engine *e1 = mk(0);
    result bytewise = feed(e1, &b, 1);
    mc_engine_destroy(e1);
    ok = ok && bytewise.o.len == whole.o.len && memcmp(bytewise.o.buf, whole.o.buf, whole.o.len) == 0;
    /* idle only between requests */
    mc_engine *e2 = mk(0);
    mc_conn *c = mc_conn_create(e2);
    mc_out o;
    mc_out_init(&o);
    bool idle0 = mc_conn_idle(c);
    mc_conn_feed(e2, c, b.p, 10, &o);
    bool idle1 = mc_conn_idle(c);
    mc_conn_feed(e2, c, b.p + 10, 24 + 8 + 1 + 5 - 10, &o);
    bool idle2 = mc_conn_idle(c);
    ok = ok && idle0 && !idle1 && idle2;
    mc_out_free(&o);
    mc_conn_destroy(e2, c);     /* frees nothing pending; a pending value is freed too: */
    c = mc_conn_create(e2);
    mc_conn_feed(e2, c, b.p, 24 + 8 + 1 + 2, &o);   /* inside the value */
    mc_conn_destroy(e2, c);
    mc_out_free(&o);
    mc_engine_destroy(e2);
    CHECK("unit-bin-split-every-byte", ok, "responses %d, %zu bytes", rs.n, whole.o.len);
    mc_out_free(&whole.o);
    mc_out_free(&bytewise.o);
    free(b.p);
}

typedef struct { int n; unsigned char d[8][1500]; size_t len[8]; } dgrams;
static void collect(void *ctx, const void *d, size_t len)
{
    dgrams *g = ctx;
    if (g->n < 8 && len <= 1500) {
        memcpy(g->d[g->n], d, len);
        g->len[g->n] = len;
    }
    g->n++;
}

static void test_udp(void)
{
    mc_engine *e = mk(0);
    buf b = {0};
    put(&b, "\x12\x34\x00\x00\x00\x01\x00\x00", 8);
    req_set(&b, SET, "u", 9, 0, "udp!", 1, 0);
    req(&b, GETQ, "none", NULL, 0, NULL, 2, 0);           /* silent miss */
    req(&b, GETK, "u", NULL, 0, NULL, 3, 0);
    dgrams g = {0};
    int n = mc_udp_handle(e, b.p, b.n, collect, &g);
    resps rs;
    bool ok = n == 2 && g.n == 2;
    if (ok) {
        ok = memcmp(g.d[0], "\x12\x34\x00\x00\x00\x01\x00\x00", 8) == 0 &&
             memcmp(g.d[1], "\x12\x34\x00\x00\x00\x01\x00\x00", 8) == 0;
        parse(g.d[0] + 8, g.len[0] - 8, &rs);
        ok = ok && rs.n == 1 && is(&rs.r[0], SET, 0, 1);
        parse(g.d[1] + 8, g.len[1] - 8, &rs);
        ok = ok && rs.n == 1 && is(&rs.r[0], GETK, 0, 3) && body_is(&rs.r[0], "udp!");
    }
    /* the next datagram may be text */
    memset(&g, 0, sizeof(g));
    n = mc_udp_handle(e, "\x00\x07\x00\x00\x00\x01\x00\x00get u\r\n", 15, collect, &g);
    ok = ok && n == 1 && g.len[0] > 8 && memcmp(g.d[0] + 8, "VALUE u 9 4\r\n", 13) == 0;
    /* a datagram ending inside a value gets no reply */
    b.n = 0;
    put(&b, "\x00\x08\x00\x00\x00\x01\x00\x00", 8);
    req_set(&b, SET, "p", 0, 0, "partial", 1, 0);
    memset(&g, 0, sizeof(g));
    n = mc_udp_handle(e, b.p, b.n - 3, collect, &g);
    ok = ok && n == 0 && g.n == 0;
    /* a bad header: memcached hangs up and drops what it has not sent yet
     * (the Set's reply); the error before it was sent at once */
    b.n = 0;
    put(&b, "\x00\x09\x00\x00\x00\x01\x00\x00", 8);
    req(&b, GET, "none", NULL, 0, NULL, 1, 0);
    req_set(&b, SET, "p", 0, 0, "v", 2, 0);
    put(&b, "get p\r\nget p\r\nget p\r\nget p\r\n", 28);
    memset(&g, 0, sizeof(g));
    n = mc_udp_handle(e, b.p, b.n, collect, &g);
    if (n == 1) {
        parse(g.d[0] + 8, g.len[0] - 8, &rs);
        ok = ok && rs.n == 1 && is(&rs.r[0], GET, 1, 1);
    } else {
        ok = false;
    }
    CHECK("unit-bin-udp", ok, "n %d datagrams %d", n, g.n);
    free(b.p);
    mc_engine_destroy(e);
}

int main(void)
{
    test_storage();
    test_cas();
    test_arith();
    test_touch_flush_misc();
    test_limits();
    test_malformed();
    test_split();
    test_udp();
    return failures;
}
