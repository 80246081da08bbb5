/*
 * mc_stats.c - the "stats" command family.
 *
 * "stats" lists the same names, in the same order, as memcached 1.6.18, so
 * tools that parse it keep working; counters that have no meaning here
 * (threads, libevent, slab mover, extstore...) read 0 or a fixed value.
 * "stats settings", "stats items", "stats slabs" and "stats sizes" answer a
 * subset of memcached's lines; unknown subcommands answer ERROR.
 */
#include "mc_internal.h"

#include <stdio.h>
#include <string.h>

void mc_stat_u(mc_out *o, const char *name, uint64_t v)
{
    char buf[128];
    int n = snprintf(buf, sizeof(buf), "STAT %s %llu\r\n", name, (unsigned long long)v);
    mc_out_add(o, buf, (size_t)n);
}

static void stat_s(mc_out *o, const char *name, const char *v)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "STAT %s %s\r\n", name, v);
    mc_out_add(o, buf, (size_t)n);
}

static void stats_general(mc_ctx *x)
{
    mc_engine *e = x->e;
    mc_out *o = x->o;
    const mc_stats *s = &e->st;
    const mc_host_info *h = &e->host;
    char buf[64];
    mc_stat_u(o, "pid", (uint64_t)h->pid);
    mc_stat_u(o, "uptime", (uint64_t)(e->now - e->started));
    mc_stat_u(o, "time", (uint64_t)e->now);
    stat_s(o, "version", e->version);
    stat_s(o, "libevent", "none");
    mc_stat_u(o, "pointer_size", 8 * sizeof(void *));
    snprintf(buf, sizeof(buf), "%.6f", h->rusage_user);
    stat_s(o, "rusage_user", buf);
    snprintf(buf, sizeof(buf), "%.6f", h->rusage_system);
    stat_s(o, "rusage_system", buf);
    mc_stat_u(o, "max_connections", h->max_connections);
    mc_stat_u(o, "curr_connections", h->curr_connections);
    mc_stat_u(o, "total_connections", h->total_connections);
    if (h->maxconns_fast)
        mc_stat_u(o, "rejected_connections", h->rejected_connections);
    mc_stat_u(o, "connection_structures", h->curr_connections);
    mc_stat_u(o, "response_obj_oom", s->response_obj_oom);
    static const char *const zeros1[] = {
        "response_obj_count", "response_obj_bytes", "read_buf_count", "read_buf_bytes", "read_buf_bytes_free",
    };
    for (size_t i = 0; i < sizeof(zeros1) / sizeof(zeros1[0]); i++)
        mc_stat_u(o, zeros1[i], 0);
    mc_stat_u(o, "read_buf_oom", s->read_buf_oom);
    mc_stat_u(o, "reserved_fds", 0);
    mc_stat_u(o, "cmd_get", s->cmd_get);
    mc_stat_u(o, "cmd_set", s->cmd_set);
    mc_stat_u(o, "cmd_flush", s->cmd_flush);
    mc_stat_u(o, "cmd_touch", s->cmd_touch);
    mc_stat_u(o, "cmd_meta", s->cmd_meta);
    mc_stat_u(o, "get_hits", s->get_hits);
    mc_stat_u(o, "get_misses", s->get_misses);
    mc_stat_u(o, "get_expired", s->get_expired);
    mc_stat_u(o, "get_flushed", s->get_flushed);
    mc_stat_u(o, "delete_misses", s->delete_misses);
    mc_stat_u(o, "delete_hits", s->delete_hits);
    mc_stat_u(o, "incr_misses", s->incr_misses);
    mc_stat_u(o, "incr_hits", s->incr_hits);
    mc_stat_u(o, "decr_misses", s->decr_misses);
    mc_stat_u(o, "decr_hits", s->decr_hits);
    mc_stat_u(o, "cas_misses", s->cas_misses);
    mc_stat_u(o, "cas_hits", s->cas_hits);
    mc_stat_u(o, "cas_badval", s->cas_badval);
    mc_stat_u(o, "touch_hits", s->touch_hits);
    mc_stat_u(o, "touch_misses", s->touch_misses);
    mc_stat_u(o, "store_too_large", s->store_too_large);
    mc_stat_u(o, "store_no_memory", s->store_no_memory);
    mc_stat_u(o, "auth_cmds", s->auth_cmds);
    mc_stat_u(o, "auth_errors", s->auth_errors);
    if (h->idle_timeout)                /* as memcached: only with -o idle_timeout */
        mc_stat_u(o, "idle_kicks", h->idle_kicks);
    mc_stat_u(o, "bytes_read", h->bytes_read);
    mc_stat_u(o, "bytes_written", h->bytes_written);
    mc_stat_u(o, "limit_maxbytes", e->cfg.mem_limit);
    mc_stat_u(o, "accepting_conns", 1);
    mc_stat_u(o, "listen_disabled_num", 0);
    mc_stat_u(o, "time_in_listen_disabled_us", 0);
    mc_stat_u(o, "threads", h->threads ? h->threads : 1);
    mc_stat_u(o, "conn_yields", h->conn_yields);
    mc_stat_u(o, "hash_power_level", e->hpower);
    mc_stat_u(o, "hash_bytes", ((uint64_t)1 << e->hpower) * sizeof(void *));
    mc_stat_u(o, "hash_is_expanding", 0);
    if (!e->cfg.slab_reassign_disabled) {   /* as memcached: groups of the features on */
        mc_stat_u(o, "slab_reassign_rescues", e->reassign_rescues);
        mc_stat_u(o, "slab_reassign_chunk_rescues", e->reassign_chunk_rescues);
        mc_stat_u(o, "slab_reassign_evictions_nomem", e->reassign_evictions_nomem);
        mc_stat_u(o, "slab_reassign_inline_reclaim", 0);
        mc_stat_u(o, "slab_reassign_busy_items", 0);
        mc_stat_u(o, "slab_reassign_busy_deletes", 0);
        mc_stat_u(o, "slab_reassign_running", 0);
        mc_stat_u(o, "slabs_moved", e->slabs_moved);
    }
    if (h->lru_crawler) {
        mc_stat_u(o, "lru_crawler_running", 0);
        mc_stat_u(o, "lru_crawler_starts", e->crawler_starts);
    }
    if (h->lru_maintainer)
        mc_stat_u(o, "lru_maintainer_juggles", e->juggles);
    mc_stat_u(o, "malloc_fails", s->malloc_fails);
    static const char *const zeros2[] = {
        "log_worker_dropped",
    };
    for (size_t i = 0; i < sizeof(zeros2) / sizeof(zeros2[0]); i++)
        mc_stat_u(o, zeros2[i], 0);
    mc_stat_u(o, "log_worker_written", e->watch_lines);
    mc_stat_u(o, "log_watcher_skipped", e->watch_skipped);
    mc_stat_u(o, "log_watcher_sent", e->watch_sent);
    mc_stat_u(o, "log_watchers", e->nwatchers);
    mc_stat_u(o, "unexpected_napi_ids", 0);
    mc_stat_u(o, "round_robin_fallback", 0);
    mc_stat_u(o, "bytes", e->mem_used);
    mc_stat_u(o, "curr_items", e->curr_items);
    mc_stat_u(o, "total_items", s->total_items);
    mc_stat_u(o, "slab_global_page_pool", e->pool_pages);
    mc_stat_u(o, "expired_unfetched", s->expired_unfetched);
    mc_stat_u(o, "evicted_unfetched", s->evicted_unfetched);
    if (h->lru_maintainer)
        mc_stat_u(o, "evicted_active", 0);
    mc_stat_u(o, "evictions", s->evictions);
    mc_stat_u(o, "reclaimed", s->reclaimed);
    mc_stat_u(o, "crawler_reclaimed", s->crawler_reclaimed);
    mc_stat_u(o, "crawler_items_checked", 0);
    mc_stat_u(o, "lrutail_reflocked", 0);
    static const char *const lru_maintainer[] = {
        "moves_to_cold", "moves_to_warm", "moves_within_lru", "direct_reclaims", "lru_bumps_dropped",
    };
    for (size_t i = 0; h->lru_maintainer && i < sizeof(lru_maintainer) / sizeof(lru_maintainer[0]); i++)
        mc_stat_u(o, lru_maintainer[i], 0);
}

