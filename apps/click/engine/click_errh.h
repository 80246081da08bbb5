/* Error collection for the parser, the router and element configuration.
 * Messages are kept in order, one per line, as "file:line:col: message". */
#ifndef CLICK_ERRH_H
#define CLICK_ERRH_H

#include <stddef.h>

typedef struct click_errh {
    const char *file;
    char *buf;         /* all messages, '\n'-separated */
    size_t len, cap;
    int nerrors;
    /* Location used by click_errh_here (set around element configuration). */
    int ctx_line, ctx_col;
    const char *ctx_prefix; /* e.g. "'c' :: Classifier: " */
} click_errh;

void click_errh_init(click_errh *e, const char *file);
void click_errh_free(click_errh *e);
void click_errh_at(click_errh *e, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Error at the current context location with the current prefix. */
void click_errh_here(click_errh *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
