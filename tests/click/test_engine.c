/* Engine tests: packets, pool, handlers, driver. */
#include <stdlib.h>

#include "click_test.h"

static void packet_headroom(void) {
    click_pool *pool = click_pool_create(0);
    click_packet *p = click_packet_alloc(pool, 100);
    CHECK(p && p->len == 100 && click_packet_headroom(p) == CLICK_HEADROOM, "alloc");
    memset(p->data, 0xab, 100);
    p->net_off = (int32_t)(p->data - p->head) + 14;
    CHECK(click_packet_push(p, 14) && p->len == 114, "push within headroom");
    CHECK(click_packet_push(p, 1000), "push beyond headroom must regrow");
    CHECK(p->len == 1114 && p->data[1000 + 14] == 0xab && p->data[1113] == 0xab, "data kept after regrow");
    CHECK(click_packet_network_header(p) == p->data + 1000 + 14 + 14, "annotation moved with data");
    CHECK(click_packet_put(p, 5000) && p->len == 6114, "put beyond tailroom");
    click_packet_pull(p, 1014);
    click_packet_take(p, 5000);
    CHECK(p->len == 100 && p->data[0] == 0xab, "pull/take");
    click_packet *c = click_packet_clone(p);
    CHECK(c && c->len == 100 && !memcmp(c->data, p->data, 100), "clone");
    c->data[0] = 1;
    CHECK(p->data[0] == 0xab, "clone shares data");
    click_packet_kill(c);
    click_packet_kill(p);
    CHECK(pool->in_use == 0, "pool accounting: %llu in use", (unsigned long long)pool->in_use);
    click_packet *a = click_packet_alloc(pool, 10);
    click_packet_kill(a);
    click_packet *b2 = click_packet_alloc(pool, 10);
    CHECK(a == b2, "pool does not recycle buffers");
    click_packet_kill(b2);
    click_packet *big = click_packet_alloc(pool, 9000);
    CHECK(big && big->len == 9000, "jumbo packet");
    memset(big->data, 1, 9000);
    click_packet_kill(big);
    click_pool_destroy(pool);
}

static void handlers_errors(void) {
    ct_env t;
    CHECK(ct_setup(&t, "FromDevice(in) -> c :: Counter -> Discard") == 0, "%s", t.err);
    char buf[256];
    CHECK(click_router_read(t.r, "nosuch.count", buf, sizeof buf) < 0 && strstr(buf, "no element"),
          "unknown element: %s", buf);
    CHECK(click_router_read(t.r, "c.nosuch", buf, sizeof buf) < 0, "unknown handler accepted");
    CHECK(click_router_read(t.r, "c", buf, sizeof buf) < 0, "spec without handler accepted");
    uint8_t b[60] = {0};
    ct_rx(&t, "in", b, 60);
    ct_run(&t);
    CHECK(ct_read_n(&t, "c.count") == 1, "count");
    CHECK(click_router_write(t.r, "c.reset", "", buf, sizeof buf) == 0, "reset: %s", buf);
    CHECK(ct_read_n(&t, "c.count") == 0, "reset did not clear");
    CHECK(click_router_write(t.r, "c.count", "1", buf, sizeof buf) < 0, "read-only handler writable");
    CHECK(!strcmp(ct_read(&t, "c.config"), ""), "config handler");
    ct_teardown(&t);
}

static void driver_finishes_and_drains(void) {
    ct_env t;
    CHECK(ct_setup(&t, "FromDevice(in, BURST 4) -> q :: Queue(1000) -> Unqueue(2) -> q2 :: Queue -> ToDevice(out, BURST 3)") == 0,
          "%s", t.err);
    uint8_t b[60] = {0};
    for (int i = 0; i < 50; i++) {
        b[0] = (uint8_t)i;
        ct_rx(&t, "in", b, 60);
    }
    uint64_t rounds = click_router_run(t.r, 0);
    CHECK(rounds < 1000, "driver did not finish (%llu rounds)", (unsigned long long)rounds);
    CHECK(ct_ntx(&t, "out") == 50, "out %d", ct_ntx(&t, "out"));
    for (int i = 0; i < 50; i++) {
        uint32_t l;
        const uint8_t *d = ct_tx(&t, "out", i, &l);
        CHECK(d[0] == i, "order changed at %d", i);
    }
    CHECK(!click_router_step(t.r), "router runs after finishing");
    ct_teardown(&t);
}

static void live_device_keeps_running(void) {
    ct_env t;
    CHECK(ct_setup(&t, "FromDevice(in) -> ToDevice(out)") == 0, "%s", t.err);
    click_memdev_set_live(t.m, "in", true);
    uint64_t n = click_router_run(t.r, 50);
    CHECK(n == 50, "live source stopped after %llu rounds", (unsigned long long)n);
    uint8_t b[60] = {0};
    ct_rx(&t, "in", b, 60);
    click_router_run(t.r, 5);
    CHECK(ct_ntx(&t, "out") == 1, "late packet not forwarded");
    ct_teardown(&t);
}

static void device_open_failure(void) {
    click_host h = {0};
    char err[512];
    click_router *r = click_router_create("FromDevice(eth0) -> Discard", "f.click", &h, NULL, err, sizeof err);
    CHECK(!r && strstr(err, "f.click:1:1:") && strstr(err, "no device layer"), "got: %s", err);
}

const ct_case ct_engine_cases[] = {
    {"packet-headroom-tailroom-clone-pool", packet_headroom},
    {"handlers-read-write-errors", handlers_errors},
    {"driver-finishes-and-drains-queues", driver_finishes_and_drains},
    {"driver-live-device", live_device_keeps_running},
    {"device-open-failure", device_open_failure},
    {NULL, NULL}};
