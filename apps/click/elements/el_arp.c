/* ARP.
 *   ARPResponder(ENTRY, ...)  each ENTRY "IP [IP...] ETH" or "IP/LEN ETH".
 *       Answers ARP requests (Ethernet frames) for those addresses with a
 *       reply on output 0. Other packets go to output 1, or are dropped.
 *       Handlers: count (replies), drops.
 *   ARPQuerier(IP, ETH [, keywords CAPACITY, TIMEOUT, ENTRIES])
 *       Input 0: IP packets (destination from the destination-IP annotation,
 *       else the IP header). Input 1: ARP packets; replies (and requests)
 *       teach it addresses. Known destinations are encapsulated in Ethernet
 *       and sent on output 0; unknown ones are queued (CAPACITY per
 *       destination, default 16) while an ARP query goes out on output 1 if
 *       connected, else on output 0. Queries for a destination are repeated
 *       at most once a second. Entries expire after TIMEOUT seconds (default
 *       300; 0 = never). Handlers: table, queries, responses, drops, count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- ARPResponder ---- */

#define MAX_ENTRIES 64

typedef struct arpresp {
    click_element e;
    int n;
    struct {
        uint32_t addr, mask;
        uint8_t mac[6];
    } ent[MAX_ENTRIES];
    uint64_t count, drops;
} arpresp;

static int ar_configure(click_element *e, click_args *a, click_errh *errh) {
    arpresp *r = (arpresp *)e;
    for (const char *arg; (arg = click_args_next(a));) {
        char words[MAX_ENTRIES + 1][64];
        int nw = click_split_words(arg, words, MAX_ENTRIES + 1);
        uint8_t mac[6];
        if (nw < 2 || nw > MAX_ENTRIES + 1 || click_parse_ether(words[nw - 1], mac) < 0) {
            click_errh_here(errh, "entry '%s': expected 'IP [IP...] ETH'", arg);
            return -1;
        }
        for (int i = 0; i < nw - 1; i++) {
            if (r->n == MAX_ENTRIES) {
                click_errh_here(errh, "too many addresses (max %d)", MAX_ENTRIES);
                return -1;
            }
            if (click_parse_ip_prefix(words[i], &r->ent[r->n].addr, &r->ent[r->n].mask) < 0) {
                click_errh_here(errh, "entry '%s': bad IP address '%s'", arg, words[i]);
                return -1;
            }
            memcpy(r->ent[r->n].mac, mac, 6);
            r->n++;
        }
    }
    if (r->n == 0) {
        click_errh_here(errh, "expected at least one 'IP ETH' entry");
        return -1;
    }
    return click_args_done(a);
}

static const uint8_t *ar_lookup(arpresp *r, uint32_t ip) {
    for (int i = 0; i < r->n; i++)
        if ((ip & r->ent[i].mask) == (r->ent[i].addr & r->ent[i].mask)) return r->ent[i].mac;
    return NULL;
}

/* Is p an Ethernet/ARP/IPv4 packet of opcode op? */
static bool is_arp(const click_packet *p, int op) {
    const uint8_t *d = p->data;
    if (p->len < ETH_HLEN + ARP_LEN || rd16(d + 12) != ETHERTYPE_ARP) return false;
    const uint8_t *a = d + ETH_HLEN;
    return rd16(a + ARP_HRD) == 1 && rd16(a + ARP_PRO) == ETHERTYPE_IP && a[ARP_HLN] == 6 &&
           a[ARP_PLN] == 4 && (op == 0 || rd16(a + ARP_OP) == op);
}

static void build_arp(uint8_t *d, const uint8_t *edst, const uint8_t *esrc, int op,
                      const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa) {
    memcpy(d, edst, 6);
    memcpy(d + 6, esrc, 6);
    wr16(d + 12, ETHERTYPE_ARP);
    uint8_t *a = d + ETH_HLEN;
    wr16(a + ARP_HRD, 1);
    wr16(a + ARP_PRO, ETHERTYPE_IP);
    a[ARP_HLN] = 6;
    a[ARP_PLN] = 4;
    wr16(a + ARP_OP, (uint16_t)op);
    memcpy(a + ARP_SHA, sha, 6);
    wr32(a + ARP_SPA, spa);
    memcpy(a + ARP_THA, tha, 6);
    wr32(a + ARP_TPA, tpa);
}

