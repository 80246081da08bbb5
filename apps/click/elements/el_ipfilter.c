/* IPClassifier(EXPR1, ..., EXPRn) and IPFilter(ACTION1 EXPR1, ...).
 *
 * Expressions (tcpdump-like, as in Click):
 *   true | false | - | any | all
 *   [src|dst|src or dst|src and dst] host A.B.C.D
 *   [src|dst|...] net A.B.C.D/LEN | net A.B.C.D mask M.M.M.M
 *   [tcp|udp] [src|dst|...] port [OP] N|NAME|N-M     (OP: = == != < > <= >=)
 *   [ip] proto N|tcp|udp|icmp|...   or just  tcp | udp | icmp
 *   icmp type [OP] N|NAME           (echo, echo-reply, unreachable, ...)
 *   tcp opt syn|fin|ack|rst|psh|urg (also: tcp syn, ...)
 *   ip vers|hl|tos|dscp|ttl|id|len [OP] N,   ip frag, ip unfrag
 *   ip[OFF] or ip[OFF:LEN] (LEN 1-4 bytes from the IP header), transp[...]
 *   (from the transport header), optionally "& MASK", then [OP] N; false
 *   when the packet is too short
 *   combined with and/&&, or/||, not/!, parentheses and juxtaposition
 *   (implicit and); "host A or B" repeats the previous qualifiers.
 * The IP header is taken from the network-header annotation, or the start
 * of the data when it is unset. Port, ICMP and TCP tests are false for
 * non-first fragments and for packets too short to hold the field.
 *
 * IPClassifier sends a packet to the output of the first matching
 * expression. IPFilter actions: allow (output 0), deny or drop (dropped),
 * or an output number. Unmatched packets are dropped ("drops" handler). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

enum nk { N_TRUE, N_FALSE, N_AND, N_OR, N_NOT, N_HOST, N_PROTO, N_PORT, N_ICMPTYPE, N_TCPOPT,
          N_IPFIELD, N_FRAG, N_UNFRAG, N_BYTES };
enum dir { D_SRC = 1, D_DST = 2, D_OR = 3, D_AND = 4 };
enum op { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_RANGE };
enum ipf { F_VERS, F_HL, F_TOS, F_DSCP, F_TTL, F_ID, F_LEN };

typedef struct node {
    enum nk kind;
    struct node *a, *b;
    int dir;
    uint32_t addr, mask;
    int proto;          /* N_PORT: 0 = tcp or udp; N_PROTO: number */
    enum op op;
    uint32_t v1, v2;
    int field;
    uint32_t off, blen, bmask; /* N_BYTES: field = 0 ip, 1 transp */
} node;

typedef struct rule {
    node *expr;
    int output;         /* -1: drop */
} rule;

typedef struct ipfilter {
    click_element e;
    int nrules;
    rule *rules;
    node **nodes;       /* every node of every rule, for cleanup */
    int nnodes;
    uint64_t drops;
} ipfilter;

/* ---- lexing ---- */

#define MAX_TOKS 1024
typedef struct ptok {
    char s[64];
} ptok;

typedef struct pstate {
    ptok *t;
    int n, i;
    char err[200];
    /* qualifiers of the previous primitive, for "host A or B" */
    bool have_last;
    int last_kind, last_dir, last_proto;
    node **all;
    int nall, capall;
    int depth;          /* nesting of not/parentheses */
} pstate;

