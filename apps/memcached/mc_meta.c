/*
 * mc_meta.c - the meta commands: mg, ms, md, ma, me, mn.
 *
 * A meta request is "<cmd> <key> [datalen] <flags>*". Every flag is one
 * letter, optionally followed by a token (T30, O123...). Return flags are
 * written in the order the client asked for them. "q" hides the nominal
 * answer of each command (EN for mg; HD for ms, md and ma) but never errors.
 */
#include "mc_internal.h"

#include <string.h>

#define META_MAX_TOKENS 20       /* more tokens than this: "too long" */
#define META_MAX_OPAQUE 32       /* longest O token, letter included */

typedef struct meta_flags {
    bool no_reply, value, no_update, key_binary, has_cas, new_ttl, vivify, set_stale;
    bool has_error;
    int64_t exptime, autoviv_exptime, recache_time;
    uint32_t client_flags;
    uint64_t req_cas, initial, delta;
    char mode;
    const char *key;             /* decoded key */
    size_t nkey;
    unsigned char keybuf[MC_KEY_MAX];
} meta_flags;

/* Parses the flags starting at token `start`. Returns -1 on error with
 * *errstr set (or left at the caller's default). */
static int meta_preparse(mc_engine *e, mc_token *t, size_t start, meta_flags *of, const char **errstr)
{
    uint8_t seen[127] = {0};
    int32_t v;
    of->key = t[1].value;
    of->nkey = t[1].length;
    for (size_t i = start; t[i].length != 0; i++) {
        uint8_t o = (uint8_t)t[i].value[0];
        if (o >= 127 || seen[o]) {
            *errstr = "CLIENT_ERROR duplicate flag";
            return -1;
        }
        seen[o] = 1;
        const char *arg = t[i].value + 1;
        switch (o) {
        case 'b': {
            size_t n = mc_base64_decode(t[1].value, t[1].length, of->keybuf, sizeof(of->keybuf));
            if (n == 0) {
                *errstr = "CLIENT_ERROR error decoding key";
                of->has_error = true;
            }
            of->key = (const char *)of->keybuf;
            of->nkey = n;
            of->key_binary = true;
            break;
        }
        case 'N':
            of->vivify = true;
            if (!mc_parse_i32(arg, &v)) {
                *errstr = "CLIENT_ERROR bad token in command line format";
                of->has_error = true;
            } else {
                of->autoviv_exptime = mc_exptime(e, v);
            }
            break;
        case 'T':
            if (!mc_parse_i32(arg, &v)) {
                *errstr = "CLIENT_ERROR bad token in command line format";
                of->has_error = true;
            } else {
                of->exptime = mc_exptime(e, v);
                of->new_ttl = true;
            }
            break;
        case 'R':
            if (!mc_parse_i32(arg, &v)) {
                *errstr = "CLIENT_ERROR bad token in command line format";
                of->has_error = true;
            } else {
                of->recache_time = mc_exptime(e, v);
            }
            break;
        case 'l': case 'O': case 'P': case 'L': case 'k': case 's':
        case 't': case 'c': case 'f': case 'h':
            break;
        case 'v':
            of->value = true;
            break;
        case 'u':
            of->no_update = true;
            break;
        case 'q':
            of->no_reply = true;
            break;
        case 'F':
            if (!mc_parse_u32(arg, &of->client_flags))
                of->has_error = true;
            break;
        case 'C':
            if (!mc_parse_u64(arg, &of->req_cas)) {
                *errstr = "CLIENT_ERROR bad token in command line format";
                of->has_error = true;
            } else {
                of->has_cas = true;
            }
            break;
        case 'M':
            if (t[i].length != 2) {
                *errstr = "CLIENT_ERROR incorrect length for M token";
                of->has_error = true;
            } else {
                of->mode = t[i].value[1];
            }
            break;
        case 'J':
            if (!mc_parse_u64(arg, &of->initial)) {
                *errstr = "CLIENT_ERROR invalid numeric initial value";
                of->has_error = true;
            }
            break;
        case 'D':
            if (!mc_parse_u64(arg, &of->delta)) {
                *errstr = "CLIENT_ERROR invalid numeric delta value";
                of->has_error = true;
            }
            break;
        case 'I':
            of->set_stale = true;
            break;
        default:
            *errstr = "CLIENT_ERROR invalid flag";
            return -1;
        }
    }
    return of->has_error ? -1 : 0;
}

