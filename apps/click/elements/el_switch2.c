/* Switching by element state (see also el_misc.c's Switch and PullSwitch).
 *   Bypass([ACTIVE (false)], INLINE)
 *       push or pull, one or two ports on each side. Inactive, packets go
 *       straight from input 0 to output 0. Active, input 0 leads to
 *       output 1 and input 1 back to output 0, so that "b[1] -> X -> [1]b"
 *       puts X in the path only while b is active (in pull mode the same
 *       holds for the pull requests). INLINE is accepted for compatibility.
 *       Handler active (read/write).
 *   InputSwitch([INPUT (0)])
 *       push: packets from input INPUT go to output 0, others are dropped
 *       (-1: all are). Handler switch (read/write).
 *   SimplePullSwitch([INPUT (0)])
 *       pull: pulls input INPUT only (-1 or out of range: nothing).
 *       Handler switch (read/write). */
#include <stdio.h>

#include "../engine/click_element.h"

typedef struct sw2 {
    click_element e;
    bool active;
    int input;
} sw2;

/* ---- Bypass ---- */
static int bp_configure(click_element *e, click_args *a, click_errh *errh) {
    sw2 *b = (sw2 *)e;
    bool inl = false;
    const char *iv = click_args_kw(a, "INLINE");
    const char *v = click_args_kw(a, "ACTIVE");
    if (!v) v = click_args_next(a);
    if (v && click_parse_bool(v, &b->active) < 0) {
        click_errh_here(errh, "ACTIVE must be a boolean");
        return -1;
    }
    if (iv && click_parse_bool(iv, &inl) < 0) {
        click_errh_here(errh, "INLINE must be a boolean");
        return -1;
    }
    return click_args_done(a);
}
static void bp_push(click_element *e, int port, click_packet *p) {
    sw2 *b = (sw2 *)e;
    click_output_push(e, b->active && port == 0 && e->noutputs > 1 ? 1 : 0, p);
}
static click_packet *bp_pull(click_element *e, int port) {
    sw2 *b = (sw2 *)e;
    return click_input_pull(e, b->active && port == 0 && e->ninputs > 1 ? 1 : 0);
}
static void h_active(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%s", ((sw2 *)e)->active ? "true" : "false");
}
static int w_active(click_element *e, const char *v, click_errh *errh) {
    if (click_parse_bool(v, &((sw2 *)e)->active) < 0) {
        click_errh_here(errh, "active must be a boolean");
        return -1;
    }
    return 0;
}
static const click_handler bp_handlers[] = {{"active", h_active, w_active}, {NULL, NULL, NULL}};

const click_element_class click_class_Bypass = {
    .name = "Bypass", .ports = "1-2/1-2", .processing = "a/a", .size = sizeof(sw2),
    .configure = bp_configure, .push = bp_push, .pull = bp_pull, .handlers = bp_handlers};

/* ---- InputSwitch, SimplePullSwitch ---- */
static void set_input(sw2 *s, long long v) {
    s->input = v < 0 || v >= s->e.ninputs ? -1 : (int)v;
}
static int sel_configure(click_element *e, click_args *a, click_errh *errh) {
    sw2 *s = (sw2 *)e;
    long long v = 0;
    const char *x = click_args_kw(a, "INPUT");
    if (!x) x = click_args_next(a);
    if (x && click_parse_int(x, &v) < 0) {
        click_errh_here(errh, "INPUT must be an integer");
        return -1;
    }
    if (v >= e->ninputs && e->ninputs > 0) {
        click_errh_here(errh, "INPUT must be < %d", e->ninputs);
        return -1;
    }
    set_input(s, v);
    return click_args_done(a);
}
static void is_push(click_element *e, int port, click_packet *p) {
    if (port == ((sw2 *)e)->input) click_output_push(e, 0, p);
    else click_packet_kill(p);
}
static click_packet *sps_pull(click_element *e, int port) {
    (void)port;
    sw2 *s = (sw2 *)e;
    return s->input < 0 ? NULL : click_input_pull(e, s->input);
}
static void h_switch(click_element *e, char *b, size_t l) { snprintf(b, l, "%d", ((sw2 *)e)->input); }
static int w_switch(click_element *e, const char *v, click_errh *errh) {
    long long x;
    if (click_parse_int(v, &x) < 0) {
        click_errh_here(errh, "switch must be an integer");
        return -1;
    }
    set_input((sw2 *)e, x);
    return 0;
}
static const click_handler sel_handlers[] = {{"switch", h_switch, w_switch}, {NULL, NULL, NULL}};

const click_element_class click_class_InputSwitch = {
    .name = "InputSwitch", .ports = "-/1", .processing = "h/h", .size = sizeof(sw2),
    .configure = sel_configure, .push = is_push, .handlers = sel_handlers};
const click_element_class click_class_SimplePullSwitch = {
    .name = "SimplePullSwitch", .ports = "-/1", .processing = "l/l", .size = sizeof(sw2),
    .configure = sel_configure, .pull = sps_pull, .handlers = sel_handlers};
