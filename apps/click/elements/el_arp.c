/* ARP.
 *   ARPResponder(ENTRY, ...)  each ENTRY "IP [IP...] ETH" or "IP/LEN ETH".
 *       Answers ARP requests (Ethernet frames) for those addresses with a
 *       reply on output 0. Other packets go to output 1, or are dropped.
 *       Handlers: count (replies), drops.
 *   ARPQuerier(IP, ETH [, keywords TABLE, POLL_TIMEOUT, BROADCAST_POLL,
 *              BROADCAST, and the table keywords of el_arptable.h])
 *       Input 0: IP packets, sent to the destination-IP annotation (without
 *       one, the IP header's destination). Input 1: ARP replies, which
 *       teach it addresses. IP may be a prefix (IP/LEN): its broadcast
 *       address, like 255.255.255.255, goes to Ethernet broadcast; multicast
 *       destinations map to 01:00:5e:...; known destinations are
 *       encapsulated in Ethernet and sent on output 0. Packets for unknown
 *       ones are held in the ARP table while a query goes out on the last
 *       output (output 1 if present, else 0), at most one per 100 ms per
 *       address. A known entry older than POLL_TIMEOUT (60 s) is refreshed
 *       by a query sent to its address (broadcast with BROADCAST_POLL true).
 *       TABLE names an ARPTable (or another ARPQuerier) whose table is used
 *       instead of an own one. Handlers: table, count (entries), length
 *       (packets held), queries, responses, drops (including the table's),
 *       stats; write insert "IP ETH", delete "IP", clear. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"
#include "el_arptable.h"

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

/* A prefix "a.b.c.d/len" (or mask); the address of a prefix may be cut
 * short ("10/8", "2.1/16", "0/0"), the missing bytes being zero. */
