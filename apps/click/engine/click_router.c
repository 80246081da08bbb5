/* Router: instantiates a parsed graph, checks ports, resolves push/pull,
 * configures and initializes elements. */
#include "click_router.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "click_parse.h"

/* ---- element environment ---- */

void click_element_set_nports(click_element *e, int nin, int nout) {
    e->want_nin = nin;
    e->want_nout = nout;
}

click_pool *click_element_pool(click_element *e) { return e->router->pool; }

uint64_t click_element_now(click_element *e) {
    const click_host *h = e->host;
    return h->now_ns ? h->now_ns(h->ctx) : 0;
}

void click_element_log(click_element *e, const char *fmt, ...) {
    const click_host *h = e->host;
    if (!h->log) return;
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    h->log(h->ctx, buf);
}

void click_element_stop_router(click_element *e) {
    if (e->router->managed) e->router->stop_events++;
    else e->router->stop_requested = true;
}

void click_element_stop_driver(click_element *e) { e->router->stop_requested = true; }

void click_router_set_output(click_router *r, void (*fn)(void *ctx, const char *text),
                             void *ctx) {
    r->out = fn;
    r->out_ctx = ctx;
}

void click_element_output(click_element *e, const char *text) {
    click_router *r = e->router;
    size_t l = strlen(text);
    if (r->out) {
        if (l && text[l - 1] == '\n') {
            r->out(r->out_ctx, text);
        } else {
            char *t = malloc(l + 2);
            if (!t) return;
            memcpy(t, text, l);
            t[l] = '\n';
            t[l + 1] = 0;
            r->out(r->out_ctx, t);
            free(t);
        }
    } else if (e->host->log) {
        if (l && text[l - 1] == '\n') {
            char *t = malloc(l);
            if (!t) return;
            memcpy(t, text, l - 1);
            t[l - 1] = 0;
            e->host->log(e->host->ctx, t);
            free(t);
        } else {
            e->host->log(e->host->ctx, text);
        }
    }
}

/* ---- default push/pull for simple_action classes ---- */

static void simple_push(click_element *e, int port, click_packet *p) {
    (void)port;
    p = e->cls->simple_action(e, p);
    if (p) click_output_push(e, 0, p);
}

static click_packet *simple_pull(click_element *e, int port) {
    (void)port;
    click_packet *p = click_input_pull(e, 0);
    if (p) p = e->cls->simple_action(e, p);
    return p;
}

static click_push_fn push_fn(const click_element *e) {
    if (e->cls->push) return e->cls->push;
    if (e->cls->simple_action) return simple_push;
    return NULL;
}

static click_pull_fn pull_fn(const click_element *e) {
    if (e->cls->pull) return e->cls->pull;
    if (e->cls->simple_action) return simple_pull;
    return NULL;
}

/* ---- port specifications ---- */

/* Parse one side of a port spec ("1", "1-2", "1-", "-", "0"). */
static void port_range(const char *s, size_t n, int *lo, int *hi) {
    if (n == 1 && s[0] == '-') {
        *lo = 0;
        *hi = 1 << 20;
        return;
    }
    int a = 0, b;
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') a = a * 10 + (s[i++] - '0');
    if (i < n && s[i] == '-') {
        i++;
        if (i == n) b = 1 << 20;
        else {
            b = 0;
            while (i < n && s[i] >= '0' && s[i] <= '9') b = b * 10 + (s[i++] - '0');
        }
    } else {
        b = a;
    }
    *lo = a;
    *hi = b;
}

static void class_ports(const click_element_class *c, int *ilo, int *ihi, int *olo, int *ohi) {
    const char *s = c->ports;
    const char *slash = strchr(s, '/');
    port_range(s, (size_t)(slash - s), ilo, ihi);
    port_range(slash + 1, strlen(slash + 1), olo, ohi);
}

/* Processing code for port i on one side: 'h', 'l' or 'a'. */
static char proc_code(const click_element_class *c, bool output, int i) {
    const char *s = c->processing;
    const char *slash = strchr(s, '/');
    const char *side = output ? slash + 1 : s;
    size_t n = output ? strlen(side) : (size_t)(slash - s);
    if (n == 0) return 'a';
    return side[(size_t)i < n ? (size_t)i : n - 1];
}

/* ---- router construction ---- */

static void element_free(click_element *e) {
    if (!e) return;
    free(e->name);
    free(e->config);
    free(e->in);
    free(e->out);
    free(e->in_pull);
    free(e->out_pull);
    free(e);
}