static click_packet *ar_action(click_element *e, click_packet *p) {
    arpresp *r = (arpresp *)e;
    const uint8_t *mac = NULL;
    if (is_arp(p, ARP_OP_REQUEST)) mac = ar_lookup(r, rd32(p->data + ETH_HLEN + ARP_TPA));
    if (!mac) {
        r->drops++;
        click_checked_push(e, 1, p);
        return NULL;
    }
    const uint8_t *a = p->data + ETH_HLEN;
    click_packet *q = click_packet_alloc(click_element_pool(e), ETH_HLEN + ARP_LEN);
    if (!q) {
        click_packet_kill(p);
        return NULL;
    }
    build_arp(q->data, a + ARP_SHA, mac, ARP_OP_REPLY, mac, rd32(a + ARP_TPA), a + ARP_SHA,
              rd32(a + ARP_SPA));
    q->mac_off = (int32_t)(q->data - q->head);
    q->timestamp_ns = p->timestamp_ns;
    click_packet_kill(p);
    r->count++;
    return q;
}

static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((arpresp *)e)->count);
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((arpresp *)e)->drops);
}
static const click_handler ar_handlers[] = {
    {"count", h_count, NULL}, {"drops", h_drops, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_ARPResponder = {
    .name = "ARPResponder", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(arpresp),
    .configure = ar_configure, .simple_action = ar_action, .handlers = ar_handlers};

/* ---- ARPQuerier ---- */

typedef struct arpent {
    uint32_t ip;
    bool known;
    uint8_t mac[6];
    uint64_t learned_ns, last_query_ns;
    bool queried;
    click_packet *qhead, *qtail;
    int qlen;
} arpent;

typedef struct arpq {
    click_element e;
    uint32_t myip;
    uint8_t mymac[6];
    int capacity;        /* queued packets per destination */
    int maxent;
    uint64_t timeout_ns;
    arpent *ent;
    int nent;
    uint64_t queries, responses, drops, count;
} arpq;

static int aq_configure(click_element *e, click_args *a, click_errh *errh) {
    arpq *q = (arpq *)e;
    q->capacity = 16;
    q->maxent = 1024;
    q->timeout_ns = 300ull * 1000000000ull;
    const char *v;
    unsigned long long u;
    if ((v = click_args_kw(a, "CAPACITY"))) {
        if (click_parse_uint(v, &u) < 0 || u > 100000) {
            click_errh_here(errh, "CAPACITY must be an integer");
            return -1;
        }
        q->capacity = (int)u;
    }
    if ((v = click_args_kw(a, "ENTRIES"))) {
        if (click_parse_uint(v, &u) < 0 || u == 0 || u > 1000000) {
            click_errh_here(errh, "ENTRIES must be a positive integer");
            return -1;
        }
        q->maxent = (int)u;
    }
    if ((v = click_args_kw(a, "TIMEOUT"))) {
        if (click_parse_uint(v, &u) < 0 || u > 1000000000ull) {
            click_errh_here(errh, "TIMEOUT must be a number of seconds");
            return -1;
        }
        q->timeout_ns = u * 1000000000ull;
    }
    (void)click_args_kw(a, "POLL_TIMEOUT");
    (void)click_args_kw(a, "BROADCAST_POLL");
    const char *ip = click_args_kw(a, "IP"), *eth = click_args_kw(a, "ETH");
    if (!ip) ip = click_args_next(a);
    if (!eth) eth = click_args_next(a);
    if (!ip || click_parse_ip(ip, &q->myip) < 0) {
        click_errh_here(errh, "expected IP address");
        return -1;
    }
    if (!eth || click_parse_ether(eth, q->mymac) < 0) {
        click_errh_here(errh, "expected Ethernet address");
        return -1;
    }
    q->ent = calloc((size_t)q->maxent, sizeof *q->ent);
    if (!q->ent) return -1;
    return click_args_done(a);
}

static void aq_cleanup(click_element *e) {
    arpq *q = (arpq *)e;
    for (int i = 0; q->ent && i < q->nent; i++) {
        click_packet *p = q->ent[i].qhead;
        while (p) {
            click_packet *n = p->next;
            click_packet_kill(p);
            p = n;
        }
    }
    free(q->ent);
    q->ent = NULL;
}

static arpent *aq_find(arpq *q, uint32_t ip) {
    for (int i = 0; i < q->nent; i++)
        if (q->ent[i].ip == ip) return &q->ent[i];
    return NULL;
}

static void aq_send_encap(click_element *e, click_packet *p, const uint8_t *dmac) {
    arpq *q = (arpq *)e;
    if (!click_packet_push(p, ETH_HLEN)) {
        q->drops++;
        click_packet_kill(p);
        return;
    }
    memcpy(p->data, dmac, 6);
    memcpy(p->data + 6, q->mymac, 6);
    wr16(p->data + 12, ETHERTYPE_IP);
    p->mac_off = (int32_t)(p->data - p->head);
    q->count++;
    click_output_push(e, 0, p);
}

static void aq_query(click_element *e, arpent *en, uint64_t now) {
    arpq *q = (arpq *)e;
    click_packet *r = click_packet_alloc(click_element_pool(e), ETH_HLEN + ARP_LEN);
    if (!r) return;
    static const uint8_t zero[6] = {0};
    build_arp(r->data, bcast, q->mymac, ARP_OP_REQUEST, q->mymac, q->myip, zero, en->ip);
    r->mac_off = (int32_t)(r->data - r->head);
    en->queried = true;
    en->last_query_ns = now;
    q->queries++;
    click_output_push(e, e->noutputs > 1 ? 1 : 0, r);
}

static void aq_ip(click_element *e, click_packet *p) {
    arpq *q = (arpq *)e;
    uint32_t dst = p->dst_ip;
    if (!dst) {
        const uint8_t *ip = click_packet_network_header(p);
        if (!ip || ip < p->data || ip > p->data + p->len) ip = p->data;
        if ((uint32_t)(p->data + p->len - ip) < 20) {
            q->drops++;
            click_packet_kill(p);
            return;
        }
        dst = rd32(ip + IPV_DST);
    }
    if (dst == 0xffffffffu) {
        aq_send_encap(e, p, bcast);
        return;
    }
    uint64_t now = click_element_now(e);
    arpent *en = aq_find(q, dst);
    if (en && en->known && q->timeout_ns && now - en->learned_ns > q->timeout_ns)
        en->known = false; /* expired: resolve again */
    if (en && en->known) {
        aq_send_encap(e, p, en->mac);
        return;
    }
    if (!en) {
        if (q->nent == q->maxent) {
            q->drops++;
            click_packet_kill(p);
            return;
        }
        en = &q->ent[q->nent++];
        memset(en, 0, sizeof *en);
        en->ip = dst;
    }
    if (en->qlen >= q->capacity) {
        q->drops++;
        click_packet_kill(p);
    } else {
        p->next = NULL;
        if (en->qtail) en->qtail->next = p;
        else en->qhead = p;
        en->qtail = p;
        en->qlen++;
    }
    if (!en->queried || now - en->last_query_ns >= 1000000000ull) aq_query(e, en, now);
}

static void aq_arp(click_element *e, click_packet *p) {
    arpq *q = (arpq *)e;
    if (!is_arp(p, 0)) {
        q->drops++;
        click_packet_kill(p);
        return;
    }
    const uint8_t *a = p->data + ETH_HLEN;
    uint32_t spa = rd32(a + ARP_SPA);
    int op = rd16(a + ARP_OP);
    arpent *en = aq_find(q, spa);
    if (op == ARP_OP_REPLY) q->responses++;
    /* learn from replies, and from requests about addresses we care about */
    if (op == ARP_OP_REPLY || en) {
        if (!en && q->nent < q->maxent) {
            en = &q->ent[q->nent++];
            memset(en, 0, sizeof *en);
            en->ip = spa;
        }
        if (en && spa != 0) {
            memcpy(en->mac, a + ARP_SHA, 6);
            en->known = true;
            en->learned_ns = click_element_now(e);
            click_packet *w = en->qhead;
            en->qhead = en->qtail = NULL;
            en->qlen = 0;
            while (w) {
                click_packet *n = w->next;
                w->next = NULL;
                aq_send_encap(e, w, en->mac);
                w = n;
            }
        }
    }
    click_packet_kill(p);
}

static void aq_push(click_element *e, int port, click_packet *p) {
    if (port == 0) aq_ip(e, p);
    else aq_arp(e, p);
}

static void h_table(click_element *e, char *b, size_t l) {
    arpq *q = (arpq *)e;
    size_t n = 0;
    b[0] = 0;
    for (int i = 0; i < q->nent && n < l; i++) {
        char ips[16], macs[18];
        n += (size_t)snprintf(b + n, l - n, "%s%s %s %d", n ? "\n" : "", click_ip_str(q->ent[i].ip, ips),
                              q->ent[i].known ? click_ether_str(q->ent[i].mac, macs) : "unknown",
                              q->ent[i].qlen);
    }
}
#define AQ_STAT(name, field)                                                   \
    static void h_##name(click_element *e, char *b, size_t l) {               \
        snprintf(b, l, "%llu", (unsigned long long)((arpq *)e)->field);        \
    }
AQ_STAT(queries, queries)
AQ_STAT(responses, responses)
AQ_STAT(aqdrops, drops)
AQ_STAT(aqcount, count)
static const click_handler aq_handlers[] = {
    {"table", h_table, NULL},     {"queries", h_queries, NULL}, {"responses", h_responses, NULL},
    {"drops", h_aqdrops, NULL},   {"count", h_aqcount, NULL},   {NULL, NULL, NULL}};

const click_element_class click_class_ARPQuerier = {
    .name = "ARPQuerier", .ports = "2/1-2", .processing = "h/h", .size = sizeof(arpq),
    .configure = aq_configure, .cleanup = aq_cleanup, .push = aq_push, .handlers = aq_handlers};
