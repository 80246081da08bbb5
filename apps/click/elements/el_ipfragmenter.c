/* IPFragmenter(MTU [, keywords HONOR_DF, VERBOSE, HEADROOM]): IP packets of
 * at most MTU bytes (from the network header on) leave unchanged on output
 * 0. Larger ones are split into fragments, sent in order on output 0: every
 * fragment but the last carries a multiple of 8 data bytes; the first keeps
 * all IP options and whatever precedes the IP header (a MAC header), later
 * ones only the options marked "copied", padded to a 4-byte boundary. IDs,
 * flags and offsets follow RFC 791 (a fragmented fragment stays consistent),
 * each header checksum is recomputed and every annotation is copied.
 *
 * A packet with the don't-fragment bit goes to output 1 (or is dropped)
 * instead, unless HONOR_DF is false; it is reported on the log the first
 * five times, or every time with VERBOSE true. HEADROOM sets the headroom of
 * new fragments (default: the engine's). Packets that are not IPv4 or whose
 * headers leave no room for 8 data bytes within MTU are dropped.
 * Handlers: fragments (made), drops, mtu (read/write). */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

typedef struct ipfrag {
    click_element e;
    unsigned mtu;
    bool honor_df, verbose;
    long headroom; /* -1: default */
    uint64_t fragments, drops, df_reports;
} ipfrag;

static int fr_configure(click_element *e, click_args *a, click_errh *errh) {
    ipfrag *f = (ipfrag *)e;
    const char *v;
    unsigned long long u;
    f->honor_df = true;
    f->headroom = -1;
    if ((v = click_args_kw(a, "HONOR_DF")) && click_parse_bool(v, &f->honor_df) < 0) {
        click_errh_here(errh, "HONOR_DF must be true or false");
        return -1;
    }
    if ((v = click_args_kw(a, "VERBOSE")) && click_parse_bool(v, &f->verbose) < 0) {
        click_errh_here(errh, "VERBOSE must be true or false");
        return -1;
    }
    if ((v = click_args_kw(a, "HEADROOM"))) {
        if (click_parse_uint(v, &u) < 0 || u > 4096) {
            click_errh_here(errh, "HEADROOM must be between 0 and 4096");
            return -1;
        }
        f->headroom = (long)u;
    }
    v = click_args_kw(a, "MTU");
    if (!v) v = click_args_next(a);
    if (!v || click_parse_uint(v, &u) < 0 || u < 28 || u > 65535) {
        click_errh_here(errh, "MTU must be an integer between 28 and 65535");
        return -1;
    }
    f->mtu = (unsigned)u;
    return click_args_done(a);
}

/* Copy the options of a non-first fragment (those with the "copied" bit)
 * from opt[0..n) into out; returns their length padded to 4. */
static unsigned copied_options(const uint8_t *opt, unsigned n, uint8_t *out) {
    unsigned k = 0, i = 0;
    while (i < n) {
        uint8_t t = opt[i];
        if (t == 0) break;
        if (t == 1) { i++; continue; }
        if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n) break; /* malformed */
        if (t & 0x80) {
            memcpy(out + k, opt + i, opt[i + 1]);
            k += opt[i + 1];
        }
        i += opt[i + 1];
    }
    while (k % 4) out[k++] = 0;
    return k;
}

static click_packet *new_fragment(ipfrag *f, const click_packet *p, uint32_t len) {
    click_packet *q = click_packet_alloc(click_element_pool(&f->e), len);
    if (!q) return NULL;
    if (f->headroom >= 0) {
        uint32_t room = click_packet_headroom(q) + click_packet_tailroom(q) + q->len;
        if ((uint32_t)f->headroom + len <= room) q->data = q->head + f->headroom;
    }
    q->paint = p->paint;
    q->fix_ip_src = p->fix_ip_src;
    q->dst_ip = p->dst_ip;
    q->timestamp_ns = p->timestamp_ns;
    return q;
}

