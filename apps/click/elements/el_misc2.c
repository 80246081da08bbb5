/* More small elements:
 *   Hub                      a packet arriving on input i leaves on every
 *                            output except i (copies)
 *   Null, PushNull, PullNull pass packets through
 *   Pad([LENGTH])            pads with zero bytes to LENGTH, or without
 *                            LENGTH to the IP header's total length
 *   Resize(HEAD, TAIL)       adds (positive) or removes (negative) bytes at
 *                            the front and the end
 *   MarkIPCE([FORCE])        sets ECN CE on ECN-capable packets; others are
 *                            dropped unless FORCE true
 *   SetIPAddress(ADDR)       sets the destination-IP annotation
 *   StoreIPAddress([ADDR,] OFFSET | src | dst)
 *                            writes the annotation (or ADDR) at OFFSET, or
 *                            into the IP header with its checksum updated
 *   MixedQueue([CAPACITY])   input 0 adds at the tail (FIFO), input 1 at
 *                            the head (LIFO); pull output; when full, input
 *                            0 packets are dropped and input 1 packets push
 *                            out the packet at the tail
 *   CheckTCPHeader, CheckUDPHeader, CheckICMPHeader([CHECKSUM, VERBOSE,
 *                            DETAILS])  bad packets to output 1 or dropped
 *   ICMPPingEncap(SRC, DST [, IDENTIFIER]) and
 *   UDPIPEncap(SRC, SPORT, DST, DPORT [, CHECKSUM])
 *                            prepend an IP header and an ICMP echo request
 *                            or UDP header to the packet data
 *   FrontDropQueue, IPEncap, SetIPDSCP, AlignmentInfo,
 *   Align, StripToNetworkHeader: see below */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct m2 {
    click_element e;
    long long a, b;
    bool flag, have_len, to_hdr;
    uint32_t addr;
    int off;                 /* StoreIPAddress: byte offset, or -IPV_SRC/-IPV_DST */
    uint16_t sport, dport, id, seq;
    uint32_t src, dst;
    click_packet *qhead, *qtail;
    uint32_t qlen, qcap;
    uint64_t drops;
} m2;

static uint8_t *iph(click_packet *p) {
    uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip >= p->data + p->len) ip = p->data;
    return ip;
}

/* ---- Hub, Null ---- */
static int no_args(click_element *e, click_args *a, click_errh *errh) {
    (void)e;
    (void)errh;
    return click_args_done(a);
}
static void hub_push(click_element *e, int port, click_packet *p) {
    int last = -1;
    for (int i = 0; i < e->noutputs; i++)
        if (i != port) last = i;
    for (int i = 0; i < last; i++) {
        if (i == port) continue;
        click_packet *c = click_packet_clone(p);
        if (c) click_output_push(e, i, c);
    }
    if (last >= 0) click_output_push(e, last, p);
    else click_packet_kill(p);
}
static click_packet *null_action(click_element *e, click_packet *p) {
    (void)e;
    return p;
}

/* ---- Pad, Resize ---- */
static int pad_configure(click_element *e, click_args *a, click_errh *errh) {
    m2 *m = (m2 *)e;
    const char *v = click_args_kw(a, "LENGTH");
    if (!v) v = click_args_next(a);
    unsigned long long n;
    if (v) {
        if (click_parse_uint(v, &n) < 0 || n > 65535) {
            click_errh_here(errh, "LENGTH must be an integer up to 65535");
            return -1;
        }
        m->a = (long long)n;
        m->have_len = true;
    }
    (void)click_args_kw(a, "ZERO");
    return click_args_done(a);
}
static click_packet *grow_zero(click_packet *p, uint32_t want) {
    if (p->len >= want) return p;
    uint32_t old = p->len;
    if (!click_packet_put(p, want - old)) {
        click_packet_kill(p);
        return NULL;
    }
    memset(p->data + old, 0, want - old);
    return p;
}
static click_packet *pad_action(click_element *e, click_packet *p) {
    m2 *m = (m2 *)e;
    uint32_t want;
    if (m->have_len) {
        want = (uint32_t)m->a;
    } else {
        uint8_t *ip = iph(p);
        if ((size_t)(p->data + p->len - ip) < 20) return p;
        want = (uint32_t)(ip - p->data) + rd16(ip + IPV_LEN);
    }
    return grow_zero(p, want);
}
static int rs_configure(click_element *e, click_args *a, click_errh *errh) {
    m2 *m = (m2 *)e;
    const char *h = click_args_kw(a, "HEAD");
    const char *t = click_args_kw(a, "TAIL");
    if (!h) h = click_args_next(a);
    if (!t) t = click_args_next(a);
    if ((h && click_parse_int(h[0] == '+' ? h + 1 : h, &m->a) < 0) ||
        (t && click_parse_int(t[0] == '+' ? t + 1 : t, &m->b) < 0)) {
        click_errh_here(errh, "HEAD and TAIL must be integers");
        return -1;
    }
    if (m->a > 4096 || m->b > 65536) {
        click_errh_here(errh, "HEAD or TAIL too large");
        return -1;
    }
    return click_args_done(a);
}
static click_packet *rs_action(click_element *e, click_packet *p) {
    m2 *m = (m2 *)e;
    if (m->a < 0) click_packet_pull(p, (uint32_t)-m->a);
    else if (m->a > 0 && !click_packet_push(p, (uint32_t)m->a)) goto fail;
    if (m->b < 0) click_packet_take(p, (uint32_t)-m->b);
    else if (m->b > 0 && !click_packet_put(p, (uint32_t)m->b)) goto fail;
    return p;
fail:
    click_packet_kill(p);
    return NULL;
}

