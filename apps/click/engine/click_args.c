/* Configuration-argument splitting and value parsing (see click_element.h). */
#include "click_element.h"
#include "click_router.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *dup_trim(const char *s, size_t n) {
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    char *r = malloc(n + 1);
    if (!r) return NULL;
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

int click_args_split(click_args *a, const char *config, click_errh *errh) {
    memset(a, 0, sizeof *a);
    a->errh = errh;
    if (!config) return 0;
    const char *s = config;
    /* An all-blank configuration has no arguments. */
    const char *t = s;
    while (*t && isspace((unsigned char)*t)) t++;
    if (!*t) return 0;
    int depth = 0;
    char quote = 0;
    const char *start = s;
    for (const char *c = s;; c++) {
        if (quote) {
            if (*c == '\\' && c[1]) { c++; continue; }
            if (*c == quote) quote = 0;
            else if (!*c) break;
            continue;
        }
        if (*c == '"' || *c == '\'') { quote = *c; continue; }
        if (*c == '(' || *c == '[' || *c == '{') depth++;
        else if ((*c == ')' || *c == ']' || *c == '}') && depth > 0) depth--;
        if ((*c == ',' && depth == 0) || !*c) {
            struct click_arg *nv = realloc(a->v, sizeof *nv * (size_t)(a->n + 1));
            if (!nv) return -1;
            a->v = nv;
            a->v[a->n].text = dup_trim(start, (size_t)(c - start));
            a->v[a->n].used = false;
            if (!a->v[a->n].text) return -1;
            a->n++;
            if (!*c) break;
            start = c + 1;
        }
    }
    return 0;
}

void click_args_free(click_args *a) {
    for (int i = 0; i < a->n; i++) free(a->v[i].text);
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

int click_args_count(const click_args *a) { return a->n; }

const char *click_args_kw(click_args *a, const char *kw) {
    size_t kl = strlen(kw);
    const char *found = NULL;
    for (int i = 0; i < a->n; i++) {
        const char *t = a->v[i].text;
        if (a->v[i].used || strncmp(t, kw, kl) != 0) continue;
        if (t[kl] != 0 && !isspace((unsigned char)t[kl])) continue;
        a->v[i].used = true;
        const char *v = t + kl;
        while (isspace((unsigned char)*v)) v++;
        found = v; /* the last occurrence wins, as in Click */
    }
    return found;
}

const char *click_args_next(click_args *a) {
    for (int i = 0; i < a->n; i++) {
        if (!a->v[i].used) {
            a->v[i].used = true;
            a->npos_read++;
            return a->v[i].text;
        }
    }
    return NULL;
}

int click_args_done(click_args *a) {
    int bad = 0;
    for (int i = 0; i < a->n; i++) {
        if (a->v[i].used) continue;
        const char *t = a->v[i].text;
        size_t k = 0;
        while (isupper((unsigned char)t[k]) || t[k] == '_' ||
               (k && isdigit((unsigned char)t[k])))
            k++;
        if (k > 1 && (t[k] == 0 || isspace((unsigned char)t[k])))
            click_errh_here(a->errh, "unknown keyword argument '%.*s'", (int)k, t);
        else
            click_errh_here(a->errh, "too many arguments (unexpected '%s')", t);
        bad = -1;
    }
    return bad;
}

int click_parse_int(const char *s, long long *v) {
    if (!s || !*s) return -1;
    errno = 0;
    char *end;
    long long x = strtoll(s, &end, 0);
    if (errno || end == s || *end) return -1;
    *v = x;
    return 0;
}

int click_parse_uint(const char *s, unsigned long long *v) {
    if (!s || !*s || *s == '-' || isspace((unsigned char)*s)) return -1;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end) return -1;
    *v = x;
    return 0;
}

int click_parse_bool(const char *s, bool *v) {
    if (!s) return -1;
    if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "t")) {
        *v = true;
        return 0;
    }
    if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0") || !strcmp(s, "f")) {
        *v = false;
        return 0;
    }
    return -1;
}

int click_parse_double(const char *s, double *v) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end) return -1;
    *v = x;
    return 0;
}

/* Parse a dotted quad at s; sets *endp past it. */
static int parse_quad(const char *s, uint32_t *ip, const char **endp) {
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)*s)) return -1;
        unsigned v = 0;
        int nd = 0;
        while (isdigit((unsigned char)*s)) {
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++nd > 3 || v > 255) return -1;
        }
        r = (r << 8) | v;
        if (i < 3) {
            if (*s != '.') return -1;
            s++;
        }
    }
    *ip = r;
    *endp = s;
    return 0;
}