/* " k<key>" (base64 when the request key was binary, then " b") */
static char *put_key(char *p, bool binary, const char *key, size_t nkey)
{
    *p++ = ' ';
    *p++ = 'k';
    if (binary) {
        p += mc_base64_encode((const unsigned char *)key, nkey, p, 2 * MC_KEY_MAX);
        memcpy(p, " b", 2);
        p += 2;
    } else {
        memcpy(p, key, nkey);
        p += nkey;
    }
    return p;
}

/* O and k for the miss/NF/EX answers. Returns NULL if an O is too long. */
static char *put_ok_flags(char *p, mc_token *t, size_t start, const meta_flags *of)
{
    for (size_t i = start; t[i].length != 0; i++) {
        if (t[i].value[0] == 'O') {
            if (t[i].length > META_MAX_OPAQUE)
                return NULL;
            *p++ = ' ';
            memcpy(p, t[i].value, t[i].length);
            p += t[i].length;
        } else if (t[i].value[0] == 'k') {
            p = put_key(p, of->key_binary, of->key, of->nkey);
        }
    }
    return p;
}

static char *put_ttl(char *p, const mc_engine *e, const mc_item *it)
{
    if (it->exptime == 0) {
        memcpy(p, "-1", 2);
        *(p + 2) = '\0';
        return p + 2;
    }
    return mc_u64toa((uint32_t)(it->exptime - e->now), p);
}

/* ---- mg -------------------------------------------------------------------- */

