/* Counter and AverageCounter: count packets and bytes passing through.
 *   Counter()            handlers count, byte_count, rate, byte_rate, reset
 *   AverageCounter([IGNORE secs])  handlers count, byte_count, rate,
 *                        byte_rate, time, reset
 * Rates are averages over the time between the first and the last packet
 * seen, measured with the host clock (packets per second). AverageCounter's
 * IGNORE skips packets during the first secs seconds after the first one. */
#include <stdio.h>

#include "../engine/click_element.h"

typedef struct counter {
    click_element e;
    uint64_t count, bytes;
    uint64_t first_ns, last_ns;
    uint64_t ignore_ns;
    uint64_t start_ns;    /* first packet ever (for IGNORE) */
    bool started;
} counter;

static int c_configure(click_element *e, click_args *a, click_errh *errh) {
    (void)e;
    (void)errh;
    return click_args_done(a);
}

static int ac_configure(click_element *e, click_args *a, click_errh *errh) {
    counter *c = (counter *)e;
    const char *v = click_args_kw(a, "IGNORE");
    if (!v) v = click_args_next(a);
    double d = 0;
    if (v && (click_parse_double(v, &d) < 0 || d < 0)) {
        click_errh_here(errh, "IGNORE must be a non-negative number of seconds");
        return -1;
    }
    c->ignore_ns = (uint64_t)(d * 1e9);
    return click_args_done(a);
}

static click_packet *c_action(click_element *e, click_packet *p) {
    counter *c = (counter *)e;
    uint64_t now = click_element_now(e);
    if (!c->started) {
        c->started = true;
        c->start_ns = now;
    }
    if (c->ignore_ns && now - c->start_ns < c->ignore_ns) return p;
    if (c->count == 0) c->first_ns = now;
    c->last_ns = now;
    c->count++;
    c->bytes += p->len;
    return p;
}

static double elapsed(const counter *c) {
    return c->count > 1 ? (double)(c->last_ns - c->first_ns) / 1e9 : 0.0;
}

static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((counter *)e)->count);
}
static void h_bytes(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((counter *)e)->bytes);
}
static void h_rate(click_element *e, char *b, size_t l) {
    counter *c = (counter *)e;
    double t = elapsed(c);
    snprintf(b, l, "%.1f", t > 0 ? (double)(c->count - 1) / t : 0.0);
}
static void h_byte_rate(click_element *e, char *b, size_t l) {
    counter *c = (counter *)e;
    double t = elapsed(c);
    snprintf(b, l, "%.1f", t > 0 ? (double)c->bytes / t : 0.0);
}
static void h_time(click_element *e, char *b, size_t l) { snprintf(b, l, "%.6f", elapsed((counter *)e)); }
static int h_reset(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    counter *c = (counter *)e;
    c->count = c->bytes = 0;
    c->first_ns = c->last_ns = 0;
    return 0;
}

static const click_handler c_handlers[] = {
    {"count", h_count, NULL}, {"byte_count", h_bytes, NULL}, {"rate", h_rate, NULL},
    {"byte_rate", h_byte_rate, NULL}, {"time", h_time, NULL}, {"reset", NULL, h_reset},
    {NULL, NULL, NULL}};

const click_element_class click_class_Counter = {
    .name = "Counter", .ports = "1/1", .processing = "a/a", .size = sizeof(counter),
    .configure = c_configure, .simple_action = c_action, .handlers = c_handlers};
const click_element_class click_class_AverageCounter = {
    .name = "AverageCounter", .ports = "1/1", .processing = "a/a", .size = sizeof(counter),
    .configure = ac_configure, .simple_action = c_action, .handlers = c_handlers};
