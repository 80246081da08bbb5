/*
 * mc_internal.h - structures shared by the engine's files. Not part of the
 * public interface (include/mc_engine.h is).
 */
#ifndef MC_INTERNAL_H
#define MC_INTERNAL_H

#include "mc_engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- items (mc_item.c) -------------------------------------------------- */

#define MC_IT_FETCHED    0x01   /* read at least once since stored */
#define MC_IT_STALE      0x02   /* invalidated by md I / ms I (meta) */
#define MC_IT_TOKEN_SENT 0x04   /* a client already won the recache token */
#define MC_IT_KEY_BINARY 0x08   /* stored through a base64 key (meta b) */
#define MC_IT_ACTIVE     0x10   /* fetched again since it was last moved (segmented LRU) */

/*
 * One cached key/value. The key is stored at data[0..nkey), the value right
 * after it, at data[nkey..nkey+nbytes), and always ends in "\r\n" (nbytes
 * counts those two bytes, as the wire format does).
 */
typedef struct mc_item {
    struct mc_item *hnext;          /* hash chain */
    struct mc_item *prev, *next;    /* LRU: prev is newer, next is older */
    uint64_t cas;
    int64_t exptime;                /* unix seconds; 0 = never expires */
    int64_t time;                   /* last store/access, unix seconds */
    uint32_t hv;                    /* hash of the key */
    uint32_t flags;                 /* client flags */
    uint32_t nbytes;                /* value length incl. trailing \r\n */
    uint16_t nkey;
    uint8_t iflags;                 /* MC_IT_* */
    uint8_t linked;                 /* in hash table and LRU */
    uint8_t cls;                    /* slab class (0: slab allocator off) */
    uint8_t lru;                    /* MC_HOT ... MC_TEMP: which of its class's LRUs */
    char data[];
} mc_item;

static inline char *mc_item_key(mc_item *it) { return it->data; }
static inline char *mc_item_value(mc_item *it) { return it->data + it->nkey; }

/*
 * Accounted size of an item. It follows memcached's item layout (48-byte
 * header, 8-byte CAS, key + NUL, 4 bytes of flags when non-zero, value) so
 * that -m, -I and "size=" in `me` mean the same as with memcached.
 */
static inline uint64_t mc_item_total(size_t nkey, uint32_t flags, uint64_t nbytes)
{
    return 48 + 8 + nkey + 1 + (flags ? 4 : 0) + nbytes;
}

/* ---- statistics (mc_stats.c) -------------------------------------------- */

typedef struct mc_stats {
    uint64_t cmd_get, cmd_set, cmd_flush, cmd_touch, cmd_meta;
    uint64_t get_hits, get_misses, get_expired, get_flushed;
    uint64_t delete_misses, delete_hits;
    uint64_t incr_misses, incr_hits, decr_misses, decr_hits;
    uint64_t cas_misses, cas_hits, cas_badval;
    uint64_t touch_hits, touch_misses;
    uint64_t store_too_large, store_no_memory;
    uint64_t total_items, evictions, reclaimed, expired_unfetched, evicted_unfetched;
    uint64_t crawler_reclaimed;     /* "lru_crawler crawl" */
    uint64_t malloc_fails;          /* item allocations the process refused */
    uint64_t auth_cmds, auth_errors;        /* ASCII authentication attempts */
    uint64_t response_obj_oom, read_buf_oom; /* conn_buf_limit reached */
} mc_stats;

/* ---- slab classes and pages (mc_slabs.c) -------------------------------- */

#define MC_SLAB_MAX 64                  /* class ids 1..63; 0: unclassed */

typedef struct mc_class_items {         /* "stats items" counters of a class */
    uint64_t evicted, evicted_nonzero, evicted_time, evicted_unfetched, evicted_active;
    uint64_t outofmemory, reclaimed, expired_unfetched;
    uint64_t crawler_reclaimed, crawler_items_checked;
    uint64_t moves_to_cold, moves_to_warm, moves_within_lru;
} mc_class_items;

/* A class's LRUs. Without segmentation every item is in MC_COLD; with it
 * (memcached's default LRU maintainer) new items enter MC_HOT (MC_TEMP if
 * they expire within temporary_ttl), flow to MC_COLD, and items fetched
 * twice are kept in MC_WARM. Evictions take MC_COLD's oldest first. */
