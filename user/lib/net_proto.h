/* Portable packet parsing and building: Ethernet, ARP, IPv4, ICMP echo, UDP,
 * TCP (segments are validated and built; connections are not kept here).
 *
 * No operating-system dependency: the same files build into EdgeOS user
 * programs (musl) and into host tests and fuzzers (glibc, clang).
 *
 * Conventions:
 *  - every function takes an explicit length and never reads or writes
 *    outside [buf, buf + len);
 *  - IPv4 addresses and ports in the structures are in host byte order;
 *  - parsers return a non-negative NET_K_* kind or a negative NET_E_* reason;
 *  - builders return the frame length written, or -1 if it does not fit
 *    (or, for net_ipv4_frame, if the packet has no valid IPv4 framing). */
#ifndef NET_PROTO_H
#define NET_PROTO_H
#include <stddef.h>
#include <stdint.h>

#define NET_ETH_ALEN      6
#define NET_ETH_HLEN      14
#define NET_ETH_MIN_FRAME 60          /* without the FCS; shorter frames are padded */
#define NET_ETH_MAX_FRAME 1514        /* without the FCS, no VLAN tag */
#define NET_ETHERTYPE_IPV4 0x0800
#define NET_ETHERTYPE_ARP  0x0806
#define NET_ARP_LEN       28          /* Ethernet/IPv4 ARP body */
#define NET_ARP_REQUEST   1
#define NET_ARP_REPLY     2
#define NET_IPV4_HLEN     20          /* without options */
#define NET_IPPROTO_ICMP  1
#define NET_IPPROTO_TCP   6
#define NET_IPPROTO_UDP   17
#define NET_ICMP_ECHO_REPLY   0
#define NET_ICMP_ECHO_REQUEST 8
#define NET_ICMP_HLEN     8
#define NET_UDP_HLEN      8
/* Largest UDP payload in one unfragmented Ethernet frame without options. */
#define NET_UDP_MAX_PAYLOAD (NET_ETH_MAX_FRAME - NET_ETH_HLEN - NET_IPV4_HLEN - NET_UDP_HLEN)
#define NET_TCP_HLEN      20          /* without options */
/* Largest TCP payload net_tcp_build puts in one frame (no IP or TCP options). */
#define NET_TCP_MAX_PAYLOAD (NET_ETH_MAX_FRAME - NET_ETH_HLEN - NET_IPV4_HLEN - NET_TCP_HLEN)
/* Largest IPv4 packet in one Ethernet frame (net_ipv4_frame). */
#define NET_IPV4_MAX_PACKET (NET_ETH_MAX_FRAME - NET_ETH_HLEN)
/* TCP flag bits (byte 13 of the header). */
#define NET_TCP_FIN 0x01
#define NET_TCP_SYN 0x02
#define NET_TCP_RST 0x04
#define NET_TCP_PSH 0x08
#define NET_TCP_ACK 0x10
#define NET_TCP_URG 0x20

/* What a frame is (non-negative results of net_classify and net_classify_ipv4). */
enum net_kind {
    NET_K_ARP = 0,        /* a well-formed Ethernet/IPv4 ARP request or reply */
    NET_K_ICMP_ECHO = 1,  /* an ICMP echo request with a valid checksum */
    NET_K_ICMP_OTHER = 2, /* any other valid ICMP message */
    NET_K_UDP = 3,        /* a valid UDP datagram (payload located) */
    NET_K_TCP = 4,        /* a valid TCP segment (payload located) */
};

