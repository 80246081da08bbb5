/* ICMPPingResponder(): turns ICMP echo requests into echo replies in place
 * (addresses swapped, type 0, TTL 255, both checksums updated) and emits
 * them on output 0. Anything else (not ICMP echo, fragments, truncated
 * packets, bad ICMP checksum) goes to output 1, or is dropped. Uses the
 * network-header annotation, or the start of the data when it is unset.
 * Handlers: count (replies), drops. */
#include <stdio.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct pingr {
    click_element e;
    uint64_t count, drops;
} pingr;

static click_packet *ping_action(click_element *e, click_packet *p) {
    pingr *r = (pingr *)e;
    uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip > p->data + p->len) ip = p->data;
    uint32_t avail = (uint32_t)(p->data + p->len - ip);
    unsigned hl, tl;
    if (avail < 20 || (ip[0] >> 4) != 4 || (hl = ip_hlen(ip)) < 20 || hl + 8 > avail ||
        (tl = rd16(ip + IPV_LEN)) < hl + 8 || tl > avail || ip[IPV_PROTO] != IP_PROTO_ICMP ||
        (rd16(ip + IPV_OFF) & (IP_MF | IP_OFFMASK)) != 0 || ip[hl] != 8 ||
        click_in_cksum(ip + hl, tl - hl) != 0) {
        r->drops++;
        click_checked_push(e, 1, p);
        return NULL;
    }
    uint8_t *icmp = ip + hl;
    uint32_t src = rd32(ip + IPV_SRC), dst = rd32(ip + IPV_DST);
    wr32(ip + IPV_SRC, dst);
    wr32(ip + IPV_DST, src);
    ip[IPV_TTL] = 255;
    wr16(ip + IPV_SUM, 0);
    wr16(ip + IPV_SUM, click_in_cksum(ip, hl));
    uint16_t oldw = rd16(icmp);
    icmp[0] = 0; /* echo reply, code unchanged */
    wr16(icmp + 2, click_csum_update16(rd16(icmp + 2), oldw, rd16(icmp)));
    p->dst_ip = src;
    r->count++;
    return p;
}

static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((pingr *)e)->count);
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((pingr *)e)->drops);
}
static const click_handler handlers[] = {
    {"count", h_count, NULL}, {"drops", h_drops, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_ICMPPingResponder = {
    .name = "ICMPPingResponder", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(pingr),
    .simple_action = ping_action, .handlers = handlers};