enum { MC_HOT, MC_WARM, MC_COLD, MC_TEMP, MC_NSEG };
typedef struct mc_lru {
    struct mc_item *head, *tail;        /* newest, oldest */
    uint64_t n, bytes;
} mc_lru;

typedef struct mc_class_hits {          /* "stats slabs" counters of a class */
    uint64_t get_hits, cmd_set, delete_hits, incr_hits, decr_hits;
    uint64_t cas_hits, cas_badval, touch_hits;
} mc_class_hits;

typedef struct mc_slabclass {
    uint32_t size;                      /* chunk size */
    uint32_t perslab;                   /* chunks per page */
    uint64_t pages;
    uint64_t used;                      /* chunks taken by items */
    uint64_t requested;                 /* bytes the class's items asked for */
    uint64_t nitems;
    mc_lru seg[MC_NSEG];
    mc_class_items ist;
    mc_class_hits hits;
} mc_slabclass;

/* A hit counted globally and in the item's class. */
#define MC_HIT(e, it, field) ((e)->st.field++, (e)->cls[(it)->cls].hits.field++)

/* Every linked item, class by class, LRU by LRU. */
#define MC_EACH_ITEM(e, it) \
    for (int mc_c_ = 0; mc_c_ < MC_SLAB_MAX * MC_NSEG; mc_c_++) \
        for (mc_item *it = (e)->cls[mc_c_ / MC_NSEG].seg[mc_c_ % MC_NSEG].head; it; it = it->next)
/* ---- ASCII authentication (mc_auth.c) ------------------------------------ */

typedef struct mc_auth_entry {
    const char *user, *pass;        /* in mc_engine.auth_text */
    size_t ulen, plen;
} mc_auth_entry;

/* ---- the engine (mc_engine.c) ------------------------------------------- */

struct mc_engine {
    mc_config cfg;
    char version[64];
    int64_t now;                    /* current unix time (mc_engine_set_clock) */
    int64_t started;                /* first clock value */
    /* hash table (mc_hash.c) */
    mc_item **buckets;
    uint32_t hpower;                /* 2^hpower buckets */
    uint64_t curr_items;
    /* LRUs and memory (mc_lru.c, mc_slabs.c): with the slab allocator
     * each class has its LRU, otherwise all items are in cls[0]'s */
    mc_slabclass cls[MC_SLAB_MAX];
    int largest;                    /* id of the largest class */
    uint32_t chunk_max;             /* its chunk size */
    uint64_t malloced;              /* pages handed out, bytes ("total_malloced") */
    uint64_t pool_pages;            /* pages in the global pool */
    uint64_t slabs_moved, reassign_rescues, reassign_chunk_rescues, reassign_evictions_nomem;
    uint64_t crawler_starts;        /* "lru_crawler crawl" runs */
    uint64_t juggles;               /* segmented LRU upkeep runs */
    uint64_t mem_used;              /* sum of mc_item_total over items */
    /* CAS counter: last value handed out */
    uint64_t cas_last;
    /* flush_all state, as memcached keeps it */
    int64_t oldest_live;            /* 0 = none; items with time <= this are gone */
    uint64_t oldest_cas;            /* and items with a lower CAS */
    uint32_t verbosity;
    bool detail_on;
    int shutdown;                   /* MC_SHUTDOWN_* a client asked for */
    int64_t clock_delta;            /* debugtime: seconds added to the clock */
    bool clock_paused;              /* debugtime p */
    uint32_t slab_automove;         /* "slabs automove N" (shown only) */
    struct mc_detail *detail;       /* per-prefix statistics (mc_detail.c) */
    uint32_t ndetail;
    mc_stats st;
    mc_host_info host;
    /* UDP (mc_udp.c): one parser and one reply buffer, made with the engine
     * and reset for each datagram, so a request allocates nothing */
    mc_conn *udp_conn;
    mc_out udp_out;
    bool udp_busy;
    /* watch (mc_watch.c) */
    int64_t now_us;                 /* wall clock, microseconds (log timestamps) */
    int cur_cfd;                    /* id of the connection being served (cfd=) */
    struct mc_watcher *watchers;
    uint32_t nwatchers;
    uint32_t watch_mask;            /* MC_LOG_* wanted by at least one watcher */
    uint64_t watch_gid;             /* last line number handed out */
    uint64_t watch_lines, watch_sent, watch_skipped;
    /* ASCII authentication: the credentials (mc_engine_set_auth) */
    char *auth_text;
    mc_auth_entry *auth;
    size_t nauth;
    /* connection buffers (conn_buf_limit): how many exist, how many are held */
    uint32_t bufs_limit, bufs_used;
};

