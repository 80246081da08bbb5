/* 802.1Q VLAN tags and the VLAN TCI packet annotation.
 *   SetVLANAnno([VLAN_TCI, VLAN_PCP], VLAN_ID)
 *       sets the annotation: VLAN_TCI, or VLAN_ID with priority VLAN_PCP
 *   VLANEncap([VLAN_TCI, VLAN_PCP], VLAN_ID, NATIVE_VLAN (0), ETHERTYPE (0x8100))
 *       inserts a tag after the Ethernet addresses of a frame; VLAN_TCI may
 *       be ANNO (the packet's annotation). Frames whose VLAN ID is
 *       NATIVE_VLAN (-1: none) are left untagged.
 *   VLANDecap([ANNO (true)], ETHERTYPE (0x8100))
 *       removes the tag of frames of type ETHERTYPE; with ANNO the tag's TCI
 *       (0 for untagged frames) goes into the annotation.
 *   EtherVLANEncap(ETHERTYPE, SRC, DST [, VLAN_TCI, VLAN_PCP], VLAN_ID, NATIVE_VLAN)
 *       prepends an Ethernet header with a tag (no tag for NATIVE_VLAN)
 *   StripEtherVLANHeader([NATIVE_VLAN (0)])
 *       removes a tagged Ethernet header, keeping its TCI in the annotation;
 *       an untagged header is removed too, with NATIVE_VLAN as the
 *       annotation, unless NATIVE_VLAN is -1: then the frame goes to output 1
 *       (or is dropped). Frames too short for their header go the same way.
 * The encapsulating elements and SetVLANAnno have a vlan_tci read handler
 * (ANNO when the annotation is used). */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

#define ETHERTYPE_8021Q 0x8100

typedef struct vlan {
    click_element e;
    uint8_t hdr[12];        /* EtherVLANEncap: destination, source */
    uint16_t ethertype;     /* tag protocol (VLANEncap/VLANDecap), or the encapsulated type */
    uint16_t tci;
    bool use_anno;
    int native;             /* VLAN ID sent untagged, -1: none */
    uint64_t drops;
} vlan;

static int bad(click_errh *errh, const char *what) {
    click_errh_here(errh, "%s", what);
    return -1;
}

static int parse_ranged(const char *v, long long lo, long long hi, int *out) {
    long long x;
    if (click_parse_int(v, &x) < 0) {
        unsigned long long u;
        if (click_parse_uint(v, &u) < 0 || u > (unsigned long long)hi) return -1;
        x = (long long)u;
    }
    if (x < lo || x > hi) return -1;
    *out = (int)x;
    return 0;
}

/* The TCI arguments shared by SetVLANAnno, VLANEncap and EtherVLANEncap:
 * positional VLAN_TCI (or ANNO when allowed) and VLAN_PCP, keywords
 * VLAN_ID and NATIVE_VLAN. */
static int tci_args(vlan *x, click_args *a, click_errh *errh, bool allow_anno, bool native,
                    const char **before, int nbefore) {
    int tci = -1, id = 0, pcp = 0;
    const char *idv = click_args_kw(a, "VLAN_ID");
    const char *nv = native ? click_args_kw(a, "NATIVE_VLAN") : NULL;
    const char *tv = click_args_kw(a, "VLAN_TCI");
    const char *pv = click_args_kw(a, "VLAN_PCP");
    /* the caller's positional arguments come before VLAN_TCI and VLAN_PCP */
    for (int i = 0; i < nbefore; i++)
        if (!before[i]) before[i] = click_args_next(a);
    if (!tv) tv = click_args_next(a);
    if (!pv) pv = click_args_next(a);
    if (idv && parse_ranged(idv, 0, 0xfff, &id) < 0) return bad(errh, "VLAN_ID must be between 0 and 4095");
    if (pv && parse_ranged(pv, 0, 7, &pcp) < 0) return bad(errh, "VLAN_PCP must be between 0 and 7");
    x->native = 0;
    if (nv && parse_ranged(nv, -1, 0xfff, &x->native) < 0)
        return bad(errh, "NATIVE_VLAN must be between -1 and 4095");
    if (tv && allow_anno && !strcmp(tv, "ANNO")) x->use_anno = true;
    else if (tv && parse_ranged(tv, 0, 0xffff, &tci) < 0) return bad(errh, "VLAN_TCI must be a 16-bit integer");
    x->tci = (uint16_t)((tci >= 0 ? tci : id) | pcp << 13);
    return 0;
}

