/* IPReassembler([keywords HIMEM, TIMEOUT]): rebuilds fragmented IP packets.
 *
 * Packets that are not fragments pass to output 0 unchanged. Fragments are
 * held, per (source, destination, protocol, ID), until every byte up to the
 * last fragment's end has arrived; the whole datagram then leaves on output
 * 0 with the MAC header (whatever precedes the IP header), IP header and
 * options and annotations of the fragment at offset 0, its total length set,
 * MF and the offset cleared and the checksum recomputed. Overlapping data is
 * taken from the fragment that arrived last.
 *
 * A datagram left incomplete for TIMEOUT (default 30 s) is dropped, or,
 * with two outputs, sent on output 1 as one packet holding the fragments
 * received at their offsets (a task watches the oldest datagram). Memory is bounded: above
 * HIMEM bytes of held fragments (default 256K) or 1024 datagrams, the oldest
 * datagrams are dropped until use falls below three quarters of the bound.
 * Fragments whose data runs past 65535 bytes, and non-final fragments whose
 * length is not a multiple of 8, are dropped. Uses the network-header
 * annotation, or the start of the data when it is unset.
 * Handlers: reassembled, drops (fragments dropped), datagrams (in progress),
 * mem (bytes held). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

#define MAX_DATAGRAMS 1024
#define UNITS (65536 / 8)

typedef struct dgram {
    uint32_t src, dst;
    uint16_t id;
    uint8_t proto;
    uint8_t *buf;           /* IP data bytes, cap of them allocated */
    uint32_t cap, end;      /* end: highest data byte received + 1 */
    uint32_t total;         /* data length, known once the last fragment came */
    bool have_last;
    click_packet *first;    /* the fragment at offset 0 (headers, annotations) */
    uint8_t hdr[60];        /* IP header of the first fragment seen */
    uint64_t start_ns;
    size_t mem;
    uint8_t got[UNITS / 8]; /* which 8-byte units have arrived */
    struct dgram *next;
} dgram;

typedef struct reasm {
    click_element e;
    dgram *head, *tail;     /* oldest first */
    int n;
    size_t mem, himem;
    uint64_t timeout_ns;
    uint64_t reassembled, drops;
} reasm;

static int ra_configure(click_element *e, click_args *a, click_errh *errh) {
    reasm *r = (reasm *)e;
    const char *v;
    unsigned long long u;
    r->himem = 256 * 1024;
    r->timeout_ns = 30ull * 1000000000ull;
    if ((v = click_args_kw(a, "HIMEM"))) {
        if (click_parse_uint(v, &u) < 0 || u < 1024 || u > (1ull << 32)) {
            click_errh_here(errh, "HIMEM must be a byte count of at least 1024");
            return -1;
        }
        r->himem = (size_t)u;
    }
    if ((v = click_args_kw(a, "TIMEOUT")) && click_parse_time_ns(v, &r->timeout_ns) < 0) {
        click_errh_here(errh, "TIMEOUT must be a time");
        return -1;
    }
    return click_args_done(a);
}

static void dg_free(dgram *d) {
    if (d->first) click_packet_kill(d->first);
    free(d->buf);
    free(d);
}

/* Unlink d (prev is its predecessor or NULL). */
static void dg_unlink(reasm *r, dgram *d, dgram *prev) {
    if (prev) prev->next = d->next;
    else r->head = d->next;
    if (r->tail == d) r->tail = prev;
    r->n--;
    r->mem -= d->mem;
}

/* The fragments of d at their offsets in one packet (for output 1). */
static click_packet *dg_partial(reasm *r, dgram *d) {
    unsigned hl = ip_hlen(d->hdr);
    click_packet *q = click_packet_alloc(click_element_pool(&r->e), hl + d->end);
    if (!q) return NULL;
    memcpy(q->data, d->hdr, hl);
    memcpy(q->data + hl, d->buf, d->end);
    wr16(q->data + IPV_LEN, (uint16_t)(hl + d->end));
    wr16(q->data + IPV_OFF, rd16(d->hdr + IPV_OFF) & 0xc000);
    wr16(q->data + IPV_SUM, 0);
    wr16(q->data + IPV_SUM, click_in_cksum(q->data, hl));
    click_packet_set_network_header(q, q->data, hl);
    q->dst_ip = d->dst;
    if (d->first) {
        q->paint = d->first->paint;
        q->timestamp_ns = d->first->timestamp_ns;
    }
    return q;
}

