/* Element cases, second part: ARPPrint, ARPTable and ARPQuerier's table,
 * DelayUnqueue, the VLAN elements, the rated elements, Bypass and the input
 * switches, Clipboard, LinkUnqueue and timing helpers, and the pull
 * schedulers. Time is set by hand on the in-memory host. */
#include <stdlib.h>

#include "click_test.h"

#define SETUP(t, cfg) CHECK(ct_setup(&(t), cfg) == 0, "config rejected: %s", (t).err)
#define SEC 1000000000ull
#define MS 1000000ull

static void set_time(ct_env *t, uint64_t ns) { click_memdev_set_time(t->m, ns); }

/* Run rounds until the router finishes or max rounds have run. */
static void run_rounds(ct_env *t, uint64_t max) {
    click_router_resume(t->r);
    click_router_run(t->r, max);
}

static void arp_reply(uint8_t *a, const uint8_t sha[6], uint32_t spa, uint32_t tpa) {
    static const uint8_t me[6] = {2, 0, 0, 0, 0, 1};
    memset(a, 0, 60);
    memcpy(a, me, 6);
    memcpy(a + 6, sha, 6);
    wr16(a + 12, ETHERTYPE_ARP);
    wr16(a + 14, 1);
    wr16(a + 16, ETHERTYPE_IP);
    a[18] = 6;
    a[19] = 4;
    wr16(a + 20, ARP_OP_REPLY);
    memcpy(a + 22, sha, 6);
    wr32(a + 28, spa);
    memcpy(a + 32, me, 6);
    wr32(a + 38, tpa);
}

/* ---- ARPPrint, with ARPQuerier's queries and ARPResponder's replies ---- */
static void arpprint_lines(void) {
    ct_env t;
    SETUP(t, "FromDevice(ip) -> q :: ARPQuerier(10.0.0.1/24, 2:0:0:0:0:1) -> Discard;"
             "q[1] -> ARPPrint(out, ETHER true) -> ARPResponder(10.0.0.9 2:0:0:0:0:9)"
             " -> ARPPrint(back, TIMESTAMP false) -> [1]q;"
             "FromDevice(raw) -> ARPPrint(raw) -> ToDevice(rawout)");
    set_time(&t, 5 * SEC);
    uint8_t b[128];
    size_t n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.9"), 1, 2, 4);
    click_memdev_add_rx(t.m, "ip", b, (uint32_t)n, 3 * SEC + 250 * 1000);
    ct_rx(&t, "raw", b, n); /* no network header annotation: not printed, passed on */
    ct_run(&t);
    const char *log = click_memdev_log(t.m);
    CHECK(strstr(log, "out: 3.000250: 02-00-00-00-00-01 > FF-FF-FF-FF-FF-FF: arp who-has 10.0.0.9 tell 10.0.0.1\n"),
          "query line: %s", log);
    CHECK(strstr(log, "back: arp reply 10.0.0.9 is-at 02-00-00-00-00-09\n"), "reply line: %s", log);
    CHECK(!strstr(log, "raw:"), "printed without a network header: %s", log);
    CHECK(ct_ntx(&t, "rawout") == 1, "ARPPrint must pass packets on");
    CHECK(ct_read_n(&t, "q.responses") == 1 && ct_read_n(&t, "q.queries") == 1, "counters");
    ct_teardown(&t);
}