static void emit_stat(void *o, const char *name, const char *value) { stat_s(o, name, value); }

static void stat_yes(mc_out *o, const char *name, bool v) { stat_s(o, name, v ? "yes" : "no"); }

static void stat_f(mc_out *o, const char *name, const char *fmt, double v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), fmt, v);
    stat_s(o, name, buf);
}

/* memcached 1.6.18's "stats settings", in its order, without the extstore,
 * TLS and proxy lines (features this server does not have). Settings that
 * tune memcached's internals are shown as the command line gave them. */
static void stats_settings(mc_ctx *x)
{
    mc_engine *e = x->e;
    mc_out *o = x->o;
    const mc_host_info *h = &e->host;
    const mc_config *c = &e->cfg;
    char buf[16];
    mc_stat_u(o, "maxbytes", c->mem_limit);
    mc_stat_u(o, "maxconns", h->max_connections);
    mc_stat_u(o, "tcpport", (uint64_t)(h->tcp_port > 0 ? h->tcp_port : 0));
    mc_stat_u(o, "udpport", (uint64_t)(h->udp_port > 0 ? h->udp_port : 0));
    stat_s(o, "inter", h->listen_addr ? h->listen_addr : "NULL");
    mc_stat_u(o, "verbosity", e->verbosity);
    mc_stat_u(o, "oldest", e->oldest_live > e->started ? (uint64_t)(e->oldest_live - e->started) : 0);
    stat_s(o, "evictions", c->evictions_disabled ? "off" : "on");
    stat_s(o, "domain_socket", h->domain_socket ? h->domain_socket : "NULL");
    snprintf(buf, sizeof(buf), "%o", h->umask ? h->umask : 0700);
    stat_s(o, "umask", buf);
    stat_yes(o, "shutdown_command", c->shutdown_enabled);
    stat_f(o, "growth_factor", "%.2f", h->growth_factor > 0 ? h->growth_factor : 1.25);
    mc_stat_u(o, "chunk_size", h->chunk_size ? h->chunk_size : 48);
    mc_stat_u(o, "num_threads", h->threads ? h->threads : 1);
    mc_stat_u(o, "num_threads_per_udp", h->threads ? h->threads : 1);
    buf[0] = h->detail_delimiter ? h->detail_delimiter : ':';
    buf[1] = 0;
    stat_s(o, "stat_key_prefix", buf);
    stat_yes(o, "detail_enabled", e->detail_on);
    mc_stat_u(o, "reqs_per_event", h->reqs_per_event ? h->reqs_per_event : 20);
    stat_yes(o, "cas_enabled", !c->cas_disabled);
    mc_stat_u(o, "tcp_backlog", h->tcp_backlog ? h->tcp_backlog : 1024);
    stat_s(o, "binding_protocol", h->binding_protocol ? h->binding_protocol : "auto-negotiate");
    stat_s(o, "auth_enabled_sasl", "no");
    stat_s(o, "auth_enabled_ascii", h->auth_file ? h->auth_file : "no");
    mc_stat_u(o, "item_size_max", c->item_size_max);
    stat_yes(o, "maxconns_fast", h->maxconns_fast);
    mc_stat_u(o, "hashpower_init", h->hashpower_init);
    stat_yes(o, "slab_reassign", !c->slab_reassign_disabled);
    mc_stat_u(o, "slab_automove", e->slab_automove);
    stat_s(o, "slab_automove_ratio", "0.80");
    mc_stat_u(o, "slab_automove_window", 30);
    mc_stat_u(o, "slab_chunk_max", h->slab_chunk_max ? h->slab_chunk_max : 524288);
    stat_yes(o, "lru_crawler", h->lru_crawler);
    mc_stat_u(o, "lru_crawler_sleep", 100);
    mc_stat_u(o, "lru_crawler_tocrawl", 0);
    mc_stat_u(o, "tail_repair_time", 0);
    stat_yes(o, "flush_enabled", !c->flush_disabled);
    stat_yes(o, "dump_enabled", !c->dump_disabled);
    stat_s(o, "hash_algorithm", "murmur3");
    stat_yes(o, "lru_maintainer_thread", h->lru_maintainer);
    stat_yes(o, "lru_segmented", h->lru_maintainer);
    mc_stat_u(o, "hot_lru_pct", 20);
    mc_stat_u(o, "warm_lru_pct", 40);
    stat_s(o, "hot_max_factor", "0.20");
    stat_s(o, "warm_max_factor", "2.00");
    stat_yes(o, "temp_lru", h->temp_lru);
    mc_stat_u(o, "temporary_ttl", h->temporary_ttl ? h->temporary_ttl : 61);
    mc_stat_u(o, "idle_timeout", h->idle_timeout);
    mc_stat_u(o, "watcher_logbuf_size", c->watch_buf_size ? c->watch_buf_size : 262144);
    mc_stat_u(o, "worker_logbuf_size", 65536);
    mc_stat_u(o, "read_buf_mem_limit", h->read_buf_mem_limit);
    stat_yes(o, "track_sizes", h->track_sizes);
    stat_s(o, "inline_ascii_response", "no");
    stat_s(o, "num_napi_ids", "(null)");
    stat_s(o, "memory_file", h->memory_file ? h->memory_file : "(null)");
}

