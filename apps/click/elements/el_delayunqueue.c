/* Delaying packets by their timestamps.
 *   DelayUnqueue(DELAY): pull input, push output. Each packet pulled leaves
 *       DELAY after its timestamp annotation (a packet without one is
 *       stamped with the time it was pulled); the annotation is advanced by
 *       DELAY. One packet is held at a time, so later packets wait behind
 *       it in order. While it holds a packet the task counts as busy, so the
 *       driver does not finish before the packet has left.
 *   DelayShaper(DELAY): pull input, pull output: the same delay, applied
 *       when the output is pulled; a packet leaves stamped with the time it
 *       left.
 * Handler: delay (read/write). */
#include <stdio.h>

#include "../engine/click_element.h"

typedef struct delayuq {
    click_element e;
    uint64_t delay_ns;
    click_packet *held;
} delayuq;

static int du_configure(click_element *e, click_args *a, click_errh *errh) {
    delayuq *d = (delayuq *)e;
    const char *v = click_args_kw(a, "DELAY");
    if (!v) v = click_args_next(a);
    if (!v || click_parse_time_ns(v, &d->delay_ns) < 0) {
        click_errh_here(errh, "expected DELAY (a time)");
        return -1;
    }
    return click_args_done(a);
}

static void du_cleanup(click_element *e) {
    delayuq *d = (delayuq *)e;
    if (d->held) click_packet_kill(d->held);
    d->held = NULL;
}

static click_packet *du_next(click_element *e);

static int du_task(click_element *e) {
    delayuq *d = (delayuq *)e;
    int n = 0;
    for (int i = 0; i < 64; i++) {
        if (!du_next(e)) break;
        if (d->held->timestamp_ns > click_element_now(e)) return n ? n : 1;
        click_packet *p = d->held;
        d->held = NULL;
        click_output_push(e, 0, p);
        n++;
    }
    return n;
}

/* The held packet (pulling one if none is held), or NULL. */
static click_packet *du_next(click_element *e) {
    delayuq *d = (delayuq *)e;
    if (!d->held) {
        click_packet *p = click_input_pull(e, 0);
        if (!p) return NULL;
        /* whole seconds of zero: the packet was never stamped */
        if (p->timestamp_ns < 1000000000u) p->timestamp_ns = click_element_now(e);
        p->timestamp_ns += d->delay_ns;
        d->held = p;
    }
    return d->held;
}

static click_packet *ds_pull(click_element *e, int port) {
    (void)port;
    delayuq *d = (delayuq *)e;
    click_packet *p = du_next(e);
    uint64_t now = click_element_now(e);
    if (!p || p->timestamp_ns > now) return NULL;
    d->held = NULL;
    p->timestamp_ns = now;
    return p;
}

static void h_delay(click_element *e, char *b, size_t l) {
    uint64_t ns = ((delayuq *)e)->delay_ns;
    snprintf(b, l, "%llu.%06llus", (unsigned long long)(ns / 1000000000u),
             (unsigned long long)(ns % 1000000000u / 1000u));
}
static int w_delay(click_element *e, const char *v, click_errh *errh) {
    if (click_parse_time_ns(v, &((delayuq *)e)->delay_ns) < 0) {
        click_errh_here(errh, "delay must be a time");
        return -1;
    }
    return 0;
}
static const click_handler du_handlers[] = {{"delay", h_delay, w_delay}, {NULL, NULL, NULL}};

const click_element_class click_class_DelayUnqueue = {
    .name = "DelayUnqueue", .ports = "1/1", .processing = "l/h", .size = sizeof(delayuq),
    .configure = du_configure, .cleanup = du_cleanup, .run_task = du_task,
    .handlers = du_handlers};

const click_element_class click_class_DelayShaper = {
    .name = "DelayShaper", .ports = "1/1", .processing = "l/l", .size = sizeof(delayuq),
    .configure = du_configure, .cleanup = du_cleanup, .pull = ds_pull, .handlers = du_handlers};
