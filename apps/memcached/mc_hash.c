/*
 * mc_hash.c - the key index: a chained hash table of 2^hpower buckets that
 * doubles when the load factor passes 1.5 (rehashing in one go; tables stay
 * small per instance on EdgeOS). The hash is FNV-1a with a final mix.
 */
#include "mc_internal.h"

#include <stdlib.h>
#include <string.h>

uint32_t mc_hash(const char *key, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return (uint32_t)h;
}

bool mc_hash_init(mc_engine *e, uint32_t power)
{
    e->buckets = calloc((size_t)1 << power, sizeof(mc_item *));
    if (!e->buckets)
        return false;
    e->hpower = power;
    return true;
}

void mc_hash_free(mc_engine *e)
{
    free(e->buckets);
    e->buckets = NULL;
}

static uint32_t mask(const mc_engine *e)
{
    return ((uint32_t)1 << e->hpower) - 1;
}

mc_item *mc_hash_find(mc_engine *e, const char *key, size_t nkey, uint32_t hv)
{
    for (mc_item *it = e->buckets[hv & mask(e)]; it; it = it->hnext)
        if (it->hv == hv && it->nkey == nkey && memcmp(it->data, key, nkey) == 0)
            return it;
    return NULL;
}

void mc_hash_grow(mc_engine *e)
{
    if (e->hpower >= 30)
        return;
    uint32_t np = e->hpower + 1;
    mc_item **nb = calloc((size_t)1 << np, sizeof(mc_item *));
    if (!nb)
        return;     /* keep the old table: longer chains, still correct */
    uint32_t nmask = ((uint32_t)1 << np) - 1;
    for (size_t b = 0; b < ((size_t)1 << e->hpower); b++) {
        mc_item *it = e->buckets[b];
        while (it) {
            mc_item *next = it->hnext;
            it->hnext = nb[it->hv & nmask];
            nb[it->hv & nmask] = it;
            it = next;
        }
    }
    free(e->buckets);
    e->buckets = nb;
    e->hpower = np;
}

void mc_hash_insert(mc_engine *e, mc_item *it)
{
    mc_item **b = &e->buckets[it->hv & mask(e)];
    it->hnext = *b;
    *b = it;
    e->curr_items++;
    if (e->curr_items > ((uint64_t)3 << e->hpower) / 2)
        mc_hash_grow(e);
}

void mc_hash_remove(mc_engine *e, mc_item *it)
{
    mc_item **p = &e->buckets[it->hv & mask(e)];
    while (*p && *p != it)
        p = &(*p)->hnext;
    if (*p) {
        *p = it->hnext;
        e->curr_items--;
    }
    it->hnext = NULL;
}