/* Without the slab allocator: per-class counts over the items, by the class
 * their size would have (a walk; stats are rare). */
static void stats_items_or_slabs(mc_ctx *x, bool items)
{
    mc_engine *e = x->e;
    if (e->cfg.slab_allocator) {
        if (items)
            mc_slabs_item_stats(e, x->o);
        else
            mc_slabs_stats(e, x->o);
        return;
    }
    enum { NCLS = 64 };
    uint64_t num[NCLS] = {0}, bytes[NCLS] = {0};
    int64_t oldest[NCLS] = {0};
    MC_EACH_ITEM(e, it) {
        uint64_t total = mc_item_total(it->nkey, it->flags, it->nbytes);
        int c = mc_item_class(e, it);
        if (c >= NCLS)
            c = NCLS - 1;
        num[c]++;
        bytes[c] += total;
        if (oldest[c] == 0 || it->time < oldest[c])
            oldest[c] = it->time;
    }
    char name[64];
    int active = 0;
    for (int c = 1; c < NCLS; c++) {
        if (!num[c])
            continue;
        active++;
        if (items) {
            snprintf(name, sizeof(name), "items:%d:number", c);
            mc_stat_u(x->o, name, num[c]);
            snprintf(name, sizeof(name), "items:%d:age", c);
            mc_stat_u(x->o, name, (uint64_t)(e->now - oldest[c]));
            snprintf(name, sizeof(name), "items:%d:mem_requested", c);
            mc_stat_u(x->o, name, bytes[c]);
        } else {
            snprintf(name, sizeof(name), "%d:used_chunks", c);
            mc_stat_u(x->o, name, num[c]);
            snprintf(name, sizeof(name), "%d:mem_requested", c);
            mc_stat_u(x->o, name, bytes[c]);
        }
    }
    if (!items) {
        mc_stat_u(x->o, "active_slabs", (uint64_t)active);
        mc_stat_u(x->o, "total_malloced", e->mem_used);
    }
}

