/*
 * mc_binary.c - memcached's binary protocol, answered as memcached 1.6.18
 * answers it (without SASL).
 *
 * A request is a 24-byte header (magic 0x80, opcode, key length, extras
 * length, data type, vbucket, total body length, opaque, CAS; big-endian),
 * then the extras, the key and the value. A response has the same header
 * with magic 0x81 and a status in place of the vbucket; the opaque is
 * echoed and the opcode is the request's own (a quiet opcode stays quiet).
 *
 * The parser collects the header, then extras and key, then dispatches;
 * a value is copied straight into the item being stored. Like memcached, a
 * request is complete once its header, extras and key have arrived: body
 * bytes beyond what the opcode reads (a Stat or Touch with a longer body)
 * are taken as the next request, and an unknown opcode discards `bodylen`
 * bytes after its key. Storage, lookup, arithmetic and statistics are the
 * engine's shared functions (mc_store.c, mc_stats.c).
 *
 * Quiet opcodes (GetQ, SetQ, ...) send nothing on success, and the quiet
 * gets nothing on a miss; errors are always sent. Protocol errors (lengths
 * that do not fit together, a key over 250 bytes, bad extras for the
 * opcode) answer "Invalid arguments" or "Unknown command" and close the
 * connection; a header whose magic is not 0x80 closes it without a reply.
 */
#include "mc_internal.h"

#include <string.h>

enum { B_HDR, B_KEY, B_VALUE, B_SWALLOW };

enum {
    OP_GET = 0x00, OP_SET = 0x01, OP_ADD = 0x02, OP_REPLACE = 0x03, OP_DELETE = 0x04,
    OP_INCR = 0x05, OP_DECR = 0x06, OP_QUIT = 0x07, OP_FLUSH = 0x08, OP_GETQ = 0x09,
    OP_NOOP = 0x0a, OP_VERSION = 0x0b, OP_GETK = 0x0c, OP_GETKQ = 0x0d, OP_APPEND = 0x0e,
    OP_PREPEND = 0x0f, OP_STAT = 0x10, OP_SETQ = 0x11, OP_ADDQ = 0x12, OP_REPLACEQ = 0x13,
    OP_DELETEQ = 0x14, OP_INCRQ = 0x15, OP_DECRQ = 0x16, OP_QUITQ = 0x17, OP_FLUSHQ = 0x18,
    OP_APPENDQ = 0x19, OP_PREPENDQ = 0x1a, OP_TOUCH = 0x1c, OP_GAT = 0x1d, OP_GATQ = 0x1e,
    OP_SASL_LIST = 0x20, OP_SASL_AUTH = 0x21, OP_SASL_STEP = 0x22,
    OP_GATK = 0x23, OP_GATKQ = 0x24,
};

enum {
    ST_OK = 0x00, ST_ENOENT = 0x01, ST_EEXISTS = 0x02, ST_E2BIG = 0x03, ST_EINVAL = 0x04,
    ST_NOT_STORED = 0x05, ST_DELTA_BADVAL = 0x06, ST_AUTH_ERROR = 0x20, ST_UNKNOWN = 0x81,
    ST_ENOMEM = 0x82,
};

/* One request being answered. */
typedef struct breq {
    mc_engine *e;
    mc_bin *b;
    mc_out *o;
    size_t resp_off;
    uint8_t opcode;     /* as sent (the reply carries it) */
    uint8_t cmd;        /* the non-quiet opcode */
    bool quiet;
    uint8_t extlen;
    uint16_t keylen;
    uint32_t bodylen;
    uint64_t cas;
    const char *key;
    bool close;         /* close once replies are sent */
    bool flush;         /* memcached transmits at once (UDP batches) */
} breq;

static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get64(const unsigned char *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }
static void put16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static void put32(unsigned char *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}
static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

