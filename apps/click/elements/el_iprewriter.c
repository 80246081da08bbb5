/* IPRewriter(INPUTSPEC0, INPUTSPEC1, ... [, keywords TCP_TIMEOUT, UDP_TIMEOUT,
 * MAPPING_CAPACITY]): TCP/UDP address and port rewriting (NAT).
 *
 * One input per INPUTSPEC:
 *   pattern SADDR SPORT DADDR DPORT FOUTPUT ROUTPUT
 *       new flows get a mapping: each of SADDR, SPORT, DADDR, DPORT is '-'
 *       (unchanged) or a value; SPORT may be a range LO-HI from which a free
 *       port is picked. The flow leaves on FOUTPUT; its replies are rewritten
 *       back and leave on ROUTPUT.
 *   pattern NAME FOUTPUT ROUTPUT
 *       the same with a pattern named by an IPRewriterPatterns element.
 *   keep FOUTPUT ROUTPUT   a mapping without rewriting
 *   pass OUTPUT | OUTPUT   forward unmapped packets unchanged
 *   drop | discard         drop unmapped packets
 * Any packet that matches an existing mapping (forward or reply, on any
 * input) is rewritten by it. IP, TCP and UDP checksums are updated
 * incrementally (a zero UDP checksum stays zero). Non-TCP/UDP packets and
 * fragments are passed only by "pass" inputs, else dropped. Mappings expire
 * after TCP_TIMEOUT (default 86400 s) or UDP_TIMEOUT (300 s) without
 * traffic. Handlers: mappings (table), nmappings, mapping_failures, drops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct tuple {
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    uint8_t proto;
} tuple;

typedef struct half {
    tuple key;     /* packet as it arrives */
    tuple rw;      /* packet after rewriting */
    int output;
    int next;      /* next half in the bucket chain, -1 ends */
} half;

typedef struct flow {
    half h[2];     /* 0: forward direction, 1: replies */
    uint64_t expiry_ns;
    bool used;
    int next_free;
} flow;

enum { IS_DROP, IS_PASS, IS_KEEP, IS_PATTERN };

typedef struct ispec {
    int kind;
    int fout, rout;
    bool saddr_set, sport_set, daddr_set, dport_set;
    uint32_t saddr, daddr;
    uint16_t sport_lo, sport_hi, dport;
    uint32_t cursor;
} ispec;

typedef struct rewriter {
    click_element e;
    int nspec;
    ispec *spec;
    flow *flows;
    int capacity, nflows, free_head;
    int nused;             /* flows[0..nused) have been handed out at least once */
    int *buckets;
    uint32_t nbuckets;
    uint64_t tcp_timeout_ns, udp_timeout_ns;
    uint64_t failures, drops;
} rewriter;

static uint32_t thash(const tuple *t, uint32_t mask) {
    uint32_t h = t->saddr * 0x9e3779b1u;
    h ^= (t->daddr + 0x7f4a7c15u) * 0x85ebca6bu;
    h ^= ((uint32_t)t->sport << 16 | t->dport) * 0xc2b2ae35u;
    h ^= t->proto;
    h ^= h >> 15;
    return h & mask;
}

static bool teq(const tuple *a, const tuple *b) {
    return a->saddr == b->saddr && a->daddr == b->daddr && a->sport == b->sport &&
           a->dport == b->dport && a->proto == b->proto;
}

static int parse_port_range(const char *w0, uint16_t *lo, uint16_t *hi) {
    /* "LO-HI#" (sequential) and "LO-HI?" (random) both allocate in turn */
    char wb[64];
    snprintf(wb, sizeof wb, "%s", w0);
    size_t wl = strlen(wb);
    if (wl && (wb[wl - 1] == '#' || wb[wl - 1] == '?')) wb[wl - 1] = 0;
    const char *w = wb;
    const char *dash = strchr(w, '-');
    unsigned long long a, b;
    if (dash) {
        char buf[32];
        size_t l = (size_t)(dash - w);
        if (l == 0 || l >= sizeof buf) return -1;
        memcpy(buf, w, l);
        buf[l] = 0;
        if (click_parse_uint(buf, &a) < 0 || click_parse_uint(dash + 1, &b) < 0) return -1;
    } else {
        if (click_parse_uint(w, &a) < 0) return -1;
        b = a;
    }
    if (a == 0 || a > 65535 || b > 65535 || a > b) return -1;
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return 0;
}

