/* Parser for the Click configuration language (see click_parse.h).
 *
 * Grammar (semicolons between statements are optional):
 *   stmt     := 'elementclass' WORD '{' body '}' | 'define' '(' ... ')'
 *             | 'require' '(' ... ')' | chain | ';'
 *   chain    := endpoint ('->' endpoint)*
 *   endpoint := ['[' N ']'] element ['[' N ']']
 *   element  := WORD (',' WORD)* '::' class     -- declaration(s)
 *             | WORD                            -- declared name, or an
 *                                                  anonymous element of class WORD
 *             | class                           -- anonymous element
 *             | 'input' | 'output'              -- inside a compound
 *   class    := WORD ['(' config ')'] | '{' body '}'
 *   body     := [ '$a' (',' '$b')* '|' ] stmt*
 */
#include "click_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "click_element.h"
#include "click_lexer.h"

#define MAX_DEPTH 32      /* compound nesting */
#define MAX_DECLS 20000   /* elements after expansion */
#define MAX_CONNS 100000
#define MAX_PORT 255
#define MAX_EXPANDED (8u << 20) /* bytes of configuration text after variable expansion */

typedef struct scope scope;

typedef struct ccls {
    char *name;
    size_t body_pos;  /* first byte after '{' */
    int line, col;
    scope *defscope;  /* lexical scope of the definition */
} ccls;

typedef struct var {
    char *name;       /* without '$' */
    char *value;
} var;

typedef struct name_ent {
    char *name;       /* local name */
    int in_idx, out_idx;
} name_ent;

struct scope {
    scope *parent;
    char *prefix;     /* "" at top level, "outer/inner/" below */
    name_ent *names;
    int nn;
    ccls *classes;
    int ncls;
    var *vars;
    int nv;
    int in_tunnel, out_tunnel; /* -1 at top level */
    int depth;
};

typedef struct parser {
    const char *text;
    size_t len;
    click_errh *errh;
    click_graph *g;
    scope **scopes;
    int nscopes;
    int anon;
    size_t expanded;  /* configuration bytes produced by expand_vars so far */
    char wordbuf[1024]; /* value of the last ${name[i]} */
} parser;

typedef struct endpoint {
    int in_idx, out_idx;   /* -2: not usable on that side */
    int inport, outport;   /* -1: not given */
    int line, col;
    bool multi;
} endpoint;

