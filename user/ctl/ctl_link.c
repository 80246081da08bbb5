/* The control link (see ctl_link.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ctl_link.h"
#include "ctl_model.h"

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

void ctl_link_init(struct ctl_link *l, const struct ctl_link_ops *ops, void *ctx)
{
    memset(l, 0, sizeof *l);
    l->ops = ops;
    l->ctx = ctx;
}

static void body_free(struct ctl_conn *c, uint8_t *body)
{
    if (body != c->small)
        free(body);
}

static void conn_drop_body(struct ctl_link *l, struct ctl_conn *c)
{
    if (c->body) {
        l->buffered -= c->blen;
        body_free(c, c->body);
    }
    c->body = NULL;
    c->blen = c->bgot = 0;
    c->hlen = 0;
}

static void conn_free(struct ctl_link *l, struct ctl_conn *c)
{
    conn_drop_body(l, c);
    c->id = 0;                  /* the small buffer is left as it is: a handler may still read it */
}

void ctl_link_reset(struct ctl_link *l)
{
    for (int i = 0; i < CTL_MAX_CONNS; i++)
        conn_free(l, &l->conns[i]);
}

static struct ctl_conn *conn_find(struct ctl_link *l, uint16_t id)
{
    for (int i = 0; i < CTL_MAX_CONNS; i++)
        if (l->conns[i].id == id)
            return &l->conns[i];
    return NULL;
}

void ctl_link_forget(struct ctl_link *l, uint16_t id)
{
    struct ctl_conn *c = id ? conn_find(l, id) : NULL;
    if (c)
        conn_free(l, c);
}

static void conn_open(struct ctl_link *l, uint16_t id)
{
    struct ctl_conn *c = conn_find(l, id);
    if (c)
        conn_free(l, c);            /* reopened: whatever it had goes */
    else if (!(c = conn_find(l, 0)))
        return;                     /* the host allows no more than CTL_MAX_CONNS */
    c->id = id;
}

/* The caller answers and closes the connection; the link forgets it, so
 * its later frames are dropped. */
static void conn_refuse(struct ctl_link *l, struct ctl_conn *c, int err, const char *why)
{
    uint16_t id = c->id;
    conn_free(l, c);
    l->ops->refuse(l->ctx, id, err, why);
}

/* Bytes of one connection: requests are "EOC1", u32 length, body. */
static void conn_data(struct ctl_link *l, struct ctl_conn *c, const uint8_t *p, size_t n)
{
    while (n) {
        if (c->hlen < sizeof c->head) {
            size_t k = sizeof c->head - c->hlen;
            if (k > n)
                k = n;
            memcpy(c->head + c->hlen, p, k);
            c->hlen += (uint32_t)k;
            p += k;
            n -= k;
            if (c->hlen < sizeof c->head)
                return;
            if (memcmp(c->head, "EOC1", 4) != 0) {
                conn_refuse(l, c, EPROTO, "not an edgeosctl request (bad magic)");
                return;
            }
            uint32_t len = get32(c->head + 4);
            if (len > CTL_REQUEST_MAX) {
                conn_refuse(l, c, E2BIG, "request too large (the limit is 8 MiB)");
                return;
            }
            c->body = len <= CTL_CONN_SMALL ? c->small : NULL;
            if (len == 0 || l->buffered + len > CTL_BUFFERED_MAX || (!c->body && !(c->body = malloc(len)))) {
                c->body = NULL;
                conn_refuse(l, c, len == 0 ? EPROTO : ENOMEM,
                            len == 0 ? "empty request" : "the control plane is busy with other uploads; retry");
                return;
            }
            c->blen = len;
            c->bgot = 0;
            l->buffered += len;
        }
        size_t k = c->blen - c->bgot;
        if (k > n)
            k = n;
        memcpy(c->body + c->bgot, p, k);
        c->bgot += (uint32_t)k;
        p += k;
        n -= k;
        if (c->bgot == c->blen) {
            uint16_t id = c->id;
            uint8_t *body = c->body;
            uint32_t len = c->blen;
            c->body = NULL;
            c->blen = c->bgot = c->hlen = 0;
            struct ctl_conn *owner = c;
            l->ops->request(l->ctx, id, body, len);
            l->buffered -= len;
            if (body != owner->small)
                free(body);
            c = conn_find(l, id);       /* the handler may have closed it */
            if (!c)
                return;
        }
    }
}

/* Whether the first hlen bytes of a header are impossible. */
static bool header_prefix_bad(const uint8_t *h, uint32_t hlen)
{
    static const uint8_t magic[4] = { 0x45, 0x4f, 0x53, 0x46 };
    for (uint32_t i = 0; i < hlen && i < 4; i++)
        if (h[i] != magic[i])
            return true;
    if (hlen >= 6 && get16(h + 4) == 0)
        return true;                    /* connection ids start at 1 */
    if (hlen >= 8 && (get16(h + 6) < CTL_FRAME_OPEN || get16(h + 6) > CTL_FRAME_CLOSE))
        return true;
    if (hlen >= CTL_FRAME_HDR) {
        uint32_t len = get32(h + 8);
        return get16(h + 6) == CTL_FRAME_DATA ? len == 0 || len > CTL_FRAME_MAX : len != 0;
    }
    return false;
}

static void report_skipped(struct ctl_link *l)
{
    if (l->skipped) {
        l->ops->out_of_step(l->ctx, l->skipped);
        l->skipped = 0;
    }
}

void ctl_link_feed(struct ctl_link *l, const uint8_t *p, size_t n)
{
    while (n) {
        if (l->left) {                  /* inside a DATA frame's payload */
            size_t k = l->left < n ? l->left : n;
            struct ctl_conn *c = conn_find(l, l->fconn);
            if (c)
                conn_data(l, c, p, k);  /* unknown connections: dropped */
            l->left -= (uint32_t)k;
            p += k;
            n -= k;
            continue;
        }
        l->hdr[l->hlen++] = *p++;
        n--;
        /* Out of step (a field that cannot be right): drop a byte at a
         * time until what is left could start a frame. */
        while (l->hlen && header_prefix_bad(l->hdr, l->hlen)) {
            memmove(l->hdr, l->hdr + 1, --l->hlen);
            l->skipped++;
        }
        if (l->hlen < CTL_FRAME_HDR)
            continue;
        report_skipped(l);
        l->hlen = 0;
        l->fconn = get16(l->hdr + 4);
        l->ftype = get16(l->hdr + 6);
        struct ctl_conn *c = conn_find(l, l->fconn);
        if (l->ftype == CTL_FRAME_OPEN)
            conn_open(l, l->fconn);
        else if (l->ftype == CTL_FRAME_CLOSE) {
            if (c)
                conn_free(l, c);        /* an unfinished request is dropped */
        } else
            l->left = get32(l->hdr + 8);
    }
}

size_t ctl_frame_header(uint8_t out[CTL_FRAME_HDR], uint16_t conn, uint16_t type, uint32_t len)
{
    put32(out, CTL_FRAME_MAGIC);
    out[4] = (uint8_t)conn;
    out[5] = (uint8_t)(conn >> 8);
    out[6] = (uint8_t)type;
    out[7] = (uint8_t)(type >> 8);
    put32(out + 8, len);
    return CTL_FRAME_HDR;
}

size_t ctl_response_header(uint8_t out[12], int32_t status, uint32_t textlen)
{
    memcpy(out, "EOR1", 4);
    put32(out + 4, textlen + 4);
    put32(out + 8, (uint32_t)status);
    return 12;
}
