/* Host unit tests for the portable packet library (user/lib/net_*.c).
 * Prints "PASS name" / "FAIL name: why" per group; exit status 3 if any
 * group failed. Every parse runs on an exact-size heap copy of the frame,
 * so the sanitizer build catches any read past the given length.
 *   test_netlib [--suffix=S] [--corpus DIR]   (DIR: write seed frames for the fuzzer) */
#include <limits.h>
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

/* The same for a bare IPv4 packet (net_classify_ipv4). */
static int classify_ip(const uint8_t *ip, size_t len, struct net_pkt *pk)
{
    uint8_t *c = malloc(len ? len : 1);
    memcpy(c, ip, len);
    int r = net_classify_ipv4(c, len, pk);
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

/* A TCP segment from IP_B to IP_A: off_words of header (options filled with
 * NOPs), checksum right. Returns the segment length. */
static size_t mk_tcp_l4(uint8_t *t, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                        uint16_t win, unsigned off_words, const void *payload, size_t plen)
{
    size_t hlen = off_words * 4, tlen = hlen + plen;
    memset(t, 0, hlen);
    net_put16(t, sport);
    net_put16(t + 2, dport);
    net_put32(t + 4, seq);
    net_put32(t + 8, ack);
    t[12] = (uint8_t)(off_words << 4);
    t[13] = flags;
    net_put16(t + 14, win);
    for (size_t i = 20; i < hlen; i++)
        t[i] = 1;                               /* NOP options */
    if (plen)
        memcpy(t + hlen, payload, plen);
    net_put16(t + 16, net_csum_fold(net_csum_add(net_csum_pseudo(IP_B, IP_A, 6, tlen), t, tlen)));
    return tlen;
}

/* Recomputes the TCP checksum of a segment from IP_B to IP_A. */
static void fix_tcp_csum(uint8_t *t, size_t tlen)
{
    net_put16(t + 16, 0);
    net_put16(t + 16, net_csum_fold(net_csum_add(net_csum_pseudo(IP_B, IP_A, 6, tlen), t, tlen)));
}

/* The TCP checksum computed independently of net_csum.c: pseudo header and
 * segment (its checksum field taken as zero) laid out in one buffer, summed
 * in 16-bit words with the end-around carry. */
static uint16_t ref_tcp_csum(uint32_t src, uint32_t dst, const uint8_t *t, size_t tlen)
{
    static uint8_t b[12 + 65536 + 1];
    memset(b, 0, sizeof b);
    net_put32(b, src);
    net_put32(b + 4, dst);
    b[9] = 6;
    net_put16(b + 10, (uint16_t)tlen);
    memcpy(b + 12, t, tlen);
    b[12 + 16] = b[12 + 17] = 0;
    uint32_t sum = 0;
    for (size_t i = 0; i < 12 + tlen; i += 2) {
        sum += (uint32_t)b[i] << 8 | b[i + 1];  /* the byte after an odd tail is the zero pad */
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/* A crafted frame: classifies as expect, and so does its IPv4 packet given
 * to net_classify_ipv4; every shorter prefix of either is refused (read from
 * exact-size copies, so the sanitizer build sees any read past the end). */
static void crafted(const uint8_t *f, size_t n, int expect, const char *what)
{
    struct net_pkt pk;
    int k = classify(f, n, &pk);
    CHECK(k == expect, "%s: classified %d (%s), expected %s", what, k, net_err_name(k), net_err_name(expect));
    k = classify_ip(f + NET_ETH_HLEN, n - NET_ETH_HLEN, &pk);
    CHECK(k == expect, "%s: net_classify_ipv4 gave %d (%s)", what, k, net_err_name(k));
    for (size_t len = 0; len < n; len++) {
        int r = classify(f, len, &pk);
        CHECK(r < 0, "%s: truncated to %zu bytes accepted (%d)", what, len, r);
        if (len >= NET_ETH_HLEN) {
            r = classify_ip(f + NET_ETH_HLEN, len - NET_ETH_HLEN, &pk);
            CHECK(r < 0, "%s: IPv4 packet truncated to %zu bytes accepted (%d)", what, len - NET_ETH_HLEN, r);
        }
    }
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
    /* Unknown protocol (GRE). */
    n = mk_ip(g, 5, 47, 0, l4, ul);
    CHECK(classify(g, n, &pk) == NET_E_IP_PROTO, "GRE refused as unknown protocol");
    write_seed(corpus, "ip_proto_unknown", g, n);
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

static void test_tcp(const char *corpus)
{
    uint8_t f[2048], l4[1600], g[2048];
    struct net_pkt pk;
    /* A SYN: no payload, the frame shorter than 60 bytes (unpadded). */
    size_t n = mk_ip(f, 5, 6, 0, l4, mk_tcp_l4(l4, 40000, 80, 0x01020304, 0, NET_TCP_SYN, 65535, 5, NULL, 0));
    write_seed(corpus, "tcp_syn", f, n);
    int k = classify(f, n, &pk);
    CHECK(k == NET_K_TCP, "SYN classified %d (%s)", k, net_err_name(k));
    CHECK(pk.tcp_sport == 40000 && pk.tcp_dport == 80 && pk.tcp_seq == 0x01020304 && pk.tcp_ack == 0 &&
          pk.tcp_flags == NET_TCP_SYN && pk.tcp_win == 65535 && pk.tcp_hlen == 20, "SYN fields");
    CHECK(pk.ip_proto == 6 && pk.ip_src == IP_B && pk.ip_dst == IP_A && pk.l4_off == 34 && pk.l4_len == 20 &&
          pk.payload_off == 54 && pk.payload_len == 0, "SYN offsets");
    CHECK(pk.udp_sport == 0 && pk.udp_dport == 0 && pk.icmp_type == 0, "other kinds' fields zero");
    crafted(f, n, NET_K_TCP, "SYN");
    /* Ethernet padding after the segment is not TCP payload. */
    memcpy(g, f, n);
    memset(g + n, 0xee, 60 - n);
    CHECK(classify(g, 60, &pk) == NET_K_TCP && pk.payload_len == 0, "SYN padded to 60: no payload");

    /* A data segment with TCP options (32-byte header) behind IP options. */
    static const char req[] = "GET / HTTP/1.0\r\n\r\n";
    size_t rl = strlen(req);
    n = mk_ip(f, 7, 6, 0, l4,
              mk_tcp_l4(l4, 51000, 8080, 0xfffffff0u, 0x80000001u, NET_TCP_PSH | NET_TCP_ACK, 501, 8, req, rl));
    write_seed(corpus, "tcp_data", f, n);
    k = classify(f, n, &pk);
    CHECK(k == NET_K_TCP, "data segment classified %d (%s)", k, net_err_name(k));
    CHECK(pk.tcp_sport == 51000 && pk.tcp_dport == 8080 && pk.tcp_seq == 0xfffffff0u && pk.tcp_ack == 0x80000001u &&
          pk.tcp_flags == (NET_TCP_PSH | NET_TCP_ACK) && pk.tcp_win == 501 && pk.tcp_hlen == 32, "data fields");
    CHECK(pk.ip_hlen == 28 && pk.payload_off == NET_ETH_HLEN + 28 + 32 && pk.payload_len == rl &&
          !memcmp(f + pk.payload_off, req, rl), "payload located after both options");
    crafted(f, n, NET_K_TCP, "data segment");
    memcpy(g, f, n);
    memset(g + n, 0xee, 30);
    CHECK(classify(g, n + 30, &pk) == NET_K_TCP && pk.payload_len == rl, "trailing padding ignored");

    /* Odd payload length: the checksum pads a zero byte, and covers the last one. */
    size_t tl = mk_tcp_l4(l4, 1, 2, 3, 4, NET_TCP_ACK, 5, 5, "abcde", 5);
    CHECK(net_get16(l4 + 16) == ref_tcp_csum(IP_B, IP_A, l4, tl), "odd-length checksum vs reference");
    n = mk_ip(f, 5, 6, 0, l4, tl);
    CHECK(classify(f, n, &pk) == NET_K_TCP && pk.payload_len == 5, "odd-length payload accepted");
    f[n - 1] ^= 0x01;
    crafted(f, n, NET_E_TCP_CSUM, "odd payload, last byte changed");

    /* Flag combinations a TCP does send, ECE/CWR included, are accepted as they are. */
    static const uint8_t good[] = {
        NET_TCP_SYN, NET_TCP_SYN | NET_TCP_ACK, NET_TCP_ACK, NET_TCP_RST, NET_TCP_RST | NET_TCP_ACK,
        NET_TCP_FIN | NET_TCP_ACK, NET_TCP_URG | NET_TCP_ACK | NET_TCP_PSH, NET_TCP_SYN | 0xc0,
        NET_TCP_FIN | NET_TCP_PSH | NET_TCP_ACK, NET_TCP_RST | NET_TCP_PSH,
    };
    for (size_t i = 0; i < sizeof good; i++) {
        n = mk_ip(f, 5, 6, 0, l4, mk_tcp_l4(l4, 1000, 2000, 1, 2, good[i], 100, 5, "x", 1));
        k = classify(f, n, &pk);
        CHECK(k == NET_K_TCP && pk.tcp_flags == good[i], "flags 0x%02x: %s", good[i], net_err_name(k));
    }

    /* tcp_flags: impossible combinations and port 0. */
    static const uint8_t bad[] = {
        NET_TCP_SYN | NET_TCP_FIN, NET_TCP_SYN | NET_TCP_RST, NET_TCP_SYN | NET_TCP_FIN | NET_TCP_ACK,
        NET_TCP_SYN | NET_TCP_RST | NET_TCP_ACK, 0, NET_TCP_FIN, NET_TCP_PSH, NET_TCP_URG,
        NET_TCP_FIN | NET_TCP_PSH | NET_TCP_URG, 0xc0 | NET_TCP_FIN,
    };
    for (size_t i = 0; i < sizeof bad; i++) {
        n = mk_ip(f, 5, 6, 0, l4, mk_tcp_l4(l4, 1000, 2000, 1, 2, bad[i], 100, 5, NULL, 0));
        k = classify(f, n, &pk);
        CHECK(k == NET_E_TCP_FLAGS, "flags 0x%02x: %s", bad[i], net_err_name(k));
        if (bad[i] == (NET_TCP_FIN | NET_TCP_PSH | NET_TCP_URG)) {
            write_seed(corpus, "tcp_xmas", f, n);
            crafted(f, n, NET_E_TCP_FLAGS, "FIN+PSH+URG");
        }
    }
    n = mk_ip(f, 5, 6, 0, l4, mk_tcp_l4(l4, 0, 80, 1, 0, NET_TCP_SYN, 100, 5, NULL, 0));
    crafted(f, n, NET_E_TCP_FLAGS, "source port 0");
    n = mk_ip(f, 5, 6, 0, l4, mk_tcp_l4(l4, 80, 0, 1, 0, NET_TCP_SYN, 100, 5, NULL, 0));
    crafted(f, n, NET_E_TCP_FLAGS, "destination port 0");

    /* tcp_trunc: an IP payload shorter than 20 bytes (0 and 19). */
    tl = mk_tcp_l4(l4, 1, 2, 3, 4, NET_TCP_ACK, 5, 5, NULL, 0);
    n = mk_ip(f, 5, 6, 0, l4, 19);
    crafted(f, n, NET_E_TCP_TRUNC, "19-byte segment");
    n = mk_ip(f, 5, 6, 0, l4, 0);
    crafted(f, n, NET_E_TCP_TRUNC, "empty segment");

    /* tcp_off: data offset 0..4, and a header longer than the segment. */
    for (unsigned off = 0; off < 5; off++) {
        tl = mk_tcp_l4(l4, 1, 2, 3, 4, NET_TCP_ACK, 5, 5, "abcdefgh", 8);
        l4[12] = (uint8_t)(off << 4);
        fix_tcp_csum(l4, tl);
        n = mk_ip(f, 5, 6, 0, l4, tl);
        crafted(f, n, NET_E_TCP_OFF, "data offset < 5");
    }
    tl = mk_tcp_l4(l4, 1, 2, 3, 4, NET_TCP_ACK, 5, 5, "abcdefgh", 8);  /* 28 bytes */
    l4[12] = 8 << 4;                                                     /* claims 32 */
    fix_tcp_csum(l4, tl);
    n = mk_ip(f, 5, 6, 0, l4, tl);
    crafted(f, n, NET_E_TCP_OFF, "header past the segment");
    l4[12] = 7 << 4;                                                     /* 28: all header */
    fix_tcp_csum(l4, tl);
    n = mk_ip(f, 5, 6, 0, l4, tl);
    CHECK(classify(f, n, &pk) == NET_K_TCP && pk.tcp_hlen == 28 && pk.payload_len == 0, "header = whole segment");
    /* The offset counts only the IP payload, not Ethernet padding after it. */
    tl = mk_tcp_l4(l4, 1, 2, 3, 4, NET_TCP_ACK, 5, 5, NULL, 0);
    l4[12] = 6 << 4;
    fix_tcp_csum(l4, tl);
    n = mk_ip(f, 5, 6, 0, l4, tl);
    memset(f + n, 0, 60 - n);
    CHECK(classify(f, 60, &pk) == NET_E_TCP_OFF, "header into the Ethernet padding");

    /* tcp_csum: a payload byte, the checksum itself, and the pseudo header
     * (the same segment sent to another address). */
    tl = mk_tcp_l4(l4, 1, 2, 3, 4, NET_TCP_ACK, 5, 5, "abcdef", 6);
    n = mk_ip(f, 5, 6, 0, l4, tl);
    f[n - 3] ^= 0x80;
    crafted(f, n, NET_E_TCP_CSUM, "payload byte changed");
    n = mk_ip(f, 5, 6, 0, l4, tl);
    f[NET_ETH_HLEN + 20 + 17] ^= 0x01;
    crafted(f, n, NET_E_TCP_CSUM, "checksum changed");
    n = mk_ip(f, 5, 6, 0, l4, tl);
    net_put32(f + NET_ETH_HLEN + 16, IP_A + 1);
    net_put16(f + NET_ETH_HLEN + 10, 0);
    net_put16(f + NET_ETH_HLEN + 10, net_csum_fold(net_csum_add(0, f + NET_ETH_HLEN, 20)));
    crafted(f, n, NET_E_TCP_CSUM, "other destination address");
    /* A zero checksum means nothing special in TCP: it is checked. */
    n = mk_ip(f, 5, 6, 0, l4, tl);
    if (net_get16(f + NET_ETH_HLEN + 20 + 16) != 0) {
        net_put16(f + NET_ETH_HLEN + 20 + 16, 0);
        crafted(f, n, NET_E_TCP_CSUM, "zero checksum");
    }
    group_end("tcp");
}

static void test_tcp_build(const char *corpus)
{
    static uint8_t big[NET_TCP_MAX_PAYLOAD + 1];
    uint8_t f[2048];
    struct net_pkt pk;
    memset(big, 'y', sizeof big);
    /* A RST|ACK as the nic sends it: no payload, padded to 60. */
    int n = net_tcp_build(f, sizeof f, mac_a, mac_b, IP_A, IP_B, 80, 40000, 0, 0x01020305, NET_TCP_RST | NET_TCP_ACK,
                          0, 9, NULL, 0);
    CHECK(n == 60, "RST frame length %d", n);
    write_seed(corpus, "tcp_rst_ack", f, (size_t)n);
    int k = classify(f, (size_t)n, &pk);
    CHECK(k == NET_K_TCP && pk.tcp_sport == 80 && pk.tcp_dport == 40000 && pk.tcp_seq == 0 &&
          pk.tcp_ack == 0x01020305 && pk.tcp_flags == (NET_TCP_RST | NET_TCP_ACK) && pk.tcp_win == 0 &&
          pk.tcp_hlen == 20 && pk.payload_len == 0, "RST round trip (%s)", net_err_name(k));
    CHECK(pk.ip_src == IP_A && pk.ip_dst == IP_B && pk.ip_id == 9 && pk.ip_ttl == 64 && pk.ip_totlen == 40 &&
          !memcmp(pk.eth_src, mac_a, 6) && !memcmp(pk.eth_dst, mac_b, 6), "RST IP/Ethernet fields");
    CHECK(!memcmp(f + 54, "\0\0\0\0\0\0", 6) && net_get16(f + 52) == 0, "padding and urgent pointer zero");
    crafted(f, 54, NET_K_TCP, "built RST");
    /* Every field survives a round trip; odd payload checksum matches the reference. */
    n = net_tcp_build(f, sizeof f, mac_b, mac_a, IP_B, IP_A, 65535, 1, 0xdeadbeef, 0xcafef00d,
                      NET_TCP_PSH | NET_TCP_ACK, 0x1234, 0xabcd, (const uint8_t *)"hello", 5);
    k = classify(f, (size_t)n, &pk);
    CHECK(n == 60 && k == NET_K_TCP && pk.tcp_sport == 65535 && pk.tcp_dport == 1 && pk.tcp_seq == 0xdeadbeef &&
          pk.tcp_ack == 0xcafef00d && pk.tcp_flags == (NET_TCP_PSH | NET_TCP_ACK) && pk.tcp_win == 0x1234 &&
          pk.ip_id == 0xabcd && pk.payload_len == 5 && !memcmp(f + pk.payload_off, "hello", 5),
          "data round trip (%d, %s)", n, net_err_name(k));
    CHECK(net_get16(f + 50) == ref_tcp_csum(IP_B, IP_A, f + 34, 25), "built odd-length checksum vs reference");
    f[58] ^= 0x20;
    CHECK(classify(f, (size_t)n, &pk) == NET_E_TCP_CSUM, "built segment, payload changed");
    /* The payload may already lie where it goes. */
    memcpy(f + 54, "in place!", 9);
    n = net_tcp_build(f, sizeof f, mac_a, mac_b, IP_A, IP_B, 7, 8, 1, 2, NET_TCP_ACK, 3, 4, f + 54, 9);
    CHECK(n == 63 && classify(f, (size_t)n, &pk) == NET_K_TCP && !memcmp(f + pk.payload_off, "in place!", 9),
          "payload in place");
    /* The builder does not judge flags: what it is given, the classifier judges. */
    n = net_tcp_build(f, sizeof f, mac_a, mac_b, IP_A, IP_B, 7, 8, 1, 2, NET_TCP_SYN | NET_TCP_FIN, 3, 4, NULL, 0);
    CHECK(n == 60 && classify(f, (size_t)n, &pk) == NET_E_TCP_FLAGS, "built SYN+FIN refused by the classifier");
    /* Sizes: largest payload, one more, short buffers. */
    n = net_tcp_build(f, sizeof f, mac_a, mac_b, IP_A, IP_B, 1, 2, 3, 4, NET_TCP_ACK, 5, 6, big, NET_TCP_MAX_PAYLOAD);
    CHECK(n == 1514 && classify(f, (size_t)n, &pk) == NET_K_TCP && pk.payload_len == NET_TCP_MAX_PAYLOAD,
          "largest segment (%d)", n);
    CHECK(net_tcp_build(f, sizeof f, mac_a, mac_b, IP_A, IP_B, 1, 2, 3, 4, NET_TCP_ACK, 5, 6, big,
                        NET_TCP_MAX_PAYLOAD + 1) == -1, "oversized payload refused");
    CHECK(net_tcp_build(f, 1513, mac_a, mac_b, IP_A, IP_B, 1, 2, 3, 4, NET_TCP_ACK, 5, 6, big,
                        NET_TCP_MAX_PAYLOAD) == -1, "1514-byte frame into 1513 bytes");
    CHECK(net_tcp_build(f, 59, mac_a, mac_b, IP_A, IP_B, 1, 2, 3, 4, NET_TCP_RST, 5, 6, NULL, 0) == -1 &&
          net_tcp_build(f, 60, mac_a, mac_b, IP_A, IP_B, 1, 2, 3, 4, NET_TCP_RST, 5, 6, NULL, 0) == 60,
          "padded RST needs 60 bytes");
    group_end("tcp_build");
}

/* net_classify_ipv4: the classifier from the IPv4 header down, no Ethernet. */
static void test_classify_ipv4(const char *corpus)
{
    uint8_t f[2048], l4[1600], g[2048];
    struct net_pkt pk, fp;
    /* Each kind: the same result and fields as the framed packet, offsets 14 less. */
    size_t n[3];
    n[0] = mk_ip(f, 6, 6, 0, l4, mk_tcp_l4(l4, 1234, 80, 77, 88, NET_TCP_ACK, 99, 6, "tcp", 3));
    memcpy(g, f, n[0]);
    n[1] = mk_ip(f, 5, 17, 0, l4, mk_udp_l4(l4, 5000, 11211, "udp!", 1));
    memcpy(g + 512, f, n[1]);
    n[2] = mk_ip(f, 5, 1, 0, l4, mk_echo_l4(l4, 10));
    memcpy(g + 1024, f, n[2]);
    static const int kinds[3] = { NET_K_TCP, NET_K_UDP, NET_K_ICMP_ECHO };
    for (int i = 0; i < 3; i++) {
        const uint8_t *fr = g + 512 * i;
        int kf = classify(fr, n[i], &fp);
        int k = classify_ip(fr + NET_ETH_HLEN, n[i] - NET_ETH_HLEN, &pk);
        CHECK(k == kinds[i] && kf == k, "kind %d: %s", i, net_err_name(k));
        CHECK(pk.ip_off == 0 && pk.ip_hlen == fp.ip_hlen && pk.ip_totlen == fp.ip_totlen &&
              pk.l4_off == fp.l4_off - NET_ETH_HLEN && pk.l4_len == fp.l4_len && pk.ip_src == IP_B &&
              pk.ip_dst == IP_A && pk.ip_id == 0x1234 && pk.ip_proto == fp.ip_proto, "kind %d: IP fields", i);
        CHECK(pk.payload_len == fp.payload_len &&
              (pk.payload_len == 0 || pk.payload_off == fp.payload_off - NET_ETH_HLEN) &&
              pk.tcp_sport == fp.tcp_sport && pk.tcp_dport == fp.tcp_dport && pk.tcp_seq == fp.tcp_seq &&
              pk.tcp_ack == fp.tcp_ack && pk.tcp_hlen == fp.tcp_hlen && pk.udp_sport == fp.udp_sport &&
              pk.udp_dport == fp.udp_dport && pk.icmp_type == fp.icmp_type, "kind %d: upper-layer fields", i);
        static const uint8_t zero[6];
        CHECK(pk.ethertype == 0 && !memcmp(pk.eth_src, zero, 6) && !memcmp(pk.eth_dst, zero, 6),
              "kind %d: Ethernet fields zero", i);
        crafted(fr, n[i], kinds[i], "bare IPv4 packet");
    }
    classify_ip(g + NET_ETH_HLEN, n[0] - NET_ETH_HLEN, &pk);
    write_seed(corpus, "ipv4_bare_tcp", g + NET_ETH_HLEN, n[0] - NET_ETH_HLEN);   /* for net_classify_ipv4 */
    CHECK(!memcmp(g + NET_ETH_HLEN + pk.payload_off, "tcp", 3), "TCP payload offset from the IP header");
    /* Bytes after the total length are ignored, as link padding is. */
    memcpy(f, g, n[0]);
    memset(f + n[0], 0x55, 7);
    CHECK(classify_ip(f + NET_ETH_HLEN, n[0] - NET_ETH_HLEN + 7, &pk) == NET_K_TCP && pk.payload_len == 3,
          "trailing bytes ignored");
    /* Refusals from the IPv4 layer. */
    CHECK(classify_ip(g, 0, &pk) == NET_E_IP_TRUNC && classify_ip(g + NET_ETH_HLEN, 19, &pk) == NET_E_IP_TRUNC,
          "short packets");
    CHECK(classify_ip(g, n[0], &pk) == NET_E_IP_VERSION, "an Ethernet frame is not an IPv4 packet");
    size_t m = mk_ip(f, 5, 47, 0, l4, 8);
    CHECK(classify_ip(f + NET_ETH_HLEN, m - NET_ETH_HLEN, &pk) == NET_E_IP_PROTO, "unknown protocol");
    m = mk_ip(f, 5, 6, 0x2000, l4, mk_tcp_l4(l4, 1, 2, 3, 4, NET_TCP_SYN, 5, 5, NULL, 0));
    CHECK(classify_ip(f + NET_ETH_HLEN, m - NET_ETH_HLEN, &pk) == NET_E_IP_FRAG, "fragment");
    m = mk_ip(f, 5, 6, 0, l4, mk_tcp_l4(l4, 1, 2, 3, 4, NET_TCP_SYN, 5, 5, NULL, 0));
    f[NET_ETH_HLEN + 8] ^= 1;                   /* TTL changed, checksum not */
    CHECK(classify_ip(f + NET_ETH_HLEN, m - NET_ETH_HLEN, &pk) == NET_E_IP_CSUM, "IP checksum");
    group_end("classify_ipv4");
}

/* net_ipv4_frame: an IPv4 packet put in an Ethernet frame, identification
 * replaced, header checksum recomputed, everything else as given. */
static void test_ipv4_frame(void)
{
    uint8_t f[2048], l4[1600], ip[2048], out[2048];
    struct net_pkt pk, op;
    size_t n = mk_ip(f, 7, 6, 0x4000, l4, mk_tcp_l4(l4, 4321, 80, 10, 20, NET_TCP_ACK | NET_TCP_PSH, 30, 7,
                                                      "data!", 5));
    size_t il = n - NET_ETH_HLEN;
    memcpy(ip, f + NET_ETH_HLEN, il);
    CHECK(classify_ip(ip, il, &pk) == NET_K_TCP, "source packet valid");
    int m = net_ipv4_frame(out, sizeof out, mac_a, mac_b, ip, il, 0x7777);
    CHECK(m == (int)n, "frame length %d vs %zu", m, n);
    int k = classify(out, (size_t)m, &op);
    CHECK(k == NET_K_TCP && op.ip_id == 0x7777 && op.ip_hlen == 28 && op.tcp_sport == 4321 && op.tcp_dport == 80 &&
          op.tcp_seq == 10 && op.tcp_ack == 20 && op.payload_len == 5 && !memcmp(out + op.payload_off, "data!", 5) &&
          !memcmp(op.eth_src, mac_a, 6) && !memcmp(op.eth_dst, mac_b, 6), "round trip (%s)", net_err_name(k));
    CHECK(net_csum_fold(net_csum_add(0, out + NET_ETH_HLEN, 28)) == 0, "header checksum");
    int same = 1;
    for (size_t i = 0; i < il; i++)
        if (i != 4 && i != 5 && i != 10 && i != 11 && out[NET_ETH_HLEN + i] != ip[i])
            same = 0;
    CHECK(same, "only identification and checksum changed");
    crafted(out, (size_t)m, NET_K_TCP, "framed packet");
    /* A short packet is padded with zeros; a wrong header checksum is recomputed. */
    n = mk_ip(f, 5, 1, 0, l4, mk_echo_l4(l4, 0));
    memcpy(ip, f + NET_ETH_HLEN, 28);
    net_put16(ip + 10, 0x1111);
    memset(out, 0xaa, sizeof out);
    m = net_ipv4_frame(out, sizeof out, mac_a, mac_b, ip, 28, 1);
    CHECK(m == 60 && classify(out, 60, &op) == NET_K_ICMP_ECHO && op.ip_id == 1 &&
          !memcmp(out + 42, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 18), "short packet padded");
    CHECK(net_ipv4_frame(out, 59, mac_a, mac_b, ip, 28, 1) == -1, "59-byte buffer");
    /* In place: the packet already after the Ethernet header, or overlapping it. */
    n = mk_ip(f, 5, 6, 0, l4, mk_tcp_l4(l4, 1, 2, 3, 4, NET_TCP_SYN, 5, 5, "xyz", 3));
    memcpy(ip, f + NET_ETH_HLEN, n - NET_ETH_HLEN);
    memset(out, 0, sizeof out);
    memcpy(out + NET_ETH_HLEN, ip, n - NET_ETH_HLEN);
    m = net_ipv4_frame(out, sizeof out, mac_a, mac_b, out + NET_ETH_HLEN, n - NET_ETH_HLEN, 2);
    CHECK(m == 60 && classify(out, 60, &op) == NET_K_TCP && op.ip_id == 2 && op.payload_len == 3, "in place");
    memcpy(out, ip, n - NET_ETH_HLEN);
    m = net_ipv4_frame(out, sizeof out, mac_a, mac_b, out, n - NET_ETH_HLEN, 3);
    CHECK(m == 60 && classify(out, 60, &op) == NET_K_TCP && op.ip_id == 3 && !memcmp(out + op.payload_off, "xyz", 3),
          "overlapping the Ethernet header");
    /* Refused: no IPv4 framing, or more than one frame. */
    CHECK(net_ipv4_frame(out, sizeof out, mac_a, mac_b, ip, 19, 1) == -1, "19 bytes");
    ip[0] = 0x65;
    CHECK(net_ipv4_frame(out, sizeof out, mac_a, mac_b, ip, 40, 1) == -1, "version 6");
    ip[0] = 0x44;
    CHECK(net_ipv4_frame(out, sizeof out, mac_a, mac_b, ip, 40, 1) == -1, "IHL 4");
    ip[0] = 0x4f;
    CHECK(net_ipv4_frame(out, sizeof out, mac_a, mac_b, ip, 40, 1) == -1, "IHL past the packet");
    ip[0] = 0x45;
    CHECK(net_ipv4_frame(out, sizeof out, mac_a, mac_b, ip, NET_IPV4_MAX_PACKET + 1, 1) == -1, "1501 bytes");
    m = net_ipv4_frame(out, sizeof out, mac_a, mac_b, ip, NET_IPV4_MAX_PACKET, 1);
    CHECK(m == 1514, "1500 bytes framed (%d)", m);
    group_end("ipv4_frame");
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
    CHECK(!strcmp(net_err_name(NET_E_IP_OPTIONS), "ip_options") && !strcmp(net_err_name(NET_E_TCP_TRUNC), "tcp_trunc") &&
          !strcmp(net_err_name(NET_E_TCP_OFF), "tcp_off") && !strcmp(net_err_name(NET_E_TCP_CSUM), "tcp_csum") &&
          !strcmp(net_err_name(NET_E_TCP_FLAGS), "tcp_flags") && !strcmp(net_err_name(-NET_E_COUNT), "unknown") &&
          !strcmp(net_err_name(INT_MIN), "unknown") && !strcmp(net_err_name(NET_K_TCP), "ok"), "TCP error names");
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
    test_tcp(corpus);
    test_tcp_build(corpus);
    test_classify_ipv4(corpus);
    test_ipv4_frame();
    test_ip_text();
    return any_failed ? 3 : 0;
}
