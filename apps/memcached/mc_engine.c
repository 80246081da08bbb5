/*
 * mc_engine.c - engine life cycle and configuration.
 */
#include "mc_internal.h"

#include <stdlib.h>
#include <string.h>

void mc_config_default(mc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->mem_limit = 64ull * 1024 * 1024;
    cfg->item_size_max = 1024 * 1024;
    cfg->slab_automove = 1;             /* memcached's default */
    cfg->version = "1.6.18-edgeos";
}

mc_engine *mc_engine_create(const mc_config *cfg)
{
    if (!cfg || cfg->item_size_max < 1024 || cfg->mem_limit == 0)
        return NULL;
    mc_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->cfg = *cfg;
    const char *v = cfg->version ? cfg->version : "1.6.18-edgeos";
    size_t n = strlen(v);
    if (n >= sizeof(e->version))
        n = sizeof(e->version) - 1;
    memcpy(e->version, v, n);
    e->version[n] = '\0';
    e->cfg.version = e->version;
    mc_slabs_init(e);
    if (!mc_hash_init(e, cfg->hash_power ? cfg->hash_power : 12)) {
        free(e);
        return NULL;
    }
    e->host.threads = 1;
    e->slab_automove = cfg->slab_automove;
    e->detail_on = cfg->detail_enabled;
    e->cur_cfd = -1;
    /* connection buffers: whole 16 KiB buffers, at least one */
    if (cfg->conn_buf_limit)
        e->bufs_limit = cfg->conn_buf_limit < MC_CONN_BUF_SIZE ? 1
                      : (uint32_t)(cfg->conn_buf_limit / MC_CONN_BUF_SIZE);
    /* The UDP parser and reply buffer, made now: an FWP's template then
     * holds them, and its forks allocate nothing per datagram. */
    e->udp_conn = mc_conn_create(e);
    mc_out_init(&e->udp_out);
    e->udp_out.buf = malloc(4096);
    e->udp_out.cap = e->udp_out.buf ? 4096 : 0;
    e->udp_out.marks = malloc(16 * sizeof(*e->udp_out.marks));
    e->udp_out.capmarks = e->udp_out.marks ? 16 : 0;
    return e;
}

void mc_engine_destroy(mc_engine *e)
{
    if (!e)
        return;
    for (int c = 0; c < MC_SLAB_MAX * MC_NSEG; c++) {
        mc_item *it = e->cls[c / MC_NSEG].seg[c % MC_NSEG].head;
        while (it) {
            mc_item *next = it->next;
            free(it);
            it = next;
        }
    }
    mc_hash_free(e);
    mc_detail_clear(e);
    mc_watch_free_all(e);
    mc_auth_free(e);
    mc_conn_destroy(e, e->udp_conn);
    mc_out_free(&e->udp_out);
    free(e);
}

void mc_engine_set_clock_us(mc_engine *e, int64_t now_unix_us)
{
    mc_engine_set_clock(e, now_unix_us / 1000000);
    e->now_us = now_unix_us;
}

void mc_engine_set_clock(mc_engine *e, int64_t now_unix)
{
    e->now_us = now_unix * 1000000;
    if (e->started == 0)
        e->started = now_unix;
    if (e->clock_paused)
        return;                         /* "debugtime p": time stands still */
    int64_t before = e->now;
    e->now = now_unix + e->clock_delta;
    if (e->now != before)
        mc_slabs_tick(e);
}

int mc_engine_shutdown_requested(const mc_engine *e)
{
    return e->shutdown;
}

mc_host_info *mc_engine_host(mc_engine *e)
{
    return &e->host;
}

void mc_engine_each_item(mc_engine *e, mc_item_fn fn, void *ctx)
{
    for (int c = 0; c < MC_SLAB_MAX * MC_NSEG; c++) {
        for (mc_item *it = e->cls[c / MC_NSEG].seg[c % MC_NSEG].tail; it; it = it->prev) {
            if (mc_item_gone(e, it))
                continue;
            fn(ctx, it->data, it->nkey, it->flags, it->exptime, it->cas, mc_item_value(it), it->nbytes - 2);
        }
    }
}

bool mc_engine_restore_item(mc_engine *e, const char *key, size_t nkey, uint32_t flags, int64_t exptime,
                            uint64_t cas, const char *value, size_t nvalue)
{
    enum mc_alloc_res why;
    if (nkey == 0 || nkey > MC_KEY_MAX || nvalue > UINT32_MAX - 2)
        return false;
    mc_item *it = mc_item_alloc(e, key, nkey, flags, exptime, (uint32_t)nvalue + 2, NULL, &why);
    if (!it)
        return false;
    memcpy(mc_item_value(it), value, nvalue);
    memcpy(mc_item_value(it) + nvalue, "\r\n", 2);
    mc_item *old = mc_hash_find(e, key, nkey, it->hv);
    if (old)
        mc_item_unlink(e, old);
    mc_item_link(e, it);
    it->cas = cas;
    if (cas > e->cas_last)
        e->cas_last = cas;
    return true;
}

uint64_t mc_engine_cas_counter(const mc_engine *e)
{
    return e->cas_last;
}

void mc_engine_set_cas_counter(mc_engine *e, uint64_t cas)
{
    if (cas > e->cas_last)
        e->cas_last = cas;
}

uint32_t mc_engine_hash_power(const mc_engine *e)
{
    return e->hpower;
}

void mc_engine_grow_hash(mc_engine *e, uint32_t power)
{
    while (e->hpower < power && e->hpower < 30) {
        uint32_t before = e->hpower;
        mc_hash_grow(e);
        if (e->hpower == before)
            break;                      /* out of memory: keep the smaller index */
    }
}
