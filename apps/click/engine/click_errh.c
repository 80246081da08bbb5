/* Error collection (see click_errh.h). */
#include "click_errh.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void click_errh_init(click_errh *e, const char *file) {
    memset(e, 0, sizeof *e);
    e->file = file ? file : "config";
}

void click_errh_free(click_errh *e) {
    free(e->buf);
    e->buf = NULL;
    e->len = e->cap = 0;
}

static void append(click_errh *e, const char *s, size_t n) {
    if (e->len + n + 1 > e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 256;
        while (nc < e->len + n + 1) nc *= 2;
        char *nb = realloc(e->buf, nc);
        if (!nb) return;
        e->buf = nb;
        e->cap = nc;
    }
    memcpy(e->buf + e->len, s, n);
    e->len += n;
    e->buf[e->len] = 0;
}

static void vreport(click_errh *e, int line, int col, const char *prefix,
                    const char *fmt, va_list ap) {
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "%s:%d:%d: %s", e->file, line, col,
                     prefix ? prefix : "");
    if (n < 0) n = 0;
    if ((size_t)n < sizeof msg) vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    /* Keep one message on one line. */
    for (char *c = msg; *c; c++)
        if (*c == '\n') *c = ' ';
    if (e->nerrors < 100) {
        append(e, msg, strlen(msg));
        append(e, "\n", 1);
    }
    e->nerrors++;
}

void click_errh_at(click_errh *e, int line, int col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport(e, line, col, NULL, fmt, ap);
    va_end(ap);
}

void click_errh_here(click_errh *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport(e, e->ctx_line, e->ctx_col, e->ctx_prefix, fmt, ap);
    va_end(ap);
}
