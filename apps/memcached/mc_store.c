/*
 * mc_store.c - item lifetime and the storage semantics shared by the classic
 * and meta commands: lookup with lazy expiry/flush, set/add/replace/append/
 * prepend/cas, incr/decr, flush_all.
 *
 * Memory: an item's accounted size (mc_item_total) is added to mem_used when
 * it is allocated and removed when it is freed, so items being filled by a
 * connection count too. CAS values come from one 64-bit counter, taken when
 * an item is linked, changed in place (incr/decr, md I) or by flush_all,
 * exactly where memcached takes them, so CAS values match its own.
 */
#include "mc_internal.h"

#include <stdlib.h>
#include <string.h>

#define REALTIME_MAXDELTA (60 * 60 * 24 * 30)

int64_t mc_exptime(const mc_engine *e, int32_t t)
{
    if (t < 0)
        return 1;                       /* long ago: expired at once */
    if (t == 0)
        return 0;
    if (t > REALTIME_MAXDELTA)
        return t <= e->started ? 1 : (int64_t)t;
    return e->now + t;
}

uint64_t mc_next_cas(mc_engine *e)
{
    return e->cfg.cas_disabled ? 0 : ++e->cas_last;     /* -C: no CAS values */
}

mc_item *mc_item_alloc(mc_engine *e, const char *key, size_t nkey, uint32_t flags,
                       int64_t exptime, uint32_t nbytes, const mc_item *keep,
                       enum mc_alloc_res *why)
{
    uint64_t total = mc_item_total(nkey, flags, nbytes);
    if (total > e->cfg.item_size_max) {
        *why = MC_ALLOC_TOO_LARGE;
        return NULL;
    }
    uint8_t cls = 0;
    if (e->cfg.slab_allocator ? !mc_slabs_alloc(e, total, nbytes, keep, &cls)
                              : !mc_lru_reserve(e, total, keep)) {
        *why = MC_ALLOC_NO_MEMORY;
        return NULL;
    }
    mc_item *it = malloc(sizeof(mc_item) + nkey + nbytes);
    /* The process is out of memory before -m (an FWP's quota, a host's
     * limit): memory comes back from the oldest items, as an eviction. */
    for (int tries = 0; !it && tries < 64; tries++) {
        e->st.malloc_fails++;
        if (!mc_lru_evict_oldest(e, keep))
            break;
        it = malloc(sizeof(mc_item) + nkey + nbytes);
    }
    if (!it) {
        if (e->cfg.slab_allocator) {
            mc_item probe = {.nkey = (uint16_t)nkey, .flags = flags, .nbytes = nbytes, .cls = cls};
            mc_slabs_free(e, &probe);
        }
        *why = MC_ALLOC_NO_MEMORY;
        return NULL;
    }
    memset(it, 0, sizeof(*it));
    it->cls = cls;
    memcpy(it->data, key, nkey);
    it->nkey = (uint16_t)nkey;
    it->nbytes = nbytes;
    it->flags = flags;
    it->exptime = exptime;
    it->hv = mc_hash(key, nkey);
    e->mem_used += total;
    *why = MC_ALLOC_OK;
    return it;
}

void mc_item_free(mc_engine *e, mc_item *it)
{
    if (!it)
        return;
    e->mem_used -= mc_item_total(it->nkey, it->flags, it->nbytes);
    if (e->cfg.slab_allocator)
        mc_slabs_free(e, it);
    free(it);
}

void mc_item_link(mc_engine *e, mc_item *it)
{
    it->cas = mc_next_cas(e);
    it->time = e->now;
    it->linked = 1;
    mc_hash_insert(e, it);
    mc_lru_link(e, it);
    e->st.total_items++;
}

void mc_item_unlink(mc_engine *e, mc_item *it)
{
    if (it->linked) {
        mc_hash_remove(e, it);
        mc_lru_unlink(e, it);
        it->linked = 0;
    }
    mc_item_free(e, it);
}

