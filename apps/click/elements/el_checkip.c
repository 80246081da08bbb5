/* IPv4 header checking and marking.
 *   CheckIPHeader([OFFSET, keywords OFFSET, CHECKSUM, BADSRC, VERBOSE, DETAILS])
 *       Checks the IPv4 header starting OFFSET bytes into the packet: length,
 *       version, header length, option encoding, total length, checksum
 *       (unless CHECKSUM false) and the source address (not broadcast,
 *       multicast or one of BADSRC). Good packets are trimmed to the IP
 *       length (link-layer padding removed), get their network-header and
 *       destination-IP annotations and leave on output 0; bad ones are
 *       counted and leave on output 1, or are dropped if it is unconnected.
 *       Handlers: count, drops, drop_details.
 *   CheckIPHeader2(...)  the same with CHECKSUM false by default.
 *   MarkIPHeader([OFFSET]) sets the network-header annotation only. */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

enum { R_SHORT, R_VERSION, R_HLEN, R_OPTIONS, R_LENGTH, R_CHECKSUM, R_SRC, R_N };
static const char *const reason_names[R_N] = {
    "too short", "bad IP version", "bad IP header length", "bad IP options",
    "bad IP length", "bad IP checksum", "bad source address"};

#define MAX_BADSRC 16

typedef struct checkip {
    click_element e;
    uint32_t offset;
    bool checksum, verbose, details;
    int nbad;
    uint32_t badsrc[MAX_BADSRC];
    uint64_t count, drops, reason[R_N];
} checkip;

static int ci_configure_common(click_element *e, click_args *a, click_errh *errh, bool cksum) {
    checkip *c = (checkip *)e;
    c->checksum = cksum;
    const char *v;
    unsigned long long u;
    if ((v = click_args_kw(a, "CHECKSUM")) && click_parse_bool(v, &c->checksum) < 0) {
        click_errh_here(errh, "CHECKSUM must be a boolean");
        return -1;
    }
    if ((v = click_args_kw(a, "VERBOSE")) && click_parse_bool(v, &c->verbose) < 0) {
        click_errh_here(errh, "VERBOSE must be a boolean");
        return -1;
    }
    if ((v = click_args_kw(a, "DETAILS")) && click_parse_bool(v, &c->details) < 0) {
        click_errh_here(errh, "DETAILS must be a boolean");
        return -1;
    }
    (void)click_args_kw(a, "INTERFACES");
    const char *bad = click_args_kw(a, "BADSRC");
    const char *off = click_args_kw(a, "OFFSET");
    if (!off) {
        /* positional: [BADSRC,] OFFSET — an integer is the offset */
        const char *p = click_args_next(a);
        if (p && click_parse_uint(p, &u) == 0) off = p;
        else if (p) {
            bad = p;
            off = click_args_next(a);
        }
    }
    if (off) {
        if (click_parse_uint(off, &u) < 0 || u > 4096) {
            click_errh_here(errh, "OFFSET must be an integer up to 4096");
            return -1;
        }
        c->offset = (uint32_t)u;
    }
    if (bad) {
        char words[MAX_BADSRC][64];
        int n = click_split_words(bad, words, MAX_BADSRC);
        if (n > MAX_BADSRC) {
            click_errh_here(errh, "too many BADSRC addresses (max %d)", MAX_BADSRC);
            return -1;
        }
        for (int i = 0; i < n; i++) {
            if (click_parse_ip(words[i], &c->badsrc[i]) < 0) {
                click_errh_here(errh, "BADSRC: bad IP address '%s'", words[i]);
                return -1;
            }
        }
        c->nbad = n;
    }
    return click_args_done(a);
}

static int ci_configure(click_element *e, click_args *a, click_errh *errh) {
    return ci_configure_common(e, a, errh, true);
}
static int ci2_configure(click_element *e, click_args *a, click_errh *errh) {
    return ci_configure_common(e, a, errh, false);
}

/* Option list well-formed? */
static bool options_ok(const uint8_t *o, unsigned len) {
    unsigned i = 0;
    while (i < len) {
        uint8_t t = o[i];
        if (t == 0) break;       /* end of list */
        if (t == 1) {            /* no-op */
            i++;
            continue;
        }
        if (i + 1 >= len) return false;
        uint8_t l = o[i + 1];
        if (l < 2 || i + l > len) return false;
        i += l;
    }
    return true;
}

static click_packet *ci_action(click_element *e, click_packet *p) {
    checkip *c = (checkip *)e;
    int why = -1;
    const uint8_t *ip = p->data + c->offset;
    uint32_t avail = p->len > c->offset ? p->len - c->offset : 0;
    unsigned hl = 0, tl = 0;
    if (avail < 20) why = R_SHORT;
    else if (ip[0] >> 4 != 4) why = R_VERSION;
    else if ((hl = ip_hlen(ip)) < 20 || hl > avail) why = R_HLEN;
    else if (hl > 20 && !options_ok(ip + 20, hl - 20)) why = R_OPTIONS;
    else if ((tl = rd16(ip + IPV_LEN)) < hl || tl > avail) why = R_LENGTH;
    else if (c->checksum && click_in_cksum(ip, hl) != 0) why = R_CHECKSUM;
    else {
        uint32_t src = rd32(ip + IPV_SRC);
        if (src == 0xffffffffu || (src >> 28) == 0xe) why = R_SRC;
        for (int i = 0; i < c->nbad && why < 0; i++)
            if (src == c->badsrc[i]) why = R_SRC;
    }
    if (why >= 0) {
        if (c->drops == 0 || c->verbose)
            click_element_log(e, "%s: CheckIPHeader: %s", e->name, reason_names[why]);
        c->drops++;
        c->reason[why]++;
        click_checked_push(e, 1, p);
        return NULL;
    }
    /* drop link-layer padding beyond the IP length */
    click_packet_take(p, avail - tl);
    click_packet_set_network_header(p, ip, hl);
    p->dst_ip = rd32(ip + IPV_DST);
    c->count++;
    return p;
}

