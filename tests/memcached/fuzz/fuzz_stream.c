/*
 * fuzz_stream.c - libFuzzer harness for the stream parser and command
 * processing. The input is a TCP byte stream. It is fed twice, to two fresh
 * engines: once in one piece and once split at pseudo-random boundaries
 * derived from the input; the replies must be identical (split invariance),
 * and the sanitizers watch every access. A small memory limit exercises
 * LRU eviction and out-of-memory paths. The first byte's low bit picks the
 * memory model: one byte-counted LRU (EdgeOS's FWPs) or memcached's slab
 * allocator with its segmented LRU (the Linux server), with chunked items.
 */
#include "mc_engine.h"
#include "fuzz_split.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static mc_engine *mk(bool slabs)
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
    mc_engine *e = mc_engine_create(&cfg);
    if (slabs) {
        mc_host_info *h = mc_engine_host(e);
        h->lru_maintainer = h->temp_lru = h->lru_crawler = true;
    }
    mc_engine_set_clock(e, 1700000000);
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool slabs = size > 0 && (data[0] & 1);
    mc_engine *e1 = mk(slabs), *e2 = mk(slabs);
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

    mc_out_free(&o1);
    mc_out_free(&o2);
    mc_conn_destroy(e1, c1);
    mc_conn_destroy(e2, c2);
    mc_engine_destroy(e1);
    mc_engine_destroy(e2);
    return 0;
}
