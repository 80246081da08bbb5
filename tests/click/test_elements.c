/* Per-element behaviour on crafted packets (in-memory devices). */
#include <stdlib.h>

#include "click_test.h"

#define SETUP(t, cfg) CHECK(ct_setup(&(t), cfg) == 0, "config rejected: %s", (t).err)

static const uint8_t *tx(ct_env *t, const char *dev, int i, uint32_t *len) {
    static uint32_t dummy;
    return ct_tx(t, dev, i, len ? len : &dummy);
}

/* ---- CheckIPHeader ---- */
static void checkip_cases(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> c :: CheckIPHeader(DETAILS true) -> ToDevice(good);"
             "c[1] -> ToDevice(bad)");
    uint8_t b[200];
    size_t n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.2"), 1, 2, 20);
    ct_rx(&t, "in", b, n);                         /* 0 good */
    ct_rx(&t, "in", b, 19);                        /* 1 truncated below 20 */
    uint8_t x[200];
    memcpy(x, b, n); x[10] ^= 1;                   /* 2 bad checksum */
    ct_rx(&t, "in", x, n);
    memcpy(x, b, n); x[0] = 0x44; pk_fix_ip(x);    /* 3 header length 16 */
    ct_rx(&t, "in", x, n);
    memcpy(x, b, n); x[0] = 0x65;                  /* 4 version 6 */
    ct_rx(&t, "in", x, n);
    memcpy(x, b, n); wr16(x + 2, (uint16_t)(n + 10)); pk_fix_ip(x); /* 5 length beyond data */
    ct_rx(&t, "in", x, n);
    memcpy(x, b, n); wr16(x + 2, 12); pk_fix_ip(x); /* 6 length below header */
    ct_rx(&t, "in", x, n);
    memcpy(x, b, n + 10); memset(x + n, 0xee, 10); /* 7 link padding: good, trimmed */
    ct_rx(&t, "in", x, n + 10);
    memcpy(x, b, n); wr32(x + 12, ct_ip("224.0.0.5")); pk_fix_ip(x); /* 8 multicast source */
    ct_rx(&t, "in", x, n);
    /* 9 options: NOP, NOP, record route len 7, EOL (12 bytes) -> good */
    memcpy(x, b, 20); x[0] = 0x48;
    uint8_t opt[12] = {1, 1, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0};
    memcpy(x + 20, opt, 12); memcpy(x + 32, b + 20, n - 20);
    wr16(x + 2, (uint16_t)(n + 12)); pk_fix_ip(x);
    ct_rx(&t, "in", x, n + 12);
    x[22 + 1] = 40; pk_fix_ip(x);                  /* 10 option length overruns header */
    ct_rx(&t, "in", x, n + 12);
    memcpy(x, b, 20); x[0] = 0x46; x[20] = 0x44; pk_fix_ip(x); /* 11 option type w/o length at end */
    wr16(x + 2, 24); pk_fix_ip(x);
    ct_rx(&t, "in", x, 24);
    ct_run(&t);
    CHECK(ct_ntx(&t, "good") == 3, "good %d", ct_ntx(&t, "good"));
    CHECK(ct_ntx(&t, "bad") == 9, "bad %d", ct_ntx(&t, "bad"));
    uint32_t l;
    tx(&t, "good", 1, &l);
    CHECK(l == n, "padding not trimmed (%u vs %zu)", l, n);
    CHECK(ct_read_n(&t, "c.count") == 3 && ct_read_n(&t, "c.drops") == 9, "counters");
    const char *d = ct_read(&t, "c.drop_details");
    CHECK(strstr(d, "1 packets with too short") && strstr(d, "1 packets with bad IP checksum") &&
          strstr(d, "1 packets with bad IP version") && strstr(d, "2 packets with bad IP length") &&
          strstr(d, "1 packets with bad IP header length") && strstr(d, "2 packets with bad IP options") &&
          strstr(d, "1 packets with bad source address"), "details: %s", d);
    ct_teardown(&t);
}

static void checkip_offset_and_annotations(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> CheckIPHeader(14, CHECKSUM false) -> c :: IPClassifier(dst host 10.0.0.2, -)"
             " -> ToDevice(a); c[1] -> ToDevice(b); FromDevice(in2) -> CheckIPHeader(OFFSET 14) -> d :: Discard");
    uint8_t b[200];
    size_t n = pk_eth(b, pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.2"), 1, 2, 8), 0x0800);
    b[14 + 10] ^= 0xff; /* bad checksum, not checked */
    ct_rx(&t, "in", b, n);
    ct_rx(&t, "in2", b, n);
    ct_run(&t);
    CHECK(ct_ntx(&t, "a") == 1, "IPClassifier should find the IP header via the annotation (a=%d b=%d)",
          ct_ntx(&t, "a"), ct_ntx(&t, "b"));
    CHECK(ct_read_n(&t, "d.count") == 0, "checksum checked with OFFSET keyword");
    ct_teardown(&t);
}

static void checkarp(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> c :: CheckARPHeader(14) -> ToDevice(good); c[1] -> ToDevice(bad)");
    uint8_t b[64] = {0};
    wr16(b + 12, 0x0806);
    wr16(b + 14, 1); wr16(b + 16, 0x0800); b[18] = 6; b[19] = 4; wr16(b + 20, 1);
    ct_rx(&t, "in", b, 42);
    ct_rx(&t, "in", b, 30); /* truncated addresses */
    b[18] = 8;
    ct_rx(&t, "in", b, 42); /* bad hardware length */
    ct_run(&t);
    CHECK(ct_ntx(&t, "good") == 1 && ct_ntx(&t, "bad") == 2, "good %d bad %d", ct_ntx(&t, "good"), ct_ntx(&t, "bad"));
    ct_teardown(&t);
}

/* ---- Classifier ---- */
static void classifier(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> c :: Classifier(12/0806 20/0002, 12/0800 23/11, !12/0800 0/02%0f, -)"
             "; c[0] -> ToDevice(o0); c[1] -> ToDevice(o1); c[2] -> ToDevice(o2); c[3] -> ToDevice(o3)");
    uint8_t b[64] = {0};
    wr16(b + 12, 0x0806); wr16(b + 20, 2);
    ct_rx(&t, "in", b, 60);          /* ARP reply -> 0 */
    wr16(b + 20, 1);
    b[0] = 0x12;
    ct_rx(&t, "in", b, 60);          /* ARP request, low nibble 2 -> 2 */
    wr16(b + 12, 0x0800); b[23] = 17;
    ct_rx(&t, "in", b, 60);          /* IP UDP -> 1 */
    ct_rx(&t, "in", b, 22);          /* too short for 23/11 -> not 1; IP so not 2 -> 3 */
    b[23] = 6;
    ct_rx(&t, "in", b, 60);          /* IP TCP -> 3 */
    ct_run(&t);
    CHECK(ct_ntx(&t, "o0") == 1 && ct_ntx(&t, "o1") == 1 && ct_ntx(&t, "o2") == 1 && ct_ntx(&t, "o3") == 2,
          "got %d %d %d %d", ct_ntx(&t, "o0"), ct_ntx(&t, "o1"), ct_ntx(&t, "o2"), ct_ntx(&t, "o3"));
    ct_teardown(&t);
    SETUP(t, "FromDevice(in) -> c :: Classifier(0/a?b?) -> ToDevice(o)");
    uint8_t p[4] = {0xa5, 0xb6, 0, 0}, q[4] = {0xb5, 0xb6, 0, 0};
    ct_rx(&t, "in", p, 4);
    ct_rx(&t, "in", q, 4);
    ct_run(&t);
    CHECK(ct_ntx(&t, "o") == 1 && ct_read_n(&t, "c.drops") == 1, "wildcard nibbles");
    ct_teardown(&t);
}

/* ---- IPFilter / IPClassifier ---- */
typedef struct { const char *expr; int expect[8]; } fcase;

