/* Ethernet II headers and Ethernet/IPv4 ARP (RFC 826). */
#include <string.h>
#include "net_proto.h"

static const uint8_t net_broadcast[NET_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int net_eth_parse(const uint8_t *f, size_t len, struct net_pkt *pk)
{
    if (len < NET_ETH_HLEN)
        return NET_E_ETH_TRUNC;
    memcpy(pk->eth_dst, f, NET_ETH_ALEN);
    memcpy(pk->eth_src, f + 6, NET_ETH_ALEN);
    pk->ethertype = net_get16(f + 12);
    return 0;
}

int net_arp_parse(const uint8_t *f, size_t len, struct net_pkt *pk)
{
    if (len < NET_ETH_HLEN + NET_ARP_LEN)
        return NET_E_ARP_TRUNC;
    const uint8_t *a = f + NET_ETH_HLEN;
    /* hardware type 1 (Ethernet), protocol IPv4, address lengths 6 and 4 */
    if (net_get16(a) != 1 || net_get16(a + 2) != NET_ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
        return NET_E_ARP_FORMAT;
    uint16_t op = net_get16(a + 6);
    if (op != NET_ARP_REQUEST && op != NET_ARP_REPLY)
        return NET_E_ARP_FORMAT;
    pk->arp_op = op;
    memcpy(pk->arp_sha, a + 8, NET_ETH_ALEN);
    pk->arp_spa = net_get32(a + 14);
    memcpy(pk->arp_tha, a + 18, NET_ETH_ALEN);
    pk->arp_tpa = net_get32(a + 24);
    return NET_K_ARP;
}

void net_eth_build(uint8_t *f, const uint8_t dst[NET_ETH_ALEN], const uint8_t src[NET_ETH_ALEN], uint16_t type)
{
    memcpy(f, dst, NET_ETH_ALEN);
    memcpy(f + 6, src, NET_ETH_ALEN);
    net_put16(f + 12, type);
}

static int net_arp_build(uint8_t *f, size_t cap, uint16_t op, const uint8_t eth_dst[NET_ETH_ALEN],
                         const uint8_t sha[NET_ETH_ALEN], uint32_t spa, const uint8_t tha[NET_ETH_ALEN],
                         uint32_t tpa)
{
    if (cap < NET_ETH_MIN_FRAME)
        return -1;
    memset(f, 0, NET_ETH_MIN_FRAME);       /* the padding after the body is zero */
    net_eth_build(f, eth_dst, sha, NET_ETHERTYPE_ARP);
    uint8_t *a = f + NET_ETH_HLEN;
    net_put16(a, 1);
    net_put16(a + 2, NET_ETHERTYPE_IPV4);
    a[4] = 6;
    a[5] = 4;
    net_put16(a + 6, op);
    memcpy(a + 8, sha, NET_ETH_ALEN);
    net_put32(a + 14, spa);
    memcpy(a + 18, tha, NET_ETH_ALEN);
    net_put32(a + 24, tpa);
    return NET_ETH_MIN_FRAME;
}

int net_arp_build_reply(uint8_t *f, size_t cap, const uint8_t mac[NET_ETH_ALEN], uint32_t ip,
                        const uint8_t dst_mac[NET_ETH_ALEN], uint32_t dst_ip)
{
    return net_arp_build(f, cap, NET_ARP_REPLY, dst_mac, mac, ip, dst_mac, dst_ip);
}

int net_arp_build_request(uint8_t *f, size_t cap, const uint8_t mac[NET_ETH_ALEN], uint32_t ip, uint32_t target_ip)
{
    static const uint8_t zero[NET_ETH_ALEN];
    return net_arp_build(f, cap, NET_ARP_REQUEST, net_broadcast, mac, ip, zero, target_ip);
}
