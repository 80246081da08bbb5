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
    /* Behaviour switches of memcached's command line (all off by default,
     * i.e. memcached's defaults). */
    bool cas_disabled;       /* -C: items carry CAS 0 */
    bool flush_disabled;     /* -F: flush_all is refused */
    bool evictions_disabled; /* -M: out of memory is an error, not an eviction */
    bool dump_disabled;      /* -X: stats cachedump and lru_crawler metadump refused */
    bool watch_disabled;     /* -W: watch refused */
    bool shutdown_enabled;   /* -A: the shutdown command stops the server */
    bool debug_commands;     /* debugtime (the memcached-debug build) */
    uint8_t protocol;        /* -B: MC_PROTO_AUTO (by the first byte), _ASCII or _BINARY */
    bool detail_enabled;     /* -D: per-prefix statistics from the start */
    /* memcached's slab allocator: memory in 1 MiB pages handed to size
     * classes, one LRU per class (what memcached's -m, stats slabs/items and
     * slabs reassign mean). Off: one LRU, -m counts item bytes, which suits
     * caches of a few MiB. */
    bool slab_allocator;
    double slab_factor;            /* -f (0: 1.25) */
    uint32_t slab_min_chunk;       /* -n (0: 48) */
    uint32_t slab_chunk_max;       /* -o slab_chunk_max (0: 512 KiB) */
    uint64_t slab_initial_malloced; /* pages counted as taken at start (test hook) */
    uint8_t slab_automove;         /* 0: off; 1, 2: free pages return to the global pool */
    bool slab_reassign_disabled;   /* -o no_slab_reassign: slabs reassign refused */
    uint8_t hash_power;            /* the key index starts with 2^N buckets (0: 12) */
    uint32_t watch_buf_size; /* -o watcher_logbuf_size: bytes of log lines kept
                                per watcher (0: 256 KiB) */
    bool auth_required;      /* -Y: text connections must authenticate first
                              * (credentials: mc_engine_set_auth); binary
                              * framing is then never chosen */
    uint64_t conn_buf_limit; /* bytes of connection buffers shared by all
                              * stream connections (0: unlimited); see
                              * "Connection buffers" below */
} mc_config;

#define MC_PROTO_AUTO 0
#define MC_PROTO_ASCII 1
#define MC_PROTO_BINARY 2

/* Fills *cfg with the defaults: 64 MiB, 1 MiB items. */
void mc_config_default(mc_config *cfg);

/* Returns NULL on bad configuration or out of memory. */
mc_engine *mc_engine_create(const mc_config *cfg);
void mc_engine_destroy(mc_engine *e);

/* Current wall-clock time in unix seconds; drives expiry and flush_all.
 * (With debug_commands, "debugtime" shifts or pauses the engine's clock
 * relative to it.) */
void mc_engine_set_clock(mc_engine *e, int64_t now_unix);

/* The same with microseconds; the fraction only shows in the timestamps of
 * "watch" log lines. */
void mc_engine_set_clock_us(mc_engine *e, int64_t now_unix_us);

/* What a client asked the server to do with "shutdown" (when -A enabled
 * it): 0 nothing, MC_SHUTDOWN_NOW ("shutdown"), MC_SHUTDOWN_GRACEFUL
 * ("shutdown graceful"). The embedder polls it after feeding. */
#define MC_SHUTDOWN_NOW 1
#define MC_SHUTDOWN_GRACEFUL 2
int mc_engine_shutdown_requested(const mc_engine *e);

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
    uint64_t idle_kicks;          /* connections closed by idle_timeout */
    double rusage_user, rusage_system;
    int tcp_port, udp_port;
    const char *listen_addr;
    uint32_t threads;
    /* shown by "stats settings" only (they tune memcached's internals) */
    const char *domain_socket;    /* NULL: none */
    uint32_t umask;               /* -a, octal */
    double growth_factor;         /* -f (0: 1.25) */
    uint32_t chunk_size;          /* -n (0: 48) */
    uint32_t reqs_per_event;      /* -R (0: 20) */
    uint32_t tcp_backlog;         /* -b (0: 1024) */
    const char *binding_protocol; /* -B: "auto-negotiate", "ascii", "binary" (NULL: auto) */
    char detail_delimiter;        /* -D (0: ':') */
    uint32_t idle_timeout;        /* -o idle_timeout */
    bool maxconns_fast;           /* -o maxconns_fast / no_maxconns_fast */
    uint32_t hashpower_init;      /* -o hashpower */
    uint32_t slab_chunk_max;      /* -o slab_chunk_max, bytes (0: 524288) */
    bool lru_crawler, lru_maintainer, temp_lru, track_sizes, relaxed_privileges;
    uint32_t temporary_ttl;       /* -o temporary_ttl (0: 61) */
    const char *memory_file;      /* -e (NULL: none) */
    uint32_t read_buf_mem_limit;  /* -o read_buf_mem_limit, bytes */
    const char *auth_file;        /* -Y (NULL: none) */
    uint64_t conn_yields;         /* turns a connection ended after -R requests */
    /* "stats conns": the embedder lists its sockets, calling emit once per
     * "STAT name value" line (NULL: the command lists nothing). */
    void (*stats_conns)(void *ctx, void (*emit)(void *out, const char *name, const char *value), void *out);
    void *stats_conns_ctx;
} mc_host_info;
mc_host_info *mc_engine_host(mc_engine *e);