/* ---- ARPQuerier: table format, capacity, broadcast, polling ---- */
static void arpquerier_table(void) {
    ct_env t;
    SETUP(t, "FromDevice(ip) -> q :: ARPQuerier(10.0.0.1/24, 2:0:0:0:0:1, CAPACITY 2, ENTRY_CAPACITY 2,"
             " TIMEOUT 10s, POLL_TIMEOUT 2s) -> ToDevice(out);"
             "q[1] -> ToDevice(queries); FromDevice(arp) -> [1]q");
    set_time(&t, 100 * SEC);
    uint8_t b[128], a[60];
    size_t n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.9"), 1, 2, 4);
    for (int i = 0; i < 3; i++) ct_rx(&t, "ip", b, n);
    ct_run(&t);
    CHECK(ct_ntx(&t, "queries") == 1 && ct_ntx(&t, "out") == 0, "one query, nothing sent");
    CHECK(ct_read_n(&t, "q.length") == 2 && ct_read_n(&t, "q.drops") == 1, "CAPACITY 2: length %lld drops %lld",
          ct_read_n(&t, "q.length"), ct_read_n(&t, "q.drops"));
    CHECK(!strcmp(ct_read(&t, "q.table"), "10.0.0.9 0 FF-FF-FF-FF-FF-FF 0.000000\n"), "table: %s",
          ct_read(&t, "q.table"));
    /* 10.0.0.255 is the subnet broadcast: sent at once */
    n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.255"), 1, 2, 4);
    ct_rx(&t, "ip", b, n);
    ct_run(&t);
    uint32_t l;
    const uint8_t *o = ct_tx(&t, "out", 0, &l);
    CHECK(ct_ntx(&t, "out") == 1 && o[0] == 0xff && o[5] == 0xff && o[11] == 1, "subnet broadcast");
    /* the reply releases the two held packets, in order */
    const uint8_t peer[6] = {2, 0, 0, 0, 0, 9};
    set_time(&t, 100 * SEC + 500 * MS);
    arp_reply(a, peer, ct_ip("10.0.0.9"), ct_ip("10.0.0.1"));
    ct_rx(&t, "arp", a, 60);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 3 && ct_read_n(&t, "q.length") == 0, "released %d", ct_ntx(&t, "out"));
    o = ct_tx(&t, "out", 1, &l);
    CHECK(!memcmp(o, peer, 6) && rd16(o + 12) == 0x0800 && l == n + 14, "encapsulation");
    set_time(&t, 101 * SEC);
    CHECK(!strcmp(ct_read(&t, "q.table"), "10.0.0.9 1 02-00-00-00-00-09 0.500000\n"), "table: %s",
          ct_read(&t, "q.table"));
    /* after POLL_TIMEOUT a packet triggers a unicast refresh query */
    n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.9"), 1, 2, 4);
    set_time(&t, 103 * SEC);
    ct_rx(&t, "ip", b, n);
    ct_run(&t);
    CHECK(ct_ntx(&t, "queries") == 2 && ct_ntx(&t, "out") == 4, "refresh query");
    o = ct_tx(&t, "queries", 1, &l);
    CHECK(!memcmp(o, peer, 6), "refresh query should go to the known address");
    /* after TIMEOUT the entry is unknown again */
    set_time(&t, 120 * SEC);
    CHECK(!strstr(ct_read(&t, "q.table"), "10.0.0.9 "), "expired entry not removed: %s", ct_read(&t, "q.table"));
    /* ENTRY_CAPACITY 2: a third address pushes out the oldest */
    for (int i = 20; i < 23; i++) {
        char ip[16];
        snprintf(ip, sizeof ip, "10.0.1.%d", i);
        n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip(ip), 1, 2, 4);
        ct_rx(&t, "ip", b, n);
    }
    ct_run(&t);
    CHECK(ct_read_n(&t, "q.count") == 2, "count %lld", ct_read_n(&t, "q.count"));
    CHECK(strstr(ct_read(&t, "q.table"), "10.0.1.22") && !strstr(ct_read(&t, "q.table"), "10.0.1.20"),
          "table: %s", ct_read(&t, "q.table"));
    /* insert / delete / clear handlers */
    char err[256];
    CHECK(click_router_write(t.r, "q.insert", "10.0.0.50 2:0:0:0:0:50", err, sizeof err) == 0, "insert: %s", err);
    CHECK(strstr(ct_read(&t, "q.table"), "10.0.0.50 1 02-00-00-00-00-50"), "inserted");
    CHECK(click_router_write(t.r, "q.delete", "10.0.0.50", err, sizeof err) == 0, "delete: %s", err);
    CHECK(strstr(ct_read(&t, "q.table"), "10.0.0.50 0 FF-FF-FF-FF-FF-FF"), "deleted");
    CHECK(click_router_write(t.r, "q.insert", "bogus", err, sizeof err) < 0, "bad insert accepted");
    CHECK(click_router_write(t.r, "q.clear", "", err, sizeof err) == 0 && !ct_read(&t, "q.table")[0], "clear");
    ct_teardown(&t);
}

