/*
 * mc_cmd.c - request-line dispatch and the classic text commands.
 *
 * Each command opens a response object (mc_ctx_resp_start); mc_out_string()
 * replaces the current object's content with one line, or marks it skipped
 * when the command carried "noreply". Token-count checks answer "ERROR", as
 * memcached does; argument errors answer the CLIENT_ERROR lines below.
 */
#include "mc_internal.h"

#include <string.h>

void mc_out_string(mc_ctx *x, const char *s)
{
    mc_out_truncate(x->o, x->resp_off);
    if (x->noreply) {
        mc_out_resp_skip(x->o, x->resp_off);
        x->noreply = false;
        return;
    }
    mc_out_str(x->o, s);
}

/* "noreply" is recognised only as the last token. */
static bool set_noreply_maybe(mc_ctx *x, mc_token *t, size_t nt)
{
    mc_token *last = &t[nt - 2];
    if (last->value && strcmp(last->value, "noreply") == 0)
        x->noreply = true;
    return x->noreply;
}

/* ---- get, gets, gat, gats ------------------------------------------------- */

static void value_header(mc_out *o, mc_item *it, bool with_cas)
{
    char buf[MC_KEY_MAX + 96], *p = buf;
    memcpy(p, "VALUE ", 6);
    p += 6;
    memcpy(p, mc_item_key(it), it->nkey);
    p += it->nkey;
    *p++ = ' ';
    p = mc_u64toa(it->flags, p);
    *p++ = ' ';
    p = mc_u64toa(it->nbytes - 2, p);
    if (with_cas) {
        *p++ = ' ';
        p = mc_u64toa(it->cas, p);
    }
    *p++ = '\r';
    *p++ = '\n';
    mc_out_add(o, buf, (size_t)(p - buf));
}

static void process_get(mc_ctx *x, mc_token *t, size_t nt, bool with_cas, bool touch)
{
    mc_engine *e = x->e;
    size_t start = x->resp_off;
    uint32_t nresp = mc_conn_resp_count(x);     /* the get's first object included */
    nresp = nresp ? nresp - 1 : 0;
    mc_token *k = &t[1];
    int64_t exptime = 0;
    (void)nt;
    if (touch) {
        int32_t ex;
        if (!mc_parse_i32(t[1].value, &ex)) {
            mc_out_string(x, "CLIENT_ERROR invalid exptime argument");
            return;
        }
        exptime = mc_exptime(e, ex);
        k++;
    }
    for (;;) {
        while (k->length != 0) {
            if (k->length > MC_KEY_MAX) {
                /* memcached drops every reply not yet sent, then errors */
                mc_out_truncate(x->o, start);
                mc_conn_resp_rewind(x, nresp);
                if (!mc_ctx_resp_start(x)) {
                    x->oom = true;
                    return;
                }
                mc_out_string(x, "CLIENT_ERROR bad command line format");
                return;
            }
            mc_item *it = mc_item_get(e, k->value, k->length);
            if (touch) {
                e->st.cmd_touch++;
                if (it) MC_HIT(e, it, touch_hits); else e->st.touch_misses++;
            }
            e->st.cmd_get++;
            mc_detail_record(e, k->value, k->length, MC_DETAIL_GET, it != NULL);
            if (it) {
                MC_HIT(e, it, get_hits);
                if (touch)
                    it->exptime = exptime;
                value_header(x->o, it, with_cas);
                mc_out_add(x->o, mc_item_value(it), it->nbytes);
                mc_item_hit(e, it);
            } else {
                e->st.get_misses++;
            }
            k++;
            if (k->length != 0 && !mc_ctx_resp_start(x))
                goto oom;
        }
        if (k->value == NULL)
            break;
        mc_tokenize(k->value, t, MC_MAX_TOKENS);
        k = t;
        if (!mc_ctx_resp_start(x))
            goto oom;
    }
    mc_out_add(x->o, "END\r\n", 5);
    x->flush = true;
    return;
oom:
    /* no buffer left for the next key's reply: this get's replies are
     * dropped and only the error is sent */
    mc_out_truncate(x->o, start);
    mc_conn_resp_rewind(x, nresp);
    if (!mc_ctx_resp_start(x)) {
        x->oom = true;
        return;
    }
    mc_out_string(x, "SERVER_ERROR out of memory writing get response");
}

/* ---- set, add, replace, append, prepend, cas ------------------------------ */