/* Why a frame was refused (negative results). */
enum net_err {
    NET_E_ETH_TRUNC = -1,    /* shorter than an Ethernet header */
    NET_E_ETHERTYPE = -2,    /* neither IPv4 nor ARP (includes VLAN tags) */
    NET_E_ARP_TRUNC = -3,    /* ARP body shorter than 28 bytes */
    NET_E_ARP_FORMAT = -4,   /* not Ethernet/IPv4 ARP, or an unknown operation */
    NET_E_IP_TRUNC = -5,     /* shorter than a minimal IPv4 header */
    NET_E_IP_VERSION = -6,   /* version != 4 */
    NET_E_IP_IHL = -7,       /* IHL < 5 or header longer than the frame */
    NET_E_IP_TOTLEN = -8,    /* total length < header length or > frame */
    NET_E_IP_CSUM = -9,      /* header checksum wrong */
    NET_E_IP_FRAG = -10,     /* a fragment (MF set or offset != 0): not reassembled */
    NET_E_IP_PROTO = -11,    /* a protocol other than ICMP, UDP and TCP */
    NET_E_ICMP_TRUNC = -12,  /* shorter than an ICMP header */
    NET_E_ICMP_CSUM = -13,   /* ICMP checksum wrong */
    NET_E_UDP_TRUNC = -14,   /* shorter than a UDP header */
    NET_E_UDP_LEN = -15,     /* UDP length < 8 or beyond the IP payload */
    NET_E_UDP_CSUM = -16,    /* non-zero UDP checksum that does not verify */
    NET_E_IP_OPTIONS = -17,  /* an option whose length is < 2 or runs past the header */
    NET_E_TCP_TRUNC = -18,   /* shorter than a TCP header (20 bytes) */
    NET_E_TCP_OFF = -19,     /* data offset < 5, or the header runs past the segment */
    NET_E_TCP_CSUM = -20,    /* TCP checksum wrong (it is mandatory) */
    NET_E_TCP_FLAGS = -21,   /* SYN+FIN, SYN+RST, none of SYN/ACK/RST, or port 0 */
};
#define NET_E_COUNT 22       /* -NET_E_* is below this (for counter arrays) */

/* Everything the classifier learned about a frame. Offsets are from the
 * start of the buffer classified (the frame, or for net_classify_ipv4 the
 * IPv4 header, whose Ethernet fields stay zero); fields not relevant to the
 * kind are zero. */
struct net_pkt {
    uint8_t eth_dst[NET_ETH_ALEN], eth_src[NET_ETH_ALEN];
    uint16_t ethertype;
    /* ARP */
    uint16_t arp_op;
    uint8_t arp_sha[NET_ETH_ALEN], arp_tha[NET_ETH_ALEN];
    uint32_t arp_spa, arp_tpa;
    /* IPv4 */
    uint32_t ip_src, ip_dst;
    uint8_t ip_proto, ip_ttl;
    uint16_t ip_id;
    size_t ip_off, ip_hlen, ip_totlen;   /* ip_hlen includes options */
    size_t l4_off, l4_len;               /* the IP payload */
    /* ICMP */
    uint8_t icmp_type, icmp_code;
    /* UDP */
    uint16_t udp_sport, udp_dport;
    size_t payload_off, payload_len;     /* UDP or TCP payload */
    /* TCP (options are skipped, not interpreted) */
    uint16_t tcp_sport, tcp_dport;
    uint32_t tcp_seq, tcp_ack;
    uint8_t tcp_flags;                   /* the whole flags byte, NET_TCP_* and ECE/CWR */
    uint16_t tcp_win;
    size_t tcp_hlen;                     /* data offset * 4: header with options */
};

/* ---- byte order helpers (explicit, alignment-free) ---- */
static inline uint16_t net_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t net_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void net_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void net_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* ---- net_csum.c: the Internet checksum (RFC 1071) ---- */
/* Adds len bytes to a running 32-bit one's-complement sum. Odd lengths are
 * padded with a zero byte, so only the last piece of a sum may be odd. */
uint32_t net_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t net_csum_fold(uint32_t sum);             /* final complement */
/* Sum of the IPv4 pseudo header for protocol proto and l4len bytes. */
uint32_t net_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t l4len);

/* ---- net_eth.c: Ethernet and ARP ---- */
int net_eth_parse(const uint8_t *f, size_t len, struct net_pkt *pk);
int net_arp_parse(const uint8_t *f, size_t len, struct net_pkt *pk);
/* Writes the 14-byte Ethernet header. */
void net_eth_build(uint8_t *f, const uint8_t dst[NET_ETH_ALEN], const uint8_t src[NET_ETH_ALEN], uint16_t type);
/* An ARP reply from (mac, ip) to (dst_mac, dst_ip), padded to 60 bytes. */
int net_arp_build_reply(uint8_t *f, size_t cap, const uint8_t mac[NET_ETH_ALEN], uint32_t ip,
                        const uint8_t dst_mac[NET_ETH_ALEN], uint32_t dst_ip);
