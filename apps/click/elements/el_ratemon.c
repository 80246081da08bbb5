/* IPRateMonitor(TYPE, RATIO, THRESH [, keywords ADDR, WINDOW, MEMORY]):
 * per-address traffic rates, flagging addresses above a threshold (the
 * building block of the DDoS monitor).
 *
 *   TYPE    PACKETS or BYTES
 *   RATIO   weight (0 < RATIO <= 1) of the newest window in the moving
 *           average of each address's rate
 *   THRESH  rate (TYPE units per second) above which an address is flagged
 *   ADDR    SRC (default) or DST: which address is monitored
 *   WINDOW  measurement window in seconds (default 1)
 *   MEMORY  most addresses tracked (default 65536); others pass untracked
 *
 * Time comes from the packets' timestamp annotations (so replays of a
 * capture give the same answers), or the host clock for packets without
 * one. An address is flagged as soon as its traffic within the current
 * window exceeds THRESH * WINDOW, and at each window end while its
 * averaged rate stays above THRESH; it is unflagged when the average falls
 * back below. Packets from flagged addresses leave on output 1 if it is
 * connected; everything else (and everything, with one output) leaves on
 * output 0. Packets without a valid IPv4 header pass on output 0.
 * Handlers: look (address, rate, flag per line), flagged, nflagged, count,
 * flagged_packets, reset. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct rment {
    uint32_t addr;
    bool used, flagged;
    double rate;         /* averaged rate, units/s */
    uint64_t window_start;
    uint64_t in_window;  /* units counted in the current window */
    uint64_t total;
    int next;
} rment;

typedef struct ratemon {
    click_element e;
    bool bytes, dst;
    double ratio, thresh;
    uint64_t window_ns;
    int capacity, n;
    rment *ent;
    int *buckets;
    uint32_t nbuckets;
    uint64_t count, flagged_packets, untracked;
} ratemon;

static int rm_configure(click_element *e, click_args *a, click_errh *errh) {
    ratemon *m = (ratemon *)e;
    m->window_ns = 1000000000ull;
    m->capacity = 65536;
    const char *v;
    unsigned long long u;
    double d;
    if ((v = click_args_kw(a, "ADDR"))) {
        if (!strcmp(v, "SRC")) m->dst = false;
        else if (!strcmp(v, "DST")) m->dst = true;
        else {
            click_errh_here(errh, "ADDR must be SRC or DST");
            return -1;
        }
    }
    if ((v = click_args_kw(a, "WINDOW"))) {
        if (click_parse_double(v, &d) < 0 || d <= 0 || d > 86400) {
            click_errh_here(errh, "WINDOW must be a positive number of seconds");
            return -1;
        }
        m->window_ns = (uint64_t)(d * 1e9);
        if (!m->window_ns) m->window_ns = 1;
    }
    if ((v = click_args_kw(a, "MEMORY"))) {
        if (click_parse_uint(v, &u) < 0 || u == 0 || u > (1u << 22)) {
            click_errh_here(errh, "MEMORY must be between 1 and %u", 1u << 22);
            return -1;
        }
        m->capacity = (int)u;
    }
    (void)click_args_kw(a, "ANNO");
    const char *type = click_args_next(a), *ratio = click_args_next(a), *th = click_args_next(a);
    if (!type || (strcmp(type, "PACKETS") && strcmp(type, "BYTES"))) {
        click_errh_here(errh, "TYPE must be PACKETS or BYTES");
        return -1;
    }
    m->bytes = !strcmp(type, "BYTES");
    if (!ratio || click_parse_double(ratio, &m->ratio) < 0 || !(m->ratio > 0 && m->ratio <= 1)) {
        click_errh_here(errh, "RATIO must be a number in (0, 1]");
        return -1;
    }
    if (!th || click_parse_double(th, &m->thresh) < 0 || !(m->thresh >= 0) || isinf(m->thresh)) {
        click_errh_here(errh, "THRESH must be a non-negative number");
        return -1;
    }
    const char *mem = click_args_next(a); /* optional positional MEMORY */
    if (mem) {
        if (click_parse_uint(mem, &u) < 0 || u == 0 || u > (1u << 22)) {
            click_errh_here(errh, "MEMORY must be between 1 and %u", 1u << 22);
            return -1;
        }
        m->capacity = (int)u;
    }
    m->nbuckets = 1;
    while (m->nbuckets < (uint32_t)m->capacity * 2) m->nbuckets <<= 1;
    m->ent = calloc((size_t)m->capacity, sizeof *m->ent);
    m->buckets = malloc(sizeof(int) * m->nbuckets);
    if (!m->ent || !m->buckets) {
        click_errh_here(errh, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < m->nbuckets; i++) m->buckets[i] = -1;
    return click_args_done(a);
}

static void rm_cleanup(click_element *e) {
    ratemon *m = (ratemon *)e;
    free(m->ent);
    free(m->buckets);
    m->ent = NULL;
    m->buckets = NULL;
}

static uint32_t ahash(uint32_t a, uint32_t mask) {
    a ^= a >> 16;
    a *= 0x7feb352du;
    a ^= a >> 15;
    return a & mask;
}

static rment *lookup(ratemon *m, uint32_t addr, uint64_t now) {
    uint32_t b = ahash(addr, m->nbuckets - 1);
    for (int i = m->buckets[b]; i >= 0; i = m->ent[i].next)
        if (m->ent[i].addr == addr) return &m->ent[i];
    if (m->n == m->capacity) return NULL;
    rment *r = &m->ent[m->n];
    memset(r, 0, sizeof *r);
    r->addr = addr;
    r->used = true;
    r->window_start = now;
    r->next = m->buckets[b];
    m->buckets[b] = m->n++;
    return r;
}

/* Close the windows that ended before now. */
static void roll(ratemon *m, rment *r, uint64_t now) {
    if (now < r->window_start + m->window_ns) return;
    uint64_t k = (now - r->window_start) / m->window_ns;
    double secs = (double)m->window_ns / 1e9;
    r->rate = m->ratio * ((double)r->in_window / secs) + (1 - m->ratio) * r->rate;
    for (uint64_t i = 1; i < k && i < 64; i++) r->rate *= (1 - m->ratio);
    if (k >= 64) r->rate = 0;
    r->flagged = r->rate > m->thresh;
    r->in_window = 0;
    r->window_start += k * m->window_ns;
}

static void rm_push(click_element *e, int port, click_packet *p) {
    (void)port;
    ratemon *m = (ratemon *)e;
    const uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip > p->data + p->len) ip = p->data;
    uint32_t avail = (uint32_t)(p->data + p->len - ip);
    m->count++;
    if (avail < 20 || (ip[0] >> 4) != 4) {
        click_output_push(e, 0, p);
        return;
    }
    uint32_t addr = rd32(ip + (m->dst ? IPV_DST : IPV_SRC));
    uint64_t now = p->timestamp_ns ? p->timestamp_ns : click_element_now(e);
    rment *r = lookup(m, addr, now);
    if (!r) {
        m->untracked++;
        click_output_push(e, 0, p);
        return;
    }
    if (now < r->window_start) now = r->window_start; /* clock went backwards */
    roll(m, r, now);
    uint64_t units = m->bytes ? p->len : 1;
    r->in_window += units;
    r->total += units;
    if ((double)r->in_window > m->thresh * ((double)m->window_ns / 1e9)) r->flagged = true;
    if (r->flagged) {
        m->flagged_packets++;
        if (e->noutputs > 1) {
            click_output_push(e, 1, p);
            return;
        }
    }
    click_output_push(e, 0, p);
}

