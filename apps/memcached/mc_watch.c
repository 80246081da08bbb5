/*
 * mc_watch.c - live log streams: the "watch" command.
 *
 * A connection that sends "watch [fetchers|mutations|evictions|connevents|
 * ...]" is answered "OK" and from then on only receives log lines, one per
 * event of the classes it asked for (fetchers when it named none), in
 * memcached 1.6.18's text format:
 *
 *   ts=SEC.USEC gid=N type=item_get key=K status=S clsid=C cfd=FD size=B
 *   ts=SEC.USEC gid=N type=item_store key=K status=S cmd=OP ttl=T clsid=C cfd=FD size=B
 *   ts=SEC.USEC gid=N type=eviction key=K fetch=yes|no ttl=T la=A clsid=C size=B
 *   ts=SEC.USEC gid=N type=conn_new rip=IP rport=P transport=tcp|local|udp cfd=FD
 *   ts=SEC.USEC gid=N type=conn_close rip=IP rport=P transport=T reason=R cfd=FD
 *
 * Keys are percent-encoded (everything but letters, digits and "-._~").
 * gid numbers every line the engine produced, across all watchers.
 *
 * Each watcher has a buffer of at most cfg.watch_buf_size bytes. A line that
 * does not fit is dropped and counted; once room is available again the
 * watcher first receives "skipped=N" (how many lines it missed). The
 * embedder moves lines from that buffer to the connection's output with
 * mc_watch_take() as fast as its socket drains, so a watcher that does not
 * read costs a bounded amount of memory and never slows the cache down.
 *
 * The hooks (mc_watch_item_get and friends, mc_internal.h) cost one test of
 * e->watch_mask when nobody watches.
 */
#include "mc_internal.h"

#include <stdlib.h>
#include <string.h>

#define WATCHER_MAX 20                      /* at once, as memcached */
#define WATCH_BUF_DEFAULT (256u * 1024)     /* memcached's watcher_logbuf_size */
#define SKIP_LINE_MAX 32                    /* "skipped=" + 20 digits + "\n" */
#define WATCH_LINE_MAX 1536                       /* longest line (key encoded: 750) */

struct mc_watcher {
    mc_conn *c;
    uint32_t mask;                          /* MC_LOG_* classes wanted */
    char *buf;                              /* pending lines, buf[0..len) */
    size_t len, cap;
    uint64_t skipped;                       /* lines dropped since last report */
    struct mc_watcher *next;
};

static size_t buf_limit(const mc_engine *e)
{
    size_t n = e->cfg.watch_buf_size ? e->cfg.watch_buf_size : WATCH_BUF_DEFAULT;
    return n < 2 * WATCH_LINE_MAX ? 2 * WATCH_LINE_MAX : n;
}

static void recompute_mask(mc_engine *e)
{
    uint32_t m = 0;
    for (mc_watcher *w = e->watchers; w; w = w->next)
        m |= w->mask;
    e->watch_mask = m;
}

/* Appends n bytes to w's buffer; the caller checked the limit. */
static bool wbuf_add(mc_watcher *w, const char *p, size_t n)
{
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n)
            cap *= 2;
        char *nb = realloc(w->buf, cap);
        if (!nb)
            return false;
        w->buf = nb;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    return true;
}

static size_t skip_line(uint64_t skipped, char *out)
{
    char *p = out;
    memcpy(p, "skipped=", 8);
    p = mc_u64toa(skipped, p + 8);
    *p++ = '\n';
    return (size_t)(p - out);
}

/* Reports the lines w missed, if there is room for the report now. */
static void flush_skipped(mc_engine *e, mc_watcher *w)
{
    if (w->skipped == 0 || w->len + SKIP_LINE_MAX > buf_limit(e))
        return;
    char s[SKIP_LINE_MAX];
    if (wbuf_add(w, s, skip_line(w->skipped, s)))
        w->skipped = 0;
}

/* ---- line building -------------------------------------------------------- */

typedef struct line {
    char b[WATCH_LINE_MAX];
    size_t n;
} line;

static void put(line *l, const char *s, size_t n)
{
    if (n > WATCH_LINE_MAX - 1 - l->n)
        n = WATCH_LINE_MAX - 1 - l->n;        /* cannot happen with the fields below */
    memcpy(l->b + l->n, s, n);
    l->n += n;
}

static void puts_(line *l, const char *s) { put(l, s, strlen(s)); }

static void put_u(line *l, uint64_t v)
{
    char d[24];
    put(l, d, (size_t)(mc_u64toa(v, d) - d));
}

static void put_i(line *l, int64_t v)
{
    char d[24];
    put(l, d, (size_t)(mc_i64toa(v, d) - d));
}