/* Drop (or emit on output 1) the oldest datagrams while over the bounds, and
 * every one older than the timeout. */
static void expire(reasm *r, uint64_t now, size_t extra) {
    dgram *prev = NULL;
    for (dgram *d = r->head, *nx; d; d = nx) {
        nx = d->next;
        bool over = r->mem + extra > r->himem || r->n >= MAX_DATAGRAMS;
        bool old = now > d->start_ns && now - d->start_ns > r->timeout_ns;
        if (!over && !old) {
            prev = d;
            continue;
        }
        dg_unlink(r, d, prev);
        if (old && r->e.noutputs > 1) {
            click_packet *q = dg_partial(r, d);
            if (q) click_output_push(&r->e, 1, q);
        }
        dg_free(d);
        if (over) { /* trim to three quarters of the bounds */
            while (r->head && (r->mem + extra > r->himem / 4 * 3 || r->n >= MAX_DATAGRAMS * 3 / 4)) {
                dgram *h = r->head;
                dg_unlink(r, h, NULL);
                dg_free(h);
            }
            prev = NULL;
            nx = r->head;
        }
    }
}

static bool complete(const dgram *d) {
    if (!d->have_last || !d->first) return false;
    uint32_t units = (d->total + 7) / 8;
    for (uint32_t u = 0; u < units; u++)
        if (!(d->got[u / 8] & (1u << (u % 8)))) return false;
    return true;
}

static click_packet *assemble(reasm *r, dgram *d) {
    click_packet *f = d->first;
    uint8_t *fip = click_packet_network_header(f);
    uint32_t link = (uint32_t)(fip - f->data);
    unsigned hl = ip_hlen(fip);
    click_packet *q = click_packet_alloc(click_element_pool(&r->e), link + hl + d->total);
    if (!q) return NULL;
    memcpy(q->data, f->data, link + hl);
    uint8_t *ip = q->data + link;
    memcpy(ip + hl, d->buf, d->total);
    wr16(ip + IPV_LEN, (uint16_t)(hl + d->total));
    wr16(ip + IPV_OFF, rd16(ip + IPV_OFF) & 0xc000);
    wr16(ip + IPV_SUM, 0);
    wr16(ip + IPV_SUM, click_in_cksum(ip, hl));
    if (link) click_packet_set_mac_header(q, q->data);
    click_packet_set_network_header(q, ip, hl);
    q->paint = f->paint;
    q->fix_ip_src = f->fix_ip_src;
    q->dst_ip = f->dst_ip;
    q->timestamp_ns = f->timestamp_ns;
    return q;
}