/* ---- MarkIPCE ---- */
static int ce_configure(click_element *e, click_args *a, click_errh *errh) {
    m2 *m = (m2 *)e;
    const char *v = click_args_kw(a, "FORCE");
    if (v && click_parse_bool(v, &m->flag) < 0) {
        click_errh_here(errh, "FORCE must be a boolean");
        return -1;
    }
    return click_args_done(a);
}
static click_packet *ce_action(click_element *e, click_packet *p) {
    m2 *m = (m2 *)e;
    uint8_t *ip = iph(p);
    if ((size_t)(p->data + p->len - ip) < 20) {
        click_packet_kill(p);
        return NULL;
    }
    uint8_t tos = ip[IPV_TOS];
    if ((tos & 3) == 0 && !m->flag) {
        m->drops++;
        click_packet_kill(p);
        return NULL;
    }
    uint8_t ntos = (uint8_t)(tos | 3);
    uint16_t oldw = rd16(ip), neww = (uint16_t)(ip[0] << 8 | ntos);
    ip[IPV_TOS] = ntos;
    wr16(ip + IPV_SUM, click_csum_update16(rd16(ip + IPV_SUM), oldw, neww));
    return p;
}

/* ---- SetIPAddress, StoreIPAddress ---- */
static int sia_configure(click_element *e, click_args *a, click_errh *errh) {
    m2 *m = (m2 *)e;
    const char *v = click_args_kw(a, "ADDR");
    if (!v) v = click_args_next(a);
    if (!v || click_parse_ip(v, &m->addr) < 0) {
        click_errh_here(errh, "expected ADDR");
        return -1;
    }
    (void)click_args_kw(a, "ANNO");
    return click_args_done(a);
}
static click_packet *sia_action(click_element *e, click_packet *p) {
    p->dst_ip = ((m2 *)e)->addr;
    return p;
}
static int parse_where(m2 *m, const char *v) {
    unsigned long long u;
    if (!strcmp(v, "src") || !strcmp(v, "ip src")) m->off = -IPV_SRC;
    else if (!strcmp(v, "dst") || !strcmp(v, "ip dst")) m->off = -IPV_DST;
    else if (click_parse_uint(v, &u) == 0 && u < 65536) m->off = (int)u;
    else return -1;
    return 0;
}
static int stia_configure(click_element *e, click_args *a, click_errh *errh) {
    m2 *m = (m2 *)e;
    const char *x = click_args_next(a);
    const char *y = click_args_next(a);
    if (!x) {
        click_errh_here(errh, "expected OFFSET");
        return -1;
    }
    if (y) {
        if (click_parse_ip(x, &m->addr) < 0 || parse_where(m, y) < 0) {
            click_errh_here(errh, "expected ADDR, OFFSET");
            return -1;
        }
        m->flag = true;
    } else if (parse_where(m, x) < 0) {
        click_errh_here(errh, "expected OFFSET, src or dst");
        return -1;
    }
    return click_args_done(a);
}
static click_packet *stia_action(click_element *e, click_packet *p) {
    m2 *m = (m2 *)e;
    uint32_t addr = m->flag ? m->addr : p->dst_ip;
    if (m->off >= 0) {
        if ((uint32_t)m->off + 4 > p->len) {
            click_packet_kill(p);
            return NULL;
        }
        wr32(p->data + m->off, addr);
        return p;
    }
    uint8_t *ip = iph(p);
    if ((size_t)(p->data + p->len - ip) < 20) {
        click_packet_kill(p);
        return NULL;
    }
    int o = -m->off;
    uint32_t old = rd32(ip + o);
    wr32(ip + o, addr);
    wr16(ip + IPV_SUM, click_csum_update32(rd16(ip + IPV_SUM), old, addr));
    /* the pseudo-header of TCP and UDP covers the addresses too */
    unsigned hl = ip_hlen(ip);
    size_t avail = (size_t)(p->data + p->len - ip);
    if ((rd16(ip + IPV_OFF) & IP_OFFMASK) == 0 && hl >= 20) {
        uint8_t *th = ip + hl;
        if (ip[IPV_PROTO] == IP_PROTO_TCP && avail >= hl + 18)
            wr16(th + 16, click_csum_update32(rd16(th + 16), old, addr));
        else if (ip[IPV_PROTO] == IP_PROTO_UDP && avail >= hl + 8 && rd16(th + 6))
            wr16(th + 6, click_csum_update32(rd16(th + 6), old, addr));
    }
    return p;
}

