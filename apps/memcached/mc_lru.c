/*
 * mc_lru.c - the LRU lists of each slab class (cls[it->cls].seg[it->lru]),
 * memcached's segmented LRU (HOT, WARM, COLD, TEMP) and, without the slab
 * allocator, the memory limit in bytes over the one list cls[0] COLD.
 *
 * Invariant (slab allocator off): mem_used is the sum of mc_item_total() of
 * allocated items and never exceeds cfg.mem_limit after mc_lru_reserve()
 * succeeded. Eviction takes the oldest item (tail); an item already expired
 * counts as "reclaimed", otherwise as an eviction.
 */
#include "mc_internal.h"

bool mc_lru_segmented(const mc_engine *e)
{
    return e->cfg.slab_allocator && e->host.lru_maintainer;
}

static void link_to(mc_engine *e, mc_item *it, int seg)
{
    mc_lru *l = &e->cls[it->cls].seg[seg];
    it->lru = (uint8_t)seg;
    it->prev = NULL;
    it->next = l->head;
    if (l->head)
        l->head->prev = it;
    l->head = it;
    if (!l->tail)
        l->tail = it;
    l->n++;
    l->bytes += mc_item_total(it->nkey, it->flags, it->nbytes);
}

static void unlink_from(mc_engine *e, mc_item *it)
{
    mc_lru *l = &e->cls[it->cls].seg[it->lru];
    if (it->prev)
        it->prev->next = it->next;
    else
        l->head = it->next;
    if (it->next)
        it->next->prev = it->prev;
    else
        l->tail = it->prev;
    it->prev = it->next = NULL;
    l->n--;
    l->bytes -= mc_item_total(it->nkey, it->flags, it->nbytes);
}

void mc_lru_link(mc_engine *e, mc_item *it)
{
    int seg = MC_COLD;
    if (mc_lru_segmented(e)) {
        uint32_t ttl = e->host.temporary_ttl ? e->host.temporary_ttl : 61;
        bool temp = e->host.temp_lru && it->exptime != 0 && it->exptime - e->now <= (int64_t)ttl;
        seg = temp ? MC_TEMP : MC_HOT;
    }
    link_to(e, it, seg);
    e->cls[it->cls].nitems++;
}

void mc_lru_unlink(mc_engine *e, mc_item *it)
{
    unlink_from(e, it);
    e->cls[it->cls].nitems--;
}

static void move_to(mc_engine *e, mc_item *it, int seg)
{
    unlink_from(e, it);
    link_to(e, it, seg);
}

void mc_lru_hit(mc_engine *e, mc_item *it)
{
    if (!mc_lru_segmented(e)) {
        it->iflags |= MC_IT_FETCHED;
        it->time = e->now;
        if (e->cls[it->cls].seg[it->lru].head != it)
            move_to(e, it, it->lru);
        return;
    }
    /* first read: fetched; second: active. An active item in HOT or WARM
     * is rescued when it reaches the tail; one in COLD goes to WARM now */
    if (it->iflags & MC_IT_ACTIVE)
        return;
    if (!(it->iflags & MC_IT_FETCHED)) {
        it->iflags |= MC_IT_FETCHED;
        return;
    }
    it->time = e->now;
    if (it->lru != MC_COLD) {
        it->iflags |= MC_IT_ACTIVE;
        return;
    }
    e->cls[it->cls].ist.moves_to_warm++;
    move_to(e, it, MC_WARM);
}

void mc_lru_drop(mc_engine *e, mc_item *v, bool expired)
{
    mc_slabclass *s = &e->cls[v->cls];
    bool fetched = v->iflags & MC_IT_FETCHED;
    if (expired) {
        e->st.reclaimed++;
        s->ist.reclaimed++;
        if (!fetched) {
            e->st.expired_unfetched++;
            s->ist.expired_unfetched++;
        }
    } else {
        e->st.evictions++;
        s->ist.evicted++;
        s->ist.evicted_time = (uint64_t)(e->now - v->time);
        if (v->exptime != 0)
            s->ist.evicted_nonzero++;
        if (v->iflags & MC_IT_ACTIVE)
            s->ist.evicted_active++;
        mc_log_eviction(e, v);
        if (!fetched) {
            e->st.evicted_unfetched++;
            s->ist.evicted_unfetched++;
        }
    }
    mc_item_unlink(e, v);
}