static int tokenize(const char *s, pstate *ps) {
    ps->n = 0;
    while (*s) {
        if (isspace((unsigned char)*s)) {
            s++;
            continue;
        }
        if (ps->n >= MAX_TOKS) {
            snprintf(ps->err, sizeof ps->err, "expression too long");
            return -1;
        }
        char *o = ps->t[ps->n].s;
        size_t n = 0;
        if (*s == '(' || *s == ')' || *s == '[' || *s == ']' || (*s == '&' && s[1] != '&')) {
            o[n++] = *s++;
        } else if ((s[0] == '&' && s[1] == '&') || (s[0] == '|' && s[1] == '|') ||
                   (s[0] == '=' && s[1] == '=') || (s[0] == '!' && s[1] == '=') ||
                   (s[0] == '<' && s[1] == '=') || (s[0] == '>' && s[1] == '=')) {
            o[n++] = *s++;
            o[n++] = *s++;
        } else if (*s == '!' || *s == '<' || *s == '>' || *s == '=') {
            o[n++] = *s++;
        } else if (isalnum((unsigned char)*s) || *s == '-' || *s == '_' || *s == '.' || *s == '/' ||
                   *s == ':') {
            while (isalnum((unsigned char)*s) || *s == '-' || *s == '_' || *s == '.' || *s == '/' ||
                   *s == ':') {
                if (n >= 63) {
                    snprintf(ps->err, sizeof ps->err, "word too long");
                    return -1;
                }
                o[n++] = *s++;
            }
        } else {
            snprintf(ps->err, sizeof ps->err, "unexpected character '%c'", *s);
            return -1;
        }
        o[n] = 0;
        ps->n++;
    }
    return 0;
}

static const char *peek(pstate *ps, int k) { return ps->i + k < ps->n ? ps->t[ps->i + k].s : ""; }
static bool is(pstate *ps, int k, const char *w) { return !strcmp(peek(ps, k), w); }

static node *mk(pstate *ps, enum nk k) {
    if (ps->nall == ps->capall) {
        int nc = ps->capall ? ps->capall * 2 : 16;
        node **na = realloc(ps->all, sizeof *na * (size_t)nc);
        if (!na) return NULL;
        ps->all = na;
        ps->capall = nc;
    }
    node *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->kind = k;
    ps->all[ps->nall++] = n;
    return n;
}

static node *mk2(pstate *ps, enum nk k, node *a, node *b) {
    node *n = mk(ps, k);
    if (n) {
        n->a = a;
        n->b = b;
    }
    return n;
}

/* ---- value tables ---- */

struct named { const char *name; int v; };
static const struct named port_names[] = {
    {"echo", 7}, {"discard", 9}, {"daytime", 13}, {"ftp-data", 20}, {"ftp", 21}, {"ssh", 22},
    {"telnet", 23}, {"smtp", 25}, {"domain", 53}, {"dns", 53}, {"bootps", 67}, {"bootpc", 68},
    {"tftp", 69}, {"finger", 79}, {"www", 80}, {"http", 80}, {"pop3", 110}, {"sunrpc", 111},
    {"auth", 113}, {"nntp", 119}, {"ntp", 123}, {"imap", 143}, {"snmp", 161}, {"snmp-trap", 162},
    {"bgp", 179}, {"https", 443}, {"memcached", 11211}, {NULL, 0}};
static const struct named proto_names[] = {
    {"icmp", 1}, {"igmp", 2}, {"ipip", 4}, {"tcp", 6}, {"udp", 17}, {"gre", 47}, {"esp", 50},
    {"ah", 51}, {"icmp6", 58}, {"sctp", 132}, {NULL, 0}};
static const struct named icmp_names[] = {
    {"echo-reply", 0}, {"unreachable", 3}, {"sourcequench", 4}, {"redirect", 5}, {"echo", 8},
    {"routeradvert", 9}, {"routersolicit", 10}, {"timxceed", 11}, {"time-exceeded", 11},
    {"paramprob", 12}, {"parameterproblem", 12}, {"timestamp", 13}, {"timestamp-reply", 14},
    {"inforeq", 15}, {"inforeq-reply", 16}, {"maskreq", 17}, {"maskreq-reply", 18}, {NULL, 0}};
static const struct named tcp_flags[] = {
    {"fin", 0x01}, {"syn", 0x02}, {"rst", 0x04}, {"psh", 0x08}, {"ack", 0x10}, {"urg", 0x20},
    {NULL, 0}};