void click_router_destroy(click_router *r) {
    if (!r) return;
    for (int i = 0; i < r->nelems; i++) {
        click_element *e = r->elems[i];
        if (e && e->cls->cleanup) e->cls->cleanup(e);
    }
    for (int i = 0; i < r->nelems; i++) element_free(r->elems[i]);
    free(r->elems);
    free(r->tasks);
    free(r->task_done);
    click_pool_destroy(r->pool);
    free(r);
}

static void set_ctx(click_errh *errh, click_element *e, char *buf, size_t len) {
    snprintf(buf, len, "'%s' :: %s: ", e->name, e->cls->name);
    errh->ctx_line = e->line;
    errh->ctx_col = e->col;
    errh->ctx_prefix = buf;
}

static void clear_ctx(click_errh *errh) {
    errh->ctx_prefix = NULL;
    errh->ctx_line = errh->ctx_col = 0;
}

/* Check ports and resolve processing. Returns 0 or -1. */
static int check_ports(click_router *r, click_graph *g, click_errh *errh) {
    int n = r->nelems;
    int before = errh->nerrors;
    /* How many ports each element uses. */
    int *nin = calloc((size_t)n, sizeof(int)), *nout = calloc((size_t)n, sizeof(int));
    if (!nin || !nout) {
        free(nin);
        free(nout);
        return -1;
    }
    for (int i = 0; i < g->nc; i++) {
        click_conn *c = &g->c[i];
        if (c->fport + 1 > nout[c->from]) nout[c->from] = c->fport + 1;
        if (c->tport + 1 > nin[c->to]) nin[c->to] = c->tport + 1;
    }
    for (int i = 0; i < n; i++) {
        click_element *e = r->elems[i];
        int ilo, ihi, olo, ohi;
        class_ports(e->cls, &ilo, &ihi, &olo, &ohi);
        if (e->want_nin >= 0) ilo = ihi = e->want_nin;
        if (e->want_nout >= 0) olo = ohi = e->want_nout;
        e->ninputs = nin[i] < ilo ? ilo : nin[i];
        e->noutputs = nout[i] < olo ? olo : nout[i];
        if (nin[i] > ihi) {
            if (ihi == 0)
                click_errh_at(errh, e->line, e->col, "'%s' :: %s has no inputs, but input %d is used",
                              e->name, e->cls->name, nin[i] - 1);
            else
                click_errh_at(errh, e->line, e->col,
                              "'%s' :: %s has %d input%s, but input %d is used", e->name,
                              e->cls->name, ihi, ihi == 1 ? "" : "s", nin[i] - 1);
            e->ninputs = ihi;
        }
        if (nout[i] > ohi) {
            if (ohi == 0)
                click_errh_at(errh, e->line, e->col, "'%s' :: %s has no outputs, but output %d is used",
                              e->name, e->cls->name, nout[i] - 1);
            else
                click_errh_at(errh, e->line, e->col,
                              "'%s' :: %s has %d output%s, but output %d is used", e->name,
                              e->cls->name, ohi, ohi == 1 ? "" : "s", nout[i] - 1);
            e->noutputs = ohi;
        }
        e->in = calloc((size_t)e->ninputs + 1, sizeof *e->in);
        e->out = calloc((size_t)e->noutputs + 1, sizeof *e->out);
        e->in_pull = calloc((size_t)e->ninputs + 1, 1);
        e->out_pull = calloc((size_t)e->noutputs + 1, 1);
        if (!e->in || !e->out || !e->in_pull || !e->out_pull) {
            free(nin);
            free(nout);
            return -1;
        }
    }
    free(nin);
    free(nout);
    if (errh->nerrors > before) return -1;

    /* Every port connected (in_pull/out_pull double as "seen" marks here;
     * they are overwritten when processing is resolved below). */
    for (int k = 0; k < g->nc; k++) {
        click_element *a = r->elems[g->c[k].from], *b = r->elems[g->c[k].to];
        if (g->c[k].fport < a->noutputs) a->out_pull[g->c[k].fport] = 1;
        if (g->c[k].tport < b->ninputs) b->in_pull[g->c[k].tport] = 1;
    }
    for (int i = 0; i < n; i++) {
        click_element *e = r->elems[i];
        for (int p = 0; p < e->ninputs; p++)
            if (!e->in_pull[p])
                click_errh_at(errh, e->line, e->col, "'%s' :: %s input %d not connected", e->name,
                              e->cls->name, p);
        for (int p = 0; p < e->noutputs; p++)
            if (!e->out_pull[p])
                click_errh_at(errh, e->line, e->col, "'%s' :: %s output %d not connected", e->name,
                              e->cls->name, p);
    }
    if (errh->nerrors > before) return -1;

    /* Resolve processing: 0 push, 1 pull, 2 agnostic (undecided). */
    for (int i = 0; i < n; i++) {
        click_element *e = r->elems[i];
        for (int p = 0; p < e->ninputs; p++) {
            char c = proc_code(e->cls, false, p);
            e->in_pull[p] = c == 'l' ? 1 : c == 'h' ? 0 : 2;
        }
        for (int p = 0; p < e->noutputs; p++) {
            char c = proc_code(e->cls, true, p);
            e->out_pull[p] = c == 'l' ? 1 : c == 'h' ? 0 : 2;
        }
    }
    bool changed = true;
    while (changed) {
        changed = false;
        for (int k = 0; k < g->nc; k++) {
            click_element *a = r->elems[g->c[k].from], *b = r->elems[g->c[k].to];
            uint8_t om = a->out_pull[g->c[k].fport], im = b->in_pull[g->c[k].tport];
            click_element *t = NULL;
            uint8_t mode = 0;
            if (om != 2 && im == 2) t = b, mode = om;
            else if (om == 2 && im != 2) t = a, mode = im;
            if (!t) continue;
            for (int p = 0; p < t->ninputs; p++)
                if (t->in_pull[p] == 2) t->in_pull[p] = mode;
            for (int p = 0; p < t->noutputs; p++)
                if (t->out_pull[p] == 2) t->out_pull[p] = mode;
            changed = true;
        }
    }
    for (int i = 0; i < n; i++) {
        click_element *e = r->elems[i];
        for (int p = 0; p < e->ninputs; p++)
            if (e->in_pull[p] == 2) e->in_pull[p] = 0;
        for (int p = 0; p < e->noutputs; p++)
            if (e->out_pull[p] == 2) e->out_pull[p] = 0;
    }

    /* Check modes and multiplicity; wire the ports. */
    for (int k = 0; k < g->nc; k++) {
        click_conn *c = &g->c[k];
        click_element *a = r->elems[c->from], *b = r->elems[c->to];
        bool opull = a->out_pull[c->fport], ipull = b->in_pull[c->tport];
        if (opull != ipull) {
            click_errh_at(errh, c->line, c->col,
                          "push/pull mismatch: '%s' %s output %d connected to '%s' %s input %d",
                          a->name, opull ? "pull" : "push", c->fport, b->name,
                          ipull ? "pull" : "push", c->tport);
            continue;
        }
        if (!opull) {
            click_port *o = &a->out[c->fport];
            if (o->peer) {
                click_errh_at(errh, c->line, c->col,
                              "'%s' push output %d connected more than once", a->name, c->fport);
                continue;
            }
            o->peer = b;
            o->peer_port = c->tport;
            o->push = push_fn(b);
            if (!o->push)
                click_errh_at(errh, c->line, c->col, "'%s' :: %s cannot accept pushed packets",
                              b->name, b->cls->name);
        } else {
            click_port *in = &b->in[c->tport];
            if (in->peer) {
                click_errh_at(errh, c->line, c->col,
                              "'%s' pull input %d connected more than once", b->name, c->tport);
                continue;
            }
            in->peer = a;
            in->peer_port = c->fport;
            in->pull = pull_fn(a);
            if (!in->pull)
                click_errh_at(errh, c->line, c->col, "'%s' :: %s cannot be pulled from", a->name,
                              a->cls->name);
        }
    }
    return errh->nerrors > before ? -1 : 0;
}