/* Appends a response header for the current request. */
static void reply_hdr(breq *r, uint8_t opcode, uint16_t status, uint8_t extlen, uint16_t keylen,
                      uint32_t bodylen, uint64_t cas)
{
    unsigned char h[MC_BIN_HDR];
    h[0] = 0x81;
    h[1] = opcode;
    put16(h + 2, keylen);
    h[4] = extlen;
    h[5] = 0;
    put16(h + 6, status);
    put32(h + 8, bodylen);
    memcpy(h + 12, r->b->hdr + 12, 4);      /* opaque, as sent */
    put64(h + 16, cas);
    mc_out_add(r->o, h, sizeof(h));
}

static const char *status_text(uint16_t status)
{
    switch (status) {
    case ST_ENOMEM: return "Out of memory";
    case ST_UNKNOWN: return "Unknown command";
    case ST_ENOENT: return "Not found";
    case ST_EINVAL: return "Invalid arguments";
    case ST_EEXISTS: return "Data exists for key.";
    case ST_E2BIG: return "Too large.";
    case ST_DELTA_BADVAL: return "Non-numeric server-side value for incr or decr";
    case ST_NOT_STORED: return "Not stored.";
    case ST_AUTH_ERROR: return "Auth failure.";
    default: return "";
    }
}

/* An error reply (always sent, quiet or not); text NULL = the status's. */
static void reply_error(breq *r, uint16_t status, const char *text)
{
    if (!text)
        text = status_text(status);
    size_t n = strlen(text);
    mc_out_truncate(r->o, r->resp_off);
    reply_hdr(r, r->opcode, status, 0, 0, (uint32_t)n, 0);
    mc_out_add(r->o, text, n);
    r->flush = true;
}

/* A protocol error: "Invalid arguments", then the connection closes. */
static void protocol_error(breq *r)
{
    reply_error(r, ST_EINVAL, NULL);
    r->close = true;
}

/* A success reply without key; suppressed for quiet opcodes. */
static void reply_ok(breq *r, const void *body, uint32_t n, uint64_t cas)
{
    if (r->quiet)
        return;     /* an empty response object (memcached frames it on UDP) */
    reply_hdr(r, r->opcode, ST_OK, 0, 0, n, cas);
    mc_out_add(r->o, body, n);
}

/* Binary expirations are unsigned: values beyond INT32_MAX are absolute
 * times (memcached converts them the same way). */
static int64_t bin_exptime(mc_engine *e, uint32_t t)
{
    return t > INT32_MAX ? (int64_t)t : mc_exptime(e, (int32_t)t);
}

/* ---- get, getk, touch, gat, gatk (and quiet forms) ------------------------ */

static void do_get(breq *r)
{
    mc_engine *e = r->e;
    bool touch = r->cmd == OP_TOUCH || r->cmd == OP_GAT || r->cmd == OP_GATK;
    bool with_key = r->cmd == OP_GETK || r->cmd == OP_GATK;
    bool with_value = r->cmd != OP_TOUCH;
    mc_item *it = mc_item_get(e, r->key, r->keylen);
    if (touch) {
        e->st.cmd_touch++;
        if (it) MC_HIT(e, it, touch_hits); else e->st.touch_misses++;
    } else {
        e->st.cmd_get++;
        if (it) MC_HIT(e, it, get_hits); else e->st.get_misses++;
    }
    if (!it) {
        if (r->quiet) {
            /* nothing: an empty response object */
        } else if (with_key) {
            reply_hdr(r, r->opcode, ST_ENOENT, 0, r->keylen, r->keylen, 0);
            mc_out_add(r->o, r->key, r->keylen);
        } else {
            reply_error(r, ST_ENOENT, NULL);
        }
        return;
    }
    if (touch)
        it->exptime = bin_exptime(e, get32(r->b->ext));
    mc_item_hit(e, it);
    uint32_t vlen = with_value ? it->nbytes - 2 : 0;
    uint16_t klen = with_key ? r->keylen : 0;
    unsigned char flags[4];
    put32(flags, it->flags);
    reply_hdr(r, r->opcode, ST_OK, 4, klen, 4 + klen + vlen, it->cas);
    mc_out_add(r->o, flags, 4);
    mc_out_add(r->o, mc_item_key(it), klen);
    mc_out_add(r->o, mc_item_value(it), vlen);
}

