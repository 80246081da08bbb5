/* The control plane's values (ctl_model.h): sizes, CPU percents, names,
 * the program hash, modes, protocols, a service's ports and shape, the
 * response buffer, sizes and ports as text, and the services of `ls`.
 *
 * Also the pieces shared by the command parser (ctl_cmd.c) and the
 * manifest parser (ctl_manifest.c), so that `deploy` options and
 * `service` keys accept exactly the same values with the same messages:
 * ctl_model_fail (the one-line reason), ctl_model_parse_count,
 * ctl_model_service_option / _arg / _finish. They are not part of
 * ctl_model.h's contract; their prototypes are repeated in the files that
 * use them.
 *
 * Program identity (ctl_service_same_shape): a built-in is named; a
 * program file is its bytes, so two program services run the same program
 * when their program_hash values are equal, whatever path each was
 * attached under. When either hash is 0 (not filled by the caller), the
 * names and the hashes must both be equal: an unknown program is never
 * taken for an unchanged one. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ctl_model.h"

#define SIZE_LIMIT (1ull << 40)         /* 1 TiB */

/* ---- reasons ---- */

/* Writes a one-line reason into err (control characters, e.g. a newline
 * inside a command word, become '?') and returns code. */
__attribute__((format(printf, 4, 5)))
int ctl_model_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        if (n < 0)
            err[0] = '\0';
        for (char *c = err; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
    }
    return code;
}

/* ---- numbers ---- */

/* Digits only, at least one, value <= max; stops counting before it can overflow. */
static bool parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

int ctl_parse_size(const char *s, uint64_t *out)
{
    if (!s || !out)
        return -EINVAL;
    size_t len = strlen(s);
    uint64_t unit = 1;
    if (len > 0) {
        switch (s[len - 1]) {
        case 'K': unit = 1ull << 10; len--; break;
        case 'M': unit = 1ull << 20; len--; break;
        case 'G': unit = 1ull << 30; len--; break;
        default: break;
        }
    }
    uint64_t v;
    if (!parse_decimal(s, len, SIZE_LIMIT / unit, &v) || v == 0)
        return -EINVAL;
    *out = v * unit;
    return 0;
}

