/* Small elements:
 *   PaintSwitch([ANNO])       output chosen by the paint annotation; packets
 *                             painted beyond the last output are dropped
 *   Switch([OUTPUT])          all packets to OUTPUT (-1: dropped); the
 *                             "switch" handler reads and changes it
 *   PullSwitch([INPUT])       pull: pulls from INPUT only (-1: nothing)
 *   Truncate(LENGTH)          cuts packets to at most LENGTH bytes
 *   SetTimestamp([TIMESTAMP]) sets the timestamp annotation (default: now)
 *   IPPrint([LABEL, TIMESTAMP, TOS, TTL, ID, LENGTH, PAINT, CONTENTS, PAYLOAD,
 *           MAXLENGTH])       one line per IP packet, tcpdump style, to the
 *                             log sink; CONTENTS (the packet) or PAYLOAD (the
 *                             transport payload) hex|ascii adds up to
 *                             MAXLENGTH (1500) bytes on following lines */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct sw {
    click_element e;
    int port;
    uint32_t len;
    uint64_t ts;
    bool have_ts;
} sw;

static int ps_configure(click_element *e, click_args *a, click_errh *errh) {
    (void)e;
    (void)click_args_kw(a, "ANNO");
    (void)click_args_next(a);
    (void)errh;
    return click_args_done(a);
}

static void ps_push(click_element *e, int port, click_packet *p) {
    (void)port;
    click_checked_push(e, p->paint, p);
}

static int sw_configure(click_element *e, click_args *a, click_errh *errh) {
    sw *s = (sw *)e;
    const char *v = click_args_next(a);
    long long n = 0;
    if (v && (click_parse_int(v, &n) < 0 || n < -1 || n > 255)) {
        click_errh_here(errh, "OUTPUT must be a port number or -1");
        return -1;
    }
    s->port = (int)n;
    return click_args_done(a);
}

static void sw_push(click_element *e, int port, click_packet *p) {
    (void)port;
    sw *s = (sw *)e;
    if (s->port >= 0) click_checked_push(e, s->port, p);
    else click_packet_kill(p);
}

static click_packet *psw_pull(click_element *e, int port) {
    (void)port;
    sw *s = (sw *)e;
    if (s->port < 0 || s->port >= e->ninputs) return NULL;
    return click_input_pull(e, s->port);
}

static void h_switch(click_element *e, char *b, size_t l) { snprintf(b, l, "%d", ((sw *)e)->port); }
static int w_switch(click_element *e, const char *v, click_errh *errh) {
    long long n;
    if (click_parse_int(v, &n) < 0 || n < -1 || n > 255) {
        click_errh_at(errh, 0, 0, "switch: expected a port number or -1");
        return -1;
    }
    ((sw *)e)->port = (int)n;
    return 0;
}
static const click_handler sw_handlers[] = {{"switch", h_switch, w_switch}, {NULL, NULL, NULL}};

static int tr_configure(click_element *e, click_args *a, click_errh *errh) {
    sw *s = (sw *)e;
    const char *v = click_args_kw(a, "LENGTH");
    if (!v) v = click_args_next(a);
    unsigned long long n;
    if (!v || click_parse_uint(v, &n) < 0 || n > 0xffffffffull) {
        click_errh_here(errh, "expected LENGTH");
        return -1;
    }
    (void)click_args_kw(a, "EXTRA_LENGTH");
    s->len = (uint32_t)n;
    return click_args_done(a);
}

static click_packet *tr_action(click_element *e, click_packet *p) {
    sw *s = (sw *)e;
    if (p->len > s->len) click_packet_take(p, p->len - s->len);
    return p;
}

static int st_configure(click_element *e, click_args *a, click_errh *errh) {
    sw *s = (sw *)e;
    const char *v = click_args_kw(a, "TIMESTAMP");
    if (!v) v = click_args_next(a);
    if (v && strcmp(v, "now")) {
        double d;
        if (click_parse_double(v, &d) < 0 || d < 0) {
            click_errh_here(errh, "TIMESTAMP must be a time");
            return -1;
        }
        s->ts = (uint64_t)(d * 1e9 + 0.5);
        s->have_ts = true;
    }
    (void)click_args_kw(a, "FIRST");
    return click_args_done(a);
}

static click_packet *st_action(click_element *e, click_packet *p) {
    sw *s = (sw *)e;
    p->timestamp_ns = s->have_ts ? s->ts : click_element_now(e);
    return p;
}

const click_element_class click_class_PaintSwitch = {
    .name = "PaintSwitch", .ports = "1/-", .processing = "h/h", .size = sizeof(sw),
    .configure = ps_configure, .push = ps_push};
const click_element_class click_class_Switch = {
    .name = "Switch", .ports = "1/-", .processing = "h/h", .size = sizeof(sw),
    .configure = sw_configure, .push = sw_push, .handlers = sw_handlers};