static void copy_errors(click_errh *errh, char *err, size_t errlen) {
    if (!err || !errlen) return;
    snprintf(err, errlen, "%s", errh->buf ? errh->buf : "unknown error\n");
    size_t l = strlen(err);
    if (l && err[l - 1] == '\n') err[l - 1] = 0;
}

click_router *click_router_create(const char *text, const char *filename, const click_host *host,
                                  const char *const *params, char *err, size_t errlen) {
    click_errh errh;
    click_errh_init(&errh, filename);
    click_graph g;
    if (err && errlen) err[0] = 0;
    if (click_parse(text, strlen(text), params, &errh, &g) < 0) {
        copy_errors(&errh, err, errlen);
        click_errh_free(&errh);
        return NULL;
    }
    click_router *r = calloc(1, sizeof *r);
    static const click_host nohost = {0};
    int rc = r ? 0 : -1;
    if (r) {
        r->host = host ? *host : nohost;
        r->pool = click_pool_create(CLICK_POOL_BUFSZ);
        r->elems = calloc((size_t)g.nd + 1, sizeof *r->elems);
        if (!r->pool || !r->elems) rc = -1;
    }
    for (int i = 0; rc == 0 && i < g.nd; i++) {
        const click_element_class *cls = click_class_find(g.d[i].cls);
        click_element *e = calloc(1, cls->size < sizeof *e ? sizeof *e : cls->size);
        if (!e) { rc = -1; break; }
        e->cls = cls;
        e->router = r;
        e->host = &r->host;
        e->name = g.d[i].name;
        e->config = g.d[i].config;
        g.d[i].name = g.d[i].config = NULL;
        e->line = g.d[i].line;
        e->col = g.d[i].col;
        e->index = i;
        e->want_nin = e->want_nout = -1;
        r->elems[r->nelems++] = e;
    }
    /* Port counts from connections (configure may need them), then configure.
     * Meanwhile the value parsers accept names the elements define. */
    click_router *old_scope = click_args_set_scope(r);
    if (rc == 0) {
        for (int k = 0; k < g.nc; k++) {
            click_element *a = r->elems[g.c[k].from], *b = r->elems[g.c[k].to];
            if (g.c[k].fport + 1 > a->noutputs) a->noutputs = g.c[k].fport + 1;
            if (g.c[k].tport + 1 > b->ninputs) b->ninputs = g.c[k].tport + 1;
        }
        char prefix[512];
        for (int i = 0; i < r->nelems; i++) {
            click_element *e = r->elems[i];
            set_ctx(&errh, e, prefix, sizeof prefix);
            click_args a;
            if (click_args_split(&a, e->config, &errh) < 0) {
                rc = -1;
                break;
            }
            if (e->cls->configure) {
                int before = errh.nerrors;
                if (e->cls->configure(e, &a, &errh) < 0 && errh.nerrors == before)
                    click_errh_here(&errh, "bad configuration");
            } else {
                click_args_done(&a);
            }
            click_args_free(&a);
            clear_ctx(&errh);
        }
        if (errh.nerrors) rc = -1;
    }
    if (rc == 0 && check_ports(r, &g, &errh) < 0) rc = -1;
    if (rc == 0) {
        char prefix[512];
        for (int i = 0; i < r->nelems && rc == 0; i++) {
            click_element *e = r->elems[i];
            if (!e->cls->initialize) continue;
            set_ctx(&errh, e, prefix, sizeof prefix);
            int before = errh.nerrors;
            if (e->cls->initialize(e, &errh) < 0) {
                if (errh.nerrors == before) click_errh_here(&errh, "initialization failed");
                rc = -1;
            }
            clear_ctx(&errh);
        }
    }
    click_args_set_scope(old_scope);
    if (rc == 0) {
        r->tasks = calloc((size_t)r->nelems + 1, sizeof *r->tasks);
        r->task_done = calloc((size_t)r->nelems + 1, sizeof *r->task_done);
        if (!r->tasks || !r->task_done) rc = -1;
        for (int i = 0; rc == 0 && i < r->nelems; i++) {
            click_element *e = r->elems[i];
            if (!e->cls->run_task) continue;
            r->tasks[r->ntasks++] = e;
            if (e->cls->is_source) r->sources_active++;
        }
    }
    click_graph_free(&g);
    if (rc < 0) {
        if (!errh.nerrors) click_errh_at(&errh, 0, 0, "out of memory");
        copy_errors(&errh, err, errlen);
        click_errh_free(&errh);
        click_router_destroy(r);
        return NULL;
    }
    click_errh_free(&errh);
    return r;
}

int click_router_lookup_name(click_router *r, const char *kind, const char *name, char *buf,
                             size_t len) {
    if (!r || !name || !*name || !len) return -1;
    for (int i = 0; i < r->nelems; i++) {
        click_element *x = r->elems[i];
        if (x->cls->lookup_name && x->cls->lookup_name(x, kind, name, buf, len) == 0) return 0;
    }
    return -1;
}

int click_element_lookup_name(click_element *e, const char *kind, const char *name, char *buf,
                              size_t len) {
    return click_router_lookup_name(e->router, kind, name, buf, len);
}

click_element *click_router_find(click_router *r, const char *name) {
    for (int i = 0; i < r->nelems; i++)
        if (!strcmp(r->elems[i]->name, name)) return r->elems[i];
    return NULL;
}

int click_router_nelements(const click_router *r) { return r->nelems; }
click_element *click_router_element(click_router *r, int i) {
    return i >= 0 && i < r->nelems ? r->elems[i] : NULL;
}
click_pool *click_router_pool(click_router *r) { return r->pool; }