static void meta_get(mc_ctx *x, mc_token *t, size_t nt)
{
    mc_engine *e = x->e;
    meta_flags of;
    const char *errstr = "CLIENT_ERROR bad command line format";
    char buf[2048], *p = buf;
    memset(&of, 0, sizeof(of));

    if (t[1].length > MC_KEY_MAX) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    if (nt > META_MAX_TOKENS) {
        mc_out_string(x, "CLIENT_ERROR options flags are too long");
        return;
    }
    if (meta_preparse(e, t, 2, &of, &errstr) < 0) {
        mc_out_string(x, errstr);
        return;
    }
    mc_item *it = mc_item_get(e, of.key, of.nkey);
    bool created = false, won = false;
    if (!it && of.vivify) {
        enum mc_alloc_res why;
        mc_item *n = mc_item_alloc(e, of.key, of.nkey, 0, 0, 2, NULL, &why);
        if (n) {
            memcpy(mc_item_value(n), "\r\n", 2);   /* (not marked binary-keyed) */
            if (mc_store(e, n, MC_ADD, 0, false, NULL) == MC_STORED) {
                created = true;
                it = n;     /* linked now; used as is even if already expired */
            }
        }
    }
    e->st.cmd_get++;
    if (!it) {
        e->st.get_misses++;
        memcpy(p, "EN", 2);
        p += 2;
        p = put_ok_flags(p, t, 2, &of);
        if (!p) {
            mc_out_string(x, "CLIENT_ERROR opaque token too long");
            return;
        }
        *p++ = '\r';
        *p++ = '\n';
        mc_out_add(x->o, buf, (size_t)(p - buf));
        if (of.no_reply)
            mc_out_resp_skip(x->o, x->resp_off);
        return;
    }
    MC_HIT(e, it, get_hits);
    if (of.value) {
        memcpy(p, "VA ", 3);
        p = mc_u64toa(it->nbytes - 2, p + 3);
    } else {
        memcpy(p, "HD", 2);
        p += 2;
    }
    for (size_t i = 2; t[i].length != 0; i++) {
        switch (t[i].value[0]) {
        case 'T':
            it->exptime = of.exptime;
            e->st.cmd_touch++;
            MC_HIT(e, it, touch_hits);
            break;
        case 'N':
            if (created) {
                it->exptime = of.autoviv_exptime;
                won = true;
            }
            break;
        case 'R':
            if (!(it->iflags & MC_IT_TOKEN_SENT) && !created && it->exptime != 0 &&
                it->exptime < of.recache_time)
                won = true;
            break;
        case 's':
            memcpy(p, " s", 2);
            p = mc_u64toa(it->nbytes - 2, p + 2);
            break;
        case 't':
            memcpy(p, " t", 2);
            p = put_ttl(p + 2, e, it);
            break;
        case 'c':
            memcpy(p, " c", 2);
            p = mc_u64toa(it->cas, p + 2);
            break;
        case 'f':
            memcpy(p, " f", 2);
            p = mc_u64toa(it->flags, p + 2);
            break;
        case 'l':
            memcpy(p, " l", 2);
            p = mc_u64toa((uint32_t)(e->now - it->time), p + 2);
            break;
        case 'h':
            memcpy(p, " h", 2);
            p[2] = (it->iflags & MC_IT_FETCHED) ? '1' : '0';
            p += 3;
            break;
        case 'O':
            if (t[i].length > META_MAX_OPAQUE) {
                mc_out_string(x, "CLIENT_ERROR opaque token too long");
                return;
            }
            *p++ = ' ';
            memcpy(p, t[i].value, t[i].length);
            p += t[i].length;
            break;
        case 'k':
            p = put_key(p, (it->iflags & MC_IT_KEY_BINARY) != 0, mc_item_key(it), it->nkey);
            break;
        }
    }
    if (it->iflags & MC_IT_TOKEN_SENT) {
        memcpy(p, " Z", 2);
        p += 2;
    }
    if (it->iflags & MC_IT_STALE) {
        memcpy(p, " X", 2);
        p += 2;
        if (!(it->iflags & MC_IT_TOKEN_SENT))
            won = true;
    }
    if (won) {
        memcpy(p, " W", 2);
        p += 2;
        it->iflags |= MC_IT_TOKEN_SENT;
    }
    *p++ = '\r';
    *p++ = '\n';
    mc_out_add(x->o, buf, (size_t)(p - buf));
    if (of.value)
        mc_out_add(x->o, mc_item_value(it), it->nbytes);
    if (!of.no_update)
        mc_lru_hit(e, it);
}

/* ---- ms -------------------------------------------------------------------- */