void mc_process_stats(mc_ctx *x, mc_token *t, size_t nt)
{
    const char *sub = t[1].value;
    mc_out_truncate(x->o, x->resp_off);
    if (nt == 2) {
        stats_general(x);
    } else if (strcmp(sub, "reset") == 0) {
        memset(&x->e->st, 0, sizeof(x->e->st));
        mc_slabs_stats_reset(x->e);
        mc_detail_clear(x->e);
        mc_out_string(x, "RESET");
        return;
    } else if (strcmp(sub, "detail") == 0) {
        const char *arg = nt >= 4 ? t[2].value : "";
        if (strcmp(arg, "on") == 0) {
            x->e->detail_on = true;
            mc_out_string(x, "OK");
        } else if (strcmp(arg, "off") == 0) {
            x->e->detail_on = false;
            mc_out_string(x, "OK");
        } else if (strcmp(arg, "dump") == 0) {
            mc_detail_dump(x->e, x->o);
            mc_out_add(x->o, "END\r\n", 5);
        } else {
            mc_out_string(x, "CLIENT_ERROR usage: stats detail on|off|dump");
        }
        return;
    } else if (strcmp(sub, "settings") == 0) {
        stats_settings(x);
    } else if (strcmp(sub, "cachedump") == 0) {
        if (x->e->cfg.dump_disabled) {
            mc_out_string(x, "CLIENT_ERROR stats cachedump not allowed");
            return;
        }
        uint32_t cls, limit;
        if (nt < 5 || !mc_parse_u32(t[2].value, &cls) || !mc_parse_u32(t[3].value, &limit)) {
            mc_out_string(x, "CLIENT_ERROR bad command line");
            return;
        }
        mc_cachedump(x, cls, limit);
    } else if (strcmp(sub, "conns") == 0) {
        /* per-connection details are the embedder's */
        const mc_host_info *h = &x->e->host;
        if (h->stats_conns)
            h->stats_conns(h->stats_conns_ctx, emit_stat, x->o);
    } else if (strcmp(sub, "items") == 0) {
        stats_items_or_slabs(x, true);
    } else if (strcmp(sub, "slabs") == 0) {
        stats_items_or_slabs(x, false);
    } else if (strcmp(sub, "sizes") == 0) {
        stat_s(x->o, "sizes_status", "disabled");
    } else {
        mc_out_string(x, "ERROR");
        return;
    }
    mc_out_add(x->o, "END\r\n", 5);
}