/* An ARP request for target_ip, broadcast (used by tests and announcements). */
int net_arp_build_request(uint8_t *f, size_t cap, const uint8_t mac[NET_ETH_ALEN], uint32_t ip, uint32_t target_ip);

/* ---- net_ipv4.c: IPv4 header ---- */
/* The IPv4 header after the Ethernet header of frame f. */
int net_ipv4_parse(const uint8_t *f, size_t len, struct net_pkt *pk);
/* The same for an IPv4 header at f + off (offsets in *pk are from f). */
int net_ipv4_parse_at(const uint8_t *f, size_t len, size_t off, struct net_pkt *pk);
/* Writes a 20-byte IPv4 header (no options, DF clear, TTL 64) with its
 * checksum at f; payload_len is the length that follows it. */
void net_ipv4_build(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id, size_t payload_len);
/* A frame carrying the IPv4 packet ip (iplen bytes, copied as they are after
 * a new Ethernet header) with its identification set to ip_id and the header
 * checksum recomputed; padded to 60 bytes. -1 if it does not fit cap or one
 * frame (NET_IPV4_MAX_PACKET), or ip has no IPv4 version/IHL that fits iplen.
 * Nothing else is checked: validate with net_classify_ipv4 first. ip may
 * overlap f. */
int net_ipv4_frame(uint8_t *f, size_t cap, const uint8_t src_mac[NET_ETH_ALEN], const uint8_t dst_mac[NET_ETH_ALEN],
                   const uint8_t *ip, size_t iplen, uint16_t ip_id);

/* ---- net_icmp.c: ICMP ---- */
int net_icmp_parse(const uint8_t *f, size_t len, struct net_pkt *pk);
/* The echo reply to the echo request frame req (classified into pk): same
 * identifier, sequence and payload; addresses swapped; options dropped. */
int net_icmp_build_echo_reply(uint8_t *f, size_t cap, const uint8_t *req, const struct net_pkt *pk,
                              const uint8_t mac[NET_ETH_ALEN], uint16_t ip_id);

/* ---- net_udp.c: UDP ---- */
int net_udp_parse(const uint8_t *f, size_t len, struct net_pkt *pk);
/* A complete Ethernet/IPv4/UDP frame carrying payload, UDP checksum set. */
int net_udp_build(uint8_t *f, size_t cap, const uint8_t src_mac[NET_ETH_ALEN], const uint8_t dst_mac[NET_ETH_ALEN],
                  uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport, uint16_t ip_id,
                  const uint8_t *payload, size_t plen);

/* ---- net_tcp.c: TCP (RFC 9293 header; no connection state) ---- */
/* Validates the segment in the IP payload located by net_ipv4_parse*: data
 * offset, checksum over the pseudo header, flag combination, ports. */
int net_tcp_parse(const uint8_t *f, size_t len, struct net_pkt *pk);
/* A complete Ethernet/IPv4/TCP frame: 20-byte TCP header (no options),
 * both checksums set, padded to 60 bytes. -1 if plen > NET_TCP_MAX_PAYLOAD
 * or the frame does not fit cap. payload may overlap f. */
int net_tcp_build(uint8_t *f, size_t cap, const uint8_t src_mac[NET_ETH_ALEN], const uint8_t dst_mac[NET_ETH_ALEN],
                  uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                  uint8_t flags, uint16_t win, uint16_t ip_id, const uint8_t *payload, size_t plen);

/* ---- net_classify.c: the whole-frame classifier ---- */
/* Parses the frame layer by layer; fills *pk (zeroed first). */
int net_classify(const uint8_t *f, size_t len, struct net_pkt *pk);
/* The same checks from the IPv4 layer down, for a bare IPv4 packet at ip
 * (no Ethernet header; offsets in *pk are from ip, ip_off is 0). */
int net_classify_ipv4(const uint8_t *ip, size_t len, struct net_pkt *pk);
const char *net_err_name(int err);

/* Dotted-quad parsing/printing: parse returns 0 or -1; buf >= 16 bytes. */
int net_ip_parse(const char *s, uint32_t *ip);
const char *net_ip_str(uint32_t ip, char buf[16]);
#endif