/* ---- ARPTable shared by two ARPQueriers ---- */
static void arptable_shared(void) {
    ct_env t;
    SETUP(t, "arpt :: ARPTable(TIMEOUT 1s, ENTRY_PACKET_CAPACITY 1);"
             "FromDevice(a) -> q1 :: ARPQuerier(10.0.0.1, 2:0:0:0:0:1, TABLE arpt) -> ToDevice(out1);"
             "q1[1] -> ToDevice(qry1); Idle -> [1]q1;"
             "FromDevice(b) -> q2 :: ARPQuerier(10.0.0.2, 2:0:0:0:0:2, TABLE arpt) -> ToDevice(out2);"
             "q2[1] -> ToDevice(qry2); FromDevice(arp) -> [1]q2");
    set_time(&t, 10 * SEC);
    char err[256];
    CHECK(click_router_write(t.r, "arpt.insert", "10.0.0.7 2:0:0:0:0:7", err, sizeof err) == 0, "insert: %s", err);
    uint8_t b[128], a[60];
    size_t n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.7"), 1, 2, 4);
    ct_rx(&t, "a", b, n);
    ct_rx(&t, "b", b, n);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out1") == 1 && ct_ntx(&t, "out2") == 1, "both use the inserted entry");
    uint32_t l;
    const uint8_t *o = ct_tx(&t, "out2", 0, &l);
    CHECK(o[5] == 7 && o[11] == 2, "q2 uses its own source address");
    /* an unknown address: q1 holds one packet (ENTRY_PACKET_CAPACITY 1) */
    n = pk_udp(b, ct_ip("10.0.0.1"), ct_ip("10.0.0.8"), 1, 2, 4);
    ct_rx(&t, "a", b, n);
    ct_rx(&t, "a", b, n);
    ct_run(&t);
    CHECK(ct_read_n(&t, "arpt.length") == 1 && ct_read_n(&t, "arpt.drops") == 1, "entry packet capacity");
    CHECK(ct_read_n(&t, "arpt.count") == 2 && ct_ntx(&t, "qry1") == 1, "count / query");
    /* a reply learnt by q2 releases the packet q1 held (it leaves through q2) */
    const uint8_t peer[6] = {2, 0, 0, 0, 0, 8};
    arp_reply(a, peer, ct_ip("10.0.0.8"), ct_ip("10.0.0.2"));
    ct_rx(&t, "arp", a, 60);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out2") == 2 && ct_read_n(&t, "arpt.length") == 0, "released through q2: %d", ct_ntx(&t, "out2"));
    CHECK(strstr(ct_read(&t, "q1.table"), "10.0.0.8 1 02-00-00-00-00-08"), "q1 sees the table");
    /* TIMEOUT 1s */
    set_time(&t, 12 * SEC);
    CHECK(!strstr(ct_read(&t, "arpt.table"), "10.0.0.7 "), "expired: %s", ct_read(&t, "arpt.table"));
    CHECK(ct_config_error("q :: ARPQuerier(10.0.0.1, 2:0:0:0:0:1, TABLE nosuch); Idle -> q -> Discard; Idle -> [1]q")[0],
          "TABLE naming no ARPTable accepted");
    CHECK(ct_config_error("ARPTable(CAPACITY_SLIM_FACTOR 0)")[0], "zero slim factor accepted");
    ct_teardown(&t);
}

/* ---- DelayUnqueue ---- */
static void delay_unqueue(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> Queue -> d :: DelayUnqueue(0.5s) -> ToDevice(out)");
    set_time(&t, 10 * SEC);
    uint8_t b[60] = {1, 2, 3};
    click_memdev_add_rx(t.m, "in", b, 60, 9 * SEC + 800 * MS); /* due at 10.3 */
    click_memdev_add_rx(t.m, "in", b, 60, 0);                 /* unstamped: due at now + 0.5 */
    run_rounds(&t, 50);
    CHECK(ct_ntx(&t, "out") == 0, "sent early");
    set_time(&t, 10 * SEC + 300 * MS);
    run_rounds(&t, 50);
    CHECK(ct_ntx(&t, "out") == 1, "first packet not sent at its time (%d)", ct_ntx(&t, "out"));
    set_time(&t, 10 * SEC + 900 * MS);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 2, "second packet %d", ct_ntx(&t, "out"));
    CHECK(!strcmp(ct_read(&t, "d.delay"), "0.500000s"), "delay %s", ct_read(&t, "d.delay"));
    ct_teardown(&t);
    CHECK(ct_config_error("Idle -> Queue -> DelayUnqueue -> Discard")[0], "missing DELAY accepted");
    /* DelayShaper: the same delay on a pull path; packets leave stamped with the time */
    SETUP(t, "FromDevice(in) -> Queue -> DelayShaper(100ms) -> Unqueue -> ToDevice(out)");
    set_time(&t, 20 * SEC);
    click_memdev_add_rx(t.m, "in", b, 60, 0);
    run_rounds(&t, 20);
    CHECK(ct_ntx(&t, "out") == 0, "DelayShaper released early");
    set_time(&t, 20 * SEC + 100 * MS);
    run_rounds(&t, 20);
    CHECK(ct_ntx(&t, "out") == 1, "DelayShaper did not release");
    ct_teardown(&t);
}