static void meta_set(mc_ctx *x, mc_token *t, size_t nt)
{
    mc_engine *e = x->e;
    meta_flags of;
    const char *errstr = "CLIENT_ERROR bad command line format";
    int32_t vlen;
    memset(&of, 0, sizeof(of));

    if (t[1].length > MC_KEY_MAX || nt == 3) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    if (nt > META_MAX_TOKENS) {
        mc_out_string(x, "CLIENT_ERROR options flags too long");
        return;
    }
    if (!mc_parse_i32(t[2].value, &vlen) || vlen < 0 || vlen > INT32_MAX - 2) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    uint32_t nbytes = (uint32_t)vlen + 2;
    /* from here on, errors swallow the data block */
    if (meta_preparse(e, t, 3, &of, &errstr) < 0) {
        mc_out_string(x, errstr);
        x->swallow = nbytes;
        return;
    }
    enum mc_store_op op;
    switch (of.mode) {
    case 0: case 'S': op = MC_SET; break;
    case 'E': op = MC_ADD; break;
    case 'A': op = MC_APPEND; break;
    case 'P': op = MC_PREPEND; break;
    case 'R': op = MC_REPLACE; break;
    default:
        mc_out_string(x, "CLIENT_ERROR invalid mode for ms M token");
        x->swallow = nbytes;
        return;
    }
    if (of.has_cas && (op == MC_SET || op == MC_REPLACE))
        op = MC_CAS;
    enum mc_alloc_res why;
    mc_item *it = mc_item_alloc(e, of.key, of.nkey, of.client_flags, of.exptime, nbytes, NULL, &why);
    if (!it) {
        mc_store_alloc_failed(x, why, nbytes, op, of.key, of.nkey);
        return;
    }
    mc_pending *pd = &x->pend;
    memset(pd, 0, sizeof(*pd));
    pd->it = it;
    pd->op = op;
    pd->cas_in = of.req_cas;
    pd->noreply = of.no_reply;
    pd->meta = true;
    pd->stale = of.set_stale;
    pd->base64 = of.key_binary;
    if (of.key_binary)
        it->iflags |= MC_IT_KEY_BINARY;
    /* remember the return flags: letter, argument text, NUL */
    for (size_t i = 3; t[i].length != 0; i++) {
        char f = t[i].value[0];
        char tmp[2 * MC_KEY_MAX + 8];
        const char *arg = "";
        size_t alen = 0;
        if (f == 'O') {
            if (t[i].length > META_MAX_OPAQUE) {
                mc_item_free(e, it);
                pd->it = NULL;
                mc_out_string(x, "CLIENT_ERROR opaque token too long");
                x->swallow = nbytes;
                return;
            }
            arg = t[i].value;
            alen = t[i].length;
        } else if (f == 'k') {
            if (of.key_binary) {
                alen = mc_base64_encode((const unsigned char *)of.key, of.nkey, tmp, sizeof(tmp));
            } else {
                memcpy(tmp, of.key, of.nkey);
                alen = of.nkey;
            }
            arg = tmp;
        } else if (f != 'c') {
            continue;
        }
        if (pd->nrflags + alen + 2 > sizeof(pd->rflags))
            continue;
        pd->rflags[pd->nrflags] = f;
        memcpy(&pd->rflags[pd->nrflags + 1], arg, alen);
        pd->rflags[pd->nrflags + 1 + alen] = '\0';
        pd->nrflags += alen + 2;
    }
    x->want_data = true;
}

/* ---- md -------------------------------------------------------------------- */

static void meta_delete(mc_ctx *x, mc_token *t, size_t nt)
{
    mc_engine *e = x->e;
    meta_flags of;
    const char *errstr = NULL;
    char buf[1024], *p = buf;
    memset(&of, 0, sizeof(of));

    if (t[1].length > MC_KEY_MAX) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    if (nt > META_MAX_TOKENS) {
        mc_out_string(x, "CLIENT_ERROR options flags too long");
        return;
    }
    if (meta_preparse(e, t, 2, &of, &errstr) < 0) {
        mc_out_string(x, "CLIENT_ERROR invalid or duplicate flag");
        return;
    }
    bool skip = false;
    mc_item *it = mc_item_get(e, of.key, of.nkey);
    if (it) {
        if (of.has_cas && it->cas != of.req_cas) {
            memcpy(p, "EX", 2);
        } else if (of.set_stale) {
            if (of.new_ttl)
                it->exptime = of.exptime;
            it->iflags |= MC_IT_STALE;
            it->iflags &= (uint8_t)~MC_IT_TOKEN_SENT;
            it->cas = mc_next_cas(e);
            memcpy(p, "HD", 2);
            skip = of.no_reply;
            MC_HIT(e, it, delete_hits);
        } else {
            MC_HIT(e, it, delete_hits);
            mc_item_unlink(e, it);
            memcpy(p, "HD", 2);
            skip = of.no_reply;
        }
    } else {
        e->st.delete_misses++;
        memcpy(p, "NF", 2);
    }
    p += 2;
    p = put_ok_flags(p, t, 2, &of);
    if (!p) {
        mc_out_string(x, "CLIENT_ERROR opaque token too long");
        return;
    }
    *p++ = '\r';
    *p++ = '\n';
    mc_out_add(x->o, buf, (size_t)(p - buf));
    if (skip)
        mc_out_resp_skip(x->o, x->resp_off);
}

