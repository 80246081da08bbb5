/* The ARP table shared by ARPTable and ARPQuerier (el_arptable.c).
 *
 * Entries map an IPv4 address to an Ethernet address and hold the packets
 * waiting for it. They are kept on an age list (least recently confirmed
 * first) and in a hash by address. Times are in milliseconds of the
 * engine's clock ("jiffies"). An entry is known while it has a real (not
 * broadcast) address and has not expired (TIMEOUT after it was last
 * confirmed; 0 = never). Queries for one address are limited to one per
 * 100 ms, and one per 2 s after ten unanswered ones.
 *
 * Limits: CAPACITY packets in all (0 = no limit); when a new packet goes
 * over it, packets are dropped from the oldest entries first, down to
 * CAPACITY, or to CAPACITY - CAPACITY/SLIM_FACTOR when a slim factor is
 * given. ENTRY_CAPACITY entries (0 = no limit; the oldest entries go first).
 * ENTRY_PACKET_CAPACITY packets per entry (0 = no limit; further packets
 * for a full entry are dropped). */
#ifndef EL_ARPTABLE_H
#define EL_ARPTABLE_H

#include "../engine/click_element.h"

#define ARPT_HASH 256

typedef struct arpt_entry arpt_entry;
struct arpt_entry {
    uint32_t ip;
    uint8_t mac[6];
    bool known;
    uint8_t npolls;                /* queries since the last reply */
    int64_t live_j, polled_j;
    click_packet *head, *tail;
    uint32_t npackets;
    arpt_entry *hnext;             /* hash chain */
    arpt_entry *older, *newer;     /* age list */
};

typedef struct arpt {
    arpt_entry *hash[ARPT_HASH];
    arpt_entry *oldest, *newest;
    uint32_t entries, packets;
    uint64_t drops;
    uint32_t capacity, entry_capacity, entry_packet_capacity, slim_factor;
    int64_t timeout_j;             /* 0: entries never expire */
    int64_t next_sweep_j;          /* next periodic removal of expired entries */
    bool swept;
} arpt;

/* Defaults: CAPACITY 2048, TIMEOUT 300 s, no other limits. */
void arpt_init(arpt *t);
/* Read the table keywords (CAPACITY, ENTRY_CAPACITY, ENTRY_PACKET_CAPACITY,
 * CAPACITY_SLIM_FACTOR, TIMEOUT) from a. Returns 0 or -1. */
int arpt_configure(arpt *t, click_args *a, click_errh *errh);
/* Remove every entry, dropping the packets they hold. */
void arpt_clear(arpt *t);
/* The address for ip if it is known: returns 0 and fills mac, or 1 when the
 * entry is also due for a refreshing query (older than poll_timeout_j,
 * 0 = never; the query is then counted as sent). -1 if unknown. */
int arpt_lookup(arpt *t, uint32_t ip, uint8_t mac[6], int64_t poll_timeout_j, int64_t now);
/* Learn ip -> mac (broadcast: forget it). If waiting is non-NULL, the packets
 * held for ip are handed over there (a chain through next). -1 on no memory. */
int arpt_insert(arpt *t, uint32_t ip, const uint8_t mac[6], int64_t now, click_packet **waiting);
/* Hold p until ip is resolved. Returns 1 if a query should go out now, 0 if
 * not, -1 if p could not be held (the caller still owns it), or -2 if ip is
 * known after all (look it up again). */
int arpt_append(arpt *t, uint32_t ip, click_packet *p, int64_t now);
/* "IP KNOWN ETH AGE" lines, oldest first. */
void arpt_format(arpt *t, int64_t now, char *buf, size_t len);
/* Handlers "insert IP ETH" and "delete IP". */
int arpt_write_insert(arpt *t, const char *v, int64_t now, click_errh *errh);
int arpt_write_delete(arpt *t, const char *v, int64_t now, click_errh *errh);

/* The table of an ARPTable or ARPQuerier element (NULL for other classes). */
arpt *arpt_of(click_element *e);
/* ARPQuerier's table (el_arp.c). */
arpt *arpq_table(click_element *e);

static inline int64_t arpt_now(click_element *e) {
    return (int64_t)(click_element_now(e) / 1000000u);
}

#endif