void mc_store_alloc_failed(mc_ctx *x, enum mc_alloc_res why, uint32_t nbytes, enum mc_store_op op,
                           const char *key, size_t nkey)
{
    mc_engine *e = x->e;
    mc_log_store(e, key, nkey, why == MC_ALLOC_TOO_LARGE ? MC_LOG_TOO_LARGE : MC_LOG_NO_MEMORY, op, NULL);
    if (why == MC_ALLOC_TOO_LARGE) {
        mc_out_string(x, "SERVER_ERROR object too large for cache");
        e->st.store_too_large++;
    } else {
        mc_out_string(x, "SERVER_ERROR out of memory storing object");
        e->st.store_no_memory++;
    }
    x->swallow = nbytes;
    mc_store_drop_on_fail(e, op, key, nkey);
}

static void process_update(mc_ctx *x, mc_token *t, size_t nt, enum mc_store_op op)
{
    mc_engine *e = x->e;
    uint32_t flags;
    int32_t ex, vlen;
    uint64_t cas_in = 0;

    set_noreply_maybe(x, t, nt);
    if (t[1].length > MC_KEY_MAX) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    if (!(mc_parse_u32(t[2].value, &flags) && mc_parse_i32(t[3].value, &ex) &&
          mc_parse_i32(t[4].value, &vlen))) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    if (op == MC_CAS && !mc_parse_u64(t[5].value, &cas_in)) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    if (vlen < 0 || vlen > INT32_MAX - 2) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    mc_detail_record(e, t[1].value, t[1].length, MC_DETAIL_SET, false);
    uint32_t nbytes = (uint32_t)vlen + 2;
    enum mc_alloc_res why;
    mc_item *it = mc_item_alloc(e, t[1].value, t[1].length, flags, mc_exptime(e, ex),
                                nbytes, NULL, &why);
    if (!it) {
        mc_store_alloc_failed(x, why, nbytes, op, t[1].value, t[1].length);
        return;
    }
    memset(&x->pend, 0, sizeof(x->pend));
    x->pend.it = it;
    x->pend.op = op;
    x->pend.cas_in = cas_in;
    x->pend.noreply = x->noreply;
    x->want_data = true;
}

/* Called when a data block is complete (classic or meta set). */
void mc_complete_data(mc_ctx *x, mc_pending *p)
{
    mc_engine *e = x->e;
    mc_item *it = p->it;
    x->noreply = p->noreply;
    MC_HIT(e, it, cmd_set);
    if (memcmp(mc_item_value(it) + it->nbytes - 2, "\r\n", 2) != 0) {
        mc_item_free(e, it);
        if (p->meta)
            x->noreply = false;     /* meta set always reports errors */
        mc_out_string(x, "CLIENT_ERROR bad data chunk");
        return;
    }
    uint64_t cas = 0;
    enum mc_store_res r = mc_store(e, it, p->op, p->cas_in, p->stale, &cas);
    if (!p->meta) {
        static const char *const msg[] = {
            [MC_STORED] = "STORED", [MC_NOT_STORED] = "NOT_STORED",
            [MC_EXISTS] = "EXISTS", [MC_NOT_FOUND] = "NOT_FOUND",
        };
        mc_out_string(x, msg[r]);
        return;
    }
    /* meta set: code, then the requested return flags */
    static const char *const code[] = {
        [MC_STORED] = "HD", [MC_NOT_STORED] = "NS", [MC_EXISTS] = "EX", [MC_NOT_FOUND] = "NF",
    };
    x->noreply = false;
    mc_out_truncate(x->o, x->resp_off);
    if (r == MC_STORED && p->noreply) {
        mc_out_resp_skip(x->o, x->resp_off);
        return;
    }
    char buf[512], *b = buf;
    memcpy(b, code[r], 2);
    b += 2;
    /* rflags holds, per requested flag, a letter and for O/k its text,
     * each entry terminated by NUL */
    for (size_t i = 0; i < p->nrflags;) {
        char f = p->rflags[i];
        const char *arg = &p->rflags[i + 1];
        size_t alen = strlen(arg);
        if (f == 'c') {
            *b++ = ' ';
            *b++ = 'c';
            b = mc_u64toa(cas, b);
        } else if (f == 'O') {
            *b++ = ' ';
            memcpy(b, arg, alen);
            b += alen;
        } else if (f == 'k') {
            *b++ = ' ';
            *b++ = 'k';
            memcpy(b, arg, alen);
            b += alen;
            if (p->base64) {
                memcpy(b, " b", 2);
                b += 2;
            }
        }
        i += 1 + alen + 1;
    }
    *b++ = '\r';
    *b++ = '\n';
    mc_out_add(x->o, buf, (size_t)(b - buf));
}