static int lookup(const struct named *t, const char *w) {
    for (; t->name; t++)
        if (!strcmp(t->name, w)) return t->v;
    return -1;
}

static bool parse_num(const char *w, uint32_t max, uint32_t *v) {
    unsigned long long x;
    if (click_parse_uint(w, &x) < 0 || x > max) return false;
    *v = (uint32_t)x;
    return true;
}

/* [OP] value for ports, ICMP types and IP fields. */
static int parse_rel(pstate *ps, node *n, const struct named *names, uint32_t max, const char *what) {
    n->op = OP_EQ;
    const char *w = peek(ps, 0);
    static const char *const ops[] = {"=", "==", "!=", "<", ">", "<=", ">="};
    static const enum op opv[] = {OP_EQ, OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE};
    for (int i = 0; i < 7; i++)
        if (!strcmp(w, ops[i])) {
            n->op = opv[i];
            ps->i++;
            w = peek(ps, 0);
            break;
        }
    if (!*w) {
        snprintf(ps->err, sizeof ps->err, "missing %s value", what);
        return -1;
    }
    const char *dash = strchr(w, '-');
    if (dash && dash != w && n->op == OP_EQ && isdigit((unsigned char)w[0])) {
        char lo[64];
        size_t l = (size_t)(dash - w);
        memcpy(lo, w, l);
        lo[l] = 0;
        if (!parse_num(lo, max, &n->v1) || !parse_num(dash + 1, max, &n->v2) || n->v1 > n->v2) {
            snprintf(ps->err, sizeof ps->err, "bad %s range '%s'", what, w);
            return -1;
        }
        n->op = OP_RANGE;
        ps->i++;
        return 0;
    }
    int nv = names ? lookup(names, w) : -1;
    if (nv >= 0) n->v1 = (uint32_t)nv;
    else if (!parse_num(w, max, &n->v1)) {
        snprintf(ps->err, sizeof ps->err, "bad %s '%s'", what, w);
        return -1;
    }
    ps->i++;
    return 0;
}

static node *parse_or(pstate *ps);

static bool is_dir(const char *w) { return !strcmp(w, "src") || !strcmp(w, "dst"); }
static bool is_type(const char *w) {
    return !strcmp(w, "host") || !strcmp(w, "net") || !strcmp(w, "port");
}

static bool starts_rel(pstate *ps) {
    static const char *const ops[] = {"=", "==", "!=", "<", ">", "<=", ">="};
    for (int i = 0; i < 7; i++)
        if (is(ps, 0, ops[i])) return true;
    return isdigit((unsigned char)peek(ps, 0)[0]) != 0;
}

