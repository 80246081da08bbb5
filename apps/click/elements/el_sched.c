/* Pull schedulers: each pull of the output pulls one of the inputs.
 *   RoundRobinSched    inputs in turn: the search starts after the input
 *                      that gave the last packet, and tries every input once
 *   PrioSched          the lowest-numbered input that has a packet
 *   StrideSched(T0, T1, ...)  stride scheduling: one ticket count per input
 *                      (0 leaves an input out); inputs are served in
 *                      proportion to their tickets. Handlers ticketsN
 *                      (read; also write for the first eight inputs).
 * A scheduler returns nothing when no input has a packet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"

/* ---- RoundRobinSched ---- */
typedef struct rrsched {
    click_element e;
    int next;
} rrsched;

static click_packet *rr_pull(click_element *e, int port) {
    (void)port;
    rrsched *s = (rrsched *)e;
    int n = e->ninputs, i = s->next < n ? s->next : 0;
    for (int j = 0; j < n; j++) {
        click_packet *p = click_input_pull(e, i);
        if (++i >= n) i = 0;
        if (p) {
            s->next = i;
            return p;
        }
    }
    return NULL;
}

const click_element_class click_class_RoundRobinSched = {
    .name = "RoundRobinSched", .ports = "-/1", .processing = "l/l", .size = sizeof(rrsched),
    .pull = rr_pull};

/* ---- PrioSched ---- */
static click_packet *prio_pull(click_element *e, int port) {
    (void)port;
    for (int i = 0; i < e->ninputs; i++) {
        click_packet *p = click_input_pull(e, i);
        if (p) return p;
    }
    return NULL;
}

const click_element_class click_class_PrioSched = {
    .name = "PrioSched", .ports = "-/1", .processing = "l/l", .size = sizeof(click_element),
    .pull = prio_pull};

/* ---- StrideSched ----
 * Each input with tickets has a stride (STRIDE1 / tickets) and a pass,
 * which advances by the stride whenever the input is tried. Inputs are kept
 * in order of pass (an input that reaches the same pass as others goes
 * before them); a pull tries inputs from the front until one gives a
 * packet, then puts the tried ones back in order. Passes compare modulo
 * 2^32, so they may wrap. */
#define STRIDE1 (1u << 16)
#define MAX_TICKETS (1 << 15)

typedef struct sclient {
    int tickets;
    uint32_t stride, pass;
    int next;       /* index of the next client in pass order, -1: end */
} sclient;

typedef struct stridesched {
    click_element e;
    int n;
    sclient *c;
    int head;       /* first client in pass order, -1: none */
} stridesched;

static bool pass_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

static void ss_insert(stridesched *s, int i) {
    int *link = &s->head;
    while (*link >= 0 && pass_gt(s->c[i].pass, s->c[*link].pass)) link = &s->c[*link].next;
    s->c[i].next = *link;
    *link = i;
}

static void ss_remove(stridesched *s, int i) {
    int *link = &s->head;
    while (*link >= 0 && *link != i) link = &s->c[*link].next;
    if (*link == i) *link = s->c[i].next;
}

static void ss_set_tickets(sclient *c, int t) {
    c->tickets = t;
    c->stride = t ? STRIDE1 / (uint32_t)t : 0;
}

static int ss_configure(click_element *e, click_args *a, click_errh *errh) {
    stridesched *s = (stridesched *)e;
    int n = click_args_count(a);
    if (n == 0) {
        click_errh_here(errh, "expected one ticket count per input");
        return -1;
    }
    s->c = calloc((size_t)n, sizeof *s->c);
    if (!s->c) {
        click_errh_here(errh, "out of memory");
        return -1;
    }
    s->n = n;
    for (int i = 0; i < n; i++) {
        const char *v = click_args_next(a);
        long long t;
        if (!v || click_parse_int(v, &t) < 0 || t < 0) {
            click_errh_here(errh, "argument %d should be a number of tickets (integer >= 0)", i);
            return -1;
        }
        if (t > MAX_TICKETS) t = MAX_TICKETS;
        ss_set_tickets(&s->c[i], (int)t);
        s->c[i].pass = s->c[i].stride;
    }
    s->head = -1;
    for (int i = n - 1; i >= 0; i--)
        if (s->c[i].tickets) ss_insert(s, i);
    click_element_set_nports(e, n, -1);
    return click_args_done(a);
}

