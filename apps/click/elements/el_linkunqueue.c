/* LinkUnqueue(LATENCY, BANDWIDTH): pull input, push output; models a link
 * of the given one-way LATENCY and BANDWIDTH (e.g. "100kb/s", at least
 * 100 bytes/s). A packet pulled at time t is on the wire until
 * t + LATENCY + length / BANDWIDTH; packets pulled back to back queue
 * behind each other. Packets leave at those times, with the time as their
 * timestamp annotation. It pulls as long as the link can accept a packet
 * (its last packet leaves within LATENCY), and counts as busy while
 * packets are on the wire. Handlers: latency, bandwidth (bytes/s), size
 * (packets on the wire), reset (drops them). */
#include <stdio.h>

#include "../engine/click_element.h"
#include "el_bandwidth.h"

typedef struct linkuq {
    click_element e;
    uint64_t latency_ns;
    uint32_t bw100;          /* bandwidth in units of 100 bytes/s */
    click_packet *head, *tail;
    uint32_t size;
    bool back_to_back;
} linkuq;

static int lu_configure(click_element *e, click_args *a, click_errh *errh) {
    linkuq *u = (linkuq *)e;
    const char *lv = click_args_kw(a, "LATENCY"), *bv = click_args_kw(a, "BANDWIDTH");
    if (!lv) lv = click_args_next(a);
    if (!bv) bv = click_args_next(a);
    uint32_t bw;
    if (!lv || click_parse_time_ns(lv, &u->latency_ns) < 0) {
        click_errh_here(errh, "expected LATENCY (a time)");
        return -1;
    }
    if (!bv || el_parse_bandwidth(bv, &bw) < 0) {
        click_errh_here(errh, "expected BANDWIDTH (e.g. 100kb/s)");
        return -1;
    }
    if (bw < 100) {
        click_errh_here(errh, "bandwidth too small, minimum 100Bps");
        return -1;
    }
    u->bw100 = bw / 100;
    return click_args_done(a);
}

static void lu_flush(linkuq *u) {
    while (u->head) {
        click_packet *p = u->head;
        u->head = p->next;
        click_packet_kill(p);
    }
    u->tail = NULL;
    u->size = 0;
    u->back_to_back = false;
}

static void lu_cleanup(click_element *e) { lu_flush((linkuq *)e); }

static int lu_task(click_element *e) {
    linkuq *u = (linkuq *)e;
    int work = 0;
    uint64_t now = click_element_now(e), now_delayed = now + u->latency_ns;
    while (!u->tail || u->tail->timestamp_ns <= now_delayed) {
        click_packet *p = click_input_pull(e, 0);
        if (!p) {
            u->back_to_back = false;
            break;
        }
        uint64_t base = u->tail && u->back_to_back ? u->tail->timestamp_ns : now_delayed;
        p->timestamp_ns = base + (uint64_t)p->len * 10000u / u->bw100 * 1000u;
        p->next = NULL;
        if (u->tail) u->tail->next = p;
        else u->head = p;
        u->tail = p;
        u->size++;
        u->back_to_back = true;
        work++;
    }
    while (u->head && u->head->timestamp_ns <= now) {
        click_packet *p = u->head;
        u->head = p->next;
        if (!u->head) u->tail = NULL;
        p->next = NULL;
        u->size--;
        click_output_push(e, 0, p);
        work++;
    }
    return work ? work : (u->head ? 1 : 0);
}

static void h_latency(click_element *e, char *b, size_t l) {
    uint64_t ns = ((linkuq *)e)->latency_ns;
    snprintf(b, l, "%llu.%06llus", (unsigned long long)(ns / 1000000000u),
             (unsigned long long)(ns % 1000000000u / 1000u));
}
static void h_bandwidth(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%lu", (unsigned long)((linkuq *)e)->bw100 * 100ul);
}
static void h_size(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((linkuq *)e)->size); }
static int w_reset(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    lu_flush((linkuq *)e);
    return 0;
}
static const click_handler lu_handlers[] = {{"latency", h_latency, NULL}, {"bandwidth", h_bandwidth, NULL},
                                            {"size", h_size, NULL},       {"reset", NULL, w_reset},
                                            {NULL, NULL, NULL}};

const click_element_class click_class_LinkUnqueue = {
    .name = "LinkUnqueue", .ports = "1/1", .processing = "l/h", .size = sizeof(linkuq),
    .configure = lu_configure, .cleanup = lu_cleanup, .run_task = lu_task, .handlers = lu_handlers};
