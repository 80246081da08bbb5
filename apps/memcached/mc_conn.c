/*
 * mc_conn.c - the stream parser: turns an arbitrary split of a TCP byte
 * stream into request lines and data blocks.
 *
 * States: LINE (collecting a request line up to '\n'), DATA (copying a
 * value straight into the item being stored), SWALLOW (discarding the data
 * block of a refused store), CLOSED. A partial line is kept in lbuf between
 * calls, so the outcome never depends on where the stream was split.
 *
 * Line length: a line over MC_LINE_SHORT bytes that is not a get/gets closes
 * the connection. memcached closes such a connection when more than 2048
 * bytes without '\n' sit in its 16 KiB read buffer, which depends on how the
 * bytes arrived; a line that arrives whole is processed. Here the rule
 * depends only on the line (so a split never changes the outcome) and
 * matches memcached for lines that arrive whole. get/gets lines may be up to
 * MC_LINE_MAX.
 */
#include "mc_internal.h"

#include <stdlib.h>
#include <string.h>

#define MC_LINE_SHORT 16384
#define MC_LINE_MAX (4u << 20)

enum { CS_LINE, CS_DATA, CS_SWALLOW, CS_CLOSED };

struct mc_conn {
    int state;
    char *lbuf;
    size_t llen, lcap;
    mc_pending pend;            /* CS_DATA */
    size_t got;                 /* bytes of pend.it's value received */
    uint64_t swallow;           /* CS_SWALLOW */
    uint8_t proto;              /* 0 undecided, 1 text, 2 binary (first byte 0x80) */
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

/* Runs the stream state machine. With mark_batches (UDP) every command whose
 * replies memcached transmits at once (get family, mn) ends a batch. */
size_t mc_conn_run(mc_engine *e, mc_conn *c, const char *p, size_t len, mc_out *o,
                   bool mark_batches);
size_t mc_conn_run(mc_engine *e, mc_conn *c, const char *p, size_t len, mc_out *o,
                   bool mark_batches)
{
    size_t pos = 0;
    if (c->watching)
        return len;                     /* a watcher sends no more commands */
    e->cur_cfd = c->id;
    if (c->proto == 0 && len > 0)       /* -B, or memcached's choice by the first byte */
        c->proto = e->cfg.protocol == MC_PROTO_ASCII ? 1 : e->cfg.protocol == MC_PROTO_BINARY ? 2
                 : (unsigned char)p[0] == 0x80 ? 2 : 1;
    if (c->proto == 2 && c->state != CS_CLOSED) {
        bool close;
        pos = mc_bin_run(e, &c->bin, p, len, o, mark_batches, &close);
        if (close) {
            c->state = CS_CLOSED;
            c->quit = c->bin.quit;
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
        const char *nl = memchr(p + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (p + pos)) : len - pos;
        if (!lbuf_add(c, p + pos, n)) {
            c->state = CS_CLOSED;
            break;
        }
        pos += n;
        if ((c->llen > MC_LINE_SHORT && !long_line_ok(c->lbuf, c->llen)) || c->llen > MC_LINE_MAX) {
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
        mc_ctx x;
        ctx_init(&x, e, c, o, mark_batches);
        x.pipelined = c->unflushed && c->drained_seen == o->drained;
        mc_process_line(&x, c->lbuf);
        c->unflushed = !x.flush;
        c->drained_seen = o->drained;
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
    return pos;
}

size_t mc_conn_feed(mc_engine *e, mc_conn *c, const void *in, size_t len, mc_out *out)
{
    if (c->state == CS_CLOSED)
        return 0;
    return mc_conn_run(e, c, (const char *)in, len, out, false);
}

/* UDP helpers: a datagram is parsed by a throwaway connection. */
bool mc_conn_pending_data(const mc_conn *c);
bool mc_conn_pending_data(const mc_conn *c)
{
    return c->state == CS_DATA || mc_bin_pending_data(&c->bin);
}