/* One primitive, with its qualifiers. */
static node *parse_prim(pstate *ps) {
    const char *w = peek(ps, 0);
    if (!strcmp(w, "true") || !strcmp(w, "-") || !strcmp(w, "any") || !strcmp(w, "all")) {
        ps->i++;
        return mk(ps, N_TRUE);
    }
    if (!strcmp(w, "false") || !strcmp(w, "none")) {
        ps->i++;
        return mk(ps, N_FALSE);
    }
    if ((!strcmp(w, "ip") || !strcmp(w, "transp")) && is(ps, 1, "[")) {
        /* ip[OFF], ip[OFF:LEN], transp[...], optionally "& MASK", then a
         * relation; false when the packet is too short for the bytes */
        node *n = mk(ps, N_BYTES);
        if (!n) return NULL;
        n->field = !strcmp(w, "ip") ? 0 : 1;
        char spec[64];
        snprintf(spec, sizeof spec, "%s", peek(ps, 2));
        char *colon = strchr(spec, ':');
        uint32_t len = 1;
        if (colon) *colon = 0;
        if (!parse_num(spec, 65535, &n->off) || (colon && !parse_num(colon + 1, 4, &len)) || len == 0 ||
            !is(ps, 3, "]")) {
            snprintf(ps->err, sizeof ps->err, "bad byte field after '%s'", w);
            return NULL;
        }
        n->blen = len;
        ps->i += 4;
        n->bmask = len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
        if (is(ps, 0, "&")) {
            uint32_t m;
            if (!parse_num(peek(ps, 1), 0xffffffffu, &m)) {
                snprintf(ps->err, sizeof ps->err, "bad mask '%s'", peek(ps, 1));
                return NULL;
            }
            n->bmask &= m;
            ps->i += 2;
        }
        if (starts_rel(ps)) {
            if (parse_rel(ps, n, NULL, 0xffffffffu, "byte value") < 0) return NULL;
        } else {
            n->op = OP_NE; /* bare field: true when nonzero */
            n->v1 = 0;
        }
        return n;
    }
    int dir = 0, proto = -1;
    const char *type = NULL;
    /* protocol qualifier */
    if (!strcmp(w, "ip") || !strcmp(w, "tcp") || !strcmp(w, "udp") || !strcmp(w, "icmp")) {
        proto = !strcmp(w, "ip") ? 0 : lookup(proto_names, w);
        ps->i++;
        w = peek(ps, 0);
    }
    /* direction qualifier */
    if (is_dir(w)) {
        dir = !strcmp(w, "src") ? D_SRC : D_DST;
        if ((is(ps, 1, "or") || is(ps, 1, "and")) && is_dir(peek(ps, 2)) && is_type(peek(ps, 3))) {
            dir = is(ps, 1, "or") ? D_OR : D_AND;
            ps->i += 2;
        }
        ps->i++;
        w = peek(ps, 0);
    }
    if (is_type(w)) {
        type = w;
        ps->i++;
    } else if (dir == 0 && proto < 0 && ps->have_last && (isdigit((unsigned char)*w))) {
        /* "host A or B": reuse the previous qualifiers */
        static const char *const kinds[] = {"host", "net", "port"};
        type = kinds[ps->last_kind];
        dir = ps->last_dir;
        proto = ps->last_proto;
    } else if (dir && isdigit((unsigned char)*w)) {
        type = strchr(w, '/') ? "net" : "host";
    }
    node *n = NULL;
    if (type && (!strcmp(type, "host") || !strcmp(type, "net"))) {
        const char *v = peek(ps, 0);
        n = mk(ps, N_HOST);
        if (!n) return NULL;
        n->dir = dir ? dir : D_OR;
        if (!strcmp(type, "host")) {
            if (click_parse_ip(v, &n->addr) < 0) {
                snprintf(ps->err, sizeof ps->err, "bad IP address '%s'", v);
                return NULL;
            }
            n->mask = 0xffffffffu;
            ps->i++;
        } else {
            ps->i++;
            if (is(ps, 0, "mask")) {
                char buf[140];
                snprintf(buf, sizeof buf, "%s/%s", v, peek(ps, 1));
                if (click_parse_ip_prefix(buf, &n->addr, &n->mask) < 0) {
                    snprintf(ps->err, sizeof ps->err, "bad network '%s mask %s'", v, peek(ps, 1));
                    return NULL;
                }
                ps->i += 2;
            } else if (click_parse_ip_prefix(v, &n->addr, &n->mask) < 0 || !strchr(v, '/')) {
                snprintf(ps->err, sizeof ps->err, "bad network '%s' (expected A.B.C.D/LEN)", v);
                return NULL;
            }
            n->addr &= n->mask;
        }
        ps->have_last = true;
        ps->last_kind = !strcmp(type, "host") ? 0 : 1;
        ps->last_dir = n->dir;
        ps->last_proto = proto;
        if (proto > 0) {
            node *pn = mk(ps, N_PROTO);
            if (!pn) return NULL;
            pn->proto = proto;
            n = mk2(ps, N_AND, pn, n);
        }
        return n;
    }
    if (type && !strcmp(type, "port")) {
        if (proto >= 0 && proto != IP_PROTO_TCP && proto != IP_PROTO_UDP && proto != 0) {
            snprintf(ps->err, sizeof ps->err, "'port' needs tcp or udp");
            return NULL;
        }
        n = mk(ps, N_PORT);
        if (!n) return NULL;
        n->dir = dir ? dir : D_OR;
        n->proto = proto > 0 ? proto : 0;
        if (parse_rel(ps, n, port_names, 65535, "port") < 0) return NULL;
        ps->have_last = true;
        ps->last_kind = 2;
        ps->last_dir = n->dir;
        ps->last_proto = proto;
        return n;
    }
    if (dir) {
        snprintf(ps->err, sizeof ps->err, "expected host, net or port after '%s'",
                 dir == D_SRC ? "src" : dir == D_DST ? "dst" : "direction");
        return NULL;
    }
    w = peek(ps, 0);
    if (!strcmp(w, "proto") && proto <= 0) {
        ps->i++;
        const char *v = peek(ps, 0);
        n = mk(ps, N_PROTO);
        if (!n) return NULL;
        int pv = lookup(proto_names, v);
        uint32_t x;
        if (pv >= 0) n->proto = pv;
        else if (parse_num(v, 255, &x)) n->proto = (int)x;
        else {
            snprintf(ps->err, sizeof ps->err, "bad protocol '%s'", v);
            return NULL;
        }
        ps->i++;
        return n;
    }
    if (proto == IP_PROTO_ICMP && !strcmp(w, "type")) {
        ps->i++;
        n = mk(ps, N_ICMPTYPE);
        if (!n || parse_rel(ps, n, icmp_names, 255, "ICMP type") < 0) return NULL;
        node *pn = mk(ps, N_PROTO);
        if (!pn) return NULL;
        pn->proto = IP_PROTO_ICMP;
        return mk2(ps, N_AND, pn, n);
    }
    if (proto == IP_PROTO_TCP && (!strcmp(w, "opt") || lookup(tcp_flags, w) >= 0)) {
        if (!strcmp(w, "opt")) ps->i++;
        int f = lookup(tcp_flags, peek(ps, 0));
        if (f < 0) {
            snprintf(ps->err, sizeof ps->err, "bad TCP option '%s'", peek(ps, 0));
            return NULL;
        }
        ps->i++;
        n = mk(ps, N_TCPOPT);
        if (!n) return NULL;
        n->v1 = (uint32_t)f;
        return n;
    }
    if (proto == 0 || proto < 0) {
        static const char *const fields[] = {"vers", "hl", "tos", "dscp", "ttl", "id", "len"};
        static const uint32_t fmax[] = {15, 60, 255, 63, 255, 65535, 65535};
        for (int i = 0; i < 7; i++) {
            if (!strcmp(w, fields[i])) {
                ps->i++;
                n = mk(ps, N_IPFIELD);
                if (!n) return NULL;
                n->field = i;
                if (parse_rel(ps, n, NULL, fmax[i], fields[i]) < 0) return NULL;
                return n;
            }
        }
        if (!strcmp(w, "frag") || !strcmp(w, "unfrag")) {
            ps->i++;
            return mk(ps, !strcmp(w, "frag") ? N_FRAG : N_UNFRAG);
        }
    }
    if (proto > 0) {
        n = mk(ps, N_PROTO);
        if (n) n->proto = proto;
        return n;
    }
    if (proto == 0) {
        snprintf(ps->err, sizeof ps->err, "expected a field after 'ip'");
        return NULL;
    }
    if (isdigit((unsigned char)*w)) {
        /* bare address */
        n = mk(ps, N_HOST);
        if (!n) return NULL;
        n->dir = D_OR;
        if (click_parse_ip_prefix(w, &n->addr, &n->mask) < 0) {
            snprintf(ps->err, sizeof ps->err, "bad address '%s'", w);
            return NULL;
        }
        n->addr &= n->mask;
        ps->i++;
        return n;
    }
    if (!*w) snprintf(ps->err, sizeof ps->err, "missing expression");
    else snprintf(ps->err, sizeof ps->err, "unknown term '%s'", w);
    return NULL;
}

