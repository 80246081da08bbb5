/*
 * mc_conn.c - the stream parser: turns an arbitrary split of a TCP byte
 * stream into request lines and data blocks.
 *
 * States: LINE (collecting a request line up to '\n'), DATA (copying a
 * value straight into the item being stored), SWALLOW (discarding the data
 * block of a refused store), AUTH (collecting the data block of an
 * authentication request in lbuf, mc_auth.c), CLOSED. A partial line is
 * kept in lbuf between calls, so the outcome never depends on where the
 * stream was split.
 *
 * Line length: a line over MC_LINE_SHORT bytes that is not a get/gets closes
 * the connection. memcached closes such a connection when more than 2048
 * bytes without '\n' sit in its 16 KiB read buffer, which depends on how the
 * bytes arrived; a line that arrives whole is processed. Here the rule
 * depends only on the line (so a split never changes the outcome) and
 * matches memcached for lines that arrive whole. get/gets lines may be up to
 * MC_LINE_MAX. Before a connection has authenticated (auth_required) no
 * line, and no authentication data block, may be longer than MC_LINE_SHORT.
 */
#include "mc_internal.h"

#include <stdlib.h>
#include <string.h>

#define MC_LINE_SHORT 16384
#define MC_LINE_MAX (4u << 20)

enum { CS_LINE, CS_DATA, CS_SWALLOW, CS_AUTH, CS_CLOSED };

struct mc_conn {
    int state;
    char *lbuf;
    size_t llen, lcap;
    mc_pending pend;            /* CS_DATA */
    size_t got;                 /* bytes of pend.it's value received */
    uint64_t swallow;           /* CS_SWALLOW */
    uint8_t proto;              /* 0 undecided, 1 text, 2 binary (first byte 0x80) */
    bool authed;                /* authenticated (only asked with auth_required) */
    bool in_held;               /* holds a connection buffer for a partial request */
    uint32_t nresp;             /* response objects not yet sent (conn_buf_limit) */
    uint32_t reply_bufs;        /* connection buffers they take */
    uint64_t auth_need;         /* CS_AUTH: bytes of the data block */
    mc_bin bin;                 /* binary protocol state (mc_binary.c) */
    int id;                     /* shown as cfd= by watch (mc_conn_set_id) */
    bool watching;              /* sent "watch": input is ignored (mc_watch.c) */
    bool quit;                  /* closed by "quit" rather than an error */
    /* Commands answered since the last point where memcached transmits
     * (get family, mn) and not yet drained from the output: "watch" is
     * refused behind them, as memcached refuses it behind queued replies. */
    bool unflushed;
    uint64_t drained_seen;      /* out->drained when unflushed was set */
};

/* ---- connection buffers (conn_buf_limit) ---------------------------------- */

static void bufs_put(mc_engine *e, uint32_t n)
{
    e->bufs_used = e->bufs_used > n ? e->bufs_used - n : 0;
}

static bool limited(const mc_engine *e, const mc_conn *c)
{
    return e->bufs_limit != 0 && c != e->udp_conn;
}

bool mc_ctx_resp_start(mc_ctx *x)
{
    mc_engine *e = x->e;
    mc_conn *c = x->c;
    if (limited(e, c)) {
        if (c->nresp % MC_RESP_PER_BUF == 0) {    /* its buffers are full */
            if (e->bufs_used >= e->bufs_limit) {
                e->st.response_obj_oom++;
                return false;
            }
            e->bufs_used++;
            c->reply_bufs++;
        }
        c->nresp++;
    }
    x->resp_off = x->o->len;
    mc_out_resp_start(x->o);
    return true;
}

uint32_t mc_conn_resp_count(const mc_ctx *x)
{
    return x->c->nresp;
}

void mc_conn_resp_rewind(mc_ctx *x, uint32_t n)
{
    mc_conn *c = x->c;
    if (!limited(x->e, c) || n >= c->nresp)
        return;
    c->nresp = n;
    uint32_t need = (n + MC_RESP_PER_BUF - 1) / MC_RESP_PER_BUF;
    bufs_put(x->e, c->reply_bufs - need);
    c->reply_bufs = need;
}

void mc_conn_sent(mc_engine *e, mc_conn *c)
{
    if (c->reply_bufs)
        bufs_put(e, c->reply_bufs);
    c->reply_bufs = 0;
    c->nresp = 0;
}

static void conn_bufs_release(mc_engine *e, mc_conn *c)
{
    mc_conn_sent(e, c);
    if (c->in_held)
        bufs_put(e, 1);
    c->in_held = false;
}

mc_conn *mc_conn_create(mc_engine *e)
{
    (void)e;
    mc_conn *c = calloc(1, sizeof(mc_conn));
    if (c)
        c->id = -1;
    return c;
}

void mc_conn_set_id(mc_conn *c, int id)
{
    c->id = id;
}

bool mc_conn_watching(const mc_conn *c)
{
    return c->watching;
}