static int parse_spec(click_element *e, const char *arg, ispec *s, char *why, size_t wl) {
    char w[8][64];
    int n = click_split_words(arg, w, 8);
    unsigned long long u;
    memset(s, 0, sizeof *s);
    if (n == 4 && !strcmp(w[0], "pattern")) {
        /* a pattern named by IPRewriterPatterns */
        char pat[256], full[400];
        if (click_element_lookup_name(e, "pattern", w[1], pat, sizeof pat) < 0) {
            snprintf(why, wl, "no pattern named '%s'", w[1]);
            return -1;
        }
        snprintf(full, sizeof full, "pattern %s %s %s", pat, w[2], w[3]);
        return parse_spec(NULL, full, s, why, wl);
    }
    if (n == 1 && (!strcmp(w[0], "drop") || !strcmp(w[0], "discard"))) {
        s->kind = IS_DROP;
        return 0;
    }
    if ((n == 2 && !strcmp(w[0], "pass")) || (n == 1 && click_parse_uint(w[0], &u) == 0)) {
        if (click_parse_uint(w[n - 1], &u) < 0 || u > 255) {
            snprintf(why, wl, "bad output number in '%s'", arg);
            return -1;
        }
        s->kind = IS_PASS;
        s->fout = (int)u;
        return 0;
    }
    if (n == 3 && !strcmp(w[0], "keep")) {
        unsigned long long f, r;
        if (click_parse_uint(w[1], &f) < 0 || click_parse_uint(w[2], &r) < 0 || f > 255 || r > 255) {
            snprintf(why, wl, "bad output numbers in '%s'", arg);
            return -1;
        }
        s->kind = IS_KEEP;
        s->fout = (int)f;
        s->rout = (int)r;
        return 0;
    }
    if (n == 7 && !strcmp(w[0], "pattern")) {
        s->kind = IS_PATTERN;
        if (strcmp(w[1], "-")) {
            s->saddr_set = true;
            if (click_parse_ip(w[1], &s->saddr) < 0) {
                snprintf(why, wl, "bad SADDR '%s'", w[1]);
                return -1;
            }
        }
        if (strcmp(w[2], "-")) {
            s->sport_set = true;
            if (parse_port_range(w[2], &s->sport_lo, &s->sport_hi) < 0) {
                snprintf(why, wl, "bad SPORT '%s' (expected PORT or LO-HI)", w[2]);
                return -1;
            }
        }
        if (strcmp(w[3], "-")) {
            s->daddr_set = true;
            if (click_parse_ip(w[3], &s->daddr) < 0) {
                snprintf(why, wl, "bad DADDR '%s'", w[3]);
                return -1;
            }
        }
        if (strcmp(w[4], "-")) {
            uint16_t hi;
            s->dport_set = true;
            if (parse_port_range(w[4], &s->dport, &hi) < 0 || hi != s->dport) {
                snprintf(why, wl, "bad DPORT '%s'", w[4]);
                return -1;
            }
        }
        unsigned long long f, r;
        if (click_parse_uint(w[5], &f) < 0 || click_parse_uint(w[6], &r) < 0 || f > 255 || r > 255) {
            snprintf(why, wl, "bad output numbers in '%s'", arg);
            return -1;
        }
        s->fout = (int)f;
        s->rout = (int)r;
        s->cursor = s->sport_lo;
        return 0;
    }
    snprintf(why, wl, "bad input spec '%s' (expected pattern, keep, pass or drop)", arg);
    return -1;
}