/* ---- item listings and the LRU crawler's commands (mc_dump.c) ----------- */

bool mc_item_flushed(const mc_engine *e, const mc_item *it);   /* gone by flush_all */
bool mc_item_gone(const mc_engine *e, const mc_item *it);      /* expired or flushed */
typedef struct mc_ctx mc_ctx;
void mc_cachedump(mc_ctx *x, uint32_t cls, uint32_t limit);
struct mc_token;
void mc_process_lru_crawler(mc_ctx *x, struct mc_token *t, size_t nt);

/* ---- per-prefix statistics (mc_detail.c) -------------------------------- */

enum mc_detail_op { MC_DETAIL_GET, MC_DETAIL_SET, MC_DETAIL_DEL };
void mc_detail_record(mc_engine *e, const char *key, size_t nkey, enum mc_detail_op op, bool hit);
void mc_detail_dump(mc_engine *e, mc_out *o);
void mc_detail_clear(mc_engine *e);

/* ---- output (mc_out.c) --------------------------------------------------- */

void mc_out_add(mc_out *o, const void *p, size_t n);
void mc_out_str(mc_out *o, const char *s);          /* s + "\r\n" */
void mc_out_resp_start(mc_out *o);                   /* new response object */
void mc_out_resp_skip(mc_out *o, size_t off);        /* current one (from off) suppressed */
void mc_out_truncate(mc_out *o, size_t len);

/* ---- numbers (mc_num.c) -------------------------------------------------- */

/* Parsers with memcached's acceptance rules (C strtol semantics, trailing
 * whitespace allowed, 32-bit results truncated from 64-bit longs). */
bool mc_parse_i32(const char *s, int32_t *out);
bool mc_parse_i64(const char *s, int64_t *out);
bool mc_parse_u32(const char *s, uint32_t *out);
bool mc_parse_u64(const char *s, uint64_t *out);
/* Same as mc_parse_u64 for a value stored in an item (stops at \r). */
bool mc_parse_u64_value(const char *s, size_t n, uint64_t *out);
char *mc_u64toa(uint64_t v, char *p);   /* writes digits, returns end */
char *mc_i64toa(int64_t v, char *p);

/* ---- tokenizer (mc_token.c) --------------------------------------------- */

#define MC_MAX_TOKENS 24
typedef struct mc_token {
    char *value;        /* NUL-terminated; the terminal token's value is the
                           unparsed rest of the line or NULL */
    size_t length;
} mc_token;
size_t mc_tokenize(char *line, mc_token *tokens, size_t max_tokens);

/* ---- base64 (mc_base64.c) ------------------------------------------------ */
size_t mc_base64_decode(const char *in, size_t n, unsigned char *out, size_t outcap);
size_t mc_base64_encode(const unsigned char *in, size_t n, char *out, size_t outcap);

/* ---- hash table (mc_hash.c) --------------------------------------------- */

uint32_t mc_hash(const char *key, size_t n);
bool mc_hash_init(mc_engine *e, uint32_t power);
void mc_hash_free(mc_engine *e);
void mc_conn_reset(mc_engine *e, mc_conn *c);   /* back to a new connection's state, buffers kept */
void mc_out_reset(mc_out *o);                   /* empty, buffers kept */
mc_item *mc_hash_find(mc_engine *e, const char *key, size_t nkey, uint32_t hv);
void mc_hash_insert(mc_engine *e, mc_item *it);
void mc_hash_remove(mc_engine *e, mc_item *it);
void mc_hash_grow(mc_engine *e);                /* doubles the table (kept as is without memory) */