void mc_item_replace(mc_engine *e, mc_item *old, mc_item *it)
{
    mc_item_unlink(e, old);
    mc_item_link(e, it);
}

bool mc_item_flushed(const mc_engine *e, const mc_item *it)
{
    if (e->oldest_live == 0 || e->oldest_live > e->now)
        return false;
    return it->time <= e->oldest_live ||
           (e->oldest_cas != 0 && it->cas != 0 && it->cas < e->oldest_cas);
}

bool mc_item_gone(const mc_engine *e, const mc_item *it)
{
    return (it->exptime != 0 && it->exptime <= e->now) || mc_item_flushed(e, it);
}

mc_item *mc_item_get(mc_engine *e, const char *key, size_t nkey)
{
    mc_item *it = mc_hash_find(e, key, nkey, mc_hash(key, nkey));
    if (!it) {
        mc_log_get(e, key, nkey, MC_LOG_GET_NOT_FOUND, NULL);
        return NULL;
    }
    if (mc_item_flushed(e, it)) {
        e->st.get_flushed++;
        mc_item_unlink(e, it);
        mc_log_get(e, key, nkey, MC_LOG_GET_FLUSHED, NULL);
        return NULL;
    }
    if (it->exptime != 0 && it->exptime <= e->now) {
        e->st.get_expired++;
        if (!(it->iflags & MC_IT_FETCHED))
            e->st.expired_unfetched++;
        mc_item_unlink(e, it);
        mc_log_get(e, key, nkey, MC_LOG_GET_EXPIRED, NULL);
        return NULL;
    }
    mc_log_get(e, key, nkey, MC_LOG_GET_FOUND, it);
    return it;
}

enum mc_store_res mc_store(mc_engine *e, mc_item *it, enum mc_store_op op,
                           uint64_t cas_in, bool stale, uint64_t *cas_out)
{
    mc_item *old = mc_item_get(e, mc_item_key(it), it->nkey);
    enum mc_store_res res = MC_NOT_STORED;
    bool do_store = false;

    if (old) {
        enum { C_NONE, C_MATCH, C_BADVAL, C_STALE } cr;
        if (cas_in == 0)
            cr = C_NONE;
        else if (cas_in == old->cas)
            cr = C_MATCH;
        else if (stale && cas_in < old->cas)
            cr = C_STALE;
        else
            cr = C_BADVAL;

        switch (op) {
        case MC_ADD:
            break;      /* exists: not stored */
        case MC_CAS:
            if (cr == C_MATCH) {
                MC_HIT(e, old, cas_hits);
                do_store = true;
            } else if (cr == C_STALE) {
                it->exptime = old->exptime;
                it->iflags |= MC_IT_STALE;
                if (old->iflags & MC_IT_TOKEN_SENT)
                    it->iflags |= MC_IT_TOKEN_SENT;
                MC_HIT(e, old, cas_hits);
                do_store = true;
            } else {
                MC_HIT(e, old, cas_badval);
                res = MC_EXISTS;
            }
            break;
        case MC_APPEND:
        case MC_PREPEND: {
            if (cr != C_NONE && cr != C_MATCH) {
                res = MC_EXISTS;
                break;
            }
            enum mc_alloc_res why;
            uint32_t nb = it->nbytes + old->nbytes - 2;
            mc_item *n = mc_item_alloc(e, mc_item_key(it), it->nkey, old->flags,
                                       old->exptime, nb, old, &why);
            if (!n)
                break;  /* not stored */
            if (op == MC_APPEND) {
                memcpy(mc_item_value(n), mc_item_value(old), old->nbytes - 2);
                memcpy(mc_item_value(n) + old->nbytes - 2, mc_item_value(it), it->nbytes);
            } else {
                memcpy(mc_item_value(n), mc_item_value(it), it->nbytes - 2);
                memcpy(mc_item_value(n) + it->nbytes - 2, mc_item_value(old), old->nbytes);
            }
            n->iflags = it->iflags & MC_IT_KEY_BINARY;
            mc_item_free(e, it);
            it = n;
            do_store = true;
            break;
        }
        case MC_SET:
        case MC_REPLACE:
            do_store = true;
            break;
        }
        if (do_store) {
            mc_item_replace(e, old, it);
            res = MC_STORED;
        }
    } else {
        switch (op) {
        case MC_ADD:
        case MC_SET:
            do_store = true;
            break;
        case MC_CAS:
            res = MC_NOT_FOUND;
            e->st.cas_misses++;
            break;
        default:
            break;
        }
        if (do_store) {
            mc_item_link(e, it);
            res = MC_STORED;
        }
    }
    /* memcached's store results map one to one onto its log's statuses */
    mc_log_store(e, mc_item_key(it), it->nkey,
                 res == MC_STORED ? MC_LOG_STORED : res == MC_EXISTS ? MC_LOG_EXISTS
                 : res == MC_NOT_FOUND ? MC_LOG_NOT_FOUND : MC_LOG_NOT_STORED, op, it);
    if (res == MC_STORED) {
        if (cas_out)
            *cas_out = it->cas;
    } else {
        mc_item_free(e, it);
    }
    return res;
}

