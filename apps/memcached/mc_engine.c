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
    if (!mc_hash_init(e, 12)) {
        free(e);
        return NULL;
    }
    e->host.threads = 1;
    e->slab_automove = 1;               /* memcached's default */
    e->detail_on = cfg->detail_enabled;
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
    mc_item *it = e->lru_head;
    while (it) {
        mc_item *next = it->next;
        free(it);
        it = next;
    }
    mc_hash_free(e);
    mc_detail_clear(e);
    mc_auth_free(e);
    mc_conn_destroy(e, e->udp_conn);
    mc_out_free(&e->udp_out);
    free(e);
}

void mc_engine_set_clock(mc_engine *e, int64_t now_unix)
{
    if (e->started == 0)
        e->started = now_unix;
    if (e->clock_paused)
        return;                         /* "debugtime p": time stands still */
    e->now = now_unix + e->clock_delta;
}

int mc_engine_shutdown_requested(const mc_engine *e)
{
    return e->shutdown;
}

mc_host_info *mc_engine_host(mc_engine *e)
{
    return &e->host;
}
