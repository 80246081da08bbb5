/* libFuzzer harness for the classifiers (net_classify on an Ethernet frame,
 * net_classify_ipv4 on a bare IPv4 packet) and the builders that answer
 * what they accept. Checked on every input:
 *  - no read outside the input (ASan; libFuzzer's buffer is exact-size);
 *  - every result is a kind or a known reason, and every offset/length
 *    reported lies inside the input;
 *  - an accepted echo request yields a reply that classifies as valid ICMP
 *    with the same message body; an accepted UDP datagram's payload, sent
 *    back, classifies as UDP with the same payload; an accepted TCP
 *    segment's fields and payload, built into a new segment, classify back
 *    the same, and a RST|ACK answering it classifies as TCP;
 *  - an accepted bare IPv4 packet framed by net_ipv4_frame classifies as
 *    the same kind with the same fields (only the identification changes);
 *    net_ipv4_frame on any input either refuses it or writes a frame whose
 *    IPv4 header checksum verifies;
 *  - net_tcp_build with ports, numbers, flags and payload taken from the
 *    input yields a frame the classifier accepts exactly when the flags and
 *    ports are ones a TCP can send, with the same fields. */
#include <stdlib.h>
#include <string.h>
#include "net_proto.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/* Kind or known reason; offsets inside [0, size). */
static void check_result(int k, const struct net_pkt *pk, size_t size)
{
    if (k < 0) {
        if (-k >= NET_E_COUNT)
            abort();
        return;
    }
    if (k > NET_K_TCP)
        abort();
    if (k == NET_K_ARP)
        return;
    if (pk->l4_off + pk->l4_len > size || pk->ip_off + pk->ip_totlen > size || pk->ip_hlen < 20 ||
        pk->l4_off != pk->ip_off + pk->ip_hlen || pk->l4_len != pk->ip_totlen - pk->ip_hlen)
        abort();
    /* A UDP length may end before the IP payload; a TCP segment is all of it. */
    if ((k == NET_K_UDP || k == NET_K_TCP) &&
        (pk->payload_off < pk->l4_off || pk->payload_off + pk->payload_len > pk->l4_off + pk->l4_len))
        abort();
    if (k == NET_K_TCP && (pk->tcp_hlen < 20 || pk->payload_off != pk->l4_off + pk->tcp_hlen ||
                           pk->payload_off + pk->payload_len != pk->l4_off + pk->l4_len))
        abort();
}

/* Two classifications of the same IP packet agree (offsets may differ by shift). */
static int same_packet(const struct net_pkt *a, const struct net_pkt *b, size_t shift)
{
    return a->ip_src == b->ip_src && a->ip_dst == b->ip_dst && a->ip_proto == b->ip_proto && a->ip_ttl == b->ip_ttl &&
           a->ip_hlen == b->ip_hlen && a->ip_totlen == b->ip_totlen && a->l4_off + shift == b->l4_off &&
           a->l4_len == b->l4_len && a->payload_len == b->payload_len &&
           (a->payload_len == 0 || a->payload_off + shift == b->payload_off) && a->icmp_type == b->icmp_type &&
           a->icmp_code == b->icmp_code && a->udp_sport == b->udp_sport && a->udp_dport == b->udp_dport &&
           a->tcp_sport == b->tcp_sport && a->tcp_dport == b->tcp_dport && a->tcp_seq == b->tcp_seq &&
           a->tcp_ack == b->tcp_ack && a->tcp_flags == b->tcp_flags && a->tcp_win == b->tcp_win &&
           a->tcp_hlen == b->tcp_hlen;
}

static int tcp_flags_sendable(uint8_t fl, uint16_t sport, uint16_t dport)
{
    if ((fl & NET_TCP_SYN) && (fl & (NET_TCP_FIN | NET_TCP_RST)))
        return 0;
    return (fl & (NET_TCP_SYN | NET_TCP_ACK | NET_TCP_RST)) && sport && dport;
}

