/*
 * mc_out.c - the reply buffer. Replies are appended; the embedder drains
 * from the front. When `track` is set (UDP) the start of every response
 * object is recorded, because memcached frames each one separately.
 */
#include "mc_internal.h"

#include <stdlib.h>
#include <string.h>

void mc_out_init(mc_out *o)
{
    memset(o, 0, sizeof(*o));
}

void mc_out_reset(mc_out *o)
{
    char *buf = o->buf;
    size_t cap = o->cap;
    mc_resp_mark *marks = o->marks;
    size_t capmarks = o->capmarks;
    memset(o, 0, sizeof(*o));
    o->buf = buf;
    o->cap = cap;
    o->marks = marks;
    o->capmarks = capmarks;
}

void mc_out_free(mc_out *o)
{
    free(o->buf);
    free(o->marks);
    memset(o, 0, sizeof(*o));
}

static bool out_reserve(mc_out *o, size_t more)
{
    if (o->len + more <= o->cap)
        return true;
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->len + more)
        cap *= 2;
    char *nb = realloc(o->buf, cap);
    if (!nb) {
        o->oom = true;
        return false;
    }
    o->buf = nb;
    o->cap = cap;
    return true;
}

void mc_out_add(mc_out *o, const void *p, size_t n)
{
    if (n == 0 || !out_reserve(o, n))
        return;
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void mc_out_str(mc_out *o, const char *s)
{
    mc_out_add(o, s, strlen(s));
    mc_out_add(o, "\r\n", 2);
}

void mc_out_truncate(mc_out *o, size_t len)
{
    if (len < o->len)
        o->len = len;
    while (o->nmarks > 0 && o->marks[o->nmarks - 1].off > o->len)
        o->nmarks--;
}

void mc_out_resp_start(mc_out *o)
{
    if (!o->track)
        return;
    if (o->nmarks == o->capmarks) {
        size_t cap = o->capmarks ? o->capmarks * 2 : 16;
        mc_resp_mark *m = realloc(o->marks, cap * sizeof(*m));
        if (!m) {
            o->oom = true;
            return;
        }
        o->marks = m;
        o->capmarks = cap;
    }
    o->marks[o->nmarks].off = o->len;
    o->marks[o->nmarks].skip = false;
    o->marks[o->nmarks].batch = o->batch_next;
    o->batch_next = false;
    o->nmarks++;
}

void mc_out_resp_skip(mc_out *o, size_t off)
{
    mc_out_truncate(o, off);
    if (o->track && o->nmarks > 0)
        o->marks[o->nmarks - 1].skip = true;
}

void mc_out_consume(mc_out *o, size_t n)
{
    if (n >= o->len) {
        o->len = 0;
        o->nmarks = 0;
        o->drained++;
        return;
    }
    memmove(o->buf, o->buf + n, o->len - n);
    o->len -= n;
    o->nmarks = 0;      /* marks are only meaningful within one UDP batch */
}
