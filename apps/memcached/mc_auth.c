/*
 * mc_auth.c - ASCII authentication (memcached's -Y).
 *
 * The embedder reads the auth file and hands its text to
 * mc_engine_set_auth(); the engine keeps a copy and a table of
 * user/password pairs pointing into it. A text connection that has not
 * authenticated may only send
 *
 *     set <key> <flags> <exptime> <bytes>\r\n<user> <password>\r\n
 *
 * (key, flags and exptime are not looked at). Right credentials answer
 * STORED and the connection then speaks the normal protocol; anything else
 * answers a CLIENT_ERROR and the connection stays unauthenticated. The
 * replies and the auth_cmds / auth_errors counters are memcached's.
 */
#include "mc_internal.h"

#include <stdlib.h>
#include <string.h>

int mc_engine_set_auth(mc_engine *e, const char *text, size_t len)
{
    /* count the lines first, so the table is allocated once */
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            lines++;
    lines++;
    char *copy = malloc(len + 1);
    mc_auth_entry *tab = malloc(lines * sizeof(*tab));
    if (!copy || !tab) {
        free(copy);
        free(tab);
        return MC_AUTH_NOMEM;
    }
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    size_t n = 0, pos = 0;
    while (pos < len) {
        const char *line = copy + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl ? 1 : 0);
        const char *colon = memchr(line, ':', ll);
        if (!colon) {
            free(copy);
            free(tab);
            return MC_AUTH_MALFORMED;
        }
        mc_auth_entry *a = &tab[n++];
        a->user = line;
        a->ulen = (size_t)(colon - line);
        a->pass = colon + 1;
        size_t pl = 0;
        while (a->pass + pl < line + ll && a->pass[pl] != '\r')
            pl++;
        a->plen = pl;
    }
    mc_auth_free(e);
    e->auth_text = copy;
    e->auth = tab;
    e->nauth = n;
    return MC_AUTH_OK;
}

void mc_auth_free(mc_engine *e)
{
    free(e->auth_text);
    free(e->auth);
    e->auth_text = NULL;
    e->auth = NULL;
    e->nauth = 0;
}

/* Compares every byte whatever the first difference, so the time taken
 * does not tell how much of a secret was right. */
static bool same_bytes(const char *a, const char *b, size_t n)
{
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static bool credentials_ok(const mc_engine *e, const mc_token *user, const mc_token *pass)
{
    bool ok = false;
    for (size_t i = 0; i < e->nauth; i++) {
        const mc_auth_entry *a = &e->auth[i];
        if (a->ulen != user->length || a->plen != pass->length)
            continue;
        bool user_ok = same_bytes(a->user, user->value, a->ulen);
        bool pass_ok = same_bytes(a->pass, pass->value, a->plen);   /* compared even if user_ok is false */
        if (user_ok && pass_ok)
            ok = true;
    }
    return ok;
}

void mc_auth_line(mc_ctx *x, char *line)
{
    mc_token t[MC_MAX_TOKENS];
    if (!mc_ctx_resp_start(x)) {
        x->oom = true;
        return;
    }
    size_t nt = mc_tokenize(line, t, MC_MAX_TOKENS);
    uint64_t size;
    /* only "set" with at least key, flags, exptime and a byte count */
    if (nt < 6 || strcmp(t[0].value, "set") != 0 || !mc_parse_u64(t[4].value, &size) ||
        size > ((uint64_t)1 << 32)) {
        mc_out_string(x, "CLIENT_ERROR unauthenticated");
        return;
    }
    x->auth_len = size + 2;
}

void mc_auth_data(mc_ctx *x, char *data, size_t n)
{
    mc_engine *e = x->e;
    if (n < 2 || data[n - 2] != '\r' || data[n - 1] != '\n') {
        mc_out_string(x, "CLIENT_ERROR bad command line termination");
        return;
    }
    data[n - 2] = '\0';
    mc_token t[MC_MAX_TOKENS];
    size_t nt = mc_tokenize(data, t, MC_MAX_TOKENS);
    if (nt < 3) {
        mc_out_string(x, "CLIENT_ERROR bad authentication token format");
        return;
    }
    e->st.auth_cmds++;
    if (credentials_ok(e, &t[0], &t[1])) {
        x->authed = true;
        mc_out_string(x, "STORED");
    } else {
        e->st.auth_errors++;
        mc_out_string(x, "CLIENT_ERROR authentication failure");
    }
}