/* ---- MixedQueue ---- */
static int mq_configure(click_element *e, click_args *a, click_errh *errh) {
    m2 *m = (m2 *)e;
    unsigned long long cap = 1000;
    const char *v = click_args_kw(a, "CAPACITY");
    if (!v) v = click_args_next(a);
    if (v && (click_parse_uint(v, &cap) < 0 || cap == 0 || cap > (1u << 24))) {
        click_errh_here(errh, "CAPACITY must be a positive integer");
        return -1;
    }
    m->qcap = (uint32_t)cap;
    return click_args_done(a);
}
static void mq_push(click_element *e, int port, click_packet *p) {
    m2 *m = (m2 *)e;
    if (m->qlen >= m->qcap && port == 0) {
        m->drops++;
        click_packet_kill(p);
        return;
    }
    if (m->qlen >= m->qcap) {
        /* full: a packet for the head pushes out the one at the tail */
        click_packet *q = m->qhead, *prev = NULL;
        while (q->next) {
            prev = q;
            q = q->next;
        }
        if (prev) prev->next = NULL;
        else m->qhead = NULL;
        m->qtail = prev;
        m->qlen--;
        m->drops++;
        click_packet_kill(q);
    }
    if (port == 0) {
        p->next = NULL;
        if (m->qtail) m->qtail->next = p;
        else m->qhead = p;
        m->qtail = p;
    } else {
        p->next = m->qhead;
        m->qhead = p;
        if (!m->qtail) m->qtail = p;
    }
    m->qlen++;
}
static click_packet *mq_pull(click_element *e, int port) {
    (void)port;
    m2 *m = (m2 *)e;
    click_packet *p = m->qhead;
    if (!p) return NULL;
    m->qhead = p->next;
    if (!m->qhead) m->qtail = NULL;
    p->next = NULL;
    m->qlen--;
    return p;
}
static void mq_cleanup(click_element *e) {
    click_packet *p;
    while ((p = mq_pull(e, 0))) click_packet_kill(p);
}
static void h_len(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((m2 *)e)->qlen); }
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((m2 *)e)->drops);
}
static void h_cap(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((m2 *)e)->qcap); }
static const click_handler mq_handlers[] = {
    {"length", h_len, NULL}, {"drops", h_drops, NULL}, {"capacity", h_cap, NULL}, {NULL, NULL, NULL}};
static const click_handler drop_handlers[] = {{"drops", h_drops, NULL}, {NULL, NULL, NULL}};

