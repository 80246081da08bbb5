/* IPv4 header modification.
 *   DecIPTTL()       decrements the TTL with an incremental checksum update;
 *                    packets whose TTL is 0 or 1 leave on output 1 (or are
 *                    dropped). Handler: drops (expired packets).
 *   SetIPChecksum()  recomputes the header checksum.
 * Both use the network-header annotation, or the start of the data when it
 * is unset; packets too short for the header are dropped and counted. */
#include <stdio.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct ipmod {
    click_element e;
    uint64_t drops, bad;
} ipmod;

static uint8_t *ip_of(click_packet *p, uint32_t *avail) {
    uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip > p->data + p->len) ip = p->data;
    *avail = (uint32_t)(p->data + p->len - ip);
    return ip;
}

static click_packet *dec_action(click_element *e, click_packet *p) {
    ipmod *m = (ipmod *)e;
    uint32_t avail;
    uint8_t *ip = ip_of(p, &avail);
    if (avail < 20) {
        m->bad++;
        click_packet_kill(p);
        return NULL;
    }
    uint8_t ttl = ip[IPV_TTL];
    if (ttl <= 1) {
        m->drops++;
        click_checked_push(e, 1, p);
        return NULL;
    }
    uint16_t oldw = rd16(ip + IPV_TTL);
    ip[IPV_TTL] = (uint8_t)(ttl - 1);
    uint16_t sum = click_csum_update16(rd16(ip + IPV_SUM), oldw, rd16(ip + IPV_TTL));
    wr16(ip + IPV_SUM, sum);
    return p;
}

static click_packet *sum_action(click_element *e, click_packet *p) {
    ipmod *m = (ipmod *)e;
    uint32_t avail;
    uint8_t *ip = ip_of(p, &avail);
    unsigned hl;
    if (avail < 20 || (hl = ip_hlen(ip)) < 20 || hl > avail) {
        m->bad++;
        click_packet_kill(p);
        return NULL;
    }
    wr16(ip + IPV_SUM, 0);
    wr16(ip + IPV_SUM, click_in_cksum(ip, hl));
    return p;
}

static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((ipmod *)e)->drops);
}
static void h_bad(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((ipmod *)e)->bad);
}
static const click_handler handlers[] = {
    {"drops", h_drops, NULL}, {"bad", h_bad, NULL}, {NULL, NULL, NULL}};

static int no_args(click_element *e, click_args *a, click_errh *errh) {
    (void)e;
    (void)errh;
    (void)click_args_kw(a, "MULTICAST");
    return click_args_done(a);
}

const click_element_class click_class_DecIPTTL = {
    .name = "DecIPTTL", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(ipmod),
    .configure = no_args, .simple_action = dec_action, .handlers = handlers};
const click_element_class click_class_SetIPChecksum = {
    .name = "SetIPChecksum", .ports = "1/1", .processing = "a/a", .size = sizeof(ipmod),
    .configure = no_args, .simple_action = sum_action, .handlers = handlers};
