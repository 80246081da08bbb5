/* Discard (drops everything; pulls when its input is pull) and Idle (never
 * produces, drops anything pushed to it; any number of ports).
 * Discard handlers: count, reset. */
#include <stdio.h>

#include "../engine/click_element.h"

typedef struct discard {
    click_element e;
    uint64_t count;
    int burst;
} discard;

static int d_configure(click_element *e, click_args *a, click_errh *errh) {
    discard *d = (discard *)e;
    d->burst = 32;
    const char *v = click_args_kw(a, "BURST");
    unsigned long long b;
    if (v) {
        if (click_parse_uint(v, &b) < 0 || b == 0 || b > 100000) {
            click_errh_here(errh, "BURST must be a positive integer");
            return -1;
        }
        d->burst = (int)b;
    }
    (void)click_args_kw(a, "ACTIVE");
    return click_args_done(a);
}

static void d_push(click_element *e, int port, click_packet *p) {
    (void)port;
    ((discard *)e)->count++;
    click_packet_kill(p);
}

static int d_task(click_element *e) {
    discard *d = (discard *)e;
    if (!click_input_is_pull(e, 0)) return 0;
    int n = 0;
    click_packet *p;
    while (n < d->burst && (p = click_input_pull(e, 0))) {
        d->count++;
        click_packet_kill(p);
        n++;
    }
    return n;
}

static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((discard *)e)->count);
}
static int h_reset(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    ((discard *)e)->count = 0;
    return 0;
}
static const click_handler d_handlers[] = {
    {"count", h_count, NULL}, {"reset", NULL, h_reset}, {NULL, NULL, NULL}};

const click_element_class click_class_Discard = {
    .name = "Discard", .ports = "1/0", .processing = "a/", .size = sizeof(discard),
    .configure = d_configure, .push = d_push, .run_task = d_task, .handlers = d_handlers};

static void idle_push(click_element *e, int port, click_packet *p) {
    (void)e;
    (void)port;
    click_packet_kill(p);
}
static click_packet *idle_pull(click_element *e, int port) {
    (void)e;
    (void)port;
    return NULL;
}

const click_element_class click_class_Idle = {
    .name = "Idle", .ports = "-/-", .processing = "a/a", .size = sizeof(click_element),
    .push = idle_push, .pull = idle_pull};