/* ---- incr, decr ---------------------------------------------------------- */

static void process_arith(mc_ctx *x, mc_token *t, size_t nt, bool incr)
{
    mc_engine *e = x->e;
    char buf[32];
    uint64_t delta;
    set_noreply_maybe(x, t, nt);
    if (t[1].length > MC_KEY_MAX) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    if (!mc_parse_u64(t[2].value, &delta)) {
        mc_out_string(x, "CLIENT_ERROR invalid numeric delta argument");
        return;
    }
    switch (mc_delta(e, t[1].value, t[1].length, incr, delta, 0, buf, NULL, NULL)) {
    case MC_DELTA_OK:
        mc_out_string(x, buf);
        break;
    case MC_DELTA_NON_NUMERIC:
        mc_out_string(x, "CLIENT_ERROR cannot increment or decrement non-numeric value");
        break;
    case MC_DELTA_EOM:
        mc_out_string(x, "SERVER_ERROR out of memory");
        break;
    case MC_DELTA_NOT_FOUND:
        if (incr) e->st.incr_misses++; else e->st.decr_misses++;
        mc_out_string(x, "NOT_FOUND");
        break;
    case MC_DELTA_CAS_MISMATCH:
        break;
    }
}

/* ---- delete, touch -------------------------------------------------------- */