/* ---- VLAN annotation and tags ---- */
static void vlan_elements(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> EtherVLANEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2, VLAN_ID 5, VLAN_PCP 3)"
             " -> ToDevice(a);"
             "FromDevice(in2) -> SetVLANAnno(VLAN_ID 7) -> EtherVLANEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2, ANNO)"
             " -> s :: StripEtherVLANHeader -> EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2)"
             " -> v :: VLANEncap(ANNO, ETHERTYPE 0x88a8) -> ToDevice(b);"
             "FromDevice(in3) -> SetVLANAnno(9) -> EtherVLANEncap(0x0806, 1:1:1:1:1:1, 2:2:2:2:2:2, ANNO, NATIVE_VLAN 9)"
             " -> ToDevice(c);"
             "FromDevice(in4) -> d :: VLANDecap -> SetVLANAnno(0x2002) -> x :: StripEtherVLANHeader(-1) -> ToDevice(d);"
             "x[1] -> VLANEncap(ANNO, NATIVE_VLAN 3) -> ToDevice(e)");
    uint8_t p[4] = {0xaa, 0xab, 0xac, 0xad};
    ct_rx(&t, "in", p, 4);
    ct_rx(&t, "in2", p, 4);
    ct_rx(&t, "in3", p, 4);
    uint8_t f[22] = {2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0x81, 0x00, 0x00, 0x0b, 0x08, 0x00, 0xaa, 0xab, 0xac, 0xad};
    ct_rx(&t, "in4", f, 22);
    ct_run(&t);
    uint32_t l;
    const uint8_t *o = ct_tx(&t, "a", 0, &l);
    CHECK(o && l == 22 && rd16(o + 12) == 0x8100 && rd16(o + 14) == (5 | 3 << 13) && rd16(o + 16) == 0x0800 &&
          o[0] == 2 && o[6] == 1 && o[18] == 0xaa, "EtherVLANEncap");
    o = ct_tx(&t, "b", 0, &l);
    /* the annotation (7) survives the strip; VLANEncap tags with it behind a new Ethernet header */
    CHECK(o && l == 22 && rd16(o + 12) == 0x88a8 && rd16(o + 14) == 7 && rd16(o + 16) == 0x0800 && o[18] == 0xaa,
          "StripEtherVLANHeader/VLANEncap ANNO (len %u)", l);
    o = ct_tx(&t, "c", 0, &l);
    CHECK(o && l == 18 && rd16(o + 12) == 0x0806, "NATIVE_VLAN must leave the frame untagged");
    /* VLANDecap: tag 11 into the annotation, frame untagged; then StripEtherVLANHeader(-1)
     * sends the untagged frame to output 1, VLANEncap(ANNO) tags it with 0x2002 */
    CHECK(ct_ntx(&t, "d") == 0 && ct_ntx(&t, "e") == 1, "d %d e %d", ct_ntx(&t, "d"), ct_ntx(&t, "e"));
    o = ct_tx(&t, "e", 0, &l);
    CHECK(l == 22 && rd16(o + 12) == 0x8100 && rd16(o + 14) == 0x2002 && rd16(o + 16) == 0x0800, "re-tagged");
    CHECK(!strcmp(ct_read(&t, "v.vlan_tci"), "ANNO"), "vlan_tci handler");
    ct_teardown(&t);
    /* VLANDecap keeps the tag's TCI in the annotation; NATIVE_VLAN of VLANEncap leaves it untagged */
    SETUP(t, "FromDevice(in) -> VLANDecap -> VLANEncap(ANNO, NATIVE_VLAN 11) -> ToDevice(a);"
             "FromDevice(in2) -> VLANDecap(false) -> VLANEncap(ANNO, NATIVE_VLAN -1) -> ToDevice(b)");
    ct_rx(&t, "in", f, 22);
    ct_rx(&t, "in2", f, 22);
    ct_run(&t);
    o = ct_tx(&t, "a", 0, &l);
    CHECK(l == 18 && rd16(o + 12) == 0x0800, "native VLAN 11 should be untagged");
    o = ct_tx(&t, "b", 0, &l);
    CHECK(l == 22 && rd16(o + 14) == 0, "VLANDecap(false) must not set the annotation");
    ct_teardown(&t);
    CHECK(ct_config_error("Idle -> SetVLANAnno(VLAN_PCP 8) -> Discard")[0], "PCP 8 accepted");
    CHECK(ct_config_error("Idle -> VLANEncap(NATIVE_VLAN 5000) -> Discard")[0], "NATIVE_VLAN 5000 accepted");
    CHECK(ct_config_error("Idle -> EtherVLANEncap(0x0800, 1:1:1:1:1:1) -> Discard")[0], "missing DST accepted");
}

