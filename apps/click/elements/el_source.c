/* Packet generators.
 *   InfiniteSource([DATA, LIMIT, BURST, ACTIVE], LENGTH, STOP, TIMESTAMP)
 *       emits DATA as fast as it is asked; LIMIT packets in all (-1: no limit)
 *   RatedSource([DATA, RATE, LIMIT, ACTIVE], LENGTH, STOP)
 *       RATE packets per second (default 10)
 *   TimedSource([INTERVAL, DATA], LIMIT, STOP)
 *       one packet every INTERVAL (default 0.5s)
 * DATA is a configuration string ("text\n", \<0a 0b>); LENGTH pads or cuts
 * it. When LIMIT is reached a source with STOP true asks the driver to
 * stop. The output is push, or pull for InfiniteSource and RatedSource when
 * connected to a pull input. Handlers: count, reset, active (r/w), limit,
 * data, rate (RatedSource). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"

enum { SRC_INFINITE, SRC_RATED, SRC_TIMED };

typedef struct source {
    click_element e;
    int kind;
    uint8_t *data;
    uint32_t len;
    long long limit;
    uint64_t count;
    int burst;
    bool active, stop, timestamp, done;
    uint64_t interval_ns;   /* rated/timed: time between packets */
    uint64_t next_ns;       /* rated/timed: when the next packet is due */
    bool started;
} source;

static int bad(click_errh *errh, const char *what) {
    click_errh_here(errh, "%s", what);
    return -1;
}

static int src_configure_kind(click_element *e, click_args *a, click_errh *errh, int kind) {
    source *s = (source *)e;
    s->kind = kind;
    s->limit = -1;
    s->burst = 1;
    s->active = true;
    double rate = 10;
    uint64_t interval = 500000000ull;
    const char *dv = click_args_kw(a, "DATA");
    const char *lv = click_args_kw(a, "LIMIT");
    const char *bv = kind == SRC_INFINITE ? click_args_kw(a, "BURST") : NULL;
    const char *av = kind != SRC_TIMED ? click_args_kw(a, "ACTIVE") : NULL;
    const char *rv = kind == SRC_RATED ? click_args_kw(a, "RATE") : NULL;
    const char *iv = kind == SRC_TIMED ? click_args_kw(a, "INTERVAL") : NULL;
    const char *lenv = click_args_kw(a, "LENGTH");
    const char *sv = click_args_kw(a, "STOP");
    const char *tv = click_args_kw(a, "TIMESTAMP");
    if (kind == SRC_TIMED && !iv) iv = click_args_next(a);
    if (!dv) dv = click_args_next(a);
    if (kind == SRC_RATED && !rv) rv = click_args_next(a);
    if (kind != SRC_TIMED) {
        if (!lv) lv = click_args_next(a);
        if (kind == SRC_INFINITE && !bv) bv = click_args_next(a);
        if (!av) av = click_args_next(a);
    }
    if (click_args_done(a) < 0) return -1;
    size_t cap = 65536;
    s->data = malloc(cap);
    if (!s->data) return bad(errh, "out of memory");
    long n = 0;
    if (dv) {
        n = click_parse_data(dv, s->data, cap);
        if (n < 0) return bad(errh, "DATA is not a valid string");
    } else {
        /* Click's sources send this text by default; its tests expect it */
        static const char dflt[] = "Random bullshit in a packet, at least 64 bytes long. Well, now it is.";
        n = (long)sizeof dflt - 1;
        memcpy(s->data, dflt, (size_t)n);
    }
    s->len = (uint32_t)n;
    long long ll;
    unsigned long long u;
    if (lv) {
        if (click_parse_int(lv, &ll) < 0 || ll < -1) return bad(errh, "LIMIT must be an integer (-1: no limit)");
        s->limit = ll;
    }
    if (bv) {
        if (click_parse_uint(bv, &u) < 0 || u == 0 || u > 4096) return bad(errh, "BURST must be a positive integer");
        s->burst = (int)u;
    }
    if (av && click_parse_bool(av, &s->active) < 0) return bad(errh, "ACTIVE must be a boolean");
    if (sv && click_parse_bool(sv, &s->stop) < 0) return bad(errh, "STOP must be a boolean");
    if (tv && click_parse_bool(tv, &s->timestamp) < 0) return bad(errh, "TIMESTAMP must be a boolean");
    if (lenv) {
        if (click_parse_uint(lenv, &u) < 0 || u > cap) return bad(errh, "LENGTH must be an integer up to 65536");
        if (u > s->len) memset(s->data + s->len, 0, u - s->len);
        s->len = (uint32_t)u;
    }
    if (rv) {
        if (click_parse_double(rv, &rate) < 0 || rate <= 0) return bad(errh, "RATE must be a positive number");
    }
    if (iv && click_parse_time_ns(iv, &interval) < 0) return bad(errh, "INTERVAL must be a time");
    if (kind == SRC_RATED) s->interval_ns = (uint64_t)(1e9 / rate);
    if (kind == SRC_TIMED) s->interval_ns = interval;
    return 0;
}

