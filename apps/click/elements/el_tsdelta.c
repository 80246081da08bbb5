/* SetTimestampDelta([TYPE RANGE|NOW]) rewrites set (non-zero) timestamp
 * annotations as differences:
 *   RANGE (default)  the time since the first timestamp it saw
 *   NOW              the time from the timestamp until now
 * Differences that would be negative become zero. Handlers: first (read),
 * reset (write: forget the first timestamp). */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"

typedef struct tsdelta {
    click_element e;
    bool now_type;
    uint64_t first_ns;
} tsdelta;

static int td_configure(click_element *e, click_args *a, click_errh *errh) {
    tsdelta *t = (tsdelta *)e;
    const char *v = click_args_kw(a, "TYPE");
    if (v && !strcmp(v, "NOW")) t->now_type = true;
    else if (v && strcmp(v, "RANGE")) {
        click_errh_here(errh, "bad TYPE (RANGE or NOW)");
        return -1;
    }
    return click_args_done(a);
}

static click_packet *td_action(click_element *e, click_packet *p) {
    tsdelta *t = (tsdelta *)e;
    uint64_t ts = p->timestamp_ns;
    if (!ts) return p;
    if (t->now_type) {
        uint64_t now = click_element_now(e);
        p->timestamp_ns = now > ts ? now - ts : 0;
    } else {
        if (!t->first_ns) t->first_ns = ts;
        p->timestamp_ns = ts > t->first_ns ? ts - t->first_ns : 0;
    }
    return p;
}

static void h_first(click_element *e, char *b, size_t l) {
    uint64_t ns = ((tsdelta *)e)->first_ns;
    snprintf(b, l, "%llu.%06llu", (unsigned long long)(ns / 1000000000u),
             (unsigned long long)(ns % 1000000000u / 1000u));
}
static int w_reset(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    ((tsdelta *)e)->first_ns = 0;
    return 0;
}
static const click_handler td_handlers[] = {{"first", h_first, NULL}, {"reset", NULL, w_reset}, {NULL, NULL, NULL}};

const click_element_class click_class_SetTimestampDelta = {
    .name = "SetTimestampDelta", .ports = "1/1", .processing = "a/a", .size = sizeof(tsdelta),
    .configure = td_configure, .simple_action = td_action, .handlers = td_handlers};