/* ---- ma -------------------------------------------------------------------- */

static void meta_arith(mc_ctx *x, mc_token *t, size_t nt)
{
    mc_engine *e = x->e;
    meta_flags of;
    const char *errstr = NULL;
    char buf[1024], *p = buf;
    char num[32];
    memset(&of, 0, sizeof(of));
    of.delta = 1;

    if (t[1].length > MC_KEY_MAX) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    if (nt > META_MAX_TOKENS) {
        mc_out_string(x, "CLIENT_ERROR options flags too long");
        return;
    }
    if (meta_preparse(e, t, 2, &of, &errstr) < 0) {
        mc_out_string(x, "CLIENT_ERROR invalid or duplicate flag");
        return;
    }
    bool incr;
    switch (of.mode) {
    case 0: case 'I': case '+': incr = true; break;
    case 'D': case '-': incr = false; break;
    default:
        mc_out_string(x, "CLIENT_ERROR invalid mode for ma M token");
        return;
    }
    mc_item *it = NULL;
    bool created = false, skip = false, replaced = false;
    switch (mc_delta(e, of.key, of.nkey, incr, of.delta, of.has_cas ? of.req_cas : 0, num, &it,
                     &replaced)) {
    case MC_DELTA_OK:
        skip = of.no_reply;
        break;
    case MC_DELTA_NON_NUMERIC:
        mc_out_string(x, "CLIENT_ERROR cannot increment or decrement non-numeric value");
        return;
    case MC_DELTA_EOM:
        mc_out_string(x, "SERVER_ERROR out of memory");
        return;
    case MC_DELTA_CAS_MISMATCH:
        memcpy(p, "EX", 2);
        p += 2;
        break;
    case MC_DELTA_NOT_FOUND:
        if (of.vivify) {
            size_t vlen = (size_t)(mc_u64toa(of.initial, num) - num);
            enum mc_alloc_res why;
            /* created without expiry; an N flag sets it below, in order */
            mc_item *n = mc_item_alloc(e, of.key, of.nkey, 0, 0, (uint32_t)vlen + 2, NULL, &why);
            if (n) {
                memcpy(mc_item_value(n), num, vlen);
                memcpy(mc_item_value(n) + vlen, "\r\n", 2);
                if (mc_store(e, n, MC_ADD, 0, false, NULL) == MC_STORED) {
                    created = true;
                    it = n;
                } else {
                    memcpy(p, "NS", 2);
                    p += 2;
                }
            } else {
                mc_out_string(x, "SERVER_ERROR Out of memory allocating new item");
                return;
            }
        } else {
            if (incr) e->st.incr_misses++; else e->st.decr_misses++;
            memcpy(p, "NF", 2);
            p += 2;
        }
        break;
    }
    if (it) {
        /* When the result did not fit and a new item replaced the old one,
         * memcached applies T and N to the old (unlinked) item: they have no
         * effect, and t reports the unchanged TTL. */
        int64_t shadow = it->exptime;
        int64_t *exp = replaced ? &shadow : &it->exptime;
        if (of.value) {
            memcpy(p, "VA ", 3);
            p = mc_u64toa(strlen(num), p + 3);
        } else {
            memcpy(p, "HD", 2);
            p += 2;
        }
        for (size_t i = 2; t[i].length != 0; i++) {
            switch (t[i].value[0]) {
            case 'c':
                memcpy(p, " c", 2);
                p = mc_u64toa(it->cas, p + 2);
                break;
            case 't':
                memcpy(p, " t", 2);
                if (*exp == 0) {
                    memcpy(p + 2, "-1", 2);
                    p += 4;
                } else {
                    p = mc_u64toa((uint32_t)(*exp - e->now), p + 2);
                }
                break;
            case 'T':
                *exp = of.exptime;
                break;
            case 'N':
                if (created)
                    *exp = of.autoviv_exptime;
                break;
            case 'O':
                if (t[i].length > META_MAX_OPAQUE) {
                    mc_out_string(x, "CLIENT_ERROR opaque token too long");
                    return;
                }
                *p++ = ' ';
                memcpy(p, t[i].value, t[i].length);
                p += t[i].length;
                break;
            case 'k':
                p = put_key(p, of.key_binary, mc_item_key(it), it->nkey);
                break;
            }
        }
        *p++ = '\r';
        *p++ = '\n';
        mc_out_add(x->o, buf, (size_t)(p - buf));
        if (of.value) {
            mc_out_add(x->o, num, strlen(num));
            mc_out_add(x->o, "\r\n", 2);
        }
        if (skip)
            mc_out_resp_skip(x->o, x->resp_off);
        return;
    }
    p = put_ok_flags(p, t, 2, &of);
    if (!p) {
        mc_out_string(x, "CLIENT_ERROR opaque token too long");
        return;
    }
    *p++ = '\r';
    *p++ = '\n';
    mc_out_add(x->o, buf, (size_t)(p - buf));
}