static void fuzz_frame(const uint8_t *data, size_t size)
{
    struct net_pkt pk, rp;
    static uint8_t out[2048];
    int k = net_classify(data, size, &pk);
    check_result(k, &pk, size);
    if (k < 0)
        return;
    if (k == NET_K_ARP) {
        if (net_arp_build_reply(out, sizeof out, mac, 0x0a000002, pk.arp_sha, pk.arp_spa) != 60 ||
            net_classify(out, 60, &rp) != NET_K_ARP || rp.arp_op != NET_ARP_REPLY)
            abort();
        return;
    }
    if (k == NET_K_UDP) {
        int n = net_udp_build(out, sizeof out, mac, pk.eth_src, pk.ip_dst, pk.ip_src, pk.udp_dport, pk.udp_sport, 1,
                              data + pk.payload_off, pk.payload_len);
        if (pk.payload_len <= NET_UDP_MAX_PAYLOAD) {
            if (n < 0 || net_classify(out, (size_t)n, &rp) != NET_K_UDP || rp.payload_len != pk.payload_len ||
                memcmp(out + rp.payload_off, data + pk.payload_off, pk.payload_len) != 0)
                abort();
        } else if (n != -1) {
            abort();
        }
    }
    if (k == NET_K_ICMP_ECHO) {
        int n = net_icmp_build_echo_reply(out, sizeof out, data, &pk, mac, 1);
        if (n >= 0) {
            if (net_classify(out, (size_t)n, &rp) != NET_K_ICMP_OTHER || rp.icmp_type != 0 ||
                rp.l4_len != pk.l4_len || memcmp(out + rp.l4_off + 4, data + pk.l4_off + 4, pk.l4_len - 4) != 0)
                abort();
        } else if (NET_ETH_HLEN + NET_IPV4_HLEN + pk.l4_len <= sizeof out) {
            abort();
        }
    }
    if (k == NET_K_TCP) {
        /* The same segment without options, built anew. */
        int n = net_tcp_build(out, sizeof out, mac, pk.eth_src, pk.ip_src, pk.ip_dst, pk.tcp_sport, pk.tcp_dport,
                              pk.tcp_seq, pk.tcp_ack, pk.tcp_flags, pk.tcp_win, 1, data + pk.payload_off,
                              pk.payload_len);
        if (pk.payload_len <= NET_TCP_MAX_PAYLOAD) {
            if (n < 0 || net_classify(out, (size_t)n, &rp) != NET_K_TCP || rp.tcp_sport != pk.tcp_sport ||
                rp.tcp_dport != pk.tcp_dport || rp.tcp_seq != pk.tcp_seq || rp.tcp_ack != pk.tcp_ack ||
                rp.tcp_flags != pk.tcp_flags || rp.tcp_win != pk.tcp_win || rp.tcp_hlen != 20 ||
                rp.payload_len != pk.payload_len ||
                memcmp(out + rp.payload_off, data + pk.payload_off, pk.payload_len) != 0)
                abort();
        } else if (n != -1) {
            abort();
        }
        /* The RST|ACK a host answers it with. */
        n = net_tcp_build(out, sizeof out, mac, pk.eth_src, pk.ip_dst, pk.ip_src, pk.tcp_dport, pk.tcp_sport, 0,
                          pk.tcp_seq + (uint32_t)pk.payload_len, NET_TCP_RST | NET_TCP_ACK, 0, 2, NULL, 0);
        if (n != 60 || net_classify(out, 60, &rp) != NET_K_TCP || rp.tcp_flags != (NET_TCP_RST | NET_TCP_ACK) ||
            rp.ip_dst != pk.ip_src || rp.tcp_dport != pk.tcp_sport || rp.payload_len != 0)
            abort();
    }
}

static void fuzz_ip_packet(const uint8_t *data, size_t size)
{
    struct net_pkt pk, rp;
    static uint8_t out[2048];
    int k = net_classify_ipv4(data, size, &pk);
    check_result(k, &pk, size);
    if (k == NET_K_ARP || (k >= 0 && pk.ip_off != 0))
        abort();
    /* Framing any input: refused, or a frame with a verifying IPv4 header. */
    int n = net_ipv4_frame(out, sizeof out, mac, peer, data, size, 7);
    if (n >= 0) {
        size_t hlen = (size_t)(data[0] & 0xf) * 4;
        if ((size_t)n > sizeof out || (size_t)n < NET_ETH_MIN_FRAME || (size_t)n < NET_ETH_HLEN + size ||
            net_csum_fold(net_csum_add(0, out + NET_ETH_HLEN, hlen)) != 0 || net_get16(out + NET_ETH_HLEN + 4) != 7 ||
            memcmp(out + NET_ETH_HLEN + hlen, data + hlen, size - hlen) != 0)
            abort();
    } else if (size >= NET_IPV4_HLEN && size <= NET_IPV4_MAX_PACKET && data[0] >> 4 == 4 &&
               (data[0] & 0xf) >= 5 && (size_t)(data[0] & 0xf) * 4 <= size) {
        abort();
    }
    if (k < 0)
        return;
    /* An accepted packet, framed: the same classification. */
    n = net_ipv4_frame(out, sizeof out, mac, peer, data, pk.ip_totlen, 9);
    if (pk.ip_totlen > NET_IPV4_MAX_PACKET) {
        if (n != -1)
            abort();
        return;
    }
    if (n < 0 || net_classify(out, (size_t)n, &rp) != k || rp.ip_id != 9 || rp.ip_off != NET_ETH_HLEN ||
        !same_packet(&pk, &rp, NET_ETH_HLEN) || memcmp(rp.eth_src, mac, 6) != 0 || memcmp(rp.eth_dst, peer, 6) != 0)
        abort();
}

/* Builder parameters from the input: ports, numbers, flags, window, payload. */
static void fuzz_tcp_build(const uint8_t *data, size_t size)
{
    struct net_pkt rp;
    static uint8_t out[2048];
    if (size < 16)
        return;
    uint16_t sport = net_get16(data), dport = net_get16(data + 2), win = net_get16(data + 14);
    uint32_t seq = net_get32(data + 4), ack = net_get32(data + 8);
    uint8_t fl = data[12];
    uint32_t src = 0x0a000001u ^ data[13], dst = 0x0a000002u;
    const uint8_t *pl = data + 16;
    size_t plen = size - 16;
    int n = net_tcp_build(out, sizeof out, mac, peer, src, dst, sport, dport, seq, ack, fl, win, 3, pl, plen);
    if (plen > NET_TCP_MAX_PAYLOAD) {
        if (n != -1)
            abort();
        return;
    }
    if (n < 0)
        abort();
    int k = net_classify(out, (size_t)n, &rp);
    if (!tcp_flags_sendable(fl, sport, dport)) {
        if (k != NET_E_TCP_FLAGS)
            abort();
        return;
    }
    if (k != NET_K_TCP || rp.tcp_sport != sport || rp.tcp_dport != dport || rp.tcp_seq != seq || rp.tcp_ack != ack ||
        rp.tcp_flags != fl || rp.tcp_win != win || rp.ip_src != src || rp.ip_dst != dst || rp.payload_len != plen ||
        (plen && memcmp(out + rp.payload_off, pl, plen) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_frame(data, size);
    fuzz_ip_packet(data, size);
    fuzz_tcp_build(data, size);
    return 0;
}
