/* Classifier(PATTERN1, ..., PATTERNn): byte-pattern classification.
 * A pattern is a space-separated list of terms, all of which must match:
 *     OFFSET/VALUE        VALUE in hex ('?' is a wildcard nibble)
 *     OFFSET/VALUE%MASK   compare (byte & MASK) with VALUE
 *     !OFFSET/VALUE...    negated term
 * The pattern "-" matches every packet. A packet goes to the output of the
 * first matching pattern; packets that match nothing, or are too short for
 * a (non-negated) term, are dropped and counted. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"

#define MAX_TERM_BYTES 64

typedef struct term {
    uint32_t offset, len;
    bool negate;
    uint8_t value[MAX_TERM_BYTES], mask[MAX_TERM_BYTES];
} term;

typedef struct pattern {
    int nterms;
    term *terms;
} pattern;

typedef struct classifier {
    click_element e;
    int npat;
    pattern *pats;
    uint64_t drops;
} classifier;

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int parse_term(const char *w, term *t, char *why, size_t whylen) {
    memset(t, 0, sizeof *t);
    if (*w == '!') {
        t->negate = true;
        w++;
    }
    const char *slash = strchr(w, '/');
    if (!slash || slash == w) {
        snprintf(why, whylen, "expected OFFSET/VALUE, found '%s'", w);
        return -1;
    }
    unsigned long off = 0;
    for (const char *c = w; c < slash; c++) {
        if (!isdigit((unsigned char)*c) || off > 65535) {
            snprintf(why, whylen, "bad offset in '%s'", w);
            return -1;
        }
        off = off * 10 + (unsigned long)(*c - '0');
    }
    if (off > 65535) {
        snprintf(why, whylen, "offset too large in '%s'", w);
        return -1;
    }
    t->offset = (uint32_t)off;
    const char *v = slash + 1;
    const char *pct = strchr(v, '%');
    size_t vlen = pct ? (size_t)(pct - v) : strlen(v);
    if (vlen == 0 || vlen % 2 || vlen / 2 > MAX_TERM_BYTES) {
        snprintf(why, whylen, "VALUE must be an even number of hex digits (up to %d bytes) in '%s'",
                 MAX_TERM_BYTES, w);
        return -1;
    }
    t->len = (uint32_t)(vlen / 2);
    for (size_t i = 0; i < vlen; i++) {
        int shift = (i % 2) ? 0 : 4;
        if (v[i] == '?') continue; /* wildcard nibble: mask stays 0 */
        int h = hexval((unsigned char)v[i]);
        if (h < 0) {
            snprintf(why, whylen, "bad hex digit '%c' in '%s'", v[i], w);
            return -1;
        }
        t->value[i / 2] |= (uint8_t)(h << shift);
        t->mask[i / 2] |= (uint8_t)(0xf << shift);
    }
    if (pct) {
        const char *m = pct + 1;
        if (strlen(m) != vlen) {
            snprintf(why, whylen, "MASK must have as many digits as VALUE in '%s'", w);
            return -1;
        }
        for (size_t i = 0; i < vlen; i++) {
            int h = hexval((unsigned char)m[i]);
            if (h < 0) {
                snprintf(why, whylen, "bad hex digit in mask of '%s'", w);
                return -1;
            }
            int shift = (i % 2) ? 0 : 4;
            t->mask[i / 2] &= (uint8_t)~(0xf << shift);
            t->mask[i / 2] |= (uint8_t)((h << shift) & (0xf << shift) & (v[i] == '?' ? 0 : 0xff));
        }
    }
    for (uint32_t i = 0; i < t->len; i++) t->value[i] &= t->mask[i];
    return 0;
}

static void cl_cleanup(click_element *e) {
    classifier *c = (classifier *)e;
    for (int i = 0; i < c->npat; i++) free(c->pats[i].terms);
    free(c->pats);
    c->pats = NULL;
    c->npat = 0;
}

static int cl_configure(click_element *e, click_args *a, click_errh *errh) {
    classifier *c = (classifier *)e;
    int n = click_args_count(a);
    if (n == 0) {
        click_errh_here(errh, "expected at least one pattern");
        return -1;
    }
    c->pats = calloc((size_t)n, sizeof *c->pats);
    if (!c->pats) return -1;
    for (const char *arg; (arg = click_args_next(a));) {
        pattern *pt = &c->pats[c->npat++];
        if (!strcmp(arg, "-")) continue; /* no terms: matches all */
        char words[64][64];
        int nw = click_split_words(arg, words, 64);
        if (nw == 0 || nw > 64) {
            click_errh_here(errh, "pattern %d: %s", c->npat - 1, nw ? "too many terms" : "empty pattern");
            return -1;
        }
        pt->terms = calloc((size_t)nw, sizeof *pt->terms);
        if (!pt->terms) return -1;
        for (int i = 0; i < nw; i++) {
            char why[160];
            if (strlen(words[i]) >= 63) {
                click_errh_here(errh, "pattern %d: term too long", c->npat - 1);
                return -1;
            }
            if (parse_term(words[i], &pt->terms[i], why, sizeof why) < 0) {
                click_errh_here(errh, "pattern %d: %s", c->npat - 1, why);
                return -1;
            }
            pt->nterms++;
        }
    }
    click_element_set_nports(e, -1, c->npat);
    return click_args_done(a);
}

static bool term_match(const term *t, const click_packet *p) {
    bool m;
    if (t->offset + t->len > p->len) {
        m = false;
    } else {
        m = true;
        const uint8_t *d = p->data + t->offset;
        for (uint32_t i = 0; i < t->len; i++)
            if ((d[i] & t->mask[i]) != t->value[i]) {
                m = false;
                break;
            }
    }
    return m != t->negate;
}

static void cl_push(click_element *e, int port, click_packet *p) {
    (void)port;
    classifier *c = (classifier *)e;
    for (int i = 0; i < c->npat; i++) {
        const pattern *pt = &c->pats[i];
        int k = 0;
        while (k < pt->nterms && term_match(&pt->terms[k], p)) k++;
        if (k == pt->nterms) {
            click_output_push(e, i, p);
            return;
        }
    }
    c->drops++;
    click_packet_kill(p);
}

static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((classifier *)e)->drops);
}
static const click_handler handlers[] = {{"drops", h_drops, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_Classifier = {
    .name = "Classifier", .ports = "1/-", .processing = "h/h", .size = sizeof(classifier),
    .configure = cl_configure, .cleanup = cl_cleanup, .push = cl_push, .handlers = handlers};