static int parse_prefix(const char *w, uint32_t *addr, uint32_t *mask) {
    if (click_parse_ip_prefix(w, addr, mask) == 0) return 0;
    const char *slash = strchr(w, '/');
    if (!slash || slash - w > 15) return -1;
    char buf[64];
    size_t n = (size_t)(slash - w);
    memcpy(buf, w, n);
    int dots = 0;
    for (size_t i = 0; i < n; i++) dots += buf[i] == '.';
    for (; dots < 3; dots++) {
        memcpy(buf + n, ".0", 2);
        n += 2;
    }
    if (strlen(slash) + n >= sizeof buf) return -1;
    strcpy(buf + n, slash);
    return click_parse_ip_prefix(buf, addr, mask);
}

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
            if (parse_prefix(words[i], &r->ent[r->n].addr, &r->ent[r->n].mask) < 0) {
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
    q->net_off = q->mac_off + ETH_HLEN;
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

typedef struct arpq {
    click_element e;
    uint32_t myip, bcastip;
    uint8_t mymac[6];
    arpt own;            /* the table, unless TABLE names another one */
    arpt *t;
    char table_name[128];
    int64_t poll_timeout_j;
    bool broadcast_poll;
    uint64_t queries, responses, drops;
} arpq;

arpt *arpq_table(click_element *e) { return ((arpq *)e)->t; }

static int aq_configure(click_element *e, click_args *a, click_errh *errh) {
    arpq *q = (arpq *)e;
    arpt_init(&q->own);
    q->t = &q->own;
    q->poll_timeout_j = 60000;
    if (arpt_configure(&q->own, a, errh) < 0) return -1;
    const char *v;
    if ((v = click_args_kw(a, "TABLE")) && click_parse_string(v, q->table_name, sizeof q->table_name) < 0) {
        click_errh_here(errh, "TABLE must be an element name");
        return -1;
    }
    if ((v = click_args_kw(a, "POLL_TIMEOUT"))) {
        uint64_t ns;
        if (click_parse_time_ns(v, &ns) < 0) {
            click_errh_here(errh, "POLL_TIMEOUT must be a time");
            return -1;
        }
        q->poll_timeout_j = ns / 1000000u >= 0xffffffffull ? 0 : (int64_t)(ns / 1000000u);
    }
    if ((v = click_args_kw(a, "BROADCAST_POLL")) && click_parse_bool(v, &q->broadcast_poll) < 0) {
        click_errh_here(errh, "BROADCAST_POLL must be a boolean");
        return -1;
    }
    const char *bc = click_args_kw(a, "BROADCAST");
    const char *ip = click_args_kw(a, "IP"), *eth = click_args_kw(a, "ETH");
    if (!ip) ip = click_args_next(a);
    if (!eth) eth = click_args_next(a);
    uint32_t mask = 0xffffffffu;
    if (!ip || (click_parse_ip(ip, &q->myip) < 0 && click_parse_ip_prefix(ip, &q->myip, &mask) < 0)) {
        click_errh_here(errh, "expected IP address");
        return -1;
    }
    if (!eth || click_parse_ether(eth, q->mymac) < 0) {
        click_errh_here(errh, "expected Ethernet address");
        return -1;
    }
    if (bc) {
        if (click_parse_ip(bc, &q->bcastip) < 0) {
            click_errh_here(errh, "BROADCAST must be an IP address");
            return -1;
        }
    } else {
        q->bcastip = q->myip | ~mask;
        if (q->bcastip == q->myip) q->bcastip = 0xffffffffu;
    }
    return click_args_done(a);
}

static int aq_initialize(click_element *e, click_errh *errh) {
    arpq *q = (arpq *)e;
    if (!q->table_name[0]) return 0;
    arpt *t = arpt_of(click_router_find(e->router, q->table_name));
    if (!t || t == &q->own) {
        click_errh_here(errh, "TABLE '%s' is not an ARPTable", q->table_name);
        return -1;
    }
    q->t = t;
    return 0;
}

static void aq_cleanup(click_element *e) { arpt_clear(&((arpq *)e)->own); }

/* Send an ARP request for p's destination: to the Ethernet destination p
 * already carries when refreshing a known entry (unless BROADCAST_POLL),
 * otherwise to broadcast. */
static void aq_query(click_element *e, const click_packet *p, bool unicast) {
    arpq *q = (arpq *)e;
    click_packet *r = click_packet_alloc(click_element_pool(e), ETH_HLEN + ARP_LEN);
    if (!r) return;
    static const uint8_t zero[6] = {0};
    const uint8_t *dst = unicast && !q->broadcast_poll ? p->data : bcast;
    build_arp(r->data, dst, q->mymac, ARP_OP_REQUEST, q->mymac, q->myip, zero, p->dst_ip);
    r->mac_off = (int32_t)(r->data - r->head);
    r->net_off = r->mac_off + ETH_HLEN;
    r->timestamp_ns = p->timestamp_ns;
    q->queries++;
    click_output_push(e, e->noutputs - 1, r);
}

/* p carries room for its Ethernet header at data (type already set). */
static void aq_resolve(click_element *e, click_packet *p) {
    arpq *q = (arpq *)e;
    uint32_t dst = p->dst_ip;
    uint8_t *d = p->data;
    for (;;) {
        int64_t now = arpt_now(e);
        int r = arpt_lookup(q->t, dst, d, q->poll_timeout_j, now);
        if (r >= 0) {
            if (r > 0) aq_query(e, p, true);
        } else if (dst == 0xffffffffu || dst == q->bcastip) {
            memcpy(d, bcast, 6);
        } else if ((dst >> 28) == 0xe) {
            d[0] = 0x01;
            d[1] = 0x00;
            d[2] = 0x5e;
            d[3] = (uint8_t)(dst >> 16 & 0x7f);
            d[4] = (uint8_t)(dst >> 8);
            d[5] = (uint8_t)dst;
        } else if (!dst) {
            q->drops++;
            click_packet_kill(p);
            return;
        } else {
            r = arpt_append(q->t, dst, p, now);
            if (r == -2) continue; /* became known: look it up again */
            if (r < 0) {
                click_packet_kill(p); /* counted by the table */
            } else if (r > 0) {
                aq_query(e, p, false); /* p is held by the table now */
            }
            return;
        }
        break;
    }
    memcpy(d + 6, q->mymac, 6);
    click_output_push(e, 0, p);
}

static void aq_ip(click_element *e, click_packet *p) {
    arpq *q = (arpq *)e;
    if (!p->dst_ip) {
        /* no destination annotation: take the IP header's */
        const uint8_t *ip = click_packet_network_header(p);
        if (!ip || ip < p->data || ip > p->data + p->len) ip = p->data;
        if ((uint32_t)(p->data + p->len - ip) >= 20) p->dst_ip = rd32(ip + IPV_DST);
    }
    if (!click_packet_push(p, ETH_HLEN)) {
        q->drops++;
        click_packet_kill(p);
        return;
    }
    p->mac_off = (int32_t)(p->data - p->head);
    wr16(p->data + 12, ETHERTYPE_IP);
    aq_resolve(e, p);
}

/* ARP replies teach the table; packets waiting for the address go out. */
static void aq_arp(click_element *e, click_packet *p) {
    arpq *q = (arpq *)e;
    if (p->len < ETH_HLEN + ARP_LEN) {
        click_packet_kill(p);
        return;
    }
    q->responses++;
    if (is_arp(p, ARP_OP_REPLY) && !(p->data[ETH_HLEN + ARP_SHA] & 1)) {
        const uint8_t *a = p->data + ETH_HLEN;
        click_packet *w = NULL;
        arpt_insert(q->t, rd32(a + ARP_SPA), a + ARP_SHA, arpt_now(e), &w);
        while (w) {
            click_packet *n = w->next;
            w->next = NULL;
            aq_resolve(e, w);
            w = n;
        }
    }
    click_packet_kill(p);
}

static void aq_push(click_element *e, int port, click_packet *p) {
    if (port == 0) aq_ip(e, p);
    else aq_arp(e, p);
}

static void h_table(click_element *e, char *b, size_t l) {
    arpt_format(((arpq *)e)->t, arpt_now(e), b, l);
}
static void h_stats(click_element *e, char *b, size_t l) {
    arpq *q = (arpq *)e;
    snprintf(b, l, "%llu packets killed\n%llu ARP queries sent\n",
             (unsigned long long)(q->drops + q->t->drops), (unsigned long long)q->queries);
}
#define AQ_STAT(name, expr)                                                    \
    static void h_##name(click_element *e, char *b, size_t l) {               \
        arpq *q = (arpq *)e;                                                   \
        snprintf(b, l, "%llu", (unsigned long long)(expr));                    \
    }
