/* Script and DriverManager: small programs over handlers.
 *   Script([TYPE ACTIVE|PASSIVE|PACKET|DRIVER,] INSTRUCTION, ...)
 *   DriverManager(INSTRUCTION, ...)      = Script(TYPE DRIVER, ...)
 * Instructions: wait TIME, pause / wait_stop [N], stop, end, exit,
 * print TEXT|HANDLER, read HANDLER, write HANDLER [VALUE], set VAR VALUE,
 * init VAR VALUE, export VAR VALUE, label L, goto L [CONDITION], loop,
 * return VALUE.  Text is expanded at run time: $VAR, ${VAR}, and $(...)
 * which is either a function (add sub mul div idiv mod min max neg abs eq ne lt gt le
 * ge not and or if in), "cat FILE" (the file's contents, through the host's
 * file operations) or a read handler. A write's value may be up to
 * WRITE_MAX bytes (a file's worth); other text up to TLEN.
 * ACTIVE scripts start running when the router starts; PACKET scripts run
 * once for every packet pushed in (return N: emit on output N, exit: drop);
 * a DRIVER script (DriverManager) counts stop requests from the elements
 * (pause / wait_stop waits for them) and stops the driver when it ends.
 * Exported variables are read handlers of the element. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_router.h"

enum { T_ACTIVE, T_PASSIVE, T_PACKET, T_DRIVER };
#define MAXVARS 32
#define VLEN 256
#define TLEN 4096
#define WRITE_MAX (256 * 1024)
#define NEST_MAX 8               /* $( ) inside $( ): each level costs 3 * TLEN of stack */

typedef struct script {
    click_element e;
    int type;
    int ninsn;
    char **insn;             /* instruction word */
    char **arg;              /* rest of the instruction */
    char vname[MAXVARS][64];
    char vval[MAXVARS][VLEN];
    bool vexport[MAXVARS];
    int nvars;
    int pc;
    bool done, started;
    uint64_t wake_ns;        /* waiting until this time (0: not waiting) */
    int wait_stops;          /* waiting for this many stop requests */
    int nest;                /* $( ) levels being expanded now */
} script;

static const char *var_get(script *s, const char *n, size_t nl) {
    for (int i = 0; i < s->nvars; i++)
        if (strlen(s->vname[i]) == nl && !strncmp(s->vname[i], n, nl)) return s->vval[i];
    return NULL;
}

static int var_set(script *s, const char *n, const char *v, bool exp) {
    int i;
    for (i = 0; i < s->nvars; i++)
        if (!strcmp(s->vname[i], n)) break;
    if (i == s->nvars) {
        if (s->nvars == MAXVARS || strlen(n) >= 64) return -1;
        snprintf(s->vname[i], 64, "%s", n);
        s->nvars++;
    }
    snprintf(s->vval[i], VLEN, "%s", v);
    if (exp) s->vexport[i] = true;
    return 0;
}

static void expand(script *s, const char *in, char *out, size_t cap);

/* Split into words at whitespace (quoted "..." kept together). */
static int words(const char *t, char w[][VLEN], int max) {
    int n = 0;
    while (*t && n < max) {
        while (isspace((unsigned char)*t)) t++;
        if (!*t) break;
        size_t l = 0;
        char q = 0;
        while (*t && (q || !isspace((unsigned char)*t))) {
            if (*t == '"') q = !q;
            if (l + 1 < VLEN) w[n][l++] = *t;
            t++;
        }
        w[n][l] = 0;
        n++;
    }
    return n;
}

static bool truth(const char *v) {
    return v[0] && strcmp(v, "false") && strcmp(v, "0");
}

static void num_out(char *out, size_t cap, double v) {
    if (v == (double)(long long)v) snprintf(out, cap, "%lld", (long long)v);
    else snprintf(out, cap, "%g", v);
}

