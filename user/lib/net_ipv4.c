/* IPv4 headers (RFC 791): validation and construction, and framing of a
 * complete IPv4 packet in Ethernet. */
#include <string.h>
#include "net_proto.h"

/* Options are skipped, but their framing must hold: End of List (0) ends
 * them, No Operation (1) is one byte, every other option has a length byte
 * >= 2 that keeps it inside the header. */
static int net_ipv4_options_ok(const uint8_t *o, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (o[i] == 0)
            return 1;
        if (o[i] == 1) {
            i++;
            continue;
        }
        if (i + 1 >= len || o[i + 1] < 2 || o[i + 1] > len - i)
            return 0;
        i += o[i + 1];
    }
    return 1;
}

int net_ipv4_parse(const uint8_t *f, size_t len, struct net_pkt *pk)
{
    return net_ipv4_parse_at(f, len, NET_ETH_HLEN, pk);
}

int net_ipv4_parse_at(const uint8_t *f, size_t len, size_t off, struct net_pkt *pk)
{
    if (len < off || len - off < NET_IPV4_HLEN)
        return NET_E_IP_TRUNC;
    const uint8_t *h = f + off;
    size_t avail = len - off;          /* may include Ethernet padding */
    if (h[0] >> 4 != 4)
        return NET_E_IP_VERSION;
    size_t hlen = (size_t)(h[0] & 0xf) * 4;
    if (hlen < NET_IPV4_HLEN || hlen > avail)
        return NET_E_IP_IHL;
    size_t totlen = net_get16(h + 2);
    /* Bytes past totlen are link padding and ignored; fewer is truncation. */
    if (totlen < hlen || totlen > avail)
        return NET_E_IP_TOTLEN;
    if (net_csum_fold(net_csum_add(0, h, hlen)) != 0)
        return NET_E_IP_CSUM;
    if (!net_ipv4_options_ok(h + NET_IPV4_HLEN, hlen - NET_IPV4_HLEN))
        return NET_E_IP_OPTIONS;
    uint16_t frag = net_get16(h + 6);
    if ((frag & 0x2000) || (frag & 0x1fff))   /* MF, or a non-zero offset */
        return NET_E_IP_FRAG;
    pk->ip_off = off;
    pk->ip_hlen = hlen;
    pk->ip_totlen = totlen;
    pk->ip_id = net_get16(h + 4);
    pk->ip_ttl = h[8];
    pk->ip_proto = h[9];
    pk->ip_src = net_get32(h + 12);
    pk->ip_dst = net_get32(h + 16);
    pk->l4_off = off + hlen;
    pk->l4_len = totlen - hlen;
    return 0;
}

void net_ipv4_build(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id, size_t payload_len)
{
    f[0] = 0x45;                       /* version 4, IHL 5 */
    f[1] = 0;
    net_put16(f + 2, (uint16_t)(NET_IPV4_HLEN + payload_len));
    net_put16(f + 4, id);
    net_put16(f + 6, 0);
    f[8] = 64;
    f[9] = proto;
    net_put16(f + 10, 0);
    net_put32(f + 12, src);
    net_put32(f + 16, dst);
    net_put16(f + 10, net_csum_fold(net_csum_add(0, f, NET_IPV4_HLEN)));
}

int net_ipv4_frame(uint8_t *f, size_t cap, const uint8_t src_mac[NET_ETH_ALEN], const uint8_t dst_mac[NET_ETH_ALEN],
                   const uint8_t *ip, size_t iplen, uint16_t ip_id)
{
    if (iplen < NET_IPV4_HLEN || iplen > NET_IPV4_MAX_PACKET || ip[0] >> 4 != 4)
        return -1;
    size_t hlen = (size_t)(ip[0] & 0xf) * 4;
    if (hlen < NET_IPV4_HLEN || hlen > iplen)
        return -1;
    size_t total = NET_ETH_HLEN + iplen;
    size_t out = total < NET_ETH_MIN_FRAME ? NET_ETH_MIN_FRAME : total;
    if (cap < out)
        return -1;
    /* The addresses are taken before the copy, which may overwrite them. */
    uint8_t dst[NET_ETH_ALEN], src[NET_ETH_ALEN];
    memcpy(dst, dst_mac, NET_ETH_ALEN);
    memcpy(src, src_mac, NET_ETH_ALEN);
    uint8_t *h = f + NET_ETH_HLEN;
    memmove(h, ip, iplen);
    if (out > total)
        memset(f + total, 0, out - total);
    net_eth_build(f, dst, src, NET_ETHERTYPE_IPV4);
    net_put16(h + 4, ip_id);
    net_put16(h + 10, 0);
    net_put16(h + 10, net_csum_fold(net_csum_add(0, h, hlen)));
    return (int)out;
}