int ctl_parse_percent(const char *s, uint32_t *out)
{
    uint64_t v;
    if (!s || !out || !parse_decimal(s, strlen(s), 100, &v) || v == 0)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

/* An instance count: "1".."1024" (CTL_MAX_INSTANCES). */
int ctl_model_parse_count(const char *s, uint32_t *out)
{
    uint64_t v;
    if (!s || !out || !parse_decimal(s, strlen(s), CTL_MAX_INSTANCES, &v) || v == 0)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

/* ---- names ---- */

static bool name_ok(const char *s, size_t max)
{
    if (!s)
        return false;
    size_t i = 0;
    for (; s[i]; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (i >= max || !(alnum || (i > 0 && (c == '_' || c == '-'))))
            return false;
    }
    return i > 0;
}

bool ctl_name_ok(const char *s)
{
    return name_ok(s, CTL_NAME_MAX);
}

bool ctl_image_name_ok(const char *s)
{
    return name_ok(s, CTL_IMAGE_MAX);
}

uint64_t ctl_hash(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

const char *ctl_mode_name(enum ctl_mode m)
{
    switch (m) {
    case CTL_SHARED: return "shared";
    case CTL_POOL: return "pool";
    case CTL_PERCLIENT: return "perclient";
    }
    return "?";
}

/* ---- protocols ---- */

#define PROTO_CHOICES "udp, tcp, tcp,udp or udp,tcp"

int ctl_parse_proto(const char *s, uint8_t *out)
{
    static const struct { const char *name; uint8_t proto; } protos[] = {
        { "udp", NICCTL_PROTO_UDP }, { "tcp", NICCTL_PROTO_TCP },
        { "tcp,udp", CTL_PROTO_ALL }, { "udp,tcp", CTL_PROTO_ALL },
    };
    if (!s || !out)
        return -EINVAL;
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
        if (strcmp(s, protos[i].name) == 0) {
            *out = protos[i].proto;
            return 0;
        }
    return -EINVAL;
}

const char *ctl_proto_name(unsigned proto)
{
    switch (proto) {
    case NICCTL_PROTO_UDP: return "udp";
    case NICCTL_PROTO_TCP: return "tcp";
    case CTL_PROTO_ALL: return "tcp,udp";
    }
    return "?";
}

/* ---- services ---- */

void ctl_service_ports(const struct ctl_service_spec *s, uint32_t *first, uint32_t *end)
{
    uint64_t n = s->mode == CTL_SHARED ? s->count : 1;
    uint64_t e = (uint64_t)s->port + n;
    *first = s->port;
    *end = e > UINT32_MAX ? UINT32_MAX : (uint32_t)e;
}

bool ctl_service_ports_overlap(const struct ctl_service_spec *a, const struct ctl_service_spec *b)
{
    uint32_t af, ae, bf, be;
    if (!(a->proto & b->proto))
        return false;
    ctl_service_ports(a, &af, &ae);
    ctl_service_ports(b, &bf, &be);
    return af < be && bf < ae;
}

/* Bytes of args that its argc strings use (NULs included), never past the array. */
static size_t args_used(const struct ctl_service_spec *s)
{
    size_t off = 0;
    for (int i = 0; i < s->argc && off < sizeof s->args; i++) {
        const char *nul = memchr(s->args + off, '\0', sizeof s->args - off);
        off = nul ? (size_t)(nul - s->args) + 1 : sizeof s->args;
    }
    return off;
}

static bool same_program(const struct ctl_service_spec *a, const struct ctl_service_spec *b)
{
    if (strncmp(a->builtin, b->builtin, sizeof a->builtin) != 0)
        return false;
    if (a->builtin[0])
        return true;
    if (a->program_hash && b->program_hash)
        return a->program_hash == b->program_hash;
    return a->program_hash == b->program_hash && strncmp(a->program, b->program, sizeof a->program) == 0;
}

bool ctl_nf_is_builtin(const char *spec)
{
    return strncmp(spec, "builtin:", 8) == 0;
}

/* The same NFs in the same order: the same specs, and a file's bytes (its
 * hash, when both are known) rather than its name. */
static bool same_nfs(const struct ctl_service_spec *a, const struct ctl_service_spec *b)
{
    if (a->nnf != b->nnf)
        return false;
    for (int i = 0; i < a->nnf && i < CTL_MAX_NF; i++) {
        const struct ctl_nf_spec *x = &a->nf[i], *y = &b->nf[i];
        if (ctl_nf_is_builtin(x->spec) || ctl_nf_is_builtin(y->spec) || !x->hash || !y->hash) {
            if (strncmp(x->spec, y->spec, sizeof x->spec) != 0 || x->hash != y->hash)
                return false;
        } else if (x->hash != y->hash) {
            return false;
        }
    }
    return true;
}

bool ctl_service_same_shape(const struct ctl_service_spec *a, const struct ctl_service_spec *b)
{
    size_t used = args_used(a);
    return same_program(a, b) && a->port == b->port && a->proto == b->proto && a->mode == b->mode &&
           a->mem_per_instance == b->mem_per_instance && a->argc == b->argc && used == args_used(b) &&
           memcmp(a->args, b->args, used) == 0 && same_nfs(a, b);
}

/* ---- service declarations: `deploy` options and `service` keys ----
 * The same keys in both languages: program, builtin, proto, port, mode,
 * mem-per-instance. `command` picks the spelling of the messages
 * ("option '--port'" or "key 'port'"). `seen` is a bit set of the keys
 * given so far (0 before the first). */

enum { K_PROGRAM, K_BUILTIN, K_PROTO, K_PORT, K_MODE, K_MEM, K_NF, K_COUNT };
static const char *const service_keys[K_COUNT] = { "program", "builtin", "proto", "port", "mode", "mem-per-instance",
                                                   "nf" };

static int key_fail(char *err, size_t errlen, bool command, const char *key, const char *what)
{
    return command ? ctl_model_fail(err, errlen, -EINVAL, "option '--%s' %s", key, what)
                   : ctl_model_fail(err, errlen, -EINVAL, "key '%s' %s", key, what);
}

static int parse_mode(const char *v, struct ctl_service_spec *s, char *err, size_t errlen)
{
    static const struct { const char *prefix; enum ctl_mode mode; } modes[] = {
        { "shared:", CTL_SHARED }, { "pool:", CTL_POOL }, { "perclient:", CTL_PERCLIENT },
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        size_t n = strlen(modes[i].prefix);
        if (strncmp(v, modes[i].prefix, n) != 0)
            continue;
        if (ctl_model_parse_count(v + n, &s->count) < 0)
            return ctl_model_fail(err, errlen, -EINVAL, "bad instance count in mode '%.64s' (1..%d)", v,
                                  CTL_MAX_INSTANCES);
        s->mode = modes[i].mode;
        return 0;
    }
    return ctl_model_fail(err, errlen, -EINVAL, "bad mode '%.64s' (shared:N, pool:N or perclient:N)", v);
}

/* One NF: "builtin:NAME [VAR=VALUE ...]" (blank-separated) or a file name. */
static int parse_nf(const char *v, struct ctl_service_spec *s, bool command, char *err, size_t errlen)
{
    const char *opt = command ? "--nf" : "nf=";
    if (s->nnf >= CTL_MAX_NF)
        return ctl_model_fail(err, errlen, -EINVAL, "more than %d NFs (%s given %d times)", CTL_MAX_NF, opt,
                              CTL_MAX_NF + 1);
    size_t n = strlen(v);
    if (n == 0 || n > CTL_NF_SPEC_MAX)
        return ctl_model_fail(err, errlen, -EINVAL, "bad NF '%.64s' for %s (1..%d bytes: builtin:NAME [VAR=VALUE ...] "
                              "or a .click file)", v, opt, CTL_NF_SPEC_MAX);
    if (ctl_nf_is_builtin(v)) {
        char word[CTL_NF_SPEC_MAX + 1];
        const char *p = v + 8;
        if (!*p)
            return ctl_model_fail(err, errlen, -EINVAL, "bad built-in configuration name '' in NF '%.64s'", v);
        for (int w = 0; *p; w++) {
            size_t l = strcspn(p, " \t");
            memcpy(word, p, l);
            word[l] = '\0';
            const char *eq = strchr(word, '=');
            if (w == 0 && !ctl_image_name_ok(word))
                return ctl_model_fail(err, errlen, -EINVAL,
                                      "bad built-in configuration name '%.64s' in NF '%.64s' (1..%d of a-z 0-9 _ -)",
                                      word, v, CTL_IMAGE_MAX);
            if (w > 0 && l > 0 && (!eq || eq == word))
                return ctl_model_fail(err, errlen, -EINVAL, "bad setting '%.64s' in NF '%.64s' (VAR=VALUE)", word, v);
            p += l;
            p += strspn(p, " \t");
        }
    }
    snprintf(s->nf[s->nnf].spec, sizeof s->nf[s->nnf].spec, "%s", v);
    s->nf[s->nnf].hash = 0;
    s->nnf++;
    return 0;
}

/* Sets one key of a service. -ENOENT (with a reason) for a key that does not exist. */
int ctl_model_service_option(struct ctl_service_spec *s, unsigned *seen, const char *key, const char *value,
                             bool command, char *err, size_t errlen)
{
    int k = 0;
    while (k < K_COUNT && strcmp(key, service_keys[k]) != 0)
        k++;
    if (k == K_COUNT)
        return command ? ctl_model_fail(err, errlen, -ENOENT, "unknown option '--%.64s'", key)
                       : ctl_model_fail(err, errlen, -ENOENT, "unknown key '%.64s'", key);
    if (k != K_NF && (*seen & (1u << k)))               /* nf is repeated: one per NF, in order */
        return key_fail(err, errlen, command, key, "given twice");
    *seen |= 1u << k;
    uint64_t v;
    switch (k) {
    case K_PROGRAM:
        if (!value[0] || strlen(value) > CTL_PATH_MAX)
            return ctl_model_fail(err, errlen, -EINVAL, "bad program path '%.64s' (1..%d bytes)", value, CTL_PATH_MAX);
        strcpy(s->program, value);
        return 0;
    case K_BUILTIN:
        if (!ctl_image_name_ok(value))
            return ctl_model_fail(err, errlen, -EINVAL,
                                  "bad built-in image name '%.64s' (1..%d of a-z 0-9 _ -, starting with a-z 0-9)",
                                  value, CTL_IMAGE_MAX);
        strcpy(s->builtin, value);
        return 0;
    case K_PROTO:
        if (ctl_parse_proto(value, &s->proto) < 0)
            return ctl_model_fail(err, errlen, -EINVAL, "bad protocol '%.64s' (" PROTO_CHOICES ")", value);
        return 0;
    case K_PORT:
        if (!parse_decimal(value, strlen(value), 65535, &v) || v == 0)
            return ctl_model_fail(err, errlen, -EINVAL, "bad port '%.64s' (1..65535)", value);
        s->port = (uint16_t)v;
        return 0;
    case K_MODE:
        return parse_mode(value, s, err, errlen);
    case K_NF:
        return parse_nf(value, s, command, err, errlen);
    default: /* K_MEM */
        if (ctl_parse_size(value, &s->mem_per_instance) < 0)
            return ctl_model_fail(err, errlen, -EINVAL,
                                  "bad size '%.64s' for mem-per-instance (1 byte..1024G: digits, then K, M or G)", value);
        return 0;
    }
}

/* Appends one program argument (after "--"). */
int ctl_model_service_arg(struct ctl_service_spec *s, const char *arg, char *err, size_t errlen)
{
    if (s->argc >= CTL_MAX_ARGS)
        return ctl_model_fail(err, errlen, -EINVAL, "more than %d program arguments", CTL_MAX_ARGS);
    size_t used = args_used(s), n = strlen(arg) + 1;
    if (n > sizeof s->args - used)
        return ctl_model_fail(err, errlen, -EINVAL, "program arguments longer than %d bytes in all (NULs included)",
                              CTL_ARGS_BYTES);
    memcpy(s->args + used, arg, n);
    s->argc++;
    return 0;
}

/* Checks the keys given make a whole service and fills the defaults. */
int ctl_model_service_finish(struct ctl_service_spec *s, unsigned seen, bool command, char *err, size_t errlen)
{
    const char *dash = command ? "--" : "", *eq = command ? "" : "=";
    bool program = seen & (1u << K_PROGRAM), builtin = seen & (1u << K_BUILTIN);
    if (program && builtin)
        return ctl_model_fail(err, errlen, -EINVAL, "%sprogram%s and %sbuiltin%s exclude each other", dash, eq, dash,
                              eq);
    if (!program && !builtin)
        return ctl_model_fail(err, errlen, -EINVAL, "one of %sprogram%s or %sbuiltin%s is required", dash, eq, dash,
                              eq);
    for (int k = K_PROTO; k <= K_MODE; k++)
        if (!(seen & (1u << k)))
            return ctl_model_fail(err, errlen, -EINVAL, "missing %s %s%s%s", command ? "option" : "key", dash,
                                  service_keys[k], eq);
    if (!(seen & (1u << K_MEM)))
        s->mem_per_instance = CTL_DEFAULT_INSTANCE_MEM;
    /* Each NF's template is named TENANT/SERVICE.nfK (K = 1..4), at most EOS_NAME_MAX - 1 bytes. */
    if (s->nnf && strlen(s->tenant) + strlen(s->name) + 5 > NICCTL_NAME - 1)
        return ctl_model_fail(err, errlen, -EINVAL,
                              "a service with NFs needs TENANT and SERVICE of at most %d characters together "
                              "(its NFs are named TENANT/SERVICE.nfK)", NICCTL_NAME - 6);
    uint32_t first, end;
    ctl_service_ports(s, &first, &end);
    if (end > 65536)
        return ctl_model_fail(err, errlen, -EINVAL, "ports %u..%u run past 65535 (shared:%u from port %u)",
                              (unsigned)first, (unsigned)(end - 1), (unsigned)s->count, (unsigned)s->port);
    return 0;
}

/* ---- output ---- */

void ctl_buf_printf(struct ctl_buf *b, const char *fmt, ...)
{
    if (!b->p || b->cap == 0 || b->len >= b->cap) {
        b->truncated = true;
        return;
    }
    size_t avail = b->cap - b->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, avail, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->p[b->len] = '\0';
        b->truncated = true;
    } else if ((size_t)n >= avail) {
        b->len = b->cap - 1;
        b->truncated = true;
    } else {
        b->len += (size_t)n;
    }
}

const char *ctl_size_str(uint64_t bytes, char out[16])
{
    static const struct { char suffix; unsigned shift; } units[] = { { 'G', 30 }, { 'M', 20 }, { 'K', 10 } };
    char text[32];                      /* the longest, 2^64 - 1 bytes, is "17179869184G" */
    snprintf(text, sizeof text, "%lluB", (unsigned long long)bytes);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        uint64_t unit = 1ull << units[i].shift;
        if (bytes < unit)
            continue;
        /* Tenths, rounded to the nearest; no overflow: the remainder is below 2^30. */
        uint64_t tenths = (bytes >> units[i].shift) * 10 + ((bytes & (unit - 1)) * 10 + unit / 2) / unit;
        if (tenths % 10 == 0)
            snprintf(text, sizeof text, "%llu%c", (unsigned long long)(tenths / 10), units[i].suffix);
        else
            snprintf(text, sizeof text, "%llu.%u%c", (unsigned long long)(tenths / 10), (unsigned)(tenths % 10),
                     units[i].suffix);
        break;
    }
    size_t n = strlen(text);
    if (n > 15)
        n = 15;
    memcpy(out, text, n);
    out[n] = '\0';
    return out;
}

const char *ctl_ports_str(const struct ctl_service_spec *s, char out[16])
{
    uint32_t f, e;
    ctl_service_ports(s, &f, &e);
    if (e - f <= 1)
        snprintf(out, 16, "%u", (unsigned)f);
    else
        snprintf(out, 16, "%u-%u", (unsigned)f, (unsigned)(e - 1));
    return out;
}

#define LS_SERVICE_ROW "%-32s %-28s %-7s %-12s %-14s %-8s %s\n"

void ctl_ls_services_header(struct ctl_buf *b)
{
    ctl_buf_printf(b, "\n" LS_SERVICE_ROW, "SERVICE", "PROGRAM", "PROTO", "PORTS", "MODE", "MEM/INST", "ARGS");
}

void ctl_ls_service(struct ctl_buf *b, const struct ctl_service_spec *s, enum ctl_format f)
{
    char full[2 * CTL_NAME_MAX + 2], program[CTL_PATH_MAX + 9], ports[16], mode[24], mem[16];
    char args[CTL_ARGS_BYTES + 1];
    snprintf(full, sizeof full, "%.*s/%.*s", CTL_NAME_MAX, s->tenant, CTL_NAME_MAX, s->name);
    if (s->builtin[0])
        snprintf(program, sizeof program, "builtin:%.*s", CTL_IMAGE_MAX, s->builtin);
    else
        snprintf(program, sizeof program, "%.*s", CTL_PATH_MAX, s->program);
    snprintf(mode, sizeof mode, "%s:%u", ctl_mode_name(s->mode), (unsigned)s->count);
    /* The arguments joined by blanks: each NUL between two of them becomes a blank. */
    size_t used = args_used(s);
    memcpy(args, s->args, used);
    args[used] = '\0';
    for (size_t i = 0; i + 1 < used; i++)
        if (args[i] == '\0')
            args[i] = ' ';
    ctl_ports_str(s, ports);
    /* The NF chain: the specs joined by " -> ". */
    char nfs[CTL_MAX_NF * (CTL_NF_SPEC_MAX + 4) + 1];
    size_t nl = 0;
    nfs[0] = '\0';
    for (int i = 0; i < s->nnf && i < CTL_MAX_NF; i++)
        nl += (size_t)snprintf(nfs + nl, sizeof nfs - nl, "%s%.*s", i ? " -> " : "", CTL_NF_SPEC_MAX, s->nf[i].spec);
    if (f == CTL_FMT_KV)
        ctl_buf_printf(b, "service=%s tenant=%.*s program=%s proto=%s ports=%s mode=%s count=%u mem_per_instance=%llu "
                       "args=\"%s\" nfs=%d nf=\"%s\"\n", full, CTL_NAME_MAX, s->tenant, program, ctl_proto_name(s->proto),
                       ports, ctl_mode_name(s->mode), (unsigned)s->count, (unsigned long long)s->mem_per_instance, args,
                       s->nnf, nfs);
    else
        ctl_buf_printf(b, LS_SERVICE_ROW "%s%s%s", full, program, ctl_proto_name(s->proto), ports, mode,
                       ctl_size_str(s->mem_per_instance, mem), args, s->nnf ? "    NFs: " : "", nfs,
                       s->nnf ? "\n" : "");
}