AQ_STAT(queries, q->queries)
AQ_STAT(responses, q->responses)
AQ_STAT(aqdrops, q->drops + q->t->drops)
AQ_STAT(aqcount, q->t->entries)
AQ_STAT(aqlength, q->t->packets)
static int w_aqinsert(click_element *e, const char *v, click_errh *errh) {
    return arpt_write_insert(((arpq *)e)->t, v, arpt_now(e), errh);
}
static int w_aqdelete(click_element *e, const char *v, click_errh *errh) {
    return arpt_write_delete(((arpq *)e)->t, v, arpt_now(e), errh);
}
static int w_aqclear(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    arpq *q = (arpq *)e;
    q->queries = q->responses = q->drops = 0;
    arpt_clear(q->t);
    return 0;
}
static const click_handler aq_handlers[] = {
    {"table", h_table, NULL},       {"stats", h_stats, NULL},       {"queries", h_queries, NULL},
    {"responses", h_responses, NULL}, {"drops", h_aqdrops, NULL},   {"count", h_aqcount, NULL},
    {"length", h_aqlength, NULL},   {"insert", NULL, w_aqinsert},   {"delete", NULL, w_aqdelete},
    {"clear", NULL, w_aqclear},     {NULL, NULL, NULL}};

const click_element_class click_class_ARPQuerier = {
    .name = "ARPQuerier", .ports = "2/1-2", .processing = "h/h", .size = sizeof(arpq),
    .configure = aq_configure, .initialize = aq_initialize, .cleanup = aq_cleanup,
    .push = aq_push, .handlers = aq_handlers};
