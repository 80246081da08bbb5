/*
 * mc_slabs.c - memory in slab classes and pages, as memcached accounts it.
 *
 * Classes: chunk sizes grow from 48 + the minimum chunk (-n) by the growth
 * factor (-f), 8-byte aligned, up to slab_chunk_max, whose class is the
 * largest. Memory is handed to classes in pages of 1 MiB; a class fits
 * pages * (page / chunk size) items. An item takes one chunk of the smallest
 * class that holds it and is in that class's LRU; an item larger than
 * slab_chunk_max takes a header chunk of a small class plus chunks of the
 * largest class for its value (and one smaller chunk for the rest), and is
 * in the largest class's LRU.
 *
 * Pages are an accounting model: items are still allocated one by one. What
 * the model decides is what memcached's allocator decides: when a class may
 * take another page (total_malloced + page <= -m, or the class has no page
 * yet, or a page waits in the global pool), when a store must evict the
 * oldest item of its own class instead, what "stats slabs" and "stats
 * items" report, and which pages "slabs reassign" and a lowered
 * cache_memlimit take back.
 *
 * With mc_config.slab_allocator off (EdgeOS's small per-client caches)
 * items are not classed: one LRU over all items, and -m counts item bytes.
 */
#include "mc_internal.h"

#include <stdio.h>
#include <string.h>

#define PAGE_SIZE (1024u * 1024)
#define CHUNK_HDR 48u                   /* header of each value chunk */

void mc_slabs_init(mc_engine *e)
{
    const mc_config *c = &e->cfg;
    double factor = c->slab_factor > 1.0 ? c->slab_factor : 1.25;
    uint32_t cmax = c->slab_chunk_max ? c->slab_chunk_max : PAGE_SIZE / 2;
    if (cmax > PAGE_SIZE)
        cmax = PAGE_SIZE;
    double size = 48 + (c->slab_min_chunk ? c->slab_min_chunk : 48);
    int i = 0;
    while (++i < MC_SLAB_MAX - 1) {
        if (size >= cmax / factor)
            break;
        uint32_t s = (uint32_t)size;
        if (s % 8)
            s += 8 - s % 8;
        e->cls[i].size = s;
        e->cls[i].perslab = PAGE_SIZE / s;
        size = s * factor;
    }
    e->largest = i;
    e->cls[i].size = cmax;
    e->cls[i].perslab = PAGE_SIZE / cmax;
    e->chunk_max = cmax;
    e->malloced = c->slab_initial_malloced;
}

int mc_slabs_clsid(const mc_engine *e, uint64_t size)
{
    if (size == 0)
        return 0;
    for (int i = 1; i < e->largest; i++)
        if (size <= e->cls[i].size)
            return i;
    return e->largest;
}

/* The chunks an item of `total` bytes (value `nbytes` of it) takes. */
typedef struct chunks {
    int cls;
    uint64_t count;
} chunks;
typedef struct plan {
    int n;
    chunks p[3];
} plan;

static void make_plan(const mc_engine *e, uint64_t total, uint64_t nbytes, plan *pl)
{
    pl->n = 0;
    if (total <= e->chunk_max) {
        pl->p[pl->n++] = (chunks){mc_slabs_clsid(e, total), 1};
        return;
    }
    uint64_t hdr = total - nbytes + CHUNK_HDR;
    pl->p[pl->n++] = (chunks){mc_slabs_clsid(e, hdr), 1};
    uint64_t payload = e->chunk_max - CHUNK_HDR;
    uint64_t full = nbytes / payload, rest = nbytes % payload;
    if (full)
        pl->p[pl->n++] = (chunks){e->largest, full};
    if (rest)
        pl->p[pl->n++] = (chunks){mc_slabs_clsid(e, rest + CHUNK_HDR), 1};
}

static uint64_t free_chunks(const mc_slabclass *s)
{
    uint64_t cap = s->pages * s->perslab;
    return s->used >= cap ? 0 : cap - s->used;
}

static bool chunked(const mc_engine *e, const mc_item *it)
{
    return mc_item_total(it->nkey, it->flags, it->nbytes) > e->chunk_max;
}

/* The item of class c to remove for room (never `keep`), looking at the
 * oldest few of each LRU: COLD first, then HOT and WARM; a TEMP item only
 * once expired; with -M only expired items. `want_chunked`: only items
 * stored in chunks. */