/* ---- CheckTCPHeader, CheckUDPHeader, CheckICMPHeader ---- */
static int ck_configure(click_element *e, click_args *a, click_errh *errh) {
    m2 *m = (m2 *)e;
    m->flag = true;
    const char *v = click_args_kw(a, "CHECKSUM");
    bool b;
    if (v && click_parse_bool(v, &m->flag) < 0) {
        click_errh_here(errh, "CHECKSUM must be a boolean");
        return -1;
    }
    if ((v = click_args_kw(a, "VERBOSE")) && click_parse_bool(v, &b) < 0) {
        click_errh_here(errh, "VERBOSE must be a boolean");
        return -1;
    }
    if ((v = click_args_kw(a, "DETAILS")) && click_parse_bool(v, &b) < 0) {
        click_errh_here(errh, "DETAILS must be a boolean");
        return -1;
    }
    return click_args_done(a);
}
static click_packet *ck_bad(click_element *e, click_packet *p) {
    ((m2 *)e)->drops++;
    click_checked_push(e, 1, p);
    return NULL;
}
/* Returns the transport header and its length within the IP length, or NULL. */
static uint8_t *ck_trans(click_packet *p, int proto, size_t *tlen) {
    uint8_t *ip = iph(p);
    size_t avail = (size_t)(p->data + p->len - ip);
    if (avail < 20 || ip[IPV_PROTO] != proto || (rd16(ip + IPV_OFF) & IP_OFFMASK)) return NULL;
    unsigned hl = ip_hlen(ip), len = rd16(ip + IPV_LEN);
    if (hl < 20 || len < hl || len > avail) return NULL;
    *tlen = len - hl;
    return ip + hl;
}
static uint16_t l4_sum(click_packet *p, const uint8_t *th, size_t tlen, int proto) {
    const uint8_t *ip = iph(p);
    uint32_t s = click_csum_partial(ip + IPV_SRC, 8, 0) + (uint32_t)proto + (uint32_t)tlen;
    return click_csum_fold(click_csum_partial(th, tlen, s));
}
static click_packet *tcpck_action(click_element *e, click_packet *p) {
    size_t tl;
    uint8_t *th = ck_trans(p, IP_PROTO_TCP, &tl);
    if (!th || tl < 20 || (size_t)(th[12] >> 4) * 4 < 20 || (size_t)(th[12] >> 4) * 4 > tl) return ck_bad(e, p);
    if (((m2 *)e)->flag && l4_sum(p, th, tl, IP_PROTO_TCP) != 0) return ck_bad(e, p);
    return p;
}
static click_packet *udpck_action(click_element *e, click_packet *p) {
    size_t tl;
    uint8_t *th = ck_trans(p, IP_PROTO_UDP, &tl);
    if (!th || tl < 8 || rd16(th + 4) < 8 || rd16(th + 4) > tl) return ck_bad(e, p);
    if (((m2 *)e)->flag && rd16(th + 6) && l4_sum(p, th, rd16(th + 4), IP_PROTO_UDP) != 0) return ck_bad(e, p);
    return p;
}
static click_packet *icmpck_action(click_element *e, click_packet *p) {
    size_t tl;
    uint8_t *th = ck_trans(p, IP_PROTO_ICMP, &tl);
    if (!th || tl < 8) return ck_bad(e, p);
    if (((m2 *)e)->flag && click_in_cksum(th, tl) != 0) return ck_bad(e, p);
    return p;
}

