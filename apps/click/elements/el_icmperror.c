/* ICMPError(SRC, TYPE [, CODE, BADADDRS, keywords MTU, PMTU, SET_FIX_ANNO]):
 * answers each IP packet with an ICMP error message from SRC to the
 * packet's source and kills the original.
 *
 * TYPE must be an error type (unreachable, sourcequench, redirect,
 * timeexceeded, parameterproblem or 3, 4, 5, 11, 12); CODE (default 0) is a
 * number or a name within the type (needfrag, transit, host, ...). The
 * message carries the original IP header and as much of the datagram as fits
 * in MTU bytes (default 576). Unreachable/needfrag messages report PMTU as
 * the next-hop MTU; redirects name the destination-IP annotation as the
 * gateway.
 *
 * No message is made (the packet is just dropped) for: ICMP error messages,
 * packets to a broadcast or multicast destination or one listed in BADADDRS
 * (a space-separated address list), sources that are not valid unicast
 * hosts (0/8, 127/8, multicast, class E, broadcast, BADADDRS), fragments
 * other than the first, and redirects of source-routed packets. A packet
 * with a strict or loose source route gets a reply carrying the route it
 * travelled so far, reversed.
 *
 * Output packets have the network-header, destination-IP and timestamp
 * annotations set, and the fix-IP-source annotation unless SET_FIX_ANNO
 * (also USE_FIX_ANNO) is false. Handlers: src, mtu, pmtu (read/write),
 * count (messages made), drops (packets answered with nothing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

#define MAX_BAD 32

typedef struct icmperr {
    click_element e;
    uint32_t src;
    int type, code;
    uint32_t bad[MAX_BAD];
    int nbad;
    unsigned mtu, pmtu;
    bool fix_anno;
    uint16_t id;
    uint64_t count, drops;
} icmperr;

static int parse_bad(icmperr *c, const char *s, click_errh *errh) {
    char w[MAX_BAD + 1][64];
    int n = click_split_words(s, w, MAX_BAD + 1);
    if (n > MAX_BAD) {
        click_errh_here(errh, "BADADDRS: at most %d addresses", MAX_BAD);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (click_parse_ip(w[i], &c->bad[i]) < 0) {
            click_errh_here(errh, "BADADDRS: '%s' is not an IP address", w[i]);
            return -1;
        }
    c->nbad = n;
    return 0;
}

static int parse_uint_kw(click_args *a, const char *kw, unsigned *out, click_errh *errh) {
    const char *v = click_args_kw(a, kw);
    unsigned long long u;
    if (!v) return 0;
    if (click_parse_uint(v, &u) < 0 || u > 65535) {
        click_errh_here(errh, "%s must be an integer between 0 and 65535", kw);
        return -1;
    }
    *out = (unsigned)u;
    return 0;
}

static int ie_configure(click_element *e, click_args *a, click_errh *errh) {
    icmperr *c = (icmperr *)e;
    const char *v;
    c->mtu = 576;
    c->pmtu = 0;
    c->fix_anno = true;
    c->id = 1;
    if (parse_uint_kw(a, "MTU", &c->mtu, errh) < 0 || parse_uint_kw(a, "PMTU", &c->pmtu, errh) < 0)
        return -1;
    const char *kws[2] = {"SET_FIX_ANNO", "USE_FIX_ANNO"};
    for (int k = 0; k < 2; k++)
        if ((v = click_args_kw(a, kws[k])) && click_parse_bool(v, &c->fix_anno) < 0) {
            click_errh_here(errh, "%s must be true or false", kws[k]);
            return -1;
        }
    /* each positional argument may also be given as a keyword */
    const char *bad = click_args_kw(a, "BADADDRS");
    const char *src = click_args_kw(a, "SRC"), *type = click_args_kw(a, "TYPE");
    const char *code = click_args_kw(a, "CODE");
    if (!src) src = click_args_next(a);
    if (!type) type = click_args_next(a);
    if (!code) code = click_args_next(a);
    if (!bad) bad = click_args_next(a);
    if (!src || !type) {
        click_errh_here(errh, "expected SRC and TYPE");
        return -1;
    }
    if (click_parse_ip(src, &c->src) < 0) {
        click_errh_here(errh, "SRC '%s' is not an IP address", src);
        return -1;
    }
    if (click_icmp_type_parse(type, &c->type) < 0) {
        click_errh_here(errh, "TYPE '%s' is not an ICMP type", type);
        return -1;
    }
    if (!click_icmp_is_error(c->type)) {
        click_errh_here(errh, "ICMP type %d is not an error type", c->type);
        return -1;
    }
    c->code = 0;
    if (code && click_icmp_code_parse(c->type, code, &c->code) < 0) {
        click_errh_here(errh, "CODE '%s' is not an ICMP code for type %d", code, c->type);
        return -1;
    }
    if (bad && parse_bad(c, bad, errh) < 0) return -1;
    if (c->mtu < 20 + 8 + 40 + 8) {
        click_errh_here(errh, "MTU must be at least 76");
        return -1;
    }
    return click_args_done(a);
}

static bool listed_bad(const icmperr *c, uint32_t a) {
    for (int i = 0; i < c->nbad; i++)
        if (c->bad[i] == a) return true;
    return false;
}

/* Not broadcast, multicast or listed in BADADDRS. */
static bool is_unicast(const icmperr *c, uint32_t a) {
    return a != 0xffffffffu && (a & 0xf0000000u) != 0xe0000000u && !listed_bad(c, a);
}

/* A source an error may be sent to (RFC 1812 5.3.7). */
static bool valid_source(const icmperr *c, uint32_t a) {
    unsigned net = a >> 24;
    return is_unicast(c, a) && net != 0 && net != 127 && (net & 0xf0) != 0xf0;
}

