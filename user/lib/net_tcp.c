/* TCP segments (RFC 9293): header validation and construction. There is no
 * connection state here; options are skipped via the data offset, never
 * interpreted. */
#include <string.h>
#include "net_proto.h"

/* Flag combinations no TCP sends: SYN with FIN or RST, or none of SYN, ACK,
 * RST (null and FIN-only scans); and port 0 at either end. */
static int net_tcp_flags_ok(uint8_t flags, uint16_t sport, uint16_t dport)
{
    if ((flags & NET_TCP_SYN) && (flags & (NET_TCP_FIN | NET_TCP_RST)))
        return 0;
    if (!(flags & (NET_TCP_SYN | NET_TCP_ACK | NET_TCP_RST)))
        return 0;
    return sport != 0 && dport != 0;
}

int net_tcp_parse(const uint8_t *f, size_t len, struct net_pkt *pk)
{
    (void)len;                         /* l4_off + l4_len <= len: checked by net_ipv4_parse_at */
    if (pk->l4_len < NET_TCP_HLEN)
        return NET_E_TCP_TRUNC;
    const uint8_t *t = f + pk->l4_off;
    size_t hlen = (size_t)(t[12] >> 4) * 4;
    if (hlen < NET_TCP_HLEN || hlen > pk->l4_len)
        return NET_E_TCP_OFF;
    /* The segment is the whole IP payload (TCP has no length field). */
    uint32_t s = net_csum_pseudo(pk->ip_src, pk->ip_dst, NET_IPPROTO_TCP, pk->l4_len);
    if (net_csum_fold(net_csum_add(s, t, pk->l4_len)) != 0)
        return NET_E_TCP_CSUM;
    uint16_t sport = net_get16(t), dport = net_get16(t + 2);
    if (!net_tcp_flags_ok(t[13], sport, dport))
        return NET_E_TCP_FLAGS;
    pk->tcp_sport = sport;
    pk->tcp_dport = dport;
    pk->tcp_seq = net_get32(t + 4);
    pk->tcp_ack = net_get32(t + 8);
    pk->tcp_flags = t[13];
    pk->tcp_win = net_get16(t + 14);
    pk->tcp_hlen = hlen;
    pk->payload_off = pk->l4_off + hlen;
    pk->payload_len = pk->l4_len - hlen;
    return NET_K_TCP;
}

int net_tcp_build(uint8_t *f, size_t cap, const uint8_t src_mac[NET_ETH_ALEN], const uint8_t dst_mac[NET_ETH_ALEN],
                  uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                  uint8_t flags, uint16_t win, uint16_t ip_id, const uint8_t *payload, size_t plen)
{
    if (plen > NET_TCP_MAX_PAYLOAD)
        return -1;
    size_t tlen = NET_TCP_HLEN + plen;
    size_t total = NET_ETH_HLEN + NET_IPV4_HLEN + tlen;
    size_t out = total < NET_ETH_MIN_FRAME ? NET_ETH_MIN_FRAME : total;
    if (cap < out)
        return -1;
    uint8_t *t = f + NET_ETH_HLEN + NET_IPV4_HLEN;
    /* The payload first: it may lie where the headers go. */
    if (plen)
        memmove(t + NET_TCP_HLEN, payload, plen);
    if (out > total)
        memset(f + total, 0, out - total);
    net_eth_build(f, dst_mac, src_mac, NET_ETHERTYPE_IPV4);
    net_ipv4_build(f + NET_ETH_HLEN, src_ip, dst_ip, NET_IPPROTO_TCP, ip_id, tlen);
    net_put16(t, sport);
    net_put16(t + 2, dport);
    net_put32(t + 4, seq);
    net_put32(t + 8, ack);
    t[12] = (NET_TCP_HLEN / 4) << 4;   /* data offset 5, reserved bits 0 */
    t[13] = flags;
    net_put16(t + 14, win);
    net_put16(t + 16, 0);              /* checksum, computed below */
    net_put16(t + 18, 0);              /* urgent pointer */
    net_put16(t + 16, net_csum_fold(net_csum_add(net_csum_pseudo(src_ip, dst_ip, NET_IPPROTO_TCP, tlen), t, tlen)));
    return (int)out;
}
