/* Host unit tests for the portable packet library (user/lib/net_*.c).
 * Prints "PASS name" / "FAIL name: why" per group; exit status 3 if any
 * group failed. Every parse runs on an exact-size heap copy of the frame,
 * so the sanitizer build catches any read past the given length.
 *   test_netlib [--suffix=S] [--corpus DIR]   (DIR: write seed frames for the fuzzer) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net_proto.h"
#include "test_groups.h"

/* Classifies an exact-size copy (so out-of-bounds reads are caught). */
static int classify(const uint8_t *f, size_t len, struct net_pkt *pk)
{
    uint8_t *c = malloc(len ? len : 1);
    memcpy(c, f, len);
    int r = net_classify(c, len, pk);
    free(c);
    return r;
}

static const uint8_t mac_a[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
#define IP_A 0x0a4d0002u   /* 10.77.0.2 */
#define IP_B 0x0a4d0001u   /* 10.77.0.1 */

/* A hand-made IPv4 frame: ihl words of header (options filled with NOPs),
 * proto, frag field, payload; both checksums right (UDP/ICMP). */
static size_t mk_ip(uint8_t *f, unsigned ihl, uint8_t proto, uint16_t frag, const uint8_t *l4, size_t l4len)
{
    net_eth_build(f, mac_a, mac_b, NET_ETHERTYPE_IPV4);
    uint8_t *h = f + NET_ETH_HLEN;
    size_t hlen = ihl * 4;
    memset(h, 0, hlen);
    h[0] = (uint8_t)(0x40 | ihl);
    net_put16(h + 2, (uint16_t)(hlen + l4len));
    net_put16(h + 4, 0x1234);
    net_put16(h + 6, frag);
    h[8] = 64;
    h[9] = proto;
    net_put32(h + 12, IP_B);
    net_put32(h + 16, IP_A);
    for (size_t i = 20; i < hlen; i++)
        h[i] = 1;                               /* NOP options */
    net_put16(h + 10, net_csum_fold(net_csum_add(0, h, hlen)));
    memcpy(h + hlen, l4, l4len);
    return NET_ETH_HLEN + hlen + l4len;
}

static size_t mk_udp_l4(uint8_t *u, uint16_t sport, uint16_t dport, const char *payload, int csum)
{
    size_t plen = strlen(payload), ulen = 8 + plen;
    net_put16(u, sport);
    net_put16(u + 2, dport);
    net_put16(u + 4, (uint16_t)ulen);
    net_put16(u + 6, 0);
    memcpy(u + 8, payload, plen);
    if (csum) {
        uint16_t c = net_csum_fold(net_csum_add(net_csum_pseudo(IP_B, IP_A, 17, ulen), u, ulen));
        net_put16(u + 6, c ? c : 0xffff);
    }
    return ulen;
}

static size_t mk_echo_l4(uint8_t *m, size_t datalen)
{
    m[0] = 8;
    m[1] = 0;
    net_put16(m + 2, 0);
    net_put16(m + 4, 0xbeef);                   /* identifier */
    net_put16(m + 6, 7);                        /* sequence */
    for (size_t i = 0; i < datalen; i++)
        m[8 + i] = (uint8_t)(i * 13 + 5);
    net_put16(m + 2, net_csum_fold(net_csum_add(0, m, 8 + datalen)));
    return 8 + datalen;
}

static void write_seed(const char *dir, const char *name, const uint8_t *f, size_t len)
{
    if (!dir)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fwrite(f, 1, len, fp);
        fclose(fp);
    }
}

