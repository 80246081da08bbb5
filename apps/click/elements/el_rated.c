/* Rate limiting with a token bucket.
 *   RatedUnqueue(RATE [, keywords BURST_DURATION, BURST_SIZE, ACTIVE])
 *       pull input, push output: moves RATE packets per second
 *   BandwidthRatedUnqueue(RATE [, BURST_DURATION, BURST_BYTES, ACTIVE])
 *       the same in bytes: RATE is a bandwidth ("2000Bps", "16kbps", ...)
 *   RatedSplitter(RATE [, BURST_DURATION, BURST_SIZE])
 *       push: up to RATE packets per second to output 0, the rest to
 *       output 1 (or dropped)
 *   BandwidthRatedSplitter(RATE [, BURST_DURATION, BURST_BYTES])
 *       the same in bytes
 * The bucket holds BURST_SIZE (BURST_BYTES) tokens, or RATE x BURST_DURATION
 * (default 20 ms), at least one; it starts full. The bandwidth elements let
 * a packet through while the bucket holds a 128 KiB reserve (the bucket is
 * that much larger), then take its length out, so a packet may overdraw.
 *
 * Time is the engine's clock in milliseconds. The bucket keeps tokens as
 * 32-bit fixed-point fractions: one token is `scale` units (the largest
 * multiple that lets a full bucket fit in 32 bits) and each millisecond adds
 * rate x scale / 1000 units, rounded down. A rate that does not divide
 * evenly therefore runs slightly slow: RATE 100 with a bucket of one token
 * needs 11 ms per packet. This is Click's arithmetic too, so packet counts
 * agree with Click's.
 *
 * Handlers: rate; the unqueuers also active (read/write) and count. */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"
#include "el_bandwidth.h"

#define TB_MAX 0xffffffffu
#define TB_HZ 1000u
#define BW_RESERVE 131072u

typedef struct tbucket {
    uint32_t scale;        /* fraction units per token */
    uint32_t per_tick;     /* units added per millisecond */
    uint32_t until_full;   /* milliseconds that refill an empty bucket */
    uint32_t tokens;       /* units held */
    uint32_t last;         /* millisecond of the last refill */
    bool started;
} tbucket;

static void tb_assign(tbucket *b, uint32_t rate, uint32_t capacity) {
    if (capacity == 0) {
        rate = 0;
        capacity = TB_MAX;
    }
    if (rate) {
        uint32_t min_cap = (rate - 1) / TB_HZ + 1;
        if (capacity < min_cap) capacity = min_cap;
    }
    b->scale = TB_MAX / capacity;
    uint64_t pt = (uint64_t)rate * b->scale / TB_HZ;
    if (rate) {
        b->per_tick = pt ? (uint32_t)pt : 1;
        b->until_full = (TB_MAX - 1) / b->per_tick + 1;
    } else {
        b->per_tick = 0;
        b->until_full = TB_MAX;
    }
}

/* t tokens in units; false if that is more than a bucket can hold. */
static bool tb_units(const tbucket *b, uint32_t t, uint32_t *units) {
    uint64_t u = (uint64_t)t * b->scale;
    if (u >> 32) {
        *units = TB_MAX;
        return false;
    }
    *units = (uint32_t)u;
    return true;
}

static void tb_refill(tbucket *b, uint64_t now_ns) {
    uint32_t now = (uint32_t)(now_ns / 1000000u);
    if (!b->started) {
        b->started = true;
        b->tokens = TB_MAX;
        b->last = now;
        return;
    }
    uint32_t diff = now - b->last;
    if ((int32_t)diff < 0) diff = 0; /* the clock went back */
    if (diff >= b->until_full) {
        b->tokens = TB_MAX;
    } else if (diff) {
        uint32_t n = b->tokens + diff * b->per_tick;
        b->tokens = n < b->tokens ? TB_MAX : n;
    }
    b->last = now;
}

static bool tb_contains(const tbucket *b, uint32_t t) {
    uint32_t u;
    return tb_units(b, t, &u) && u <= b->tokens;
}

static void tb_remove(tbucket *b, uint32_t t) {
    uint32_t u;
    (void)tb_units(b, t, &u);
    b->tokens = u <= b->tokens ? b->tokens - u : 0;
}