static mc_item *victim_of(const mc_engine *e, int c, const mc_item *keep, bool want_chunked)
{
    static const int order[] = {MC_COLD, MC_HOT, MC_WARM, MC_TEMP};
    for (int k = 0; k < 4; k++) {
        int n = 0;
        for (mc_item *it = e->cls[c].seg[order[k]].tail; it && n < 50; it = it->prev, n++) {
            if (it == keep || (want_chunked && !chunked(e, it)))
                continue;
            if ((order[k] == MC_TEMP || e->cfg.evictions_disabled) && !mc_item_gone(e, it))
                continue;
            return it;
        }
    }
    return NULL;
}

/* The item to remove so that class c gets a chunk back: one of its own, or,
 * when it has none to give, an item stored in chunks (its value may be
 * in c's chunks; all of them are in the largest class's LRU). */
static mc_item *room_victim(const mc_engine *e, int c, const mc_item *keep)
{
    mc_item *v = victim_of(e, c, keep, false);
    return v ? v : victim_of(e, e->largest, keep, true);
}

/* A new page for class c: from the global pool, or newly counted when -m
 * allows it or the class has none yet (memcached gives every class its
 * first page). */
static bool new_page(mc_engine *e, int c)
{
    mc_slabclass *s = &e->cls[c];
    if (e->pool_pages) {
        e->pool_pages--;
    } else if (e->malloced + PAGE_SIZE > e->cfg.mem_limit && s->pages > 0) {
        return false;
    } else {
        e->malloced += PAGE_SIZE;
    }
    s->pages++;
    return true;
}

/* Before taking a chunk of class c, an expired or flushed item among the
 * five oldest of the class's COLD LRU is reclaimed (memcached's tail check). */
static void reclaim_tail(mc_engine *e, int c, const mc_item *keep)
{
    int n = 0;
    for (mc_item *it = e->cls[c].seg[MC_COLD].tail; it && n < 5; it = it->prev, n++) {
        if (it != keep && mc_item_gone(e, it)) {
            mc_lru_drop(e, it, true);
            return;
        }
    }
}

/* Makes `count` chunks of class c free, taking pages or evicting the
 * class's oldest items (never `keep`). */
static bool make_room(mc_engine *e, int c, uint64_t count, const mc_item *keep)
{
    mc_slabclass *s = &e->cls[c];
    while (free_chunks(s) < count) {
        if (new_page(e, c))
            continue;
        mc_item *v = room_victim(e, c, keep);
        if (!v)
            return false;
        mc_lru_drop(e, v, mc_item_gone(e, v));
    }
    return true;
}

bool mc_slabs_alloc(mc_engine *e, uint64_t total, uint64_t nbytes, const mc_item *keep, uint8_t *cls)
{
    plan pl;
    make_plan(e, total, nbytes, &pl);
    int lru = mc_slabs_clsid(e, total);
    if (mc_lru_segmented(e))
        mc_lru_juggle(e, lru, keep);   /* what memcached's LRU maintainer keeps doing */
    reclaim_tail(e, lru, keep);
    for (int i = 0; i < pl.n; i++) {
        if (!make_room(e, pl.p[i].cls, pl.p[i].count, keep)) {
            e->cls[lru].ist.outofmemory++;
            return false;
        }
    }
    for (int i = 0; i < pl.n; i++)
        e->cls[pl.p[i].cls].used += pl.p[i].count;
    *cls = (uint8_t)lru;
    e->cls[lru].requested += total;
    return true;
}

void mc_slabs_free(mc_engine *e, const mc_item *it)
{
    uint64_t total = mc_item_total(it->nkey, it->flags, it->nbytes);
    plan pl;
    make_plan(e, total, it->nbytes, &pl);
    for (int i = 0; i < pl.n; i++)
        e->cls[pl.p[i].cls].used -= pl.p[i].count;
    e->cls[it->cls].requested -= total;
    if (e->malloced > e->cfg.mem_limit)
        mc_slabs_shrink(e);
}

/* Over -m (cache_memlimit lowered): give back pages no item needs. */
void mc_slabs_shrink(mc_engine *e)
{
    for (int c = 1; c <= e->largest && e->malloced > e->cfg.mem_limit; c++) {
        mc_slabclass *s = &e->cls[c];
        while (s->pages && free_chunks(s) >= s->perslab &&
               e->malloced > e->cfg.mem_limit) {
            s->pages--;
            e->malloced -= PAGE_SIZE;
        }
    }
    while (e->pool_pages && e->malloced > e->cfg.mem_limit) {
        e->pool_pages--;
        e->malloced -= PAGE_SIZE;
    }
}

