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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool slabs = size > 0 && (data[0] & 1);
    mc_engine *e1 = mk_engine(slabs, false), *e2 = mk_engine(slabs, false);
    mc_conn *c1 = mc_conn_create(e1), *c2 = mc_conn_create(e2);
    mc_out o1, o2;
    mc_out_init(&o1);
    mc_out_init(&o2);

    mc_conn_feed(e1, c1, data, size, &o1);

    feed_split(e2, c2, data, size, data, 97, 1u << 20, &o2);
    if (o1.len <= (1u << 20) && o2.len <= (1u << 20) &&
        (o1.len != o2.len || (o1.len && memcmp(o1.buf, o2.buf, o1.len) != 0)) && !o1.oom && !o2.oom)
        abort();    /* a split changed the replies */
    if (mc_conn_closed(c1) != mc_conn_closed(c2))
        abort();

    mc_engine *e3 = mk_engine(slabs, false);
    mc_conn *c3 = mc_conn_create(e3);
    mc_out o3;
    mc_out_init(&o3);
    feed_turns(e3, c3, data, size, 1u << 20, &o3);
    if (o1.len <= (1u << 20) && o3.len <= (1u << 20) && !same(&o1, &o3) && !o1.oom && !o3.oom)
        abort();    /* turns changed the replies */
    mc_out_free(&o3);
    mc_conn_destroy(e3, c3);
    mc_engine_destroy(e3);

    mc_engine *e4 = mk_engine(slabs, true), *e5 = mk_engine(slabs, true);
    mc_conn *c4 = mc_conn_create(e4), *c5 = mc_conn_create(e5);
    mc_out o4, o5;
    mc_out_init(&o4);
    mc_out_init(&o5);
    mc_conn_feed(e4, c4, data, size, &o4);
    feed_split(e5, c5, data, size, data, 97, 1u << 20, &o5);
    if (o4.len <= (1u << 20) && o5.len <= (1u << 20) && !same(&o4, &o5) && !o4.oom && !o5.oom)
        abort();    /* a split changed the replies of an authenticating stream */
    mc_out_free(&o4);
    mc_out_free(&o5);
    mc_conn_destroy(e4, c4);
    mc_conn_destroy(e5, c5);
    mc_engine_destroy(e4);
    mc_engine_destroy(e5);

    mc_out_free(&o1);
    mc_out_free(&o2);
    mc_conn_destroy(e1, c1);
    mc_conn_destroy(e2, c2);
    mc_engine_destroy(e1);
    mc_engine_destroy(e2);
    return 0;
}
