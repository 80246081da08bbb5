/* Packets and packet pools.
 *
 * A packet is one contiguous buffer [head, head+cap) holding the bytes
 * [data, data+len). The bytes before data are headroom (for Unstrip and
 * EtherEncap), the bytes after are tailroom. Annotations travel with the
 * packet: destination IP, paint, fix-IP-source flag, timestamp and the
 * offsets (from head) of the link, network and transport headers. Offsets rather than pointers keep the
 * annotations valid when the data pointer moves; -1 means "not set".
 *
 * A pool keeps fixed-size buffers on a free list so the steady state makes no
 * calls to malloc. Packets larger than the pool's buffer size get a buffer of
 * their own, returned to malloc when killed.
 */
#ifndef CLICK_PACKET_H
#define CLICK_PACKET_H

#include "click.h"

#define CLICK_HEADROOM   128u  /* default headroom of a fresh packet */
#define CLICK_POOL_BUFSZ 2048u /* data capacity of a pool buffer */

struct click_packet {
    uint8_t *head;            /* buffer start */
    uint8_t *data;            /* first byte of packet data */
    uint32_t len;             /* bytes of data */
    uint32_t cap;             /* buffer size */
    click_packet *next;       /* free list / queue link */
    click_pool *pool;
    bool own_buffer;          /* head was malloc'd separately */
    /* annotations */
    uint8_t paint;
    bool fix_ip_src;          /* the IP source still has to be chosen (ICMPError) */
    int32_t mac_off, net_off, trans_off;
    uint32_t dst_ip;          /* destination IP annotation, host byte order */
    uint16_t vlan_tci;        /* 802.1Q tag control (VLAN ID, priority), host order */
    uint64_t timestamp_ns;
};

struct click_pool {
    click_packet *free;
    uint32_t bufsz;       /* data capacity of a pooled buffer */
    uint64_t nalloc;      /* packets created (pooled + oversized) */
    uint64_t in_use;      /* packets currently outstanding */
};

click_pool *click_pool_create(uint32_t bufsz);
void click_pool_destroy(click_pool *pool);

/* New packet of len bytes (contents undefined) with CLICK_HEADROOM headroom.
 * Returns NULL only when memory runs out. */
click_packet *click_packet_alloc(click_pool *pool, uint32_t len);
/* New packet with a copy of len bytes from src. */
click_packet *click_packet_from(click_pool *pool, const void *src, uint32_t len);
void click_packet_kill(click_packet *p);
/* Copy of p (data and annotations, same headroom). NULL on no memory. */
click_packet *click_packet_clone(click_packet *p);

static inline uint32_t click_packet_headroom(const click_packet *p) {
    return (uint32_t)(p->data - p->head);
}
static inline uint32_t click_packet_tailroom(const click_packet *p) {
    return p->cap - click_packet_headroom(p) - p->len;
}
/* Remove n bytes from the front (n <= len). */
static inline void click_packet_pull(click_packet *p, uint32_t n) {
    if (n > p->len) n = p->len;
    p->data += n;
    p->len -= n;
}
/* Remove n bytes from the end. */
static inline void click_packet_take(click_packet *p, uint32_t n) {
    if (n > p->len) n = p->len;
    p->len -= n;
}
/* Add n bytes at the front (moving into a bigger buffer if the headroom is
 * short). Returns false when memory runs out (p is unchanged). */
bool click_packet_push(click_packet *p, uint32_t n);
/* Add n bytes at the end. Returns false when memory runs out. */
bool click_packet_put(click_packet *p, uint32_t n);

/* Header annotations. */
static inline uint8_t *click_packet_network_header(const click_packet *p) {
    return p->net_off >= 0 ? p->head + p->net_off : NULL;
}
static inline uint8_t *click_packet_transport_header(const click_packet *p) {
    return p->trans_off >= 0 ? p->head + p->trans_off : NULL;
}
static inline uint8_t *click_packet_mac_header(const click_packet *p) {
    return p->mac_off >= 0 ? p->head + p->mac_off : NULL;
}
static inline void click_packet_set_network_header(click_packet *p, const uint8_t *nh,
                                                   uint32_t nhlen) {
    p->net_off = (int32_t)(nh - p->head);
    p->trans_off = (int32_t)(nh - p->head + nhlen);
}
static inline void click_packet_set_mac_header(click_packet *p, const uint8_t *mh) {
    p->mac_off = (int32_t)(mh - p->head);
}
/* Bytes of data from the network header to the end of data; 0 if unset or
 * the header lies outside the data. */
static inline uint32_t click_packet_network_length(const click_packet *p) {
    if (p->net_off < 0) return 0;
    const uint8_t *nh = p->head + p->net_off;
    if (nh < p->data || nh > p->data + p->len) return 0;
    return (uint32_t)(p->data + p->len - nh);
}

#endif