/* ---- ICMPPingEncap, UDPIPEncap ---- */
static int pe_configure(click_element *e, click_args *a, click_errh *errh) {
    m2 *m = (m2 *)e;
    const char *id = click_args_kw(a, "IDENTIFIER");
    unsigned long long u = 0;
    if (id && (click_parse_uint(id, &u) < 0 || u > 65535)) {
        click_errh_here(errh, "IDENTIFIER must be a 16-bit integer");
        return -1;
    }
    m->sport = (uint16_t)u;
    const char *s = click_args_kw(a, "SRC");
    const char *d = click_args_kw(a, "DST");
    if (!s) s = click_args_next(a);
    if (!d) d = click_args_next(a);
    if (!s || !d || click_parse_ip(s, &m->src) < 0 || click_parse_ip(d, &m->dst) < 0) {
        click_errh_here(errh, "expected SRC, DST");
        return -1;
    }
    return click_args_done(a);
}
static int ue_configure(click_element *e, click_args *a, click_errh *errh) {
    m2 *m = (m2 *)e;
    m->flag = true;
    const char *c = click_args_kw(a, "CHECKSUM");
    if (c && click_parse_bool(c, &m->flag) < 0) {
        click_errh_here(errh, "CHECKSUM must be a boolean");
        return -1;
    }
    const char *v[4];
    for (int i = 0; i < 4; i++) v[i] = click_args_next(a);
    unsigned long long sp, dp;
    if (!v[3] || click_parse_ip(v[0], &m->src) < 0 || click_parse_uint(v[1], &sp) < 0 || sp > 65535 ||
        click_parse_ip(v[2], &m->dst) < 0 || click_parse_uint(v[3], &dp) < 0 || dp > 65535) {
        click_errh_here(errh, "expected SRC, SPORT, DST, DPORT");
        return -1;
    }
    const char *v5 = click_args_next(a);
    if (v5 && click_parse_bool(v5, &m->flag) < 0) {
        click_errh_here(errh, "CHECKSUM must be a boolean");
        return -1;
    }
    m->sport = (uint16_t)sp;
    m->dport = (uint16_t)dp;
    return click_args_done(a);
}
static uint8_t *encap_ip(m2 *m, click_packet *p, unsigned thl, int proto, uint8_t ttl) {
    if (!click_packet_push(p, 20 + thl)) return NULL;
    uint8_t *ip = p->data;
    memset(ip, 0, 20 + thl);
    ip[0] = 0x45;
    wr16(ip + IPV_LEN, (uint16_t)p->len);
    wr16(ip + IPV_ID, m->id++);
    ip[IPV_TTL] = ttl;
    ip[IPV_PROTO] = (uint8_t)proto;
    wr32(ip + IPV_SRC, m->src);
    wr32(ip + IPV_DST, m->dst);
    wr16(ip + IPV_SUM, click_in_cksum(ip, 20));
    click_packet_set_network_header(p, ip, 20);
    p->dst_ip = m->dst;
    return ip + 20;
}
static click_packet *pe_action(click_element *e, click_packet *p) {
    m2 *m = (m2 *)e;
    uint8_t *th = encap_ip(m, p, 8, IP_PROTO_ICMP, 255);
    if (!th) {
        click_packet_kill(p);
        return NULL;
    }
    th[0] = 8;
    wr16(th + 4, m->sport);
    wr16(th + 6, m->seq++);
    wr16(th + 2, click_in_cksum(th, p->len - 20));
    return p;
}
static click_packet *ue_action(click_element *e, click_packet *p) {
    m2 *m = (m2 *)e;
    uint8_t *th = encap_ip(m, p, 8, IP_PROTO_UDP, 250);
    if (!th) {
        click_packet_kill(p);
        return NULL;
    }
    wr16(th, m->sport);
    wr16(th + 2, m->dport);
    wr16(th + 4, (uint16_t)(p->len - 20));
    if (m->flag) {
        uint16_t c = l4_sum(p, th, p->len - 20, IP_PROTO_UDP);
        wr16(th + 6, c ? c : 0xffff);
    }
    return p;
}

const click_element_class click_class_Hub = {
    .name = "Hub", .ports = "-/-", .processing = "h/h", .size = sizeof(m2),
    .configure = no_args, .push = hub_push};
const click_element_class click_class_Null = {
    .name = "Null", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = no_args, .simple_action = null_action};
const click_element_class click_class_PushNull = {
    .name = "PushNull", .ports = "1/1", .processing = "h/h", .size = sizeof(m2),
    .configure = no_args, .simple_action = null_action};
const click_element_class click_class_PullNull = {
    .name = "PullNull", .ports = "1/1", .processing = "l/l", .size = sizeof(m2),
    .configure = no_args, .simple_action = null_action};
const click_element_class click_class_Pad = {
    .name = "Pad", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = pad_configure, .simple_action = pad_action};
const click_element_class click_class_Resize = {
    .name = "Resize", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = rs_configure, .simple_action = rs_action};
const click_element_class click_class_MarkIPCE = {
    .name = "MarkIPCE", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = ce_configure, .simple_action = ce_action, .handlers = drop_handlers};
const click_element_class click_class_SetIPAddress = {
    .name = "SetIPAddress", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = sia_configure, .simple_action = sia_action};
const click_element_class click_class_StoreIPAddress = {
    .name = "StoreIPAddress", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = stia_configure, .simple_action = stia_action};
const click_element_class click_class_MixedQueue = {
    .name = "MixedQueue", .ports = "2/1", .processing = "h/l", .size = sizeof(m2),
    .configure = mq_configure, .cleanup = mq_cleanup, .push = mq_push, .pull = mq_pull,
    .handlers = mq_handlers};
const click_element_class click_class_CheckTCPHeader = {
    .name = "CheckTCPHeader", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(m2),
    .configure = ck_configure, .simple_action = tcpck_action, .handlers = drop_handlers};
const click_element_class click_class_CheckUDPHeader = {
    .name = "CheckUDPHeader", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(m2),
    .configure = ck_configure, .simple_action = udpck_action, .handlers = drop_handlers};
