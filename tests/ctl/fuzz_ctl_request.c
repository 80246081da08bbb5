/* libFuzzer harness for the request decoder (ctl_request_decode) and the
 * command parser (ctl_cmd_parse) on the words it decodes. Checked on every
 * input:
 *  - no read outside the body (ASan; libFuzzer's buffer is exact-size);
 *  - a refusal has a one-line reason and leaves no words and no files;
 *  - a decoded request keeps the limits: 1..64 words of at most 1024 bytes,
 *    at most 16 files, each found by its name, its data inside the body;
 *  - a parsed command holds only valid names and values (for a deploy:
 *    exactly one of program/built-in, a count of 1..1024, ports within
 *    65535, one or both of udp and tcp, arguments within their limits). */
#include <stdlib.h>
#include <string.h>
#include "ctl_model.h"

static void check_reason(const char *err)
{
    if (!err[0] || strchr(err, '\n'))
        abort();
}

static void check_service(const struct ctl_service_spec *s)
{
    uint32_t first, end;
    ctl_service_ports(s, &first, &end);
    if (!ctl_name_ok(s->tenant) || !ctl_name_ok(s->name) || s->count < 1 || s->count > CTL_MAX_INSTANCES ||
        first < 1 || end > 65536 || (s->builtin[0] != 0) == (s->program[0] != 0) ||
        (s->builtin[0] && !ctl_image_name_ok(s->builtin)) || s->argc < 0 || s->argc > CTL_MAX_ARGS ||
        s->mem_per_instance < 1 || s->mem_per_instance > (1ull << 40) || s->proto == 0 ||
        (s->proto & ~(NICCTL_PROTO_UDP | NICCTL_PROTO_TCP)))
        abort();
    size_t off = 0;
    for (int i = 0; i < s->argc; i++) {
        const char *nul = memchr(s->args + off, 0, sizeof s->args - off);
        if (!nul)
            abort();
        off = (size_t)(nul - s->args) + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ctl_request r;
    static struct ctl_cmd c;
    char err[256] = "";
    if (ctl_request_decode(data, size, &r, err, sizeof err) < 0) {
        check_reason(err);
        if (r.argc != 0 || r.nblobs != 0)
            abort();
        return 0;
    }
    if (r.argc < 1 || r.argc > CTL_MAX_WORDS || r.nblobs < 0 || r.nblobs > CTL_MAX_BLOBS)
        abort();
    for (int i = 0; i < r.argc; i++)
        if (strlen(r.argv[i]) > CTL_WORD_MAX)
            abort();
    for (int i = 0; i < r.nblobs; i++) {
        const struct ctl_blob *b = &r.blobs[i];
        size_t n = strlen(b->name);
        if (n < 1 || n > CTL_PATH_MAX || ctl_request_blob(&r, b->name) != b || b->data < data ||
            b->len > size || b->data + b->len > data + size)
            abort();
    }
    err[0] = '\0';
    if (ctl_cmd_parse(r.argc, r.argv, &c, err, sizeof err) < 0) {
        check_reason(err);
        return 0;
    }
    switch (c.op) {
    case CTL_OP_TENANT_CREATE:
        if (!ctl_name_ok(c.tenant.name) || !c.set_mem || !c.set_cpu || c.tenant.cpu_pct < 1 || c.tenant.cpu_pct > 100)
            abort();
        break;
    case CTL_OP_TENANT_SET:
        if (!ctl_name_ok(c.tenant.name) || (!c.set_mem && !c.set_cpu))
            abort();
        break;
    case CTL_OP_TENANT_DELETE:
        if (!ctl_name_ok(c.name))
            abort();
        break;
    case CTL_OP_DEPLOY:
        check_service(&c.service);
        break;
    case CTL_OP_SCALE:
        if (c.service.count < 1 || c.service.count > CTL_MAX_INSTANCES)
            abort();
        /* fall through */
    case CTL_OP_UNDEPLOY:
        if (!ctl_name_ok(c.service.tenant) || !ctl_name_ok(c.service.name))
            abort();
        break;
    case CTL_OP_LS:
    case CTL_OP_STATS:
        if (c.name[0] && !ctl_name_ok(c.name))
            abort();
        break;
    case CTL_OP_APPLY:
        if (!c.manifest[0])
            abort();
        break;
    case CTL_OP_PING:
    case CTL_OP_SYS:
        break;
    }
    /* The values' parsers on every word: never past the word, sizes printable. */
    for (int i = 0; i < r.argc; i++) {
        uint64_t v;
        uint32_t p;
        char s[16];
        if (ctl_parse_size(r.argv[i], &v) == 0 && (v < 1 || v > (1ull << 40) || !ctl_size_str(v, s)[0]))
            abort();
        if (ctl_parse_percent(r.argv[i], &p) == 0 && (p < 1 || p > 100))
            abort();
    }
    return 0;
}