/* 1 to 4 dotted octets, the missing ones zero ("18.26" is 18.26.0.0). */
static int parse_partial_quad(const char *s, uint32_t *ip, const char **endp) {
    uint32_t r = 0;
    int i = 0;
    for (; i < 4; i++) {
        if (!isdigit((unsigned char)*s)) return -1;
        unsigned v = 0;
        int nd = 0;
        while (isdigit((unsigned char)*s)) {
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++nd > 3 || v > 255) return -1;
        }
        r = (r << 8) | v;
        if (*s != '.' || i == 3) break;
        s++;
    }
    *ip = i == 3 ? r : r << (8 * (3 - i));
    *endp = s;
    return 0;
}

/* Names from the elements of the router being configured (AddressInfo). */
static click_router *name_scope;
static int name_depth;

click_router *click_args_set_scope(click_router *r) {
    click_router *old = name_scope;
    name_scope = r;
    return old;
}

static int scoped_lookup(const char *kind, const char *name, char *buf, size_t len) {
    if (!name_scope || name_depth > 4 || !(isalpha((unsigned char)*name) || *name == '_')) return -1;
    name_depth++;
    int rc = click_router_lookup_name(name_scope, kind, name, buf, len);
    name_depth--;
    return rc;
}

int click_parse_ip(const char *s, uint32_t *ip) {
    const char *e;
    char v[64];
    if (!s) return -1;
    if (parse_quad(s, ip, &e) == 0 && !*e) return 0;
    if (scoped_lookup("ip", s, v, sizeof v) == 0 && parse_quad(v, ip, &e) == 0 && !*e) return 0;
    return -1;
}

int click_parse_ip_prefix(const char *s, uint32_t *ip, uint32_t *mask) {
    const char *e;
    char v[64];
    if (!s) return -1;
    if (parse_quad(s, ip, &e) < 0) {
        const char *slash = strchr(s, '/');
        if (slash && parse_partial_quad(s, ip, &e) == 0 && e == slash) {
            /* "18.26/16": an address cut short */
        } else if (scoped_lookup("prefix", s, v, sizeof v) == 0 && v[0] != 0 &&
                   isdigit((unsigned char)v[0]) && !strchr(s, ' ')) {
            return click_parse_ip_prefix(v, ip, mask);
        } else {
            return -1;
        }
    }
    if (!*e) {
        *mask = 0xffffffffu;
        return 0;
    }
    if (*e == '/' || isspace((unsigned char)*e)) {
        const char *m = e + 1;
        while (isspace((unsigned char)*m)) m++;
        const char *e2;
        uint32_t mk;
        if (parse_quad(m, &mk, &e2) == 0 && !*e2) {
            *mask = mk;
            return 0;
        }
        if (*e != '/') return -1;
        char *end;
        long len = strtol(m, &end, 10);
        if (end == m || *end || len < 0 || len > 32) return -1;
        *mask = len == 0 ? 0 : 0xffffffffu << (32 - len);
        return 0;
    }
    return -1;
}

static int parse_ether_literal(const char *s, uint8_t mac[6]);

int click_parse_ether(const char *s, uint8_t mac[6]) {
    char v[64];
    if (!s) return -1;
    if (parse_ether_literal(s, mac) == 0) return 0;
    if (scoped_lookup("ether", s, v, sizeof v) == 0 && parse_ether_literal(v, mac) == 0) return 0;
    return -1;
}

static int parse_ether_literal(const char *s, uint8_t mac[6]) {
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)s[0])) return -1;
        unsigned v = 0;
        int nd = 0;
        while (isxdigit((unsigned char)*s) && nd < 2) {
            v = v * 16 + (unsigned)(isdigit((unsigned char)*s) ? *s - '0'
                                                           : (tolower((unsigned char)*s) - 'a' + 10));
            s++;
            nd++;
        }
        mac[i] = (uint8_t)v;
        if (i < 5) {
            if (*s != ':' && *s != '-') return -1;
            s++;
        }
    }
    return *s ? -1 : 0;
}

