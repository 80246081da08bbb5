/* AddressInfo(NAME ADDRESS [ADDRESS...], ...): names for addresses, usable
 * wherever another element of the configuration expects an IP address, an
 * IP prefix or an Ethernet address. Each ADDRESS is an IP address, an IP
 * prefix ADDR/LEN (or ADDR/MASK) or an Ethernet address; a name keeps the
 * first of each kind. Given NAME defined as 1.2.3.4/20:
 *   NAME, NAME:ip       the address, 1.2.3.4 (as a prefix: 1.2.3.4/32)
 *   NAME:ipnet, :net    the network, 1.2.0.0/20 (as an address: 1.2.0.0)
 *   NAME:bcast          the broadcast address, 1.2.15.255
 *   NAME, NAME:eth, :ether   the Ethernet address
 * The element has no ports; names are found whatever the order in which
 * elements are declared. */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct addrdef {
    bool has_ip, has_prefix, has_mac;
    uint32_t ip, mask;
    uint8_t mac[6];
} addrdef;

/* Parse the words after a name; returns 0, or -1 with the bad word in bad. */
static int parse_def(char (*w)[64], int n, addrdef *d, char *bad, size_t blen) {
    memset(d, 0, sizeof *d);
    for (int i = 1; i < n; i++) {
        uint8_t mac[6];
        uint32_t ip, mask;
        if (click_parse_ether(w[i], mac) == 0) {
            if (!d->has_mac) memcpy(d->mac, mac, 6);
            d->has_mac = true;
        } else if (click_parse_ip_prefix(w[i], &ip, &mask) == 0) {
            if (!d->has_ip) {
                d->ip = ip;
                d->mask = mask;
                d->has_prefix = strchr(w[i], '/') != NULL;
            }
            d->has_ip = true;
        } else {
            snprintf(bad, blen, "%s", w[i]);
            return -1;
        }
    }
    return 0;
}

/* Find the definition of NAME in config. Returns 0, or -1 if absent. */
static int find_def(const char *config, const char *name, addrdef *d) {
    click_errh errh;
    click_errh_init(&errh, "addressinfo");
    click_args a;
    int rc = -1;
    if (click_args_split(&a, config, &errh) == 0) {
        for (int i = 0; i < a.n && rc < 0; i++) {
            char w[16][64], bad[64];
            int n = click_split_words(a.v[i].text, w, 16);
            if (n < 2 || n > 16 || strcmp(w[0], name)) continue;
            if (parse_def(w, n, d, bad, sizeof bad) == 0) rc = 0;
        }
    }
    click_args_free(&a);
    click_errh_free(&errh);
    return rc;
}

static int prefix_len(uint32_t mask) {
    int l = 0;
    while (l < 32 && (mask & (0x80000000u >> l))) l++;
    return l;
}

static int ai_lookup(click_element *e, const char *kind, const char *name, char *buf, size_t len) {
    char base[64];
    const char *colon = strchr(name, ':');
    const char *suffix = colon ? colon + 1 : "";
    size_t bl = colon ? (size_t)(colon - name) : strlen(name);
    if (bl == 0 || bl >= sizeof base) return -1;
    memcpy(base, name, bl);
    base[bl] = 0;
    addrdef d;
    if (find_def(e->config, base, &d) < 0) return -1;
    char s[16], m[18];
    bool want_ip = !strcmp(kind, "ip"), want_prefix = !strcmp(kind, "prefix");
    if (!strcmp(kind, "ether")) {
        if (!d.has_mac || (*suffix && strcmp(suffix, "eth") && strcmp(suffix, "ether"))) return -1;
        snprintf(buf, len, "%s", click_ether_str(d.mac, m));
        return 0;
    }
    if ((!want_ip && !want_prefix) || !d.has_ip) return -1;
    uint32_t a = d.ip, mask = 0xffffffffu;
    if (!*suffix || !strcmp(suffix, "ip")) {
        /* the address itself */
    } else if (!strcmp(suffix, "ipnet") || !strcmp(suffix, "net")) {
        if (!d.has_prefix) return -1;
        a = d.ip & d.mask;
        mask = d.mask;
    } else if (!strcmp(suffix, "bcast")) {
        if (!d.has_prefix) return -1;
        a = d.ip | ~d.mask;
    } else {
        return -1;
    }
    if (want_ip) snprintf(buf, len, "%s", click_ip_str(a, s));
    else snprintf(buf, len, "%s/%d", click_ip_str(a, s), prefix_len(mask));
    return 0;
}

static int ai_configure(click_element *e, click_args *a, click_errh *errh) {
    (void)e;
    for (const char *arg; (arg = click_args_next(a));) {
        char w[17][64], bad[64];
        int n = click_split_words(arg, w, 17);
        if (n < 2) {
            click_errh_here(errh, "expected 'NAME ADDRESS...', not '%s'", arg);
            return -1;
        }
        if (n > 16) {
            click_errh_here(errh, "'%s': at most 15 addresses", w[0]);
            return -1;
        }
        addrdef d;
        if (parse_def(w, n, &d, bad, sizeof bad) < 0) {
            click_errh_here(errh, "'%s': '%s' is not an IP address, prefix or Ethernet address", w[0], bad);
            return -1;
        }
    }
    return click_args_done(a);
}

const click_element_class click_class_AddressInfo = {
    .name = "AddressInfo", .ports = "0/0", .processing = "a/a", .size = sizeof(click_element),
    .configure = ai_configure, .lookup_name = ai_lookup};