static int rw_configure(click_element *e, click_args *a, click_errh *errh) {
    rewriter *r = (rewriter *)e;
    unsigned long long u;
    const char *v;
    r->tcp_timeout_ns = 86400ull * 1000000000ull;
    r->udp_timeout_ns = 300ull * 1000000000ull;
    r->capacity = 65536;
    if ((v = click_args_kw(a, "TCP_TIMEOUT"))) {
        if (click_parse_uint(v, &u) < 0 || u > 100000000ull) {
            click_errh_here(errh, "TCP_TIMEOUT must be a number of seconds");
            return -1;
        }
        r->tcp_timeout_ns = u * 1000000000ull;
    }
    if ((v = click_args_kw(a, "UDP_TIMEOUT"))) {
        if (click_parse_uint(v, &u) < 0 || u > 100000000ull) {
            click_errh_here(errh, "UDP_TIMEOUT must be a number of seconds");
            return -1;
        }
        r->udp_timeout_ns = u * 1000000000ull;
    }
    if ((v = click_args_kw(a, "MAPPING_CAPACITY"))) {
        if (click_parse_uint(v, &u) < 0 || u == 0 || u > (1u << 22)) {
            click_errh_here(errh, "MAPPING_CAPACITY must be between 1 and %u", 1u << 22);
            return -1;
        }
        r->capacity = (int)u;
    }
    int n = click_args_count(a);
    r->spec = calloc((size_t)(n ? n : 1), sizeof *r->spec);
    if (!r->spec) return -1;
    int maxout = -1;
    for (const char *arg; (arg = click_args_next(a));) {
        char why[160];
        ispec *s = &r->spec[r->nspec];
        if (parse_spec(e, arg, s, why, sizeof why) < 0) {
            click_errh_here(errh, "input %d: %s", r->nspec, why);
            return -1;
        }
        if (s->fout > maxout) maxout = s->fout;
        if ((s->kind == IS_KEEP || s->kind == IS_PATTERN) && s->rout > maxout) maxout = s->rout;
        r->nspec++;
    }
    if (r->nspec == 0) {
        click_errh_here(errh, "expected at least one input spec");
        return -1;
    }
    r->nbuckets = 1;
    while (r->nbuckets < (uint32_t)r->capacity * 2) r->nbuckets <<= 1;
    r->flows = calloc((size_t)r->capacity, sizeof *r->flows);
    r->buckets = malloc(sizeof(int) * r->nbuckets);
    if (!r->flows || !r->buckets) {
        click_errh_here(errh, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < r->nbuckets; i++) r->buckets[i] = -1;
    r->free_head = -1;
    click_element_set_nports(e, r->nspec, maxout + 1);
    return click_args_done(a);
}

static void rw_cleanup(click_element *e) {
    rewriter *r = (rewriter *)e;
    free(r->spec);
    free(r->flows);
    free(r->buckets);
    r->spec = NULL;
    r->flows = NULL;
    r->buckets = NULL;
}

static half *hget(rewriter *r, int hi) { return &r->flows[hi >> 1].h[hi & 1]; }

static void unlink_half(rewriter *r, int hi) {
    half *h = hget(r, hi);
    int *pp = &r->buckets[thash(&h->key, r->nbuckets - 1)];
    while (*pp >= 0) {
        if (*pp == hi) {
            *pp = h->next;
            return;
        }
        pp = &hget(r, *pp)->next;
    }
}

static void remove_flow(rewriter *r, int fi) {
    unlink_half(r, fi * 2);
    unlink_half(r, fi * 2 + 1);
    r->flows[fi].used = false;
    r->flows[fi].next_free = r->free_head;
    r->free_head = fi;
    r->nflows--;
}

static int find(rewriter *r, const tuple *t) {
    for (int hi = r->buckets[thash(t, r->nbuckets - 1)]; hi >= 0; hi = hget(r, hi)->next)
        if (teq(&hget(r, hi)->key, t)) return hi;
    return -1;
}

/* find(), dropping the flow instead if it has expired */
static int find_live(rewriter *r, const tuple *t, uint64_t now) {
    int hi = find(r, t);
    if (hi >= 0 && r->flows[hi >> 1].expiry_ns && now > r->flows[hi >> 1].expiry_ns) {
        remove_flow(r, hi >> 1);
        hi = -1;
    }
    return hi;
}

static void gc(rewriter *r, uint64_t now) {
    for (int i = 0; i < r->nused; i++)
        if (r->flows[i].used && r->flows[i].expiry_ns && now > r->flows[i].expiry_ns) remove_flow(r, i);
}

static uint64_t timeout(rewriter *r, uint8_t proto) {
    return proto == IP_PROTO_TCP ? r->tcp_timeout_ns : r->udp_timeout_ns;
}

/* Insert a flow; returns its index or -1. */
static int insert(rewriter *r, const tuple *key, const tuple *rw, int fout, int rout, uint64_t now) {
    if (r->free_head < 0 && r->nused == r->capacity) gc(r, now);
    int fi;
    if (r->free_head >= 0) {
        fi = r->free_head;
        r->free_head = r->flows[fi].next_free;
    } else if (r->nused < r->capacity) {
        fi = r->nused++;
    } else {
        return -1;
    }
    flow *f = &r->flows[fi];
    f->used = true;
    f->expiry_ns = now ? now + timeout(r, key->proto) : 0;
    f->h[0].key = *key;
    f->h[0].rw = *rw;
    f->h[0].output = fout;
    f->h[1].key = (tuple){rw->daddr, rw->saddr, rw->dport, rw->sport, rw->proto};
    f->h[1].rw = (tuple){key->daddr, key->saddr, key->dport, key->sport, key->proto};
    f->h[1].output = rout;
    for (int d = 0; d < 2; d++) {
        uint32_t b = thash(&f->h[d].key, r->nbuckets - 1);
        f->h[d].next = r->buckets[b];
        r->buckets[b] = fi * 2 + d;
    }
    r->nflows++;
    return fi;
}

static void apply(uint8_t *ip, uint8_t *th, const tuple *from, const tuple *to) {
    uint16_t ipsum = rd16(ip + IPV_SUM);
    int coff = from->proto == IP_PROTO_TCP ? 16 : 6;
    uint16_t tsum = rd16(th + coff);
    bool tcs = from->proto == IP_PROTO_TCP || tsum != 0;
    if (from->saddr != to->saddr) {
        ipsum = click_csum_update32(ipsum, from->saddr, to->saddr);
        tsum = click_csum_update32(tsum, from->saddr, to->saddr);
        wr32(ip + IPV_SRC, to->saddr);
    }
    if (from->daddr != to->daddr) {
        ipsum = click_csum_update32(ipsum, from->daddr, to->daddr);
        tsum = click_csum_update32(tsum, from->daddr, to->daddr);
        wr32(ip + IPV_DST, to->daddr);
    }
    if (from->sport != to->sport) {
        tsum = click_csum_update16(tsum, from->sport, to->sport);
        wr16(th, to->sport);
    }
    if (from->dport != to->dport) {
        tsum = click_csum_update16(tsum, from->dport, to->dport);
        wr16(th + 2, to->dport);
    }
    wr16(ip + IPV_SUM, ipsum);
    if (tcs) {
        if (from->proto == IP_PROTO_UDP && tsum == 0) tsum = 0xffff;
        wr16(th + coff, tsum);
    }
}

static void rw_push(click_element *e, int port, click_packet *p) {
    rewriter *r = (rewriter *)e;
    ispec *s = &r->spec[port];
    uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip > p->data + p->len) ip = p->data;
    uint32_t avail = (uint32_t)(p->data + p->len - ip);
    unsigned hl = 0;
    bool ok = avail >= 20 && (ip[0] >> 4) == 4 && (hl = ip_hlen(ip)) >= 20 && hl <= avail &&
              (ip[IPV_PROTO] == IP_PROTO_TCP || ip[IPV_PROTO] == IP_PROTO_UDP) &&
              (rd16(ip + IPV_OFF) & (IP_MF | IP_OFFMASK)) == 0 &&
              avail - hl >= (ip[IPV_PROTO] == IP_PROTO_TCP ? 20u : 8u);
    if (!ok) {
        if (s->kind == IS_PASS) click_output_push(e, s->fout, p);
        else {
            r->drops++;
            click_packet_kill(p);
        }
        return;
    }
    uint8_t *th = ip + hl;
    tuple t = {rd32(ip + IPV_SRC), rd32(ip + IPV_DST), rd16(th), rd16(th + 2), ip[IPV_PROTO]};
    uint64_t now = click_element_now(e);
    int hi = find_live(r, &t, now);
    if (hi >= 0) r->flows[hi >> 1].expiry_ns = now ? now + timeout(r, t.proto) : 0;
    if (hi < 0) {
        if (s->kind == IS_DROP) {
            r->drops++;
            click_packet_kill(p);
            return;
        }
        if (s->kind == IS_PASS) {
            click_output_push(e, s->fout, p);
            return;
        }
        tuple rw = t;
        if (s->kind == IS_PATTERN) {
            if (s->saddr_set) rw.saddr = s->saddr;
            if (s->daddr_set) rw.daddr = s->daddr;
            if (s->dport_set) rw.dport = s->dport;
        }
        int fi = -1;
        if (s->kind == IS_PATTERN && s->sport_set) {
            /* pick a free port: the reply tuple must be unused */
            uint32_t span = (uint32_t)s->sport_hi - s->sport_lo + 1;
            for (uint32_t k = 0; k < span; k++) {
                uint32_t cand = s->cursor;
                if (++s->cursor > s->sport_hi) s->cursor = s->sport_lo;
                tuple rev = {rw.daddr, rw.saddr, rw.dport, (uint16_t)cand, rw.proto};
                if (find_live(r, &rev, now) >= 0) continue;
                rw.sport = (uint16_t)cand;
                fi = insert(r, &t, &rw, s->fout, s->rout, now);
                break;
            }
        } else {
            tuple rev = {rw.daddr, rw.saddr, rw.dport, rw.sport, rw.proto};
            if (find_live(r, &rev, now) < 0) fi = insert(r, &t, &rw, s->fout, s->rout, now);
        }
        if (fi < 0) {
            r->failures++;
            click_packet_kill(p);
            return;
        }
        hi = fi * 2;
    }
    half *h = hget(r, hi);
    apply(ip, th, &h->key, &h->rw);
    p->dst_ip = h->rw.daddr;
    click_output_push(e, h->output, p);
}

