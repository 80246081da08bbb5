/* The ARP table (see el_arptable.h) and the ARPTable element.
 *   ARPTable(keywords CAPACITY (2048), ENTRY_CAPACITY, ENTRY_PACKET_CAPACITY,
 *            CAPACITY_SLIM_FACTOR, TIMEOUT (300s))
 *       No ports: a table that ARPQuerier(TABLE name, ...) elements use.
 *       Handlers: table, count (entries), length (packets held), drops;
 *       write insert "IP ETH", delete "IP", clear. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "el_arptable.h"
#include "../engine/click_net.h"

#define HZ 1000

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void arpt_init(arpt *t) {
    memset(t, 0, sizeof *t);
    t->capacity = 2048;
    t->timeout_j = 300 * HZ;
}

int arpt_configure(arpt *t, click_args *a, click_errh *errh) {
    struct { const char *kw; uint32_t *field; bool nonzero; } u32[] = {
        {"CAPACITY", &t->capacity, false},
        {"ENTRY_CAPACITY", &t->entry_capacity, false},
        {"ENTRY_PACKET_CAPACITY", &t->entry_packet_capacity, false},
        {"CAPACITY_SLIM_FACTOR", &t->slim_factor, true}};
    for (size_t i = 0; i < sizeof u32 / sizeof u32[0]; i++) {
        const char *v = click_args_kw(a, u32[i].kw);
        unsigned long long u;
        if (!v) continue;
        if (click_parse_uint(v, &u) < 0 || u > 0xffffffffull || (u32[i].nonzero && u == 0)) {
            click_errh_here(errh, "%s must be a%s integer", u32[i].kw,
                            u32[i].nonzero ? " positive" : "n unsigned");
            return -1;
        }
        *u32[i].field = (uint32_t)u;
    }
    const char *v = click_args_kw(a, "TIMEOUT");
    if (v) {
        uint64_t ns;
        if (click_parse_time_ns(v, &ns) < 0) {
            click_errh_here(errh, "TIMEOUT must be a time");
            return -1;
        }
        t->timeout_j = ns / 1000000u >= 0xffffffffull ? 0 : (int64_t)(ns / 1000000u);
    }
    return 0;
}

static unsigned hslot(uint32_t ip) { return (ip ^ ip >> 8 ^ ip >> 16 ^ ip >> 24) % ARPT_HASH; }

static arpt_entry *find(arpt *t, uint32_t ip) {
    for (arpt_entry *x = t->hash[hslot(ip)]; x; x = x->hnext)
        if (x->ip == ip) return x;
    return NULL;
}

static bool expired(const arpt *t, const arpt_entry *x, int64_t now) {
    return t->timeout_j && x->live_j + t->timeout_j < now;
}
static bool known(const arpt *t, const arpt_entry *x, int64_t now) {
    return x->known && !expired(t, x, now);
}
static bool allow_poll(const arpt_entry *x, int64_t now) {
    return now >= x->polled_j + (x->npolls >= 10 ? 2 * HZ : HZ / 10);
}
static void mark_poll(arpt_entry *x, int64_t now) {
    x->polled_j = now;
    if (x->npolls < 255) x->npolls++;
}

static void age_unlink(arpt *t, arpt_entry *x) {
    if (x->older) x->older->newer = x->newer;
    else t->oldest = x->newer;
    if (x->newer) x->newer->older = x->older;
    else t->newest = x->older;
    x->older = x->newer = NULL;
}
/* Link x just before `before` (NULL: at the newest end). */
static void age_link_before(arpt *t, arpt_entry *x, arpt_entry *before) {
    x->newer = before;
    x->older = before ? before->older : t->newest;
    if (x->older) x->older->newer = x;
    else t->oldest = x;
    if (before) before->older = x;
    else t->newest = x;
}

static uint32_t drop_packets(arpt *t, arpt_entry *x, uint32_t max) {
    uint32_t n = 0;
    while (x->head && n < max) {
        click_packet *p = x->head;
        x->head = p->next;
        if (!x->head) x->tail = NULL;
        click_packet_kill(p);
        x->npackets--;
        t->packets--;
        t->drops++;
        n++;
    }
    return n;
}