const click_element_class click_class_PullSwitch = {
    .name = "PullSwitch", .ports = "-/1", .processing = "l/l", .size = sizeof(sw),
    .configure = sw_configure, .pull = psw_pull, .handlers = sw_handlers};
const click_element_class click_class_Truncate = {
    .name = "Truncate", .ports = "1/1", .processing = "a/a", .size = sizeof(sw),
    .configure = tr_configure, .simple_action = tr_action};
const click_element_class click_class_SetTimestamp = {
    .name = "SetTimestamp", .ports = "1/1", .processing = "a/a", .size = sizeof(sw),
    .configure = st_configure, .simple_action = st_action};

/* ---- IPPrint ---- */

typedef struct ipprint {
    click_element e;
    char label[128];
    bool timestamp, tos, ttl, id, length, paint;
    int contents;      /* 0 none, 1 hex, 2 ascii */
    bool payload;      /* contents from the transport payload, not the packet start */
    long maxlength;    /* bytes of contents shown (-1: all) */
    uint64_t count;
} ipprint;

static int ipp_configure(click_element *e, click_args *a, click_errh *errh) {
    ipprint *p = (ipprint *)e;
    p->timestamp = true;
    static const char *const kws[] = {"TIMESTAMP", "TOS", "TTL", "ID", "LENGTH", "PAINT"};
    bool *dst[] = {&p->timestamp, &p->tos, &p->ttl, &p->id, &p->length, &p->paint};
    for (int i = 0; i < 6; i++) {
        const char *v = click_args_kw(a, kws[i]);
        if (v && click_parse_bool(v, dst[i]) < 0) {
            click_errh_here(errh, "%s must be a boolean", kws[i]);
            return -1;
        }
    }
    p->maxlength = 1500;
    static const char *const ckw[] = {"CONTENTS", "PAYLOAD"};
    for (int i = 0; i < 2; i++) {
        const char *v = click_args_kw(a, ckw[i]);
        bool b;
        if (!v) continue;
        int c = !strcmp(v, "hex") ? 1 : !strcmp(v, "ascii") ? 2 : -1;
        if (c < 0 && click_parse_bool(v, &b) == 0) c = b ? 1 : 0;
        if (c < 0) {
            click_errh_here(errh, "%s must be false, hex or ascii", ckw[i]);
            return -1;
        }
        if (c) {
            p->contents = c;
            p->payload = i == 1;
        }
    }
    const char *ml = click_args_kw(a, "MAXLENGTH");
    long long mll;
    if (ml && (click_parse_int(ml, &mll) < 0 || mll < -1)) {
        click_errh_here(errh, "MAXLENGTH must be an integer (-1: all)");
        return -1;
    }
    if (ml) p->maxlength = (long)mll;
    static const char *const ignored[] = {"OUTFILE", "SWAP", "AGGREGATE", "ACTIVE", "FLOWID"};
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) (void)click_args_kw(a, ignored[i]);
    const char *l = click_args_kw(a, "LABEL");
    if (!l) l = click_args_next(a);
    if (l && click_parse_string(l, p->label, sizeof p->label) < 0) snprintf(p->label, sizeof p->label, "%s", l);
    return click_args_done(a);
}

