/* TimedSink([INTERVAL (0.5s)]): pull input; pulls and drops one packet
 * every INTERVAL, the first INTERVAL after the driver starts.
 * Handler interval (read/write). */
#include <stdio.h>

#include "../engine/click_element.h"

typedef struct timedsink {
    click_element e;
    uint64_t interval_ns, next_ns;
    bool started;
} timedsink;

static int tsk_configure(click_element *e, click_args *a, click_errh *errh) {
    timedsink *t = (timedsink *)e;
    t->interval_ns = 500000000u;
    const char *v = click_args_kw(a, "INTERVAL");
    if (!v) v = click_args_next(a);
    if (v && (click_parse_time_ns(v, &t->interval_ns) < 0 || !t->interval_ns)) {
        click_errh_here(errh, "INTERVAL must be a positive time");
        return -1;
    }
    return click_args_done(a);
}

static int tsk_task(click_element *e) {
    timedsink *t = (timedsink *)e;
    uint64_t now = click_element_now(e);
    if (!t->started) {
        t->started = true;
        t->next_ns = now + t->interval_ns;
    }
    if (now < t->next_ns) return 0;
    t->next_ns += t->interval_ns;
    if (t->next_ns <= now) t->next_ns = now + t->interval_ns; /* do not catch up after a stall */
    click_packet *p = click_input_pull(e, 0);
    if (!p) return 0;
    click_packet_kill(p);
    return 1;
}

static void h_interval(click_element *e, char *b, size_t l) {
    uint64_t ns = ((timedsink *)e)->interval_ns;
    snprintf(b, l, "%llu.%06llus", (unsigned long long)(ns / 1000000000u),
             (unsigned long long)(ns % 1000000000u / 1000u));
}
static int w_interval(click_element *e, const char *v, click_errh *errh) {
    uint64_t ns;
    if (click_parse_time_ns(v, &ns) < 0 || !ns) {
        click_errh_here(errh, "bad interval");
        return -1;
    }
    ((timedsink *)e)->interval_ns = ns;
    return 0;
}
static const click_handler tsk_handlers[] = {{"interval", h_interval, w_interval}, {NULL, NULL, NULL}};

const click_element_class click_class_TimedSink = {
    .name = "TimedSink", .ports = "1/0", .processing = "l/", .size = sizeof(timedsink),
    .configure = tsk_configure, .run_task = tsk_task, .handlers = tsk_handlers};