static void h_tci(click_element *e, char *b, size_t l) {
    vlan *x = (vlan *)e;
    if (x->use_anno) snprintf(b, l, "ANNO");
    else snprintf(b, l, "%u", x->tci);
}
static const click_handler tci_handlers[] = {{"vlan_tci", h_tci, NULL}, {NULL, NULL, NULL}};

static bool is_native(const vlan *x, uint16_t tci) { return x->native >= 0 && (tci & 0xfff) == x->native; }

/* ---- SetVLANAnno ---- */
static int sva_configure(click_element *e, click_args *a, click_errh *errh) {
    if (tci_args((vlan *)e, a, errh, false, false, NULL, 0) < 0) return -1;
    return click_args_done(a);
}
static click_packet *sva_action(click_element *e, click_packet *p) {
    p->vlan_tci = ((vlan *)e)->tci;
    return p;
}
const click_element_class click_class_SetVLANAnno = {
    .name = "SetVLANAnno", .ports = "1/1", .processing = "a/a", .size = sizeof(vlan),
    .configure = sva_configure, .simple_action = sva_action, .handlers = tci_handlers};

/* ---- VLANEncap ---- */
static int ethertype_kw(vlan *x, click_args *a, click_errh *errh) {
    unsigned long long t = ETHERTYPE_8021Q;
    const char *v = click_args_kw(a, "ETHERTYPE");
    if (v && (click_parse_uint(v, &t) < 0 || t > 0xffff)) return bad(errh, "ETHERTYPE must be a 16-bit integer");
    x->ethertype = (uint16_t)t;
    return 0;
}
static int ve_configure(click_element *e, click_args *a, click_errh *errh) {
    vlan *x = (vlan *)e;
    if (ethertype_kw(x, a, errh) < 0 || tci_args(x, a, errh, true, true, NULL, 0) < 0) return -1;
    return click_args_done(a);
}
static click_packet *ve_action(click_element *e, click_packet *p) {
    vlan *x = (vlan *)e;
    uint16_t tci = x->use_anno ? p->vlan_tci : x->tci;
    if (p->len < 12) {
        x->drops++;
        click_packet_kill(p);
        return NULL;
    }
    if (!is_native(x, tci)) {
        if (!click_packet_push(p, 4)) {
            x->drops++;
            click_packet_kill(p);
            return NULL;
        }
        memmove(p->data, p->data + 4, 12);
        wr16(p->data + 12, x->ethertype);
        wr16(p->data + 14, tci);
    }
    p->mac_off = (int32_t)(p->data - p->head);
    return p;
}
const click_element_class click_class_VLANEncap = {
    .name = "VLANEncap", .ports = "1/1", .processing = "a/a", .size = sizeof(vlan),
    .configure = ve_configure, .simple_action = ve_action, .handlers = tci_handlers};

/* ---- VLANDecap ---- */
static int vd_configure(click_element *e, click_args *a, click_errh *errh) {
    vlan *x = (vlan *)e;
    x->use_anno = true;
    if (ethertype_kw(x, a, errh) < 0) return -1;
    const char *v = click_args_kw(a, "ANNO");
    if (!v) v = click_args_next(a);
    if (v && click_parse_bool(v, &x->use_anno) < 0) return bad(errh, "ANNO must be a boolean");
    return click_args_done(a);
}
static click_packet *vd_action(click_element *e, click_packet *p) {
    vlan *x = (vlan *)e;
    uint16_t tci = 0;
    if (p->len >= 16 && rd16(p->data + 12) == x->ethertype) {
        tci = rd16(p->data + 14);
        memmove(p->data + 4, p->data, 12);
        click_packet_pull(p, 4);
    }
    p->mac_off = (int32_t)(p->data - p->head);
    if (x->use_anno) p->vlan_tci = tci;
    return p;
}
const click_element_class click_class_VLANDecap = {
    .name = "VLANDecap", .ports = "1/1", .processing = "a/a", .size = sizeof(vlan),
    .configure = vd_configure, .simple_action = vd_action};