/*
 * ASCII authentication (auth_required). `text` is the content of an auth
 * file: one "user:password" line each (the password ends at '\r' or '\n').
 * The engine keeps its own copy. The table is replaced only when the whole
 * text is valid; otherwise the previous credentials stay in force.
 */
#define MC_AUTH_OK 0
#define MC_AUTH_MALFORMED (-1)   /* a line without ':' (an empty line too) */
#define MC_AUTH_NOMEM (-2)
int mc_engine_set_auth(mc_engine *e, const char *text, size_t len);

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
    uint64_t drained;             /* times mc_out_consume() emptied it */
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

/*
 * Like mc_conn_feed, but starts at most max_requests requests (0: no limit);
 * *started (may be NULL) receives how many it started. When the limit stops
 * it, the bytes not consumed begin at a request boundary: the embedder keeps
 * them and feeds them again on a later turn.
 */
size_t mc_conn_feed_some(mc_engine *e, mc_conn *c, const void *in, size_t len, mc_out *out,
                         unsigned max_requests, unsigned *started);

/*
 * Connection buffers (conn_buf_limit). Text-protocol replies waiting to be
 * sent are accounted as response objects, MC_RESP_PER_BUF to a 16 KiB buffer, and a
 * connection that holds part of a request between feeds (a partial line or
 * data block, or bytes left by mc_conn_feed_some) holds one more buffer.
 * When no buffer is left, a new command's reply cannot start: the
 * connection is closed and its unsent replies of that feed are dropped (a
 * multi-key get instead answers "SERVER_ERROR out of memory writing get
 * response"), counted as response_obj_oom; a connection that cannot keep its
 * partial request is closed, counted as read_buf_oom. The embedder calls
 * mc_conn_sent() whenever everything it was given in out has been sent,
 * which gives the connection's reply buffers back.
 */
#define MC_CONN_BUF_SIZE 16384
#define MC_RESP_PER_BUF 13
void mc_conn_sent(mc_engine *e, mc_conn *c);

/* True once the connection must be closed (after sending what is in out). */
bool mc_conn_closed(const mc_conn *c);

/* The id "watch" log lines show for this connection (cfd=); the Linux
 * server uses the socket's descriptor, as memcached does. Default -1. */
void mc_conn_set_id(mc_conn *c, int id);

/* True once the connection closed by asking ("quit"), false when it was
 * closed for an error (a protocol error, an HTTP request, a line too long). */
bool mc_conn_closed_normally(const mc_conn *c);

/*
 * Live log streams ("watch", mc_watch.c). A connection that sent "watch"
 * accepts no more commands (mc_conn_feed discards its bytes); its log lines
 * wait in a bounded buffer in the engine, and the embedder moves them to the
 * connection's output as the socket drains:
 *
 *   if (mc_conn_watching(c)) mc_watch_take(e, c, &out, room);
 *
 * Lines that do not fit are dropped and reported as "skipped=N".
 * mc_conn_destroy() removes a watcher.
 */
bool mc_conn_watching(const mc_conn *c);
uint32_t mc_engine_watchers(const mc_engine *e);    /* how many now */
/* Appends at most max bytes of c's pending log lines to *out; returns how
 * many (0: none, or c is not watching). */
size_t mc_watch_take(mc_engine *e, mc_conn *c, mc_out *out, size_t max);
/* Connection events for "watch connevents": a stream was accepted
 * (closed=false) or closed. rip/rport: the peer ("unix", 0 for a UNIX
 * socket); transport: "tcp", "local" or "udp"; reason (closes): "normal",
 * "error", "idle_timeout" or "shutdown"; cfd: the connection's id. */
void mc_watch_conn_event(mc_engine *e, bool closed, const char *rip, unsigned rport,
                         const char *transport, const char *reason, int cfd);

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

/*
 * Saving and restoring the cache across a restart (the server's -e).
 * mc_engine_each_item calls fn once per live item, oldest first in each
 * LRU (value without its "\r\n"; exptime in unix seconds, 0 = never).
 * mc_engine_restore_item stores one back with its CAS, as the newest of its
 * LRU; false if it does not fit. The CAS counter and the key index's size
 * are saved and restored too, so CAS values stay unique and the index does
 * not rebuild itself while the cache refills.
 */
typedef void (*mc_item_fn)(void *ctx, const char *key, size_t nkey, uint32_t flags, int64_t exptime,
                           uint64_t cas, const char *value, size_t nvalue);
void mc_engine_each_item(mc_engine *e, mc_item_fn fn, void *ctx);
bool mc_engine_restore_item(mc_engine *e, const char *key, size_t nkey, uint32_t flags, int64_t exptime,
                            uint64_t cas, const char *value, size_t nvalue);
uint64_t mc_engine_cas_counter(const mc_engine *e);
void mc_engine_set_cas_counter(mc_engine *e, uint64_t cas);
uint32_t mc_engine_hash_power(const mc_engine *e);
void mc_engine_grow_hash(mc_engine *e, uint32_t power);

#endif