int click_parse_string(const char *s, char *out, size_t outlen) {
    if (!s || !outlen) return -1;
    size_t n = 0;
    if (*s == '"' || *s == '\'') {
        char q = *s++;
        while (*s && *s != q) {
            char c = *s++;
            if (c == '\\' && *s) {
                c = *s++;
                if (c == 'n') c = '\n';
                else if (c == 't') c = '\t';
            }
            if (n + 1 >= outlen) return -1;
            out[n++] = c;
        }
        if (*s != q || s[1]) return -1;
    } else {
        size_t l = strlen(s);
        if (l + 1 > outlen) return -1;
        memcpy(out, s, l);
        n = l;
    }
    out[n] = 0;
    return 0;
}

int click_split_words(const char *s, char (*words)[64], int max) {
    int n = 0;
    while (*s) {
        while (isspace((unsigned char)*s)) s++;
        if (!*s) break;
        const char *st = s;
        while (*s && !isspace((unsigned char)*s)) s++;
        if (n < max) {
            size_t l = (size_t)(s - st);
            if (l > 63) l = 63;
            memcpy(words[n], st, l);
            words[n][l] = 0;
        }
        n++;
    }
    return n;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* \<hex hex ...>: bytes in hex, whitespace between digit pairs allowed. */
static const char *hex_bytes(const char *s, uint8_t *out, size_t cap, size_t *n) {
    int hi = -1;
    for (; *s && *s != '>'; s++) {
        if (isspace((unsigned char)*s)) continue;
        int v = hexval((unsigned char)*s);
        if (v < 0) return NULL;
        if (hi < 0) {
            hi = v;
        } else {
            if (*n >= cap) return NULL;
            out[(*n)++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (*s != '>' || hi >= 0) return NULL;
    return s + 1;
}

long click_parse_data(const char *s, uint8_t *out, size_t cap) {
    size_t n = 0;
    while (*s) {
        if (*s == '"') {
            s++;
            while (*s && *s != '"') {
                int c = (unsigned char)*s++;
                if (c == '\\' && *s) {
                    c = (unsigned char)*s++;
                    if (c == '<') {
                        s = hex_bytes(s, out, cap, &n);
                        if (!s) return -1;
                        continue;
                    }
                    switch (c) {
                    case 'n': c = '\n'; break;
                    case 't': c = '\t'; break;
                    case 'r': c = '\r'; break;
                    case 'a': c = '\a'; break;
                    case 'b': c = '\b'; break;
                    case 'f': c = '\f'; break;
                    case 'v': c = '\v'; break;
                    case '0': case '1': case '2': case '3':
                    case '4': case '5': case '6': case '7': {
                        int v = c - '0';
                        for (int k = 0; k < 2 && *s >= '0' && *s <= '7'; k++) v = v * 8 + (*s++ - '0');
                        c = v & 0xff;
                        break;
                    }
                    case 'x': {
                        int v = 0;
                        while (hexval((unsigned char)*s) >= 0) v = v * 16 + hexval((unsigned char)*s++);
                        c = v & 0xff;
                        break;
                    }
                    default: break;
                    }
                }
                if (n >= cap) return -1;
                out[n++] = (uint8_t)c;
            }
            if (*s != '"') return -1;
            s++;
        } else if (*s == '\\' && s[1] == '<') {
            s = hex_bytes(s + 2, out, cap, &n);
            if (!s) return -1;
        } else if (isspace((unsigned char)*s) && n == 0) {
            s++;
        } else {
            if (n >= cap) return -1;
            out[n++] = (uint8_t)*s++;
        }
    }
    return (long)n;
}

int click_parse_time_ns(const char *s, uint64_t *ns) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) return -1;
    while (isspace((unsigned char)*end)) end++;
    double mul = 1e9;
    if (!*end || !strcmp(end, "s") || !strcmp(end, "sec")) mul = 1e9;
    else if (!strcmp(end, "ms") || !strcmp(end, "msec")) mul = 1e6;
    else if (!strcmp(end, "us") || !strcmp(end, "usec")) mul = 1e3;
    else if (!strcmp(end, "ns") || !strcmp(end, "nsec")) mul = 1;
    else if (!strcmp(end, "m") || !strcmp(end, "min")) mul = 60e9;
    else if (!strcmp(end, "h") || !strcmp(end, "hr")) mul = 3600e9;
    else return -1;
    *ns = (uint64_t)(v * mul + 0.5);
    return 0;
}