/* ---- token-bucket rate limiters ---- */
static void rated_elements(void) {
    ct_env t;
    SETUP(t, "InfiniteSource -> Queue(10) -> u :: RatedUnqueue(RATE 100, BURST_SIZE 1) -> c :: Counter -> Discard;"
             "InfiniteSource(LENGTH 100) -> Queue(10) -> b :: BandwidthRatedUnqueue(1000Bps, BURST_BYTES 200)"
             " -> c2 :: Counter -> Discard;"
             "InfiniteSource -> Queue(10) -> u3 :: RatedUnqueue(10, ACTIVE false) -> c3 :: Counter -> Discard");
    /* one second in steps of 0.1 ms */
    for (uint64_t us = 0; us <= 1000000; us += 100) {
        set_time(&t, 1 * SEC + us * 1000);
        run_rounds(&t, 2);
    }
    /* RATE 100 with a one-token bucket: a packet every 11 ms, from the start */
    CHECK(ct_read_n(&t, "c.count") == 91, "RatedUnqueue count %lld", ct_read_n(&t, "c.count"));
    /* 200 bytes of burst: three packets at once (the third overdraws), then one each 100 ms */
    CHECK(ct_read_n(&t, "c2.count") == 12, "BandwidthRatedUnqueue count %lld", ct_read_n(&t, "c2.count"));
    CHECK(ct_read_n(&t, "c3.count") == 0, "inactive RatedUnqueue moved packets");
    CHECK(!strcmp(ct_read(&t, "u.rate"), "100") && !strcmp(ct_read(&t, "b.rate"), "1000Bps"), "rate handlers %s %s",
          ct_read(&t, "u.rate"), ct_read(&t, "b.rate"));
    char err[256];
    CHECK(click_router_write(t.r, "u3.active", "true", err, sizeof err) == 0, "active: %s", err);
    run_rounds(&t, 2);
    CHECK(ct_read_n(&t, "c3.count") == 1, "re-activated RatedUnqueue");
    ct_teardown(&t);

    SETUP(t, "FromDevice(in) -> s :: RatedSplitter(RATE 2, BURST_SIZE 3) -> ToDevice(a); s[1] -> ToDevice(b);"
             "FromDevice(in2) -> s2 :: BandwidthRatedSplitter(1kBps, BURST_BYTES 150) -> ToDevice(a2); s2[1] -> ToDevice(b2);"
             "FromDevice(in3) -> RatedSplitter(1) -> ToDevice(a3)");
    uint8_t p[100] = {0};
    set_time(&t, 5 * SEC);
    for (int i = 0; i < 10; i++) {
        ct_rx(&t, "in", p, 10);
        ct_rx(&t, "in2", p, 100);
        ct_rx(&t, "in3", p, 10);
    }
    ct_run(&t);
    CHECK(ct_ntx(&t, "a") == 3 && ct_ntx(&t, "b") == 7, "RatedSplitter %d/%d", ct_ntx(&t, "a"), ct_ntx(&t, "b"));
    CHECK(ct_ntx(&t, "a2") == 2 && ct_ntx(&t, "b2") == 8, "BandwidthRatedSplitter %d/%d", ct_ntx(&t, "a2"),
          ct_ntx(&t, "b2"));
    CHECK(ct_ntx(&t, "a3") == 1, "RatedSplitter without output 1: %d", ct_ntx(&t, "a3"));
    /* half a second later: one more token (RATE 2 needs 501 ms per token) */
    set_time(&t, 5 * SEC + 501 * MS);
    ct_rx(&t, "in", p, 10);
    ct_rx(&t, "in", p, 10);
    ct_run(&t);
    CHECK(ct_ntx(&t, "a") == 4 && ct_ntx(&t, "b") == 8, "after 501 ms %d/%d", ct_ntx(&t, "a"), ct_ntx(&t, "b"));
    ct_teardown(&t);
    CHECK(ct_config_error("Idle -> Queue -> RatedUnqueue(10, BURST_SIZE 2, BURST_DURATION 1) -> Discard")[0],
          "both burst keywords accepted");
    CHECK(ct_config_error("Idle -> BandwidthRatedSplitter(12 furlongs) -> Discard")[0], "bad bandwidth accepted");
    CHECK(ct_config_error("Idle -> RatedSplitter -> Discard")[0], "missing RATE accepted");
}