static void ipfilter_expressions(void) {
    uint8_t pk[8][128];
    size_t len[8];
    len[0] = pk_tcp(pk[0], ct_ip("10.0.0.1"), ct_ip("192.168.1.5"), 1234, 80, 0x02);     /* SYN */
    len[1] = pk_tcp(pk[1], ct_ip("10.0.0.2"), ct_ip("192.168.1.6"), 22, 40000, 0x12);    /* SYN+ACK */
    len[2] = pk_udp(pk[2], ct_ip("10.0.1.1"), ct_ip("192.168.2.1"), 53, 53, 4);
    len[3] = pk_icmp(pk[3], ct_ip("172.16.0.1"), ct_ip("10.0.0.1"), 8, 4);
    len[4] = pk_icmp(pk[4], ct_ip("172.16.0.1"), ct_ip("10.0.0.1"), 0, 4);
    memcpy(pk[5], pk[0], len[0]); len[5] = len[0];
    wr16(pk[5] + 6, 0x0020); pk_fix_ip(pk[5]);                         /* non-first fragment */
    memcpy(pk[6], pk[0], len[0]); len[6] = 24;          /* TCP cut after the ports */
    wr16(pk[6] + 2, 24); pk_fix_ip(pk[6]);
    len[7] = 10;
    memset(pk[7], 0x60, 10);                                            /* not IPv4 */
    static const fcase cases[] = {
        {"host 10.0.0.1", {1, 0, 0, 1, 1, 1, 1, 0}},
        {"src host 10.0.0.1", {1, 0, 0, 0, 0, 1, 1, 0}},
        {"dst host 10.0.0.1", {0, 0, 0, 1, 1, 0, 0, 0}},
        {"src or dst host 10.0.0.1", {1, 0, 0, 1, 1, 1, 1, 0}},
        {"src and dst host 10.0.0.1", {0, 0, 0, 0, 0, 0, 0, 0}},
        {"src net 10.0.0.0/24", {1, 1, 0, 0, 0, 1, 1, 0}},
        {"src net 10.0.0.0 mask 255.255.0.0", {1, 1, 1, 0, 0, 1, 1, 0}},
        {"dst net 192.168.0.0/16 and not dst net 192.168.2.0/24", {1, 1, 0, 0, 0, 1, 1, 0}},
        {"tcp", {1, 1, 0, 0, 0, 1, 1, 0}},
        {"ip proto udp", {0, 0, 1, 0, 0, 0, 0, 0}},
        {"proto 1", {0, 0, 0, 1, 1, 0, 0, 0}},
        {"port 80", {1, 0, 0, 0, 0, 0, 1, 0}},
        {"tcp dst port www", {1, 0, 0, 0, 0, 0, 1, 0}},
        {"udp port 53", {0, 0, 1, 0, 0, 0, 0, 0}},
        {"src port 22 || src port 53", {0, 1, 1, 0, 0, 0, 0, 0}},
        {"dst port > 1023", {0, 1, 0, 0, 0, 0, 0, 0}},
        {"dst port 50-100", {1, 0, 1, 0, 0, 0, 1, 0}},
        {"dst port != 80", {0, 1, 1, 0, 0, 0, 0, 0}},
        {"icmp type echo", {0, 0, 0, 1, 0, 0, 0, 0}},
        {"icmp type echo-reply", {0, 0, 0, 0, 1, 0, 0, 0}},
        {"tcp opt syn", {1, 1, 0, 0, 0, 0, 0, 0}},
        {"tcp opt syn && !(tcp opt ack)", {1, 0, 0, 0, 0, 0, 0, 0}},
        {"tcp opt ack", {0, 1, 0, 0, 0, 0, 0, 0}},
        {"ip frag", {0, 0, 0, 0, 0, 1, 0, 0}},
        {"ip unfrag and tcp", {1, 1, 0, 0, 0, 0, 1, 0}},
        {"ip ttl 64", {1, 1, 1, 1, 1, 1, 1, 0}},
        {"ip ttl < 64", {0, 0, 0, 0, 0, 0, 0, 0}},
        {"true", {1, 1, 1, 1, 1, 1, 1, 1}},
        {"-", {1, 1, 1, 1, 1, 1, 1, 1}},
        {"false", {0, 0, 0, 0, 0, 0, 0, 0}},
        {"not tcp", {0, 0, 1, 1, 1, 0, 0, 1}},
        {"src host 10.0.0.1 or 10.0.0.2", {1, 1, 0, 0, 0, 1, 1, 0}},
        {"tcp or udp and port 53", {1, 1, 1, 0, 0, 1, 1, 0}},
        {"(tcp or udp) and port 53", {0, 0, 1, 0, 0, 0, 0, 0}},
        {"tcp src net 10.0.0.0/8 dst port 80", {1, 0, 0, 0, 0, 0, 1, 0}},
        {"icmp or src port 22", {0, 1, 0, 1, 1, 0, 0, 0}},
        {NULL, {0}}};
    for (int c = 0; cases[c].expr; c++) {
        char cfg[512];
        snprintf(cfg, sizeof cfg, "FromDevice(in) -> f :: IPClassifier(%s) -> ToDevice(out)", cases[c].expr);
        ct_env t;
        CHECK(ct_setup(&t, cfg) == 0, "'%s' rejected: %s", cases[c].expr, t.err);
        for (int i = 0; i < 8; i++) ct_rx(&t, "in", pk[i], len[i]);
        ct_run(&t);
        int got[8] = {0}, k = 0;
        for (int i = 0; i < 8; i++) {
            uint32_t l;
            const uint8_t *d = tx(&t, "out", k, &l);
            if (d && l == len[i] && !memcmp(d, pk[i], l)) {
                got[i] = 1;
                k++;
            }
        }
        int total = ct_ntx(&t, "out");
        ct_teardown(&t);
        for (int i = 0; i < 8; i++)
            CHECK(got[i] == cases[c].expect[i], "'%s': packet %d %s", cases[c].expr, i,
                  got[i] ? "matched but should not" : "did not match");
        CHECK(total == k, "'%s': unexpected extra output", cases[c].expr);
    }
}

static void ipfilter_actions(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> f :: IPFilter(drop src host 10.0.0.9, 1 udp, allow tcp, deny all)"
             " -> ToDevice(o0); f[1] -> ToDevice(o1)");
    uint8_t b[128];
    size_t n = pk_tcp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.2"), 1, 2, 0);
    ct_rx(&t, "in", b, n);
    n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.2"), 1, 2, 0);
    ct_rx(&t, "in", b, n);
    n = pk_udp(b, ct_ip("10.0.0.9"), ct_ip("10.0.0.2"), 1, 2, 0);
    ct_rx(&t, "in", b, n);
    n = pk_icmp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.2"), 8, 0);
    ct_rx(&t, "in", b, n);
    ct_run(&t);
    CHECK(ct_ntx(&t, "o0") == 1 && ct_ntx(&t, "o1") == 1 && ct_read_n(&t, "f.drops") == 2,
          "o0 %d o1 %d drops %s", ct_ntx(&t, "o0"), ct_ntx(&t, "o1"), ct_read(&t, "f.drops"));
    ct_teardown(&t);
    const char *e = ct_config_error("Idle -> IPFilter(permit tcp) -> Discard");
    CHECK(strstr(e, "expected action"), "bad action accepted: %s", e);
    e = ct_config_error("Idle -> IPFilter(allow src host 300.1.1.1) -> Discard");
    CHECK(strstr(e, "bad IP address"), "bad address accepted: %s", e);
    e = ct_config_error("Idle -> IPFilter(allow (tcp) -> Discard");
    CHECK(e[0], "unbalanced parenthesis accepted");
}

/* ---- link layer ---- */
static void strip_unstrip_encap_mirror(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> s :: Strip(14) -> Unstrip(4) -> EtherEncap(0x86dd, 1:2:3:4:5:6, a:b:c:d:e:f)"
             " -> EtherMirror -> ToDevice(out)");
    uint8_t b[64];
    for (int i = 0; i < 64; i++) b[i] = (uint8_t)i;
    ct_rx(&t, "in", b, 40);
    ct_rx(&t, "in", b, 10); /* shorter than Strip(14): dropped */
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 1 && ct_read_n(&t, "s.drops") == 1, "out %d", ct_ntx(&t, "out"));
    uint32_t l;
    const uint8_t *o = tx(&t, "out", 0, &l);
    static const uint8_t hdr[14] = {1, 2, 3, 4, 5, 6, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x86, 0xdd};
    CHECK(l == 14 + 4 + 26 && !memcmp(o, hdr, 14), "Ethernet header wrong");
    CHECK(!memcmp(o + 14, b + 10, 30), "Unstrip did not restore the original bytes");
    ct_teardown(&t);
}