const click_element_class click_class_CheckICMPHeader = {
    .name = "CheckICMPHeader", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(m2),
    .configure = ck_configure, .simple_action = icmpck_action, .handlers = drop_handlers};
const click_element_class click_class_ICMPPingEncap = {
    .name = "ICMPPingEncap", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = pe_configure, .simple_action = pe_action};
const click_element_class click_class_UDPIPEncap = {
    .name = "UDPIPEncap", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = ue_configure, .simple_action = ue_action};

/* ---- FrontDropQueue([CAPACITY]): when full, the oldest packet is dropped
 * to make room. Handlers length, drops, capacity (writable). ---- */
static void fdq_push(click_element *e, int port, click_packet *p) {
    (void)port;
    m2 *m = (m2 *)e;
    while (m->qlen >= m->qcap) {
        click_packet *old = mq_pull(e, 0);
        if (!old) break;
        m->drops++;
        click_packet_kill(old);
    }
    mq_push(e, 0, p);
}
static int w_cap(click_element *e, const char *v, click_errh *errh) {
    unsigned long long cap;
    if (click_parse_uint(v, &cap) < 0 || cap == 0 || cap > (1u << 24)) {
        click_errh_at(errh, 0, 0, "capacity: expected a positive integer");
        return -1;
    }
    m2 *m = (m2 *)e;
    m->qcap = (uint32_t)cap;
    while (m->qlen > m->qcap) {
        click_packet *old = mq_pull(e, 0);
        m->drops++;
        click_packet_kill(old);
    }
    return 0;
}
static const click_handler fdq_handlers[] = {{"length", h_len, NULL},
                                             {"drops", h_drops, NULL},
                                             {"capacity", h_cap, w_cap},
                                             {NULL, NULL, NULL}};
const click_element_class click_class_FrontDropQueue = {
    .name = "FrontDropQueue", .ports = "1/1", .processing = "h/l", .size = sizeof(m2),
    .configure = mq_configure, .cleanup = mq_cleanup, .push = fdq_push, .pull = mq_pull,
    .handlers = fdq_handlers};

/* ---- IPEncap(PROTO, SRC, DST [, TOS, TTL (250), DF]) prepends a 20-byte
 * IP header. ---- */
static int ie_configure(click_element *e, click_args *a, click_errh *errh) {
    m2 *m = (m2 *)e;
    unsigned long long u;
    const char *v;
    m->b = 250;
    if ((v = click_args_kw(a, "TTL"))) {
        if (click_parse_uint(v, &u) < 0 || u > 255) {
            click_errh_here(errh, "TTL must be between 0 and 255");
            return -1;
        }
        m->b = (long long)u;
    }
    if ((v = click_args_kw(a, "TOS"))) {
        if (click_parse_uint(v, &u) < 0 || u > 255) {
            click_errh_here(errh, "TOS must be between 0 and 255");
            return -1;
        }
        m->seq = (uint16_t)u;
    }
    if ((v = click_args_kw(a, "DF")) && click_parse_bool(v, &m->flag) < 0) {
        click_errh_here(errh, "DF must be a boolean");
        return -1;
    }
    const char *pr = click_args_next(a), *s = click_args_next(a), *d = click_args_next(a);
    if (!pr || !s || !d) {
        click_errh_here(errh, "expected PROTO, SRC, DST");
        return -1;
    }
    if (!strcmp(pr, "tcp")) m->a = IP_PROTO_TCP;
    else if (!strcmp(pr, "udp")) m->a = IP_PROTO_UDP;
    else if (!strcmp(pr, "icmp")) m->a = IP_PROTO_ICMP;
    else if (click_parse_uint(pr, &u) == 0 && u < 256) m->a = (long long)u;
    else {
        click_errh_here(errh, "bad PROTO '%s'", pr);
        return -1;
    }
    if (click_parse_ip(s, &m->src) < 0 || click_parse_ip(d, &m->dst) < 0) {
        click_errh_here(errh, "bad SRC or DST");
        return -1;
    }
    return click_args_done(a);
}
static click_packet *ie_action(click_element *e, click_packet *p) {
    m2 *m = (m2 *)e;
    uint8_t *th = encap_ip(m, p, 0, (int)m->a, (uint8_t)m->b);
    if (!th) {
        click_packet_kill(p);
        return NULL;
    }
    uint8_t *ip = p->data;
    ip[IPV_TOS] = (uint8_t)m->seq;
    if (m->flag) wr16(ip + IPV_OFF, 0x4000);
    wr16(ip + IPV_SUM, 0);
    wr16(ip + IPV_SUM, click_in_cksum(ip, 20));
    return p;
}
const click_element_class click_class_IPEncap = {
    .name = "IPEncap", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = ie_configure, .simple_action = ie_action};

