/*
 * mc_udp.c - memcached's UDP framing.
 *
 * Every datagram starts with 8 bytes: request id, sequence number, total
 * datagrams in this message, reserved (all 16-bit big-endian). Requests must
 * be single datagrams (total 1); anything else is dropped.
 *
 * A request datagram is parsed on its own (no state carries over between
 * datagrams). Replies follow memcached 1.6.18's observable behaviour:
 *   - each response object (one per command, one per key of a multi-get)
 *     is a separate message with its own sequence numbers 0..total-1, split
 *     into datagrams of at most 1400 bytes including the header;
 *   - memcached transmits what it has after every get-family command and
 *     after mn, and at the end of the datagram; these are "batches";
 *   - suppressed (noreply/q) replies send nothing; an empty response object
 *     (a missed key of a multi-get) sends a bare header with total 0 if it
 *     is the first object sent in its batch, and nothing otherwise;
 *   - a datagram that ends inside a data block gets no reply at all.
 */
#include "mc_internal.h"

#include <stdlib.h>

#include <string.h>

size_t mc_conn_run(mc_engine *e, mc_conn *c, const char *p, size_t len, mc_out *o,
                   bool mark_batches, unsigned max_req, unsigned *nreq);
bool mc_conn_pending_data(const mc_conn *c);

#define UDP_PAYLOAD (MC_UDP_MAX_DGRAM - MC_UDP_HEADER)

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

int mc_udp_handle(mc_engine *e, const void *dgram, size_t len, mc_emit_fn emit, void *ctx)
{
    const unsigned char *d = dgram;
    if (len < MC_UDP_HEADER)
        return -1;
    if (d[4] != 0 || d[5] != 1)
        return -1;
    unsigned rid = (unsigned)d[0] << 8 | d[1];
    if (len == MC_UDP_HEADER)
        return 0;

    /* The engine's parser and buffer, unless a datagram is being handled
     * already (a reply callback that feeds another one) or they could not
     * be made: then a fresh pair. */
    bool own = e->udp_busy || !e->udp_conn;
    mc_conn *c = own ? mc_conn_create(e) : e->udp_conn;
    if (!c)
        return -1;
    mc_out local;
    mc_out *op = own ? &local : &e->udp_out;
    if (own)
        mc_out_init(op);
    else
        e->udp_busy = true;
    mc_out o = *op;                 /* worked on here, stored back below */
    o.track = true;
    o.batch_next = true;
    mc_conn_run(e, c, (const char *)d + MC_UDP_HEADER, len - MC_UDP_HEADER, &o, true, 0, NULL);
    int sent = 0;
    if (!mc_conn_pending_data(c) && !o.oom) {
        unsigned char pkt[MC_UDP_MAX_DGRAM];
        bool first = true;
        for (size_t i = 0; i < o.nmarks; i++) {
            size_t start = o.marks[i].off;
            size_t end = i + 1 < o.nmarks ? o.marks[i + 1].off : o.len;
            if (o.marks[i].batch)
                first = true;
            if (o.marks[i].skip)
                continue;
            size_t n = end - start;
            if (n == 0 && !first)
                continue;
            first = false;
            unsigned total = (unsigned)((n + UDP_PAYLOAD - 1) / UDP_PAYLOAD);
            unsigned seq = 0;
            do {
                size_t chunk = n > UDP_PAYLOAD ? UDP_PAYLOAD : n;
                put16(pkt, rid);
                put16(pkt + 2, seq);
                put16(pkt + 4, total);
                put16(pkt + 6, 0);
                if (chunk)
                    memcpy(pkt + MC_UDP_HEADER, o.buf + start, chunk);
                emit(ctx, pkt, MC_UDP_HEADER + chunk);
                sent++;
                seq++;
                start += chunk;
                n -= chunk;
            } while (n > 0);
        }
    }
    if (own) {
        mc_out_free(&o);
        mc_conn_destroy(e, c);
    } else {
        mc_out_reset(&o);
        if (o.cap > 65536) {            /* a large reply: do not keep its buffer */
            free(o.buf);
            o.buf = NULL;
            o.cap = 0;
        }
        e->udp_out = o;
        mc_conn_reset(e, c);
        e->udp_busy = false;
    }
    return sent;
}
