/* libFuzzer harness for the whole-frame classifier (net_classify) and the
 * builders that answer what it accepts. Checked on every input:
 *  - no read outside the frame (ASan; libFuzzer's buffer is exact-size);
 *  - every offset/length reported lies inside the frame;
 *  - an accepted echo request yields a reply that classifies as valid ICMP
 *    with the same message body; an accepted UDP datagram's payload, sent
 *    back, classifies as UDP with the same payload. */
#include <stdlib.h>
#include <string.h>
#include "net_proto.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct net_pkt pk, rp;
    static uint8_t out[2048];
    int k = net_classify(data, size, &pk);
    if (k < 0) {
        if (-k >= NET_E_COUNT)
            abort();
        return 0;
    }
    if (k == NET_K_ARP) {
        if (net_arp_build_reply(out, sizeof out, mac, 0x0a000002, pk.arp_sha, pk.arp_spa) != 60 ||
            net_classify(out, 60, &rp) != NET_K_ARP || rp.arp_op != NET_ARP_REPLY)
            abort();
        return 0;
    }
    if (pk.l4_off + pk.l4_len > size || pk.ip_off + pk.ip_totlen > size || pk.ip_hlen < 20)
        abort();
    if (k == NET_K_UDP) {
        if (pk.payload_off + pk.payload_len > size)
            abort();
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
    return 0;
}
