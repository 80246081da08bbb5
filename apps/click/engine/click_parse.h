/* Parser: configuration text -> flat element graph.
 *
 * Compound elements are expanded during parsing: an instance of
 * `elementclass C { ... }` named x contributes its inner elements as "x/inner"
 * plus two tunnel declarations (x's input side and output side). Connections
 * through tunnels are then replaced by direct connections, so the result
 * contains only primitive elements. */
#ifndef CLICK_PARSE_H
#define CLICK_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "click_errh.h"

typedef struct click_decl {
    char *name;
    char *cls;       /* class name (primitive), NULL for tunnels */
    char *config;    /* configuration after variable expansion */
    int line, col;   /* declaration (element name or anonymous class) */
    int cls_line, cls_col; /* where the class name appears */
    bool tunnel;
} click_decl;

typedef struct click_conn {
    int from, fport, to, tport;
    int line, col;   /* the arrow */
} click_conn;

typedef struct click_graph {
    click_decl *d;
    int nd, capd;
    click_conn *c;
    int nc, capc;
} click_graph;

/* Returns 0, or -1 after reporting errors through errh. The graph holds only
 * primitive elements (tunnels removed) on success. */
int click_parse(const char *text, size_t len, const char *const *params,
                click_errh *errh, click_graph *g);
void click_graph_free(click_graph *g);

#endif