/* Milliseconds until the bucket holds t tokens (0: it does now). */
static uint32_t tb_wait(const tbucket *b, uint32_t t) {
    uint32_t u;
    if (!tb_units(b, t, &u)) return TB_MAX;
    if (u <= b->tokens || b->until_full == 0) return 0;
    if (!b->per_tick) return TB_MAX;
    return (u - b->tokens - 1) / b->per_tick + 1;
}

static bool tb_remove_if(tbucket *b, uint32_t t) {
    uint32_t u;
    if (!tb_units(b, t, &u) || u > b->tokens) return false;
    b->tokens -= u;
    return true;
}

/* The configured rate as the bucket realizes it (rounded). */
static uint32_t tb_rate(const tbucket *b) {
    uint64_t r = ((uint64_t)b->per_tick * TB_HZ + b->per_tick / 2) / b->scale;
    return r > TB_MAX ? TB_MAX : (uint32_t)r;
}

typedef struct rated {
    click_element e;
    tbucket tb;
    bool bandwidth, active;
    bool sleeping;         /* unqueuers: waiting for tokens until after wake_ns */
    uint64_t wake_ns;
    uint64_t count;
} rated;

int el_parse_bandwidth(const char *s, uint32_t *bytes_per_sec) {
    char num[64];
    size_t n = 0;
    while (s[n] && (s[n] == '.' || (s[n] >= '0' && s[n] <= '9')) && n < sizeof num - 1) {
        num[n] = s[n];
        n++;
    }
    num[n] = 0;
    double v;
    if (!n || click_parse_double(num, &v) < 0) return -1;
    const char *u = s + n;
    double mult = 1;
    if (*u == 'k' || *u == 'K') mult = 1e3, u++;
    else if (*u == 'M') mult = 1e6, u++;
    else if (*u == 'G') mult = 1e9, u++;
    if (!strcmp(u, "bps") || !strcmp(u, "b/s")) mult /= 8;
    else if (*u && strcmp(u, "Bps") && strcmp(u, "B/s")) return -1;
    else if (!*u && mult != 1) return -1;
    double b = v * mult;
    if (b < 0 || b > 4294967295.0) return -1;
    *bytes_per_sec = (uint32_t)(b + 0.5);
    return 0;
}

static int rated_configure(click_element *e, click_args *a, click_errh *errh, bool bw, bool unqueue) {
    rated *r = (rated *)e;
    r->bandwidth = bw;
    r->active = true;
    const char *burst_kw = bw ? "BURST_BYTES" : "BURST_SIZE";
    const char *dv = click_args_kw(a, "BURST_DURATION");
    const char *bv = click_args_kw(a, burst_kw);
    const char *av = unqueue ? click_args_kw(a, "ACTIVE") : NULL;
    const char *rv = click_args_kw(a, "RATE");
    if (!rv) rv = click_args_next(a);
    if (click_args_done(a) < 0) return -1;
    uint32_t rate;
    unsigned long long u;
    if (!rv) {
        click_errh_here(errh, "expected RATE");
        return -1;
    }
    if (bw ? el_parse_bandwidth(rv, &rate) < 0 : (click_parse_uint(rv, &u) < 0 || u > TB_MAX)) {
        click_errh_here(errh, bw ? "RATE must be a bandwidth (e.g. 2000Bps)" : "RATE must be an unsigned integer");
        return -1;
    }
    if (!bw) rate = (uint32_t)u;
    if (dv && bv) {
        click_errh_here(errh, "cannot specify both BURST_DURATION and %s", burst_kw);
        return -1;
    }
    uint64_t tokens;
    if (bv) {
        if (click_parse_uint(bv, &u) < 0 || u > TB_MAX) {
            click_errh_here(errh, "%s must be an unsigned integer", burst_kw);
            return -1;
        }
        tokens = u;
    } else {
        uint64_t dur_ms = 20;
        if (dv) {
            uint64_t ns;
            if (click_parse_time_ns(dv, &ns) < 0) {
                click_errh_here(errh, "BURST_DURATION must be a time");
                return -1;
            }
            dur_ms = ns / 1000000u;
        }
        tokens = (uint64_t)rate * dur_ms / 1000u;
        if (tokens > TB_MAX) tokens = TB_MAX;
    }
    if (bw) tokens = tokens + BW_RESERVE > TB_MAX ? TB_MAX : tokens + BW_RESERVE;
    if (av && click_parse_bool(av, &r->active) < 0) {
        click_errh_here(errh, "ACTIVE must be a boolean");
        return -1;
    }
    tb_assign(&r->tb, rate, tokens ? (uint32_t)tokens : 1);
    return 0;
}

