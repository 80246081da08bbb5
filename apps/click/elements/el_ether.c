/* Link-layer helpers.
 *   Strip(N)       remove N bytes from the front (shorter packets dropped)
 *   Unstrip(N)     put N bytes back in front
 *   EtherEncap(ETHERTYPE, SRC, DST)  prepend an Ethernet header
 *   EtherMirror()  swap the Ethernet source and destination addresses
 * Strip and EtherMirror count dropped (too short) packets in "drops". */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct strip {
    click_element e;
    uint32_t n;
    uint64_t drops;
} strip;

static int st_configure(click_element *e, click_args *a, click_errh *errh) {
    strip *s = (strip *)e;
    const char *v = click_args_kw(a, "LENGTH");
    if (!v) v = click_args_next(a);
    unsigned long long n;
    if (!v || click_parse_uint(v, &n) < 0 || n > 4096) {
        click_errh_here(errh, "expected LENGTH (bytes, up to 4096)");
        return -1;
    }
    s->n = (uint32_t)n;
    return click_args_done(a);
}

static click_packet *strip_action(click_element *e, click_packet *p) {
    strip *s = (strip *)e;
    if (p->len < s->n) {
        s->drops++;
        click_packet_kill(p);
        return NULL;
    }
    click_packet_pull(p, s->n);
    return p;
}

static click_packet *unstrip_action(click_element *e, click_packet *p) {
    strip *s = (strip *)e;
    if (!click_packet_push(p, s->n)) {
        s->drops++;
        click_packet_kill(p);
        return NULL;
    }
    return p;
}

static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((strip *)e)->drops);
}
static const click_handler st_handlers[] = {{"drops", h_drops, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_Strip = {
    .name = "Strip", .ports = "1/1", .processing = "a/a", .size = sizeof(strip),
    .configure = st_configure, .simple_action = strip_action, .handlers = st_handlers};
const click_element_class click_class_Unstrip = {
    .name = "Unstrip", .ports = "1/1", .processing = "a/a", .size = sizeof(strip),
    .configure = st_configure, .simple_action = unstrip_action, .handlers = st_handlers};

typedef struct encap {
    click_element e;
    uint8_t hdr[14];
    uint64_t drops;
} encap;

static int ee_configure(click_element *e, click_args *a, click_errh *errh) {
    encap *x = (encap *)e;
    const char *t = click_args_kw(a, "ETHERTYPE"), *s = click_args_kw(a, "SRC"),
               *d = click_args_kw(a, "DST");
    if (!t) t = click_args_next(a);
    if (!s) s = click_args_next(a);
    if (!d) d = click_args_next(a);
    unsigned long long et;
    if (!t || click_parse_uint(t, &et) < 0 || et > 0xffff) {
        click_errh_here(errh, "ETHERTYPE must be a 16-bit number (e.g. 0x0800)");
        return -1;
    }
    if (!s || click_parse_ether(s, x->hdr + 6) < 0) {
        click_errh_here(errh, "SRC must be an Ethernet address");
        return -1;
    }
    if (!d || click_parse_ether(d, x->hdr) < 0) {
        click_errh_here(errh, "DST must be an Ethernet address");
        return -1;
    }
    wr16(x->hdr + 12, (uint16_t)et);
    return click_args_done(a);
}

static click_packet *ee_action(click_element *e, click_packet *p) {
    encap *x = (encap *)e;
    if (!click_packet_push(p, 14)) {
        x->drops++;
        click_packet_kill(p);
        return NULL;
    }
    memcpy(p->data, x->hdr, 14);
    p->mac_off = (int32_t)(p->data - p->head);
    return p;
}

/* Handlers ethertype, src, dst (read and write). */
static void ee_r_type(click_element *e, char *b, size_t l) {
    encap *x = (encap *)e;
    snprintf(b, l, "%u", (unsigned)(x->hdr[12] << 8 | x->hdr[13]));
}
static int ee_w_type(click_element *e, const char *v, click_errh *errh) {
    unsigned long long t;
    if (click_parse_uint(v, &t) < 0 || t > 0xffff) {
        click_errh_here(errh, "ethertype must be a 16-bit integer");
        return -1;
    }
    ((encap *)e)->hdr[12] = (uint8_t)(t >> 8);
    ((encap *)e)->hdr[13] = (uint8_t)t;
    return 0;
}
static void mac_str(const uint8_t *m, char *b, size_t l) {
    snprintf(b, l, "%02X-%02X-%02X-%02X-%02X-%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
}
static void ee_r_src(click_element *e, char *b, size_t l) { mac_str(((encap *)e)->hdr + 6, b, l); }
static void ee_r_dst(click_element *e, char *b, size_t l) { mac_str(((encap *)e)->hdr, b, l); }
static int ee_w_mac(click_element *e, const char *v, click_errh *errh, int off) {
    if (click_parse_ether(v, ((encap *)e)->hdr + off) < 0) {
        click_errh_here(errh, "expected an Ethernet address");
        return -1;
    }
    return 0;
}
static int ee_w_src(click_element *e, const char *v, click_errh *h) { return ee_w_mac(e, v, h, 6); }
static int ee_w_dst(click_element *e, const char *v, click_errh *h) { return ee_w_mac(e, v, h, 0); }
static const click_handler ee_handlers[] = {{"ethertype", ee_r_type, ee_w_type},
                                            {"src", ee_r_src, ee_w_src},
                                            {"dst", ee_r_dst, ee_w_dst},
                                            {NULL, NULL, NULL}};

const click_element_class click_class_EtherEncap = {
    .name = "EtherEncap", .ports = "1/1", .processing = "a/a", .size = sizeof(encap),
    .configure = ee_configure, .simple_action = ee_action, .handlers = ee_handlers};

static click_packet *em_action(click_element *e, click_packet *p) {
    if (p->len < ETH_HLEN) {
        ((strip *)e)->drops++;
        click_packet_kill(p);
        return NULL;
    }
    uint8_t tmp[6];
    memcpy(tmp, p->data, 6);
    memcpy(p->data, p->data + 6, 6);
    memcpy(p->data + 6, tmp, 6);
    return p;
}

const click_element_class click_class_EtherMirror = {
    .name = "EtherMirror", .ports = "1/1", .processing = "a/a", .size = sizeof(strip),
    .simple_action = em_action, .handlers = st_handlers};