/* The first well-formed strict or loose source route option, or NULL. */
static const uint8_t *source_route(const uint8_t *ip, unsigned hl) {
    for (unsigned i = 20; i < hl;) {
        uint8_t t = ip[i];
        if (t == 0) return NULL;      /* end of options */
        if (t == 1) { i++; continue; } /* no-op */
        if (i + 1 >= hl) return NULL;
        unsigned len = ip[i + 1];
        if (len < 2 || i + len > hl) return NULL;
        if ((t == 131 || t == 137) && len >= 3 && ip[i + 2] >= 4 && ip[i + 2] % 4 == 0 &&
            ip[i + 2] <= len + 1)
            return ip + i;
        i += len;
    }
    return NULL;
}

static click_packet *ie_action(click_element *e, click_packet *p) {
    icmperr *c = (icmperr *)e;
    uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip > p->data + p->len) ip = p->data;
    uint32_t avail = (uint32_t)(p->data + p->len - ip);
    unsigned hl;
    const uint8_t *sr = NULL;
    if (avail < 20 || (ip[0] >> 4) != 4 || (hl = ip_hlen(ip)) < 20 || hl > avail) goto drop;
    if (ip[IPV_PROTO] == IP_PROTO_ICMP && (hl + 4 > avail || click_icmp_is_error(ip[hl])))
        goto drop;
    uint32_t osrc = rd32(ip + IPV_SRC);
    if (!is_unicast(c, rd32(ip + IPV_DST)) || !valid_source(c, osrc)) goto drop;
    if (rd16(ip + IPV_OFF) & IP_OFFMASK) goto drop; /* not the first fragment */
    sr = source_route(ip, hl);
    if (sr && c->type == 5) goto drop; /* no redirects for source-routed packets */

    /* the reversed route: the addresses before the pointer, last first */
    unsigned olen = 0;
    if (sr) olen = (unsigned)sr[2] - 1;
    unsigned nhl = 20 + ((olen + 3) & ~3u);
    uint32_t copy = avail;
    if (copy > c->mtu - nhl - 8) copy = c->mtu - nhl - 8;
    uint32_t total = nhl + 8 + copy;
    click_packet *q = click_packet_alloc(click_element_pool(e), total);
    if (!q) goto drop;
    uint8_t *n = q->data;
    memset(n, 0, nhl + 8);
    n[0] = (uint8_t)(0x40 | (nhl / 4));
    wr16(n + IPV_LEN, (uint16_t)total);
    wr16(n + IPV_ID, c->id++);
    n[IPV_TTL] = 200;
    n[IPV_PROTO] = IP_PROTO_ICMP;
    wr32(n + IPV_SRC, c->src);
    wr32(n + IPV_DST, osrc);
    if (olen) {
        uint8_t *o = n + 20;
        o[0] = sr[0];
        o[1] = (uint8_t)olen;
        o[2] = 4;
        unsigned k = 3;
        for (int at = (int)sr[2] - 5; at >= 3; at -= 4, k += 4) memcpy(o + k, sr + at, 4);
    }
    wr16(n + IPV_SUM, click_in_cksum(n, nhl));
    uint8_t *icmp = n + nhl;
    icmp[0] = (uint8_t)c->type;
    icmp[1] = (uint8_t)c->code;
    if (c->type == 5) wr32(icmp + 4, p->dst_ip);
    else if (c->type == 3 && c->code == 4) wr16(icmp + 6, (uint16_t)c->pmtu);
    memcpy(icmp + 8, ip, copy);
    wr16(icmp + 2, click_in_cksum(icmp, 8 + copy));
    click_packet_set_network_header(q, n, nhl);
    q->dst_ip = osrc;
    q->fix_ip_src = c->fix_anno;
    q->timestamp_ns = click_element_now(e);
    c->count++;
    click_packet_kill(p);
    return q;
drop:
    c->drops++;
    click_packet_kill(p);
    return NULL;
}

static void h_src(click_element *e, char *b, size_t l) {
    char s[16];
    snprintf(b, l, "%s", click_ip_str(((icmperr *)e)->src, s));
}
static int w_src(click_element *e, const char *v, click_errh *errh) {
    if (click_parse_ip(v, &((icmperr *)e)->src) < 0) {
        click_errh_here(errh, "expected an IP address");
        return -1;
    }
    return 0;
}
static void h_mtu(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((icmperr *)e)->mtu); }
static void h_pmtu(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((icmperr *)e)->pmtu); }
static int w_num(const char *v, unsigned lo, unsigned *out, click_errh *errh) {
    unsigned long long u;
    if (click_parse_uint(v, &u) < 0 || u < lo || u > 65535) {
        click_errh_here(errh, "expected an integer between %u and 65535", lo);
        return -1;
    }
    *out = (unsigned)u;
    return 0;
}
static int w_mtu(click_element *e, const char *v, click_errh *errh) {
    return w_num(v, 76, &((icmperr *)e)->mtu, errh);
}
static int w_pmtu(click_element *e, const char *v, click_errh *errh) {
    return w_num(v, 0, &((icmperr *)e)->pmtu, errh);
}
static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((icmperr *)e)->count);
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((icmperr *)e)->drops);
}
static const click_handler handlers[] = {
    {"src", h_src, w_src}, {"mtu", h_mtu, w_mtu}, {"pmtu", h_pmtu, w_pmtu},
    {"count", h_count, NULL}, {"drops", h_drops, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_ICMPError = {
    .name = "ICMPError", .ports = "1/1", .processing = "a/a", .size = sizeof(icmperr),
    .configure = ie_configure, .simple_action = ie_action, .handlers = handlers};