/* ---- Bypass, InputSwitch, SimplePullSwitch ---- */
static void bypass_switches(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> b :: Bypass -> ToDevice(out); b[1] -> Paint(7) -> [1]b;"
             "FromDevice(in2) -> Queue -> pb :: Bypass(true) -> Unqueue -> ToDevice(out2); pb[1] -> Paint(5) -> [1]pb;"
             "FromDevice(x0) -> [0]is :: InputSwitch(1) -> ToDevice(isout); FromDevice(x1) -> [1]is;"
             "FromDevice(y0) -> Queue -> [0]sps :: SimplePullSwitch(1); FromDevice(y1) -> Queue -> [1]sps;"
             "sps -> Unqueue -> ToDevice(spsout)");
    uint8_t p[20] = {0};
    ct_rx(&t, "in", p, 20);
    ct_rx(&t, "in2", p, 20);
    ct_rx(&t, "x0", p, 10);
    ct_rx(&t, "x1", p, 11);
    ct_rx(&t, "y0", p, 12);
    ct_rx(&t, "y1", p, 13);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 1 && ct_ntx(&t, "out2") == 1, "bypass outputs");
    CHECK(!strcmp(ct_read(&t, "b.active"), "false") && !strcmp(ct_read(&t, "pb.active"), "true"), "active handler");
    uint32_t l;
    ct_tx(&t, "isout", 0, &l);
    CHECK(ct_ntx(&t, "isout") == 1 && l == 11, "InputSwitch passes input 1 only");
    ct_tx(&t, "spsout", 0, &l);
    CHECK(ct_ntx(&t, "spsout") == 1 && l == 13, "SimplePullSwitch pulls input 1 only");
    char err[256];
    CHECK(click_router_write(t.r, "sps.switch", "7", err, sizeof err) == 0 && !strcmp(ct_read(&t, "sps.switch"), "-1"),
          "out-of-range switch should read -1");
    CHECK(click_router_write(t.r, "sps.switch", "0", err, sizeof err) == 0, "switch 0");
    CHECK(click_router_write(t.r, "b.active", "true", err, sizeof err) == 0, "b.active");
    CHECK(click_router_write(t.r, "is.switch", "0", err, sizeof err) == 0, "is.switch");
    ct_rx(&t, "in", p, 20);
    ct_rx(&t, "x0", p, 10);
    ct_rx(&t, "x1", p, 11);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out") == 2 && ct_ntx(&t, "spsout") == 2 && ct_ntx(&t, "isout") == 2, "after switching");
    ct_tx(&t, "spsout", 1, &l);
    CHECK(l == 12, "SimplePullSwitch switched to input 0");
    ct_tx(&t, "isout", 1, &l);
    CHECK(l == 10, "InputSwitch switched to input 0");
    ct_teardown(&t);
    /* the detour really runs: Paint marks packets that took it */
    SETUP(t, "FromDevice(in) -> b :: Bypass(true) -> c :: CheckPaint(7) -> ToDevice(painted); c[1] -> ToDevice(plain);"
             "b[1] -> Paint(7) -> [1]b;"
             "FromDevice(in2) -> Queue -> pb :: Bypass(ACTIVE true) -> Unqueue -> c2 :: CheckPaint(5) -> ToDevice(painted2);"
             "c2[1] -> ToDevice(plain2); pb[1] -> Paint(5) -> [1]pb;");
    ct_rx(&t, "in", p, 20);
    ct_rx(&t, "in2", p, 20);
    ct_run(&t);
    CHECK(ct_ntx(&t, "painted") == 1 && ct_ntx(&t, "plain") == 0, "push detour");
    CHECK(ct_ntx(&t, "painted2") == 1 && ct_ntx(&t, "plain2") == 0, "pull detour");
    ct_teardown(&t);
    CHECK(ct_config_error("FromDevice(a) -> [0]s :: InputSwitch(2) -> Discard; FromDevice(b) -> [1]s")[0],
          "InputSwitch input beyond its inputs accepted");
}

/* ---- Clipboard, Print CONTENTS ASCII ---- */
static void clipboard_print(void) {
    ct_env t;
    SETUP(t, "FromDevice(c) -> [0]cb :: Clipboard(0/1, 2/2) -> ToDevice(cout);"
             "FromDevice(p) -> [1]cb[1] -> Print(x, CONTENTS ASCII) -> ToDevice(pout)");
    ct_rx(&t, "p", (const uint8_t *)"abcdefghij\x01k", 12); /* pasted zeros before any copy */
    ct_run(&t);
    ct_rx(&t, "c", (const uint8_t *)"WXYZ", 4);
    ct_rx(&t, "p", (const uint8_t *)"abcdefghij", 10);
    ct_rx(&t, "p", (const uint8_t *)"ab", 2); /* too short: unchanged */
    ct_run(&t);
    uint32_t l;
    const uint8_t *o = ct_tx(&t, "pout", 1, &l);
    CHECK(ct_ntx(&t, "pout") == 3 && l == 10 && !memcmp(o, "WbYZefghij", 10), "paste: %.*s", (int)l, o);
    o = ct_tx(&t, "pout", 2, &l);
    CHECK(l == 2 && !memcmp(o, "ab", 2), "short packet changed");
    o = ct_tx(&t, "cout", 0, &l);
    CHECK(ct_ntx(&t, "cout") == 1 && !memcmp(o, "WXYZ", 4), "copy side");
    const char *log = click_memdev_log(t.m);
    CHECK(strstr(log, "x:   12 |  .b..efgh ij.k\n") && strstr(log, "x:   10 |  WbYZefgh ij\n"), "ASCII print: %s", log);
    ct_teardown(&t);
    CHECK(ct_config_error("Idle -> [0]c :: Clipboard(3) -> Discard; Idle -> [1]c[1] -> Discard")[0], "range without /");
}

