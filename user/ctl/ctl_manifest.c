/* Parsing a manifest (docs/control.md, "Manifests"): the tenants and
 * services that `apply` makes the system match.
 *
 * The text is read a line at a time; a line ends at '\n', and a '\r' just
 * before it is dropped (CRLF files). A line holds at most
 * CTL_MANIFEST_LINE_MAX bytes besides its line end, and at most
 * CTL_MAX_WORDS words. Blanks are spaces and tabs. A double quote opens or
 * closes a quoted part of a word, so `"a b"`, `x"a b"` and `""` are words
 * ("a b", "xa b" and the empty word); there is no escape character. A '#'
 * outside quotes ends the line's text. A NUL byte anywhere is refused. The
 * service keys and their values are those of `deploy` (ctl_values.c). On a
 * refusal the manifest holds no tenants and no services. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "ctl_model.h"

/* Shared with ctl_cmd.c, defined in ctl_values.c. */
int ctl_model_fail(char *err, size_t errlen, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int ctl_model_service_option(struct ctl_service_spec *s, unsigned *seen, const char *key, const char *value,
                             bool command, char *err, size_t errlen);
int ctl_model_service_arg(struct ctl_service_spec *s, const char *arg, char *err, size_t errlen);
int ctl_model_service_finish(struct ctl_service_spec *s, unsigned seen, bool command, char *err, size_t errlen);

struct line {
    int no;                           /* 1-based */
    int nwords;
    char *words[CTL_MAX_WORDS];
    char text[CTL_MANIFEST_LINE_MAX + 1];   /* the words, NUL-terminated; never longer than the line */
};

struct reading {
    struct ctl_manifest *m;
    int tenant_line[CTL_MAX_TENANTS];
    int service_line[CTL_MAX_SERVICES];
    char *err;
    size_t errlen;
};

/* A reason for line l: "line 3: " then the text (at most 191 bytes of it). */
static int line_fail(struct reading *r, const struct line *l, const char *why)
{
    return ctl_model_fail(r->err, r->errlen, -EINVAL, "line %d: %.191s", l->no, why);
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits s[0..n) into l->words. */
static int split(struct reading *r, struct line *l, const char *s, size_t n)
{
    size_t i = 0, out = 0;
    l->nwords = 0;
    for (;;) {
        while (i < n && blank(s[i]))
            i++;
        if (i == n || s[i] == '#')
            return 0;
        if (l->nwords == CTL_MAX_WORDS)
            return ctl_model_fail(r->err, r->errlen, -EINVAL, "line %d: more than %d words", l->no, CTL_MAX_WORDS);
        l->words[l->nwords++] = l->text + out;
        bool quoted = false;
        for (; i < n; i++) {
            char c = s[i];
            if (c == '"')
                quoted = !quoted;
            else if (!quoted && (blank(c) || c == '#'))
                break;
            else
                l->text[out++] = c;
        }
        if (quoted)
            return ctl_model_fail(r->err, r->errlen, -EINVAL, "line %d: unterminated quote", l->no);
        l->text[out++] = '\0';
    }
}

/* "key=value": splits w in place; false if there is no '='. */
static bool key_value(char *w, const char **key, const char **value)
{
    char *eq = strchr(w, '=');
    if (!eq)
        return false;
    *eq = '\0';
    *key = w;
    *value = eq + 1;
    return true;
}

static int tenant_line(struct reading *r, struct line *l)
{
    struct ctl_manifest *m = r->m;
    char why[160];
    if (l->nwords < 2)
        return line_fail(r, l, "'tenant' needs a NAME");
    if (!ctl_name_ok(l->words[1])) {
        snprintf(why, sizeof why, "bad tenant name '%.64s' (1..%d of a-z 0-9 _ -, starting with a-z 0-9)",
                 l->words[1], CTL_NAME_MAX);
        return line_fail(r, l, why);
    }
    for (int i = 0; i < m->ntenants; i++)
        if (strcmp(m->tenants[i].name, l->words[1]) == 0)
            return ctl_model_fail(r->err, r->errlen, -EINVAL, "line %d: tenant '%s' declared twice (first on line %d)",
                                  l->no, l->words[1], r->tenant_line[i]);
    if (m->ntenants == CTL_MAX_TENANTS)
        return ctl_model_fail(r->err, r->errlen, -EINVAL, "line %d: more than %d tenants", l->no, CTL_MAX_TENANTS);
    struct ctl_tenant_spec t = { .cpu_pct = 100 };
    strcpy(t.name, l->words[1]);
    bool mem = false, cpu = false;
    for (int i = 2; i < l->nwords; i++) {
        const char *key, *value;
        if (!key_value(l->words[i], &key, &value)) {
            snprintf(why, sizeof why, "expected key=value, got '%.64s'", l->words[i]);
            return line_fail(r, l, why);
        }
        bool is_mem = strcmp(key, "mem") == 0;
        if (!is_mem && strcmp(key, "cpu") != 0) {
            snprintf(why, sizeof why, "unknown key '%.64s' (tenant: mem, cpu)", key);
            return line_fail(r, l, why);
        }
        if (is_mem ? mem : cpu) {
            snprintf(why, sizeof why, "key '%s' given twice", key);
            return line_fail(r, l, why);
        }
        if (is_mem) {
            mem = true;
            if (ctl_parse_size(value, &t.mem) < 0) {
                snprintf(why, sizeof why, "bad size '%.64s' for mem (1 byte..1024G: digits, then K, M or G)", value);
                return line_fail(r, l, why);
            }
        } else {
            cpu = true;
            if (ctl_parse_percent(value, &t.cpu_pct) < 0) {
                snprintf(why, sizeof why, "bad CPU percent '%.64s' for cpu (1..100)", value);
                return line_fail(r, l, why);
            }
        }
    }
    if (!mem)
        return line_fail(r, l, "missing key mem=");
    r->tenant_line[m->ntenants] = l->no;
    m->tenants[m->ntenants++] = t;
    return 0;
}

/* "udp port 7", "tcp,udp ports 100-102". */
static void ports_text(const struct ctl_service_spec *s, char *out, size_t len)
{
    uint32_t first, end;
    ctl_service_ports(s, &first, &end);
    if (end - first == 1)
        snprintf(out, len, "%s port %u", ctl_proto_name(s->proto), (unsigned)first);
    else
        snprintf(out, len, "%s ports %u-%u", ctl_proto_name(s->proto), (unsigned)first, (unsigned)(end - 1));
}

static int service_line(struct reading *r, struct line *l)
{
    struct ctl_manifest *m = r->m;
    char why[200];
    if (l->nwords < 2)
        return line_fail(r, l, "'service' needs TENANT/NAME");
    char *target = l->words[1], *slash = strchr(target, '/');
    if (slash)
        *slash = '\0';
    if (!slash || !ctl_name_ok(target) || !ctl_name_ok(slash + 1)) {
        if (slash)
            *slash = '/';
        snprintf(why, sizeof why, "expected TENANT/NAME (names of 1..%d a-z 0-9 _ -), got '%.64s'", CTL_NAME_MAX,
                 target);
        return line_fail(r, l, why);
    }
    for (int i = 0; i < m->nservices; i++)
        if (strcmp(m->services[i].tenant, target) == 0 && strcmp(m->services[i].name, slash + 1) == 0)
            return ctl_model_fail(r->err, r->errlen, -EINVAL,
                                  "line %d: service '%s/%s' declared twice (first on line %d)", l->no, target,
                                  slash + 1, r->service_line[i]);
    if (m->nservices == CTL_MAX_SERVICES)
        return ctl_model_fail(r->err, r->errlen, -EINVAL, "line %d: more than %d services", l->no, CTL_MAX_SERVICES);
    struct ctl_service_spec *s = &m->services[m->nservices];
    memset(s, 0, sizeof *s);
    strcpy(s->tenant, target);
    strcpy(s->name, slash + 1);
    unsigned seen = 0;
    int rc;
    for (int i = 2; i < l->nwords; i++) {
        if (strcmp(l->words[i], "--") == 0) {
            for (i++; i < l->nwords; i++)
                if ((rc = ctl_model_service_arg(s, l->words[i], why, sizeof why)) < 0)
                    return line_fail(r, l, why);
            break;
        }
        const char *key, *value;
        if (!key_value(l->words[i], &key, &value)) {
            snprintf(why, sizeof why, "expected key=value or --, got '%.64s'", l->words[i]);
            return line_fail(r, l, why);
        }
        if ((rc = ctl_model_service_option(s, &seen, key, value, false, why, sizeof why)) < 0) {
            if (rc == -ENOENT)
                snprintf(why, sizeof why,
                         "unknown key '%.64s' (service: program, builtin, proto, port, mode, mem-per-instance, nf)", key);
            return line_fail(r, l, why);
        }
    }
    if ((rc = ctl_model_service_finish(s, seen, false, why, sizeof why)) < 0)
        return line_fail(r, l, why);
    for (int i = 0; i < m->nservices; i++) {
        const struct ctl_service_spec *o = &m->services[i];
        if (ctl_service_ports_overlap(s, o)) {
            char mine[48], theirs[48];
            ports_text(s, mine, sizeof mine);
            ports_text(o, theirs, sizeof theirs);
            return ctl_model_fail(r->err, r->errlen, -EINVAL,
                                  "line %d: service %s/%s (%s) overlaps %s/%s (%s, line %d)", l->no, s->tenant,
                                  s->name, mine, o->tenant, o->name, theirs, r->service_line[i]);
        }
    }
    r->service_line[m->nservices++] = l->no;
    return 0;
}

static int parse_line(struct reading *r, struct line *l, const char *s, size_t n)
{
    if (memchr(s, '\0', n))
        return ctl_model_fail(r->err, r->errlen, -EINVAL, "line %d: NUL byte", l->no);
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (n > CTL_MANIFEST_LINE_MAX)
        return ctl_model_fail(r->err, r->errlen, -EINVAL, "line %d: longer than %d bytes", l->no,
                              CTL_MANIFEST_LINE_MAX);
    int rc = split(r, l, s, n);
    if (rc < 0 || l->nwords == 0)
        return rc;
    if (strcmp(l->words[0], "tenant") == 0)
        return tenant_line(r, l);
    if (strcmp(l->words[0], "service") == 0)
        return service_line(r, l);
    return ctl_model_fail(r->err, r->errlen, -EINVAL, "line %d: unknown declaration '%.64s' (tenant or service)",
                          l->no, l->words[0]);
}

int ctl_manifest_parse(const char *text, size_t len, struct ctl_manifest *m, char *err, size_t errlen)
{
    if (!m)
        return ctl_model_fail(err, errlen, -EINVAL, "no manifest to parse into");
    m->ntenants = m->nservices = 0;
    if (!text && len)
        return ctl_model_fail(err, errlen, -EINVAL, "no manifest text");
    struct reading r = { .m = m, .err = err, .errlen = errlen };
    struct line l;
    size_t pos = 0;
    for (l.no = 1; pos < len; l.no++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        int rc = parse_line(&r, &l, text + pos, n);
        if (rc < 0) {
            m->ntenants = m->nservices = 0;
            return rc;
        }
        pos += n + (nl ? 1 : 0);
    }
    return 0;
}