/* One step at the tail of HOT or WARM; true if something moved. */
static bool pull(mc_engine *e, int c, int seg, uint64_t limit, int64_t max_age, const mc_item *keep)
{
    mc_slabclass *s = &e->cls[c];
    mc_item *it = s->seg[seg].tail;
    if (!it || it == keep)
        return false;
    if (mc_item_gone(e, it)) {
        mc_lru_drop(e, it, true);
        return true;
    }
    if (it->iflags & MC_IT_ACTIVE) {
        it->iflags &= (uint8_t)~MC_IT_ACTIVE;
        if (seg == MC_WARM)
            s->ist.moves_within_lru++;
        else
            s->ist.moves_to_warm++;
        move_to(e, it, MC_WARM);
        return true;
    }
    if (s->seg[seg].bytes > limit || e->now - it->time > max_age) {
        s->ist.moves_to_cold++;
        move_to(e, it, MC_COLD);
        return true;
    }
    return false;
}

void mc_lru_juggle(mc_engine *e, int c, const mc_item *keep)
{
    mc_slabclass *s = &e->cls[c];
    uint64_t total = s->seg[MC_HOT].bytes + s->seg[MC_WARM].bytes + s->seg[MC_COLD].bytes;
    int64_t cold_age = s->seg[MC_COLD].tail ? e->now - s->seg[MC_COLD].tail->time : 0;
    int64_t hot_age = cold_age / 5, warm_age = cold_age * 2;   /* hot/warm_max_factor 0.2, 2.0 */
    e->juggles++;
    for (int i = 0; i < 500; i++) {
        mc_item *t = s->seg[MC_TEMP].tail;
        if (!t || t == keep || !mc_item_gone(e, t))
            break;
        mc_lru_drop(e, t, true);
    }
    for (int i = 0; i < 500; i++) {
        bool moved = pull(e, c, MC_HOT, total * 20 / 100, hot_age, keep);
        moved = pull(e, c, MC_WARM, total * 40 / 100, warm_age, keep) || moved;
        mc_item *t = s->seg[MC_COLD].tail;
        if (t && t != keep && mc_item_gone(e, t)) {
            mc_lru_drop(e, t, true);
            moved = true;
        }
        if (!moved)
            break;
    }
}

bool mc_lru_reserve(mc_engine *e, uint64_t need, const mc_item *keep)
{
    if (need > e->cfg.mem_limit)
        return false;
    mc_item *victim = e->cls[0].seg[MC_COLD].tail;
    while (e->mem_used + need > e->cfg.mem_limit) {
        while (victim && victim == keep)
            victim = victim->prev;
        if (!victim)
            return false;
        mc_item *prev = victim->prev;
        bool expired = victim->exptime != 0 && victim->exptime <= e->now;
        if (!expired && e->cfg.evictions_disabled) {
            victim = prev;              /* -M: only expired items make room */
            continue;
        }
        mc_lru_drop(e, victim, expired);
        victim = prev;
    }
    return true;
}

bool mc_lru_evict_oldest(mc_engine *e, const mc_item *keep)
{
    mc_item *victim = NULL;
    static const int order[] = {MC_COLD, MC_HOT, MC_WARM};
    for (int c = 0; c < MC_SLAB_MAX; c++) {
        for (int k = 0; k < 3; k++) {
            mc_item *t = e->cls[c].seg[order[k]].tail;
            if (t == keep && t)
                t = t->prev;
            if (t && (!victim || t->time < victim->time))
                victim = t;
            if (t)
                break;                  /* COLD before HOT before WARM */
        }
    }
    if (!victim)
        return false;
    bool expired = mc_item_gone(e, victim);
    if (!expired && e->cfg.evictions_disabled)
        return false;                   /* -M: out of memory is an error */
    mc_lru_drop(e, victim, expired);
    return true;
}