/* Takes one page from class src: its items move to free chunks of the
 * class (rescues) or, when the class has none left, are evicted. */
static bool move_page(mc_engine *e, int src)
{
    mc_slabclass *s = &e->cls[src];
    uint64_t in_page = s->pages ? (s->used + s->pages - 1) / s->pages : 0;
    if (in_page > s->perslab)
        in_page = s->perslab;
    while (s->used > (s->pages - 1) * s->perslab) {
        mc_item *v = room_victim(e, src, NULL);
        if (!v)
            return false;
        e->reassign_evictions_nomem++;
        mc_lru_drop(e, v, mc_item_gone(e, v));
        if (in_page)
            in_page--;
    }
    /* what stays is moved to free chunks of the class: item headers, or
     * chunks holding values of larger items */
    uint64_t values = s->used > s->nitems ? s->used - s->nitems : 0;
    uint64_t value_moves = s->used ? in_page * values / s->used : 0;
    e->reassign_chunk_rescues += value_moves;
    e->reassign_rescues += in_page - value_moves;
    s->pages--;
    e->slabs_moved++;
    return true;
}

/* "slabs reassign SRC DST": class 0 is the global pool; SRC -1 picks any
 * class with pages to spare. Done at once; returns memcached's reply. */
const char *mc_slabs_reassign(mc_engine *e, int src, int dst)
{
    if (src == dst)
        return "SAME src and dst class are identical";
    if (src == -1) {
        for (int c = 1; c <= e->largest; c++)
            if (c != dst && e->cls[c].pages > 1) {
                src = c;
                break;
            }
    }
    if (src < 0 || src > e->largest || dst < 0 || dst > e->largest)
        return "BADCLASS invalid src or dst class id";
    if ((src == 0 ? e->pool_pages : e->cls[src].pages) < 2)
        return "NOSPARE source class has no spare pages";
    if (src == 0)
        e->pool_pages--;
    else if (!move_page(e, src))
        return "NOSPARE source class has no spare pages";
    if (dst == 0)
        e->pool_pages++;
    else
        e->cls[dst].pages++;
    return "OK";
}

/* Once a second: the background work of memcached's LRU maintainer and slab
 * automover. The oldest items of each class (up to TICK_CHECK) are checked
 * and, with the LRU maintainer on (memcached's default, not -o no_modern),
 * expired or flushed ones reclaimed, counted as "reclaimed"; then, with automove on, a class
 * with more than two pages' worth of free chunks returns pages to the
 * global pool, where any class can take them. */
#define TICK_CHECK 1000
void mc_slabs_tick(mc_engine *e)
{
    if (!e->cfg.slab_allocator)
        return;
    for (int c = 1; c <= e->largest; c++) {
        mc_slabclass *s = &e->cls[c];
        for (int k = 0; k < MC_NSEG && e->host.lru_maintainer; k++) {
            mc_item *it = s->seg[k].tail;
            for (int n = 0; it && n < TICK_CHECK; n++) {
                mc_item *prev = it->prev;
                if (mc_item_gone(e, it))
                    mc_lru_drop(e, it, true);
                it = prev;
            }
        }
        if (s->nitems && mc_lru_segmented(e))
            mc_lru_juggle(e, c, NULL);
        if (e->slab_automove == 0)
            continue;
        while (s->pages > 1 && free_chunks(s) > 2 * (uint64_t)s->perslab && move_page(e, c))
            e->pool_pages++;
    }
    if (e->malloced > e->cfg.mem_limit)
        mc_slabs_shrink(e);
}


static void stat_cls(mc_out *o, const char *fmt, int c, const char *name, uint64_t v)
{
    char key[80];
    snprintf(key, sizeof(key), fmt, c, name);
    mc_stat_u(o, key, v);
}