/* ---- set, add, replace, append, prepend ---------------------------------- */

/* The CAS a store compares: memcached keeps it in the new item, which
 * holds none when CAS is disabled (-C), so the request's CAS is ignored. */
static uint64_t store_cas(const breq *r)
{
    return r->e->cfg.cas_disabled ? 0 : r->cas;
}

static enum mc_store_op store_op(const breq *r)
{
    switch (r->cmd) {
    case OP_APPEND: return MC_APPEND;
    case OP_PREPEND: return MC_PREPEND;
    default: break;
    }
    if (store_cas(r) != 0)
        return MC_CAS;          /* memcached: any set/add/replace with a CAS */
    return r->cmd == OP_ADD ? MC_ADD : r->cmd == OP_REPLACE ? MC_REPLACE : MC_SET;
}

static void start_update(breq *r)
{
    mc_engine *e = r->e;
    bool append = r->cmd == OP_APPEND || r->cmd == OP_PREPEND;
    uint32_t flags = append ? 0 : get32(r->b->ext);
    int64_t exptime = append ? 0 : bin_exptime(e, get32(r->b->ext + 4));
    uint64_t vlen = (uint64_t)r->bodylen - r->keylen - r->extlen;
    if (vlen > INT32_MAX - 2) {
        /* memcached's length turns negative: refused, nothing discarded */
        reply_error(r, ST_E2BIG, NULL);
        return;
    }
    enum mc_alloc_res why;
    mc_item *it = mc_item_alloc(e, r->key, r->keylen, flags, exptime, (uint32_t)vlen + 2, NULL, &why);
    if (!it) {
        if (why == MC_ALLOC_TOO_LARGE)
            reply_error(r, ST_E2BIG, NULL);
        else
            reply_error(r, ST_ENOMEM, "Out of memory allocating item");
        if (r->cmd == OP_SET)   /* memcached: a Set, even one with a CAS */
            mc_store_drop_on_fail(e, MC_SET, r->key, r->keylen);
        r->b->swallow = vlen;
        if (vlen)
            r->b->state = B_SWALLOW;
        return;
    }
    r->b->it = it;
    r->b->got = 0;
    r->b->state = B_VALUE;
}

static void complete_update(breq *r)
{
    mc_engine *e = r->e;
    mc_item *it = r->b->it;
    r->b->it = NULL;
    memcpy(mc_item_value(it) + it->nbytes - 2, "\r\n", 2);
    MC_HIT(e, it, cmd_set);
    enum mc_store_op op = store_op(r);
    uint64_t cas = 0;
    switch (mc_store(e, it, op, store_cas(r), false, &cas)) {
    case MC_STORED:
        reply_ok(r, NULL, 0, cas);
        break;
    case MC_EXISTS:
        reply_error(r, ST_EEXISTS, NULL);
        break;
    case MC_NOT_FOUND:
        reply_error(r, ST_ENOENT, NULL);
        break;
    case MC_NOT_STORED:
        reply_error(r, op == MC_ADD ? ST_EEXISTS : op == MC_REPLACE ? ST_ENOENT : ST_NOT_STORED, NULL);
        break;
    }
}

/* ---- incr, decr ------------------------------------------------------------ */

