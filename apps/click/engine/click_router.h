/* Router internals shared by the graph builder (click_router.c), the driver
 * (click_sched.c) and the handler code. Not for host programs. */
#ifndef CLICK_ROUTER_H
#define CLICK_ROUTER_H

#include "click_element.h"

struct click_router {
    click_host host;
    click_pool *pool;
    click_element **elems;
    int nelems;
    click_element **tasks;   /* elements with run_task, in configuration order */
    bool *task_done;
    int ntasks;
    int sources_active;      /* source tasks not yet exhausted */
    bool stop_requested;
    bool finished;
    uint64_t rounds;
    /* A DriverManager is present: stop requests from elements are counted in
     * stop_events for it to consume instead of stopping the driver. */
    bool managed;
    int stop_events;
    /* Sink for Script/DriverManager print output (NULL: the log sink). */
    void (*out)(void *ctx, const char *text);
    void *out_ctx;
};

/* The router whose names the value parsers accept (NULL: none); returns
 * the previous one so that callers can restore it (click_args.c). */
click_router *click_args_set_scope(click_router *r);
/* Ask r's elements that define names (click_element_lookup_name). */
int click_router_lookup_name(click_router *r, const char *kind, const char *name, char *buf,
                             size_t len);

#endif
