/*
 * fuzz_split.h - feeding a stream to the engine in pseudo-random pieces, for
 * the harnesses that check that replies do not depend on how a stream is
 * split (fuzz_stream.c, fuzz_binary.c). The piece lengths (1..max_piece)
 * come from a generator seeded with the first 16 bytes of `seed_from`, so a
 * crashing input replays the same split.
 */
#ifndef FUZZ_SPLIT_H
#define FUZZ_SPLIT_H

#include "mc_engine.h"

#include <stdint.h>

/* Stops early once the output holds more than `cap` bytes (0: never), as a
 * server stops reading a client that does not read its replies. */
static void feed_split(mc_engine *e, mc_conn *c, const uint8_t *data, size_t size, const uint8_t *seed_from,
                       unsigned max_piece, size_t cap, mc_out *o)
{
    uint32_t seed = 2166136261u;
    for (size_t i = 0; i < size && i < 16; i++)
        seed = (seed ^ seed_from[i]) * 16777619u;
    for (size_t i = 0; i < size;) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % max_piece;
        if (n > size - i)
            n = size - i;
        mc_conn_feed(e, c, data + i, n, o);
        i += n;
        if (cap && o->len > cap)
            break;
    }
}

#endif