static click_packet *ipp_action(click_element *e, click_packet *p) {
    ipprint *pp = (ipprint *)e;
    char line[8192];
    size_t n = 0;
#define ADD(...)                                                                        \
    do {                                                                                \
        int k_ = snprintf(line + n, sizeof line - n, __VA_ARGS__);                      \
        if (k_ > 0) n = n + (size_t)k_ < sizeof line ? n + (size_t)k_ : sizeof line - 1; \
    } while (0)
    if (pp->label[0]) ADD("%s: ", pp->label);
    if (pp->timestamp)
        ADD("%llu.%06llu: ", (unsigned long long)(p->timestamp_ns / 1000000000ull),
            (unsigned long long)(p->timestamp_ns % 1000000000ull / 1000ull));
    if (pp->paint) ADD("paint %u: ", p->paint);
    const uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip >= p->data + p->len) ip = p->data;
    size_t cap = (size_t)(p->data + p->len - ip);
    if (cap < 20 || (ip[0] >> 4) != 4 || ip_hlen(ip) < 20 || ip_hlen(ip) > cap) {
        ADD("truncated-ip");
        click_element_log(e, "%s", line);
        return p;
    }
    unsigned hl = ip_hlen(ip);
    if (pp->id) ADD("id %u ", rd16(ip + IPV_ID));
    if (pp->ttl) ADD("ttl %u ", ip[IPV_TTL]);
    if (pp->tos) ADD("tos %u ", ip[IPV_TOS]);
    if (pp->length) ADD("length %u ", rd16(ip + IPV_LEN));
    char s[16], d[16];
    click_ip_str(rd32(ip + IPV_SRC), s);
    click_ip_str(rd32(ip + IPV_DST), d);
    unsigned iplen = rd16(ip + IPV_LEN);
    uint16_t off = rd16(ip + IPV_OFF);
    const uint8_t *th = ip + hl;
    size_t tav = cap - hl;
    int proto = ip[IPV_PROTO];
    if ((off & IP_OFFMASK) == 0 && proto == IP_PROTO_TCP && tav >= 20) {
        unsigned thl = (unsigned)(th[12] >> 4) * 4;
        int f = th[13];
        /* sequence space: data plus one for SYN and for FIN */
        unsigned dlen = (iplen > hl + thl ? iplen - hl - thl : 0) + ((f & 0x02) ? 1 : 0) + (f & 0x01);
        uint32_t seq = rd32(th + 4);
        ADD("%s.%u > %s.%u: ", s, rd16(th), d, rd16(th + 2));
        bool any = false;
        static const struct { int bit; char c; } fl[] = {
            {0x02, 'S'}, {0x01, 'F'}, {0x04, 'R'}, {0x08, 'P'}, {0x20, 'U'}, {0x40, 'E'}, {0x80, 'W'}};
        for (int i = 0; i < 7; i++)
            if (f & fl[i].bit) {
                ADD("%c", fl[i].c);
                any = true;
            }
        if (!any) ADD(".");
        ADD(" %u:%u(%u,%u,%u)", seq, seq + dlen, dlen, hl + thl, iplen);
        if (f & 0x10) ADD(" ack %u", rd32(th + 8));
        ADD(" win %u", rd16(th + 14));
    } else if ((off & IP_OFFMASK) == 0 && proto == IP_PROTO_UDP && tav >= 8) {
        unsigned ul = rd16(th + 4);
        ADD("%s.%u > %s.%u: udp %u", s, rd16(th), d, rd16(th + 2), ul); /* the UDP length field */
    } else if ((off & IP_OFFMASK) == 0 && proto == IP_PROTO_ICMP && tav >= 4) {
        ADD("%s > %s: icmp: ", s, d);
        switch (th[0]) {
        case 0: ADD("echo reply (%u, %u)", tav >= 8 ? rd16(th + 4) : 0, tav >= 8 ? rd16(th + 6) : 0); break;
        case 8: ADD("echo request (%u, %u)", tav >= 8 ? rd16(th + 4) : 0, tav >= 8 ? rd16(th + 6) : 0); break;
        case 3: ADD("unreachable code %u", th[1]); break;
        case 11: ADD("time exceeded code %u", th[1]); break;
        case 12: ADD("parameter problem code %u", th[1]); break;
        case 5: ADD("redirect code %u", th[1]); break;
        default: ADD("type %u code %u", th[0], th[1]);
        }
    } else if ((off & IP_OFFMASK) != 0 &&
               (proto == IP_PROTO_TCP || proto == IP_PROTO_UDP || proto == IP_PROTO_ICMP)) {
        ADD("%s > %s: %s", s, d, proto == IP_PROTO_TCP ? "tcp" : proto == IP_PROTO_UDP ? "udp" : "icmp");
    } else {
        ADD("%s > %s: ip-proto-%d %u", s, d, proto, iplen > hl ? iplen - hl : 0);
    }
    if (off & (IP_MF | IP_OFFMASK))
        ADD(" (frag %u:%u@%u%s)", rd16(ip + IPV_ID), iplen > hl ? iplen - hl : 0, (off & IP_OFFMASK) * 8u,
            (off & IP_MF) ? "+" : "");
    if (pp->contents) {
        /* hex: 4-byte groups, 24 bytes a line; ascii: 8-byte groups, 48 a line */
        const uint8_t *c = p->data;
        if (pp->payload) {
            c = th;
            if ((off & IP_OFFMASK) == 0 && proto == IP_PROTO_TCP && tav >= 20) c = th + (th[12] >> 4) * 4;
            else if ((off & IP_OFFMASK) == 0 && proto == IP_PROTO_UDP && tav >= 8) c = th + 8;
        }
        const uint8_t *end = p->data + p->len;
        long bytes = c < end ? (long)(end - c) : 0;
        if (pp->maxlength >= 0 && bytes > pp->maxlength) bytes = pp->maxlength;
        int line_w = pp->contents == 1 ? 24 : 48, group = pp->contents == 1 ? 4 : 8;
        for (long i = 0; i < bytes; i++) {
            if (i % line_w == 0) ADD("\n  ");
            else if (i % group == 0) ADD(" ");
            if (pp->contents == 1) ADD("%02x", c[i]);
            else ADD("%c", c[i] < 32 || c[i] > 126 ? '.' : c[i]);
        }
    }
#undef ADD
    pp->count++;
    click_element_log(e, "%s", line);
    return p;
}

const click_element_class click_class_IPPrint = {
    .name = "IPPrint", .ports = "1/1", .processing = "a/a", .size = sizeof(ipprint),
    .configure = ipp_configure, .simple_action = ipp_action};