static void do_arith(breq *r)
{
    mc_engine *e = r->e;
    bool incr = r->cmd == OP_INCR;
    uint64_t delta = get64(r->b->ext), initial = get64(r->b->ext + 8);
    uint32_t exp = get32(r->b->ext + 16);
    char buf[32];
    mc_item *it = NULL;
    unsigned char val[8];
    switch (mc_delta(e, r->key, r->keylen, incr, delta, r->cas, buf, &it, NULL)) {
    case MC_DELTA_OK: {
        uint64_t v = 0;
        mc_parse_u64(buf, &v);
        put64(val, v);
        reply_ok(r, val, 8, it->cas);
        break;
    }
    case MC_DELTA_NON_NUMERIC:
        reply_error(r, ST_DELTA_BADVAL, NULL);
        break;
    case MC_DELTA_EOM:
        reply_error(r, ST_ENOMEM, "Out of memory incrementing value");
        break;
    case MC_DELTA_CAS_MISMATCH:
        reply_error(r, ST_EEXISTS, NULL);
        break;
    case MC_DELTA_NOT_FOUND: {
        if (exp == 0xffffffffu) {
            if (incr) e->st.incr_misses++; else e->st.decr_misses++;
            reply_error(r, ST_ENOENT, NULL);
            break;
        }
        /* create the item with the initial value */
        size_t n = (size_t)(mc_u64toa(initial, buf) - buf);
        enum mc_alloc_res why;
        mc_item *ni = mc_item_alloc(e, r->key, r->keylen, 0, bin_exptime(e, exp),
                                    (uint32_t)n + 2, NULL, &why);
        if (!ni) {
            reply_error(r, ST_ENOMEM, "Out of memory allocating new item");
            break;
        }
        memcpy(mc_item_value(ni), buf, n);
        memcpy(mc_item_value(ni) + n, "\r\n", 2);
        uint64_t cas = 0;
        if (mc_store(e, ni, MC_ADD, 0, false, &cas) == MC_STORED) {
            put64(val, initial);
            reply_ok(r, val, 8, cas);
        } else {
            reply_error(r, ST_NOT_STORED, NULL);
        }
        break;
    }
    }
}

/* ---- delete, flush ---------------------------------------------------------- */

static void do_delete(breq *r)
{
    mc_engine *e = r->e;
    mc_item *it = mc_item_get(e, r->key, r->keylen);
    if (!it) {
        e->st.delete_misses++;
        reply_error(r, ST_ENOENT, NULL);
    } else if (r->cas != 0 && r->cas != it->cas) {
        reply_error(r, ST_EEXISTS, NULL);
    } else {
        MC_HIT(e, it, delete_hits);
        mc_item_unlink(e, it);
        reply_ok(r, NULL, 0, 0);
    }
}

static void do_flush(breq *r)
{
    if (r->e->cfg.flush_disabled) {     /* -F: memcached answers this */
        reply_error(r, ST_AUTH_ERROR, NULL);
        return;
    }
    uint32_t t = r->extlen == 4 ? get32(r->b->ext) : 0;
    mc_flush_all(r->e, t > INT32_MAX ? INT32_MAX : (int32_t)t);
    reply_ok(r, NULL, 0, 0);
}

/* ---- stat ---------------------------------------------------------------------- */

static bool key_is(const breq *r, const char *s, bool prefix)
{
    size_t n = strlen(s);
    return prefix ? r->keylen >= n && memcmp(r->key, s, n) == 0
                  : r->keylen == n && memcmp(r->key, s, n) == 0;
}

static void stat_packet(breq *r, const char *k, size_t nk, const char *v, size_t nv)
{
    reply_hdr(r, OP_STAT, ST_OK, 0, (uint16_t)nk, (uint32_t)(nk + nv), 0);
    mc_out_add(r->o, k, nk);
    mc_out_add(r->o, v, nv);
}

/* The text protocol's stats group, re-encoded: one packet per "STAT name
 * value" line, then an empty packet. */