static void ss_cleanup(click_element *e) {
    free(((stridesched *)e)->c);
    ((stridesched *)e)->c = NULL;
}

static click_packet *ss_pull(click_element *e, int port) {
    (void)port;
    stridesched *s = (stridesched *)e;
    click_packet *p = NULL;
    int tried = s->head, c = s->head;
    while (c >= 0 && !p) {
        p = click_input_pull(e, c);
        s->c[c].pass += s->c[c].stride;
        c = s->c[c].next;
    }
    /* the untried clients stay in order; the tried ones go back in */
    s->head = c;
    while (tried != c) {
        int next = s->c[tried].next;
        ss_insert(s, tried);
        tried = next;
    }
    return p;
}

/* Handlers tickets0, tickets1, ... (the port number follows "tickets"). */
static int ss_port(click_element *e, const char *name) {
    stridesched *s = (stridesched *)e;
    if (strncmp(name, "tickets", 7) || !name[7]) return -1;
    char *end;
    long k = strtol(name + 7, &end, 10);
    return *end || k < 0 || k >= s->n ? -1 : (int)k;
}

static int ss_read_other(click_element *e, const char *name, char *buf, size_t len) {
    int k = ss_port(e, name);
    if (k < 0) return -1;
    snprintf(buf, len, "%d", ((stridesched *)e)->c[k].tickets);
    return 0;
}

static int ss_write_tickets(click_element *e, int k, const char *v, click_errh *errh) {
    stridesched *s = (stridesched *)e;
    long long t;
    if (click_parse_int(v, &t) < 0 || t < 0) {
        click_errh_here(errh, "number of tickets must be an integer >= 0");
        return -1;
    }
    if (t > MAX_TICKETS) t = MAX_TICKETS;
    int old = s->c[k].tickets;
    ss_set_tickets(&s->c[k], (int)t);
    if (t == 0 && old != 0) {
        ss_remove(s, k);
    } else if (t != 0 && old == 0) {
        s->c[k].pass = s->head >= 0 ? s->c[s->head].pass + s->c[k].stride : 0;
        ss_insert(s, k);
    }
    return 0;
}

#define SS_TICKETS(k)                                                                   \
    static void ss_r##k(click_element *e, char *b, size_t l) {                          \
        if (ss_read_other(e, "tickets" #k, b, l) < 0) snprintf(b, l, "-1");             \
    }                                                                                   \
    static int ss_w##k(click_element *e, const char *v, click_errh *errh) {             \
        if (k >= ((stridesched *)e)->n) {                                               \
            click_errh_here(errh, "port %d out of range", k);                           \
            return -1;                                                                  \
        }                                                                               \
        return ss_write_tickets(e, k, v, errh);                                         \
    }
SS_TICKETS(0)
SS_TICKETS(1)
SS_TICKETS(2)
SS_TICKETS(3)
SS_TICKETS(4)
SS_TICKETS(5)
SS_TICKETS(6)
SS_TICKETS(7)
static const click_handler ss_handlers[] = {
    {"tickets0", ss_r0, ss_w0}, {"tickets1", ss_r1, ss_w1}, {"tickets2", ss_r2, ss_w2},
    {"tickets3", ss_r3, ss_w3}, {"tickets4", ss_r4, ss_w4}, {"tickets5", ss_r5, ss_w5},
    {"tickets6", ss_r6, ss_w6}, {"tickets7", ss_r7, ss_w7}, {NULL, NULL, NULL}};

const click_element_class click_class_StrideSched = {
    .name = "StrideSched", .ports = "1-/1", .processing = "l/l", .size = sizeof(stridesched),
    .configure = ss_configure, .cleanup = ss_cleanup, .pull = ss_pull, .handlers = ss_handlers,
    .read_other = ss_read_other};
