/* The classifier: Ethernet, then ARP or IPv4, then ICMP, UDP or TCP; or,
 * for a bare IPv4 packet, the same from the IPv4 layer down. Every layer is
 * validated before the next is looked at. */
#include <stdio.h>
#include <string.h>
#include "net_proto.h"

/* The IPv4 layer and what it carries, the IPv4 header at f + off. */
static int net_classify_ip(const uint8_t *f, size_t len, size_t off, struct net_pkt *pk)
{
    int r = net_ipv4_parse_at(f, len, off, pk);
    if (r < 0)
        return r;
    switch (pk->ip_proto) {
    case NET_IPPROTO_UDP:
        return net_udp_parse(f, len, pk);
    case NET_IPPROTO_TCP:
        return net_tcp_parse(f, len, pk);
    case NET_IPPROTO_ICMP:
        return net_icmp_parse(f, len, pk);
    default:
        return NET_E_IP_PROTO;
    }
}

int net_classify(const uint8_t *f, size_t len, struct net_pkt *pk)
{
    memset(pk, 0, sizeof *pk);
    int r = net_eth_parse(f, len, pk);
    if (r < 0)
        return r;
    if (pk->ethertype == NET_ETHERTYPE_ARP)
        return net_arp_parse(f, len, pk);
    if (pk->ethertype != NET_ETHERTYPE_IPV4)
        return NET_E_ETHERTYPE;
    return net_classify_ip(f, len, NET_ETH_HLEN, pk);
}

int net_classify_ipv4(const uint8_t *ip, size_t len, struct net_pkt *pk)
{
    memset(pk, 0, sizeof *pk);
    return net_classify_ip(ip, len, 0, pk);
}

const char *net_err_name(int err)
{
    static const char *const names[] = {
        "ok", "eth_trunc", "ethertype", "arp_trunc", "arp_format", "ip_trunc", "ip_version", "ip_ihl",
        "ip_totlen", "ip_csum", "ip_frag", "ip_proto", "icmp_trunc", "icmp_csum", "udp_trunc", "udp_len",
        "udp_csum", "ip_options", "tcp_trunc", "tcp_off", "tcp_csum", "tcp_flags",
    };
    _Static_assert(sizeof names / sizeof names[0] == NET_E_COUNT, "one name per reason");
    if (err >= 0)
        return "ok";
    if (err <= -NET_E_COUNT)              /* also keeps -err from overflowing */
        return "unknown";
    return names[-err];
}

int net_ip_parse(const char *s, uint32_t *ip)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned n = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            n = n * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || n > 255)
                return -1;
        }
        v = v << 8 | n;
        if (part < 3 && *s++ != '.')
            return -1;
    }
    if (*s)
        return -1;
    *ip = v;
    return 0;
}

const char *net_ip_str(uint32_t ip, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
    return buf;
}
