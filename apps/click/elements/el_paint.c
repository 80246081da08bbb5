/* Paint(COLOR) sets the paint annotation; CheckPaint(COLOR) sends packets
 * whose paint equals COLOR to output 0 and the others to output 1 (dropped
 * if output 1 is not connected). COLOR is 0..255. */
#include <stdio.h>

#include "../engine/click_element.h"

typedef struct paint {
    click_element e;
    uint8_t color;
    uint64_t mismatches;
} paint;

static int p_configure(click_element *e, click_args *a, click_errh *errh) {
    paint *pt = (paint *)e;
    const char *v = click_args_kw(a, "COLOR");
    if (!v) v = click_args_next(a);
    unsigned long long c;
    if (!v || click_parse_uint(v, &c) < 0 || c > 255) {
        click_errh_here(errh, "expected COLOR (0-255)");
        return -1;
    }
    (void)click_args_kw(a, "ANNO");
    pt->color = (uint8_t)c;
    return click_args_done(a);
}

static click_packet *paint_action(click_element *e, click_packet *p) {
    p->paint = ((paint *)e)->color;
    return p;
}

static click_packet *check_action(click_element *e, click_packet *p) {
    paint *pt = (paint *)e;
    if (p->paint == pt->color) return p;
    pt->mismatches++;
    click_checked_push(e, 1, p);
    return NULL;
}

static void h_color(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((paint *)e)->color); }
static void h_mis(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((paint *)e)->mismatches);
}
static const click_handler p_handlers[] = {{"color", h_color, NULL}, {NULL, NULL, NULL}};
static const click_handler cp_handlers[] = {
    {"color", h_color, NULL}, {"drops", h_mis, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_Paint = {
    .name = "Paint", .ports = "1/1", .processing = "a/a", .size = sizeof(paint),
    .configure = p_configure, .simple_action = paint_action, .handlers = p_handlers};
const click_element_class click_class_CheckPaint = {
    .name = "CheckPaint", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(paint),
    .configure = p_configure, .simple_action = check_action, .handlers = cp_handlers};
