/* ICMPIPEncap(SRC, DST, TYPE [, CODE, keyword IDENTIFIER]): prepends an IP
 * header (SRC to DST, protocol ICMP, TTL 255) and an ICMP header of TYPE
 * and CODE (numbers or names, as for ICMPError; CODE defaults to 0) to
 * every packet. The ICMP header is 8 bytes, 20 for timestamp messages. The
 * IP ID counts up from 1 (skipping 0); echo, timestamp and information
 * messages carry IDENTIFIER (default 0) and that count as their sequence
 * number. Both checksums are computed; the network-header and
 * destination-IP annotations are set. Handlers: src, dst (read/write). */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct icmpenc {
    click_element e;
    uint32_t src, dst;
    int type, code;
    uint16_t ident, id;
} icmpenc;

static int ie_configure(click_element *e, click_args *a, click_errh *errh) {
    icmpenc *c = (icmpenc *)e;
    unsigned long long u;
    const char *iv = click_args_kw(a, "IDENTIFIER");
    /* each positional argument may also be given as a keyword */
    const char *s = click_args_kw(a, "SRC"), *d = click_args_kw(a, "DST");
    const char *t = click_args_kw(a, "TYPE"), *code = click_args_kw(a, "CODE");
    if (!s) s = click_args_next(a);
    if (!d) d = click_args_next(a);
    if (!t) t = click_args_next(a);
    if (!code) code = click_args_next(a);
    if (!s || !d || !t) {
        click_errh_here(errh, "expected SRC, DST and TYPE");
        return -1;
    }
    if (click_parse_ip(s, &c->src) < 0 || click_parse_ip(d, &c->dst) < 0) {
        click_errh_here(errh, "SRC and DST must be IP addresses");
        return -1;
    }
    if (click_icmp_type_parse(t, &c->type) < 0) {
        click_errh_here(errh, "TYPE '%s' is not an ICMP type", t);
        return -1;
    }
    c->code = 0;
    if (code && click_icmp_code_parse(c->type, code, &c->code) < 0) {
        click_errh_here(errh, "CODE '%s' is not an ICMP code for type %d", code, c->type);
        return -1;
    }
    if (iv) {
        if (click_parse_uint(iv, &u) < 0 || u > 65535) {
            click_errh_here(errh, "IDENTIFIER must be between 0 and 65535");
            return -1;
        }
        c->ident = (uint16_t)u;
    }
    c->id = 1;
    return click_args_done(a);
}

static click_packet *ie_action(click_element *e, click_packet *p) {
    icmpenc *c = (icmpenc *)e;
    unsigned ihl = c->type == 13 || c->type == 14 ? 20 : 8;
    if (!click_packet_push(p, 20 + ihl)) {
        click_packet_kill(p);
        return NULL;
    }
    uint8_t *ip = p->data, *icmp = ip + 20;
    memset(ip, 0, 20 + ihl);
    ip[0] = 0x45;
    wr16(ip + IPV_LEN, (uint16_t)(p->len > 65535 ? 65535 : p->len));
    wr16(ip + IPV_ID, c->id);
    ip[IPV_TTL] = 255;
    ip[IPV_PROTO] = IP_PROTO_ICMP;
    wr32(ip + IPV_SRC, c->src);
    wr32(ip + IPV_DST, c->dst);
    wr16(ip + IPV_SUM, click_in_cksum(ip, 20));
    icmp[0] = (uint8_t)c->type;
    icmp[1] = (uint8_t)c->code;
    int t = c->type;
    if (t == 0 || t == 8 || t == 13 || t == 14 || t == 15 || t == 16) {
        wr16(icmp + 4, c->ident);
        wr16(icmp + 6, c->id);
    }
    wr16(icmp + 2, click_in_cksum(icmp, p->len - 20));
    click_packet_set_network_header(p, ip, 20);
    p->dst_ip = c->dst;
    c->id = (uint16_t)(c->id == 0xffff ? 1 : c->id + 1);
    return p;
}

static void h_src(click_element *e, char *b, size_t l) {
    char s[16];
    snprintf(b, l, "%s", click_ip_str(((icmpenc *)e)->src, s));
}
static void h_dst(click_element *e, char *b, size_t l) {
    char s[16];
    snprintf(b, l, "%s", click_ip_str(((icmpenc *)e)->dst, s));
}
static int w_addr(uint32_t *a, const char *v, click_errh *errh) {
    if (click_parse_ip(v, a) < 0) {
        click_errh_here(errh, "expected an IP address");
        return -1;
    }
    return 0;
}
static int w_src(click_element *e, const char *v, click_errh *errh) { return w_addr(&((icmpenc *)e)->src, v, errh); }
static int w_dst(click_element *e, const char *v, click_errh *errh) { return w_addr(&((icmpenc *)e)->dst, v, errh); }
static const click_handler handlers[] = {{"src", h_src, w_src}, {"dst", h_dst, w_dst}, {NULL, NULL, NULL}};

const click_element_class click_class_ICMPIPEncap = {
    .name = "ICMPIPEncap", .ports = "1/1", .processing = "a/a", .size = sizeof(icmpenc),
    .configure = ie_configure, .simple_action = ie_action, .handlers = handlers};
