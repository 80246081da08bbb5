/* IP routing tables: LinearIPLookup, RadixIPLookup, DirectIPLookup and
 * RangeIPLookup (ROUTE, ...). They behave alike: one implementation serves
 * every name, a route list (kept in the order routes were added, for the
 * table handler) indexed by a binary trie on the prefix bits, so a lookup
 * takes at most 32 steps.
 *
 * A ROUTE is "ADDR/MASK [GATEWAY] OUTPUT" (ADDR/LEN, a shortened address
 * such as 18.26/16, or an AddressInfo name). Each packet is looked up by its
 * destination-IP annotation: it leaves on the OUTPUT of the longest
 * matching prefix, its annotation replaced by GATEWAY when the route has
 * one; packets without a route are dropped.
 *
 * Handlers:
 *   table          (read) one route a line: PREFIX GATEWAY ('-': none) OUTPUT
 *   lookup ADDR    (read) "OUTPUT GATEWAY", "OUTPUT" without a gateway, or
 *                  "-1" when no route matches
 *   add ROUTE      (write) fails on "conflict with existing route '...'" if
 *                  the prefix is already routed
 *   set ROUTE      (write) adds or replaces
 *   remove ROUTE   (write) removes the route for the prefix (GATEWAY and
 *                  OUTPUT, when given, must match)
 *   ctrl           (write) lines "add ROUTE", "set ROUTE", "remove ROUTE"
 *   drops          (read) packets without a route */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct route {
    uint32_t addr, mask, gw;
    int port;
} route;

typedef struct tnode {
    int child[2]; /* -1: none */
    int route;    /* index of the route ending here, or -1 */
} tnode;

typedef struct iplookup {
    click_element e;
    route *r;
    int n, cap;
    tnode *t;      /* t[0] is the root; NULL if it could not be built */
    int tn, tcap;
    uint64_t drops;
} iplookup;

static int prefix_len(uint32_t mask) {
    int l = 0;
    while (l < 32 && (mask & (0x80000000u >> l))) l++;
    return l;
}

static void route_str(const route *r, char *buf, size_t len) {
    char a[16], g[16];
    if (r->gw)
        snprintf(buf, len, "%s/%d %s %d", click_ip_str(r->addr, a), prefix_len(r->mask),
                 click_ip_str(r->gw, g), r->port);
    else
        snprintf(buf, len, "%s/%d %d", click_ip_str(r->addr, a), prefix_len(r->mask), r->port);
}

/* Parse "ADDR/MASK [GATEWAY] [OUTPUT]"; need_port says OUTPUT is required.
 * Missing parts are left 0 (gateway) and -1 (port). */
static int parse_route(iplookup *t, const char *s, route *r, bool need_port, click_errh *errh) {
    char w[4][64];
    int n = click_split_words(s, w, 4);
    r->gw = 0;
    r->port = -1;
    if (n < 1 || n > 3 || click_parse_ip_prefix(w[0], &r->addr, &r->mask) < 0) {
        click_errh_here(errh, "bad route '%s' (expected ADDR/MASK [GATEWAY] OUTPUT)", s);
        return -1;
    }
    /* a mask must be contiguous */
    if (r->mask && (~r->mask & (~r->mask + 1))) {
        click_errh_here(errh, "bad route '%s': the mask is not a prefix", s);
        return -1;
    }
    r->addr &= r->mask;
    int k = 1;
    unsigned long long u;
    if (n == 3 || (n == 2 && !need_port)) {
        if (click_parse_ip(w[1], &r->gw) < 0) {
            if (n == 3) {
                click_errh_here(errh, "bad route '%s': bad gateway '%s'", s, w[1]);
                return -1;
            }
        } else {
            k = 2;
        }
    }
    if (k < n) {
        if (click_parse_uint(w[k], &u) < 0 || (long long)u >= t->e.noutputs) {
            click_errh_here(errh, "bad route '%s': output '%s' out of range", s, w[k]);
            return -1;
        }
        r->port = (int)u;
    }
    if (need_port && r->port < 0) {
        click_errh_here(errh, "bad route '%s' (expected ADDR/MASK [GATEWAY] OUTPUT)", s);
        return -1;
    }
    return 0;
}