enum mc_delta_res mc_delta(mc_engine *e, const char *key, size_t nkey, bool incr,
                           uint64_t delta, uint64_t cas_in, char *buf, mc_item **itp,
                           bool *replaced)
{
    if (replaced)
        *replaced = false;
    mc_item *it = mc_item_get(e, key, nkey);
    if (!it)
        return MC_DELTA_NOT_FOUND;
    if (it->nbytes <= 2)
        return MC_DELTA_NON_NUMERIC;
    if (cas_in != 0 && it->cas != cas_in)
        return MC_DELTA_CAS_MISMATCH;
    uint64_t value;
    if (!mc_parse_u64_value(mc_item_value(it), it->nbytes, &value))
        return MC_DELTA_NON_NUMERIC;
    if (incr) {
        value += delta;
        MC_HIT(e, it, incr_hits);
    } else {
        value = delta > value ? 0 : value - delta;
        MC_HIT(e, it, decr_hits);
    }
    size_t res = (size_t)(mc_u64toa(value, buf) - buf);
    if (res + 2 <= it->nbytes) {
        /* fits: rewrite in place, padding with spaces, new CAS */
        it->cas = mc_next_cas(e);
        memcpy(mc_item_value(it), buf, res);
        memset(mc_item_value(it) + res, ' ', it->nbytes - res - 2);
    } else {
        enum mc_alloc_res why;
        mc_item *n = mc_item_alloc(e, key, nkey, it->flags, it->exptime,
                                   (uint32_t)res + 2, it, &why);
        if (!n)
            return MC_DELTA_EOM;
        memcpy(mc_item_value(n), buf, res);
        memcpy(mc_item_value(n) + res, "\r\n", 2);
        n->iflags = it->iflags & MC_IT_KEY_BINARY;
        mc_item_replace(e, it, n);
        it = n;
        if (replaced)
            *replaced = true;
    }
    if (itp)
        *itp = it;
    return MC_DELTA_OK;
}

void mc_flush_all(mc_engine *e, int32_t delay)
{
    int64_t new_oldest = delay > 0 ? mc_exptime(e, delay) : e->now;
    if (e->cfg.cas_disabled) {
        /* Without CAS values there is no exact cliff: as memcached, every
         * item of the flush's second is flushed too. */
        e->oldest_live = new_oldest;
    } else {
        e->oldest_live = new_oldest - 1;
        if (e->oldest_live <= e->now)
            e->oldest_cas = mc_next_cas(e);
    }
    e->st.cmd_flush++;
}

void mc_item_hit(mc_engine *e, mc_item *it)
{
    mc_lru_hit(e, it);
}

void mc_store_drop_on_fail(mc_engine *e, enum mc_store_op op, const char *key, size_t nkey)
{
    if (op != MC_SET)
        return;
    mc_item *old = mc_item_get(e, key, nkey);
    if (old)
        mc_item_unlink(e, old);
}
