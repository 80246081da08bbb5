/*
 * mc_lru.c - one LRU list over all items and the memory limit.
 *
 * Invariant: mem_used is the sum of mc_item_total() of linked items and
 * never exceeds cfg.mem_limit after mc_lru_reserve() succeeded and the item
 * was linked. Eviction takes the oldest item (tail); an item already
 * expired counts as "reclaimed", otherwise as an eviction.
 */
#include "mc_internal.h"

void mc_lru_link(mc_engine *e, mc_item *it)
{
    it->prev = NULL;
    it->next = e->lru_head;
    if (e->lru_head)
        e->lru_head->prev = it;
    e->lru_head = it;
    if (!e->lru_tail)
        e->lru_tail = it;
}

void mc_lru_unlink(mc_engine *e, mc_item *it)
{
    if (it->prev)
        it->prev->next = it->next;
    else
        e->lru_head = it->next;
    if (it->next)
        it->next->prev = it->prev;
    else
        e->lru_tail = it->prev;
    it->prev = it->next = NULL;
}

void mc_lru_bump(mc_engine *e, mc_item *it)
{
    if (e->lru_head == it)
        return;
    mc_lru_unlink(e, it);
    mc_lru_link(e, it);
}

bool mc_lru_reserve(mc_engine *e, uint64_t need, const mc_item *keep)
{
    if (need > e->cfg.mem_limit)
        return false;
    mc_item *victim = e->lru_tail;
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
            mc_log_eviction(e, victim);
        }
        mc_item_unlink(e, victim);
        victim = prev;
    }
    return true;
}