static node *parse_not(pstate *ps) {
    if (++ps->depth > 200) {
        snprintf(ps->err, sizeof ps->err, "expression nested too deeply");
        return NULL;
    }
    node *r;
    if (is(ps, 0, "not") || is(ps, 0, "!")) {
        ps->i++;
        node *a = parse_not(ps);
        r = a ? mk2(ps, N_NOT, a, NULL) : NULL;
    } else if (is(ps, 0, "(")) {
        ps->i++;
        r = parse_or(ps);
        if (r && !is(ps, 0, ")")) {
            snprintf(ps->err, sizeof ps->err, "missing ')'");
            r = NULL;
        } else if (r) {
            ps->i++;
        }
    } else {
        r = parse_prim(ps);
    }
    ps->depth--;
    return r;
}

static bool starts_term(pstate *ps) {
    const char *w = peek(ps, 0);
    if (!*w || !strcmp(w, ")") || !strcmp(w, "or") || !strcmp(w, "||") || !strcmp(w, "and") ||
        !strcmp(w, "&&"))
        return false;
    return true;
}

static node *parse_and(pstate *ps) {
    node *l = parse_not(ps);
    while (l) {
        if (is(ps, 0, "and") || is(ps, 0, "&&")) ps->i++;
        else if (!starts_term(ps)) break;
        node *r = parse_not(ps);
        if (!r) return NULL;
        l = mk2(ps, N_AND, l, r);
    }
    return l;
}