/* ---- ARP ---- */
static size_t arp_frame(uint8_t *b, int op, const uint8_t sha[6], uint32_t spa, uint32_t tpa) {
    memset(b, 0, 60);
    memset(b, 0xff, 6);
    memcpy(b + 6, sha, 6);
    wr16(b + 12, 0x0806);
    uint8_t *a = b + 14;
    wr16(a, 1); wr16(a + 2, 0x0800); a[4] = 6; a[5] = 4; wr16(a + 6, (uint16_t)op);
    memcpy(a + 8, sha, 6); wr32(a + 14, spa); wr32(a + 24, tpa);
    return 60;
}

static void arp_responder(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> r :: ARPResponder(10.0.0.1 10.0.0.2 2:0:0:0:0:1, 10.1.0.0/16 2:0:0:0:0:2)"
             " -> ToDevice(out); r[1] -> ToDevice(other)");
    const uint8_t peer[6] = {2, 0, 0, 0, 0, 0x99};
    uint8_t b[64];
    ct_rx(&t, "in", b, arp_frame(b, 1, peer, ct_ip("10.0.0.7"), ct_ip("10.0.0.2")));
    ct_rx(&t, "in", b, arp_frame(b, 1, peer, ct_ip("10.0.0.7"), ct_ip("10.1.7.7")));
    ct_rx(&t, "in", b, arp_frame(b, 1, peer, ct_ip("10.0.0.7"), ct_ip("10.0.0.3")));
    ct_rx(&t, "in", b, arp_frame(b, 2, peer, ct_ip("10.0.0.7"), ct_ip("10.0.0.1")));
    ct_rx(&t, "in", b, 20);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 2 && ct_ntx(&t, "other") == 3, "out %d other %d", ct_ntx(&t, "out"), ct_ntx(&t, "other"));
    uint32_t l;
    const uint8_t *o = tx(&t, "out", 0, &l);
    CHECK(l == 42 && !memcmp(o, peer, 6) && o[11] == 1 && rd16(o + 20) == 2, "reply header");
    CHECK(rd32(o + 28) == ct_ip("10.0.0.2") && o[27] == 1 && rd32(o + 38) == ct_ip("10.0.0.7") &&
          !memcmp(o + 32, peer, 6), "reply addresses");
    o = tx(&t, "out", 1, &l);
    CHECK(o[27] == 2 && rd32(o + 28) == ct_ip("10.1.7.7"), "prefix entry");
    ct_teardown(&t);
}

static void arp_querier(void) {
    ct_env t;
    SETUP(t, "FromDevice(ip) -> [0]q :: ARPQuerier(10.0.0.1, 2:0:0:0:0:1, CAPACITY 2) -> ToDevice(out);"
             "FromDevice(arp) -> [1]q; q[1] -> ToDevice(queries)");
    uint8_t b[128];
    size_t n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.9"), 1, 2, 4);
    for (int i = 0; i < 3; i++) ct_rx(&t, "ip", b, n);   /* third exceeds CAPACITY 2 */
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 0, "sent before resolution");
    CHECK(ct_ntx(&t, "queries") == 1, "queries %d (should be one, rate-limited)", ct_ntx(&t, "queries"));
    uint32_t l;
    const uint8_t *qq = tx(&t, "queries", 0, &l);
    CHECK(l == 42 && qq[0] == 0xff && rd16(qq + 12) == 0x0806 && rd16(qq + 20) == 1 &&
          rd32(qq + 28) == ct_ip("10.0.0.1") && rd32(qq + 38) == ct_ip("10.0.0.9") && qq[27] == 1,
          "bad ARP query");
    CHECK(ct_read_n(&t, "q.drops") == 1, "capacity drop not counted");
    /* the reply arrives: queued packets go out encapsulated */
    const uint8_t peer[6] = {2, 0, 0, 0, 0, 9};
    uint8_t a[64];
    arp_frame(a, 2, peer, ct_ip("10.0.0.9"), ct_ip("10.0.0.1"));
    ct_rx(&t, "arp", a, 60);
    click_router_destroy(t.r);
    t.r = NULL;
    ct_teardown(&t);
    /* same again in one router, with the reply after the packets */
    SETUP(t, "FromDevice(ip) -> [0]q :: ARPQuerier(10.0.0.1, 2:0:0:0:0:1) -> ToDevice(out);"
             "FromDevice(arp) -> Queue -> d :: Unqueue -> [1]q");
    ct_rx(&t, "ip", b, n);
    ct_rx(&t, "ip", b, n);
    ct_rx(&t, "arp", a, 60);
    ct_run(&t);
    /* out: 1 query + 2 encapsulated packets */
    CHECK(ct_ntx(&t, "out") == 3, "out %d", ct_ntx(&t, "out"));
    const uint8_t *o = tx(&t, "out", 1, &l);
    CHECK(l == n + 14 && !memcmp(o, peer, 6) && o[11] == 1 && rd16(o + 12) == 0x0800 &&
          !memcmp(o + 14, b, n), "encapsulation wrong");
    CHECK(strstr(ct_read(&t, "q.table"), "10.0.0.9 1 02-00-00-00-00-09"), "table: %s", ct_read(&t, "q.table"));
    ct_rx(&t, "ip", b, n); /* now known: sent at once */
    ct_run(&t);
    ct_teardown(&t);
}

/* ---- ICMP, TTL, checksum ---- */
static void ping_responder(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> p :: ICMPPingResponder -> ToDevice(out); p[1] -> ToDevice(other)");
    uint8_t b[128];
    size_t n = pk_icmp(b, ct_ip("10.0.0.5"), ct_ip("10.0.0.1"), 8, 12);
    ct_rx(&t, "in", b, n);
    uint8_t c[128];
    size_t m = pk_icmp(c, ct_ip("10.0.0.5"), ct_ip("10.0.0.1"), 13, 12);
    ct_rx(&t, "in", c, m);                     /* timestamp request */
    ct_rx(&t, "in", b, 24);                    /* truncated */
    m = pk_udp(c, ct_ip("10.0.0.5"), ct_ip("10.0.0.1"), 1, 7, 4);
    ct_rx(&t, "in", c, m);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 1 && ct_ntx(&t, "other") == 3, "out %d other %d", ct_ntx(&t, "out"), ct_ntx(&t, "other"));
    uint32_t l;
    const uint8_t *o = tx(&t, "out", 0, &l);
    CHECK(l == n && rd32(o + 12) == ct_ip("10.0.0.1") && rd32(o + 16) == ct_ip("10.0.0.5"), "addresses");
    CHECK(o[20] == 0 && !memcmp(o + 24, b + 24, n - 24), "type/payload");
    CHECK(click_in_cksum(o, 20) == 0 && pk_l4_ok(o), "checksums");
    ct_teardown(&t);
}

static void dec_ttl_and_checksum(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> d :: DecIPTTL -> ToDevice(out); d[1] -> ToDevice(expired);"
             "FromDevice(in2) -> SetIPChecksum -> ToDevice(out2)");
    uint8_t b[128];
    size_t n = pk_udp(b, 1, 2, 3, 4, 4);
    for (int ttl = 255; ttl >= 0; ttl -= 51) {
        b[8] = (uint8_t)ttl;
        pk_fix_ip(b);
        ct_rx(&t, "in", b, n);
    }
    b[8] = 1;
    pk_fix_ip(b);
    ct_rx(&t, "in", b, n);
    b[10] = b[11] = 0x55;
    ct_rx(&t, "in2", b, n);
    ct_rx(&t, "in2", b, 12);
    ct_run(&t);
    /* ttls 255 204 153 102 51 0, then 1: two expire */
    CHECK(ct_ntx(&t, "out") == 5 && ct_ntx(&t, "expired") == 2, "out %d expired %d", ct_ntx(&t, "out"), ct_ntx(&t, "expired"));
    for (int i = 0; i < 5; i++) {
        uint32_t l;
        const uint8_t *o = tx(&t, "out", i, &l);
        CHECK(o[8] == 254 - 51 * i, "ttl %d", o[8]);
        CHECK(click_in_cksum(o, 20) == 0, "incremental checksum wrong for ttl %d", o[8]);
    }
    uint32_t l;
    CHECK(ct_ntx(&t, "out2") == 1 && click_in_cksum(tx(&t, "out2", 0, &l), 20) == 0, "SetIPChecksum");
    ct_teardown(&t);
}