static void h_table(click_element *e, char *b, size_t l) {
    rewriter *r = (rewriter *)e;
    size_t n = 0;
    b[0] = 0;
    for (int i = 0; i < r->nused && n < l; i++) {
        if (!r->flows[i].used) continue;
        const tuple *k = &r->flows[i].h[0].key, *w = &r->flows[i].h[0].rw;
        char a1[16], a2[16], a3[16], a4[16];
        n += (size_t)snprintf(b + n, l - n, "%s%s (%s, %u, %s, %u) => (%s, %u, %s, %u) [%d]",
                              n ? "\n" : "", k->proto == IP_PROTO_TCP ? "TCP" : "UDP",
                              click_ip_str(k->saddr, a1), k->sport, click_ip_str(k->daddr, a2),
                              k->dport, click_ip_str(w->saddr, a3), w->sport,
                              click_ip_str(w->daddr, a4), w->dport, r->flows[i].h[0].output);
    }
}
static void h_n(click_element *e, char *b, size_t l) { snprintf(b, l, "%d", ((rewriter *)e)->nflows); }
static void h_fail(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((rewriter *)e)->failures);
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((rewriter *)e)->drops);
}
static const click_handler handlers[] = {
    {"mappings", h_table, NULL}, {"table", h_table, NULL}, {"nmappings", h_n, NULL},
    {"mapping_failures", h_fail, NULL}, {"drops", h_drops, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_IPRewriter = {
    .name = "IPRewriter", .ports = "1-/1-", .processing = "h/h", .size = sizeof(rewriter),
    .configure = rw_configure, .cleanup = rw_cleanup, .push = rw_push, .handlers = handlers};
/* TCPRewriter and UDPRewriter take the same input specs; here they are the
 * same rewriter (TCP and UDP flows both) under their own names. */
const click_element_class click_class_TCPRewriter = {
    .name = "TCPRewriter", .ports = "1-/1-", .processing = "h/h", .size = sizeof(rewriter),
    .configure = rw_configure, .cleanup = rw_cleanup, .push = rw_push, .handlers = handlers};
const click_element_class click_class_UDPRewriter = {
    .name = "UDPRewriter", .ports = "1-/1-", .processing = "h/h", .size = sizeof(rewriter),
    .configure = rw_configure, .cleanup = rw_cleanup, .push = rw_push, .handlers = handlers};