bool mc_conn_closed_normally(const mc_conn *c)
{
    return c->state == CS_CLOSED && c->quit;
}

void mc_conn_reset(mc_engine *e, mc_conn *c)
{
    conn_bufs_release(e, c);
    if (c->state == CS_DATA && c->pend.it)
        mc_item_free(e, c->pend.it);
    mc_bin_reset(e, &c->bin);
    if (c->watching)
        mc_watch_remove(e, c);
    char *lbuf = c->lbuf;
    size_t lcap = c->lcap;
    int id = c->id;
    memset(c, 0, sizeof(*c));
    c->lbuf = lbuf;
    c->lcap = lcap;
    c->id = id;
}

void mc_conn_destroy(mc_engine *e, mc_conn *c)
{
    if (!c)
        return;
    conn_bufs_release(e, c);
    if (c->state == CS_DATA && c->pend.it)
        mc_item_free(e, c->pend.it);
    mc_bin_reset(e, &c->bin);
    if (c->watching)
        mc_watch_remove(e, c);
    free(c->lbuf);
    free(c);
}

bool mc_conn_closed(const mc_conn *c)
{
    return c->state == CS_CLOSED;
}

bool mc_conn_idle(const mc_conn *c)
{
    if (c->proto == 2 && c->state != CS_CLOSED)
        return mc_bin_idle(&c->bin);
    return c->state == CS_CLOSED || (c->state == CS_LINE && c->llen == 0);
}

static bool lbuf_add(mc_conn *c, const char *p, size_t n)
{
    if (c->llen + n + 1 > c->lcap) {
        size_t cap = c->lcap ? c->lcap : 256;
        while (cap < c->llen + n + 1)
            cap *= 2;
        char *nb = realloc(c->lbuf, cap);
        if (!nb)
            return false;
        c->lbuf = nb;
        c->lcap = cap;
    }
    memcpy(c->lbuf + c->llen, p, n);
    c->llen += n;
    return true;
}

/* May a line this long continue? Only multi-key gets may be long. */
static bool long_line_ok(const char *l, size_t n)
{
    size_t i = 0;
    while (i < n && l[i] == ' ')
        i++;
    if (i > 100)
        return false;
    return (n - i >= 4 && memcmp(l + i, "get ", 4) == 0) ||
           (n - i >= 5 && memcmp(l + i, "gets ", 5) == 0);
}

static void ctx_init(mc_ctx *x, mc_engine *e, mc_conn *c, mc_out *o, bool dgram)
{
    memset(x, 0, sizeof(*x));
    x->dgram = dgram;
    x->e = e;
    x->c = c;
    x->o = o;
    x->resp_off = o->len;
}

/* A connection that keeps part of a request between feeds holds a
 * connection buffer; false when none is left (read_buf_oom). */
static bool hold_input_buf(mc_engine *e, mc_conn *c, bool hold)
{
    if (!limited(e, c) || hold == c->in_held)
        return true;
    if (!hold) {
        bufs_put(e, 1);
        c->in_held = false;
        return true;
    }
    if (e->bufs_used >= e->bufs_limit) {
        e->st.read_buf_oom++;
        return false;
    }
    e->bufs_used++;
    c->in_held = true;
    return true;
}

/* Runs the stream state machine. With mark_batches (UDP) every command whose
 * replies memcached transmits at once (get family, mn) ends a batch. At most
 * max_req requests are started (0: any number); *nreq counts them. */
size_t mc_conn_run(mc_engine *e, mc_conn *c, const char *p, size_t len, mc_out *o,
                   bool mark_batches, unsigned max_req, unsigned *nreq);
