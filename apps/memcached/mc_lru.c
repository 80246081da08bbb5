/*
 * mc_lru.c - the LRU lists (one per slab class, cls[it->cls]) and, without
 * the slab allocator, the memory limit in bytes over the one list cls[0].
 *
 * Invariant (slab allocator off): mem_used is the sum of mc_item_total() of
 * allocated items and never exceeds cfg.mem_limit after mc_lru_reserve()
 * succeeded. Eviction takes the oldest item (tail); an item already expired
 * counts as "reclaimed", otherwise as an eviction.
 */
#include "mc_internal.h"

void mc_lru_link(mc_engine *e, mc_item *it)
{
    mc_slabclass *s = &e->cls[it->cls];
    it->prev = NULL;
    it->next = s->lru_head;
    if (s->lru_head)
        s->lru_head->prev = it;
    s->lru_head = it;
    if (!s->lru_tail)
        s->lru_tail = it;
    s->nitems++;
}

void mc_lru_unlink(mc_engine *e, mc_item *it)
{
    mc_slabclass *s = &e->cls[it->cls];
    if (it->prev)
        it->prev->next = it->next;
    else
        s->lru_head = it->next;
    if (it->next)
        it->next->prev = it->prev;
    else
        s->lru_tail = it->prev;
    it->prev = it->next = NULL;
    s->nitems--;
}

void mc_lru_bump(mc_engine *e, mc_item *it)
{
    if (e->cls[it->cls].lru_head == it)
        return;
    mc_lru_unlink(e, it);
    mc_lru_link(e, it);
}

bool mc_lru_reserve(mc_engine *e, uint64_t need, const mc_item *keep)
{
    if (need > e->cfg.mem_limit)
        return false;
    mc_item *victim = e->cls[0].lru_tail;
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
        if (expired) {
            e->st.reclaimed++;
            if (!(victim->iflags & MC_IT_FETCHED))
                e->st.expired_unfetched++;
        } else {
            e->st.evictions++;
            if (!(victim->iflags & MC_IT_FETCHED))
                e->st.evicted_unfetched++;
        }
        mc_item_unlink(e, victim);
        victim = prev;
    }
    return true;
}