/* ---- LinkUnqueue, SetTimestampDelta, TimedSink ---- */
static void link_timing(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> Queue -> l :: LinkUnqueue(5ms, 100kb/s) -> d :: SetTimestampDelta -> ToDevice(out);"
             "FromDevice(in2) -> q2 :: Queue -> s :: TimedSink(0.1s)");
    uint8_t p[1600] = {0};
    set_time(&t, 2 * SEC);
    ct_rx(&t, "in", p, 20);   /* 1.6 ms on the wire at 12500 bytes/s */
    ct_rx(&t, "in", p, 1600); /* 128 ms */
    ct_rx(&t, "in", p, 20);
    for (int i = 0; i < 5; i++) ct_rx(&t, "in2", p, 20);
    /* step time by 0.1 ms */
    for (uint64_t us = 0; us <= 300000; us += 100) {
        set_time(&t, 2 * SEC + us * 1000);
        run_rounds(&t, 2);
        if (us == 6500) {
            CHECK(ct_ntx(&t, "out") == 0 && ct_read_n(&t, "l.size") == 2, "first packet early (%d, size %lld)",
                  ct_ntx(&t, "out"), ct_read_n(&t, "l.size"));
        }
        if (us == 6600) CHECK(ct_ntx(&t, "out") == 1, "first packet at latency + 1.6 ms");
    }
    CHECK(ct_ntx(&t, "out") == 3, "out %d", ct_ntx(&t, "out"));
    /* back to back: 0, then +128 ms, then +1.6 ms, as differences from the first */
    CHECK(!strcmp(ct_read(&t, "d.first"), "2.006600"), "first %s", ct_read(&t, "d.first"));
    CHECK(!strcmp(ct_read(&t, "l.bandwidth"), "12500") && !strcmp(ct_read(&t, "l.latency"), "0.005000s"),
          "handlers %s %s", ct_read(&t, "l.bandwidth"), ct_read(&t, "l.latency"));
    /* TimedSink: one packet each 0.1 s over 0.3 s */
    CHECK(ct_read_n(&t, "q2.length") == 2, "TimedSink left %lld", ct_read_n(&t, "q2.length"));
    ct_teardown(&t);
    /* the timestamps written */
    SETUP(t, "FromDevice(in) -> Queue -> LinkUnqueue(0s, 1000Bps) -> SetTimestampDelta -> ToDevice(out)");
    set_time(&t, 3 * SEC);
    ct_rx(&t, "in", p, 100); /* 0.1 s each */
    ct_rx(&t, "in", p, 100);
    for (uint64_t ms = 0; ms <= 300; ms++) {
        set_time(&t, 3 * SEC + ms * MS);
        run_rounds(&t, 2);
    }
    CHECK(ct_ntx(&t, "out") == 2, "out %d", ct_ntx(&t, "out"));
    ct_teardown(&t);
    CHECK(ct_config_error("Idle -> Queue -> LinkUnqueue(1ms, 50Bps) -> Discard")[0], "bandwidth below 100 B/s accepted");
    CHECK(ct_config_error("Idle -> SetTimestampDelta(TYPE FIRST) -> Discard")[0], "TYPE FIRST accepted");
}