void mc_slabs_stats(mc_engine *e, mc_out *o)
{
    int active = 0;
    for (int c = 1; c <= e->largest; c++) {
        const mc_slabclass *s = &e->cls[c];
        if (!s->pages)
            continue;
        active++;
        const char *f = "%d:%s";
        stat_cls(o, f, c, "chunk_size", s->size);
        stat_cls(o, f, c, "chunks_per_page", s->perslab);
        stat_cls(o, f, c, "total_pages", s->pages);
        stat_cls(o, f, c, "total_chunks", s->pages * s->perslab);
        stat_cls(o, f, c, "used_chunks", s->used);
        stat_cls(o, f, c, "free_chunks", free_chunks(s));
        stat_cls(o, f, c, "free_chunks_end", 0);
        stat_cls(o, f, c, "get_hits", s->hits.get_hits);
        stat_cls(o, f, c, "cmd_set", s->hits.cmd_set);
        stat_cls(o, f, c, "delete_hits", s->hits.delete_hits);
        stat_cls(o, f, c, "incr_hits", s->hits.incr_hits);
        stat_cls(o, f, c, "decr_hits", s->hits.decr_hits);
        stat_cls(o, f, c, "cas_hits", s->hits.cas_hits);
        stat_cls(o, f, c, "cas_badval", s->hits.cas_badval);
        stat_cls(o, f, c, "touch_hits", s->hits.touch_hits);
    }
    mc_stat_u(o, "active_slabs", (uint64_t)active);
    mc_stat_u(o, "total_malloced", e->malloced);
}

void mc_slabs_item_stats(mc_engine *e, mc_out *o)
{
    for (int c = 0; c < MC_SLAB_MAX; c++) {
        const mc_slabclass *s = &e->cls[c];
        if (!s->nitems)
            continue;
        const char *f = "items:%d:%s";
        const mc_lru *l = s->seg;
        stat_cls(o, f, c, "number", s->nitems);
        if (e->host.lru_maintainer) {
            stat_cls(o, f, c, "number_hot", l[MC_HOT].n);
            stat_cls(o, f, c, "number_warm", l[MC_WARM].n);
            stat_cls(o, f, c, "number_cold", l[MC_COLD].n);
            if (e->host.temp_lru)
                stat_cls(o, f, c, "number_temp", l[MC_TEMP].n);
            stat_cls(o, f, c, "age_hot", l[MC_HOT].tail ? (uint64_t)(e->now - l[MC_HOT].tail->time) : 0);
            stat_cls(o, f, c, "age_warm", l[MC_WARM].tail ? (uint64_t)(e->now - l[MC_WARM].tail->time) : 0);
        }
        stat_cls(o, f, c, "age", l[MC_COLD].tail ? (uint64_t)(e->now - l[MC_COLD].tail->time) : 0);
        stat_cls(o, f, c, "mem_requested", s->requested);
        stat_cls(o, f, c, "evicted", s->ist.evicted);
        stat_cls(o, f, c, "evicted_nonzero", s->ist.evicted_nonzero);
        stat_cls(o, f, c, "evicted_time", s->ist.evicted_time);
        stat_cls(o, f, c, "outofmemory", s->ist.outofmemory);
        stat_cls(o, f, c, "tailrepairs", 0);
        stat_cls(o, f, c, "reclaimed", s->ist.reclaimed);
        stat_cls(o, f, c, "expired_unfetched", s->ist.expired_unfetched);
        stat_cls(o, f, c, "evicted_unfetched", s->ist.evicted_unfetched);
        if (e->host.lru_maintainer)
            stat_cls(o, f, c, "evicted_active", s->ist.evicted_active);
        stat_cls(o, f, c, "crawler_reclaimed", s->ist.crawler_reclaimed);
        stat_cls(o, f, c, "crawler_items_checked", s->ist.crawler_items_checked);
        stat_cls(o, f, c, "lrutail_reflocked", 0);
        if (!e->host.lru_maintainer)
            continue;
        stat_cls(o, f, c, "moves_to_cold", s->ist.moves_to_cold);
        stat_cls(o, f, c, "moves_to_warm", s->ist.moves_to_warm);
        stat_cls(o, f, c, "moves_within_lru", s->ist.moves_within_lru);
        static const char *const zero[] = {"direct_reclaims", "hits_to_hot", "hits_to_warm", "hits_to_cold",
                                           "hits_to_temp"};
        for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
            stat_cls(o, f, c, zero[i], 0);
    }
}

void mc_slabs_stats_reset(mc_engine *e)
{
    for (int c = 0; c < MC_SLAB_MAX; c++) {
        memset(&e->cls[c].ist, 0, sizeof(e->cls[c].ist));
        memset(&e->cls[c].hits, 0, sizeof(e->cls[c].hits));
    }
    e->slabs_moved = e->reassign_rescues = e->reassign_chunk_rescues = e->reassign_evictions_nomem = 0;
}

int mc_item_class(const mc_engine *e, const mc_item *it)
{
    if (e->cfg.slab_allocator)
        return it->cls;
    return mc_slabs_clsid(e, mc_item_total(it->nkey, it->flags, it->nbytes));
}