static void fr_push(click_element *e, int port, click_packet *p) {
    (void)port;
    ipfrag *f = (ipfrag *)e;
    uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip > p->data + p->len) ip = p->data;
    uint32_t avail = (uint32_t)(p->data + p->len - ip);
    unsigned hl, tl;
    if (avail < 20 || (ip[0] >> 4) != 4 || (hl = ip_hlen(ip)) < 20 || hl > avail) goto drop;
    tl = rd16(ip + IPV_LEN);
    if (tl < hl || tl > avail) tl = avail;
    if (tl <= f->mtu) {
        click_output_push(e, 0, p);
        return;
    }
    uint16_t off = rd16(ip + IPV_OFF);
    if ((off & 0x4000) && f->honor_df) {
        if (f->verbose || f->df_reports < 5) {
            char s[16], d[16];
            click_element_log(e, "%s: DF packet %s > %s of %u bytes exceeds MTU %u", e->name,
                              click_ip_str(rd32(ip + IPV_SRC), s), click_ip_str(rd32(ip + IPV_DST), d),
                              tl, f->mtu);
            f->df_reports++;
        }
        f->drops++;
        click_checked_push(e, 1, p);
        return;
    }
    uint8_t later_opt[40];
    unsigned later_hl = 20 + copied_options(ip + 20, hl - 20, later_opt);
    if (hl + 8 > f->mtu || later_hl + 8 > f->mtu) goto drop;
    uint32_t link = (uint32_t)(ip - p->data); /* bytes before the IP header */
    uint32_t data_len = tl - hl, base = (uint32_t)(off & IP_OFFMASK) * 8;
    bool more_after = (off & IP_MF) != 0;
    for (uint32_t done = 0; done < data_len;) {
        bool first = done == 0;
        unsigned fhl = first ? hl : later_hl;
        uint32_t chunk = data_len - done;
        if (fhl + chunk > f->mtu) chunk = (f->mtu - fhl) & ~7u;
        bool last = done + chunk == data_len;
        uint32_t pre = first ? link : 0;
        click_packet *q = new_fragment(f, p, pre + fhl + chunk);
        if (!q) break;
        uint8_t *qi = q->data + pre;
        memcpy(q->data, p->data, pre);
        memcpy(qi, ip, 20);
        if (first) memcpy(qi + 20, ip + 20, hl - 20);
        else memcpy(qi + 20, later_opt, later_hl - 20);
        qi[0] = (uint8_t)(0x40 | (fhl / 4));
        memcpy(qi + fhl, ip + hl + done, chunk);
        wr16(qi + IPV_LEN, (uint16_t)(fhl + chunk));
        uint16_t noff = (uint16_t)((off & 0xc000) | (((base + done) / 8) & IP_OFFMASK));
        if (!last || more_after) noff |= IP_MF;
        wr16(qi + IPV_OFF, noff);
        wr16(qi + IPV_SUM, 0);
        wr16(qi + IPV_SUM, click_in_cksum(qi, fhl));
        if (first && pre) click_packet_set_mac_header(q, q->data);
        click_packet_set_network_header(q, qi, fhl);
        f->fragments++;
        click_output_push(e, 0, q);
        done += chunk;
    }
    click_packet_kill(p);
    return;
drop:
    f->drops++;
    click_packet_kill(p);
}

static void h_frags(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((ipfrag *)e)->fragments);
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((ipfrag *)e)->drops);
}
static void h_mtu(click_element *e, char *b, size_t l) { snprintf(b, l, "%u", ((ipfrag *)e)->mtu); }
static int w_mtu(click_element *e, const char *v, click_errh *errh) {
    unsigned long long u;
    if (click_parse_uint(v, &u) < 0 || u < 28 || u > 65535) {
        click_errh_here(errh, "MTU must be an integer between 28 and 65535");
        return -1;
    }
    ((ipfrag *)e)->mtu = (unsigned)u;
    return 0;
}
static const click_handler handlers[] = {
    {"fragments", h_frags, NULL}, {"drops", h_drops, NULL}, {"mtu", h_mtu, w_mtu}, {NULL, NULL, NULL}};

const click_element_class click_class_IPFragmenter = {
    .name = "IPFragmenter", .ports = "1/1-2", .processing = "h/h", .size = sizeof(ipfrag),
    .configure = fr_configure, .push = fr_push, .handlers = handlers};
