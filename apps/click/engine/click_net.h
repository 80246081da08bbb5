/* Byte-order helpers, checksums and header layouts for Ethernet, ARP, IPv4,
 * ICMP, TCP and UDP. Headers are read and written byte by byte so packets
 * need no particular alignment. Addresses are handled in host byte order. */
#ifndef CLICK_NET_H
#define CLICK_NET_H

#include <stdint.h>
#include <stddef.h>

#define ETH_HLEN 14
#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_ARP 0x0806
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

/* IPv4 header field offsets */
enum { IPV_VHL = 0, IPV_TOS = 1, IPV_LEN = 2, IPV_ID = 4, IPV_OFF = 6, IPV_TTL = 8,
       IPV_PROTO = 9, IPV_SUM = 10, IPV_SRC = 12, IPV_DST = 16 };
/* ARP (Ethernet/IPv4) field offsets from the ARP header */
enum { ARP_HRD = 0, ARP_PRO = 2, ARP_HLN = 4, ARP_PLN = 5, ARP_OP = 6, ARP_SHA = 8,
       ARP_SPA = 14, ARP_THA = 18, ARP_TPA = 24, ARP_LEN = 28 };
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One's-complement sum of len bytes (big-endian words), not folded. */
static inline uint32_t click_csum_partial(const uint8_t *p, size_t len, uint32_t sum) {
    while (len > 1) {
        sum += (uint32_t)(p[0] << 8 | p[1]);
        p += 2;
        len -= 2;
    }
    if (len) sum += (uint32_t)(p[0] << 8);
    return sum;
}
static inline uint16_t click_csum_fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}
/* Internet checksum of a buffer; a buffer that includes a correct checksum
 * field sums to 0. */
static inline uint16_t click_in_cksum(const uint8_t *p, size_t len) {
    return click_csum_fold(click_csum_partial(p, len, 0));
}
/* Incremental update (RFC 1624): field changed from old to new. */
static inline uint16_t click_csum_update16(uint16_t csum, uint16_t oldv, uint16_t newv) {
    uint32_t s = (uint16_t)~csum + (uint32_t)(uint16_t)~oldv + newv;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}
static inline uint16_t click_csum_update32(uint16_t csum, uint32_t oldv, uint32_t newv) {
    csum = click_csum_update16(csum, (uint16_t)(oldv >> 16), (uint16_t)(newv >> 16));
    return click_csum_update16(csum, (uint16_t)oldv, (uint16_t)newv);
}

/* IP header length in bytes of the header at ip (no checks). */
static inline unsigned ip_hlen(const uint8_t *ip) { return (unsigned)(ip[0] & 0x0f) * 4; }

/* ICMP types and codes by name ("timeexceeded", "unreachable"/"needfrag",
 * ...) or number 0-255. Codes are named within their type. Return 0 and set
 * *v, or -1. */
int click_icmp_type_parse(const char *s, int *v);
int click_icmp_code_parse(int type, const char *s, int *v);
/* ICMP error types (unreachable, source quench, redirect, time exceeded,
 * parameter problem). */
static inline int click_icmp_is_error(int type) {
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* Write "a.b.c.d" for a host-order address; returns buf. */
char *click_ip_str(uint32_t ip, char buf[16]);
char *click_ether_str(const uint8_t mac[6], char buf[18]);

#endif