static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((checkip *)e)->count);
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((checkip *)e)->drops);
}
/* drop_details: one line per drop reason, named from `names`. */
static void format_details(const checkip *c, const char *const *names, int nreasons, char *b, size_t l) {
    size_t n = 0;
    b[0] = 0;
    for (int i = 0; i < nreasons && n < l; i++)
        n += (size_t)snprintf(b + n, l - n, "%s%llu packets with %s", i ? "\n" : "",
                              (unsigned long long)c->reason[i], names[i]);
}
static void h_details(click_element *e, char *b, size_t l) {
    format_details((checkip *)e, reason_names, R_N, b, l);
}
static const click_handler ci_handlers[] = {
    {"count", h_count, NULL}, {"drops", h_drops, NULL}, {"drop_details", h_details, NULL},
    {NULL, NULL, NULL}};

const click_element_class click_class_CheckIPHeader = {
    .name = "CheckIPHeader", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(checkip),
    .configure = ci_configure, .simple_action = ci_action, .handlers = ci_handlers};
const click_element_class click_class_CheckIPHeader2 = {
    .name = "CheckIPHeader2", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(checkip),
    .configure = ci2_configure, .simple_action = ci_action, .handlers = ci_handlers};

/* ---- MarkIPHeader ---- */

static int mi_configure(click_element *e, click_args *a, click_errh *errh) {
    checkip *c = (checkip *)e;
    const char *v = click_args_kw(a, "OFFSET");
    if (!v) v = click_args_next(a);
    unsigned long long u;
    if (v && (click_parse_uint(v, &u) < 0 || u > 4096)) {
        click_errh_here(errh, "OFFSET must be an integer up to 4096");
        return -1;
    }
    c->offset = v ? (uint32_t)u : 0;
    return click_args_done(a);
}

static click_packet *mi_action(click_element *e, click_packet *p) {
    checkip *c = (checkip *)e;
    if (p->len >= c->offset + 20) {
        const uint8_t *ip = p->data + c->offset;
        click_packet_set_network_header(p, ip, ip_hlen(ip));
    } else if (p->len >= c->offset) {
        click_packet_set_network_header(p, p->data + c->offset, 0);
    }
    return p;
}

const click_element_class click_class_MarkIPHeader = {
    .name = "MarkIPHeader", .ports = "1/1", .processing = "a/a", .size = sizeof(checkip),
    .configure = mi_configure, .simple_action = mi_action};

/* ---- CheckARPHeader([OFFSET, keywords OFFSET, VERBOSE, DETAILS]) ----
 * Checks an ARP header OFFSET bytes in: the fixed part is present, the
 * address lengths agree with the address types (6 for Ethernet, 4 for IPv4)
 * and the packet holds all four addresses. Sets the network-header
 * annotation. Bad packets go to output 1 or are dropped. */
enum { A_SHORT, A_HLEN, A_PLEN, A_N };
static const char *const arp_reasons[A_N] = {"too short", "bad hardware address length",
                                             "bad protocol address length"};

static int ca_configure(click_element *e, click_args *a, click_errh *errh) {
    checkip *c = (checkip *)e;
    const char *v;
    if ((v = click_args_kw(a, "VERBOSE")) && click_parse_bool(v, &c->verbose) < 0) {
        click_errh_here(errh, "VERBOSE must be a boolean");
        return -1;
    }
    if ((v = click_args_kw(a, "DETAILS")) && click_parse_bool(v, &c->details) < 0) {
        click_errh_here(errh, "DETAILS must be a boolean");
        return -1;
    }
    return mi_configure(e, a, errh);
}

static click_packet *ca_action(click_element *e, click_packet *p) {
    checkip *c = (checkip *)e;
    const uint8_t *arp = p->data + c->offset;
    uint32_t avail = p->len > c->offset ? p->len - c->offset : 0;
    int why = -1;
    if (avail < 8) why = A_SHORT;
    else if (rd16(arp + ARP_HRD) == 1 && arp[ARP_HLN] != 6) why = A_HLEN;
    else if (rd16(arp + ARP_PRO) == ETHERTYPE_IP && arp[ARP_PLN] != 4) why = A_PLEN;
    else if (avail < 8u + 2u * (arp[ARP_HLN] + arp[ARP_PLN])) why = A_SHORT;
    if (why >= 0) {
        if (c->drops == 0 || c->verbose)
            click_element_log(e, "%s: CheckARPHeader: %s", e->name, arp_reasons[why]);
        c->drops++;
        c->reason[why]++;
        click_checked_push(e, 1, p);
        return NULL;
    }
    click_packet_set_network_header(p, arp, 8u + 2u * (arp[ARP_HLN] + arp[ARP_PLN]));
    c->count++;
    return p;
}

static void h_arp_details(click_element *e, char *b, size_t l) {
    format_details((checkip *)e, arp_reasons, A_N, b, l);
}
static const click_handler ca_handlers[] = {
    {"count", h_count, NULL}, {"drops", h_drops, NULL}, {"drop_details", h_arp_details, NULL},
    {NULL, NULL, NULL}};

const click_element_class click_class_CheckARPHeader = {
    .name = "CheckARPHeader", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(checkip),
    .configure = ca_configure, .simple_action = ca_action, .handlers = ca_handlers};
