/*
 * mc_engine.h - the EdgeOS memcached engine: public interface.
 *
 * The engine is a portable C11 library with no OS dependency: no sockets,
 * no clock, no files, no threads. The embedding program (the Linux server in
 * apps/memcached/server/, or an EdgeOS FWP) owns the I/O:
 *
 *   mc_engine *e = mc_engine_create(&cfg);     // one cache
 *   mc_engine_set_clock(e, now_unix_seconds);  // whenever time moves on
 *   mc_conn *c = mc_conn_create(e);            // one per TCP stream
 *   mc_conn_feed(e, c, bytes, n, &out);        // any split of the stream
 *   ... send out.buf[0..out.len), mc_out_consume(&out, sent) ...
 *   if (mc_conn_closed(c)) close the stream once out is drained
 *   mc_udp_handle(e, dgram, n, emit, ctx);     // one UDP request datagram
 *
 * The text protocol (classic and meta commands) answers byte-for-byte like
 * memcached 1.6.18; docs/memcached.md lists the known differences.
 * Only malloc/realloc/free and <string.h> are used from the C library.
 */
#ifndef MC_ENGINE_H
#define MC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_KEY_MAX 250                 /* longest key, bytes */
#define MC_UDP_HEADER 8                /* request id, seq, total, reserved */
#define MC_UDP_MAX_DGRAM 1400          /* largest reply datagram incl. header */

typedef struct mc_engine mc_engine;
typedef struct mc_conn mc_conn;

typedef struct mc_config {
    uint64_t mem_limit;      /* bytes of item memory before LRU eviction (-m) */
    uint32_t item_size_max;  /* largest item incl. overhead (-I), >= 1024 */
    const char *version;     /* text after "VERSION " (copied) */
} mc_config;

/* Fills *cfg with the defaults: 64 MiB, 1 MiB items. */
void mc_config_default(mc_config *cfg);

/* Returns NULL on bad configuration or out of memory. */
mc_engine *mc_engine_create(const mc_config *cfg);
void mc_engine_destroy(mc_engine *e);

/* Current wall-clock time in unix seconds; drives expiry and flush_all. */
void mc_engine_set_clock(mc_engine *e, int64_t now_unix);

/*
 * Host facts shown by "stats" and "stats settings". The embedder writes
 * them directly; the engine only reads them.
 */
typedef struct mc_host_info {
    int64_t pid;
    int64_t started;              /* unix seconds */
    uint32_t max_connections;
    uint32_t curr_connections;
    uint64_t total_connections;
    uint64_t rejected_connections;
    uint64_t bytes_read, bytes_written;
    double rusage_user, rusage_system;
    int tcp_port, udp_port;
    const char *listen_addr;
    uint32_t threads;
} mc_host_info;
mc_host_info *mc_engine_host(mc_engine *e);

/*
 * Output buffer. Replies are appended to buf[0..len). The embedder sends
 * bytes from the front and calls mc_out_consume(). The engine also records
 * response-object boundaries that UDP framing needs (see mc_udp.c).
 */
typedef struct mc_resp_mark {
    size_t off;     /* start of this response object in buf */
    bool skip;      /* suppressed (noreply / q) */
    bool batch;     /* first object after a flush point (see mc_udp.c) */
} mc_resp_mark;

typedef struct mc_out {
    char *buf;
    size_t len, cap;
    bool oom;                     /* an append failed: buffer is incomplete */
    mc_resp_mark *marks;          /* only used while framing UDP replies */
    size_t nmarks, capmarks;
    bool track;                   /* record marks (UDP) */
    bool batch_next;              /* next mark starts a batch */
} mc_out;

void mc_out_init(mc_out *o);
void mc_out_free(mc_out *o);
void mc_out_consume(mc_out *o, size_t n);   /* drop n bytes from the front */

/* Stream connections (TCP). */
mc_conn *mc_conn_create(mc_engine *e);
void mc_conn_destroy(mc_engine *e, mc_conn *c);

/*
 * Feeds stream bytes. Returns the number of bytes consumed: all of them,
 * unless the connection has been closed (quit, or a line too long for the
 * protocol), after which nothing more is consumed. Replies are appended to
 * *out. A request split at any byte boundary behaves identically.
 */
size_t mc_conn_feed(mc_engine *e, mc_conn *c, const void *in, size_t len, mc_out *out);

/* True once the connection must be closed (after sending what is in out). */
bool mc_conn_closed(const mc_conn *c);

/* True when no partial request is buffered (between requests). Servers use
 * it to time out clients that stall in the middle of a request. */
bool mc_conn_idle(const mc_conn *c);

/*
 * UDP: handles one request datagram (8-byte frame header + commands) and
 * calls emit once per reply datagram (header included, <= 1400 bytes).
 * Returns the number of datagrams emitted, or -1 if the request was dropped
 * (short, or a multi-datagram request).
 */
typedef void (*mc_emit_fn)(void *ctx, const void *dgram, size_t len);
int mc_udp_handle(mc_engine *e, const void *dgram, size_t len, mc_emit_fn emit, void *ctx);

#endif