static int ru_configure(click_element *e, click_args *a, click_errh *h) { return rated_configure(e, a, h, false, true); }
static int bru_configure(click_element *e, click_args *a, click_errh *h) { return rated_configure(e, a, h, true, true); }
static int rs_configure(click_element *e, click_args *a, click_errh *h) { return rated_configure(e, a, h, false, false); }
static int brs_configure(click_element *e, click_args *a, click_errh *h) { return rated_configure(e, a, h, true, false); }

/* Tokens a packet needs before it may go: one, or the bandwidth reserve. */
static uint32_t need(const rated *r) { return r->bandwidth ? BW_RESERVE : 1; }

/* When the bucket runs short the unqueuer sleeps for the whole milliseconds
 * the bucket needs, counted from that moment, and wakes in the first round
 * after them. A woken unqueuer counts the next sleep from its wake-up time
 * (not from the round that ran it), so sleeps do not drift with the
 * driver's round length. */
static void ru_sleep_if_short(rated *r, uint64_t now) {
    uint32_t ms = tb_wait(&r->tb, need(r));
    if (!ms) return;
    r->sleeping = true;
    r->wake_ns = ms == TB_MAX ? UINT64_MAX : now + (uint64_t)ms * 1000000u;
}

static int ru_task(click_element *e) {
    rated *r = (rated *)e;
    if (!r->active) return 0;
    uint64_t now = click_element_now(e);
    if (r->sleeping) {
        if (now <= r->wake_ns) return 0;
        now = r->wake_ns;
        r->sleeping = false;
    }
    tb_refill(&r->tb, now);
    if (!tb_contains(&r->tb, need(r))) {
        ru_sleep_if_short(r, now);
        return 0;
    }
    click_packet *p = click_input_pull(e, 0);
    if (!p) return 0;
    tb_remove(&r->tb, r->bandwidth ? p->len : 1);
    r->count++;
    click_output_push(e, 0, p);
    ru_sleep_if_short(r, now);
    return 1;
}

static void rs_push(click_element *e, int port, click_packet *p) {
    (void)port;
    rated *r = (rated *)e;
    tb_refill(&r->tb, click_element_now(e));
    bool pass;
    if (r->bandwidth) {
        pass = tb_contains(&r->tb, BW_RESERVE);
        if (pass) tb_remove(&r->tb, p->len);
    } else {
        pass = tb_remove_if(&r->tb, 1);
    }
    if (pass) {
        r->count++;
        click_output_push(e, 0, p);
    } else {
        click_checked_push(e, 1, p);
    }
}

static void h_rate(click_element *e, char *b, size_t l) {
    rated *r = (rated *)e;
    snprintf(b, l, r->bandwidth ? "%uBps" : "%u", tb_rate(&r->tb));
}
static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((rated *)e)->count);
}
static void h_active(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%s", ((rated *)e)->active ? "true" : "false");
}
static int w_active(click_element *e, const char *v, click_errh *errh) {
    ((rated *)e)->sleeping = false;
    if (click_parse_bool(v, &((rated *)e)->active) < 0) {
        click_errh_here(errh, "active must be a boolean");
        return -1;
    }
    return 0;
}
static const click_handler ru_handlers[] = {
    {"rate", h_rate, NULL}, {"count", h_count, NULL}, {"active", h_active, w_active}, {NULL, NULL, NULL}};
static const click_handler rs_handlers[] = {{"rate", h_rate, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_RatedUnqueue = {
    .name = "RatedUnqueue", .ports = "1/1", .processing = "l/h", .size = sizeof(rated),
    .configure = ru_configure, .run_task = ru_task, .handlers = ru_handlers};
const click_element_class click_class_BandwidthRatedUnqueue = {
    .name = "BandwidthRatedUnqueue", .ports = "1/1", .processing = "l/h", .size = sizeof(rated),
    .configure = bru_configure, .run_task = ru_task, .handlers = ru_handlers};
const click_element_class click_class_RatedSplitter = {
    .name = "RatedSplitter", .ports = "1/1-2", .processing = "h/h", .size = sizeof(rated),
    .configure = rs_configure, .push = rs_push, .handlers = rs_handlers};
const click_element_class click_class_BandwidthRatedSplitter = {
    .name = "BandwidthRatedSplitter", .ports = "1/1-2", .processing = "h/h", .size = sizeof(rated),
    .configure = brs_configure, .push = rs_push, .handlers = rs_handlers};
