/* Queue / SimpleQueue (push input, pull output, bounded FIFO) and Unqueue
 * (pull input, push output, a task that moves packets along).
 *   Queue([CAPACITY])       default capacity 1000; drops when full
 *   Unqueue([BURST], LIMIT, ACTIVE)  default burst 1; stops after LIMIT
 *                           packets until reset (-1: no limit)
 * Queue handlers: length, highwater_length, capacity, drops, reset. */
#include <stdio.h>
#include <stdlib.h>

#include "../engine/click_element.h"

typedef struct queue {
    click_element e;
    click_packet **ring;
    uint32_t cap;          /* configured capacity */
    uint32_t ringsz;       /* allocated slots: grows by doubling up to cap */
    uint32_t head, len, highwater;
    uint64_t drops;
} queue;

static int q_configure(click_element *e, click_args *a, click_errh *errh) {
    queue *q = (queue *)e;
    unsigned long long cap = 1000;
    const char *v = click_args_kw(a, "CAPACITY");
    if (!v) v = click_args_next(a);
    if (v && (click_parse_uint(v, &cap) < 0 || cap == 0 || cap > (1u << 24))) {
        click_errh_here(errh, "CAPACITY must be an integer between 1 and %u", 1u << 24);
        return -1;
    }
    q->cap = (uint32_t)cap;
    return click_args_done(a);
}

static int q_initialize(click_element *e, click_errh *errh) {
    queue *q = (queue *)e;
    q->ringsz = q->cap < 64 ? q->cap : 64;
    q->ring = calloc(q->ringsz, sizeof *q->ring);
    if (!q->ring) {
        click_errh_here(errh, "out of memory");
        return -1;
    }
    return 0;
}

static void q_cleanup(click_element *e) {
    queue *q = (queue *)e;
    for (uint32_t i = 0; q->ring && i < q->len; i++) click_packet_kill(q->ring[(q->head + i) % q->ringsz]);
    free(q->ring);
    q->ring = NULL;
    q->len = 0;
}

static void q_push(click_element *e, int port, click_packet *p) {
    (void)port;
    queue *q = (queue *)e;
    if (q->len == q->ringsz && q->ringsz < q->cap) {
        /* grow: unwrap the ring into a bigger array */
        uint32_t nsz = q->ringsz * 2 < q->cap ? q->ringsz * 2 : q->cap;
        click_packet **nr = malloc(sizeof *nr * nsz);
        if (nr) {
            for (uint32_t i = 0; i < q->len; i++) nr[i] = q->ring[(q->head + i) % q->ringsz];
            free(q->ring);
            q->ring = nr;
            q->ringsz = nsz;
            q->head = 0;
        }
    }
    if (q->len == q->ringsz) {
        q->drops++;
        click_packet_kill(p);
        return;
    }
    uint32_t tail = q->head + q->len;
    if (tail >= q->ringsz) tail -= q->ringsz;
    q->ring[tail] = p;
    if (++q->len > q->highwater) q->highwater = q->len;
}

static click_packet *q_pull(click_element *e, int port) {
    (void)port;
    queue *q = (queue *)e;
    if (!q->len) return NULL;
    click_packet *p = q->ring[q->head];
    if (++q->head == q->ringsz) q->head = 0;
    q->len--;
    return p;
}

static void h_length(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((queue *)e)->len); }
static void h_high(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((queue *)e)->highwater); }
static void h_cap(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((queue *)e)->cap); }
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((queue *)e)->drops);
}
static int h_reset(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    queue *q = (queue *)e;
    q->drops = 0;
    q->highwater = q->len;
    return 0;
}
static const click_handler q_handlers[] = {
    {"length", h_length, NULL}, {"highwater_length", h_high, NULL}, {"capacity", h_cap, NULL},
    {"drops", h_drops, NULL},   {"reset", NULL, h_reset},           {NULL, NULL, NULL}};

const click_element_class click_class_Queue = {
    .name = "Queue", .ports = "1/1", .processing = "h/l", .size = sizeof(queue),
    .configure = q_configure, .initialize = q_initialize, .cleanup = q_cleanup,
    .push = q_push, .pull = q_pull, .handlers = q_handlers};
const click_element_class click_class_SimpleQueue = {
    .name = "SimpleQueue", .ports = "1/1", .processing = "h/l", .size = sizeof(queue),
    .configure = q_configure, .initialize = q_initialize, .cleanup = q_cleanup,
    .push = q_push, .pull = q_pull, .handlers = q_handlers};

typedef struct unqueue {
    click_element e;
    int burst;
    uint64_t count;
    long long limit;
    bool active;
} unqueue;

static int uq_configure(click_element *e, click_args *a, click_errh *errh) {
    unqueue *u = (unqueue *)e;
    unsigned long long b = 1;
    long long lim = -1;
    u->active = true;
    const char *lv = click_args_kw(a, "LIMIT");
    const char *av = click_args_kw(a, "ACTIVE");
    if (lv && (click_parse_int(lv, &lim) < 0 || lim < -1)) {
        click_errh_here(errh, "LIMIT must be an integer (-1: no limit)");
        return -1;
    }
    if (av && click_parse_bool(av, &u->active) < 0) {
        click_errh_here(errh, "ACTIVE must be a boolean");
        return -1;
    }
    u->limit = lim;
    const char *v = click_args_kw(a, "BURST");
    if (!v) v = click_args_next(a);
    if (v && (click_parse_uint(v, &b) < 0 || b == 0 || b > 100000)) {
        click_errh_here(errh, "BURST must be a positive integer");
        return -1;
    }
    u->burst = (int)b;
    return click_args_done(a);
}

static int uq_task(click_element *e) {
    unqueue *u = (unqueue *)e;
    int n = 0;
    while (n < u->burst && u->active && (u->limit < 0 || u->count < (unsigned long long)u->limit)) {
        click_packet *p = click_input_pull(e, 0);
        if (!p) break;
        u->count++;
        n++;
        click_output_push(e, 0, p);
    }
    return n;
}

static void h_uq_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((unqueue *)e)->count);
}
static int h_uq_reset(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    ((unqueue *)e)->count = 0;
    return 0;
}
static void h_uq_active(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%s", ((unqueue *)e)->active ? "true" : "false");
}
static int w_uq_active(click_element *e, const char *v, click_errh *errh) {
    if (click_parse_bool(v, &((unqueue *)e)->active) < 0) {
        click_errh_at(errh, 0, 0, "active: expected boolean");
        return -1;
    }
    return 0;
}
static const click_handler uq_handlers[] = {{"count", h_uq_count, NULL},
                                            {"reset", NULL, h_uq_reset},
                                            {"active", h_uq_active, w_uq_active},
                                            {NULL, NULL, NULL}};

const click_element_class click_class_Unqueue = {
    .name = "Unqueue", .ports = "1/1", .processing = "l/h", .size = sizeof(unqueue),
    .configure = uq_configure, .run_task = uq_task, .handlers = uq_handlers};