/* ---- IPRewriter ---- */
static void rewriter_ports_and_checksums(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> rw :: IPRewriter(pattern 1.1.1.1 2000-2001 - - 0 1, drop) -> ToDevice(out);"
             "FromDevice(back) -> [1]rw; rw[1] -> ToDevice(inside)");
    uint8_t b[128];
    size_t n;
    n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("9.9.9.9"), 100, 53, 8);
    wr16(b + 26, 0); /* UDP checksum 0 = none */
    ct_rx(&t, "in", b, n);
    n = pk_tcp(b, ct_ip("10.0.0.2"), ct_ip("9.9.9.9"), 100, 80, 2);
    ct_rx(&t, "in", b, n);
    n = pk_tcp(b, ct_ip("10.0.0.3"), ct_ip("9.9.9.9"), 100, 80, 2);
    ct_rx(&t, "in", b, n); /* third flow: ports 2000-2001 exhausted for TCP? no: UDP used 2000 */
    n = pk_tcp(b, ct_ip("10.0.0.4"), ct_ip("9.9.9.9"), 100, 80, 2);
    ct_rx(&t, "in", b, n); /* fourth TCP flow: no free port */
    n = pk_icmp(b, ct_ip("10.0.0.5"), ct_ip("9.9.9.9"), 8, 0);
    ct_rx(&t, "in", b, n); /* not TCP/UDP: dropped */
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 3, "out %d", ct_ntx(&t, "out"));
    CHECK(ct_read_n(&t, "rw.mapping_failures") == 1 && ct_read_n(&t, "rw.drops") == 1,
          "failures %s drops %s", ct_read(&t, "rw.mapping_failures"), ct_read(&t, "rw.drops"));
    uint16_t ports[3];
    for (int i = 0; i < 3; i++) {
        uint32_t l;
        const uint8_t *o = tx(&t, "out", i, &l);
        CHECK(rd32(o + 12) == ct_ip("1.1.1.1"), "source not rewritten");
        CHECK(click_in_cksum(o, 20) == 0 && pk_l4_ok(o), "checksum wrong on output %d", i);
        ports[i] = rd16(o + 20);
    }
    uint32_t l;
    CHECK(rd16(tx(&t, "out", 0, &l) + 26) == 0, "zero UDP checksum changed");
    CHECK(ports[0] == 2000 && ports[1] == 2001 && ports[2] == 2000, "ports %u %u %u", ports[0], ports[1], ports[2]);
    /* replies to both TCP mappings */
    n = pk_tcp(b, ct_ip("9.9.9.9"), ct_ip("1.1.1.1"), 80, 2000, 0x12);
    ct_rx(&t, "back", b, n);
    n = pk_tcp(b, ct_ip("9.9.9.9"), ct_ip("1.1.1.1"), 80, 2001, 0x12);
    ct_rx(&t, "back", b, n);
    n = pk_tcp(b, ct_ip("9.9.9.8"), ct_ip("1.1.1.1"), 80, 2001, 0x12); /* wrong peer */
    ct_rx(&t, "back", b, n);
    ct_run(&t);
    CHECK(ct_ntx(&t, "inside") == 2, "inside %d", ct_ntx(&t, "inside"));
    const uint8_t *o = tx(&t, "inside", 0, &l);
    CHECK(rd32(o + 16) == ct_ip("10.0.0.3") && rd16(o + 22) == 100 && rd32(o + 12) == ct_ip("9.9.9.9"),
          "reply not mapped back to 10.0.0.3:100");
    CHECK(click_in_cksum(o, 20) == 0 && pk_l4_ok(o), "reply checksum");
    o = tx(&t, "inside", 1, &l);
    CHECK(rd32(o + 16) == ct_ip("10.0.0.2"), "second reply");
    CHECK(ct_read_n(&t, "rw.nmappings") == 3, "nmappings %s", ct_read(&t, "rw.nmappings"));
    ct_teardown(&t);
}

static void rewriter_expiry_and_pass(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> rw :: IPRewriter(pattern 1.1.1.1 3000-3000 - - 0 0, pass 1, UDP_TIMEOUT 10)"
             " -> ToDevice(out); FromDevice(other) -> [1]rw; rw[1] -> ToDevice(passed)");
    uint8_t b[128];
    size_t n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("9.9.9.9"), 1, 2, 0);
    click_memdev_set_time(t.m, 1000000000ull);
    ct_rx(&t, "in", b, n);
    ct_run(&t);
    n = pk_udp(b, ct_ip("10.0.0.2"), ct_ip("9.9.9.9"), 1, 2, 0);
    ct_rx(&t, "in", b, n);  /* port 3000 busy: fails */
    ct_rx(&t, "other", b, n); /* unmapped on a pass input */
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 1 && ct_read_n(&t, "rw.mapping_failures") == 1, "out %d", ct_ntx(&t, "out"));
    CHECK(ct_ntx(&t, "passed") == 1, "pass spec");
    click_memdev_set_time(t.m, 20000000000ull); /* first mapping expired */
    ct_rx(&t, "in", b, n);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 2, "expired mapping not reclaimed");
    uint32_t l;
    CHECK(rd16(tx(&t, "out", 1, &l) + 20) == 3000, "port not reused");
    ct_teardown(&t);
}

/* ---- counters, monitors ---- */
static void counters(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> c :: Counter -> a :: AverageCounter -> Discard");
    uint8_t b[100] = {0};
    click_memdev_set_live(t.m, "in", true);
    for (int i = 0; i < 11; i++) {
        click_memdev_set_time(t.m, 1000000000ull + (uint64_t)i * 100000000ull);
        ct_rx(&t, "in", b, 100);
        click_router_run(t.r, 3);
    }
    CHECK(ct_read_n(&t, "c.count") == 11 && ct_read_n(&t, "c.byte_count") == 1100, "counts");
    CHECK(!strcmp(ct_read(&t, "c.rate"), "10.0"), "rate %s", ct_read(&t, "c.rate"));
    CHECK(!strcmp(ct_read(&t, "a.rate"), "10.0"), "avg rate %s", ct_read(&t, "a.rate"));
    ct_teardown(&t);
}

static void rate_monitor(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> m :: IPRateMonitor(BYTES, 1, 1000) -> ToDevice(ok); m[1] -> ToDevice(flagged)");
    uint8_t b[200];
    size_t n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.2"), 1, 2, 72); /* 100 bytes */
    uint8_t c[200];
    size_t m = pk_udp(c, ct_ip("10.0.0.7"), ct_ip("10.0.0.2"), 1, 2, 72);
    for (int i = 0; i < 15; i++) click_memdev_add_rx(t.m, "in", b, (uint32_t)n, 1000000000ull + (uint64_t)i * 1000000ull);
    click_memdev_add_rx(t.m, "in", c, (uint32_t)m, 1500000000ull);
    /* after three quiet windows the heavy source is unflagged */
    click_memdev_add_rx(t.m, "in", b, (uint32_t)n, 5000000000ull);
    ct_run(&t);
    /* 1000 bytes/s threshold: packets 11..15 of 10.0.0.1 exceed it */
    CHECK(ct_ntx(&t, "ok") == 12 && ct_ntx(&t, "flagged") == 5, "ok %d flagged %d", ct_ntx(&t, "ok"), ct_ntx(&t, "flagged"));
    CHECK(ct_read_n(&t, "m.nflagged") == 0, "still flagged: %s", ct_read(&t, "m.look"));
    ct_teardown(&t);
    const char *e = ct_config_error("Idle -> IPRateMonitor(FRAMES, 0.5, 10) -> Discard");
    CHECK(strstr(e, "TYPE must be"), "bad TYPE accepted: %s", e);
}