/* ---- SetIPDSCP(DSCP): sets the DSCP bits of the IP TOS byte (checksum
 * updated); the dscp handler reads and changes the value. ---- */
static int dscp_parse(const char *v, uint16_t *out) {
    unsigned long long u;
    if (!v || click_parse_uint(v, &u) < 0 || u > 63) return -1;
    *out = (uint16_t)u;
    return 0;
}
static int dscp_configure(click_element *e, click_args *a, click_errh *errh) {
    const char *v = click_args_kw(a, "DSCP");
    if (!v) v = click_args_next(a);
    if (dscp_parse(v, &((m2 *)e)->seq) < 0) {
        click_errh_here(errh, "DSCP must be between 0 and 63");
        return -1;
    }
    return click_args_done(a);
}
static click_packet *dscp_action(click_element *e, click_packet *p) {
    uint8_t *ip = iph(p);
    if ((size_t)(p->data + p->len - ip) < 20) {
        click_packet_kill(p);
        return NULL;
    }
    uint8_t ntos = (uint8_t)((ip[IPV_TOS] & 3) | ((m2 *)e)->seq << 2);
    uint16_t oldw = rd16(ip), neww = (uint16_t)(ip[0] << 8 | ntos);
    ip[IPV_TOS] = ntos;
    wr16(ip + IPV_SUM, click_csum_update16(rd16(ip + IPV_SUM), oldw, neww));
    return p;
}
static void h_dscp(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((m2 *)e)->seq); }
static int w_dscp(click_element *e, const char *v, click_errh *errh) {
    if (dscp_parse(v, &((m2 *)e)->seq) < 0) {
        click_errh_at(errh, 0, 0, "dscp: expected a value between 0 and 63");
        return -1;
    }
    return 0;
}
static const click_handler dscp_handlers[] = {{"dscp", h_dscp, w_dscp}, {NULL, NULL, NULL}};
const click_element_class click_class_SetIPDSCP = {
    .name = "SetIPDSCP", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = dscp_configure, .simple_action = dscp_action, .handlers = dscp_handlers};

/* ---- AlignmentInfo(ELEMENT MODULUS OFFSET ..., ...) records alignment
 * promises for Click's optimizers; it has no effect here. Align(MODULUS,
 * OFFSET) passes packets through: this engine's headers are read byte by
 * byte and need no particular alignment. ---- */
static int ai_configure(click_element *e, click_args *a, click_errh *errh) {
    (void)e;
    (void)errh;
    while (click_args_next(a)) {
    }
    return click_args_done(a);
}
static int al_configure(click_element *e, click_args *a, click_errh *errh) {
    (void)e;
    const char *m = click_args_next(a), *o = click_args_next(a);
    unsigned long long mod, off;
    if (!m || !o || click_parse_uint(m, &mod) < 0 || click_parse_uint(o, &off) < 0 || mod == 0 ||
        off >= mod) {
        click_errh_here(errh, "expected MODULUS, OFFSET (OFFSET < MODULUS)");
        return -1;
    }
    return click_args_done(a);
}
const click_element_class click_class_AlignmentInfo = {
    .name = "AlignmentInfo", .ports = "0/0", .processing = "/", .size = sizeof(m2),
    .configure = ai_configure};
const click_element_class click_class_Align = {
    .name = "Align", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = al_configure, .simple_action = null_action};

/* ---- StripToNetworkHeader: removes the bytes before the network header
 * annotation (packets without one pass unchanged). ---- */
static click_packet *stnh_action(click_element *e, click_packet *p) {
    (void)e;
    uint8_t *nh = click_packet_network_header(p);
    if (nh && nh > p->data && nh <= p->data + p->len) click_packet_pull(p, (uint32_t)(nh - p->data));
    return p;
}
const click_element_class click_class_StripToNetworkHeader = {
    .name = "StripToNetworkHeader", .ports = "1/1", .processing = "a/a", .size = sizeof(m2),
    .configure = no_args, .simple_action = stnh_action};