static int trie_node(iplookup *t) {
    if (t->tn == t->tcap) {
        int nc = t->tcap ? t->tcap * 2 : 64;
        tnode *nt = realloc(t->t, sizeof *nt * (size_t)nc);
        if (!nt) return -1;
        t->t = nt;
        t->tcap = nc;
    }
    t->t[t->tn] = (tnode){{-1, -1}, -1};
    return t->tn++;
}

/* Hang route ri under its prefix bits. Returns 0 or -1 (no memory). */
static int trie_insert(iplookup *t, int ri) {
    const route *r = &t->r[ri];
    int node = 0, len = prefix_len(r->mask);
    for (int b = 0; b < len; b++) {
        int bit = (int)((r->addr >> (31 - b)) & 1);
        if (t->t[node].child[bit] < 0) {
            int c = trie_node(t);
            if (c < 0) return -1;
            t->t[node].child[bit] = c;
        }
        node = t->t[node].child[bit];
    }
    t->t[node].route = ri;
    return 0;
}

/* Build the trie from the route list; on failure lookups scan the list. */
static void trie_rebuild(iplookup *t) {
    t->tn = 0;
    if (trie_node(t) < 0) goto fail;
    for (int i = 0; i < t->n; i++)
        if (trie_insert(t, i) < 0) goto fail;
    return;
fail:
    free(t->t);
    t->t = NULL;
    t->tn = t->tcap = 0;
}

static int find_prefix(const iplookup *t, uint32_t addr, uint32_t mask) {
    for (int i = 0; i < t->n; i++)
        if (t->r[i].addr == addr && t->r[i].mask == mask) return i;
    return -1;
}

static int add_route(iplookup *t, const route *r, bool replace, click_errh *errh) {
    int i = find_prefix(t, r->addr, r->mask);
    if (i >= 0) {
        if (!replace) {
            char rs[64];
            route_str(&t->r[i], rs, sizeof rs);
            click_errh_here(errh, "conflict with existing route '%s'", rs);
            return -1;
        }
        t->r[i] = *r;
        return 0;
    }
    if (t->n == t->cap) {
        int nc = t->cap ? t->cap * 2 : 16;
        route *nr = realloc(t->r, sizeof *nr * (size_t)nc);
        if (!nr) {
            click_errh_here(errh, "out of memory");
            return -1;
        }
        t->r = nr;
        t->cap = nc;
    }
    t->r[t->n++] = *r;
    if (!t->t || trie_insert(t, t->n - 1) < 0) trie_rebuild(t);
    return 0;
}

static int remove_route(iplookup *t, const route *r, click_errh *errh) {
    int i = find_prefix(t, r->addr, r->mask);
    if (i < 0 || (r->gw && t->r[i].gw != r->gw) || (r->port >= 0 && t->r[i].port != r->port)) {
        char rs[64];
        route_str(r, rs, sizeof rs);
        click_errh_here(errh, "route '%s' not found", rs);
        return -1;
    }
    memmove(&t->r[i], &t->r[i + 1], sizeof *t->r * (size_t)(t->n - i - 1));
    t->n--;
    trie_rebuild(t); /* indices after i moved */
    return 0;
}

static const route *lookup(const iplookup *t, uint32_t a) {
    const route *best = NULL;
    if (t->t) {
        int node = 0, ri = t->t[0].route;
        for (int b = 31; b >= 0; b--) {
            node = t->t[node].child[(a >> b) & 1];
            if (node < 0) break;
            if (t->t[node].route >= 0) ri = t->t[node].route;
        }
        return ri >= 0 ? &t->r[ri] : NULL;
    }
    for (int i = 0; i < t->n; i++)
        if ((a & t->r[i].mask) == t->r[i].addr && (!best || t->r[i].mask > best->mask)) best = &t->r[i];
    return best;
}

static int lk_configure(click_element *e, click_args *a, click_errh *errh) {
    iplookup *t = (iplookup *)e;
    for (const char *arg; (arg = click_args_next(a));) {
        route r;
        if (parse_route(t, arg, &r, true, errh) < 0 || add_route(t, &r, false, errh) < 0) return -1;
    }
    return click_args_done(a);
}

static void lk_cleanup(click_element *e) {
    iplookup *t = (iplookup *)e;
    free(t->r);
    free(t->t);
    t->r = NULL;
    t->t = NULL;
    t->n = t->cap = t->tn = t->tcap = 0;
}