static node *parse_or(pstate *ps) {
    node *l = parse_and(ps);
    while (l && (is(ps, 0, "or") || is(ps, 0, "||"))) {
        ps->i++;
        node *r = parse_and(ps);
        if (!r) return NULL;
        l = mk2(ps, N_OR, l, r);
    }
    return l;
}

/* ---- evaluation ---- */

typedef struct pinfo {
    bool ip_ok;
    const uint8_t *ip;
    uint32_t len;        /* bytes available from the IP header (<= IP length) */
    unsigned hl;
    uint8_t proto;
    bool first_frag, is_frag;
    const uint8_t *th;   /* transport header, NULL if absent */
    uint32_t tlen;
    const uint8_t *raw;  /* where the IP header would start, and bytes from there */
    uint32_t rawlen;
} pinfo;

static void get_info(const click_packet *p, pinfo *pi) {
    memset(pi, 0, sizeof *pi);
    const uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip > p->data + p->len) ip = p->data;
    uint32_t avail = (uint32_t)(p->data + p->len - ip);
    pi->raw = ip;
    pi->rawlen = avail;
    if (avail < 20 || (ip[0] >> 4) != 4) return;
    unsigned hl = ip_hlen(ip);
    if (hl < 20 || hl > avail) return;
    uint32_t tl = rd16(ip + IPV_LEN);
    if (tl >= hl && tl < avail) avail = tl;
    pi->ip_ok = true;
    pi->ip = ip;
    pi->len = avail;
    pi->hl = hl;
    pi->proto = ip[IPV_PROTO];
    uint16_t off = rd16(ip + IPV_OFF);
    pi->is_frag = (off & (IP_MF | IP_OFFMASK)) != 0;
    pi->first_frag = (off & IP_OFFMASK) == 0;
    if (pi->first_frag) {
        pi->th = ip + hl;
        pi->tlen = avail - hl;
    }
}