/* Evaluate the inside of $( ... ), already expanded. */
static void evaluate(script *s, const char *expr, char *out, size_t cap) {
    char w[8][VLEN];
    int n = words(expr, w, 8);
    out[0] = 0;
    if (n == 0) return;
    const char *f = w[0];
    double a = n > 1 ? strtod(w[1], NULL) : 0, b = n > 2 ? strtod(w[2], NULL) : 0;
    (void)b;
    if (!strcmp(f, "add") || !strcmp(f, "mul") || !strcmp(f, "sub")) {
        double r = a;
        for (int i = 2; i < n; i++) {
            double x = strtod(w[i], NULL);
            r = f[0] == 'a' ? r + x : f[0] == 'm' ? r * x : r - x;
        }
        num_out(out, cap, r);
    } else if (!strcmp(f, "min") || !strcmp(f, "max")) {
        double r = a;
        for (int i = 2; i < n; i++) {
            double x = strtod(w[i], NULL);
            if (f[1] == 'i' ? x < r : x > r) r = x;
        }
        num_out(out, cap, r);
    } else if (!strcmp(f, "div") || !strcmp(f, "idiv")) {
        double r = a;
        for (int i = 2; i < n; i++) {
            double x = strtod(w[i], NULL);
            if (x == 0) {
                r = 0;
                break;
            }
            r = f[0] == 'i' ? (double)((long long)r / (long long)x) : r / x;
        }
        num_out(out, cap, r);
    }
    else if (!strcmp(f, "mod")) num_out(out, cap, b ? (double)((long long)a % (long long)b) : 0);
    else if (!strcmp(f, "neg")) num_out(out, cap, -a);
    else if (!strcmp(f, "abs")) num_out(out, cap, a < 0 ? -a : a);
    else if (!strcmp(f, "eq") || !strcmp(f, "ne") || !strcmp(f, "lt") || !strcmp(f, "gt") ||
             !strcmp(f, "le") || !strcmp(f, "ge")) {
        char *e1, *e2;
        double x = n > 1 ? strtod(w[1], &e1) : 0, y = n > 2 ? strtod(w[2], &e2) : 0;
        int c;
        if (n > 2 && *w[1] && *w[2] && !*e1 && !*e2) c = x < y ? -1 : x > y;
        else c = strcmp(n > 1 ? w[1] : "", n > 2 ? w[2] : "");
        bool r = !strcmp(f, "eq") ? c == 0 : !strcmp(f, "ne") ? c != 0 : !strcmp(f, "lt") ? c < 0
               : !strcmp(f, "gt") ? c > 0 : !strcmp(f, "le") ? c <= 0 : c >= 0;
        snprintf(out, cap, "%s", r ? "true" : "false");
    } else if (!strcmp(f, "htonl") || !strcmp(f, "ntohl")) {
        /* network order of a 32-bit value, read back as a host integer */
        uint32_t v = (uint32_t)strtoul(n > 1 ? w[1] : "0", NULL, 0);
        uint8_t b4[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
        uint32_t r;
        memcpy(&r, b4, 4);
        snprintf(out, cap, "%u", (unsigned)r);
    } else if (!strcmp(f, "htons") || !strcmp(f, "ntohs")) {
        uint16_t v = (uint16_t)strtoul(n > 1 ? w[1] : "0", NULL, 0);
        uint8_t b2[2] = {(uint8_t)(v >> 8), (uint8_t)v};
        uint16_t r;
        memcpy(&r, b2, 2);
        snprintf(out, cap, "%u", (unsigned)r);
    } else if ((!strcmp(f, "shift") || !strcmp(f, "get")) && n > 1) {
        const char *v = var_get(s, w[1], strlen(w[1]));
        if (!v) return;
        if (f[0] == 'g') {
            snprintf(out, cap, "%s", v);
            return;
        }
        char rest[VLEN];
        while (isspace((unsigned char)*v)) v++;
        size_t l = 0;
        while (v[l] && !isspace((unsigned char)v[l])) l++;
        snprintf(out, cap, "%.*s", (int)l, v);
        const char *r = v + l;
        while (isspace((unsigned char)*r)) r++;
        snprintf(rest, sizeof rest, "%s", r);
        var_set(s, w[1], rest, false);
    } else if (!strcmp(f, "not")) snprintf(out, cap, "%s", n > 1 && truth(w[1]) ? "false" : "true");
    else if (!strcmp(f, "and") || !strcmp(f, "or")) {
        bool r = f[0] == 'a';
        for (int i = 1; i < n; i++) r = f[0] == 'a' ? r && truth(w[i]) : r || truth(w[i]);
        snprintf(out, cap, "%s", r ? "true" : "false");
    } else if (!strcmp(f, "if")) {
        snprintf(out, cap, "%s", n > 1 && truth(w[1]) ? (n > 2 ? w[2] : "") : (n > 3 ? w[3] : ""));
    } else if (!strcmp(f, "in")) {
        bool r = false;
        for (int i = 2; i < n; i++) r = r || !strcmp(w[1], w[i]);
        snprintf(out, cap, "%s", r ? "true" : "false");
    } else if (strchr(f, '.') && click_router_read(s->e.router, n == 1 ? f : expr, out, cap) == 0) {
        size_t l = strlen(out);
        while (l && out[l - 1] == '\n') out[--l] = 0;
    } else {
        snprintf(out, cap, "%s", expr);
    }
}

static void expand(script *s, const char *in, char *out, size_t cap) {
    size_t n = 0;
    char tmp[TLEN], val[TLEN];
    while (*in && n + 1 < cap) {
        const char *v = NULL;
        if (*in == '$' && in[1] == '(') {
            int depth = 0;
            const char *c = in + 1;
            for (; *c; c++) {
                if (*c == '(') depth++;
                else if (*c == ')' && --depth == 0) break;
            }
            size_t l = (size_t)(c - (in + 2));
            if (l >= sizeof tmp) l = sizeof tmp - 1;
            memcpy(tmp, in + 2, l);
            tmp[l] = 0;
            char inner[TLEN];
            if (s->nest >= NEST_MAX) {
                click_element_log(&s->e, "%s: $( ) nested more than %d deep; replaced by nothing",
                                  s->e.name, NEST_MAX);
                in = *c ? c + 1 : c;
                continue;
            }
            s->nest++;
            expand(s, tmp, inner, sizeof inner);
            s->nest--;
            char *file = NULL;
            if (!strncmp(inner, "cat ", 4)) {
                /* a file's contents, as long as the output takes */
                const click_file_ops *fo = click_get_file_ops();
                const char *fn = inner + 4;
                while (isspace((unsigned char)*fn)) fn++;
                char err[256] = "no file access in this host";
                size_t flen = 0;
                if (fo) file = fo->read_all(fo->ctx, fn, &flen, err, sizeof err);
                if (!file) click_element_log(&s->e, "%s: cat %s: %s", s->e.name, fn, err);
                v = file ? file : "";
            } else {
                evaluate(s, inner, val, sizeof val);
                v = val;
            }
            in = *c ? c + 1 : c;
            if (file) {
                size_t l = strlen(file);
                if (n + l + 1 > cap) l = cap - n - 1;
                memcpy(out + n, file, l);
                n += l;
                free(file);
                continue;
            }
        } else if (*in == '$' && (in[1] == '{' || isalnum((unsigned char)in[1]) || in[1] == '_')) {
            const char *nm = in + 1;
            size_t nl = 0;
            if (*nm == '{') {
                nm++;
                while (nm[nl] && nm[nl] != '}') nl++;
                in = nm + nl + (nm[nl] ? 1 : 0);
            } else {
                while (isalnum((unsigned char)nm[nl]) || nm[nl] == '_') nl++;
                in = nm + nl;
            }
            v = var_get(s, nm, nl);
            if (!v) v = "";
        }
        if (v) {
            size_t l = strlen(v);
            if (n + l + 1 > cap) l = cap - n - 1;
            memcpy(out + n, v, l);
            n += l;
        } else {
            out[n++] = *in++;
        }
    }
    out[n] = 0;
}

/* Strip one level of "..." quoting. */
static void unquote(char *t) {
    size_t l = strlen(t);
    if (l >= 2 && t[0] == '"' && t[l - 1] == '"') {
        char buf[TLEN];
        if (click_parse_string(t, buf, sizeof buf) == 0) strcpy(t, buf);
    }
}

static int sc_configure_type(click_element *e, click_args *a, click_errh *errh, int type) {
    script *s = (script *)e;
    s->type = type;
    const char *tv = type == T_DRIVER ? NULL : click_args_kw(a, "TYPE");
    if (tv) {
        if (!strcmp(tv, "ACTIVE")) s->type = T_ACTIVE;
        else if (!strcmp(tv, "PASSIVE")) s->type = T_PASSIVE;
        else if (!strcmp(tv, "PACKET")) s->type = T_PACKET;
        else if (!strcmp(tv, "DRIVER")) s->type = T_DRIVER;
        else {
            click_errh_here(errh, "TYPE must be ACTIVE, PASSIVE, PACKET or DRIVER");
            return -1;
        }
    }
    int n = click_args_count(a);
    s->insn = calloc((size_t)n + 1, sizeof *s->insn);
    s->arg = calloc((size_t)n + 1, sizeof *s->arg);
    if (!s->insn || !s->arg) return -1;
    const char *t;
    while ((t = click_args_next(a))) {
        if (!*t) continue; /* an empty argument (a trailing comma) is no instruction */
        size_t wl = 0;
        while (t[wl] && !isspace((unsigned char)t[wl])) wl++;
        const char *rest = t + wl;
        while (isspace((unsigned char)*rest)) rest++;
        char *w = malloc(wl + 1);
        if (!w) return -1;
        memcpy(w, t, wl);
        w[wl] = 0;
        static const char *const known[] = {
            "wait", "wait_time", "wait_for", "wait_stop", "pause", "stop", "end", "exit",
            "print", "printn", "read", "write", "set", "init", "export", "label", "goto",
            "loop", "return", "error", "call", NULL};
        bool ok = false;
        for (int k = 0; known[k]; k++) ok = ok || !strcmp(known[k], w);
        if (!ok) {
            click_errh_here(errh, "unknown instruction '%s'", w);
            free(w);
            return -1;
        }
        if (!strcmp(w, "init") || !strcmp(w, "export")) {
            char nm[64];
            size_t l = 0;
            while (rest[l] && !isspace((unsigned char)rest[l]) && l < 63) {
                nm[l] = rest[l];
                l++;
            }
            nm[l] = 0;
            const char *v = rest + l;
            while (isspace((unsigned char)*v)) v++;
            char val[TLEN];
            expand(s, v, val, sizeof val);
            unquote(val);
            if (!l || var_set(s, nm, val, w[0] == 'e') < 0) {
                click_errh_here(errh, "bad %s instruction", w);
                free(w);
                return -1;
            }
        }
        s->insn[s->ninsn] = w;
        s->arg[s->ninsn] = strdup(rest);
        s->ninsn++;
    }
    if (s->type == T_DRIVER) {
        e->router->managed = true;
        if (s->ninsn == 0) {
            s->insn[0] = strdup("wait_stop");
            s->arg[0] = strdup("");
            s->ninsn = 1;
        }
    }
    if (s->type == T_PACKET) click_element_set_nports(e, 1, -1);
    else if (e->ninputs || e->noutputs) {
        click_errh_here(errh, "only TYPE PACKET scripts have ports");
        return -1;
    }
    return click_args_done(a);
}

static int sc_configure(click_element *e, click_args *a, click_errh *h) {
    return sc_configure_type(e, a, h, T_ACTIVE);
}
static int dm_configure(click_element *e, click_args *a, click_errh *h) {
    return sc_configure_type(e, a, h, T_DRIVER);
}

static void sc_cleanup(click_element *e) {
    script *s = (script *)e;
    for (int i = 0; i < s->ninsn; i++) {
        free(s->insn[i]);
        free(s->arg[i]);
    }
    free(s->insn);
    free(s->arg);
}

static int find_label(script *s, const char *l) {
    for (int i = 0; i < s->ninsn; i++)
        if (!strcmp(s->insn[i], "label") && !strcmp(s->arg[i], l)) return i;
    return -1;
}

static void print_handler_or_text(script *s, const char *arg, bool newline) {
    char text[TLEN], val[TLEN];
    expand(s, arg, text, sizeof text);
    char w[2][VLEN];
    int n = words(text, w, 2);
    /* "print HANDLER" and "print HANDLER PARAM" (a handler with a parameter) */
    if (n >= 1 && w[0][0] != '"' && strchr(w[0], '.') &&
        click_router_read(s->e.router, n == 1 ? w[0] : text, val, sizeof val) == 0) {
        snprintf(text, sizeof text, "%s", val);
    } else {
        unquote(text);
    }
    size_t l = strlen(text);
    if (!newline && l && text[l - 1] != '\n') {
        click_element_output(&s->e, text); /* the engine output is line based */
        return;
    }
    click_element_output(&s->e, text);
}

/* Run from pc until a wait or the end. Returns the packet verdict for PACKET
 * scripts: output port, -1 drop, -2 the default (output 0). */
enum { R_RUNNING = 0, R_WAIT, R_END };
static int step(script *s, int *verdict, int *state) {
    click_router *r = s->e.router;
    int budget = 10000;
    *state = R_RUNNING;
    while (s->pc < s->ninsn && budget-- > 0) {
        const char *w = s->insn[s->pc], *a = s->arg[s->pc];
        char text[TLEN], val[TLEN];
        s->pc++;
        if (!strcmp(w, "wait") || !strcmp(w, "wait_time") || !strcmp(w, "wait_for")) {
            uint64_t ns;
            expand(s, a, text, sizeof text);
            if (!text[0] && s->type == T_DRIVER) {
                s->wait_stops = 1;
                *state = R_WAIT;
                return 0;
            }
            if (click_parse_time_ns(text, &ns) < 0) ns = 0;
            s->wake_ns = click_element_now(&s->e) + ns;
            if (!s->wake_ns) s->wake_ns = 1;
            *state = R_WAIT;
            return 0;
        } else if (!strcmp(w, "pause") || !strcmp(w, "wait_stop")) {
            expand(s, a, text, sizeof text);
            long k = text[0] ? strtol(text, NULL, 10) : 1;
            s->wait_stops = k > 0 ? (int)k : 1;
            *state = R_WAIT;
            return 0;
        } else if (!strcmp(w, "stop")) {
            click_element_stop_driver(&s->e);
            *state = R_END;
            return 0;
        } else if (!strcmp(w, "end")) {
            if (s->type == T_DRIVER) click_element_stop_driver(&s->e);
            *state = R_END;
            *verdict = -2;
            return 0;
        } else if (!strcmp(w, "exit")) {
            if (s->type == T_DRIVER) click_element_stop_driver(&s->e);
            *state = R_END;
            *verdict = -1;
            return 0;
        } else if (!strcmp(w, "print") || !strcmp(w, "printn")) {
            print_handler_or_text(s, a, w[5] != 'n');
        } else if (!strcmp(w, "read") || !strcmp(w, "call")) {
            expand(s, a, text, sizeof text);
            if (click_router_read(r, text, val, sizeof val) == 0) {
                /* like Click, "read" reports on the error stream (the
                 * host's log); "print" writes to the output */
                size_t l = strlen(val);
                if (l && val[l - 1] == '\n') val[--l] = 0;
                click_element_log(&s->e, "%s:\n%s", text, val);
            } else {
                click_element_log(&s->e, "%s", val);
            }
        } else if (!strcmp(w, "write")) {
            /* the value may be long ($(cat FILE)): expand into the heap */
            char *big = malloc(WRITE_MAX);
            char *wt = big ? big : text;
            expand(s, a, wt, big ? WRITE_MAX : sizeof text);
            char *sp = wt;
            while (*sp && !isspace((unsigned char)*sp)) sp++;
            char *v = sp;
            if (*sp) {
                *sp = 0;
                v = sp + 1;
                while (isspace((unsigned char)*v)) v++;
            }
            unquote(v);
            char err[512];
            if (!strcmp(wt, "set")) {
                /* the script's own "set VAR VALUE" handler */
                char *vv = v;
                while (*vv && !isspace((unsigned char)*vv)) vv++;
                char *val2 = vv;
                if (*vv) {
                    *vv = 0;
                    val2 = vv + 1;
                    while (isspace((unsigned char)*val2)) val2++;
                }
                var_set(s, v, val2, false);
            } else if (click_router_write(r, wt, v, err, sizeof err) < 0) {
                /* as Click reports it: the call, then the message indented */
                click_element_log(&s->e, "While writing '%s':", wt);
                for (char *m = err, *nl; m && *m; m = nl ? nl + 1 : NULL) {
                    nl = strchr(m, '\n');
                    if (nl) *nl = 0;
                    click_element_log(&s->e, "  %s", m);
                }
            }
            free(big);
        } else if (!strcmp(w, "set")) {
            char nm[64];
            size_t l = 0;
            while (a[l] && !isspace((unsigned char)a[l]) && l < 63) {
                nm[l] = a[l];
                l++;
            }
            nm[l] = 0;
            const char *v = a + l;
            while (isspace((unsigned char)*v)) v++;
            expand(s, v, val, sizeof val);
            unquote(val);
            var_set(s, nm, val, false);
        } else if (!strcmp(w, "goto")) {
            char lbl[64];
            size_t l = 0;
            while (a[l] && !isspace((unsigned char)a[l]) && l < 63) {
                lbl[l] = a[l];
                l++;
            }
            lbl[l] = 0;
            const char *c = a + l;
            while (isspace((unsigned char)*c)) c++;
            bool jump = true;
            if (*c) {
                expand(s, c, text, sizeof text);
                jump = truth(text);
            }
            if (jump) {
                if (!strcmp(lbl, "begin")) s->pc = 0;
                else if (!strcmp(lbl, "end")) s->pc = s->ninsn;
                else {
                    int t = find_label(s, lbl);
                    if (t >= 0) s->pc = t;
                }
            }
        } else if (!strcmp(w, "loop")) {
            s->pc = 0;
        } else if (!strcmp(w, "return")) {
            expand(s, a, text, sizeof text);
            *verdict = text[0] ? (int)strtol(text, NULL, 10) : 0;
            *state = R_END;
            return 0;
        } else if (!strcmp(w, "error")) {
            expand(s, a, text, sizeof text);
            unquote(text);
            click_element_log(&s->e, "%s", text);
            *state = R_END;
            return 0;
        }
        /* label, init, export: nothing at run time */
    }
    if (budget < 0) {
        click_element_log(&s->e, "%s :: %s: too many jumps, giving up", s->e.name, s->e.cls->name);
        *state = R_END;
        *verdict = -1;
        return 0;
    }
    if (s->pc >= s->ninsn) {
        *state = R_END;
        if (s->type == T_DRIVER) click_element_stop_driver(&s->e);
    }
    return 0;
}

static int sc_task(click_element *e) {
    script *s = (script *)e;
    if (s->type == T_PASSIVE || s->type == T_PACKET || s->done) return CLICK_TASK_DONE;
    click_router *r = e->router;
    if (s->wake_ns) {
        if (click_element_now(e) < s->wake_ns) return 0;
        s->wake_ns = 0;
    }
    if (s->wait_stops) {
        if (s->type != T_DRIVER) return 0;
        if (r->stop_events < s->wait_stops) return 0;
        r->stop_events -= s->wait_stops;
        s->wait_stops = 0;
    }
    int verdict = -2, state;
    step(s, &verdict, &state);
    if (state == R_END) {
        s->done = true;
        return CLICK_TASK_DONE;
    }
    return 1;
}

static void sc_push(click_element *e, int port, click_packet *p) {
    (void)port;
    script *s = (script *)e;
    if (s->type != T_PACKET) {
        click_packet_kill(p);
        return;
    }
    s->pc = 0;
    int verdict = -2, state;
    step(s, &verdict, &state);
    if (verdict == -2) verdict = 0;
    if (verdict >= 0 && verdict < e->noutputs) click_output_push(e, verdict, p);
    else click_packet_kill(p);
}

static int sc_read_other(click_element *e, const char *name, char *buf, size_t len) {
    script *s = (script *)e;
    for (int i = 0; i < s->nvars; i++)
        if (s->vexport[i] && !strcmp(s->vname[i], name)) {
            snprintf(buf, len, "%s", s->vval[i]);
            return 0;
        }
    return -1;
}

static int sc_w_run(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    script *s = (script *)e;
    if (s->type == T_PASSIVE) {
        s->pc = 0;
        int verdict, state;
        step(s, &verdict, &state);
    }
    return 0;
}

static const click_handler sc_handlers[] = {{"run", NULL, sc_w_run}, {NULL, NULL, NULL}};

const click_element_class click_class_Script = {
    .name = "Script", .ports = "0-1/-", .processing = "h/h", .size = sizeof(script),
    .configure = sc_configure, .cleanup = sc_cleanup, .push = sc_push, .run_task = sc_task,
    .is_source = true, .handlers = sc_handlers, .read_other = sc_read_other};

const click_element_class click_class_DriverManager = {
    .name = "DriverManager", .ports = "0/0", .processing = "/", .size = sizeof(script),
    .configure = dm_configure, .cleanup = sc_cleanup, .run_task = sc_task,
    .is_source = true, .read_other = sc_read_other};
