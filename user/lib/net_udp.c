/* UDP (RFC 768): validation (checksum optional on receive, as IPv4 allows)
 * and construction (checksum always computed). */
#include <string.h>
#include "net_proto.h"

int net_udp_parse(const uint8_t *f, size_t len, struct net_pkt *pk)
{
    (void)len;                         /* l4_off + l4_len <= len: checked by net_ipv4_parse */
    if (pk->l4_len < NET_UDP_HLEN)
        return NET_E_UDP_TRUNC;
    const uint8_t *u = f + pk->l4_off;
    size_t ulen = net_get16(u + 4);
    if (ulen < NET_UDP_HLEN || ulen > pk->l4_len)
        return NET_E_UDP_LEN;
    if (net_get16(u + 6) != 0) {
        uint32_t s = net_csum_pseudo(pk->ip_src, pk->ip_dst, NET_IPPROTO_UDP, ulen);
        if (net_csum_fold(net_csum_add(s, u, ulen)) != 0)
            return NET_E_UDP_CSUM;
    }
    pk->udp_sport = net_get16(u);
    pk->udp_dport = net_get16(u + 2);
    pk->payload_off = pk->l4_off + NET_UDP_HLEN;
    pk->payload_len = ulen - NET_UDP_HLEN;
    return NET_K_UDP;
}

int net_udp_build(uint8_t *f, size_t cap, const uint8_t src_mac[NET_ETH_ALEN], const uint8_t dst_mac[NET_ETH_ALEN],
                  uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport, uint16_t ip_id,
                  const uint8_t *payload, size_t plen)
{
    if (plen > NET_UDP_MAX_PAYLOAD)
        return -1;
    size_t ulen = NET_UDP_HLEN + plen;
    size_t total = NET_ETH_HLEN + NET_IPV4_HLEN + ulen;
    size_t out = total < NET_ETH_MIN_FRAME ? NET_ETH_MIN_FRAME : total;
    if (cap < out)
        return -1;
    if (out > total)
        memset(f + total, 0, out - total);
    net_eth_build(f, dst_mac, src_mac, NET_ETHERTYPE_IPV4);
    net_ipv4_build(f + NET_ETH_HLEN, src_ip, dst_ip, NET_IPPROTO_UDP, ip_id, ulen);
    uint8_t *u = f + NET_ETH_HLEN + NET_IPV4_HLEN;
    net_put16(u, sport);
    net_put16(u + 2, dport);
    net_put16(u + 4, (uint16_t)ulen);
    net_put16(u + 6, 0);
    memmove(u + NET_UDP_HLEN, payload, plen);
    uint16_t c = net_csum_fold(net_csum_add(net_csum_pseudo(src_ip, dst_ip, NET_IPPROTO_UDP, ulen), u, ulen));
    net_put16(u + 6, c ? c : 0xffff);  /* 0 means "no checksum" on the wire */
    return (int)out;
}