static void remove_entry(arpt *t, arpt_entry *x) {
    arpt_entry **pp = &t->hash[hslot(x->ip)];
    while (*pp != x) pp = &(*pp)->hnext;
    *pp = x->hnext;
    age_unlink(t, x);
    drop_packets(t, x, UINT32_MAX);
    t->entries--;
    free(x);
}

void arpt_clear(arpt *t) {
    while (t->oldest) remove_entry(t, t->oldest);
}

/* Remove expired entries and entries over ENTRY_CAPACITY (oldest first);
 * then, if over CAPACITY, drop packets of the oldest entries. */
static void slim(arpt *t, int64_t now) {
    while (t->oldest && (expired(t, t->oldest, now) ||
                         (t->entry_capacity && t->entries > t->entry_capacity)))
        remove_entry(t, t->oldest);
    if (t->capacity && t->packets > t->capacity) {
        uint32_t target = t->slim_factor ? t->capacity - t->capacity / t->slim_factor : t->capacity;
        if (target == 0) target = 1;
        for (arpt_entry *x = t->oldest; x && t->packets > target; x = x->newer)
            drop_packets(t, x, t->packets - target);
    }
}

/* Expired entries are also removed periodically (first after TIMEOUT's
 * whole seconds, then every TIMEOUT + 1 s), checked whenever the table
 * is used. */
static void sweep(arpt *t, int64_t now) {
    if (!t->timeout_j) return;
    if (!t->swept) {
        t->swept = true;
        t->next_sweep_j = now + t->timeout_j / HZ * HZ;
    }
    if (now >= t->next_sweep_j) {
        slim(t, now);
        t->next_sweep_j = now + (t->timeout_j / HZ + 1) * HZ;
    }
}

static arpt_entry *ensure(arpt *t, uint32_t ip, int64_t now) {
    arpt_entry *x = find(t, ip);
    if (x) return x;
    x = calloc(1, sizeof *x);
    if (!x) return NULL;
    t->entries++;
    if (t->entry_capacity && t->entries > t->entry_capacity) slim(t, now);
    x->ip = ip;
    memcpy(x->mac, bcast, 6);
    x->live_j = now;
    x->polled_j = now - HZ;
    unsigned h = hslot(ip);
    x->hnext = t->hash[h];
    t->hash[h] = x;
    age_link_before(t, x, NULL);
    return x;
}

int arpt_lookup(arpt *t, uint32_t ip, uint8_t mac[6], int64_t poll_timeout_j, int64_t now) {
    sweep(t, now);
    arpt_entry *x = find(t, ip);
    if (!x || !known(t, x, now)) return -1;
    memcpy(mac, x->mac, 6);
    if (poll_timeout_j && now >= x->live_j + poll_timeout_j && allow_poll(x, now)) {
        mark_poll(x, now);
        return 1;
    }
    return 0;
}

int arpt_insert(arpt *t, uint32_t ip, const uint8_t mac[6], int64_t now, click_packet **waiting) {
    sweep(t, now);
    arpt_entry *x = ensure(t, ip, now);
    if (!x) return -1;
    memcpy(x->mac, mac, 6);
    x->known = memcmp(mac, bcast, 6) != 0;
    x->live_j = now;
    x->npolls = 0;
    x->polled_j = now - HZ;
    age_unlink(t, x);
    age_link_before(t, x, NULL);
    if (waiting) {
        *waiting = x->head;
        x->head = x->tail = NULL;
        t->packets -= x->npackets;
        x->npackets = 0;
    }
    return 0;
}

int arpt_append(arpt *t, uint32_t ip, click_packet *p, int64_t now) {
    sweep(t, now);
    arpt_entry *x = ensure(t, ip, now);
    if (!x) return -1;
    if (known(t, x, now)) return -2;
    /* While packets keep coming for it, the entry stays just short of
     * expiring, so that slimming below cannot remove it. */
    if (t->timeout_j && x->live_j < now - t->timeout_j) {
        x->live_j = now - t->timeout_j;
        arpt_entry *next = x->newer;
        while (next && next->live_j < x->live_j) next = next->newer;
        if (next != x->newer) {
            age_unlink(t, x);
            age_link_before(t, x, next);
        }
    }
    if (t->entry_packet_capacity && x->npackets >= t->entry_packet_capacity) {
        t->drops++;
        return -1;
    }
    t->packets++;
    if (t->capacity && t->packets > t->capacity) slim(t, now);
    p->next = NULL;
    if (x->tail) x->tail->next = p;
    else x->head = p;
    x->tail = p;
    x->npackets++;
    if (allow_poll(x, now)) {
        mark_poll(x, now);
        return 1;
    }
    return 0;
}

