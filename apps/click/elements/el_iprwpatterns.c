/* IPRewriterPatterns(NAME SADDR SPORT DADDR DPORT, ...): named rewriting
 * patterns for the input specs of IPRewriter, TCPRewriter and UDPRewriter
 * ("pattern NAME FOUTPUT ROUTPUT"). Each field is as in an IPRewriter
 * pattern: '-' keeps the packet's value, SPORT may be a range LO-HI (with
 * '#' or '?' appended). Names must be distinct across all the
 * IPRewriterPatterns elements of a configuration. The element has no ports;
 * rewriters find its patterns whatever the order of declaration. */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"

/* Find NAME among the arguments of config; writes the pattern (the four
 * fields) into buf. Returns 0, or -1 if absent. */
static int find_pattern(const char *config, const char *name, char *buf, size_t len) {
    click_errh errh;
    click_errh_init(&errh, "patterns");
    click_args a;
    int rc = -1;
    if (click_args_split(&a, config, &errh) == 0) {
        for (int i = 0; i < a.n && rc < 0; i++) {
            char w[6][64];
            int n = click_split_words(a.v[i].text, w, 6);
            if (n != 5 || strcmp(w[0], name)) continue;
            snprintf(buf, len, "%s %s %s %s", w[1], w[2], w[3], w[4]);
            rc = 0;
        }
    }
    click_args_free(&a);
    click_errh_free(&errh);
    return rc;
}

static int pat_configure(click_element *e, click_args *a, click_errh *errh) {
    for (const char *arg; (arg = click_args_next(a));) {
        char w[6][64], other[256];
        int n = click_split_words(arg, w, 6);
        if (n != 5) {
            click_errh_here(errh, "expected 'NAME SADDR SPORT DADDR DPORT', not '%s'", arg);
            return -1;
        }
        /* the first definition of a name, in any IPRewriterPatterns, must be this one */
        for (int i = 0; i < click_router_nelements(e->router); i++) {
            click_element *x = click_router_element(e->router, i);
            if (x->cls != e->cls || find_pattern(x->config, w[0], other, sizeof other) < 0) continue;
            if (x != e) {
                click_errh_here(errh, "pattern name '%s' defined twice", w[0]);
                return -1;
            }
            break;
        }
        int dups = 0;
        for (int i = 0; i < a->n; i++) {
            char v[6][64];
            if (click_split_words(a->v[i].text, v, 6) >= 1 && !strcmp(v[0], w[0])) dups++;
        }
        if (dups > 1) {
            click_errh_here(errh, "pattern name '%s' defined twice", w[0]);
            return -1;
        }
    }
    return click_args_done(a);
}

static int pat_lookup(click_element *e, const char *kind, const char *name, char *buf, size_t len) {
    if (strcmp(kind, "pattern")) return -1;
    return find_pattern(e->config, name, buf, len);
}

const click_element_class click_class_IPRewriterPatterns = {
    .name = "IPRewriterPatterns", .ports = "0/0", .processing = "a/a", .size = sizeof(click_element),
    .configure = pat_configure, .lookup_name = pat_lookup};