static void test_checksum(void)
{
    /* RFC 1071's example: the sum of these words is ddf2. */
    static const uint8_t v[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    CHECK(net_csum_fold(net_csum_add(0, v, 8)) == (uint16_t)~0xddf2, "RFC 1071 example");
    /* Chained sums equal one sum (even split). */
    CHECK(net_csum_add(net_csum_add(0, v, 4), v + 4, 4) == net_csum_add(0, v, 8), "chained sum");
    /* Odd length pads a zero byte. */
    static const uint8_t o[3] = { 0x12, 0x34, 0x56 };
    CHECK(net_csum_fold(net_csum_add(0, o, 3)) == (uint16_t)~(0x1234 + 0x5600), "odd length");
    CHECK(net_csum_fold(net_csum_add(0, o, 0)) == 0xffff, "empty");
    group_end("checksum");
}

static void test_udp(const char *corpus)
{
    uint8_t f[2048], l4[1600];
    struct net_pkt pk;
    size_t n = mk_ip(f, 5, 17, 0, l4, mk_udp_l4(l4, 40000, 11211, "get key:1\r\n", 1));
    write_seed(corpus, "udp", f, n);
    int k = classify(f, n, &pk);
    CHECK(k == NET_K_UDP, "valid UDP classified %d (%s)", k, net_err_name(k));
    CHECK(pk.udp_sport == 40000 && pk.udp_dport == 11211 && pk.ip_src == IP_B && pk.ip_dst == IP_A, "fields");
    CHECK(pk.payload_len == 11 && !memcmp(f + pk.payload_off, "get key:1\r\n", 11), "payload located");
    CHECK(!memcmp(pk.eth_src, mac_b, 6) && !memcmp(pk.eth_dst, mac_a, 6), "MACs");
    /* Every truncation is refused, never a read past the end. */
    for (size_t len = 0; len < n; len++) {
        int r = classify(f, len, &pk);
        CHECK(r < 0, "truncated to %zu bytes accepted (%d)", len, r);
    }
    /* Ethernet padding after the IP datagram is fine. */
    uint8_t pad[2048];
    memcpy(pad, f, n);
    memset(pad + n, 0xee, 20);
    CHECK(classify(pad, n + 20, &pk) == NET_K_UDP && pk.payload_len == 11, "trailing padding ignored");
    /* Checksum 0 = none: accepted. */
    n = mk_ip(f, 5, 17, 0, l4, mk_udp_l4(l4, 1, 2, "abc", 0));
    CHECK(classify(f, n, &pk) == NET_K_UDP, "zero UDP checksum accepted");
    write_seed(corpus, "udp_nocsum", f, n);
    /* Odd payload with checksum. */
    n = mk_ip(f, 5, 17, 0, l4, mk_udp_l4(l4, 1, 2, "abcde", 1));
    CHECK(classify(f, n, &pk) == NET_K_UDP, "odd-length payload checksum");
    /* Wrong checksum. */
    n = mk_ip(f, 5, 17, 0, l4, mk_udp_l4(l4, 1, 2, "abcd", 1));
    f[n - 1] ^= 0x40;
    CHECK(classify(f, n, &pk) == NET_E_UDP_CSUM, "bad UDP checksum");
    /* UDP length beyond the IP payload, and below 8. */
    size_t ul = mk_udp_l4(l4, 1, 2, "abcd", 0);
    net_put16(l4 + 4, (uint16_t)(ul + 1));
    n = mk_ip(f, 5, 17, 0, l4, ul);
    CHECK(classify(f, n, &pk) == NET_E_UDP_LEN, "UDP length > IP payload");
    net_put16(l4 + 4, 7);
    n = mk_ip(f, 5, 17, 0, l4, ul);
    CHECK(classify(f, n, &pk) == NET_E_UDP_LEN, "UDP length < 8");
    /* UDP shorter than its length field within a valid IP datagram: trailing bytes ignored. */
    net_put16(l4 + 4, 10);
    n = mk_ip(f, 5, 17, 0, l4, ul);
    CHECK(classify(f, n, &pk) == NET_K_UDP && pk.payload_len == 2, "UDP length < IP payload");
    /* IP payload shorter than a UDP header. */
    n = mk_ip(f, 5, 17, 0, l4, 5);
    CHECK(classify(f, n, &pk) == NET_E_UDP_TRUNC, "IP payload < UDP header");
    write_seed(corpus, "udp_trunc", f, n);
    group_end("udp");
}

static void test_ipv4(const char *corpus)
{
    uint8_t f[2048], l4[256], g[2048];
    struct net_pkt pk;
    size_t ul = mk_udp_l4(l4, 5000, 11211, "hello", 1);
    size_t n = mk_ip(f, 5, 17, 0, l4, ul);

    memcpy(g, f, n);
    g[NET_ETH_HLEN + 10] ^= 1;
    CHECK(classify(g, n, &pk) == NET_E_IP_CSUM, "bad header checksum");
    memcpy(g, f, n);
    g[NET_ETH_HLEN] = 0x65;
    CHECK(classify(g, n, &pk) == NET_E_IP_VERSION, "version 6");
    for (unsigned ihl = 0; ihl < 5; ihl++) {
        memcpy(g, f, n);
        g[NET_ETH_HLEN] = (uint8_t)(0x40 | ihl);
        CHECK(classify(g, n, &pk) == NET_E_IP_IHL, "IHL %u accepted", ihl);
    }
    write_seed(corpus, "ip_ihl4", g, n);
    /* IHL 15 (60-byte header) in a frame shorter than that. */
    memcpy(g, f, n);
    g[NET_ETH_HLEN] = 0x4f;
    CHECK(classify(g, NET_ETH_HLEN + 40, &pk) == NET_E_IP_IHL, "IHL beyond frame");
    /* Total length beyond the frame, and below the header length. */
    memcpy(g, f, n);
    net_put16(g + NET_ETH_HLEN + 2, (uint16_t)(n - NET_ETH_HLEN + 1));
    net_put16(g + NET_ETH_HLEN + 10, 0);
    net_put16(g + NET_ETH_HLEN + 10, net_csum_fold(net_csum_add(0, g + NET_ETH_HLEN, 20)));
    CHECK(classify(g, n, &pk) == NET_E_IP_TOTLEN, "total length > frame");
    memcpy(g, f, n);
    net_put16(g + NET_ETH_HLEN + 2, 19);
    net_put16(g + NET_ETH_HLEN + 10, 0);
    net_put16(g + NET_ETH_HLEN + 10, net_csum_fold(net_csum_add(0, g + NET_ETH_HLEN, 20)));
    CHECK(classify(g, n, &pk) == NET_E_IP_TOTLEN, "total length < header");
    /* Options: IHL 6..15 with NOPs, payload found after them. */
    for (unsigned ihl = 6; ihl <= 15; ihl++) {
        size_t m = mk_ip(g, ihl, 17, 0, l4, ul);
        int k = classify(g, m, &pk);
        CHECK(k == NET_K_UDP && pk.ip_hlen == ihl * 4 && pk.payload_len == 5 &&
              !memcmp(g + pk.payload_off, "hello", 5), "IHL %u with options: %s", ihl, net_err_name(k));
        if (ihl == 8)
            write_seed(corpus, "ip_options", g, m);
    }
    /* Option framing: a bad length (0, 1, past the header) is refused;
     * a well-formed option (router alert: 148, len 4) and EOL are fine. */
    static const uint8_t bad_opts[][4] = { { 7, 0, 1, 1 }, { 7, 1, 1, 1 }, { 1, 1, 7, 3 }, { 1, 1, 1, 68 } };
    for (size_t i = 0; i < sizeof bad_opts / sizeof bad_opts[0]; i++) {
        size_t m = mk_ip(g, 6, 17, 0, l4, ul);
        memcpy(g + NET_ETH_HLEN + 20, bad_opts[i], 4);
        net_put16(g + NET_ETH_HLEN + 10, 0);
        net_put16(g + NET_ETH_HLEN + 10, net_csum_fold(net_csum_add(0, g + NET_ETH_HLEN, 24)));
        CHECK(classify(g, m, &pk) == NET_E_IP_OPTIONS, "bad option framing %zu accepted", i);
        if (i == 2)
            write_seed(corpus, "ip_bad_option", g, m);
    }
    static const uint8_t good_opts[][4] = { { 148, 4, 0, 0 }, { 0, 99, 99, 99 }, { 1, 1, 1, 0 } };
    for (size_t i = 0; i < sizeof good_opts / sizeof good_opts[0]; i++) {
        size_t m = mk_ip(g, 6, 17, 0, l4, ul);
        memcpy(g + NET_ETH_HLEN + 20, good_opts[i], 4);
        net_put16(g + NET_ETH_HLEN + 10, 0);
        net_put16(g + NET_ETH_HLEN + 10, net_csum_fold(net_csum_add(0, g + NET_ETH_HLEN, 24)));
        CHECK(classify(g, m, &pk) == NET_K_UDP, "good option framing %zu refused", i);
    }
    /* Fragments: MF, an offset, both; DF alone is fine. */
    n = mk_ip(g, 5, 17, 0x2000, l4, ul);
    CHECK(classify(g, n, &pk) == NET_E_IP_FRAG, "MF set");
    write_seed(corpus, "ip_frag_mf", g, n);
    n = mk_ip(g, 5, 17, 0x0010, l4, ul);
    CHECK(classify(g, n, &pk) == NET_E_IP_FRAG, "fragment offset");
    n = mk_ip(g, 5, 17, 0x4000, l4, ul);
    CHECK(classify(g, n, &pk) == NET_K_UDP, "DF accepted");
    /* Unknown protocol (TCP). */
    n = mk_ip(g, 5, 6, 0, l4, ul);
    CHECK(classify(g, n, &pk) == NET_E_IP_PROTO, "TCP refused as unknown protocol");
    write_seed(corpus, "ip_tcp", g, n);
    /* Other Ethertypes and a bare Ethernet header. */
    memcpy(g, f, 14);
    net_put16(g + 12, 0x86dd);
    CHECK(classify(g, 14, &pk) == NET_E_ETHERTYPE, "IPv6 ethertype");
    CHECK(classify(g, 13, &pk) == NET_E_ETH_TRUNC, "13-byte frame");
    net_put16(g + 12, NET_ETHERTYPE_IPV4);
    CHECK(classify(g, 14 + 19, &pk) == NET_E_IP_TRUNC, "19-byte IP header");
    /* Built headers verify. */
    uint8_t h[20];
    net_ipv4_build(h, IP_A, IP_B, 17, 9, 100);
    CHECK(net_csum_fold(net_csum_add(0, h, 20)) == 0 && net_get16(h + 2) == 120, "built header");
    group_end("ipv4");
}

static void test_arp(const char *corpus)
{
    uint8_t f[128];
    struct net_pkt pk;
    int n = net_arp_build_request(f, sizeof f, mac_b, IP_B, IP_A);
    CHECK(n == 60, "request length %d", n);
    write_seed(corpus, "arp_request", f, (size_t)n);
    int k = classify(f, (size_t)n, &pk);
    CHECK(k == NET_K_ARP && pk.arp_op == NET_ARP_REQUEST && pk.arp_spa == IP_B && pk.arp_tpa == IP_A &&
          !memcmp(pk.arp_sha, mac_b, 6), "request parsed (%d)", k);
    CHECK(pk.eth_dst[0] == 0xff && pk.eth_dst[5] == 0xff, "broadcast");
    for (size_t len = 0; len < NET_ETH_HLEN + NET_ARP_LEN; len++)
        CHECK(classify(f, len, &pk) < 0, "ARP truncated to %zu accepted", len);
    CHECK(classify(f, NET_ETH_HLEN + NET_ARP_LEN, &pk) == NET_K_ARP, "unpadded 42-byte ARP accepted");
    n = net_arp_build_reply(f, sizeof f, mac_a, IP_A, mac_b, IP_B);
    k = classify(f, (size_t)n, &pk);
    CHECK(k == NET_K_ARP && pk.arp_op == NET_ARP_REPLY && pk.arp_spa == IP_A && pk.arp_tpa == IP_B &&
          !memcmp(pk.arp_sha, mac_a, 6) && !memcmp(pk.arp_tha, mac_b, 6) && !memcmp(pk.eth_dst, mac_b, 6),
          "reply fields");
    CHECK(net_arp_build_reply(f, 59, mac_a, IP_A, mac_b, IP_B) == -1, "reply into a short buffer");
    f[NET_ETH_HLEN + 4] = 8;
    CHECK(classify(f, (size_t)n, &pk) == NET_E_ARP_FORMAT, "hardware length 8");
    f[NET_ETH_HLEN + 4] = 6;
    net_put16(f + NET_ETH_HLEN + 6, 3);
    CHECK(classify(f, (size_t)n, &pk) == NET_E_ARP_FORMAT, "operation 3");
    group_end("arp");
}

static void test_icmp(const char *corpus)
{
    uint8_t f[2048], l4[1600], r[2048];
    struct net_pkt pk, rp;
    size_t n = mk_ip(f, 5, 1, 0, l4, mk_echo_l4(l4, 56));
    write_seed(corpus, "icmp_echo", f, n);
    int k = classify(f, n, &pk);
    CHECK(k == NET_K_ICMP_ECHO, "echo request classified %s", net_err_name(k));
    int m = net_icmp_build_echo_reply(r, sizeof r, f, &pk, mac_a, 77);
    CHECK(m == (int)n, "reply length %d vs %zu", m, n);
    k = classify(r, (size_t)m, &rp);
    CHECK(k == NET_K_ICMP_OTHER && rp.icmp_type == 0 && rp.ip_src == IP_A && rp.ip_dst == IP_B &&
          !memcmp(rp.eth_dst, mac_b, 6) && !memcmp(rp.eth_src, mac_a, 6), "reply fields (%d)", k);
    CHECK(!memcmp(r + rp.l4_off + 4, f + pk.l4_off + 4, 4 + 56), "identifier, sequence, data preserved");
    for (size_t len = 0; len < n; len++)
        CHECK(classify(f, len, &pk) < 0, "echo truncated to %zu accepted", len);
    /* A request with IP options: the reply has none but the same ICMP message. */
    n = mk_ip(f, 7, 1, 0, l4, mk_echo_l4(l4, 3));
    k = classify(f, n, &pk);
    m = net_icmp_build_echo_reply(r, sizeof r, f, &pk, mac_a, 78);
    CHECK(k == NET_K_ICMP_ECHO && m == 60 && classify(r, (size_t)m, &rp) == NET_K_ICMP_OTHER && rp.ip_hlen == 20 &&
          rp.l4_len == 11 && !memcmp(r + rp.l4_off + 4, f + pk.l4_off + 4, 7), "options dropped, short reply padded");
    /* Largest echo that fits a frame, and one that does not fit the buffer. */
    n = mk_ip(f, 5, 1, 0, l4, mk_echo_l4(l4, 1472));
    k = classify(f, n, &pk);
    CHECK(k == NET_K_ICMP_ECHO && net_icmp_build_echo_reply(r, 1514, f, &pk, mac_a, 1) == 1514 &&
          net_icmp_build_echo_reply(r, 1513, f, &pk, mac_a, 1) == -1, "1514-byte echo");
    /* Bad checksum; shorter than an ICMP header. */
    n = mk_ip(f, 5, 1, 0, l4, mk_echo_l4(l4, 8));
    f[n - 1] ^= 1;
    CHECK(classify(f, n, &pk) == NET_E_ICMP_CSUM, "bad ICMP checksum");
    n = mk_ip(f, 5, 1, 0, l4, 7);
    CHECK(classify(f, n, &pk) == NET_E_ICMP_TRUNC, "7-byte ICMP");
    group_end("icmp");
}

static void test_udp_build(void)
{
    uint8_t f[2048], big[NET_UDP_MAX_PAYLOAD + 1];
    struct net_pkt pk;
    memset(big, 'x', sizeof big);
    int n = net_udp_build(f, sizeof f, mac_a, mac_b, IP_A, IP_B, 11211, 40000, 5, (const uint8_t *)"VALUE", 5);
    CHECK(n == 60, "short datagram padded to 60 (%d)", n);
    int k = classify(f, (size_t)n, &pk);
    CHECK(k == NET_K_UDP && pk.udp_sport == 11211 && pk.udp_dport == 40000 && pk.payload_len == 5 &&
          pk.ip_src == IP_A && pk.ip_dst == IP_B && !memcmp(pk.eth_dst, mac_b, 6), "round trip (%d)", k);
    CHECK(net_get16(f + 40) != 0, "checksum computed");
    n = net_udp_build(f, sizeof f, mac_a, mac_b, IP_A, IP_B, 1, 2, 5, big, NET_UDP_MAX_PAYLOAD);
    CHECK(n == 1514 && classify(f, (size_t)n, &pk) == NET_K_UDP && pk.payload_len == NET_UDP_MAX_PAYLOAD,
          "largest datagram");
    CHECK(net_udp_build(f, sizeof f, mac_a, mac_b, IP_A, IP_B, 1, 2, 5, big, NET_UDP_MAX_PAYLOAD + 1) == -1,
          "oversized payload refused");
    CHECK(net_udp_build(f, 100, mac_a, mac_b, IP_A, IP_B, 1, 2, 5, big, 100) == -1, "short buffer refused");
    group_end("udp_build");
}

static void test_ip_text(void)
{
    uint32_t ip = 0;
    char b[16];
    CHECK(net_ip_parse("10.0.2.15", &ip) == 0 && ip == 0x0a00020f, "10.0.2.15");
    CHECK(!strcmp(net_ip_str(0xc0a80101, b), "192.168.1.1"), "format");
    const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4x", "a.b.c.d", "1..2.3", "1234.1.1.1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(net_ip_parse(bad[i], &ip) < 0, "'%s' accepted", bad[i]);
    CHECK(!strcmp(net_err_name(NET_E_IP_FRAG), "ip_frag") && !strcmp(net_err_name(-99), "unknown"), "error names");
    group_end("ip_text");
}

int main(int argc, char **argv)
{
    const char *corpus = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--suffix=", 9))
            suffix = argv[i] + 9;
        else if (!strcmp(argv[i], "--corpus") && i + 1 < argc)
            corpus = argv[++i];
    }
    test_checksum();
    test_udp(corpus);
    test_ipv4(corpus);
    test_arp(corpus);
    test_icmp(corpus);
    test_udp_build();
    test_ip_text();
    return any_failed ? 3 : 0;
}