/* ---- LRU and memory (mc_lru.c) ------------------------------------------ */

void mc_lru_link(mc_engine *e, mc_item *it);      /* at the head (newest) */
void mc_lru_unlink(mc_engine *e, mc_item *it);
/* A read of the item (get, touch, mg without q): marks it fetched and, as
 * memcached does, bumps it in its LRU or (segmented) marks it active. */
void mc_lru_hit(mc_engine *e, mc_item *it);
bool mc_lru_segmented(const mc_engine *e);
/* Segmented LRU upkeep of class c: HOT and WARM kept to their shares of the
 * class, active items rescued to WARM, expired ones reclaimed (any item but
 * `keep` may be freed, as by an allocation). */
void mc_lru_juggle(mc_engine *e, int c, const mc_item *keep);
/* Removes a linked item to make room, counting it (globally and in its
 * class) as reclaimed when expired, else as an eviction (logged to
 * watchers). */
void mc_lru_drop(mc_engine *e, mc_item *it, bool expired);
/* Evicts the oldest item of the cache (of the class whose oldest is
 * oldest, with the slab allocator), never `keep`; false if none. */
bool mc_lru_evict_oldest(mc_engine *e, const mc_item *keep);
/* Evicts from the tail until `need` more bytes fit; never evicts `keep`.
 * Returns false when that is impossible. */
bool mc_lru_reserve(mc_engine *e, uint64_t need, const mc_item *keep);

/* ---- storage (mc_store.c) ----------------------------------------------- */

enum mc_store_op { MC_SET, MC_ADD, MC_REPLACE, MC_APPEND, MC_PREPEND, MC_CAS };
enum mc_store_res { MC_STORED, MC_NOT_STORED, MC_EXISTS, MC_NOT_FOUND };
enum mc_alloc_res { MC_ALLOC_OK, MC_ALLOC_TOO_LARGE, MC_ALLOC_NO_MEMORY };
enum mc_delta_res { MC_DELTA_OK, MC_DELTA_NON_NUMERIC, MC_DELTA_EOM,
                    MC_DELTA_NOT_FOUND, MC_DELTA_CAS_MISMATCH };

/* Absolute expiry for a protocol exptime (relative <= 30 days, absolute
 * above, negative = already expired, 0 = never). */
int64_t mc_exptime(const mc_engine *e, int32_t t);

/* Allocates an unlinked item (value uninitialised), evicting LRU items
 * other than `keep` to make room; accounts its memory at once. */
mc_item *mc_item_alloc(mc_engine *e, const char *key, size_t nkey, uint32_t flags,
                       int64_t exptime, uint32_t nbytes, const mc_item *keep,
                       enum mc_alloc_res *why);
void mc_item_free(mc_engine *e, mc_item *it);
/* Live item or NULL; expired/flushed items found on the way are removed. */
mc_item *mc_item_get(mc_engine *e, const char *key, size_t nkey);
void mc_item_link(mc_engine *e, mc_item *it);
void mc_item_unlink(mc_engine *e, mc_item *it);      /* and free */
void mc_item_replace(mc_engine *e, mc_item *old, mc_item *it);
uint64_t mc_next_cas(mc_engine *e);
/* Stores a fully read item (takes ownership of it in all cases). cas_in is
 * the client's CAS (0 = none); stale allows an older CAS (meta I flag).
 * *cas_out receives the stored item's CAS. */
enum mc_store_res mc_store(mc_engine *e, mc_item *it, enum mc_store_op op,
                           uint64_t cas_in, bool stale, uint64_t *cas_out);
/* incr/decr. buf receives the decimal result (>= 24 bytes). On success
 * *itp (if non-NULL) points at the updated item and *replaced (if non-NULL)
 * tells whether the result did not fit and a new item replaced the old. */
enum mc_delta_res mc_delta(mc_engine *e, const char *key, size_t nkey, bool incr,
                           uint64_t delta, uint64_t cas_in, char *buf, mc_item **itp,
                           bool *replaced);
void mc_flush_all(mc_engine *e, int32_t delay);
/* A hit by a get or touch: marks the item fetched and bumps it in the LRU. */
void mc_item_hit(mc_engine *e, mc_item *it);
/* A set whose item could not be allocated must not leave the old value
 * behind (memcached removes it); other store operations keep it. */