static bool rel(enum op op, uint32_t x, uint32_t v1, uint32_t v2) {
    switch (op) {
    case OP_EQ: return x == v1;
    case OP_NE: return x != v1;
    case OP_LT: return x < v1;
    case OP_GT: return x > v1;
    case OP_LE: return x <= v1;
    case OP_GE: return x >= v1;
    case OP_RANGE: return x >= v1 && x <= v2;
    }
    return false;
}

static bool dirmatch(int dir, bool s, bool d) {
    switch (dir) {
    case D_SRC: return s;
    case D_DST: return d;
    case D_AND: return s && d;
    default: return s || d;
    }
}

static bool eval(const node *n, const pinfo *pi) {
    switch (n->kind) {
    case N_TRUE: return true;
    case N_FALSE: return false;
    case N_AND: return eval(n->a, pi) && eval(n->b, pi);
    case N_OR: return eval(n->a, pi) || eval(n->b, pi);
    case N_NOT: return !eval(n->a, pi);
    default: break;
    }
    if (n->kind == N_BYTES) {
        const uint8_t *b = n->field == 0 ? pi->raw : pi->th;
        uint32_t avail = n->field == 0 ? pi->rawlen : pi->tlen;
        if (!b || (n->field == 1 && !pi->ip_ok) || n->off + n->blen > avail) return false;
        uint32_t x = 0;
        for (uint32_t i = 0; i < n->blen; i++) x = x << 8 | b[n->off + i];
        return rel(n->op, x & n->bmask, n->v1, n->v2);
    }
    if (!pi->ip_ok) return false;
    switch (n->kind) {
    case N_HOST:
        return dirmatch(n->dir, (rd32(pi->ip + IPV_SRC) & n->mask) == n->addr,
                        (rd32(pi->ip + IPV_DST) & n->mask) == n->addr);
    case N_PROTO: return pi->proto == n->proto;
    case N_PORT:
        if (n->proto ? pi->proto != n->proto
                     : (pi->proto != IP_PROTO_TCP && pi->proto != IP_PROTO_UDP))
            return false;
        if (!pi->th || pi->tlen < 4) return false;
        return dirmatch(n->dir, rel(n->op, rd16(pi->th), n->v1, n->v2),
                        rel(n->op, rd16(pi->th + 2), n->v1, n->v2));
    case N_ICMPTYPE:
        if (pi->proto != IP_PROTO_ICMP || !pi->th || pi->tlen < 1) return false;
        return rel(n->op, pi->th[0], n->v1, n->v2);
    case N_TCPOPT:
        if (pi->proto != IP_PROTO_TCP || !pi->th || pi->tlen < 14) return false;
        return (pi->th[13] & n->v1) != 0;
    case N_IPFIELD: {
        uint32_t x = 0;
        switch (n->field) {
        case F_VERS: x = pi->ip[0] >> 4; break;
        case F_HL: x = pi->hl; break;
        case F_TOS: x = pi->ip[IPV_TOS]; break;
        case F_DSCP: x = pi->ip[IPV_TOS] >> 2; break;
        case F_TTL: x = pi->ip[IPV_TTL]; break;
        case F_ID: x = rd16(pi->ip + IPV_ID); break;
        default: x = rd16(pi->ip + IPV_LEN); break;
        }
        return rel(n->op, x, n->v1, n->v2);
    }
    case N_FRAG: return pi->is_frag;
    case N_UNFRAG: return !pi->is_frag;
    default: return false;
    }
}

/* ---- element ---- */

static void ipf_cleanup(click_element *e) {
    ipfilter *f = (ipfilter *)e;
    for (int i = 0; i < f->nnodes; i++) free(f->nodes[i]);
    free(f->nodes);
    free(f->rules);
    f->nodes = NULL;
    f->rules = NULL;
    f->nrules = f->nnodes = 0;
}