static void put_key(line *l, const char *key, size_t nkey)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < nkey && l->n + 4 < WATCH_LINE_MAX; i++) {
        unsigned char ch = (unsigned char)key[i];
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~';
        if (plain) {
            l->b[l->n++] = (char)ch;
        } else {
            l->b[l->n++] = '%';
            l->b[l->n++] = hex[ch >> 4];
            l->b[l->n++] = hex[ch & 15];
        }
    }
}

/* "ts=SEC.USEC gid=N type=" */
static void start_line(mc_engine *e, line *l, const char *type)
{
    l->n = 0;
    puts_(l, "ts=");
    put_i(l, e->now_us / 1000000);
    puts_(l, ".");
    put_u(l, (uint64_t)(e->now_us % 1000000));
    puts_(l, " gid=");
    put_u(l, ++e->watch_gid);
    puts_(l, " type=");
    puts_(l, type);
}

/* Offers a finished line to every watcher of class `cls`. */
static void deliver(mc_engine *e, uint32_t cls, line *l)
{
    l->b[l->n++] = '\n';
    e->watch_lines++;
    size_t limit = buf_limit(e);
    for (mc_watcher *w = e->watchers; w; w = w->next) {
        if (!(w->mask & cls))
            continue;
        size_t need = l->n + (w->skipped ? SKIP_LINE_MAX : 0);
        if (w->len + need > limit) {
            w->skipped++;
            e->watch_skipped++;
            continue;
        }
        flush_skipped(e, w);
        if (wbuf_add(w, l->b, l->n)) {
            e->watch_sent++;
        } else {
            w->skipped++;
            e->watch_skipped++;
        }
    }
}

/* ---- events ----------------------------------------------------------------- */

/* " clsid=N cfd=N size=N", the end of item_get and item_store lines */
static void put_item_tail(mc_engine *e, line *l, const mc_item *it)
{
    puts_(l, " clsid=");
    put_u(l, it ? (uint32_t)mc_item_class(e, it) : 0);
    puts_(l, " cfd=");
    put_i(l, e->cur_cfd);
    puts_(l, " size=");
    put_u(l, it && it->nbytes >= 2 ? it->nbytes - 2 : 0);
}

void mc_watch_log_get(mc_engine *e, const char *key, size_t nkey, int status, const mc_item *it)
{
    static const char *const names[] = { "not_found", "found", "flushed", "expired" };
    line l;
    start_line(e, &l, "item_get key=");
    put_key(&l, key, nkey);
    puts_(&l, " status=");
    puts_(&l, names[status & 3]);
    put_item_tail(e, &l, it);
    deliver(e, MC_LOG_FETCHERS, &l);
}

void mc_watch_log_store(mc_engine *e, const char *key, size_t nkey, enum mc_log_store status,
                        enum mc_store_op op, const mc_item *it)
{
    static const char *const names[] = { "not_stored", "stored", "exists", "not_found",
                                         "too_large", "no_memory" };
    static const char *const cmds[] = { "set", "add", "replace", "append", "prepend", "cas" };
    line l;
    start_line(e, &l, "item_store key=");
    put_key(&l, key, nkey);
    puts_(&l, " status=");
    puts_(&l, names[status]);
    puts_(&l, " cmd=");
    puts_(&l, (unsigned)op < 6 ? cmds[op] : "na");
    puts_(&l, " ttl=");
    /* Seconds left, printed as an unsigned 32-bit number as memcached does.
     * memcached keeps an already expired item's expiry as second 1 of its
     * own clock, which starts 62 s before the server did, so such an item
     * shows 1 minus that clock's reading, wrapped: the same here. */
    int64_t ttl = 0;
    if (it && it->exptime)
        ttl = it->exptime > e->now ? it->exptime - e->now : 1 - (e->now - e->started + 62);
    put_u(&l, (uint32_t)ttl);
    put_item_tail(e, &l, it);
    deliver(e, MC_LOG_MUTATIONS, &l);
}

void mc_watch_log_eviction(mc_engine *e, const mc_item *it)
{
    line l;
    start_line(e, &l, "eviction key=");
    put_key(&l, it->data, it->nkey);
    puts_(&l, (it->iflags & MC_IT_FETCHED) ? " fetch=yes" : " fetch=no");
    puts_(&l, " ttl=");
    put_i(&l, it->exptime > 0 ? it->exptime - e->now : -1);
    puts_(&l, " la=");
    put_i(&l, e->now - it->time);
    puts_(&l, " clsid=");
    put_u(&l, (uint32_t)mc_item_class(e, it));
    puts_(&l, " size=");
    put_u(&l, it->nbytes >= 2 ? it->nbytes - 2 : 0);
    deliver(e, MC_LOG_EVICTIONS, &l);
}