/* ---- queues, switches, sinks, paint, print ---- */
static void queue_unqueue(void) {
    ct_env t;
    SETUP(t, "FromDevice(in, BURST 10) -> q :: Queue(4) -> u :: Unqueue(BURST 2) -> ToDevice(out)");
    uint8_t b[60] = {0};
    for (int i = 0; i < 10; i++) ct_rx(&t, "in", b, 60);
    ct_run(&t);
    /* one burst of 10 arrives before Unqueue runs: 6 dropped */
    CHECK(ct_read_n(&t, "q.drops") == 6 && ct_ntx(&t, "out") == 4, "drops %s out %d", ct_read(&t, "q.drops"), ct_ntx(&t, "out"));
    CHECK(ct_read_n(&t, "q.highwater_length") == 4 && ct_read_n(&t, "q.capacity") == 4, "highwater");
    ct_teardown(&t);
    SETUP(t, "FromDevice(in) -> s :: SimpleQueue(2) -> d :: Discard");
    for (int i = 0; i < 5; i++) ct_rx(&t, "in", b, 60);
    ct_run(&t);
    CHECK(ct_read_n(&t, "d.count") + ct_read_n(&t, "s.drops") == 5, "pull Discard");
    ct_teardown(&t);
}

static void switches(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> t :: Tee(3); t[0] -> ToDevice(a); t[1] -> ToDevice(b); t[2] -> Paint(5) -> ToDevice(c);"
             "FromDevice(in2) -> r :: RoundRobinSwitch; r[0] -> ToDevice(r0); r[1] -> ToDevice(r1); r[2] -> ToDevice(r2);"
             "FromDevice(in3) -> h :: HashSwitch(0, 2); h[0] -> ToDevice(h0); h[1] -> ToDevice(h1)");
    uint8_t b[60];
    for (int i = 0; i < 60; i++) b[i] = (uint8_t)i;
    ct_rx(&t, "in", b, 60);
    for (int i = 0; i < 7; i++) ct_rx(&t, "in2", b, 60);
    for (int i = 0; i < 40; i++) {
        b[0] = (uint8_t)(i % 4);
        ct_rx(&t, "in3", b, 60);
    }
    ct_rx(&t, "in3", b, 1); /* too short: output 0 */
    ct_run(&t);
    uint32_t la, lb, lc;
    const uint8_t *pa = tx(&t, "a", 0, &la), *pb = tx(&t, "b", 0, &lb), *pc = tx(&t, "c", 0, &lc);
    CHECK(pa && pb && pc && la == 60 && lb == 60 && lc == 60 && !memcmp(pa, pb, 60) && !memcmp(pa, pc, 60),
          "Tee copies differ");
    CHECK(ct_ntx(&t, "r0") == 3 && ct_ntx(&t, "r1") == 2 && ct_ntx(&t, "r2") == 2, "round robin");
    /* same key -> same output */
    int h0 = ct_ntx(&t, "h0"), h1 = ct_ntx(&t, "h1");
    CHECK(h0 + h1 == 41 && (h0 - 1) % 10 == 0 && h1 % 10 == 0, "HashSwitch split %d/%d", h0, h1);
    ct_teardown(&t);
}

static void paint_print_idle(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> Paint(3) -> p :: Print(hello, 6) -> c :: CheckPaint(3) -> ToDevice(yes); c[1] -> ToDevice(no);"
             "FromDevice(in2) -> CheckPaint(4) -> ToDevice(no2); Idle -> Idle");
    uint8_t b[60];
    for (int i = 0; i < 60; i++) b[i] = (uint8_t)(0xa0 + i);
    ct_rx(&t, "in", b, 60);
    ct_rx(&t, "in2", b, 60);
    ct_run(&t);
    CHECK(ct_ntx(&t, "yes") == 1 && ct_ntx(&t, "no") == 0 && ct_ntx(&t, "no2") == 0, "CheckPaint");
    const char *log = click_memdev_log(t.m);
    CHECK(strstr(log, "hello:   60 | a0a1a2a3 a4a5\n"), "Print output: '%s'", log);
    ct_teardown(&t);
}

/* ---- ICMPError ---- */
static void icmp_error(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> e :: ICMPError(9.9.9.9, timeexceeded, BADADDRS 5.5.5.5) -> ToDevice(out);"
             "FromDevice(in2) -> ICMPError(9.9.9.9, unreachable, needfrag, PMTU 1400, MTU 100) -> ToDevice(out2)");
    uint8_t b[1200], x[1200];
    size_t n = pk_udp(b, ct_ip("10.0.0.5"), ct_ip("10.0.0.1"), 1, 2, 20);
    ct_rx(&t, "in", b, n);                                   /* 0: answered */
    size_t m = pk_icmp(x, ct_ip("10.0.0.5"), ct_ip("10.0.0.1"), 3, 8);
    ct_rx(&t, "in", x, m);                                   /* ICMP error: no answer */
    m = pk_icmp(x, ct_ip("10.0.0.5"), ct_ip("10.0.0.1"), 8, 8);
    ct_rx(&t, "in", x, m);                                   /* 1: echo request answered */
    memcpy(x, b, n); wr32(x + 16, 0xffffffffu); pk_fix_ip(x);
    ct_rx(&t, "in", x, n);                                   /* broadcast destination */
    memcpy(x, b, n); wr32(x + 16, ct_ip("224.1.2.3")); pk_fix_ip(x);
    ct_rx(&t, "in", x, n);                                   /* multicast destination */
    const char *badsrc[] = {"127.0.0.1", "0.1.2.3", "5.5.5.5", "240.0.0.1", "225.0.0.1"};
    for (int i = 0; i < 5; i++) {
        memcpy(x, b, n); wr32(x + 12, ct_ip(badsrc[i])); pk_fix_ip(x);
        ct_rx(&t, "in", x, n);                               /* invalid sources */
    }
    memcpy(x, b, n); wr16(x + 6, 0x2000 | 3); pk_fix_ip(x);
    ct_rx(&t, "in", x, n);                                   /* later fragment */
    memcpy(x, b, n); wr16(x + 6, 0x2000); pk_fix_ip(x);
    ct_rx(&t, "in", x, n);                                   /* 2: first fragment answered */
    size_t big = pk_udp(x, ct_ip("10.0.0.5"), ct_ip("10.0.0.1"), 1, 2, 1000);
    ct_rx(&t, "in", x, big);                                 /* 3: cut to 576 bytes */
    /* 4: strict source route A, B, ^C: the reply carries B, A */
    uint8_t sr[200];
    memcpy(sr, b, 20);
    sr[0] = 0x49;
    uint8_t opt[16] = {137, 15, 12, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 0};
    memcpy(sr + 20, opt, 16);
    memcpy(sr + 36, b + 20, n - 20);
    wr16(sr + 2, (uint16_t)(n + 16));
    pk_fix_ip(sr);
    ct_rx(&t, "in", sr, n + 16);
    ct_rx(&t, "in", b, 10);                                  /* truncated: dropped */
    ct_rx(&t, "in2", b, n);
    ct_rx(&t, "in2", x, big);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 5, "out %d", ct_ntx(&t, "out"));
    CHECK(ct_read_n(&t, "e.count") == 5 && ct_read_n(&t, "e.drops") == 10, "count %s drops %s",
          ct_read(&t, "e.count"), ct_read(&t, "e.drops"));
    uint32_t l;
    const uint8_t *o = tx(&t, "out", 0, &l);
    CHECK(l == 28 + n && rd16(o + 2) == l && o[0] == 0x45 && o[9] == 1, "length %u", l);
    CHECK(rd32(o + 12) == ct_ip("9.9.9.9") && rd32(o + 16) == ct_ip("10.0.0.5"), "addresses");
    CHECK(o[20] == 11 && o[21] == 0 && rd32(o + 24) == 0 && !memcmp(o + 28, b, n), "ICMP header/payload");
    CHECK(click_in_cksum(o, 20) == 0 && pk_l4_ok(o), "checksums");
    o = tx(&t, "out", 3, &l);
    CHECK(l == 576 && rd16(o + 2) == 576 && !memcmp(o + 28, x, 548) && pk_l4_ok(o), "cut length %u", l);
    o = tx(&t, "out", 4, &l);
    static const uint8_t rev[12] = {137, 11, 4, 2, 2, 2, 2, 1, 1, 1, 1, 0};
    CHECK(o[0] == 0x48 && !memcmp(o + 20, rev, 12) && rd32(o + 16) == ct_ip("10.0.0.5"), "reversed route %02x %02x %02x %02x %02x %02x", o[0], o[20], o[21], o[22], o[23], o[27]);
    CHECK(l == 32 + 8 + n + 16 && o[32] == 11 && click_in_cksum(o, 32) == 0, "route reply length %u", l);
    CHECK(ct_ntx(&t, "out2") == 2, "out2 %d", ct_ntx(&t, "out2"));
    o = tx(&t, "out2", 0, &l);
    CHECK(o[20] == 3 && o[21] == 4 && rd16(o + 26) == 1400, "needfrag MTU");
    o = tx(&t, "out2", 1, &l);
    CHECK(l == 100, "MTU 100 gave %u bytes", l);
    ct_teardown(&t);
    const char *e = ct_config_error("Idle -> ICMPError(1.2.3.4, echo) -> Discard");
    CHECK(strstr(e, "ICMP type 8 is not an error type"), "echo accepted: %s", e);
    e = ct_config_error("Idle -> ICMPError(1.2.3.4, timeexceeded, needfrag) -> Discard");
    CHECK(strstr(e, "CODE 'needfrag'"), "bad code accepted: %s", e);
    e = ct_config_error("Idle -> ICMPError(1.2.3.4, 3, 4, SET_FIX_ANNO false) -> Discard");
    CHECK(!*e, "numeric type rejected: %s", e);
}

