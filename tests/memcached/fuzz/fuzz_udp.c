/*
 * fuzz_udp.c - libFuzzer harness for UDP framing. The input is split into
 * datagrams at "\n--\n" markers (so one input can build state and then read
 * it) and each goes through mc_udp_handle(). Every reply datagram must carry
 * the request's id, be at most 1400 bytes, and number its sequence
 * consistently with its total.
 */
#include "mc_engine.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct check {
    unsigned rid;
    unsigned expect_seq, total;
} check;

static void emit(void *ctx, const void *d, size_t len)
{
    check *c = ctx;
    const unsigned char *p = d;
    if (len < 8 || len > MC_UDP_MAX_DGRAM)
        abort();
    unsigned rid = (unsigned)p[0] << 8 | p[1];
    unsigned seq = (unsigned)p[2] << 8 | p[3];
    unsigned tot = (unsigned)p[4] << 8 | p[5];
    if (rid != c->rid || p[6] || p[7])
        abort();
    if (tot == 0) {                 /* an empty response object */
        if (len != 8 || seq != 0)
            abort();
        return;
    }
    if (seq == 0)
        c->total = tot;
    if (seq != c->expect_seq || tot != c->total || seq >= tot)
        abort();
    c->expect_seq = seq + 1 == tot ? 0 : seq + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mc_engine *e;
    if (!e) {
        mc_config cfg;
        mc_config_default(&cfg);
        cfg.mem_limit = 256 * 1024;
        e = mc_engine_create(&cfg);
        mc_engine_set_clock(e, 1700000000);
    }
    mc_engine_set_clock(e, 1700000000 + (int64_t)(size % 7));
    size_t start = 0;
    while (start <= size) {
        const uint8_t *m = NULL;
        for (size_t i = start; i + 4 <= size; i++)
            if (memcmp(data + i, "\n--\n", 4) == 0) {
                m = data + i;
                break;
            }
        size_t end = m ? (size_t)(m - data) : size;
        check c = {0};
        if (end - start >= 2)
            c.rid = (unsigned)data[start] << 8 | data[start + 1];
        mc_udp_handle(e, data + start, end - start, emit, &c);
        if (c.expect_seq != 0)      /* a message was cut short */
            abort();
        if (!m)
            break;
        start = end + 4;
    }
    return 0;
}