static int configure_common(click_element *e, click_args *a, click_errh *errh, bool filter) {
    ipfilter *f = (ipfilter *)e;
    int n = click_args_count(a);
    if (n == 0) {
        click_errh_here(errh, "expected at least one %s", filter ? "rule" : "expression");
        return -1;
    }
    f->rules = calloc((size_t)n, sizeof(rule));
    if (!f->rules) return -1;
    pstate ps;
    memset(&ps, 0, sizeof ps);
    ps.t = malloc(sizeof(ptok) * MAX_TOKS);
    if (!ps.t) return -1;
    int maxout = -1, rc = 0;
    for (const char *arg; rc == 0 && (arg = click_args_next(a));) {
        rule *r = &f->rules[f->nrules];
        const char *expr = arg;
        r->output = f->nrules;
        if (filter) {
            /* action word */
            size_t wl = 0;
            while (expr[wl] && !isspace((unsigned char)expr[wl])) wl++;
            char act[32];
            snprintf(act, sizeof act, "%.*s", (int)(wl < 31 ? wl : 31), expr);
            uint32_t o;
            if (!strcmp(act, "allow")) r->output = 0;
            else if (!strcmp(act, "deny") || !strcmp(act, "drop")) r->output = -1;
            else if (parse_num(act, 255, &o)) r->output = (int)o;
            else {
                click_errh_here(errh, "rule %d: expected action allow, deny, drop or an output number, found '%s'",
                                f->nrules, act);
                rc = -1;
                break;
            }
            expr += wl;
        }
        ps.i = 0;
        ps.have_last = false;
        ps.err[0] = 0;
        ps.depth = 0;
        if (tokenize(expr, &ps) < 0) {
            click_errh_here(errh, "%s %d: %s", filter ? "rule" : "pattern", f->nrules, ps.err);
            rc = -1;
            break;
        }
        node *root = parse_or(&ps);
        if (root && ps.i < ps.n) {
            snprintf(ps.err, sizeof ps.err, "unexpected '%s'", peek(&ps, 0));
            root = NULL;
        }
        if (!root) {
            click_errh_here(errh, "%s %d: %s", filter ? "rule" : "pattern", f->nrules,
                            ps.err[0] ? ps.err : "out of memory");
            rc = -1;
            break;
        }
        r->expr = root;
        if (r->output > maxout) maxout = r->output;
        f->nrules++;
    }
    free(ps.t);
    f->nodes = ps.all;
    f->nnodes = ps.nall;
    if (rc < 0) return -1;
    click_element_set_nports(e, -1, maxout + 1);
    return click_args_done(a);
}

static int ipc_configure(click_element *e, click_args *a, click_errh *errh) {
    return configure_common(e, a, errh, false);
}
static int ipf_configure(click_element *e, click_args *a, click_errh *errh) {
    return configure_common(e, a, errh, true);
}

static void ipf_push(click_element *e, int port, click_packet *p) {
    (void)port;
    ipfilter *f = (ipfilter *)e;
    pinfo pi;
    get_info(p, &pi);
    for (int i = 0; i < f->nrules; i++) {
        if (eval(f->rules[i].expr, &pi)) {
            int o = f->rules[i].output;
            if (o >= 0) {
                click_output_push(e, o, p);
                return;
            }
            break;
        }
    }
    f->drops++;
    click_packet_kill(p);
}

static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((ipfilter *)e)->drops);
}
static const click_handler handlers[] = {{"drops", h_drops, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_IPClassifier = {
    .name = "IPClassifier", .ports = "1/-", .processing = "h/h", .size = sizeof(ipfilter),
    .configure = ipc_configure, .cleanup = ipf_cleanup, .push = ipf_push, .handlers = handlers};
const click_element_class click_class_IPFilter = {
    .name = "IPFilter", .ports = "1/-", .processing = "h/h", .size = sizeof(ipfilter),
    .configure = ipf_configure, .cleanup = ipf_cleanup, .push = ipf_push, .handlers = handlers};