/* ---- IPFragmenter, IPReassembler ---- */
static void ip_fragmenter(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> f :: IPFragmenter(100) -> ToDevice(frags); f[1] -> ToDevice(df);"
             "FromDevice(in2) -> IPFragmenter(MTU 100, HONOR_DF false) -> ToDevice(frags2)");
    uint8_t b[400], x[400];
    size_t n = pk_udp(b, ct_ip("10.0.0.5"), ct_ip("10.0.0.1"), 1, 2, 250); /* IP length 278 */
    for (size_t i = 28; i < n; i++) b[i] = (uint8_t)i;
    ct_rx(&t, "in", b, n);
    size_t small = pk_udp(x, ct_ip("10.0.0.5"), ct_ip("10.0.0.1"), 1, 2, 72); /* exactly 100 */
    ct_rx(&t, "in", x, small);
    memcpy(x, b, n); wr16(x + 6, 0x4000); pk_fix_ip(x);
    ct_rx(&t, "in", x, n);                  /* DF: output 1 */
    ct_rx(&t, "in2", x, n);                 /* DF ignored */
    /* options: LSRR (copied, 7 bytes), record route (not copied, 7), NOP, EOL */
    uint8_t o[400];
    memcpy(o, b, 20);
    o[0] = 0x49;
    uint8_t opt[16] = {131, 7, 4, 1, 2, 3, 4, 7, 7, 4, 0, 0, 0, 0, 1, 0};
    memcpy(o + 20, opt, 16);
    memcpy(o + 36, b + 20, n - 20);
    wr16(o + 2, (uint16_t)(n + 16));
    pk_fix_ip(o);
    ct_rx(&t, "in", o, n + 16);
    ct_run(&t);
    CHECK(ct_ntx(&t, "df") == 1 && ct_read_n(&t, "f.drops") == 1, "DF packets %d", ct_ntx(&t, "df"));
    /* 278 bytes: data 258 = 80 + 80 + 80 + 18, then the small packet, then
     * the optioned one: 36 + 64, 28 + 72, 28 + 72, 28 + 50 */
    CHECK(ct_ntx(&t, "frags") == 9, "fragments %d", ct_ntx(&t, "frags"));
    uint32_t total = 0;
    for (int i = 0; i < 4; i++) {
        uint32_t l;
        const uint8_t *f = tx(&t, "frags", i, &l);
        uint16_t off = rd16(f + 6);
        CHECK(l == (i < 3 ? 100u : 38u) && rd16(f + 2) == l && click_in_cksum(f, 20) == 0, "fragment %d length %u", i, l);
        CHECK((off & 0x1fff) * 8u == total && ((off & 0x2000) != 0) == (i < 3), "fragment %d offset %04x", i, off);
        CHECK(!memcmp(f + 20, b + 20 + total, l - 20), "fragment %d data", i);
        total += l - 20;
    }
    uint32_t l;
    CHECK(tx(&t, "frags", 4, &l) && l == small, "small packet changed");
    const uint8_t *f = tx(&t, "frags", 5, &l);
    CHECK(l == 100 && f[0] == 0x49 && !memcmp(f + 20, opt, 16) && click_in_cksum(f, 36) == 0, "first keeps options");
    f = tx(&t, "frags", 6, &l);
    static const uint8_t lsrr[8] = {131, 7, 4, 1, 2, 3, 4, 0};
    CHECK(l == 100 && f[0] == 0x47 && !memcmp(f + 20, lsrr, 8) && rd16(f + 6) == 0x2000 + 8, "copied options only");
    CHECK(click_in_cksum(f, 28) == 0 && !memcmp(f + 28, b + 20 + 64, 72), "later fragment data");
    CHECK(ct_ntx(&t, "frags2") == 4, "HONOR_DF false: %d", ct_ntx(&t, "frags2"));
    f = tx(&t, "frags2", 0, &l);
    CHECK(rd16(f + 6) == 0x6000, "DF kept in fragments: %04x", rd16(f + 6));
    CHECK(ct_read_n(&t, "f.fragments") == 8, "fragments handler %s", ct_read(&t, "f.fragments"));
    ct_teardown(&t);
    const char *e = ct_config_error("Idle -> IPFragmenter -> Discard");
    CHECK(strstr(e, "MTU must be"), "missing MTU accepted: %s", e);
}

static void ip_reassembler(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> IPFragmenter(60) -> ToDevice(frags)");
    uint8_t b[400];
    size_t n = pk_udp(b, ct_ip("10.0.0.5"), ct_ip("10.0.0.1"), 1, 2, 150);
    for (size_t i = 28; i < n; i++) b[i] = (uint8_t)(i * 7);
    wr16(b + 4, 0x1234);
    pk_fix_ip(b);
    ct_rx(&t, "in", b, n);
    ct_run(&t);
    int nf = ct_ntx(&t, "frags");
    CHECK(nf == 4, "fragments %d", nf); /* 158 data bytes: 40 * 3 + 38 */
    uint8_t frag[4][64];
    uint32_t flen[4];
    for (int i = 0; i < nf; i++) {
        const uint8_t *f = tx(&t, "frags", i, &flen[i]);
        CHECK(flen[i] <= sizeof frag[i], "fragment %d length %u", i, flen[i]);
        memcpy(frag[i], f, flen[i]);
    }
    ct_teardown(&t);
    SETUP(t, "FromDevice(in) -> r :: IPReassembler -> ToDevice(out)");
    ct_rx(&t, "in", frag[3], flen[3]);             /* last first */
    ct_rx(&t, "in", frag[2], flen[2]);
    ct_rx(&t, "in", frag[2], flen[2]);             /* duplicate */
    uint8_t odd[64];
    memcpy(odd, frag[1], flen[1]);
    wr32(odd + 12, ct_ip("10.9.9.9"));
    wr16(odd + 2, (uint16_t)(flen[1] - 3));
    pk_fix_ip(odd);
    ct_rx(&t, "in", odd, flen[1] - 3);             /* MF with 37 bytes: dropped */
    ct_rx(&t, "in", frag[0], flen[0]);
    ct_rx(&t, "in", b, 28);                        /* not a fragment: passes */
    ct_rx(&t, "in", frag[1], flen[1]);             /* completes */
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 2, "out %d", ct_ntx(&t, "out"));
    uint32_t l;
    const uint8_t *o = tx(&t, "out", 0, &l);
    CHECK(l == 28, "pass-through length %u", l);
    o = tx(&t, "out", 1, &l);
    CHECK(l == n && !memcmp(o, b, n), "reassembled packet differs (length %u)", l);
    CHECK(ct_read_n(&t, "r.drops") == 1 && ct_read_n(&t, "r.reassembled") == 1 &&
          ct_read_n(&t, "r.datagrams") == 0 && ct_read_n(&t, "r.mem") == 0, "handlers");
    ct_teardown(&t);
    /* an incomplete datagram leaves on output 1 after TIMEOUT */
    SETUP(t, "FromDevice(in) -> r :: IPReassembler(TIMEOUT 5) -> ToDevice(out); r[1] -> ToDevice(late)");
    click_memdev_set_time(t.m, 1000000000ull);
    ct_rx(&t, "in", frag[0], flen[0]);
    ct_rx(&t, "in", frag[2], flen[2]);
    ct_run(&t);
    CHECK(ct_read_n(&t, "r.datagrams") == 1 && ct_ntx(&t, "late") == 0, "datagrams %s", ct_read(&t, "r.datagrams"));
    click_memdev_set_time(t.m, 7000000000ull);
    ct_run(&t);
    CHECK(ct_ntx(&t, "late") == 1 && ct_ntx(&t, "out") == 0 && ct_read_n(&t, "r.datagrams") == 0, "late %d",
          ct_ntx(&t, "late"));
    o = tx(&t, "late", 0, &l);
    CHECK(l == 20 + 120 && rd16(o + 2) == l && (rd16(o + 6) & 0x3fff) == 0 && click_in_cksum(o, 20) == 0 &&
          !memcmp(o + 20, frag[0] + 20, 40) && !memcmp(o + 100, frag[2] + 20, 40), "partial datagram (%u bytes)", l);
    ct_teardown(&t);
}