static void do_stat(breq *r)
{
    const char *group;
    bool dump = false;
    if (r->keylen == 0) group = "stats";
    else if (key_is(r, "reset", true)) group = "stats reset";
    else if (key_is(r, "settings", true)) group = "stats settings";
    else if (key_is(r, "detail dump", true)) { group = "stats detail dump"; dump = true; }
    else if (key_is(r, "detail on", true)) group = "stats detail on";
    else if (key_is(r, "detail off", true)) group = "stats detail off";
    else if (key_is(r, "items", false)) group = "stats items";
    else if (key_is(r, "slabs", false)) group = "stats slabs";
    else if (key_is(r, "sizes", false)) group = "stats sizes";
    else {
        reply_error(r, ST_ENOENT, NULL);
        return;
    }
    char line[32];
    strcpy(line, group);
    mc_out text;
    mc_out_init(&text);
    mc_ctx x;
    memset(&x, 0, sizeof(x));
    x.e = r->e;
    x.o = &text;
    mc_token t[MC_MAX_TOKENS];
    size_t nt = mc_tokenize(line, t, MC_MAX_TOKENS);
    mc_process_stats(&x, t, nt);
    if (text.oom) {
        reply_error(r, ST_ENOMEM, "Out of memory generating stats");
        mc_out_free(&text);
        return;
    }
    if (dump) {
        stat_packet(r, "detailed", 8, text.buf, text.len);
    } else {
        size_t i = 0;
        while (i < text.len) {
            const char *l = text.buf + i;
            const char *end = memchr(l, '\n', text.len - i);
            size_t n = end ? (size_t)(end - l) : text.len - i;
            i += n + 1;
            if (n > 0 && l[n - 1] == '\r')
                n--;
            if (n <= 5 || memcmp(l, "STAT ", 5) != 0)
                continue;
            const char *name = l + 5;
            const char *sp = memchr(name, ' ', n - 5);
            size_t nn = sp ? (size_t)(sp - name) : n - 5;
            const char *val = sp ? sp + 1 : name + nn;
            stat_packet(r, name, nn, val, (size_t)(l + n - val));
        }
    }
    mc_out_free(&text);
    stat_packet(r, "", 0, "", 0);
}

/* The non-quiet opcode of a quiet one (true), or the opcode itself. */
static bool quiet_form(uint8_t op, uint8_t *cmd)
{
    static const uint8_t loud[][2] = {
        {OP_SETQ, OP_SET}, {OP_ADDQ, OP_ADD}, {OP_REPLACEQ, OP_REPLACE}, {OP_DELETEQ, OP_DELETE},
        {OP_INCRQ, OP_INCR}, {OP_DECRQ, OP_DECR}, {OP_QUITQ, OP_QUIT}, {OP_FLUSHQ, OP_FLUSH},
        {OP_APPENDQ, OP_APPEND}, {OP_PREPENDQ, OP_PREPEND}, {OP_GETQ, OP_GET},
        {OP_GETKQ, OP_GETK}, {OP_GATQ, OP_GAT}, {OP_GATKQ, OP_GATK},
    };
    for (size_t i = 0; i < sizeof(loud) / sizeof(loud[0]); i++) {
        if (loud[i][0] == op) {
            *cmd = loud[i][1];
            return true;
        }
    }
    *cmd = op;
    return false;
}

/* ---- dispatch -------------------------------------------------------------------- */

