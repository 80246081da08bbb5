/* The memcached FWP: EdgeOS's memcached service.
 *
 * As a template it builds its cache and pre-loads keys key:0..key:N-1
 * (values value:0..), declares its inbox and checkpoints
 * (user/lib/eos_service.h). Each fork is one instance, activated by the
 * nic: request datagrams (memcached's UDP frame header + text protocol)
 * arrive in its inbox; replies go back through the nic's reply channel
 * with the request's meta/aux (client port, server port, client address).
 *
 * Options: preload=N (100), cache=KiB (item memory, 1024),
 *          crashkey (test hook: "get __edgeos_crash__" faults on purpose). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "edgeos.h"
#include "eos_service.h"
#include "mc_engine.h"

#define RX_SLOTS 64

struct instance {
    mc_engine *e;
    int crashkey;
    struct eos_service *svc;
    const struct eos_request *req;   /* the request being answered */
};

static void emit(void *ctx, const void *dgram, size_t len)
{
    struct instance *in = ctx;
    eos_service_reply(in->svc, in->req, dgram, len);
}

static int64_t now_unix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
}

static int is_crash_request(const uint8_t *p, uint32_t len)
{
    static const char key[] = "get __edgeos_crash__";
    return len >= 8 + sizeof key - 1 && !memcmp(p + 8, key, sizeof key - 1);
}

static void handle(void *ctx, struct eos_service *svc, const struct eos_request *req)
{
    struct instance *in = ctx;
    (void)svc;
    if (in->crashkey && is_crash_request(req->data, req->len)) {
        volatile int *null = 0;
        *null = 1;                      /* test hook: crash mid-request */
    }
    mc_engine_set_clock(in->e, now_unix());
    in->req = req;
    mc_udp_handle(in->e, req->data, req->len, emit, in);
}

int main(int argc, char **argv)
{
    long preload = 100, cache_kib = 1024;
    int crashkey = 0;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "preload=", 8))
            preload = strtol(argv[i] + 8, NULL, 10);
        else if (!strncmp(argv[i], "cache=", 6))
            cache_kib = strtol(argv[i] + 6, NULL, 10);
        else if (!strcmp(argv[i], "crashkey"))
            crashkey = 1;
    }
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.mem_limit = (uint64_t)cache_kib * 1024;
    cfg.version = "1.6.18-edgeos";
    mc_engine *e = mc_engine_create(&cfg);
    if (!e) {
        printf("memcached: cannot create the cache\n");
        return 1;
    }
    mc_engine_set_clock(e, now_unix());
    mc_conn *c = mc_conn_create(e);
    mc_out out;
    memset(&out, 0, sizeof out);
    for (long i = 0; i < preload; i++) {
        char req[128];
        char val[32];
        int vl = snprintf(val, sizeof val, "value:%ld", i);
        int n = snprintf(req, sizeof req, "set key:%ld 0 0 %d noreply\r\n%s\r\n", i, vl, val);
        mc_conn_feed(e, c, req, (size_t)n, &out);
    }
    mc_conn_destroy(e, c);
    mc_out_free(&out);

    static struct eos_service svc;
    if (eos_service_init(&svc, RX_SLOTS) < 0) {
        printf("memcached: cannot declare the inbox\n");
        return 1;
    }
    /* Everything above is the template; forks start here. */
    int r = eos_service_start(&svc);
    if (r < 0) {
        printf("memcached: checkpoint failed (%d)\n", r);
        return 1;
    }
    if (r > 0)
        return 0;                       /* not started by the nic: nothing to serve */
    srand((unsigned)svc.seed);
    static struct instance in;
    in.e = e;
    in.crashkey = crashkey;
    in.svc = &svc;
    eos_service_run(&svc, handle, &in);
}
