/* Packet distribution: Tee, RoundRobinSwitch, HashSwitch.
 *   Tee([N])               copies each packet to all N outputs (default:
 *                          as many as are connected)
 *   RoundRobinSwitch()     outputs in turn
 *   HashSwitch(OFFSET, LENGTH)  output chosen by a hash of LENGTH bytes at
 *                          OFFSET; packets too short for the field go to 0 */
#include <stdio.h>

#include "../engine/click_element.h"

typedef struct tee {
    click_element e;
} tee;

static int tee_configure(click_element *e, click_args *a, click_errh *errh) {
    const char *v = click_args_kw(a, "N");
    if (!v) v = click_args_next(a);
    if (v) {
        unsigned long long n;
        if (click_parse_uint(v, &n) < 0 || n == 0 || n > 256) {
            click_errh_here(errh, "N must be an integer between 1 and 256");
            return -1;
        }
        click_element_set_nports(e, -1, (int)n);
    }
    return click_args_done(a);
}

static void tee_push(click_element *e, int port, click_packet *p) {
    (void)port;
    int n = e->noutputs;
    for (int i = 0; i < n - 1; i++) {
        click_packet *c = click_packet_clone(p);
        if (c) click_output_push(e, i, c);
    }
    click_output_push(e, n - 1, p);
}

const click_element_class click_class_Tee = {
    .name = "Tee", .ports = "1/1-", .processing = "h/h", .size = sizeof(tee),
    .configure = tee_configure, .push = tee_push};

typedef struct rrs {
    click_element e;
    int next;
} rrs;

static void rrs_push(click_element *e, int port, click_packet *p) {
    (void)port;
    rrs *r = (rrs *)e;
    int o = r->next;
    if (++r->next >= e->noutputs) r->next = 0;
    click_output_push(e, o, p);
}

const click_element_class click_class_RoundRobinSwitch = {
    .name = "RoundRobinSwitch", .ports = "1/1-", .processing = "h/h", .size = sizeof(rrs),
    .push = rrs_push};

typedef struct hsw {
    click_element e;
    uint32_t offset, length;
} hsw;

static int hs_configure(click_element *e, click_args *a, click_errh *errh) {
    hsw *h = (hsw *)e;
    const char *o = click_args_next(a), *l = click_args_next(a);
    unsigned long long ov, lv;
    if (!o || !l || click_parse_uint(o, &ov) < 0 || click_parse_uint(l, &lv) < 0 || lv == 0 ||
        ov > 65535 || lv > 65535) {
        click_errh_here(errh, "expected OFFSET, LENGTH (integers, LENGTH > 0)");
        return -1;
    }
    h->offset = (uint32_t)ov;
    h->length = (uint32_t)lv;
    return click_args_done(a);
}

static void hs_push(click_element *e, int port, click_packet *p) {
    (void)port;
    hsw *h = (hsw *)e;
    int out = 0;
    if (p->len >= h->offset + h->length) {
        /* FNV-1a over the field */
        uint32_t x = 2166136261u;
        const uint8_t *d = p->data + h->offset;
        for (uint32_t i = 0; i < h->length; i++) x = (x ^ d[i]) * 16777619u;
        out = (int)(x % (uint32_t)e->noutputs);
    }
    click_output_push(e, out, p);
}

const click_element_class click_class_HashSwitch = {
    .name = "HashSwitch", .ports = "1/1-", .processing = "h/h", .size = sizeof(hsw),
    .configure = hs_configure, .push = hs_push};