static void ra_push(click_element *e, int port, click_packet *p) {
    (void)port;
    reasm *r = (reasm *)e;
    uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip > p->data + p->len) {
        ip = p->data;
        if (p->len >= 20) click_packet_set_network_header(p, ip, ip_hlen(ip));
    }
    uint32_t avail = (uint32_t)(p->data + p->len - ip);
    unsigned hl, tl;
    if (avail < 20 || (ip[0] >> 4) != 4 || (hl = ip_hlen(ip)) < 20 || hl > avail ||
        (tl = rd16(ip + IPV_LEN)) < hl || tl > avail) {
        click_output_push(e, 0, p); /* not a fragment we can use: pass it on */
        return;
    }
    uint16_t off = rd16(ip + IPV_OFF);
    if ((off & (IP_MF | IP_OFFMASK)) == 0) {
        click_output_push(e, 0, p);
        return;
    }
    uint32_t start = (uint32_t)(off & IP_OFFMASK) * 8, len = tl - hl;
    bool more = (off & IP_MF) != 0;
    if (start + len > 65535 - hl || (more && (len % 8 || len == 0))) {
        r->drops++;
        click_packet_kill(p);
        return;
    }
    uint64_t now = click_element_now(e);
    expire(r, now, len);
    uint32_t src = rd32(ip + IPV_SRC), dst = rd32(ip + IPV_DST);
    uint16_t id = rd16(ip + IPV_ID);
    uint8_t proto = ip[IPV_PROTO];
    dgram *d = r->head, *prev = NULL;
    while (d && !(d->src == src && d->dst == dst && d->id == id && d->proto == proto)) {
        prev = d;
        d = d->next;
    }
    if (!d) {
        d = calloc(1, sizeof *d);
        if (!d) goto drop;
        d->src = src;
        d->dst = dst;
        d->id = id;
        d->proto = proto;
        d->start_ns = now;
        memcpy(d->hdr, ip, hl);
        if (r->tail) r->tail->next = d;
        else r->head = d;
        prev = r->tail;
        r->tail = d;
        r->n++;
    }
    if (d->have_last && (!more ? start + len != d->total : start + len > d->total)) {
        goto drop; /* inconsistent with the last fragment */
    }
    if (start + len > d->cap) {
        uint32_t nc = d->cap ? d->cap : 1024;
        while (nc < start + len) nc *= 2;
        if (nc > 65536) nc = 65536;
        uint8_t *nb = realloc(d->buf, nc);
        if (!nb) goto drop;
        memset(nb + d->cap, 0, nc - d->cap);
        d->buf = nb;
        d->cap = nc;
    }
    memcpy(d->buf + start, ip + hl, len);
    if (start + len > d->end) d->end = start + len;
    for (uint32_t u = start / 8; u < (start + len + 7) / 8; u++) d->got[u / 8] |= (uint8_t)(1u << (u % 8));
    if (!more) {
        d->have_last = true;
        d->total = start + len;
    }
    d->mem += len;
    r->mem += len;
    if (start == 0) {
        if (d->first) click_packet_kill(d->first);
        d->first = p;
        memcpy(d->hdr, ip, hl);
    } else {
        click_packet_kill(p);
    }
    if (complete(d)) {
        click_packet *q = assemble(r, d);
        dg_unlink(r, d, prev);
        dg_free(d);
        if (q) {
            r->reassembled++;
            click_output_push(e, 0, q);
        }
    }
    return;
drop:
    r->drops++;
    click_packet_kill(p);
}

/* Datagrams are kept oldest first, so only the head can have timed out. */
static int ra_task(click_element *e) {
    reasm *r = (reasm *)e;
    if (!r->head) return 0;
    uint64_t now = click_element_now(e);
    if (now <= r->head->start_ns || now - r->head->start_ns <= r->timeout_ns) return 0;
    int before = r->n;
    expire(r, now, 0);
    return before - r->n;
}

static void ra_cleanup(click_element *e) {
    reasm *r = (reasm *)e;
    for (dgram *d = r->head, *nx; d; d = nx) {
        nx = d->next;
        dg_free(d);
    }
    r->head = r->tail = NULL;
    r->n = 0;
    r->mem = 0;
}

static void h_reasm(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((reasm *)e)->reassembled);
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((reasm *)e)->drops);
}
static void h_n(click_element *e, char *b, size_t l) { snprintf(b, l, "%d", ((reasm *)e)->n); }
static void h_mem(click_element *e, char *b, size_t l) { snprintf(b, l, "%zu", ((reasm *)e)->mem); }
static const click_handler handlers[] = {
    {"reassembled", h_reasm, NULL}, {"drops", h_drops, NULL}, {"datagrams", h_n, NULL},
    {"mem", h_mem, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_IPReassembler = {
    .name = "IPReassembler", .ports = "1/1-2", .processing = "h/h", .size = sizeof(reasm),
    .configure = ra_configure, .cleanup = ra_cleanup, .push = ra_push, .run_task = ra_task,
    .handlers = handlers};