static void dispatch(breq *r)
{
    mc_bin *b = r->b;
    uint8_t extlen = r->extlen;
    uint16_t keylen = r->keylen;
    uint32_t bodylen = r->bodylen;

    if (keylen > bodylen || (uint32_t)keylen + extlen > bodylen) {
        reply_error(r, ST_UNKNOWN, NULL);
        r->close = true;
        return;
    }
    if (keylen > MC_KEY_MAX) {
        protocol_error(r);
        return;
    }
    r->quiet = quiet_form(r->opcode, &r->cmd);

    bool ok = true;
    switch (r->cmd) {
    case OP_VERSION:
        ok = extlen == 0 && keylen == 0 && bodylen == 0;
        if (ok)
            reply_ok(r, r->e->version, (uint32_t)strlen(r->e->version), 0);
        break;
    case OP_FLUSH:
        ok = keylen == 0 && bodylen == extlen && (extlen == 0 || extlen == 4);
        if (ok)
            do_flush(r);
        break;
    case OP_NOOP:
        ok = extlen == 0 && keylen == 0 && bodylen == 0;
        if (ok) {
            reply_ok(r, NULL, 0, 0);
            r->flush = true;
        }
        break;
    case OP_SET:
    case OP_ADD:
    case OP_REPLACE:
        ok = extlen == 8 && keylen != 0 && bodylen >= (uint32_t)keylen + 8;
        if (ok)
            start_update(r);
        break;
    case OP_GET:
    case OP_GETK:
        ok = extlen == 0 && bodylen == keylen && keylen > 0;
        if (ok)
            do_get(r);
        break;
    case OP_DELETE:
        ok = keylen > 0 && extlen == 0 && bodylen == keylen;
        if (ok)
            do_delete(r);
        break;
    case OP_INCR:
    case OP_DECR:
        ok = keylen > 0 && extlen == 20 && bodylen == (uint32_t)keylen + extlen;
        if (ok)
            do_arith(r);
        break;
    case OP_APPEND:
    case OP_PREPEND:
        ok = keylen > 0 && extlen == 0;
        if (ok)
            start_update(r);
        break;
    case OP_STAT:
        ok = extlen == 0;
        if (ok)
            do_stat(r);
        break;
    case OP_QUIT:
        ok = keylen == 0 && extlen == 0 && bodylen == 0;
        if (ok) {
            reply_ok(r, NULL, 0, 0);
            r->close = true;
            r->flush = true;
            b->quit = true;
        }
        break;
    case OP_SASL_LIST:
        /* no SASL here, as in a memcached started without -S */
        ok = extlen == 0 && keylen == 0 && bodylen == 0;
        if (ok)
            reply_error(r, ST_UNKNOWN, NULL);
        break;
    case OP_SASL_AUTH:
    case OP_SASL_STEP:
        ok = extlen == 0 && keylen != 0;
        if (ok) {
            reply_error(r, ST_UNKNOWN, NULL);
            b->swallow = bodylen - keylen;
        }
        break;
    case OP_TOUCH:
    case OP_GAT:
    case OP_GATK:
        ok = extlen == 4 && keylen != 0;
        if (ok)
            do_get(r);
        break;
    default:
        /* memcached discards bodylen bytes after the key it has read */
        reply_error(r, ST_UNKNOWN, NULL);
        b->swallow = bodylen;
        break;
    }
    if (!ok)
        protocol_error(r);
    if (b->swallow && b->state == B_HDR)
        b->state = B_SWALLOW;
}

/* ---- the stream state machine ------------------------------------------------------ */

static void req_init(breq *r, mc_engine *e, mc_bin *b, mc_out *o)
{
    memset(r, 0, sizeof(*r));
    r->e = e;
    r->b = b;
    r->o = o;
    r->opcode = b->hdr[1];
    r->keylen = get16(b->hdr + 2);
    r->extlen = b->hdr[4];
    r->bodylen = get32(b->hdr + 8);
    r->cas = get64(b->hdr + 16);
    r->key = b->key;
}

/* The value of a set-family request has arrived: store it and reply (the
 * response object was opened when the request's key arrived). */
static bool value_done(mc_engine *e, mc_bin *b, mc_out *o)
{
    breq r;
    req_init(&r, e, b, o);
    r.resp_off = o->len;
    r.quiet = quiet_form(r.opcode, &r.cmd);
    b->state = B_HDR;
    b->got = 0;
    complete_update(&r);
    return r.flush;
}

/* A point where memcached transmits what it has: on UDP the next reply
 * starts a batch, and replies before it survive a hang-up. */
static void transmitted(mc_out *o, bool mark_batches, size_t *sent_len, size_t *sent_marks)
{
    if (!mark_batches)
        return;
    o->batch_next = true;
    *sent_len = o->len;
    *sent_marks = o->nmarks;
}

