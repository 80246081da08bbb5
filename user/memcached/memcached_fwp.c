/* The memcached FWP: EdgeOS's memcached service, over UDP and TCP.
 *
 * As a template it builds its cache and pre-loads keys key:0..key:N-1
 * (values value:0..), starts its TCP stack, declares its inbox and
 * checkpoints (user/lib/eos_service.h). Each fork is one instance,
 * activated by the nic: request datagrams (memcached's UDP frame header +
 * text protocol) arrive in its inbox and replies go back through the nic's
 * reply channel with the request's meta/aux (client port, server port,
 * client address); TCP segments arrive the same way and are terminated by
 * the instance's own lwIP stack (user/lib/tcp/eos_tcp.h), each connection
 * a memcached stream.
 *
 * Options: preload=N (100), cache=KiB (item memory, 1024),
 *          item=KiB (largest item, 1024), conns=N (TCP connections, 256),
 *          stall=MS (a partial request idle this long is reset, 10000),
 *          crashkey (test hook: "get __edgeos_crash__" faults on purpose). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "edgeos.h"
#include "eos_service.h"
#include "mc_engine.h"
#include "eos_tcp.h"

#define RX_SLOTS 64
/* A connection's replies waiting for room in its send buffer; past this
 * it reads no more requests (its window closes, so the client waits). */
#define OUT_HIGH (256u << 10)

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

static const char crash_key[] = "get __edgeos_crash__";

static int is_crash_request(const uint8_t *p, uint32_t len)
{
    return len >= 8 + sizeof crash_key - 1 && !memcmp(p + 8, crash_key, sizeof crash_key - 1);
}

/* ---- TCP: one memcached stream per connection ---- */

struct stream {
    mc_conn *mc;
    mc_out out;
    size_t sent;                        /* bytes of out already handed to the stack */
};

static void *stream_open(void *ctx, struct eos_tcp_conn *c)
{
    struct instance *in = ctx;
    (void)c;
    struct stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->mc = mc_conn_create(in->e);
    if (!st->mc) {
        free(st);
        return NULL;
    }
    mc_out_init(&st->out);
    mc_host_info *h = mc_engine_host(in->e);
    h->curr_connections++;
    h->total_connections++;
    return st;
}

/* Sends what fits; closes once everything is sent and the stream has ended. */
static void stream_flush(struct stream *st, struct eos_tcp_conn *c)
{
    while (st->sent < st->out.len) {
        size_t k = eos_tcp_send(c, st->out.buf + st->sent, st->out.len - st->sent);
        if (k == 0)
            break;
        st->sent += k;
    }
    if (st->sent == st->out.len && st->sent) {
        mc_out_consume(&st->out, st->out.len);
        st->sent = 0;
    }
    eos_tcp_push(c);
    if (st->out.len == 0 && (mc_conn_closed(st->mc) || (c->peer_closed && !c->rx)))
        eos_tcp_close(c);
}

static size_t stream_data(void *ctx, void *stp, struct eos_tcp_conn *c, const uint8_t *p, size_t n)
{
    struct instance *in = ctx;
    struct stream *st = stp;
    if (st->out.len - st->sent > OUT_HIGH) {
        stream_flush(st, c);
        if (st->out.len - st->sent > OUT_HIGH)
            return 0;                   /* the client reads slower than it asks */
    }
    if (in->crashkey && n >= sizeof crash_key - 1 && memmem(p, n, crash_key, sizeof crash_key - 1)) {
        volatile int *null = 0;
        *null = 1;                      /* test hook: crash with connections open */
    }
    mc_engine_set_clock(in->e, now_unix());
    mc_host_info *h = mc_engine_host(in->e);
    h->bytes_read += n;
    size_t before = st->out.len;
    mc_conn_feed(in->e, st->mc, p, n, &st->out);    /* after quit, the rest is discarded */
    h->bytes_written += st->out.len - before;
    stream_flush(st, c);
    return n;
}

static void stream_writable(void *ctx, void *stp, struct eos_tcp_conn *c)
{
    (void)ctx;
    stream_flush(stp, c);
}

static void stream_closed(void *ctx, void *stp)
{
    struct instance *in = ctx;
    struct stream *st = stp;
    mc_conn_destroy(in->e, st->mc);
    mc_out_free(&st->out);
    free(st);
    mc_engine_host(in->e)->curr_connections--;
}

static bool stream_partial(void *ctx, void *stp)
{
    (void)ctx;
    return !mc_conn_idle(((struct stream *)stp)->mc);
}

static const struct eos_tcp_ops stream_ops = {
    .open = stream_open,
    .data = stream_data,
    .writable = stream_writable,
    .closed = stream_closed,
    .partial = stream_partial,
};

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
    long preload = 100, cache_kib = 1024, item_kib = 1024, conns = EOS_TCP_MAX_CONNS, stall = EOS_TCP_STALL_MS;
    int crashkey = 0;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "preload=", 8))
            preload = strtol(argv[i] + 8, NULL, 10);
        else if (!strncmp(argv[i], "cache=", 6))
            cache_kib = strtol(argv[i] + 6, NULL, 10);
        else if (!strncmp(argv[i], "item=", 5))
            item_kib = strtol(argv[i] + 5, NULL, 10);
        else if (!strncmp(argv[i], "conns=", 6))
            conns = strtol(argv[i] + 6, NULL, 10);
        else if (!strncmp(argv[i], "stall=", 6))
            stall = strtol(argv[i] + 6, NULL, 10);
        else if (!strcmp(argv[i], "crashkey"))
            crashkey = 1;
    }
    mc_config cfg;
    mc_config_default(&cfg);
    cfg.mem_limit = (uint64_t)cache_kib * 1024;
    if (item_kib >= 1 && item_kib <= 128 * 1024)
        cfg.item_size_max = (uint32_t)item_kib * 1024;
    cfg.version = "1.6.18-edgeos";
    /* watch needs the embedder to move log lines to a watching stream as it
     * drains (mc_watch_take); this FWP does not, so it refuses watch */
    cfg.watch_disabled = true;
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

    static struct instance in;
    static struct eos_tcp tcp;
    if (eos_tcp_init(&tcp, &stream_ops, &in) < 0) {
        printf("memcached: cannot start the TCP stack\n");
        return 1;
    }
    tcp.max_conns = conns > 0 ? (unsigned)conns : 1;
    tcp.stall_ms = stall > 0 ? (uint32_t)stall : 0;
    mc_host_info *h = mc_engine_host(e);
    h->max_connections = tcp.max_conns;
    h->threads = 1;

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
    in.e = e;
    in.crashkey = crashkey;
    in.svc = &svc;
    h->pid = svc.id;
    h->started = now_unix();
    h->tcp_port = h->udp_port = svc.port;
    if (eos_tcp_attach(&tcp, &svc, svc.port) < 0)
        printf("memcached: cannot listen on TCP port %u; UDP only\n", svc.port);
    eos_service_run(&svc, handle, &in);
}