/* ---- IPRewriterPatterns ---- */
static void rewriter_patterns(void) {
    ct_env t;
    /* the rewriter is declared before the patterns it names */
    SETUP(t, "FromDevice(in) -> rw :: UDPRewriter(pattern out 0 1, pattern fixed 0 1) -> ToDevice(out);"
             "rw[1] -> ToDevice(back); FromDevice(in2) -> [1]rw;"
             "IPRewriterPatterns(out 1.0.0.1 5000-5001# - -); IPRewriterPatterns(fixed - - 9.9.9.9 53)");
    uint8_t b[100];
    size_t n = pk_udp(b, ct_ip("10.0.0.5"), ct_ip("2.0.0.2"), 1111, 53, 8);
    ct_rx(&t, "in", b, n);
    n = pk_udp(b, ct_ip("10.0.0.6"), ct_ip("2.0.0.2"), 2222, 53, 8);
    ct_rx(&t, "in2", b, n);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 2, "out %d", ct_ntx(&t, "out"));
    uint32_t l;
    const uint8_t *o = tx(&t, "out", 0, &l);
    CHECK(rd32(o + 12) == ct_ip("1.0.0.1") && rd16(o + 20) == 5000 && rd32(o + 16) == ct_ip("2.0.0.2"),
          "named pattern: source %08x:%u", rd32(o + 12), rd16(o + 20));
    CHECK(click_in_cksum(o, 20) == 0 && pk_l4_ok(o), "checksums");
    o = tx(&t, "out", 1, &l);
    CHECK(rd32(o + 12) == ct_ip("10.0.0.6") && rd16(o + 20) == 2222 && rd32(o + 16) == ct_ip("9.9.9.9") &&
          rd16(o + 22) == 53, "second pattern");
    ct_teardown(&t);
    const char *e = ct_config_error("Idle -> IPRewriter(pattern nope 0 0) -> Discard");
    CHECK(strstr(e, "no pattern named 'nope'"), "unknown pattern accepted: %s", e);
    e = ct_config_error("IPRewriterPatterns(a - - - -); IPRewriterPatterns(a 1.0.0.1 - - -)");
    CHECK(strstr(e, "pattern name 'a' defined twice"), "duplicate accepted: %s", e);
    e = ct_config_error("IPRewriterPatterns(a - -)");
    CHECK(strstr(e, "expected 'NAME SADDR SPORT DADDR DPORT'"), "short pattern accepted: %s", e);
}

/* ---- ICMPIPEncap ---- */
static void icmp_ip_encap(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> e :: ICMPIPEncap(1.0.0.1, 2.0.0.2, echo, IDENTIFIER 7) -> ToDevice(out);"
             "FromDevice(in2) -> ICMPIPEncap(1.0.0.1, 2.0.0.2, 3, port) -> ToDevice(out2);"
             "FromDevice(in3) -> ICMPIPEncap(1.0.0.1, 2.0.0.2, timestamp) -> ToDevice(out3)");
    uint8_t b[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    ct_rx(&t, "in", b, 10);
    ct_rx(&t, "in", b, 10);
    ct_rx(&t, "in2", b, 10);
    ct_rx(&t, "in3", b, 10);
    ct_run(&t);
    uint32_t l;
    for (int i = 0; i < 2; i++) {
        const uint8_t *o = tx(&t, "out", i, &l);
        CHECK(o && l == 38 && rd16(o + 2) == 38 && o[9] == 1 && o[8] == 255 && rd16(o + 4) == i + 1,
              "echo %d header", i);
        CHECK(rd32(o + 12) == ct_ip("1.0.0.1") && rd32(o + 16) == ct_ip("2.0.0.2"), "addresses");
        CHECK(o[20] == 8 && o[21] == 0 && rd16(o + 24) == 7 && rd16(o + 26) == i + 1, "echo id/seq");
        CHECK(!memcmp(o + 28, b, 10) && click_in_cksum(o, 20) == 0 && pk_l4_ok(o), "payload/checksums");
    }
    const uint8_t *o = tx(&t, "out2", 0, &l);
    CHECK(o && l == 38 && o[20] == 3 && o[21] == 3 && rd32(o + 24) == 0 && pk_l4_ok(o), "unreachable/port");
    o = tx(&t, "out3", 0, &l);
    CHECK(o && l == 50 && o[20] == 13 && !memcmp(o + 40, b, 10) && pk_l4_ok(o), "timestamp header %u", l);
    CHECK(!strcmp(ct_read(&t, "e.dst"), "2.0.0.2"), "dst handler %s", ct_read(&t, "e.dst"));
    ct_teardown(&t);
    const char *e = ct_config_error("Idle -> ICMPIPEncap(1.0.0.1, 2.0.0.2, nosuchtype) -> Discard");
    CHECK(strstr(e, "TYPE 'nosuchtype'"), "bad type accepted: %s", e);
}

/* ---- AddressInfo, LinearIPLookup, RadixIPLookup ---- */
static void address_info(void) {
    ct_env t;
    /* names are used before the AddressInfo that defines them */
    SETUP(t, "FromDevice(in) -> SetIPAddress(gw) -> EtherEncap(0x0800, net0, net0:eth) -> ToDevice(out);"
             "Idle -> rt :: LinearIPLookup(net0 0, net0:ipnet 1, net0:bcast 2, gw:net 3) -> Discard;"
             "rt[1] -> Discard; rt[2] -> Discard; rt[3] -> Discard;"
             "AddressInfo(net0 10.1.2.3/16 02:00:00:00:00:01 10.9.9.9, gw 10.1.0.1/31)");
    uint8_t b[100];
    size_t n = pk_udp(b, 1, 2, 3, 4, 10);
    ct_rx(&t, "in", b, n);
    ct_run(&t);
    uint32_t l;
    const uint8_t *o = tx(&t, "out", 0, &l);
    static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    CHECK(o && l == n + 14 && !memcmp(o, mac, 6) && !memcmp(o + 6, mac, 6), "EtherEncap with names");
    CHECK(!strcmp(ct_read(&t, "rt.lookup net0:bcast"), "2"), "lookup by name: %s", ct_read(&t, "rt.lookup net0:bcast"));
    const char *tab = ct_read(&t, "rt.table");
    CHECK(strstr(tab, "10.1.2.3/32") && strstr(tab, "10.1.0.0/16") && strstr(tab, "10.1.255.255/32") &&
          strstr(tab, "10.1.0.0/31"), "routes from names: %s", tab);
    ct_teardown(&t);
    const char *e = ct_config_error("AddressInfo(x 1.2.3.4 zz)");
    CHECK(strstr(e, "'zz' is not an IP address, prefix or Ethernet address"), "bad address accepted: %s", e);
    e = ct_config_error("Idle -> SetIPAddress(nosuch) -> Discard; AddressInfo(x 1.2.3.4)");
    CHECK(*e, "unknown name accepted");
    e = ct_config_error("Idle -> SetIPAddress(x:bcast) -> Discard; AddressInfo(x 1.2.3.4)");
    CHECK(*e, "broadcast of a name without a prefix accepted");
}