void mc_store_drop_on_fail(mc_engine *e, enum mc_store_op op, const char *key, size_t nkey);

/* ---- binary protocol (mc_binary.c) -------------------------------------- */

#define MC_BIN_HDR 24                   /* request/response header bytes */

/* Parser state of one binary-protocol stream (or UDP datagram). */
typedef struct mc_bin {
    int state;                      /* header, extras+key, value, swallow */
    uint32_t got;                   /* bytes of the current part received */
    unsigned char hdr[MC_BIN_HDR];  /* the request header */
    unsigned char ext[255];         /* its extras */
    char key[MC_KEY_MAX];           /* its key (longer keys are refused) */
    mc_item *it;                    /* value being received (set family) */
    uint64_t swallow;               /* bytes still to discard */
    bool quit;                      /* closed by a Quit request */
} mc_bin;

/* Runs binary requests from p[0..len); returns the bytes consumed. Sets
 * *close when the connection must close once the replies are sent. Starts
 * at most max_req requests (0: any number), counted in *nreq (may be NULL). */
size_t mc_bin_run(mc_engine *e, mc_bin *b, const char *p, size_t len, mc_out *o,
                  bool mark_batches, bool *close, unsigned max_req, unsigned *nreq);
void mc_bin_reset(mc_engine *e, mc_bin *b);        /* frees a value being read */
bool mc_bin_idle(const mc_bin *b);                 /* between requests */
bool mc_bin_pending_data(const mc_bin *b);         /* inside a value */

/* ---- command processing (mc_cmd.c, mc_meta.c, mc_stats.c) ---------------- */

/* Pending storage command waiting for its data block. */
typedef struct mc_pending {
    mc_item *it;                    /* being filled; NULL = swallow only */
    enum mc_store_op op;
    uint64_t cas_in;
    bool noreply;
    bool meta;                      /* ms: answer with meta codes */
    bool stale;                     /* ms I */
    bool base64;                    /* ms b: key was base64 */
    char rflags[1200];               /* ms: return-flag letters/opaque, "O..." etc */
    size_t nrflags;
} mc_pending;

typedef struct mc_ctx {
    mc_engine *e;
    mc_conn *c;
    mc_out *o;
    bool oom;                       /* no buffer for a reply: close the connection */
    bool authed;                    /* the request authenticated the connection */
    uint64_t auth_len;              /* an auth request's data block follows */
    size_t resp_off;                /* start of the current response object */
    bool noreply;                   /* classic noreply for this command */
    bool flush;                     /* get family / mn: replies flushed now */
    bool quit;
    bool quit_normal;               /* the client asked ("quit"), not an error */
    bool watch;                     /* the stream became a watcher (mc_watch.c) */
    bool pipelined;                 /* replies of earlier commands not yet handed over */
    bool dgram;                     /* the request came in a UDP datagram */
    bool want_data;                 /* a data block follows (set c->pend) */
    uint64_t swallow;               /* bytes of data block to discard */
    mc_pending pend;
} mc_ctx;

/* Opens a response object; false when conn_buf_limit leaves no room for
 * it (response_obj_oom counted). */
bool mc_ctx_resp_start(mc_ctx *x);
/* Response objects of the current connection taken back down to n (a
 * command that drops the replies it queued). */
void mc_conn_resp_rewind(mc_ctx *x, uint32_t n);
uint32_t mc_conn_resp_count(const mc_ctx *x);
/* ASCII authentication of a connection that has not authenticated yet:
 * its request line, then (x->auth_len set) its data block of auth_len
 * bytes, which ends in "\r\n". */
void mc_auth_line(mc_ctx *x, char *line);
void mc_auth_data(mc_ctx *x, char *data, size_t n);
void mc_auth_free(mc_engine *e);
void mc_out_string(mc_ctx *x, const char *s);  /* memcached's out_string */
void mc_process_line(mc_ctx *x, char *line);
void mc_process_meta(mc_ctx *x, mc_token *t, size_t ntokens);
void mc_complete_data(mc_ctx *x, mc_pending *p);
/* A store's item could not be allocated: memcached's reply, the stats, the
 * data block to swallow, and (for set) the old value removed. */