static int is_configure(click_element *e, click_args *a, click_errh *h) { return src_configure_kind(e, a, h, SRC_INFINITE); }
static int rs_configure(click_element *e, click_args *a, click_errh *h) { return src_configure_kind(e, a, h, SRC_RATED); }
static int ts_configure(click_element *e, click_args *a, click_errh *h) { return src_configure_kind(e, a, h, SRC_TIMED); }

static void src_cleanup(click_element *e) { free(((source *)e)->data); }

static bool exhausted(source *s) { return s->limit >= 0 && s->count >= (unsigned long long)s->limit; }

static void finish(source *s) {
    if (s->done) return;
    s->done = true;
    if (s->stop) click_element_stop_router(&s->e);
}

/* Is a packet due now (rated and timed sources)? */
static bool due(source *s) {
    if (s->kind == SRC_INFINITE) return true;
    uint64_t now = click_element_now(&s->e);
    if (!s->started) {
        s->started = true;
        s->next_ns = s->kind == SRC_TIMED ? now + s->interval_ns : now;
    }
    if (now < s->next_ns) return false;
    s->next_ns += s->interval_ns;
    if (s->next_ns + 10 * s->interval_ns < now) s->next_ns = now; /* do not burst after a stall */
    return true;
}

static click_packet *make(source *s) {
    click_packet *p = click_packet_from(click_element_pool(&s->e), s->data, s->len);
    if (!p) return NULL;
    p->timestamp_ns = click_element_now(&s->e);
    s->count++;
    return p;
}

static int src_task(click_element *e) {
    source *s = (source *)e;
    if (s->done) return CLICK_TASK_DONE;
    if (exhausted(s)) {
        finish(s);
        return CLICK_TASK_DONE;
    }
    if (!s->active || click_output_is_pull(e, 0)) return 0;
    int n = 0;
    while (n < s->burst && !exhausted(s) && due(s)) {
        click_packet *p = make(s);
        if (!p) break;
        click_output_push(e, 0, p);
        n++;
    }
    if (exhausted(s)) finish(s);
    return n;
}

static click_packet *src_pull(click_element *e, int port) {
    (void)port;
    source *s = (source *)e;
    if (!s->active || exhausted(s)) {
        if (exhausted(s)) finish(s);
        return NULL;
    }
    if (!due(s)) return NULL;
    click_packet *p = make(s);
    if (exhausted(s)) finish(s);
    return p;
}

static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((source *)e)->count);
}
static void h_active(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%s", ((source *)e)->active ? "true" : "false");
}
static void h_limit(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%lld", ((source *)e)->limit);
}
static void h_data(click_element *e, char *b, size_t l) {
    source *s = (source *)e;
    size_t n = s->len < l - 1 ? s->len : l - 1;
    memcpy(b, s->data, n);
    b[n] = 0;
}
static void h_rate(click_element *e, char *b, size_t l) {
    source *s = (source *)e;
    snprintf(b, l, "%g", s->interval_ns ? 1e9 / (double)s->interval_ns : 0);
}
static int w_active(click_element *e, const char *v, click_errh *errh) {
    if (click_parse_bool(v, &((source *)e)->active) < 0) return bad(errh, "active must be a boolean");
    return 0;
}
static int w_reset(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    source *s = (source *)e;
    s->count = 0;
    s->done = false;
    s->started = false;
    return 0;
}
static int w_limit(click_element *e, const char *v, click_errh *errh) {
    long long ll;
    if (click_parse_int(v, &ll) < 0 || ll < -1) return bad(errh, "limit must be an integer");
    ((source *)e)->limit = ll;
    ((source *)e)->done = false;
    return 0;
}
static const click_handler src_handlers[] = {
    {"count", h_count, NULL}, {"active", h_active, w_active}, {"limit", h_limit, w_limit},
    {"data", h_data, NULL},   {"rate", h_rate, NULL},         {"reset", NULL, w_reset},
    {NULL, NULL, NULL}};

const click_element_class click_class_InfiniteSource = {
    .name = "InfiniteSource", .ports = "0/1", .processing = "/a", .size = sizeof(source),
    .configure = is_configure, .cleanup = src_cleanup, .pull = src_pull, .run_task = src_task,
    .is_source = true, .handlers = src_handlers};

const click_element_class click_class_RatedSource = {
    .name = "RatedSource", .ports = "0/1", .processing = "/a", .size = sizeof(source),
    .configure = rs_configure, .cleanup = src_cleanup, .pull = src_pull, .run_task = src_task,
    .is_source = true, .handlers = src_handlers};

const click_element_class click_class_TimedSource = {
    .name = "TimedSource", .ports = "0/1", .processing = "/h", .size = sizeof(source),
    .configure = ts_configure, .cleanup = src_cleanup, .run_task = src_task,
    .is_source = true, .handlers = src_handlers};
