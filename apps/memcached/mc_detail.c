/*
 * mc_detail.c - per-prefix statistics ("stats detail on|off|dump"), as
 * memcached keeps them: a key's prefix is what comes before the first
 * delimiter (-D, ':' by default); keys without one are not counted. Gets
 * (with hits), storage commands and deletes are counted while detail is
 * on; "stats reset" forgets every prefix. At most MC_DETAIL_MAX prefixes
 * are kept, so keys chosen by clients cannot grow the table without bound.
 */
#include "mc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MC_DETAIL_MAX 4096

struct mc_detail {
    struct mc_detail *next;
    uint64_t get, hit, set, del;
    size_t len;
    char prefix[];
};

static struct mc_detail *find(mc_engine *e, const char *key, size_t nkey)
{
    char delim = e->host.detail_delimiter ? e->host.detail_delimiter : ':';
    const char *d = memchr(key, delim, nkey);
    if (!d)
        return NULL;
    size_t len = (size_t)(d - key);
    struct mc_detail **pp = &e->detail;
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->len == len && memcmp((*pp)->prefix, key, len) == 0)
            return *pp;
    if (e->ndetail >= MC_DETAIL_MAX)
        return NULL;
    struct mc_detail *n = calloc(1, sizeof *n + len + 1);
    if (!n)
        return NULL;
    memcpy(n->prefix, key, len);
    n->len = len;
    *pp = n;                            /* appended: dumps list prefixes in first-seen order */
    e->ndetail++;
    return n;
}

void mc_detail_record(mc_engine *e, const char *key, size_t nkey, enum mc_detail_op op, bool hit)
{
    if (!e->detail_on)
        return;
    struct mc_detail *d = find(e, key, nkey);
    if (!d)
        return;
    if (op == MC_DETAIL_GET) {
        d->get++;
        d->hit += hit;
    } else if (op == MC_DETAIL_SET) {
        d->set++;
    } else {
        d->del++;
    }
}

void mc_detail_dump(mc_engine *e, mc_out *o)
{
    char line[160];
    for (struct mc_detail *d = e->detail; d; d = d->next) {
        mc_out_add(o, "PREFIX ", 7);
        mc_out_add(o, d->prefix, d->len);
        int n = snprintf(line, sizeof line, " get %llu hit %llu set %llu del %llu\r\n", (unsigned long long)d->get,
                         (unsigned long long)d->hit, (unsigned long long)d->set, (unsigned long long)d->del);
        mc_out_add(o, line, (size_t)n);
    }
}

void mc_detail_clear(mc_engine *e)
{
    while (e->detail) {
        struct mc_detail *n = e->detail->next;
        free(e->detail);
        e->detail = n;
    }
    e->ndetail = 0;
}