void mc_store_alloc_failed(mc_ctx *x, enum mc_alloc_res why, uint32_t nbytes, enum mc_store_op op,
                           const char *key, size_t nkey);
void mc_process_stats(mc_ctx *x, mc_token *t, size_t ntokens);
void mc_stat_u(mc_out *o, const char *name, uint64_t v);      /* "STAT name v" */

/* ---- slab classes and pages (mc_slabs.c) -------------------------------- */

void mc_slabs_init(mc_engine *e);
int mc_slabs_clsid(const mc_engine *e, uint64_t size);
/* The class an item is counted in ("cls=", "stats items", cachedump). */
int mc_item_class(const mc_engine *e, const mc_item *it);
/* Takes the chunks of an item of `total` bytes (value `nbytes`), reclaiming
 * or evicting items of the class (never `keep`); false when impossible
 * (-M, or nothing left to evict). *cls receives the item's class. */
bool mc_slabs_alloc(mc_engine *e, uint64_t total, uint64_t nbytes, const mc_item *keep, uint8_t *cls);
void mc_slabs_free(mc_engine *e, const mc_item *it);
void mc_slabs_shrink(mc_engine *e);
void mc_slabs_tick(mc_engine *e);     /* once a second */
const char *mc_slabs_reassign(mc_engine *e, int src, int dst);
void mc_slabs_stats(mc_engine *e, mc_out *o);
void mc_slabs_item_stats(mc_engine *e, mc_out *o);
void mc_slabs_stats_reset(mc_engine *e);

/* ---- live log streams (mc_watch.c) -------------------------------------- */

#define MC_LOG_RAWCMDS     0x001
#define MC_LOG_EVICTIONS   0x002
#define MC_LOG_FETCHERS    0x004
#define MC_LOG_MUTATIONS   0x008
#define MC_LOG_SYSEVENTS   0x010
#define MC_LOG_CONNEVENTS  0x020
#define MC_LOG_PROXYREQS   0x040
#define MC_LOG_PROXYEVENTS 0x080
#define MC_LOG_PROXYUSER   0x100

typedef struct mc_watcher mc_watcher;
/* item_get status: 0 not_found, 1 found, 2 flushed, 3 expired */
enum { MC_LOG_GET_NOT_FOUND, MC_LOG_GET_FOUND, MC_LOG_GET_FLUSHED, MC_LOG_GET_EXPIRED };
enum mc_log_store { MC_LOG_NOT_STORED, MC_LOG_STORED, MC_LOG_EXISTS, MC_LOG_NOT_FOUND,
                    MC_LOG_TOO_LARGE, MC_LOG_NO_MEMORY };
void mc_watch_log_get(mc_engine *e, const char *key, size_t nkey, int status, const mc_item *it);
void mc_watch_log_store(mc_engine *e, const char *key, size_t nkey, enum mc_log_store status,
                        enum mc_store_op op, const mc_item *it);
void mc_watch_log_eviction(mc_engine *e, const mc_item *it);
void mc_watch_remove(mc_engine *e, const mc_conn *c);   /* c stops watching */
void mc_watch_free_all(mc_engine *e);
void mc_process_watch(mc_ctx *x, mc_token *t, size_t ntokens);

/* The hooks: nothing but a test when no watcher wants the class. */
static inline void mc_log_get(mc_engine *e, const char *key, size_t nkey, int status,
                              const mc_item *it)
{
    if (e->watch_mask & MC_LOG_FETCHERS)
        mc_watch_log_get(e, key, nkey, status, it);
}
static inline void mc_log_store(mc_engine *e, const char *key, size_t nkey,
                                enum mc_log_store status, enum mc_store_op op, const mc_item *it)
{
    if (e->watch_mask & MC_LOG_MUTATIONS)
        mc_watch_log_store(e, key, nkey, status, op, it);
}
static inline void mc_log_eviction(mc_engine *e, const mc_item *it)
{
    if (e->watch_mask & MC_LOG_EVICTIONS)
        mc_watch_log_eviction(e, it);
}

#endif
