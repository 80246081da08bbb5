/*
 * fuzz_binary.c - libFuzzer harness for the binary protocol (mc_binary.c).
 * The input is a binary-protocol stream; its first byte is forced to 0x80 so
 * that every input takes the binary path. It is fed to two fresh engines,
 * once whole and once split at pseudo-random boundaries: the replies and the
 * connection state must not depend on the split. Every reply must be a
 * well-formed response packet (magic 0x81, lengths that add up). The same
 * bytes then go through UDP as one request datagram. A small memory and item
 * limit exercises E2BIG, out-of-memory and eviction paths.
 */
#include "mc_engine.h"
#include "fuzz_split.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static mc_engine *mk(void)
{
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.mem_limit = 64 * 1024;
    cfg.item_size_max = 16 * 1024;
    mc_engine *e = mc_engine_create(&cfg);
    mc_engine_set_clock(e, 1700000000);
    return e;
}

static void check_packets(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (n - i < 24 || p[i] != 0x81)
            abort();
        uint32_t body = (uint32_t)p[i + 8] << 24 | (uint32_t)p[i + 9] << 16 | (uint32_t)p[i + 10] << 8 | p[i + 11];
        uint32_t kl = (uint32_t)p[i + 2] << 8 | p[i + 3];
        if (kl + p[i + 4] > body || n - i - 24 < body)
            abort();
        i += 24 + (size_t)body;
    }
}

static void emit(void *ctx, const void *d, size_t len)
{
    (void)ctx;
    (void)d;
    if (len < 8 || len > MC_UDP_MAX_DGRAM)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > (1u << 20))
        return 0;
    uint8_t *in = malloc(size + 8);
    memcpy(in + 8, data, size);
    in[8] = 0x80;
    const uint8_t *stream = in + 8;

    mc_engine *e1 = mk(), *e2 = mk();
    mc_conn *c1 = mc_conn_create(e1), *c2 = mc_conn_create(e2);
    mc_out o1, o2;
    mc_out_init(&o1);
    mc_out_init(&o2);

    mc_conn_feed(e1, c1, stream, size, &o1);

    feed_split(e2, c2, stream, size, data, 61, 0, &o2);
    if (!o1.oom && !o2.oom) {
        if (o1.len != o2.len || (o1.len && memcmp(o1.buf, o2.buf, o1.len) != 0))
            abort();    /* a split changed the replies */
        check_packets((const unsigned char *)o1.buf, o1.len);
    }
    if (mc_conn_closed(c1) != mc_conn_closed(c2) || mc_conn_idle(c1) != mc_conn_idle(c2))
        abort();

    /* the same bytes as one UDP request */
    memcpy(in, "\x01\x02\x00\x00\x00\x01\x00\x00", 8);
    mc_udp_handle(e1, in, size + 8, emit, NULL);

    mc_out_free(&o1);
    mc_out_free(&o2);
    mc_conn_destroy(e1, c1);
    mc_conn_destroy(e2, c2);
    mc_engine_destroy(e1);
    mc_engine_destroy(e2);
    free(in);
    return 0;
}