void arpt_format(arpt *t, int64_t now, char *buf, size_t len) {
    sweep(t, now);
    size_t n = 0;
    buf[0] = 0;
    for (arpt_entry *x = t->oldest; x && n < len; x = x->newer) {
        char ip[16];
        const uint8_t *m = x->mac;
        int64_t age = now - x->live_j;
        if (age < 0) age = 0;
        n += (size_t)snprintf(buf + n, len - n, "%s %d %02X-%02X-%02X-%02X-%02X-%02X %lld.%06lld\n",
                              click_ip_str(x->ip, ip), known(t, x, now) ? 1 : 0, m[0], m[1], m[2],
                              m[3], m[4], m[5], (long long)(age / HZ), (long long)(age % HZ * 1000));
    }
}

int arpt_write_insert(arpt *t, const char *v, int64_t now, click_errh *errh) {
    char w[3][64];
    uint32_t ip;
    uint8_t mac[6];
    if (click_split_words(v, w, 3) != 2 || click_parse_ip(w[0], &ip) < 0 ||
        click_parse_ether(w[1], mac) < 0) {
        click_errh_here(errh, "insert: expected 'IP ETH'");
        return -1;
    }
    return arpt_insert(t, ip, mac, now, NULL) < 0 ? -1 : 0;
}

int arpt_write_delete(arpt *t, const char *v, int64_t now, click_errh *errh) {
    char w[2][64];
    uint32_t ip;
    if (click_split_words(v, w, 2) != 1 || click_parse_ip(w[0], &ip) < 0) {
        click_errh_here(errh, "delete: expected an IP address");
        return -1;
    }
    return arpt_insert(t, ip, bcast, now, NULL) < 0 ? -1 : 0;
}

/* ---- the ARPTable element ---- */

typedef struct arptable_el {
    click_element e;
    arpt t;
} arptable_el;

extern const click_element_class click_class_ARPTable;
extern const click_element_class click_class_ARPQuerier;

arpt *arpt_of(click_element *e) {
    if (!e) return NULL;
    if (e->cls == &click_class_ARPTable) return &((arptable_el *)e)->t;
    if (e->cls == &click_class_ARPQuerier) return arpq_table(e);
    return NULL;
}

static int at_configure(click_element *e, click_args *a, click_errh *errh) {
    arptable_el *x = (arptable_el *)e;
    arpt_init(&x->t);
    if (arpt_configure(&x->t, a, errh) < 0) return -1;
    return click_args_done(a);
}

static void at_cleanup(click_element *e) { arpt_clear(&((arptable_el *)e)->t); }

static void h_table(click_element *e, char *b, size_t l) {
    arpt_format(&((arptable_el *)e)->t, arpt_now(e), b, l);
}
static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%u", ((arptable_el *)e)->t.entries);
}
static void h_length(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%u", ((arptable_el *)e)->t.packets);
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((arptable_el *)e)->t.drops);
}
static int w_insert(click_element *e, const char *v, click_errh *errh) {
    return arpt_write_insert(&((arptable_el *)e)->t, v, arpt_now(e), errh);
}
static int w_delete(click_element *e, const char *v, click_errh *errh) {
    return arpt_write_delete(&((arptable_el *)e)->t, v, arpt_now(e), errh);
}
static int w_clear(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    arpt_clear(&((arptable_el *)e)->t);
    return 0;
}
static const click_handler at_handlers[] = {
    {"table", h_table, NULL},   {"count", h_count, NULL},     {"length", h_length, NULL},
    {"drops", h_drops, NULL},   {"insert", NULL, w_insert},   {"delete", NULL, w_delete},
    {"clear", NULL, w_clear},   {NULL, NULL, NULL}};

const click_element_class click_class_ARPTable = {
    .name = "ARPTable", .ports = "0/0", .processing = "/", .size = sizeof(arptable_el),
    .configure = at_configure, .cleanup = at_cleanup, .handlers = at_handlers};