static void ip_lookups(void) {
    const char *classes[] = {"LinearIPLookup", "RadixIPLookup", "DirectIPLookup", "RangeIPLookup"};
    for (int c = 0; c < 4; c++) {
        char cfg[512];
        snprintf(cfg, sizeof cfg,
                 "FromDevice(in) -> CheckIPHeader -> rt :: %s(10.0.0.0/8 0, 10.1/16 9.9.9.9 1, 0/0 2);"
                 "rt[0] -> ToDevice(o0); rt[1] -> SetIPChecksum -> StoreIPAddress(dst) -> ToDevice(o1);"
                 "rt[2] -> ToDevice(o2)", classes[c]);
        ct_env t;
        SETUP(t, cfg);
        uint8_t b[100];
        const char *dsts[] = {"10.2.0.1", "10.1.0.1", "11.0.0.1"};
        for (int i = 0; i < 3; i++) {
            size_t n = pk_udp(b, ct_ip("1.1.1.1"), ct_ip(dsts[i]), 3, 4, 10);
            ct_rx(&t, "in", b, n);
        }
        ct_run(&t);
        CHECK(ct_ntx(&t, "o0") == 1 && ct_ntx(&t, "o1") == 1 && ct_ntx(&t, "o2") == 1, "%s outputs", classes[c]);
        uint32_t l;
        const uint8_t *o = tx(&t, "o1", 0, &l);
        CHECK(rd32(o + 16) == ct_ip("9.9.9.9"), "%s: gateway annotation", classes[c]);
        CHECK(!strcmp(ct_read(&t, "rt.lookup 10.1.2.3"), "1 9.9.9.9") &&
              !strcmp(ct_read(&t, "rt.lookup 10.200.0.1"), "0"), "%s lookup", classes[c]);
        char err[256];
        CHECK(click_router_write(t.r, "rt.add", "10.0.0.0/8 3.3.3.3 1", err, sizeof err) < 0 &&
              !strcmp(err, "conflict with existing route '10.0.0.0/8 0'"), "%s conflict: %s", classes[c], err);
        CHECK(click_router_write(t.r, "rt.set", "10.0.0.0/8 3.3.3.3 1", err, sizeof err) == 0 &&
              !strcmp(ct_read(&t, "rt.lookup 10.200.0.1"), "1 3.3.3.3"), "%s set", classes[c]);
        CHECK(click_router_write(t.r, "rt.remove", "0.0.0.0/0 2", err, sizeof err) == 0 &&
              !strcmp(ct_read(&t, "rt.lookup 11.0.0.1"), "-1"), "%s remove", classes[c]);
        CHECK(click_router_write(t.r, "rt.remove", "12.0.0.0/8 2", err, sizeof err) < 0, "%s remove missing", classes[c]);
        CHECK(click_router_write(t.r, "rt.ctrl", "add 11.0.0.0/8 2\nremove 10.1.0.0/16\n", err, sizeof err) == 0 &&
              !strcmp(ct_read(&t, "rt.lookup 11.0.0.1"), "2") &&
              !strcmp(ct_read(&t, "rt.lookup 10.1.2.3"), "1 3.3.3.3"), "%s ctrl", classes[c]);
        CHECK(click_router_write(t.r, "rt.add", "12.0.0.0/8 7", err, sizeof err) < 0 && strstr(err, "out of range"),
              "%s port range: %s", classes[c], err);
        ct_teardown(&t);
    }
    const char *e = ct_config_error("Idle -> LinearIPLookup(1.2.3.4/255.0.255.0 0) -> Discard");
    CHECK(strstr(e, "not a prefix"), "bad mask accepted: %s", e);
}

static uint32_t lcg(uint32_t *s) {
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* Many routes: every lookup agrees with a scan for the longest match, also
 * after removals. */
static void ip_lookup_many(void) {
    ct_env t;
    SETUP(t, "Idle -> rt :: RadixIPLookup -> Discard; rt[1] -> Discard; rt[2] -> Discard; rt[3] -> Discard");
    enum { N = 300 };
    uint32_t addr[N], mask[N];
    int port[N], n = 0;
    uint32_t seed = 12345;
#define RND() lcg(&seed)
    char err[256], v[64], a[16];
    while (n < N) {
        int len = (int)(RND() % 25) + 8;
        uint32_t m = 0xffffffffu << (32 - len), ad = (RND() << 8 ^ RND()) & m & 0x0fffffffu;
        bool dup = false;
        for (int i = 0; i < n; i++) dup = dup || (addr[i] == ad && mask[i] == m);
        if (dup) continue;
        addr[n] = ad;
        mask[n] = m;
        port[n] = (int)(RND() % 4);
        snprintf(v, sizeof v, "%s/%d %d", click_ip_str(ad, a), len, port[n]);
        CHECK(click_router_write(t.r, "rt.add", v, err, sizeof err) == 0, "add %s: %s", v, err);
        n++;
    }
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 2000; k++) {
            uint32_t x = k % 2 ? (RND() << 8 ^ RND()) & 0x0fffffffu : addr[RND() % N] | (RND() & 0xff);
            int best = -1;
            for (int i = 0; i < N; i++)
                if (port[i] >= 0 && (x & mask[i]) == addr[i] && (best < 0 || mask[i] > mask[best])) best = i;
            char q[64], want[16];
            snprintf(q, sizeof q, "rt.lookup %s", click_ip_str(x, a));
            snprintf(want, sizeof want, "%d", best < 0 ? -1 : port[best]);
            const char *got = ct_read(&t, q);
            CHECK(!strcmp(got, want), "round %d: %s gave %s, expected %s", round, q, got, want);
        }
        for (int i = 0; i < N; i += 2) { /* remove every other route */
            if (port[i] < 0) continue;
            snprintf(v, sizeof v, "%s/%d", click_ip_str(addr[i], a), 32 - __builtin_ctz(mask[i]));
            CHECK(click_router_write(t.r, "rt.remove", v, err, sizeof err) == 0, "remove %s: %s", v, err);
            port[i] = -1;
        }
    }
#undef RND
    ct_teardown(&t);
}

const ct_case ct_element_cases[] = {
    {"CheckIPHeader-malformed-packets", checkip_cases},
    {"CheckIPHeader-offset-annotations", checkip_offset_and_annotations},
    {"CheckARPHeader", checkarp},
    {"Classifier-patterns", classifier},
    {"IPClassifier-expressions", ipfilter_expressions},
    {"IPFilter-actions", ipfilter_actions},
    {"Strip-Unstrip-EtherEncap-EtherMirror", strip_unstrip_encap_mirror},
    {"ARPResponder", arp_responder},
    {"ARPQuerier", arp_querier},
    {"ICMPPingResponder", ping_responder},
    {"DecIPTTL-SetIPChecksum", dec_ttl_and_checksum},
    {"IPRewriter-ports-checksums-replies", rewriter_ports_and_checksums},
    {"IPRewriter-expiry-pass", rewriter_expiry_and_pass},
    {"Counter-AverageCounter", counters},
    {"IPRateMonitor", rate_monitor},
    {"Queue-Unqueue-SimpleQueue-Discard", queue_unqueue},
    {"Tee-RoundRobinSwitch-HashSwitch", switches},
    {"Paint-CheckPaint-Print-Idle", paint_print_idle},
    {"ICMPError", icmp_error},
    {"IPFragmenter", ip_fragmenter},
    {"IPReassembler", ip_reassembler},
    {"IPRewriterPatterns", rewriter_patterns},
    {"ICMPIPEncap", icmp_ip_encap},
    {"AddressInfo", address_info},
    {"IPLookup-tables", ip_lookups},
    {"IPLookup-many-routes", ip_lookup_many},
    {NULL, NULL}};
