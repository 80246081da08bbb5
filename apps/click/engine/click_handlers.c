/* Handler access: "element.handler" read and write.
 * Every element has the generic read handlers name, class, config, ports;
 * classes add their own through click_element_class.handlers. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "click_router.h"

static const click_handler *find_handler(click_element *e, const char *h) {
    for (const click_handler *x = e->cls->handlers; x && x->name; x++)
        if (!strcmp(x->name, h)) return x;
    return NULL;
}

static int split_spec(click_router *r, const char *spec, click_element **e, const char **h,
                      char *msg, size_t len) {
    const char *dot = strrchr(spec, '.');
    if (!dot || dot == spec || !dot[1]) {
        snprintf(msg, len, "bad handler '%s' (expected element.handler)", spec);
        return -1;
    }
    char name[512];
    size_t nl = (size_t)(dot - spec);
    if (nl >= sizeof name) nl = sizeof name - 1;
    memcpy(name, spec, nl);
    name[nl] = 0;
    *e = click_router_find(r, name);
    if (!*e) {
        snprintf(msg, len, "no element named '%s'", name);
        return -1;
    }
    *h = dot + 1;
    return 0;
}

int click_router_read(click_router *r, const char *spec, char *buf, size_t len) {
    click_element *e;
    const char *h;
    if (!len) return -1;
    /* "elem.handler PARAM": a read handler with a parameter */
    const char *sp = spec;
    while (*sp && !isspace((unsigned char)*sp)) sp++;
    if (*sp) {
        char name[512];
        size_t nl = (size_t)(sp - spec);
        if (nl >= sizeof name) nl = sizeof name - 1;
        memcpy(name, spec, nl);
        name[nl] = 0;
        while (isspace((unsigned char)*sp)) sp++;
        if (split_spec(r, name, &e, &h, buf, len) < 0) return -1;
        click_router *old_scope = click_args_set_scope(r); /* names in the parameter */
        int rc = e->cls->read_param ? e->cls->read_param(e, h, sp, buf, len) : -2;
        click_args_set_scope(old_scope);
        if (rc == -2) snprintf(buf, len, "element '%s' has no read handler '%s' with a parameter", e->name, h);
        return rc == 0 ? 0 : -1;
    }
    if (split_spec(r, spec, &e, &h, buf, len) < 0) return -1;
    const click_handler *x = find_handler(e, h);
    if (x && x->read) {
        buf[0] = 0;
        x->read(e, buf, len);
        return 0;
    }
    if (!x && e->cls->read_other && e->cls->read_other(e, h, buf, len) == 0) return 0;
    if (!strcmp(h, "name")) snprintf(buf, len, "%s", e->name);
    else if (!strcmp(h, "class")) snprintf(buf, len, "%s", e->cls->name);
    else if (!strcmp(h, "config")) snprintf(buf, len, "%s", e->config);
    else if (!strcmp(h, "ports")) {
        size_t n = (size_t)snprintf(buf, len, "%d input%s, %d output%s", e->ninputs,
                                    e->ninputs == 1 ? "" : "s", e->noutputs,
                                    e->noutputs == 1 ? "" : "s");
        (void)n;
    } else {
        snprintf(buf, len, "element '%s' has no read handler '%s'", e->name, h);
        return -1;
    }
    return 0;
}

int click_router_write(click_router *r, const char *spec, const char *value, char *err,
                       size_t errlen) {
    click_element *e;
    const char *h;
    char tmp[256];
    if (!strcmp(spec, "stop")) { /* the global "stop" handler */
        click_router_stop(r);
        return 0;
    }
    if (split_spec(r, spec, &e, &h, err ? err : tmp, err ? errlen : sizeof tmp) < 0) return -1;
    const click_handler *x = find_handler(e, h);
    if (!x || !x->write) {
        if (err) snprintf(err, errlen, "element '%s' has no write handler '%s'", e->name, h);
        return -1;
    }
    click_errh errh;
    click_errh_init(&errh, "handler");
    click_router *old_scope = click_args_set_scope(r);
    int rc = x->write(e, value ? value : "", &errh);
    click_args_set_scope(old_scope);
    if (rc < 0 && err) {
        /* the messages alone, one a line (no "handler:0:0:" location) */
        size_t n = 0;
        err[0] = 0;
        const char *m = errh.buf ? errh.buf : "write failed";
        while (*m && n + 1 < errlen) {
            const char *nl = strchr(m, '\n');
            size_t l = nl ? (size_t)(nl - m) : strlen(m);
            if (!strncmp(m, "handler:0:0: ", 13)) m += 13, l -= 13;
            n += (size_t)snprintf(err + n, errlen - n, "%s%.*s", n ? "\n" : "", (int)l, m);
            if (!nl) break;
            m = nl + 1;
        }
        if (n >= errlen) err[errlen - 1] = 0;
    }
    click_errh_free(&errh);
    return rc < 0 ? -1 : 0;
}