static void process_delete(mc_ctx *x, mc_token *t, size_t nt)
{
    mc_engine *e = x->e;
    if (nt > 3) {
        bool hold_is_zero = strcmp(t[2].value, "0") == 0;
        bool sets_noreply = set_noreply_maybe(x, t, nt);
        bool valid = (nt == 4 && (hold_is_zero || sets_noreply)) ||
                     (nt == 5 && hold_is_zero && sets_noreply);
        if (!valid) {
            mc_out_string(x, "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
            return;
        }
    }
    if (t[1].length > MC_KEY_MAX) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    mc_detail_record(e, t[1].value, t[1].length, MC_DETAIL_DEL, false);
    mc_item *it = mc_item_get(e, t[1].value, t[1].length);
    if (it) {
        MC_HIT(e, it, delete_hits);
        mc_item_unlink(e, it);
        mc_out_string(x, "DELETED");
    } else {
        e->st.delete_misses++;
        mc_out_string(x, "NOT_FOUND");
    }
}

static void process_touch(mc_ctx *x, mc_token *t, size_t nt)
{
    mc_engine *e = x->e;
    int32_t ex;
    set_noreply_maybe(x, t, nt);
    if (t[1].length > MC_KEY_MAX) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    if (!mc_parse_i32(t[2].value, &ex)) {
        mc_out_string(x, "CLIENT_ERROR invalid exptime argument");
        return;
    }
    mc_item *it = mc_item_get(e, t[1].value, t[1].length);
    e->st.cmd_touch++;
    if (it) {
        MC_HIT(e, it, touch_hits);
        it->exptime = mc_exptime(e, ex);
        mc_item_hit(e, it);
        mc_out_string(x, "TOUCHED");
    } else {
        e->st.touch_misses++;
        mc_out_string(x, "NOT_FOUND");
    }
}

/* ---- flush_all, verbosity, cache_memlimit --------------------------------- */

static void process_flush_all(mc_ctx *x, mc_token *t, size_t nt)
{
    int32_t delay = 0;
    set_noreply_maybe(x, t, nt);
    if (x->e->cfg.flush_disabled) {
        x->e->st.cmd_flush++;           /* counted, as memcached does */
        mc_out_string(x, "CLIENT_ERROR flush_all not allowed");
        return;
    }
    if (nt != (x->noreply ? 3u : 2u)) {
        if (!mc_parse_i32(t[1].value, &delay)) {
            mc_out_string(x, "CLIENT_ERROR invalid exptime argument");
            return;
        }
    }
    mc_flush_all(x->e, delay);
    mc_out_string(x, "OK");
}

/* "shutdown [graceful]": only when the server was started with -A; the
 * embedder sees mc_engine_shutdown_requested() and stops. */
static void process_shutdown(mc_ctx *x, mc_token *t, size_t nt)
{
    if (!x->e->cfg.shutdown_enabled) {
        mc_out_string(x, "ERROR: shutdown not enabled");
        return;
    }
    if (nt == 2) {
        x->e->shutdown = MC_SHUTDOWN_NOW;
        x->quit = true;
    } else if (nt == 3 && strcmp(t[1].value, "graceful") == 0) {
        x->e->shutdown = MC_SHUTDOWN_GRACEFUL;
        x->quit = true;
    } else {
        mc_out_string(x, "CLIENT_ERROR invalid shutdown mode");
    }
}

/* "slabs reassign SRC DST" (mc_slabs.c), "slabs automove 0|1|2" and
 * "slabs automove ratio F" (the ratio is checked, not used). */
static void process_slabs(mc_ctx *x, mc_token *t, size_t nt)
{
    if (nt == 5 && strcmp(t[1].value, "reassign") == 0) {
        int32_t src, dst;
        if (!x->e->cfg.slab_allocator || x->e->cfg.slab_reassign_disabled)
            mc_out_string(x, "CLIENT_ERROR slab reassignment disabled");
        else if (!mc_parse_i32(t[2].value, &src) || !mc_parse_i32(t[3].value, &dst))
            mc_out_string(x, "CLIENT_ERROR bad command line format");
        else
            mc_out_string(x, mc_slabs_reassign(x->e, src, dst));
        return;
    }
    if (nt < 4 || strcmp(t[1].value, "automove") != 0) {
        mc_out_string(x, "ERROR");
        return;
    }
    if (strcmp(t[2].value, "ratio") == 0) {
        uint32_t pct;
        if (nt < 5 || !mc_parse_u32(t[3].value, &pct)) {
            /* memcached parses a fraction; any number it takes is fine */
            const char *v = nt >= 5 ? t[3].value : "";
            bool ok = *v != 0;
            for (const char *p = v; *p; p++)
                ok = ok && ((*p >= '0' && *p <= '9') || *p == '.');
            if (!ok) {
                mc_out_string(x, "CLIENT_ERROR bad command line format");
                return;
            }
        }
        mc_out_string(x, "OK");
        return;
    }
    uint32_t level;
    if (!mc_parse_u32(t[2].value, &level)) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    if (level > 2) {
        mc_out_string(x, "ERROR");
        return;
    }
    x->e->slab_automove = level;
    mc_out_string(x, "OK");
}

/* "debugtime SECONDS|p|r" (memcached-debug builds): moves the engine's
 * clock forward or back, or pauses and resumes it, so tests of expiry need
 * not wait. */
static void process_debugtime(mc_ctx *x, mc_token *t)
{
    mc_engine *e = x->e;
    if (strcmp(t[1].value, "p") == 0) {
        e->clock_paused = true;
    } else if (strcmp(t[1].value, "r") == 0) {
        e->clock_paused = false;
    } else {
        int64_t d;
        if (!mc_parse_i64(t[1].value, &d)) {
            mc_out_string(x, "ERROR");
            return;
        }
        e->clock_delta += d;
        e->now += d;
    }
    mc_out_string(x, "OK");
}

static void process_verbosity(mc_ctx *x, mc_token *t, size_t nt)
{
    uint32_t level;
    set_noreply_maybe(x, t, nt);
    if (!mc_parse_u32(t[1].value, &level)) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    x->e->verbosity = level > 2 ? 2 : level;
    mc_out_string(x, "OK");
}

static void process_memlimit(mc_ctx *x, mc_token *t, size_t nt)
{
    uint32_t mb;
    set_noreply_maybe(x, t, nt);
    if (!mc_parse_u32(t[1].value, &mb)) {
        mc_out_string(x, "ERROR");
        return;
    }
    if (mb < 8) {
        mc_out_string(x, "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m");
        return;
    }
    x->e->cfg.mem_limit = (uint64_t)mb * 1024 * 1024;
    if (x->e->cfg.slab_allocator)
        mc_slabs_shrink(x->e);          /* pages no item needs go back */
    else
        mc_lru_reserve(x->e, 0, NULL);
    mc_out_string(x, "OK");
}

/* ---- dispatch -------------------------------------------------------------- */

#define WANT_MIN(n)      if (nt < (n)) { mc_out_string(x, "ERROR"); return; }
#define WANT_OR(a, b)    if (nt != (a) && nt != (b)) { mc_out_string(x, "ERROR"); return; }
#define WANT_RANGE(a, b) if (nt < (a) || nt > (b)) { mc_out_string(x, "ERROR"); return; }

void mc_process_line(mc_ctx *x, char *line)
{
    mc_token t[MC_MAX_TOKENS];
    x->noreply = false;
    if (!mc_ctx_resp_start(x)) {
        x->oom = true;
        return;
    }
    size_t nt = mc_tokenize(line, t, MC_MAX_TOKENS);
    if (nt < 2 || t[0].length < 2) {
        mc_out_string(x, "ERROR");
        return;
    }
    const char *cmd = t[0].value;
    char first = cmd[0];
    if (first == 'm' && t[0].length == 2) {
        mc_process_meta(x, t, nt);
    } else if (first == 'g') {
        WANT_MIN(3);
        if (strcmp(cmd, "get") == 0) process_get(x, t, nt, false, false);
        else if (strcmp(cmd, "gets") == 0) process_get(x, t, nt, true, false);
        else if (strcmp(cmd, "gat") == 0) process_get(x, t, nt, false, true);
        else if (strcmp(cmd, "gats") == 0) process_get(x, t, nt, true, true);
        else mc_out_string(x, "ERROR");
    } else if (strchr("sacidt", first)) {
        /* memcached dispatches on the first letter: an unknown command
         * starting with one of these is a plain ERROR */
        if (strcmp(cmd, "set") == 0) {
            WANT_OR(6, 7);
            process_update(x, t, nt, MC_SET);
        } else if (strcmp(cmd, "stats") == 0) {
            mc_process_stats(x, t, nt);
        } else if (strcmp(cmd, "shutdown") == 0) {
            process_shutdown(x, t, nt);
        } else if (strcmp(cmd, "slabs") == 0) {
            process_slabs(x, t, nt);
        } else if (strcmp(cmd, "debugtime") == 0 && x->e->cfg.debug_commands) {
            WANT_MIN(3);
            process_debugtime(x, t);
        } else if (strcmp(cmd, "add") == 0) {
            WANT_OR(6, 7);
            process_update(x, t, nt, MC_ADD);
        } else if (strcmp(cmd, "append") == 0) {
            WANT_OR(6, 7);
            process_update(x, t, nt, MC_APPEND);
        } else if (strcmp(cmd, "cas") == 0) {
            WANT_OR(7, 8);
            process_update(x, t, nt, MC_CAS);
        } else if (strcmp(cmd, "cache_memlimit") == 0) {
            WANT_OR(3, 4);
            process_memlimit(x, t, nt);
        } else if (strcmp(cmd, "incr") == 0) {
            WANT_OR(4, 5);
            process_arith(x, t, nt, true);
        } else if (strcmp(cmd, "delete") == 0) {
            WANT_RANGE(3, 5);
            process_delete(x, t, nt);
        } else if (strcmp(cmd, "decr") == 0) {
            WANT_OR(4, 5);
            process_arith(x, t, nt, false);
        } else if (strcmp(cmd, "touch") == 0) {
            WANT_OR(4, 5);
            process_touch(x, t, nt);
        } else {
            mc_out_string(x, "ERROR");
        }
    } else if (strcmp(cmd, "prepend") == 0) {
        WANT_OR(6, 7);
        process_update(x, t, nt, MC_PREPEND);
    } else if (strcmp(cmd, "replace") == 0) {
        WANT_OR(6, 7);
        process_update(x, t, nt, MC_REPLACE);
    } else if (strcmp(cmd, "flush_all") == 0) {
        WANT_RANGE(2, 4);
        process_flush_all(x, t, nt);
    } else if (strcmp(cmd, "version") == 0) {
        char buf[80];
        size_t n = strlen(x->e->version);
        memcpy(buf, "VERSION ", 8);
        memcpy(buf + 8, x->e->version, n + 1);
        mc_out_string(x, buf);
    } else if (strcmp(cmd, "quit") == 0) {
        x->quit = true;
        x->quit_normal = true;
    } else if (strcmp(cmd, "watch") == 0) {
        mc_process_watch(x, t, nt);
    } else if (strcmp(cmd, "lru_crawler") == 0) {
        mc_process_lru_crawler(x, t, nt);
    } else if (strcmp(cmd, "verbosity") == 0) {
        WANT_OR(3, 4);
        process_verbosity(x, t, nt);
    } else if (t[nt - 2].value && strncmp(t[nt - 2].value, "HTTP/", 5) == 0) {
        x->quit = true;      /* an HTTP request: hang up, as memcached does */
    } else {
        mc_out_string(x, "ERROR");
    }
}
