/* ARPPrint([LABEL], keywords TIMESTAMP (true), ETHER (false), ACTIVE (true))
 * writes one line per ARP packet to the log and passes every packet on:
 *     LABEL: 0.120000: arp who-has 1.0.0.3 tell 1.0.10.10
 *     LABEL: 0.000000: 02-01-00-0A-0A-0F > FF-FF-FF-FF-FF-FF: arp reply ...
 * The ARP header is found through the network-header annotation; packets
 * without one are passed on silently. ETHER true adds the Ethernet source
 * and destination (from the link-header annotation, else the start of the
 * data) when a whole Ethernet header precedes the ARP header. */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct arpprint {
    click_element e;
    char label[128];
    bool timestamp, ether, active;
} arpprint;

static int ap_configure(click_element *e, click_args *a, click_errh *errh) {
    arpprint *p = (arpprint *)e;
    p->timestamp = true;
    p->active = true;
    const char *v;
    if ((v = click_args_kw(a, "TIMESTAMP")) && click_parse_bool(v, &p->timestamp) < 0) {
        click_errh_here(errh, "TIMESTAMP must be a boolean");
        return -1;
    }
    if ((v = click_args_kw(a, "ETHER")) && click_parse_bool(v, &p->ether) < 0) {
        click_errh_here(errh, "ETHER must be a boolean");
        return -1;
    }
    if ((v = click_args_kw(a, "ACTIVE")) && click_parse_bool(v, &p->active) < 0) {
        click_errh_here(errh, "ACTIVE must be a boolean");
        return -1;
    }
    const char *label = click_args_kw(a, "LABEL");
    if (!label) label = click_args_next(a);
    if (label && click_parse_string(label, p->label, sizeof p->label) < 0) {
        click_errh_here(errh, "LABEL too long or badly quoted");
        return -1;
    }
    return click_args_done(a);
}

/* Ethernet address as Click prints it: upper-case hex, dash-separated. */
static void eth_str(const uint8_t *m, char out[18]) {
    snprintf(out, 18, "%02X-%02X-%02X-%02X-%02X-%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Append the description of the ARP header at ap (len bytes) to line. */
static size_t describe(char *line, size_t cap, size_t n, const uint8_t *ap, uint32_t len) {
    char a[18], b[18], ip1[16], ip2[16];
    if (len < 8) return n + (size_t)snprintf(line + n, cap - n, "truncated-arp (%u)", len);
    unsigned hrd = rd16(ap + ARP_HRD), pro = rd16(ap + ARP_PRO), op = rd16(ap + ARP_OP);
    unsigned hln = ap[ARP_HLN], pln = ap[ARP_PLN];
    if ((pro != ETHERTYPE_IP && pro != 0x1000) || pln != 4 || hln == 0)
        return n + (size_t)snprintf(line + n, cap - n, "arp-#%u for proto #%u (%u) hardware #%u (%u)",
                                    op, pro, pln, hrd, hln);
    if (hln != 6 || len < ARP_LEN)
        return n + (size_t)snprintf(line + n, cap - n, "truncated-arp (%u)", len);
    if (pro == 0x1000) n += (size_t)snprintf(line + n, cap - n, "trailer-");
    const uint8_t *sha = ap + ARP_SHA, *tha = ap + ARP_THA;
    uint32_t spa = rd32(ap + ARP_SPA), tpa = rd32(ap + ARP_TPA);
    static const uint8_t zero[6];
    switch (op) {
    case 1:
        n += (size_t)snprintf(line + n, cap - n, "arp who-has %s", click_ip_str(tpa, ip1));
        if (memcmp(tha, zero, 6)) {
            eth_str(tha, a);
            n += (size_t)snprintf(line + n, cap - n, " (%s)", a);
        }
        n += (size_t)snprintf(line + n, cap - n, " tell %s", click_ip_str(spa, ip2));
        break;
    case 2:
        eth_str(sha, a);
        n += (size_t)snprintf(line + n, cap - n, "arp reply %s is-at %s", click_ip_str(spa, ip1), a);
        break;
    case 3: case 8:
        eth_str(tha, a);
        eth_str(sha, b);
        n += (size_t)snprintf(line + n, cap - n, "%s who-is %s tell %s", op == 3 ? "rarp" : "invarp", a, b);
        break;
    case 4: case 9:
        eth_str(tha, a);
        n += (size_t)snprintf(line + n, cap - n, "%s reply %s at %s", op == 4 ? "rarp" : "invarp", a,
                              click_ip_str(tpa, ip1));
        break;
    default:
        n += (size_t)snprintf(line + n, cap - n, "arp-#%u", op);
    }
    if (hrd != 1) n += (size_t)snprintf(line + n, cap - n, "hardware #%u", hrd);
    return n;
}

static click_packet *ap_action(click_element *e, click_packet *pk) {
    arpprint *p = (arpprint *)e;
    const uint8_t *nh = click_packet_network_header(pk);
    if (!p->active || !nh || nh < pk->data || nh > pk->data + pk->len) return pk;
    char line[512];
    size_t n = 0;
    if (p->label[0]) n += (size_t)snprintf(line + n, sizeof line - n, "%s: ", p->label);
    if (p->timestamp)
        n += (size_t)snprintf(line + n, sizeof line - n, "%llu.%06llu: ",
                              (unsigned long long)(pk->timestamp_ns / 1000000000u),
                              (unsigned long long)(pk->timestamp_ns % 1000000000u / 1000u));
    if (p->ether) {
        const uint8_t *x = click_packet_mac_header(pk);
        if (!x || x < pk->data) x = pk->data;
        if (x + ETH_HLEN <= nh && x + ETH_HLEN <= pk->data + pk->len) {
            char s[18], d[18];
            eth_str(x + 6, s);
            eth_str(x, d);
            n += (size_t)snprintf(line + n, sizeof line - n, "%s > %s: ", s, d);
        }
    }
    n = describe(line, sizeof line, n, nh, click_packet_network_length(pk));
    (void)n;
    click_element_log(e, "%s", line);
    return pk;
}

static void h_active(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%s", ((arpprint *)e)->active ? "true" : "false");
}
static int w_active(click_element *e, const char *v, click_errh *errh) {
    if (click_parse_bool(v, &((arpprint *)e)->active) < 0) {
        click_errh_here(errh, "active must be a boolean");
        return -1;
    }
    return 0;
}
static const click_handler ap_handlers[] = {{"active", h_active, w_active}, {NULL, NULL, NULL}};

const click_element_class click_class_ARPPrint = {
    .name = "ARPPrint", .ports = "1/1", .processing = "a/a", .size = sizeof(arpprint),
    .configure = ap_configure, .simple_action = ap_action, .handlers = ap_handlers};
