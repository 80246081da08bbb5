/* Counter and AverageCounter: count packets and bytes passing through.
 *   Counter([COUNT_CALL, BYTE_COUNT_CALL])
 *                        handlers count, byte_count, rate, byte_rate, reset,
 *                        count_call, byte_count_call
 *   AverageCounter([IGNORE secs])  handlers count, byte_count, rate,
 *                        byte_rate, time, reset
 * Rates are averages over the time between the first and the last packet
 * seen, measured with the host clock (packets per second). AverageCounter's
 * IGNORE skips packets during the first secs seconds after the first one.
 * COUNT_CALL "N ELEMENT.HANDLER [VALUE]" writes VALUE to the handler when
 * the N-th packet passes (before the packet goes on); BYTE_COUNT_CALL does
 * the same once N bytes have passed. Each fires once until reset. The
 * handler's element is looked up in the counter's own compound first. */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"

typedef struct trigger {
    bool set, fired;
    unsigned long long at;
    char handler[192];
    char value[256];
} trigger;

typedef struct counter {
    click_element e;
    uint64_t count, bytes;
    uint64_t first_ns, last_ns;
    uint64_t ignore_ns;
    uint64_t start_ns;    /* first packet ever (for IGNORE) */
    bool started;
    trigger calls[2]; /* COUNT_CALL, BYTE_COUNT_CALL */
} counter;

/* "N HANDLER [VALUE]" */
static int parse_call(const char *v, trigger *t) {
    char w[2][64];
    if (click_split_words(v, w, 2) < 2 || click_parse_uint(w[0], &t->at) < 0) return -1;
    snprintf(t->handler, sizeof t->handler, "%s", w[1]);
    const char *rest = v;
    for (int i = 0; i < 2; i++) {
        while (*rest == ' ' || *rest == '\t' || *rest == '\n') rest++;
        while (*rest && *rest != ' ' && *rest != '\t' && *rest != '\n') rest++;
    }
    while (*rest == ' ' || *rest == '\t' || *rest == '\n') rest++;
    if (strlen(rest) >= sizeof t->value) return -1;
    snprintf(t->value, sizeof t->value, "%s", rest);
    size_t n = strlen(t->value);
    while (n && (t->value[n - 1] == ' ' || t->value[n - 1] == '\t' || t->value[n - 1] == '\n')) t->value[--n] = 0;
    t->set = true;
    t->fired = false;
    return 0;
}

static const char *const call_kw[2] = {"COUNT_CALL", "BYTE_COUNT_CALL"};

static int c_configure(click_element *e, click_args *a, click_errh *errh) {
    counter *c = (counter *)e;
    for (int i = 0; i < 2; i++) {
        const char *v = click_args_kw(a, call_kw[i]);
        if (v && parse_call(v, &c->calls[i]) < 0) {
            click_errh_here(errh, "%s must be 'COUNT ELEMENT.HANDLER [VALUE]'", call_kw[i]);
            return -1;
        }
    }
    return click_args_done(a);
}

static void fire(click_element *e, trigger *t) {
    char err[256], spec[512];
    t->fired = true;
    const char *slash = strrchr(e->name, '/');
    if (slash) {
        snprintf(spec, sizeof spec, "%.*s/%s", (int)(slash - e->name), e->name, t->handler);
        if (click_router_write(e->router, spec, t->value, err, sizeof err) == 0) return;
    }
    if (click_router_write(e->router, t->handler, t->value, err, sizeof err) < 0)
        click_element_log(e, "%s: %s", t->handler, err);
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
    trigger *t = &c->calls[0];
    if (t->set && !t->fired && c->count == t->at) fire(e, t);
    t = &c->calls[1];
    if (t->set && !t->fired && c->bytes >= t->at) fire(e, t);
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
    c->calls[0].fired = c->calls[1].fired = false;
    return 0;
}
static void h_count_call(click_element *e, char *b, size_t l) {
    trigger *t = &((counter *)e)->calls[0];
    if (t->set) snprintf(b, l, "%llu", t->at);
    else b[0] = 0;
}
static int w_call(click_element *e, const char *v, click_errh *errh, int i) {
    trigger t;
    memset(&t, 0, sizeof t);
    if (parse_call(v, &t) < 0) {
        click_errh_here(errh, "expected 'COUNT ELEMENT.HANDLER [VALUE]'");
        return -1;
    }
    ((counter *)e)->calls[i] = t;
    return 0;
}
static int w_count_call(click_element *e, const char *v, click_errh *errh) { return w_call(e, v, errh, 0); }
static int w_byte_count_call(click_element *e, const char *v, click_errh *errh) { return w_call(e, v, errh, 1); }

static const click_handler c_handlers[] = {
    {"count", h_count, NULL}, {"byte_count", h_bytes, NULL}, {"rate", h_rate, NULL},
    {"byte_rate", h_byte_rate, NULL}, {"time", h_time, NULL}, {"reset", NULL, h_reset},
    {"count_call", h_count_call, w_count_call}, {"byte_count_call", NULL, w_byte_count_call},
    {NULL, NULL, NULL}};

const click_element_class click_class_Counter = {
    .name = "Counter", .ports = "1/1", .processing = "a/a", .size = sizeof(counter),
    .configure = c_configure, .simple_action = c_action, .handlers = c_handlers};
const click_element_class click_class_AverageCounter = {
    .name = "AverageCounter", .ports = "1/1", .processing = "a/a", .size = sizeof(counter),
    .configure = ac_configure, .simple_action = c_action, .handlers = c_handlers};