/* ---- me -------------------------------------------------------------------- */

static void meta_debug(mc_ctx *x, mc_token *t, size_t nt)
{
    mc_engine *e = x->e;
    if (nt != 3 || t[1].length > MC_KEY_MAX) {
        mc_out_string(x, "CLIENT_ERROR bad command line format");
        return;
    }
    mc_item *it = mc_item_get(e, t[1].value, t[1].length);
    if (!it) {
        mc_out_string(x, "EN");
        return;
    }
    char buf[MC_KEY_MAX + 200], *p = buf;
    memcpy(p, "ME ", 3);
    p += 3;
    memcpy(p, mc_item_key(it), it->nkey);
    p += it->nkey;
    memcpy(p, " exp=", 5);
    /* memcached prints now - exptime here (negative while the item lives) */
    p = it->exptime == 0 ? (memcpy(p + 5, "-1", 2), p + 7) : mc_i64toa(e->now - it->exptime, p + 5);
    memcpy(p, " la=", 4);
    p = mc_u64toa((uint64_t)(e->now - it->time), p + 4);
    memcpy(p, " cas=", 5);
    p = mc_u64toa(it->cas, p + 5);
    memcpy(p, " fetch=", 7);
    p += 7;
    const char *f = (it->iflags & MC_IT_FETCHED) ? "yes" : "no";
    memcpy(p, f, strlen(f));
    p += strlen(f);
    uint64_t total = mc_item_total(it->nkey, it->flags, it->nbytes);
    memcpy(p, " cls=", 5);
    p = mc_u64toa((uint64_t)mc_item_class(e, it), p + 5);
    memcpy(p, " size=", 6);
    p = mc_u64toa(total, p + 6);
    *p = '\0';
    mc_out_string(x, buf);
}

void mc_process_meta(mc_ctx *x, mc_token *t, size_t nt)
{
    x->e->st.cmd_meta++;
    switch (t[0].value[1]) {
    case 'n':
        mc_out_string(x, "MN");
        x->flush = true;
        return;
    case 'e':
        meta_debug(x, t, nt);
        return;
    case 'g': case 's': case 'd': case 'a':
        break;
    default:
        mc_out_string(x, "ERROR");
        return;
    }
    if (nt < 3) {
        mc_out_string(x, "ERROR");
        return;
    }
    switch (t[0].value[1]) {
    case 'g': meta_get(x, t, nt); break;
    case 's': meta_set(x, t, nt); break;
    case 'd': meta_delete(x, t, nt); break;
    case 'a': meta_arith(x, t, nt); break;
    }
}
