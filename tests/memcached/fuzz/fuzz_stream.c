/*
 * fuzz_stream.c - libFuzzer harness for the stream parser and command
 * processing. The input is a TCP byte stream. It is fed twice, to two fresh
 * engines: once in one piece and once split at pseudo-random boundaries
 * derived from the input; the replies must be identical (split invariance),
 * and the sanitizers watch every access. A small memory limit exercises
 * LRU eviction and out-of-memory paths. The first byte's low bit picks the
 * memory model: one byte-counted LRU (EdgeOS's FWPs) or memcached's slab
 * allocator with its segmented LRU (the Linux server), with chunked items.
 * The same stream fed in turns of at most 1..4 requests (mc_conn_feed_some)
 * must give the same replies too; and with ASCII authentication on, whole
 * and split feeds must agree.
 */
#include "mc_engine.h"
#include "fuzz_split.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static mc_engine *mk_engine(bool slabs, bool auth)
{
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.mem_limit = 64 * 1024;
    cfg.item_size_max = 16 * 1024;
    if (slabs) {
        cfg.mem_limit = 2 * 1024 * 1024;
        cfg.slab_allocator = true;
        cfg.slab_chunk_max = 4096;
    }
    cfg.auth_required = auth;
    mc_engine *e = mc_engine_create(&cfg);
    if (slabs) {
        mc_host_info *h = mc_engine_host(e);
        h->lru_maintainer = h->temp_lru = h->lru_crawler = true;
    }
    mc_engine_set_clock(e, 1700000000);
    if (auth)
        mc_engine_set_auth(e, "user:pass\nu2:p:q\r\n", 19);
    return e;
}


static bool same(const mc_out *a, const mc_out *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

/* The whole stream in turns of at most 1..4 requests (from the input). */
static void feed_turns(mc_engine *e, mc_conn *c, const uint8_t *data, size_t size, size_t cap, mc_out *o)
{
    for (size_t i = 0; i < size && !mc_conn_closed(c) && o->len <= cap;) {
        unsigned max = 1 + data[i] % 4;
        size_t used = mc_conn_feed_some(e, c, data + i, size - i, o, max, NULL);
        if (used == 0 && !mc_conn_closed(c))
            abort();    /* a turn that starts nothing would never end */
        i += used;
    }
}

#define CAP (1u << 20)   /* replies compared up to this size */

/* One engine with one connection and its replies. */
typedef struct fed {
    mc_engine *e;
    mc_conn *c;
    mc_out o;
} fed;

static void fed_open(fed *f, bool slabs, bool auth)
{
    f->e = mk_engine(slabs, auth);
    f->c = mc_conn_create(f->e);
    mc_out_init(&f->o);
}

static void fed_close(fed *f)
{
    mc_out_free(&f->o);
    mc_conn_destroy(f->e, f->c);
    mc_engine_destroy(f->e);
}

/* The replies differ (when both are within CAP and neither ran out of memory). */
static bool differ(const fed *a, const fed *b)
{
    return a->o.len <= CAP && b->o.len <= CAP && !a->o.oom && !b->o.oom && !same(&a->o, &b->o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool slabs = size > 0 && (data[0] & 1);
    fed whole, split;
    fed_open(&whole, slabs, false);
    fed_open(&split, slabs, false);
    mc_conn_feed(whole.e, whole.c, data, size, &whole.o);
    feed_split(split.e, split.c, data, size, data, 97, CAP, &split.o);
    if (differ(&whole, &split))
        abort();    /* a split changed the replies */
    if (mc_conn_closed(whole.c) != mc_conn_closed(split.c))
        abort();

    fed turns;
    fed_open(&turns, slabs, false);
    feed_turns(turns.e, turns.c, data, size, CAP, &turns.o);
    if (differ(&whole, &turns))
        abort();    /* turns changed the replies */
    fed_close(&turns);

    fed auth_whole, auth_split;
    fed_open(&auth_whole, slabs, true);
    fed_open(&auth_split, slabs, true);
    mc_conn_feed(auth_whole.e, auth_whole.c, data, size, &auth_whole.o);
    feed_split(auth_split.e, auth_split.c, data, size, data, 97, CAP, &auth_split.o);
    if (differ(&auth_whole, &auth_split))
        abort();    /* a split changed the replies of an authenticating stream */
    fed_close(&auth_whole);
    fed_close(&auth_split);

    fed_close(&whole);
    fed_close(&split);
    return 0;
}