static double cur_rate(const ratemon *m, const rment *r) {
    /* the averaged rate, or the current window's rate if that is higher */
    double w = (double)r->in_window / ((double)m->window_ns / 1e9);
    return w > r->rate ? w : r->rate;
}

static void h_look(click_element *e, char *b, size_t l) {
    ratemon *m = (ratemon *)e;
    size_t n = 0;
    b[0] = 0;
    for (int i = 0; i < m->n && n < l; i++) {
        char s[16];
        n += (size_t)snprintf(b + n, l - n, "%s%s %.1f%s", n ? "\n" : "", click_ip_str(m->ent[i].addr, s),
                              cur_rate(m, &m->ent[i]), m->ent[i].flagged ? " flagged" : "");
    }
}
static void h_flagged(click_element *e, char *b, size_t l) {
    ratemon *m = (ratemon *)e;
    size_t n = 0;
    b[0] = 0;
    for (int i = 0; i < m->n && n < l; i++) {
        if (!m->ent[i].flagged) continue;
        char s[16];
        n += (size_t)snprintf(b + n, l - n, "%s%s", n ? " " : "", click_ip_str(m->ent[i].addr, s));
    }
}
static void h_nflagged(click_element *e, char *b, size_t l) {
    ratemon *m = (ratemon *)e;
    int k = 0;
    for (int i = 0; i < m->n; i++) k += m->ent[i].flagged;
    snprintf(b, l, "%d", k);
}
static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((ratemon *)e)->count);
}
static void h_fp(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((ratemon *)e)->flagged_packets);
}
static int h_reset(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    ratemon *m = (ratemon *)e;
    m->n = 0;
    for (uint32_t i = 0; i < m->nbuckets; i++) m->buckets[i] = -1;
    m->count = m->flagged_packets = m->untracked = 0;
    return 0;
}
static const click_handler handlers[] = {
    {"look", h_look, NULL},   {"flagged", h_flagged, NULL},        {"nflagged", h_nflagged, NULL},
    {"count", h_count, NULL}, {"flagged_packets", h_fp, NULL},     {"reset", NULL, h_reset},
    {NULL, NULL, NULL}};

const click_element_class click_class_IPRateMonitor = {
    .name = "IPRateMonitor", .ports = "1/1-2", .processing = "h/h", .size = sizeof(ratemon),
    .configure = rm_configure, .cleanup = rm_cleanup, .push = rm_push, .handlers = handlers};