/* ---- EtherVLANEncap ---- */
static int eve_configure(click_element *e, click_args *a, click_errh *errh) {
    vlan *x = (vlan *)e;
    const char *pos[3] = {click_args_kw(a, "ETHERTYPE"), click_args_kw(a, "SRC"), click_args_kw(a, "DST")};
    if (tci_args(x, a, errh, true, true, pos, 3) < 0) return -1;
    const char *t = pos[0], *s = pos[1], *d = pos[2];
    unsigned long long et;
    if (!t || click_parse_uint(t, &et) < 0 || et > 0xffff)
        return bad(errh, "ETHERTYPE must be a 16-bit number (e.g. 0x0800)");
    if (!s || click_parse_ether(s, x->hdr + 6) < 0) return bad(errh, "SRC must be an Ethernet address");
    if (!d || click_parse_ether(d, x->hdr) < 0) return bad(errh, "DST must be an Ethernet address");
    x->ethertype = (uint16_t)et;
    return click_args_done(a);
}
static click_packet *eve_action(click_element *e, click_packet *p) {
    vlan *x = (vlan *)e;
    uint16_t tci = x->use_anno ? p->vlan_tci : x->tci;
    bool tag = !is_native(x, tci);
    if (!click_packet_push(p, tag ? 18 : 14)) {
        x->drops++;
        click_packet_kill(p);
        return NULL;
    }
    memcpy(p->data, x->hdr, 12);
    if (tag) {
        wr16(p->data + 12, ETHERTYPE_8021Q);
        wr16(p->data + 14, tci);
        wr16(p->data + 16, x->ethertype);
    } else {
        wr16(p->data + 12, x->ethertype);
    }
    p->mac_off = (int32_t)(p->data - p->head);
    return p;
}
const click_element_class click_class_EtherVLANEncap = {
    .name = "EtherVLANEncap", .ports = "1/1", .processing = "a/a", .size = sizeof(vlan),
    .configure = eve_configure, .simple_action = eve_action, .handlers = tci_handlers};

/* ---- StripEtherVLANHeader ---- */
static int sevh_configure(click_element *e, click_args *a, click_errh *errh) {
    vlan *x = (vlan *)e;
    const char *v = click_args_kw(a, "NATIVE_VLAN");
    if (!v) v = click_args_next(a);
    x->native = 0;
    if (v && parse_ranged(v, -1, 0xfff, &x->native) < 0) return bad(errh, "NATIVE_VLAN must be between -1 and 4095");
    return click_args_done(a);
}
static click_packet *sevh_action(click_element *e, click_packet *p) {
    vlan *x = (vlan *)e;
    if (p->len >= 18 && rd16(p->data + 12) == ETHERTYPE_8021Q) {
        p->vlan_tci = rd16(p->data + 14);
        click_packet_pull(p, 18);
        return p;
    }
    if (x->native >= 0 && p->len >= 14 && rd16(p->data + 12) != ETHERTYPE_8021Q) {
        p->vlan_tci = (uint16_t)x->native;
        click_packet_pull(p, 14);
        return p;
    }
    x->drops++;
    click_checked_push(e, 1, p);
    return NULL;
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((vlan *)e)->drops);
}
static const click_handler sevh_handlers[] = {{"drops", h_drops, NULL}, {NULL, NULL, NULL}};
const click_element_class click_class_StripEtherVLANHeader = {
    .name = "StripEtherVLANHeader", .ports = "1/1-2", .processing = "a/ah", .size = sizeof(vlan),
    .configure = sevh_configure, .simple_action = sevh_action, .handlers = sevh_handlers};