/* ---- RoundRobinSched, PrioSched, StrideSched ---- */
static void schedulers(void) {
    ct_env t;
    SETUP(t, "a :: InfiniteSource(\\<aa>, LIMIT 3); b :: InfiniteSource(\\<bb>, LIMIT 3); c :: InfiniteSource(\\<cc>, LIMIT 3);"
             "a -> [0]rr :: RoundRobinSched; b -> [1]rr; c -> [2]rr; rr -> ToDevice(rr);"
             "d :: InfiniteSource(\\<dd>, LIMIT 2); e :: InfiniteSource(\\<ee>, LIMIT 2);"
             "d -> [0]ps :: PrioSched; e -> [1]ps; ps -> ToDevice(ps);"
             "f :: InfiniteSource(\\<ff>, LIMIT 6); g :: InfiniteSource(\\<99>, LIMIT 6);"
             "f -> [0]ss :: StrideSched(2, 1); g -> [1]ss; ss -> ToDevice(ss)");
    ct_run(&t);
    char rr[16] = {0}, ps[8] = {0}, ss[16] = {0};
    uint32_t l;
    for (int i = 0; i < 9 && i < ct_ntx(&t, "rr"); i++) rr[i] = (char)('a' + (ct_tx(&t, "rr", i, &l)[0] & 0xf) - 0xa);
    for (int i = 0; i < 4 && i < ct_ntx(&t, "ps"); i++) ps[i] = (char)('a' + (ct_tx(&t, "ps", i, &l)[0] & 0xf) - 0xa);
    for (int i = 0; i < 12 && i < ct_ntx(&t, "ss"); i++) ss[i] = ct_tx(&t, "ss", i, &l)[0] == 0xff ? 'f' : 'g';
    CHECK(!strcmp(rr, "abcabcabc"), "RoundRobinSched order %s", rr);
    CHECK(!strcmp(ps, "ddee"), "PrioSched order %s", ps);
    /* two tickets to one: f twice as often until it runs out */
    CHECK(!strncmp(ss, "ffgffgffg", 9) && ct_ntx(&t, "ss") == 12, "StrideSched order %s", ss);
    CHECK(!strcmp(ct_read(&t, "ss.tickets0"), "2") && !strcmp(ct_read(&t, "ss.tickets1"), "1"), "tickets handlers");
    char err[256];
    CHECK(click_router_write(t.r, "ss.tickets1", "-3", err, sizeof err) < 0, "negative tickets accepted");
    CHECK(click_router_write(t.r, "ss.tickets1", "0", err, sizeof err) == 0 && !strcmp(ct_read(&t, "ss.tickets1"), "0"),
          "tickets write");
    ct_teardown(&t);
    CHECK(ct_config_error("Idle -> [0]s :: StrideSched(1, x); Idle -> [1]s; s -> Discard")[0], "bad tickets accepted");
}

/* ---- Counter COUNT_CALL / BYTE_COUNT_CALL ---- */
static void counter_calls(void) {
    ct_env t;
    SETUP(t, "FromDevice(in) -> c :: Counter(COUNT_CALL 3 b.active true, BYTE_COUNT_CALL 25 s.switch 1)"
             " -> b :: Bypass -> s :: Switch -> ToDevice(a); b[1] -> Paint(9) -> [1]b; s[1] -> ToDevice(s1)");
    uint8_t p[10] = {0};
    for (int i = 0; i < 4; i++) ct_rx(&t, "in", p, 10);
    ct_run(&t);
    CHECK(!strcmp(ct_read(&t, "b.active"), "true") && !strcmp(ct_read(&t, "c.count_call"), "3"), "COUNT_CALL");
    CHECK(ct_ntx(&t, "a") == 2 && ct_ntx(&t, "s1") == 2, "BYTE_COUNT_CALL switched at the third packet: %d/%d",
          ct_ntx(&t, "a"), ct_ntx(&t, "s1"));
    char err[256];
    CHECK(click_router_write(t.r, "c.count_call", "1 b.active false", err, sizeof err) == 0, "count_call write");
    CHECK(click_router_write(t.r, "c.reset", "", err, sizeof err) == 0, "reset");
    ct_rx(&t, "in", p, 10);
    ct_run(&t);
    CHECK(!strcmp(ct_read(&t, "b.active"), "false"), "rewritten COUNT_CALL did not fire");
    ct_teardown(&t);
    CHECK(ct_config_error("Idle -> Counter(COUNT_CALL x) -> Discard")[0], "bad COUNT_CALL accepted");
}

const ct_case ct_element2_cases[] = {
    {"ARPPrint", arpprint_lines},
    {"ARPQuerier-table-polling", arpquerier_table},
    {"ARPTable-shared", arptable_shared},
    {"DelayUnqueue-DelayShaper", delay_unqueue},
    {"VLAN-annotation-tags", vlan_elements},
    {"Rated-Unqueue-Splitter", rated_elements},
    {"Bypass-InputSwitch-SimplePullSwitch", bypass_switches},
    {"Clipboard-PrintASCII", clipboard_print},
    {"LinkUnqueue-SetTimestampDelta-TimedSink", link_timing},
    {"RoundRobinSched-PrioSched-StrideSched", schedulers},
    {"Counter-COUNT_CALL", counter_calls},
    {NULL, NULL}};