static void lk_push(click_element *e, int port, click_packet *p) {
    (void)port;
    iplookup *t = (iplookup *)e;
    const route *r = lookup(t, p->dst_ip);
    if (!r) {
        t->drops++;
        click_packet_kill(p);
        return;
    }
    if (r->gw) p->dst_ip = r->gw;
    click_output_push(e, r->port, p);
}

static void h_table(click_element *e, char *b, size_t l) {
    iplookup *t = (iplookup *)e;
    size_t n = 0;
    b[0] = 0;
    for (int i = 0; i < t->n && n + 1 < l; i++) {
        char a[16], g[16];
        const route *r = &t->r[i];
        char pfx[24];
        snprintf(pfx, sizeof pfx, "%s/%d", click_ip_str(r->addr, a), prefix_len(r->mask));
        n += (size_t)snprintf(b + n, l - n, "%-24s%-16s%d\n", pfx, r->gw ? click_ip_str(r->gw, g) : "-",
                              r->port);
    }
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((iplookup *)e)->drops);
}

static int w_add(click_element *e, const char *v, click_errh *errh) {
    route r;
    if (parse_route((iplookup *)e, v, &r, true, errh) < 0) return -1;
    return add_route((iplookup *)e, &r, false, errh);
}
static int w_set(click_element *e, const char *v, click_errh *errh) {
    route r;
    if (parse_route((iplookup *)e, v, &r, true, errh) < 0) return -1;
    return add_route((iplookup *)e, &r, true, errh);
}
static int w_remove(click_element *e, const char *v, click_errh *errh) {
    route r;
    if (parse_route((iplookup *)e, v, &r, false, errh) < 0) return -1;
    return remove_route((iplookup *)e, &r, errh);
}
/* One command a line; stops at the first failing one. */
static int w_ctrl(click_element *e, const char *v, click_errh *errh) {
    const char *s = v;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t l = nl ? (size_t)(nl - s) : strlen(s);
        char line[256];
        if (l >= sizeof line) {
            click_errh_here(errh, "ctrl line too long");
            return -1;
        }
        memcpy(line, s, l);
        line[l] = 0;
        char *c = line;
        while (*c == ' ' || *c == '\t' || *c == '\r') c++;
        int rc = 0;
        if (!*c) rc = 0;
        else if (!strncmp(c, "add ", 4)) rc = w_add(e, c + 4, errh);
        else if (!strncmp(c, "set ", 4)) rc = w_set(e, c + 4, errh);
        else if (!strncmp(c, "remove ", 7)) rc = w_remove(e, c + 7, errh);
        else {
            click_errh_here(errh, "bad ctrl command '%s' (expected add, set or remove)", c);
            rc = -1;
        }
        if (rc < 0) return -1;
        if (!nl) break;
        s = nl + 1;
    }
    return 0;
}

static int lk_read_param(click_element *e, const char *name, const char *param, char *buf, size_t len) {
    if (strcmp(name, "lookup")) return -2;
    uint32_t a;
    if (click_parse_ip(param, &a) < 0) {
        snprintf(buf, len, "lookup: '%s' is not an IP address", param);
        return -1;
    }
    const route *r = lookup((iplookup *)e, a);
    char g[16];
    if (!r) snprintf(buf, len, "-1");
    else if (r->gw) snprintf(buf, len, "%d %s", r->port, click_ip_str(r->gw, g));
    else snprintf(buf, len, "%d", r->port);
    return 0;
}

static const click_handler handlers[] = {
    {"table", h_table, NULL}, {"drops", h_drops, NULL}, {"add", NULL, w_add}, {"set", NULL, w_set},
    {"remove", NULL, w_remove}, {"ctrl", NULL, w_ctrl}, {NULL, NULL, NULL}};

#define LOOKUP_CLASS(N)                                                                          \
    const click_element_class click_class_##N = {                                                \
        .name = #N, .ports = "1/-", .processing = "h/h", .size = sizeof(iplookup),                 \
        .configure = lk_configure, .cleanup = lk_cleanup, .push = lk_push, .handlers = handlers, \
        .read_param = lk_read_param};
LOOKUP_CLASS(LinearIPLookup)
LOOKUP_CLASS(RadixIPLookup)
LOOKUP_CLASS(DirectIPLookup)
LOOKUP_CLASS(RangeIPLookup)