size_t mc_conn_run(mc_engine *e, mc_conn *c, const char *p, size_t len, mc_out *o,
                   bool mark_batches, unsigned max_req, unsigned *nreq)
{
    size_t pos = 0;
    if (c->watching)
        return len;                     /* a watcher sends no more commands */
    e->cur_cfd = c->id;
    size_t out_start = o->len;
    unsigned started = 0;
    if (c->proto == 0 && len > 0)       /* -B, or memcached's choice by the first byte */
        c->proto = e->cfg.protocol == MC_PROTO_ASCII || e->cfg.auth_required ? 1
                 : e->cfg.protocol == MC_PROTO_BINARY ? 2
                 : (unsigned char)p[0] == 0x80 ? 2 : 1;
    if (c->proto == 2 && c->state != CS_CLOSED) {
        bool close;
        pos = mc_bin_run(e, &c->bin, p, len, o, mark_batches, &close, max_req, nreq);
        if (close) {
            c->state = CS_CLOSED;
            c->quit = c->bin.quit;
        } else if (!hold_input_buf(e, c, pos < len || !mc_bin_idle(&c->bin))) {
            c->state = CS_CLOSED;
        }
        return pos;
    }
    while (pos < len && c->state != CS_CLOSED) {
        if (c->state == CS_DATA) {
            mc_item *it = c->pend.it;
            size_t n = it->nbytes - c->got;
            if (n > len - pos)
                n = len - pos;
            memcpy(mc_item_value(it) + c->got, p + pos, n);
            c->got += n;
            pos += n;
            if (c->got == it->nbytes) {
                mc_ctx x;
                ctx_init(&x, e, c, o, mark_batches);
                c->state = CS_LINE;
                mc_complete_data(&x, &c->pend);
                c->pend.it = NULL;
                c->unflushed = true;
                c->drained_seen = o->drained;
            }
            continue;
        }
        if (c->state == CS_SWALLOW) {
            uint64_t n = c->swallow;
            if (n > len - pos)
                n = len - pos;
            c->swallow -= n;
            pos += (size_t)n;
            if (c->swallow == 0)
                c->state = CS_LINE;
            continue;
        }
        if (c->state == CS_AUTH) {
            uint64_t n = c->auth_need - c->llen;
            if (n > len - pos)
                n = len - pos;
            if (!lbuf_add(c, p + pos, (size_t)n)) {
                c->state = CS_CLOSED;
                break;
            }
            pos += (size_t)n;
            if (c->llen == c->auth_need) {
                mc_ctx x;
                ctx_init(&x, e, c, o, mark_batches);
                c->state = CS_LINE;
                c->llen = 0;
                mc_auth_data(&x, c->lbuf, (size_t)c->auth_need);
                c->authed = x.authed;
            }
            continue;
        }
        if (max_req && started == max_req && c->llen == 0)
            break;                      /* this turn's requests are done */
        const char *nl = memchr(p + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (p + pos)) : len - pos;
        if (!lbuf_add(c, p + pos, n)) {
            c->state = CS_CLOSED;
            break;
        }
        pos += n;
        bool unauth = e->cfg.auth_required && !c->authed;
        if ((c->llen > MC_LINE_SHORT && (unauth || !long_line_ok(c->lbuf, c->llen))) || c->llen > MC_LINE_MAX) {
            c->state = CS_CLOSED;
            break;
        }
        if (!nl)
            break;
        pos++;                          /* the '\n' */
        size_t l = c->llen;
        if (l > 1 && c->lbuf[l - 1] == '\r')
            l--;
        c->lbuf[l] = '\0';
        c->llen = 0;
        started++;
        mc_ctx x;
        ctx_init(&x, e, c, o, mark_batches);
        x.pipelined = c->unflushed && c->drained_seen == o->drained;
        if (unauth) {
            mc_auth_line(&x, c->lbuf);
            if (x.auth_len) {
                if (x.auth_len > MC_LINE_SHORT) {       /* no credentials are that long */
                    c->state = CS_CLOSED;
                    break;
                }
                c->auth_need = x.auth_len;
                c->state = CS_AUTH;
            }
        } else {
            mc_process_line(&x, c->lbuf);
        }
        c->unflushed = !x.flush;
        c->drained_seen = o->drained;
        if (x.oom) {
            /* no buffer for a reply: memcached closes the connection and
             * drops the replies it has not sent */
            mc_out_truncate(o, out_start);
            c->state = CS_CLOSED;
            break;
        }
        if (x.quit) {
            c->state = CS_CLOSED;
            c->quit = x.quit_normal;
            break;
        }
        if (x.watch) {
            c->watching = true;
            return len;                 /* what follows "watch" is ignored */
        }
        if (x.want_data) {
            c->pend = x.pend;
            c->got = 0;
            c->state = CS_DATA;
        } else if (x.swallow) {
            c->swallow = x.swallow;
            c->state = CS_SWALLOW;
        }
        if (mark_batches && x.flush)
            o->batch_next = true;
    }
    if (nreq)
        *nreq = started;
    if (c->state != CS_CLOSED &&
        !hold_input_buf(e, c, pos < len || c->state != CS_LINE || c->llen != 0))
        c->state = CS_CLOSED;
    return pos;
}

size_t mc_conn_feed(mc_engine *e, mc_conn *c, const void *in, size_t len, mc_out *out)
{
    if (c->state == CS_CLOSED)
        return 0;
    return mc_conn_run(e, c, (const char *)in, len, out, false, 0, NULL);
}

size_t mc_conn_feed_some(mc_engine *e, mc_conn *c, const void *in, size_t len, mc_out *out,
                         unsigned max_requests, unsigned *started)
{
    if (started)
        *started = 0;
    if (c->state == CS_CLOSED)
        return 0;
    return mc_conn_run(e, c, (const char *)in, len, out, false, max_requests, started);
}

/* UDP helpers: a datagram is parsed by a throwaway connection. */
bool mc_conn_pending_data(const mc_conn *c);
bool mc_conn_pending_data(const mc_conn *c)
{
    return c->state == CS_DATA || mc_bin_pending_data(&c->bin);
}