size_t mc_bin_run(mc_engine *e, mc_bin *b, const char *p, size_t len, mc_out *o,
                  bool mark_batches, bool *close, unsigned max_req, unsigned *nreq)
{
    size_t pos = 0;
    unsigned started = 0;
    *close = false;
    /* where memcached last transmitted (UDP): replies after it are dropped
     * when it hangs up on a bad header */
    size_t sent_len = o->len, sent_marks = o->nmarks;
    while (pos < len) {
        if (b->state == B_SWALLOW) {
            uint64_t n = b->swallow;
            if (n > len - pos)
                n = len - pos;
            b->swallow -= n;
            pos += (size_t)n;
            if (b->swallow == 0)
                b->state = B_HDR;
            continue;
        }
        if (b->state == B_VALUE) {
            mc_item *it = b->it;
            size_t n = it->nbytes - 2 - b->got;
            if (n > len - pos)
                n = len - pos;
            memcpy(mc_item_value(it) + b->got, p + pos, n);
            b->got += (uint32_t)n;
            pos += n;
            if (b->got == it->nbytes - 2 && value_done(e, b, o))
                transmitted(o, mark_batches, &sent_len, &sent_marks);
            continue;
        }
        if (b->state == B_HDR) {
            if (max_req && started == max_req && b->got == 0)
                break;                  /* this turn's requests are done */
            size_t n = MC_BIN_HDR - b->got;
            if (n > len - pos)
                n = len - pos;
            memcpy(b->hdr + b->got, p + pos, n);
            b->got += (uint32_t)n;
            pos += n;
            if (b->got < MC_BIN_HDR)
                break;
            if (b->hdr[0] != 0x80) {     /* bad magic: hang up, no reply */
                if (mark_batches) {
                    mc_out_truncate(o, sent_len);
                    o->nmarks = sent_marks;
                }
                *close = true;
                break;
            }
            b->got = 0;
            b->state = B_KEY;
            started++;
        }
        /* B_KEY: extras, then the key (bytes beyond MC_KEY_MAX only counted) */
        uint32_t extlen = b->hdr[4], keylen = get16(b->hdr + 2);
        while (pos < len && b->got < extlen + keylen) {
            if (b->got < extlen) {
                size_t n = extlen - b->got;
                if (n > len - pos)
                    n = len - pos;
                memcpy(b->ext + b->got, p + pos, n);
                b->got += (uint32_t)n;
                pos += n;
            } else {
                uint32_t k = b->got - extlen;
                size_t n = keylen - k;
                if (n > len - pos)
                    n = len - pos;
                if (k < MC_KEY_MAX)
                    memcpy(b->key + k, p + pos, n < MC_KEY_MAX - k ? n : MC_KEY_MAX - k);
                b->got += (uint32_t)n;
                pos += n;
            }
        }
        if (b->got < extlen + keylen)
            break;
        b->got = 0;
        b->state = B_HDR;
        breq r;
        req_init(&r, e, b, o);
        mc_out_resp_start(o);
        r.resp_off = o->len;
        dispatch(&r);
        if (b->state == B_SWALLOW)
            r.flush = false;        /* memcached does not transmit before discarding */
        if (r.flush)
            transmitted(o, mark_batches, &sent_len, &sent_marks);
        if (b->state == B_VALUE && b->it->nbytes == 2 && value_done(e, b, o))   /* an empty value */
            transmitted(o, mark_batches, &sent_len, &sent_marks);
        if (r.close) {
            *close = true;
            break;
        }
    }
    if (nreq)
        *nreq = started;
    return pos;
}

void mc_bin_reset(mc_engine *e, mc_bin *b)
{
    if (b->state == B_VALUE && b->it)
        mc_item_free(e, b->it);
    memset(b, 0, sizeof(*b));
}

bool mc_bin_idle(const mc_bin *b)
{
    return b->state == B_HDR && b->got == 0;
}

bool mc_bin_pending_data(const mc_bin *b)
{
    return b->state == B_VALUE;
}
