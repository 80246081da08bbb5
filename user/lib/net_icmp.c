/* ICMP (RFC 792): checksum validation and echo replies. */
#include <string.h>
#include "net_proto.h"

int net_icmp_parse(const uint8_t *f, size_t len, struct net_pkt *pk)
{
    (void)len;                         /* l4_off + l4_len <= len: checked by net_ipv4_parse */
    if (pk->l4_len < NET_ICMP_HLEN)
        return NET_E_ICMP_TRUNC;
    const uint8_t *m = f + pk->l4_off;
    if (net_csum_fold(net_csum_add(0, m, pk->l4_len)) != 0)
        return NET_E_ICMP_CSUM;
    pk->icmp_type = m[0];
    pk->icmp_code = m[1];
    return m[0] == NET_ICMP_ECHO_REQUEST && m[1] == 0 ? NET_K_ICMP_ECHO : NET_K_ICMP_OTHER;
}

int net_icmp_build_echo_reply(uint8_t *f, size_t cap, const uint8_t *req, const struct net_pkt *pk,
                              const uint8_t mac[NET_ETH_ALEN], uint16_t ip_id)
{
    size_t total = NET_ETH_HLEN + NET_IPV4_HLEN + pk->l4_len;
    size_t out = total < NET_ETH_MIN_FRAME ? NET_ETH_MIN_FRAME : total;
    if (pk->l4_len < NET_ICMP_HLEN || cap < out)
        return -1;
    if (out > total)
        memset(f + total, 0, out - total);
    net_eth_build(f, pk->eth_src, mac, NET_ETHERTYPE_IPV4);
    net_ipv4_build(f + NET_ETH_HLEN, pk->ip_dst, pk->ip_src, NET_IPPROTO_ICMP, ip_id, pk->l4_len);
    uint8_t *m = f + NET_ETH_HLEN + NET_IPV4_HLEN;
    memmove(m, req + pk->l4_off, pk->l4_len);   /* identifier, sequence, data kept */
    m[0] = NET_ICMP_ECHO_REPLY;
    m[1] = 0;
    net_put16(m + 2, 0);
    net_put16(m + 2, net_csum_fold(net_csum_add(0, m, pk->l4_len)));
    return (int)out;
}