void mc_watch_conn_event(mc_engine *e, bool closed, const char *rip, unsigned rport,
                         const char *transport, const char *reason, int cfd)
{
    if (!(e->watch_mask & MC_LOG_CONNEVENTS))
        return;
    line l;
    start_line(e, &l, closed ? "conn_close rip=" : "conn_new rip=");
    size_t nrip = 0;
    while (nrip < 64 && rip[nrip])
        nrip++;
    put(&l, rip, nrip);
    puts_(&l, " rport=");
    put_u(&l, rport & 0xffff);
    puts_(&l, " transport=");
    puts_(&l, transport);
    if (closed) {
        puts_(&l, " reason=");
        puts_(&l, reason);
    }
    puts_(&l, " cfd=");
    put_i(&l, cfd);
    deliver(e, MC_LOG_CONNEVENTS, &l);
}

/* ---- watchers ---------------------------------------------------------------- */

static mc_watcher *find(mc_engine *e, const mc_conn *c)
{
    for (mc_watcher *w = e->watchers; w; w = w->next)
        if (w->c == c)
            return w;
    return NULL;
}

void mc_process_watch(mc_ctx *x, mc_token *t, size_t nt)
{
    static const struct { const char *name; uint32_t cls; } classes[] = {
        { "rawcmds", MC_LOG_RAWCMDS }, { "evictions", MC_LOG_EVICTIONS },
        { "fetchers", MC_LOG_FETCHERS }, { "mutations", MC_LOG_MUTATIONS },
        { "sysevents", MC_LOG_SYSEVENTS }, { "connevents", MC_LOG_CONNEVENTS },
        { "proxyreqs", MC_LOG_PROXYREQS }, { "proxyevents", MC_LOG_PROXYEVENTS },
        { "proxyuser", MC_LOG_PROXYUSER },
    };
    mc_engine *e = x->e;
    const mc_token *last = &t[nt - 2];
    if (nt > 2 && last->value && strcmp(last->value, "noreply") == 0)
        x->noreply = true;
    if (e->cfg.watch_disabled) {
        mc_out_string(x, "CLIENT_ERROR watch commands not allowed");
        return;
    }
    if (x->pipelined) {
        /* replies of earlier commands are still queued on this stream */
        mc_out_string(x, "ERROR cannot pipeline other commands before watch");
        return;
    }
    if (x->dgram) {
        mc_out_string(x, "ERROR");      /* a datagram cannot be a stream of lines */
        return;
    }
    uint32_t mask = 0;
    for (size_t i = 1; i + 1 < nt; i++) {
        size_t k = 0;
        while (k < sizeof classes / sizeof classes[0] && strcmp(t[i].value, classes[k].name) != 0)
            k++;
        if (k == sizeof classes / sizeof classes[0]) {
            mc_out_string(x, "ERROR");
            return;
        }
        mask |= classes[k].cls;
    }
    if (nt <= 2)
        mask = MC_LOG_FETCHERS;
    if (e->nwatchers >= WATCHER_MAX) {
        mc_out_string(x, "WATCHER_TOO_MANY log watcher limit reached");
        return;
    }
    mc_watcher *w = calloc(1, sizeof *w);
    if (!w || find(e, x->c)) {
        free(w);
        mc_out_string(x, "WATCHER_FAILED failed to add log watcher");
        return;
    }
    w->c = x->c;
    w->mask = mask;
    w->next = e->watchers;
    e->watchers = w;
    e->nwatchers++;
    recompute_mask(e);
    mc_out_string(x, "OK");
    x->watch = true;
}

void mc_watch_remove(mc_engine *e, const mc_conn *c)
{
    for (mc_watcher **pp = &e->watchers; *pp; pp = &(*pp)->next) {
        mc_watcher *w = *pp;
        if (w->c != c)
            continue;
        *pp = w->next;
        free(w->buf);
        free(w);
        e->nwatchers--;
        recompute_mask(e);
        return;
    }
}

void mc_watch_free_all(mc_engine *e)
{
    while (e->watchers) {
        mc_watcher *w = e->watchers;
        e->watchers = w->next;
        free(w->buf);
        free(w);
    }
    e->nwatchers = 0;
    e->watch_mask = 0;
}

size_t mc_watch_take(mc_engine *e, mc_conn *c, mc_out *out, size_t max)
{
    mc_watcher *w = find(e, c);
    if (!w)
        return 0;
    flush_skipped(e, w);
    size_t n = w->len < max ? w->len : max;
    if (n == 0)
        return 0;
    size_t before = out->len;
    mc_out_add(out, w->buf, n);
    if (out->len != before + n)
        return 0;                       /* out of memory: keep the lines */
    memmove(w->buf, w->buf + n, w->len - n);
    w->len -= n;
    if (w->len == 0 && w->cap > 65536) {
        /* drained: do not keep a large buffer for an idle watcher */
        free(w->buf);
        w->buf = NULL;
        w->cap = 0;
    }
    flush_skipped(e, w);
    return n;
}

uint32_t mc_engine_watchers(const mc_engine *e)
{
    return e->nwatchers;
}