static char *xstrndup(const char *s, size_t n) {
    char *r = malloc(n + 1);
    if (!r) return NULL;
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

static char *concat3(const char *a, const char *b, const char *c) {
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *r = malloc(la + lb + lc + 1);
    if (!r) return NULL;
    memcpy(r, a, la);
    memcpy(r + la, b, lb);
    memcpy(r + la + lb, c, lc + 1);
    return r;
}

static bool tok_is(const click_token *t, const char *w) {
    return t->type == CT_WORD && t->n == strlen(w) && !memcmp(t->s, w, t->n);
}

static void tok_error(parser *P, const click_token *t, const char *what) {
    if (t->type == CT_ERROR)
        click_errh_at(P->errh, t->line, t->col, "%s", what);
    else if (t->type == CT_EOF)
        click_errh_at(P->errh, t->line, t->col, "syntax error: %s, found end of file", what);
    else
        click_errh_at(P->errh, t->line, t->col, "syntax error: %s, found '%.*s'", what,
                      (int)(t->n > 40 ? 40 : t->n), t->s);
}

static scope *scope_new(parser *P, scope *parent, const char *prefix, int depth) {
    scope **ns = realloc(P->scopes, sizeof *ns * (size_t)(P->nscopes + 1));
    if (!ns) return NULL;
    P->scopes = ns;
    scope *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->parent = parent;
    s->prefix = strdup(prefix);
    s->in_tunnel = s->out_tunnel = -1;
    s->depth = depth;
    P->scopes[P->nscopes++] = s;
    return s;
}

static void scope_free(scope *s) {
    for (int i = 0; i < s->nn; i++) free(s->names[i].name);
    for (int i = 0; i < s->ncls; i++) free(s->classes[i].name);
    for (int i = 0; i < s->nv; i++) {
        free(s->vars[i].name);
        free(s->vars[i].value);
    }
    free(s->names);
    free(s->classes);
    free(s->vars);
    free(s->prefix);
    free(s);
}

static name_ent *scope_name(scope *s, const char *name) {
    for (int i = 0; i < s->nn; i++)
        if (!strcmp(s->names[i].name, name)) return &s->names[i];
    return NULL;
}

static int scope_add_name(scope *s, const char *name, int in_idx, int out_idx) {
    name_ent *nn = realloc(s->names, sizeof *nn * (size_t)(s->nn + 1));
    if (!nn) return -1;
    s->names = nn;
    s->names[s->nn].name = strdup(name);
    s->names[s->nn].in_idx = in_idx;
    s->names[s->nn].out_idx = out_idx;
    s->nn++;
    return 0;
}

static ccls *scope_class(scope *s, const char *name) {
    for (; s; s = s->parent)
        for (int i = s->ncls - 1; i >= 0; i--)
            if (!strcmp(s->classes[i].name, name)) return &s->classes[i];
    return NULL;
}

static var *scope_var(scope *s, const char *name, size_t n) {
    for (; s; s = s->parent)
        for (int i = 0; i < s->nv; i++)
            if (strlen(s->vars[i].name) == n && !memcmp(s->vars[i].name, name, n))
                return &s->vars[i];
    return NULL;
}

static int scope_set_var(scope *s, const char *name, size_t n, const char *value,
                         bool override) {
    for (int i = 0; i < s->nv; i++) {
        if (strlen(s->vars[i].name) == n && !memcmp(s->vars[i].name, name, n)) {
            if (override) {
                free(s->vars[i].value);
                s->vars[i].value = strdup(value);
            }
            return 0;
        }
    }
    var *nv = realloc(s->vars, sizeof *nv * (size_t)(s->nv + 1));
    if (!nv) return -1;
    s->vars = nv;
    s->vars[s->nv].name = xstrndup(name, n);
    s->vars[s->nv].value = strdup(value);
    s->nv++;
    return 0;
}

static int add_decl(parser *P, const char *name, const char *cls, const char *config,
                    int line, int col, int cline, int ccol, bool tunnel) {
    click_graph *g = P->g;
    if (g->nd >= MAX_DECLS) {
        click_errh_at(P->errh, line, col, "configuration too large (more than %d elements)",
                      MAX_DECLS);
        return -1;
    }
    if (g->nd == g->capd) {
        int nc = g->capd ? g->capd * 2 : 16;
        click_decl *nd = realloc(g->d, sizeof *nd * (size_t)nc);
        if (!nd) return -1;
        g->d = nd;
        g->capd = nc;
    }
    click_decl *d = &g->d[g->nd];
    d->name = strdup(name);
    d->cls = cls ? strdup(cls) : NULL;
    d->config = strdup(config ? config : "");
    d->line = line;
    d->col = col;
    d->cls_line = cline;
    d->cls_col = ccol;
    d->tunnel = tunnel;
    return g->nd++;
}

static int add_conn(parser *P, int from, int fport, int to, int tport, int line, int col) {
    click_graph *g = P->g;
    if (g->nc >= MAX_CONNS) {
        click_errh_at(P->errh, line, col, "configuration too large (more than %d connections)",
                      MAX_CONNS);
        return -1;
    }
    if (g->nc == g->capc) {
        int nc = g->capc ? g->capc * 2 : 16;
        click_conn *n = realloc(g->c, sizeof *n * (size_t)nc);
        if (!n) return -1;
        g->c = n;
        g->capc = nc;
    }
    g->c[g->nc++] = (click_conn){from, fport, to, tport, line, col};
    return 0;
}

/* Replace $name / ${name} by variable values. With keep_unknown (classes
 * that expand variables themselves at run time, like Script), an undefined
 * variable is left in the text instead of being an error. */
static char *expand_vars(parser *P, scope *sc, const char *text, int line, int col,
                         bool keep_unknown) {
    size_t cap = strlen(text) + 16, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    char quote = 0;
    for (const char *c = text; *c;) {
        if (*c == '\'' && !quote) {
            /* single-quoted text is literal */
            quote = '\'';
        } else if (*c == '\'' && quote == '\'') {
            quote = 0;
        }
        const char *val = NULL;
        size_t skip = 1;
        if (*c == '$' && quote != '\'') {
            const char *nm = c + 1;
            size_t nl = 0;
            if (*nm == '{') {
                nm++;
                while (nm[nl] && nm[nl] != '}') nl++;
                skip = nl + 3;
                if (!nm[nl]) skip = nl + 2;
            } else {
                while (isalnum((unsigned char)nm[nl]) || nm[nl] == '_') nl++;
                skip = nl + 1;
            }
            /* ${name[i]}: word i of the value (i a number or a $variable) */
            const char *br = *(c + 1) == '{' ? memchr(nm, '[', nl) : NULL;
            if (br && nm[nl - 1] == ']') {
                const char *ix = br + 1;
                size_t il = (size_t)(nm + nl - 1 - ix);
                var *bv = scope_var(sc, nm, (size_t)(br - nm));
                const char *idxs = NULL;
                char ibuf[32];
                if (il && ix[0] == '$') {
                    var *iv = scope_var(sc, ix + 1, il - 1);
                    idxs = iv ? iv->value : NULL;
                } else if (il && il < sizeof ibuf) {
                    memcpy(ibuf, ix, il);
                    ibuf[il] = 0;
                    idxs = ibuf;
                }
                if (!bv || !idxs) {
                    click_errh_at(P->errh, line, col, "undefined variable '$%.*s'", (int)nl, nm);
                    free(out);
                    return NULL;
                }
                long want = strtol(idxs, NULL, 10);
                const char *w = bv->value;
                size_t wl = 0;
                for (long k = 0;; k++) {
                    while (isspace((unsigned char)*w)) w++;
                    wl = 0;
                    while (w[wl] && !isspace((unsigned char)w[wl])) wl++;
                    if (k == want || !wl) break;
                    w += wl;
                }
                if (wl >= sizeof P->wordbuf) wl = sizeof P->wordbuf - 1;
                memcpy(P->wordbuf, w, wl);
                P->wordbuf[wl] = 0;
                val = P->wordbuf;
                nl = 0;
            }
            if (nl > 0) {
                var *v = scope_var(sc, nm, nl);
                if (!v && keep_unknown) {
                    skip = 1;
                } else if (!v) {
                    click_errh_at(P->errh, line, col, "undefined variable '$%.*s'", (int)nl, nm);
                    free(out);
                    return NULL;
                }
                else val = v->value;
            } else if (!val) {
                skip = 1;
            }
        }
        size_t add = val ? strlen(val) : 1;
        if (P->expanded + n + add > MAX_EXPANDED) {
            click_errh_at(P->errh, line, col,
                          "configuration too large (more than %u bytes after variable expansion)",
                          MAX_EXPANDED);
            free(out);
            return NULL;
        }
        if (n + add + 1 > cap) {
            while (n + add + 1 > cap) cap *= 2;
            char *no = realloc(out, cap);
            if (!no) { free(out); return NULL; }
            out = no;
        }
        if (val) {
            memcpy(out + n, val, add);
            n += add;
            c += skip;
        } else {
            out[n++] = *c++;
        }
    }
    out[n] = 0;
    P->expanded += n;
    return out;
}

static int parse_stmts(parser *P, click_lexer *lx, scope *sc, bool in_braces);

/* Skip a brace-delimited body (the '{' already consumed). */
static int skip_body(parser *P, click_lexer *lx, const click_token *open) {
    int depth = 1;
    for (;;) {
        click_token t = click_lexer_next(lx);
        if (t.type == CT_ERROR) {
            tok_error(P, &t, lx->error);
            return -1;
        }
        if (t.type == CT_EOF) {
            click_errh_at(P->errh, open->line, open->col, "unmatched '{'");
            return -1;
        }
        if (t.type == CT_LBRACE) depth++;
        if (t.type == CT_RBRACE && --depth == 0) return 0;
        if (t.type == CT_LPAREN) {
            char *cfg = click_lexer_config(lx);
            if (!cfg) {
                click_errh_at(P->errh, t.line, t.col, "%s", lx->error ? lx->error : "out of memory");
                return -1;
            }
            free(cfg);
        }
    }
}

static int add_class(scope *sc, const char *name, size_t body_pos, int line, int col) {
    ccls *nc = realloc(sc->classes, sizeof *nc * (size_t)(sc->ncls + 1));
    if (!nc) return -1;
    sc->classes = nc;
    sc->classes[sc->ncls] = (ccls){strdup(name), body_pos, line, col, sc};
    sc->ncls++;
    return 0;
}

/* Instantiate compound class cc as element `name` (local name) in scope sc. */
static int instantiate(parser *P, scope *sc, const ccls *cc, const char *name,
                       const char *config, int line, int col, int *in_idx, int *out_idx) {
    if (sc->depth + 1 > MAX_DEPTH) {
        click_errh_at(P->errh, line, col, "compound elements nested too deeply (recursive '%s'?)",
                      cc->name);
        return -1;
    }
    char *full = concat3(sc->prefix, name, "");
    char *outname = concat3(full, "/", "output");
    int in = add_decl(P, full, NULL, "", line, col, line, col, true);
    int out = in < 0 ? -1 : add_decl(P, outname, NULL, "", line, col, line, col, true);
    char *prefix = concat3(full, "/", "");
    free(outname);
    free(full);
    if (in < 0 || out < 0) {
        free(prefix);
        return -1;
    }
    scope *ns = scope_new(P, cc->defscope, prefix, sc->depth + 1);
    free(prefix);
    if (!ns) return -1;
    ns->in_tunnel = in;
    ns->out_tunnel = out;

    click_lexer lx;
    click_lexer_init(&lx, P->text, P->len);
    lx.pos = cc->body_pos;
    lx.line = cc->line;
    lx.col = cc->col;

    /* Formal parameters: $a, $b | */
    click_args args;
    if (click_args_split(&args, config, P->errh) < 0) return -1;
    int nformals = 0;
    if (click_lexer_peek(&lx).type == CT_VAR) {
        for (;;) {
            click_token v = click_lexer_next(&lx);
            if (v.type != CT_VAR || v.n < 2) {
                tok_error(P, &v, "expected formal parameter '$name'");
                click_args_free(&args);
                return -1;
            }
            const char *vn = v.s + 1;
            size_t vl = v.n - 1;
            if (*vn == '{') { vn++; vl = vl >= 2 ? vl - 2 : 0; }
            if (nformals >= args.n) {
                click_errh_at(P->errh, line, col, "too few arguments to compound element '%s' (missing value for '$%.*s')",
                              cc->name, (int)vl, vn);
                click_args_free(&args);
                return -1;
            }
            scope_set_var(ns, vn, vl, args.v[nformals].text, true);
            nformals++;
            click_token sep = click_lexer_next(&lx);
            if (sep.type == CT_BAR) break;
            if (sep.type != CT_COMMA) {
                tok_error(P, &sep, "expected ',' or '|' after formal parameter");
                click_args_free(&args);
                return -1;
            }
        }
    } else if (click_lexer_peek(&lx).type == CT_BAR) {
        click_lexer_next(&lx);
    }
    if (args.n > nformals) {
        click_errh_at(P->errh, line, col, "too many arguments to compound element '%s'", cc->name);
        click_args_free(&args);
        return -1;
    }
    click_args_free(&args);
    *in_idx = in;
    *out_idx = out;
    return parse_stmts(P, &lx, ns, true);
}

/* Create an element of class clsname (primitive or compound). */
static int create_element(parser *P, scope *sc, const char *localname, const char *clsname,
                          const char *rawconfig, int line, int col, int cline, int ccol,
                          int *in_idx, int *out_idx) {
    bool runtime_vars = !strcmp(clsname, "Script") || !strcmp(clsname, "DriverManager");
    char *config = expand_vars(P, sc, rawconfig ? rawconfig : "", line, col, runtime_vars);
    if (!config) return -1;
    int rc = 0;
    const ccls *cc = scope_class(sc, clsname);
    if (cc) {
        rc = instantiate(P, sc, cc, localname, config, line, col, in_idx, out_idx);
    } else if (click_class_find(clsname)) {
        char *full = concat3(sc->prefix, localname, "");
        int idx = add_decl(P, full, clsname, config, line, col, cline, ccol, false);
        free(full);
        if (idx < 0) rc = -1;
        *in_idx = *out_idx = idx;
    } else {
        click_errh_at(P->errh, cline, ccol, "unknown element class '%s'", clsname);
        rc = -1;
    }
    free(config);
    return rc;
}

static char *anon_name(parser *P, const char *cls) {
    char buf[32];
    snprintf(buf, sizeof buf, "@%d", ++P->anon);
    return concat3(cls, buf, "");
}

/* Anonymous compound class: '{' already consumed. */
static int anon_compound(parser *P, click_lexer *lx, scope *sc, const click_token *open,
                         const char *name, int *in_idx, int *out_idx) {
    char cname[32];
    snprintf(cname, sizeof cname, "@compound%d", P->anon + 1);
    size_t pos = lx->pos;
    int line = lx->line, col = lx->col;
    if (skip_body(P, lx, open) < 0) return -1;
    if (add_class(sc, cname, pos, line, col) < 0) return -1;
    char *nm = name ? strdup(name) : anon_name(P, "Compound");
    int rc = instantiate(P, sc, &sc->classes[sc->ncls - 1], nm, "", open->line, open->col,
                         in_idx, out_idx);
    free(nm);
    return rc;
}

static int parse_port(parser *P, click_lexer *lx, int *port) {
    click_token t = click_lexer_next(lx); /* '[' */
    click_token n = click_lexer_next(lx);
    if (n.type != CT_WORD) {
        tok_error(P, &n, "expected port number");
        return -1;
    }
    long v = 0;
    for (size_t i = 0; i < n.n; i++) {
        if (!isdigit((unsigned char)n.s[i])) {
            click_errh_at(P->errh, n.line, n.col, "bad port number '%.*s'", (int)n.n, n.s);
            return -1;
        }
        v = v * 10 + (n.s[i] - '0');
        if (v > MAX_PORT) {
            click_errh_at(P->errh, n.line, n.col, "port number too large (max %d)", MAX_PORT);
            return -1;
        }
    }
    click_token r = click_lexer_next(lx);
    if (r.type != CT_RBRACK) {
        tok_error(P, &r, "expected ']'");
        return -1;
    }
    (void)t;
    *port = (int)v;
    return 0;
}

static int parse_element(parser *P, click_lexer *lx, scope *sc, endpoint *ep) {
    click_token t = click_lexer_next(lx);
    ep->line = t.line;
    ep->col = t.col;
    if (t.type == CT_LBRACE)
        return anon_compound(P, lx, sc, &t, NULL, &ep->in_idx, &ep->out_idx);
    if (t.type != CT_WORD) {
        tok_error(P, &t, t.type == CT_ERROR ? lx->error : "expected element");
        return -1;
    }
    if (tok_is(&t, "input") && sc->in_tunnel >= 0) {
        ep->in_idx = -2;
        ep->out_idx = sc->in_tunnel;
        return 0;
    }
    if (tok_is(&t, "output") && sc->out_tunnel >= 0) {
        ep->in_idx = sc->out_tunnel;
        ep->out_idx = -2;
        return 0;
    }
    click_token nx = click_lexer_peek(lx);
    if (nx.type == CT_COMMA || nx.type == CT_COLON2) {
        /* declaration of one or more names */
        click_token names[64];
        int nn = 0;
        names[nn++] = t;
        while (click_lexer_peek(lx).type == CT_COMMA) {
            click_lexer_next(lx);
            click_token w = click_lexer_next(lx);
            if (w.type != CT_WORD) {
                tok_error(P, &w, "expected element name after ','");
                return -1;
            }
            if (nn == 64) {
                click_errh_at(P->errh, w.line, w.col, "too many names in one declaration");
                return -1;
            }
            names[nn++] = w;
        }
        click_token cc = click_lexer_next(lx);
        if (cc.type != CT_COLON2) {
            tok_error(P, &cc, "expected '::'");
            return -1;
        }
        click_token ct = click_lexer_next(lx);
        char *config = NULL;
        bool anon_cc = false;
        if (ct.type == CT_LBRACE) {
            anon_cc = true;
        } else if (ct.type != CT_WORD) {
            tok_error(P, &ct, "expected element class after '::'");
            return -1;
        } else if (click_lexer_peek(lx).type == CT_LPAREN) {
            click_lexer_next(lx);
            config = click_lexer_config(lx);
            if (!config) {
                click_errh_at(P->errh, ct.line, ct.col, "%s", lx->error ? lx->error : "out of memory");
                return -1;
            }
        }
        char *clsname = ct.type == CT_WORD ? xstrndup(ct.s, ct.n) : NULL;
        int rc = 0;
        size_t body_pos = lx->pos;
        int bline = lx->line, bcol = lx->col;
        for (int i = 0; i < nn && rc == 0; i++) {
            char *nm = xstrndup(names[i].s, names[i].n);
            if (scope_name(sc, nm) || ((!strcmp(nm, "input") || !strcmp(nm, "output")) && sc->in_tunnel >= 0)) {
                click_errh_at(P->errh, names[i].line, names[i].col, "redeclaration of element '%s'", nm);
                rc = -1;
            } else if (anon_cc) {
                /* re-read the same body for each name */
                click_lexer sub = *lx;
                sub.pos = body_pos;
                sub.line = bline;
                sub.col = bcol;
                rc = anon_compound(P, &sub, sc, &ct, nm, &ep->in_idx, &ep->out_idx);
                *lx = sub;
            } else {
                rc = create_element(P, sc, nm, clsname, config, names[i].line, names[i].col,
                                    ct.line, ct.col, &ep->in_idx, &ep->out_idx);
            }
            if (rc == 0) scope_add_name(sc, nm, ep->in_idx, ep->out_idx);
            free(nm);
        }
        free(clsname);
        free(config);
        ep->multi = nn > 1;
        return rc;
    }
    char *nm = xstrndup(t.s, t.n);
    name_ent *ne = scope_name(sc, nm);
    if (ne) {
        ep->in_idx = ne->in_idx;
        ep->out_idx = ne->out_idx;
        free(nm);
        return 0;
    }
    /* anonymous element of class nm */
    char *config = NULL;
    if (nx.type == CT_LPAREN) {
        click_lexer_next(lx);
        config = click_lexer_config(lx);
        if (!config) {
            click_errh_at(P->errh, t.line, t.col, "%s", lx->error ? lx->error : "out of memory");
            free(nm);
            return -1;
        }
    }
    char *an = anon_name(P, nm);
    int rc = create_element(P, sc, an, nm, config, t.line, t.col, t.line, t.col, &ep->in_idx,
                            &ep->out_idx);
    free(an);
    free(nm);
    free(config);
    return rc;
}

static int parse_endpoint(parser *P, click_lexer *lx, scope *sc, endpoint *ep) {
    ep->inport = ep->outport = -1;
    ep->multi = false;
    if (click_lexer_peek(lx).type == CT_LBRACK && parse_port(P, lx, &ep->inport) < 0) return -1;
    if (parse_element(P, lx, sc, ep) < 0) return -1;
    if (click_lexer_peek(lx).type == CT_LBRACK && parse_port(P, lx, &ep->outport) < 0) return -1;
    return 0;
}

static int parse_chain(parser *P, click_lexer *lx, scope *sc) {
    endpoint ep;
    if (parse_endpoint(P, lx, sc, &ep) < 0) return -1;
    if (ep.inport >= 0) {
        click_errh_at(P->errh, ep.line, ep.col, "input port given before the first element of a connection");
        return -1;
    }
    while (click_lexer_peek(lx).type == CT_ARROW) {
        click_token arrow = click_lexer_next(lx);
        endpoint rhs;
        if (parse_endpoint(P, lx, sc, &rhs) < 0) return -1;
        if (ep.multi || rhs.multi) {
            click_errh_at(P->errh, arrow.line, arrow.col, "cannot connect a multiple-element declaration");
            return -1;
        }
        if (ep.out_idx == -2) {
            click_errh_at(P->errh, ep.line, ep.col, "'output' used as the source of a connection");
            return -1;
        }
        if (rhs.in_idx == -2) {
            click_errh_at(P->errh, rhs.line, rhs.col, "'input' used as the target of a connection");
            return -1;
        }
        if (add_conn(P, ep.out_idx, ep.outport < 0 ? 0 : ep.outport, rhs.in_idx,
                     rhs.inport < 0 ? 0 : rhs.inport, arrow.line, arrow.col) < 0)
            return -1;
        ep = rhs;
    }
    if (ep.outport >= 0) {
        click_token t = click_lexer_peek(lx);
        tok_error(P, &t, "expected '->' after output port");
        return -1;
    }
    return 0;
}

/* define($a value, $b value) at statement level. */
static int parse_define(parser *P, click_lexer *lx, scope *sc, bool top) {
    click_token open = click_lexer_next(lx);
    char *cfg = click_lexer_config(lx);
    if (!cfg) {
        click_errh_at(P->errh, open.line, open.col, "%s", lx->error ? lx->error : "out of memory");
        return -1;
    }
    click_args a;
    int rc = click_args_split(&a, cfg, P->errh);
    for (int i = 0; rc == 0 && i < a.n; i++) {
        const char *t = a.v[i].text;
        if (t[0] != '$' || !(isalpha((unsigned char)t[1]) || t[1] == '_')) {
            click_errh_at(P->errh, open.line, open.col, "define: expected '$name value', found '%s'", t);
            rc = -1;
            break;
        }
        size_t nl = 1;
        while (isalnum((unsigned char)t[nl]) || t[nl] == '_') nl++;
        const char *v = t + nl;
        while (isspace((unsigned char)*v)) v++;
        /* command-line parameters (already in the top scope) take precedence */
        scope_set_var(sc, t + 1, nl - 1, v, !top);
    }
    click_args_free(&a);
    free(cfg);
    return rc;
}

static int parse_stmts(parser *P, click_lexer *lx, scope *sc, bool in_braces) {
    for (;;) {
        click_token t = click_lexer_peek(lx);
        switch (t.type) {
        case CT_EOF:
            if (in_braces) {
                click_errh_at(P->errh, t.line, t.col, "syntax error: missing '}' at end of file");
                return -1;
            }
            return 0;
        case CT_ERROR:
            click_lexer_next(lx);
            tok_error(P, &t, lx->error);
            return -1;
        case CT_SEMI:
            click_lexer_next(lx);
            continue;
        case CT_RBRACE:
            click_lexer_next(lx);
            if (!in_braces) {
                tok_error(P, &t, "unexpected '}'");
                return -1;
            }
            return 0;
        case CT_WORD:
        case CT_LBRACE:
        case CT_LBRACK:
            break;
        default:
            click_lexer_next(lx);
            tok_error(P, &t, "expected a statement");
            return -1;
        }
        if (tok_is(&t, "elementclass")) {
            click_lexer_next(lx);
            click_token nm = click_lexer_next(lx);
            if (nm.type != CT_WORD) {
                tok_error(P, &nm, "expected class name after 'elementclass'");
                return -1;
            }
            click_token open = click_lexer_next(lx);
            if (open.type != CT_LBRACE) {
                tok_error(P, &open, "expected '{' after elementclass name");
                return -1;
            }
            size_t pos = lx->pos;
            int line = lx->line, col = lx->col;
            if (skip_body(P, lx, &open) < 0) return -1;
            char *name = xstrndup(nm.s, nm.n);
            int rc = add_class(sc, name, pos, line, col);
            free(name);
            if (rc < 0) return -1;
            continue;
        }
        if ((tok_is(&t, "define") || tok_is(&t, "require"))) {
            click_lexer save = *lx;
            click_lexer_next(lx);
            if (click_lexer_peek(lx).type == CT_LPAREN) {
                if (tok_is(&t, "define")) {
                    if (parse_define(P, lx, sc, sc->parent == NULL) < 0) return -1;
                } else {
                    click_token open = click_lexer_next(lx);
                    char *cfg = click_lexer_config(lx);
                    if (!cfg) {
                        click_errh_at(P->errh, open.line, open.col, "%s", lx->error ? lx->error : "out of memory");
                        return -1;
                    }
                    free(cfg);
                }
                continue;
            }
            *lx = save;
        }
        if (parse_chain(P, lx, sc) < 0) return -1;
    }
}

/* Collect the primitive endpoints reached from tunnel T's output port q. */
typedef struct { int *v; int n, cap; } ivec;
static void ivec_push(ivec *v, int a, int b) {
    if (v->n + 2 > v->cap) {
        int nc = v->cap ? v->cap * 2 : 16;
        int *nv = realloc(v->v, sizeof *nv * (size_t)nc);
        if (!nv) return;
        v->v = nv;
        v->cap = nc;
    }
    v->v[v->n++] = a;
    v->v[v->n++] = b;
}

static void resolve(const click_graph *g, const int *head, const int *next, int to, int tport,
                    int depth, ivec *out, int *budget) {
    if (--*budget < 0) return;
    if (!g->d[to].tunnel) {
        ivec_push(out, to, tport);
        return;
    }
    if (depth > 2 * MAX_DEPTH + 2) return;
    for (int ci = head[to]; ci >= 0; ci = next[ci])
        if (g->c[ci].fport == tport)
            resolve(g, head, next, g->c[ci].to, g->c[ci].tport, depth + 1, out, budget);
}

static int flatten(parser *P) {
    click_graph *g = P->g;
    int *head = malloc(sizeof(int) * (size_t)(g->nd + 1));
    int *next = malloc(sizeof(int) * (size_t)(g->nc + 1));
    int *remap = malloc(sizeof(int) * (size_t)(g->nd + 1));
    click_conn *nc = malloc(sizeof *nc * (size_t)(g->nc + 1));
    int rc = 0;
    if (!head || !next || !remap || !nc) rc = -1;
    int nn = 0, ncc = 0, capnc = g->nc + 1;
    if (rc == 0) {
        for (int i = 0; i < g->nd; i++) head[i] = -1;
        for (int i = g->nc - 1; i >= 0; i--) {
            next[i] = head[g->c[i].from];
            head[g->c[i].from] = i;
        }
        ivec tgt = {0};
        for (int i = 0; i < g->nc && rc == 0; i++) {
            click_conn *c = &g->c[i];
            if (g->d[c->from].tunnel) continue;
            tgt.n = 0;
            int budget = MAX_CONNS;
            resolve(g, head, next, c->to, c->tport, 0, &tgt, &budget);
            if (budget < 0) {
                click_errh_at(P->errh, c->line, c->col, "configuration too large (connection fan-out)");
                rc = -1;
                break;
            }
            for (int k = 0; k < tgt.n; k += 2) {
                if (ncc == capnc) {
                    capnc *= 2;
                    if (capnc > MAX_CONNS * 2) {
                        click_errh_at(P->errh, c->line, c->col, "configuration too large");
                        rc = -1;
                        break;
                    }
                    click_conn *nn2 = realloc(nc, sizeof *nn2 * (size_t)capnc);
                    if (!nn2) { rc = -1; break; }
                    nc = nn2;
                }
                nc[ncc++] = (click_conn){c->from, c->fport, tgt.v[k], tgt.v[k + 1], c->line, c->col};
            }
        }
        free(tgt.v);
    }
    if (rc == 0) {
        for (int i = 0; i < g->nd; i++) {
            if (g->d[i].tunnel) {
                free(g->d[i].name);
                free(g->d[i].cls);
                free(g->d[i].config);
                remap[i] = -1;
            } else {
                remap[i] = nn;
                g->d[nn++] = g->d[i];
            }
        }
        g->nd = nn;
        for (int i = 0; i < ncc; i++) {
            nc[i].from = remap[nc[i].from];
            nc[i].to = remap[nc[i].to];
        }
        free(g->c);
        g->c = nc;
        g->nc = ncc;
        g->capc = capnc;
        nc = NULL;
    }
    free(head);
    free(next);
    free(remap);
    free(nc);
    return rc;
}

int click_parse(const char *text, size_t len, const char *const *params, click_errh *errh,
                click_graph *g) {
    memset(g, 0, sizeof *g);
    parser P = {.text = text, .len = len, .errh = errh, .g = g};
    scope *top = scope_new(&P, NULL, "", 0);
    int rc = top ? 0 : -1;
    for (int i = 0; rc == 0 && params && params[i]; i++) {
        const char *p = params[i];
        if (*p == '$') p++;
        const char *eq = strchr(p, '=');
        if (!eq || eq == p) {
            click_errh_at(errh, 0, 0, "bad parameter '%s' (expected NAME=VALUE)", params[i]);
            rc = -1;
            break;
        }
        scope_set_var(top, p, (size_t)(eq - p), eq + 1, true);
    }
    if (rc == 0) {
        click_lexer lx;
        click_lexer_init(&lx, text, len);
        rc = parse_stmts(&P, &lx, top, false);
    }
    if (rc == 0 && errh->nerrors == 0) rc = flatten(&P);
    for (int i = 0; i < P.nscopes; i++) scope_free(P.scopes[i]);
    free(P.scopes);
    if (rc < 0 || errh->nerrors) {
        click_graph_free(g);
        return -1;
    }
    return 0;
}

void click_graph_free(click_graph *g) {
    for (int i = 0; i < g->nd; i++) {
        free(g->d[i].name);
        free(g->d[i].cls);
        free(g->d[i].config);
    }
    free(g->d);
    free(g->c);
    memset(g, 0, sizeof *g);
}
