/* Host unit tests for the control plane's portable model (user/ctl/ctl_*.c:
 * values, requests, commands, manifests, the planner). Prints "PASS name" /
 * "FAIL name: why" per group; exit status 3 if any group failed. Request
 * bodies and manifests are parsed from exact-size heap copies, so the
 * sanitizer build catches any read past the given length.
 *   test_ctl [--suffix=S] [--corpus DIR]   (DIR: write seed files for the fuzzers
 *                                           into DIR/request and DIR/manifest) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl_model.h"
#include "ctl_sim.h"
#include "test_groups.h"

static const char *corpus;
static char err[512];

static void write_seed(const char *sub, const char *name, const void *data, size_t len)
{
    if (!corpus)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", corpus, sub, name);
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fwrite(data, 1, len, fp);
        fclose(fp);
    }
}

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* ---- values ---- */

static void test_sizes(void)
{
    static const struct { const char *s; uint64_t v; } good[] = {
        { "64M", 64 * MiB }, { "1G", GiB }, { "4096", 4096 }, { "1K", KiB }, { "1", 1 },
        { "1024G", 1024 * GiB }, { "1099511627776", 1024 * GiB }, { "007K", 7 * KiB }, { "1048576K", GiB },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t v = 0;
        int rc = ctl_parse_size(good[i].s, &v);
        CHECK(rc == 0 && v == good[i].v, "'%s' -> rc %d, %llu", good[i].s, rc, (unsigned long long)v);
    }
    static const char *const bad[] = {
        "", "0", "0K", "-1", "+1", "1.5M", "10X", "M", "K", "99999999999999999999", "18446744073709551617",
        "1025G", "1099511627777", "1073741825K", " 1M", "1M ", "1 M", "\t1", "1m", "1MB", "0x10", "1KK", "1T",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 12345;
        CHECK(ctl_parse_size(bad[i], &v) == -EINVAL, "size '%s' accepted", bad[i]);
    }
    uint64_t v;
    CHECK(ctl_parse_size(NULL, &v) < 0, "NULL accepted");
    group_end("sizes");
}

static void test_percents(void)
{
    uint32_t v = 0;
    CHECK(ctl_parse_percent("1", &v) == 0 && v == 1, "1");
    CHECK(ctl_parse_percent("50", &v) == 0 && v == 50, "50");
    CHECK(ctl_parse_percent("100", &v) == 0 && v == 100, "100");
    static const char *const bad[] = { "0", "101", "20%", "", "-5", " 5", "5 ", "1e2", "99999999999999999999999", "x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(ctl_parse_percent(bad[i], &v) == -EINVAL, "percent '%s' accepted", bad[i]);
    group_end("percents");
}

static void test_names(void)
{
    static const char *const good[] = { "a", "0", "a-b_c", "9lives", "abcdefghijklmno", "x--", "a_" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(ctl_name_ok(good[i]) && ctl_image_name_ok(good[i]), "'%s' refused", good[i]);
    static const char *const bad[] = { "", "abcdefghijklmnop", "-a", "_a", "A", "aB", "a.b", "a b", "a/b", "a\n",
                                       "caf\xc3\xa9", "a=b", "a:b" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!ctl_name_ok(bad[i]), "name '%s' accepted", bad[i]);
    CHECK(!ctl_name_ok(NULL) && !ctl_image_name_ok(NULL), "NULL accepted");
    /* Length: 15 vs 16 for names, 31 vs 32 for images. */
    CHECK(strlen("abcdefghijklmno") == CTL_NAME_MAX && !ctl_name_ok("abcdefghijklmnop"), "name length limit");
    CHECK(ctl_image_name_ok("abcdefghijklmnopqrstuvwxyz01234") &&
              !ctl_image_name_ok("abcdefghijklmnopqrstuvwxyz012345"),
          "image name length limit");
    CHECK(!ctl_image_name_ok("-memcached") && !ctl_image_name_ok("Memcached"), "image characters");
    group_end("names");
}

static void test_hash_modes(void)
{
    /* FNV-1a 64 reference values. */
    CHECK(ctl_hash("", 0) == 0xcbf29ce484222325ull, "empty");
    CHECK(ctl_hash("a", 1) == 0xaf63dc4c8601ec8cull, "'a'");
    CHECK(ctl_hash("foobar", 6) == 0x85944171f73967e8ull, "'foobar'");
    CHECK(ctl_hash("ELF\x01", 4) != ctl_hash("ELF\x02", 4), "one byte changes it");
    CHECK(!strcmp(ctl_mode_name(CTL_SHARED), "shared") && !strcmp(ctl_mode_name(CTL_POOL), "pool") &&
              !strcmp(ctl_mode_name(CTL_PERCLIENT), "perclient"),
          "mode names");
    group_end("hash_modes");
}

static void test_output(void)
{
    static const struct { uint64_t v; const char *s; } sizes[] = {
        { 64 * MiB, "64M" }, { 3 * GiB / 2, "1.5G" }, { 512 * KiB, "512K" }, { 100, "100B" }, { 0, "0B" },
        { 1536, "1.5K" }, { 1023, "1023B" }, { 1024 * GiB, "1024G" }, { GiB + 1, "1G" }, { 4 * MiB + 300 * KiB, "4.3M" },
        { UINT64_MAX, "17179869184G" },
    };
    char b[16];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        CHECK(!strcmp(ctl_size_str(sizes[i].v, b), sizes[i].s), "%llu -> '%s', not '%s'",
              (unsigned long long)sizes[i].v, ctl_size_str(sizes[i].v, b), sizes[i].s);

    char area[16];
    memset(area, '#', sizeof area);
    struct ctl_buf buf = { area, 0, 8, false };
    ctl_buf_printf(&buf, "%s", "abc");
    CHECK(buf.len == 3 && !strcmp(area, "abc") && !buf.truncated, "first write");
    ctl_buf_printf(&buf, "%d%s", 12, "345");
    CHECK(buf.len == 7 && !strcmp(area, "abc1234") && buf.truncated, "truncated at cap: len %zu '%s'", buf.len, area);
    ctl_buf_printf(&buf, "more");
    CHECK(buf.len == 7 && buf.truncated && !strcmp(area, "abc1234"), "write after truncation");
    for (size_t i = 8; i < sizeof area; i++)
        CHECK(area[i] == '#', "byte %zu past cap written", i);
    struct ctl_buf none = { NULL, 0, 0, false };
    ctl_buf_printf(&none, "x");
    CHECK(none.truncated && none.len == 0, "zero-capacity buffer");
    group_end("output");
}

static struct ctl_service_spec svc(const char *tenant, const char *name, const char *builtin, const char *program,
                                   uint16_t port, enum ctl_mode mode, uint32_t count)
{
    struct ctl_service_spec s;
    memset(&s, 0, sizeof s);
    snprintf(s.tenant, sizeof s.tenant, "%s", tenant);
    snprintf(s.name, sizeof s.name, "%s", name);
    snprintf(s.builtin, sizeof s.builtin, "%s", builtin);
    snprintf(s.program, sizeof s.program, "%s", program);
    s.program_hash = program[0] ? ctl_hash(program, strlen(program)) : 0;
    s.port = port;
    s.proto = NICCTL_PROTO_UDP;
    s.mode = mode;
    s.count = count;
    s.mem_per_instance = CTL_DEFAULT_INSTANCE_MEM;
    return s;
}

static void test_service_shape(void)
{
    struct ctl_service_spec a = svc("a", "x", "", "x.elf", 100, CTL_SHARED, 3), b;
    uint32_t f, e;
    ctl_service_ports(&a, &f, &e);
    CHECK(f == 100 && e == 103, "shared ports [%u,%u)", f, e);
    a.mode = CTL_POOL;
    ctl_service_ports(&a, &f, &e);
    CHECK(f == 100 && e == 101, "pool ports [%u,%u)", f, e);
    a.mode = CTL_PERCLIENT;
    ctl_service_ports(&a, &f, &e);
    CHECK(f == 100 && e == 101, "perclient ports");
    a.mode = CTL_SHARED;
    memcpy(a.args, "p=1\0-v\0", 7);
    a.argc = 2;

    b = a;
    b.count = 7;
    CHECK(ctl_service_same_shape(&a, &b), "count alone is not a shape change");
    b = a;
    memset(b.args + 7, 'z', 5);   /* bytes past the arguments do not count */
    CHECK(ctl_service_same_shape(&a, &b), "bytes after the arguments compared");
    b = a;
    b.port = 101;
    CHECK(!ctl_service_same_shape(&a, &b), "port");
    b = a;
    b.mode = CTL_POOL;
    CHECK(!ctl_service_same_shape(&a, &b), "mode");
    b = a;
    b.proto = NICCTL_PROTO_TCP;
    CHECK(!ctl_service_same_shape(&a, &b), "protocol");
    b.proto = NICCTL_PROTO_UDP | NICCTL_PROTO_TCP;
    CHECK(!ctl_service_same_shape(&a, &b), "protocol added");
    b = a;
    b.mem_per_instance = 8 * MiB;
    CHECK(!ctl_service_same_shape(&a, &b), "mem-per-instance");
    b = a;
    b.args[4] = 'w';
    CHECK(!ctl_service_same_shape(&a, &b), "argument text");
    b = a;
    b.argc = 1;
    CHECK(!ctl_service_same_shape(&a, &b), "argument count");
    b = a;
    b.program_hash ^= 1;
    CHECK(!ctl_service_same_shape(&a, &b), "program bytes");
    b = a;
    strcpy(b.program, "../x.elf");
    CHECK(ctl_service_same_shape(&a, &b), "same bytes under another path");
    b = a;
    b.program_hash = 0;
    CHECK(!ctl_service_same_shape(&a, &b), "unknown hash taken for the same program");
    struct ctl_service_spec c = a;
    c.program_hash = 0;
    CHECK(ctl_service_same_shape(&c, &b), "both hashes unknown, same path");
    strcpy(c.program, "y.elf");
    CHECK(!ctl_service_same_shape(&c, &b), "both hashes unknown, other path");
    b = a;
    strcpy(b.builtin, "memcached");
    b.program[0] = '\0';
    b.program_hash = 0;
    CHECK(!ctl_service_same_shape(&a, &b), "program vs built-in");
    c = b;
    strcpy(c.builtin, "echo");
    CHECK(!ctl_service_same_shape(&c, &b), "built-in name");
    group_end("service_shape");
}

static void test_protocols(void)
{
    static const struct { const char *s; uint8_t proto; const char *name; } good[] = {
        { "udp", NICCTL_PROTO_UDP, "udp" }, { "tcp", NICCTL_PROTO_TCP, "tcp" },
        { "tcp,udp", NICCTL_PROTO_UDP | NICCTL_PROTO_TCP, "tcp,udp" },
        { "udp,tcp", NICCTL_PROTO_UDP | NICCTL_PROTO_TCP, "tcp,udp" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint8_t p = 0;
        int rc = ctl_parse_proto(good[i].s, &p);
        CHECK(rc == 0 && p == good[i].proto && !strcmp(ctl_proto_name(p), good[i].name), "'%s' -> rc %d, %u '%s'",
              good[i].s, rc, p, ctl_proto_name(p));
    }
    static const char *const bad[] = { "", "UDP", "Tcp", "sctp", "17", "6", "udp,", ",udp", "tcp,tcp", "udp,udp",
                                       "tcp, udp", "tcp udp", "tcp,udp,tcp", "tcp+udp", "udp\n", "all", "both" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t p = 99;
        CHECK(ctl_parse_proto(bad[i], &p) == -EINVAL && p == 99, "protocol '%s' accepted", bad[i]);
    }
    uint8_t p;
    CHECK(ctl_parse_proto(NULL, &p) == -EINVAL, "NULL accepted");
    CHECK(!strcmp(ctl_proto_name(0), "?") && !strcmp(ctl_proto_name(4), "?") && !strcmp(ctl_proto_name(7), "?"),
          "names of sets that are not protocols");

    /* Ports clash only for a protocol in common. */
    struct ctl_service_spec u = svc("a", "u", "x", "", 100, CTL_SHARED, 3), t = u, both = u, other;
    t.proto = NICCTL_PROTO_TCP;
    both.proto = NICCTL_PROTO_UDP | NICCTL_PROTO_TCP;
    CHECK(ctl_service_ports_overlap(&u, &u) && ctl_service_ports_overlap(&t, &t), "a service with itself");
    CHECK(!ctl_service_ports_overlap(&u, &t) && !ctl_service_ports_overlap(&t, &u), "udp and tcp on the same ports");
    CHECK(ctl_service_ports_overlap(&u, &both) && ctl_service_ports_overlap(&both, &t) &&
              ctl_service_ports_overlap(&t, &both),
          "tcp,udp against udp and against tcp");
    other = svc("b", "o", "y", "", 102, CTL_POOL, 5);
    other.proto = NICCTL_PROTO_TCP;
    CHECK(ctl_service_ports_overlap(&t, &other) && ctl_service_ports_overlap(&other, &both) &&
              !ctl_service_ports_overlap(&u, &other),
          "the last port of a shared range");
    other.port = 103;
    CHECK(!ctl_service_ports_overlap(&t, &other) && !ctl_service_ports_overlap(&both, &other), "just past the range");
    other.port = 99;
    other.mode = CTL_SHARED;
    other.count = 1;
    CHECK(!ctl_service_ports_overlap(&t, &other), "just before the range");
    other.count = 2;
    CHECK(ctl_service_ports_overlap(&t, &other), "a range reaching the first port");
    other.proto = 0;
    CHECK(!ctl_service_ports_overlap(&t, &other) && !ctl_service_ports_overlap(&other, &other), "no protocol");
    group_end("protocols");
}

/* The services part of `ls`, as a table and as key=value lines. */
static void test_ls_services(void)
{
    static char text[4096];
    struct ctl_buf b = { text, 0, sizeof text, false };
    struct ctl_service_spec mc = svc("a", "mc", "memcached", "", 11211, CTL_SHARED, 2);
    memcpy(mc.args, "preload=100\0-v\0", 15);
    mc.argc = 2;
    struct ctl_service_spec echo = svc("b", "echo", "", "bin/echo.elf", 7, CTL_PERCLIENT, 8);
    echo.proto = NICCTL_PROTO_UDP | NICCTL_PROTO_TCP;
    echo.mem_per_instance = 8 * MiB;
    struct ctl_service_spec web = svc("b", "web", "web", "", 8080, CTL_POOL, 3);
    web.proto = NICCTL_PROTO_TCP;
    memcpy(web.args, "\0x\0", 3);
    web.argc = 2;

    ctl_ls_services_header(&b);
    ctl_ls_service(&b, &mc, CTL_FMT_TABLE);
    ctl_ls_service(&b, &echo, CTL_FMT_TABLE);
    ctl_ls_service(&b, &web, CTL_FMT_TABLE);
    static const char table[] =
        "\nSERVICE                          PROGRAM                      PROTO   PORTS        MODE           MEM/INST ARGS\n"
        "a/mc                             builtin:memcached            udp     11211-11212  shared:2       4M       preload=100 -v\n"
        "b/echo                           bin/echo.elf                 tcp,udp 7            perclient:8    8M       \n"
        "b/web                            builtin:web                  tcp     8080         pool:3         4M        x\n";
    CHECK(!b.truncated && !strcmp(text, table), "table:\n%s", text);

    b.len = 0;
    ctl_ls_service(&b, &mc, CTL_FMT_KV);
    ctl_ls_service(&b, &echo, CTL_FMT_KV);
    ctl_ls_service(&b, &web, CTL_FMT_KV);
    static const char kv[] =
        "service=a/mc tenant=a program=builtin:memcached proto=udp ports=11211-11212 mode=shared count=2 "
        "mem_per_instance=4194304 args=\"preload=100 -v\" nfs=0 nf=\"\"\n"
        "service=b/echo tenant=b program=bin/echo.elf proto=tcp,udp ports=7 mode=perclient count=8 "
        "mem_per_instance=8388608 args=\"\" nfs=0 nf=\"\"\n"
        "service=b/web tenant=b program=builtin:web proto=tcp ports=8080 mode=pool count=3 "
        "mem_per_instance=4194304 args=\" x\" nfs=0 nf=\"\"\n";
    CHECK(!b.truncated && !strcmp(text, kv), "kv:\n%s", text);

    /* The longest fields fit; arguments without their NULs are not read past. */
    struct ctl_service_spec big = svc("abcdefghijklmno", "abcdefghijklmno", "", "", 1, CTL_SHARED, 1024);
    memset(big.program, 'p', CTL_PATH_MAX);
    memset(big.args, 'q', sizeof big.args);
    big.argc = CTL_MAX_ARGS;
    b.len = 0;
    ctl_ls_service(&b, &big, CTL_FMT_KV);
    CHECK(!b.truncated && strstr(text, "service=abcdefghijklmno/abcdefghijklmno ") && strstr(text, " ports=1-1024 ") &&
              strlen(text) > CTL_PATH_MAX + CTL_ARGS_BYTES,
          "longest fields: %zu bytes", strlen(text));

    /* NFs: their specs in chain order. */
    web.nnf = 2;
    snprintf(web.nf[0].spec, sizeof web.nf[0].spec, "fw.click");
    snprintf(web.nf[1].spec, sizeof web.nf[1].spec, "builtin:firewall SERVERS=10.0.0.0/8");
    b.len = 0;
    ctl_ls_service(&b, &web, CTL_FMT_KV);
    CHECK(strstr(text, " nfs=2 nf=\"fw.click -> builtin:firewall SERVERS=10.0.0.0/8\"\n"), "kv with NFs:\n%s", text);
    b.len = 0;
    ctl_ls_service(&b, &web, CTL_FMT_TABLE);
    CHECK(strstr(text, " x\n    NFs: fw.click -> builtin:firewall SERVERS=10.0.0.0/8\n"), "table with NFs:\n%s", text);
    group_end("ls_services");
}

/* ---- requests ---- */

struct body {
    uint8_t b[1 << 17];
    size_t n;
};

static void put16(struct body *b, unsigned v)
{
    b->b[b->n++] = (uint8_t)v;
    b->b[b->n++] = (uint8_t)(v >> 8);
}

static void put32(struct body *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->b[b->n++] = (uint8_t)(v >> (8 * i));
}

static void put(struct body *b, const void *p, size_t n)
{
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void put_words(struct body *b, int argc, const char *const argv[])
{
    put16(b, (unsigned)argc);
    for (int i = 0; i < argc; i++) {
        put16(b, (unsigned)strlen(argv[i]));
        put(b, argv[i], strlen(argv[i]));
    }
}

static void put_blob(struct body *b, const char *name, const void *data, uint32_t len)
{
    put16(b, (unsigned)strlen(name));
    put(b, name, strlen(name));
    put32(b, len);
    put(b, data, len);
}

static struct ctl_request req;

/* Decodes an exact-size copy; *keep receives the copy (blob data points into it), else it is freed. */
static int decode(const uint8_t *p, size_t n, uint8_t **keep)
{
    uint8_t *c = malloc(n ? n : 1);
    memcpy(c, p, n);
    err[0] = '\0';
    int rc = ctl_request_decode(c, n, &req, err, sizeof err);
    if (keep)
        *keep = c;
    else
        free(c);
    return rc;
}

static int decode_body(const struct body *b)
{
    return decode(b->b, b->n, NULL);
}

static struct body body;

static void test_request_valid(void)
{
    static const char *const words[] = { "deploy", "a", "echo", "--program", "build/echo.elf", "--proto", "udp",
                                         "--port", "7", "--mode", "pool:2", "--", "" };
    const int nw = sizeof words / sizeof words[0];
    body.n = 0;
    put_words(&body, nw, words);
    put16(&body, 2);
    put_blob(&body, "build/echo.elf", "\x7f" "ELF-bytes", 10);
    put_blob(&body, "empty", "", 0);
    write_seed("request", "deploy_program", body.b, body.n);
    uint8_t *copy;
    int rc = decode(body.b, body.n, &copy);
    CHECK(rc == 0, "valid body refused: %s", err);
    if (rc == 0) {
        CHECK(req.argc == nw, "argc %d", req.argc);
        for (int i = 0; i < nw && i < req.argc; i++)
            CHECK(!strcmp(req.argv[i], words[i]), "word %d '%s'", i, req.argv[i]);
        CHECK(req.nblobs == 2, "nblobs %d", req.nblobs);
        const struct ctl_blob *bl = ctl_request_blob(&req, "build/echo.elf");
        CHECK(bl && bl->len == 10 && !memcmp(bl->data, "\x7f" "ELF-bytes", 10), "blob by name");
        CHECK(bl && bl->data >= copy && bl->data + bl->len <= copy + body.n, "blob data points into the body");
        bl = ctl_request_blob(&req, "empty");
        CHECK(bl && bl->len == 0 && !strcmp(bl->name, "empty"), "empty blob");
        CHECK(!ctl_request_blob(&req, "build/echo.el") && !ctl_request_blob(&req, "missing") &&
                  !ctl_request_blob(&req, "") && !ctl_request_blob(NULL, "empty"),
              "lookups of absent names");
        struct ctl_cmd c;
        rc = ctl_cmd_parse(req.argc, req.argv, &c, err, sizeof err);
        CHECK(rc == 0 && c.op == CTL_OP_DEPLOY && !strcmp(c.service.program, "build/echo.elf") &&
                  c.service.argc == 1 && c.service.args[0] == '\0',
              "decoded words as a command: %d %s", rc, err);
    }
    free(copy);

    /* Every truncation fails cleanly. */
    for (size_t len = 0; len < body.n; len++) {
        rc = decode(body.b, len, NULL);
        CHECK(rc == -EINVAL && err[0] && req.argc == 0 && req.nblobs == 0, "truncated to %zu: rc %d, argc %d", len,
              rc, req.argc);
    }
    /* Trailing bytes. */
    body.b[body.n] = 0;
    rc = decode(body.b, body.n + 1, NULL);
    CHECK(rc == -EINVAL && strstr(err, "after"), "one trailing byte: %d '%s'", rc, err);

    /* The smallest request, and a NULL body. */
    body.n = 0;
    put_words(&body, 1, (const char *[]){ "ping" });
    put16(&body, 0);
    write_seed("request", "ping", body.b, body.n);
    CHECK(decode_body(&body) == 0 && req.argc == 1 && !strcmp(req.argv[0], "ping") && req.nblobs == 0, "ping");
    CHECK(ctl_request_decode(NULL, 0, &req, err, sizeof err) == -EINVAL, "NULL body");

    /* apply with a manifest and a program. */
    body.n = 0;
    put_words(&body, 3, (const char *[]){ "apply", "site.conf", "--prune" });
    put16(&body, 2);
    static const char site[] = "tenant a mem=64M\nservice a/e program=e.elf proto=udp port=7 mode=pool:1\n";
    put_blob(&body, "site.conf", site, sizeof site - 1);
    put_blob(&body, "e.elf", "ELF", 3);
    write_seed("request", "apply", body.b, body.n);
    CHECK(decode_body(&body) == 0 && req.nblobs == 2, "apply request: %s", err);

    body.n = 0;
    put_words(&body, 7, (const char *[]){ "-o", "kv", "tenant", "create", "a", "--mem", "64M" });
    put16(&body, 0);
    write_seed("request", "tenant_create", body.b, body.n);

    /* A deploy of a service answering both protocols. */
    static const char *const tcp_words[] = { "deploy", "a", "kv", "--builtin", "memcached", "--proto", "tcp,udp",
                                             "--port", "11211", "--mode", "pool:2" };
    body.n = 0;
    put_words(&body, 11, tcp_words);
    put16(&body, 0);
    write_seed("request", "deploy_tcp", body.b, body.n);
    rc = decode_body(&body);
    if (rc == 0) {
        struct ctl_cmd c;
        rc = ctl_cmd_parse(req.argc, req.argv, &c, err, sizeof err);
        CHECK(rc == 0 && c.op == CTL_OP_DEPLOY && c.service.proto == (NICCTL_PROTO_UDP | NICCTL_PROTO_TCP),
              "tcp,udp deploy request: %d %s", rc, err);
    }
    CHECK(rc == 0, "tcp,udp deploy request refused: %s", err);
    group_end("request_valid");
}

static void test_request_limits(void)
{
    int rc;
    char big[2048];
    /* argc 0. */
    body.n = 0;
    put16(&body, 0);
    put16(&body, 0);
    rc = decode_body(&body);
    CHECK(rc == -EINVAL && strstr(err, "no command"), "argc 0: %d '%s'", rc, err);
    /* 65 words; 64 words of 63 bytes fill the words' room exactly. */
    memset(big, 'w', sizeof big);
    body.n = 0;
    put16(&body, 65);
    for (int i = 0; i < 65; i++) {
        put16(&body, 1);
        put(&body, "w", 1);
    }
    put16(&body, 0);
    rc = decode_body(&body);
    CHECK(rc == -EINVAL && strstr(err, "65"), "65 words: %d '%s'", rc, err);
    body.n = 0;
    put16(&body, 64);
    for (int i = 0; i < 64; i++) {
        put16(&body, 63);
        put(&body, big, 63);
    }
    /* ... with 16 files of 255-byte names: the largest request. */
    put16(&body, 16);
    for (int i = 0; i < 16; i++) {
        char name[256];
        memset(name, 'n', 255);
        snprintf(name, sizeof name, "%02d", i);
        name[2] = 'n';
        name[255] = '\0';
        put_blob(&body, name, "x", 1);
    }
    rc = decode_body(&body);
    CHECK(rc == 0 && req.argc == 64 && strlen(req.argv[63]) == 63 && req.nblobs == 16 &&
              strlen(req.blobs[15].name) == 255,
          "largest request refused: %d '%s'", rc, err);
    /* One byte more in the words. */
    body.n = 0;
    put16(&body, 64);
    for (int i = 0; i < 64; i++) {
        put16(&body, i == 0 ? 64 : 63);
        put(&body, big, i == 0 ? 64 : 63);
    }
    put16(&body, 0);
    CHECK(decode_body(&body) == -EINVAL, "words past their room accepted");
    /* Word length: 1024 fits, 1025 does not. */
    body.n = 0;
    put16(&body, 1);
    put16(&body, 1024);
    put(&body, big, 1024);
    put16(&body, 0);
    CHECK(decode_body(&body) == 0 && strlen(req.argv[0]) == 1024, "1024-byte word: %s", err);
    body.n = 0;
    put16(&body, 1);
    put16(&body, 1025);
    put(&body, big, 1025);
    put16(&body, 0);
    rc = decode_body(&body);
    CHECK(rc == -EINVAL && strstr(err, "1025"), "1025-byte word: %d '%s'", rc, err);
    /* A word with a NUL byte. */
    body.n = 0;
    put16(&body, 2);
    put16(&body, 4);
    put(&body, "ping", 4);
    put16(&body, 3);
    put(&body, "a\0b", 3);
    put16(&body, 0);
    rc = decode_body(&body);
    CHECK(rc == -EINVAL && strstr(err, "NUL"), "NUL in a word: %d '%s'", rc, err);
    /* Files: duplicate names, data past the end, 17 files, name limits, NUL in a name. */
    const char *const ping[] = { "ping" };
    body.n = 0;
    put_words(&body, 1, ping);
    put16(&body, 2);
    put_blob(&body, "f", "1", 1);
    put_blob(&body, "f", "2", 1);
    rc = decode_body(&body);
    CHECK(rc == -EINVAL && strstr(err, "twice"), "duplicate blob: %d '%s'", rc, err);
    body.n = 0;
    put_words(&body, 1, ping);
    put16(&body, 1);
    put16(&body, 1);
    put(&body, "f", 1);
    put32(&body, 100);
    put(&body, big, 10);
    write_seed("request", "blob_past_end", body.b, body.n);
    rc = decode_body(&body);
    CHECK(rc == -EINVAL && strstr(err, "100"), "blob past the end: %d '%s'", rc, err);
    body.n = 0;
    put_words(&body, 1, ping);
    put16(&body, 1);
    put16(&body, 1);
    put(&body, "f", 1);
    put32(&body, 0xffffffffu);
    CHECK(decode_body(&body) == -EINVAL, "blob of 4 GiB accepted");
    body.n = 0;
    put_words(&body, 1, ping);
    put16(&body, 17);
    for (int i = 0; i < 17; i++) {
        char name[8];
        snprintf(name, sizeof name, "f%d", i);
        put_blob(&body, name, "", 0);
    }
    rc = decode_body(&body);
    CHECK(rc == -EINVAL && strstr(err, "17"), "17 blobs: %d '%s'", rc, err);
    body.n = 0;
    put_words(&body, 1, ping);
    put16(&body, 1);
    put16(&body, 256);
    put(&body, big, 256);
    put32(&body, 0);
    CHECK(decode_body(&body) == -EINVAL, "256-byte blob name accepted");
    body.n = 0;
    put_words(&body, 1, ping);
    put16(&body, 1);
    put16(&body, 0);
    put32(&body, 0);
    CHECK(decode_body(&body) == -EINVAL, "empty blob name accepted");
    body.n = 0;
    put_words(&body, 1, ping);
    put16(&body, 1);
    put16(&body, 3);
    put(&body, "a\0b", 3);
    put32(&body, 0);
    CHECK(decode_body(&body) == -EINVAL, "NUL in a blob name accepted");
    /* A body over 8 MiB. */
    uint8_t *huge = calloc(CTL_REQUEST_MAX + 1, 1);
    CHECK(ctl_request_decode(huge, CTL_REQUEST_MAX + 1, &req, err, sizeof err) == -EINVAL, "9 MiB body accepted");
    free(huge);
    group_end("request_limits");
}

/* ---- commands ---- */

static struct ctl_cmd cmd;

/* Parses a line split at single spaces. */
static int parse_cmd(const char *line)
{
    static char copy[4096];
    const char *argv[80];
    int argc = 0;
    snprintf(copy, sizeof copy, "%s", line);
    for (char *p = copy; *p && argc < 80;) {
        argv[argc++] = p;
        char *sp = strchr(p, ' ');
        if (!sp)
            break;
        *sp = '\0';
        p = sp + 1;
    }
    err[0] = '\0';
    memset(&cmd, 0x5a, sizeof cmd);   /* the parser must set every field */
    return ctl_cmd_parse(argc, argv, &cmd, err, sizeof err);
}

/* The command is refused with a reason containing `why`. */
static void refused(const char *line, const char *why)
{
    int rc = parse_cmd(line);
    CHECK(rc == -EINVAL && strstr(err, why), "'%s' -> %d '%s' (expected '%s')", line, rc, err, why);
}

static void test_cmd_simple(void)
{
    CHECK(parse_cmd("ping") == 0 && cmd.op == CTL_OP_PING && cmd.format == CTL_FMT_TABLE, "ping");
    CHECK(parse_cmd("sys") == 0 && cmd.op == CTL_OP_SYS, "sys");
    CHECK(parse_cmd("-o kv ls") == 0 && cmd.op == CTL_OP_LS && cmd.format == CTL_FMT_KV && cmd.name[0] == '\0',
          "-o kv ls: %s", err);
    CHECK(parse_cmd("-o table stats b-2") == 0 && cmd.op == CTL_OP_STATS && cmd.format == CTL_FMT_TABLE &&
              !strcmp(cmd.name, "b-2"),
          "stats b-2: %s", err);
    CHECK(parse_cmd("ls a") == 0 && cmd.op == CTL_OP_LS && !strcmp(cmd.name, "a"), "ls a");
    CHECK(parse_cmd("stats") == 0 && cmd.op == CTL_OP_STATS && cmd.name[0] == '\0', "stats");
    CHECK(parse_cmd("tenant create a --mem 64M --cpu 50") == 0 && cmd.op == CTL_OP_TENANT_CREATE &&
              !strcmp(cmd.tenant.name, "a") && cmd.tenant.mem == 64 * MiB && cmd.tenant.cpu_pct == 50 &&
              cmd.set_mem && cmd.set_cpu,
          "tenant create: %s", err);
    CHECK(parse_cmd("tenant create --cpu 100 big --mem 1G") == 0 && !strcmp(cmd.tenant.name, "big") &&
              cmd.tenant.mem == GiB && cmd.tenant.cpu_pct == 100,
          "options before the name: %s", err);
    CHECK(parse_cmd("tenant set a --cpu 20") == 0 && cmd.op == CTL_OP_TENANT_SET && !strcmp(cmd.tenant.name, "a") &&
              cmd.set_cpu && !cmd.set_mem && cmd.tenant.cpu_pct == 20,
          "tenant set --cpu: %s", err);
    CHECK(parse_cmd("tenant set a --mem 32M") == 0 && cmd.set_mem && !cmd.set_cpu && cmd.tenant.mem == 32 * MiB,
          "tenant set --mem: %s", err);
    CHECK(parse_cmd("tenant delete a") == 0 && cmd.op == CTL_OP_TENANT_DELETE && !strcmp(cmd.name, "a"),
          "tenant delete: %s", err);
    CHECK(parse_cmd("scale a mc 5") == 0 && cmd.op == CTL_OP_SCALE && !strcmp(cmd.service.tenant, "a") &&
              !strcmp(cmd.service.name, "mc") && cmd.service.count == 5,
          "scale: %s", err);
    CHECK(parse_cmd("undeploy a mc") == 0 && cmd.op == CTL_OP_UNDEPLOY && !strcmp(cmd.service.tenant, "a") &&
              !strcmp(cmd.service.name, "mc"),
          "undeploy: %s", err);
    CHECK(parse_cmd("apply site.conf") == 0 && cmd.op == CTL_OP_APPLY && !strcmp(cmd.manifest, "site.conf") &&
              !cmd.prune,
          "apply: %s", err);
    CHECK(parse_cmd("apply --prune dir/site.conf") == 0 && cmd.prune && !strcmp(cmd.manifest, "dir/site.conf"),
          "apply --prune: %s", err);
    group_end("cmd_simple");
}

static void test_cmd_deploy(void)
{
    int rc = parse_cmd("deploy a mc --builtin memcached --proto udp --port 11211 --mode shared:2 "
                       "--mem-per-instance 8M -- preload=100 --port -v");
    const struct ctl_service_spec *s = &cmd.service;
    CHECK(rc == 0 && cmd.op == CTL_OP_DEPLOY, "deploy --builtin: %d %s", rc, err);
    CHECK(!strcmp(s->tenant, "a") && !strcmp(s->name, "mc") && !strcmp(s->builtin, "memcached") &&
              s->program[0] == '\0' && s->program_hash == 0,
          "names");
    CHECK(s->port == 11211 && s->proto == NICCTL_PROTO_UDP && s->mode == CTL_SHARED && s->count == 2 &&
              s->mem_per_instance == 8 * MiB,
          "values");
    CHECK(s->argc == 3 && !memcmp(s->args, "preload=100\0--port\0-v\0", 23), "args after --");

    rc = parse_cmd("deploy b echo --program build/user/echo.elf --proto udp --port 7 --mode perclient:8");
    CHECK(rc == 0 && !strcmp(s->program, "build/user/echo.elf") && s->builtin[0] == '\0' && s->port == 7 &&
              s->mode == CTL_PERCLIENT && s->count == 8 && s->mem_per_instance == CTL_DEFAULT_INSTANCE_MEM &&
              s->argc == 0 && s->program_hash == 0,
          "deploy --program: %d %s", rc, err);
    CHECK(parse_cmd("deploy b p --mode pool:1024 --port 1 --proto udp --builtin x --") == 0 && s->mode == CTL_POOL &&
              s->count == 1024 && s->argc == 0,
          "pool:1024, options in any order: %s", err);
    CHECK(parse_cmd("deploy b s --builtin x --proto udp --port 65534 --mode shared:2") == 0, "shared up to 65535: %s",
          err);
    refused("deploy b s --builtin x --proto udp --port 65534 --mode shared:3", "65535");
    refused("deploy b s --builtin x --proto udp --port 1 --mode shared:1025", "instance count");
    refused("deploy b s --builtin x --proto udp --port 1 --mode pool:0", "instance count");
    refused("deploy b s --builtin x --proto udp --port 1 --mode perclient", "bad mode");
    refused("deploy b s --builtin x --proto udp --port 1 --mode broadcast:2", "bad mode");
    refused("deploy b s --builtin x --proto udp --port 1 --mode pool:-1", "instance count");
    rc = parse_cmd("deploy b s --builtin x --proto tcp --port 11211 --mode pool:2");
    CHECK(rc == 0 && s->proto == NICCTL_PROTO_TCP && s->port == 11211 && s->mode == CTL_POOL && s->count == 2,
          "--proto tcp: %d %s", rc, err);
    rc = parse_cmd("deploy b s --builtin x --proto tcp,udp --port 11211 --mode shared:1");
    CHECK(rc == 0 && s->proto == (NICCTL_PROTO_UDP | NICCTL_PROTO_TCP), "--proto tcp,udp: %d %s", rc, err);
    rc = parse_cmd("deploy b s --proto udp,tcp --builtin x --port 11211 --mode perclient:3");
    CHECK(rc == 0 && s->proto == (NICCTL_PROTO_UDP | NICCTL_PROTO_TCP), "--proto udp,tcp: %d %s", rc, err);
    refused("deploy b s --builtin x --proto sctp --port 1 --mode pool:1",
            "bad protocol 'sctp' (udp, tcp, tcp,udp or udp,tcp)");
    refused("deploy b s --builtin x --proto TCP --port 1 --mode pool:1", "bad protocol 'TCP'");
    refused("deploy b s --builtin x --proto tcp,tcp --port 1 --mode pool:1", "bad protocol 'tcp,tcp'");
    refused("deploy b s --builtin x --proto udp, --port 1 --mode pool:1", "bad protocol 'udp,'");
    refused("deploy b s --builtin x --proto 17 --port 1 --mode pool:1", "bad protocol '17'");
    refused("deploy b s --builtin x --proto  --port 1 --mode pool:1", "bad protocol ''");
    refused("deploy b s --builtin x --proto tcp --proto udp --port 1 --mode pool:1", "option '--proto' given twice");
    refused("deploy b s --builtin x --program x.elf --proto udp --port 1 --mode pool:1", "exclude each other");
    refused("deploy b s --proto udp --port 1 --mode pool:1", "one of --program or --builtin is required");
    refused("deploy b s --builtin x --port 1 --mode pool:1", "missing option --proto");
    refused("deploy b s --builtin x --proto udp --mode pool:1", "missing option --port");
    refused("deploy b s --builtin x --proto udp --port 1", "missing option --mode");
    refused("deploy b s --builtin x --proto udp --port 1 --port 2 --mode pool:1", "option '--port' given twice");
    refused("deploy b s --builtin x --proto udp --port 0 --mode pool:1", "bad port");
    refused("deploy b s --builtin x --proto udp --port 65536 --mode pool:1", "bad port");
    refused("deploy b s --builtin X --proto udp --port 1 --mode pool:1", "built-in");
    refused("deploy b s --builtin x --proto udp --port 1 --mode pool:1 --mem-per-instance 0", "mem-per-instance");
    refused("deploy b s --builtin x --proto udp --port 1 --mode pool:1 --color red", "unknown option '--color'");
    refused("deploy b --builtin x --proto udp --port 1 --mode pool:1", "missing");
    refused("deploy b s t --builtin x --proto udp --port 1 --mode pool:1", "unexpected argument 't'");
    refused("deploy B s --builtin x --proto udp --port 1 --mode pool:1", "bad tenant name");
    refused("deploy b -s --builtin x --proto udp --port 1 --mode pool:1", "unknown option '-s'");
    refused("deploy b s --builtin x --proto udp --port 1 --mode", "needs a value");

    /* Arguments: CTL_MAX_ARGS of them, CTL_ARGS_BYTES in all. */
    char line[4096];
    int n = snprintf(line, sizeof line, "deploy b s --builtin x --proto udp --port 1 --mode pool:1 --");
    for (int i = 0; i < CTL_MAX_ARGS; i++)
        n += snprintf(line + n, sizeof line - (size_t)n, " a%d", i);
    CHECK(parse_cmd(line) == 0 && s->argc == CTL_MAX_ARGS, "16 args: %s", err);
    snprintf(line + n, sizeof line - (size_t)n, " extra");
    refused(line, "more than 16 program arguments");
    char arg[600];
    memset(arg, 'q', sizeof arg);
    arg[CTL_ARGS_BYTES - 1] = '\0';   /* 511 bytes + NUL = 512 */
    snprintf(line, sizeof line, "deploy b s --builtin x --proto udp --port 1 --mode pool:1 -- %s", arg);
    CHECK(parse_cmd(line) == 0 && s->argc == 1 && strlen(s->args) == CTL_ARGS_BYTES - 1, "512 bytes of args: %s",
          err);
    snprintf(line, sizeof line, "deploy b s --builtin x --proto udp --port 1 --mode pool:1 -- %s a", arg);
    refused(line, "512 bytes");
    group_end("cmd_deploy");
}

static void test_cmd_errors(void)
{
    refused("frobnicate", "unknown command 'frobnicate'");
    refused("tenant frob a", "unknown command 'tenant frob'");
    refused("tenant", "create, set or delete");
    refused("-o kv", "no command");
    refused("-o json ls", "bad output format 'json'");
    refused("-o kv -o kv ls", "'-o' given twice");
    refused("-o", "needs a value");
    refused("ls -o kv", "unknown option '-o'");
    refused("--socket x ping", "unknown option '--socket'");
    refused("ping extra", "unexpected argument 'extra'");
    refused("ls a b", "unexpected argument 'b'");
    refused("ls A", "bad tenant name 'A'");
    refused("ls --", "unknown option '--'");
    refused("tenant create a --cpu 50", "missing option --mem");
    refused("tenant create a --mem 1M", "missing option --cpu");
    refused("tenant create a --mem 1M --mem 2M --cpu 3", "option '--mem' given twice");
    refused("tenant create --mem 1M --cpu 3", "missing");
    refused("tenant create _a --mem 1M --cpu 3", "bad tenant name '_a'");
    refused("tenant create abcdefghijklmnop --mem 1M --cpu 3", "bad tenant name");
    refused("tenant create a --mem 1M --cpu", "needs a value");
    refused("tenant create a --mem 1.5M --cpu 3", "bad size '1.5M'");
    refused("tenant create a --mem 1M --cpu 101", "bad CPU percent '101'");
    refused("tenant create a --mem 1M --cpu 20%", "bad CPU percent");
    refused("tenant create a --mem 1M --cpu 5 --prune", "unknown option '--prune'");
    refused("tenant set a", "nothing to set");
    refused("tenant set a --cpu 0", "bad CPU percent");
    refused("tenant delete", "missing");
    refused("tenant delete a --mem 1M", "unknown option '--mem'");
    refused("scale a mc 0", "bad instance count '0'");
    refused("scale a mc 1025", "bad instance count '1025'");
    refused("scale a mc -1", "bad instance count '-1'");
    refused("scale a mc", "missing");
    refused("undeploy a", "missing");
    refused("apply", "missing");
    refused("apply a b", "unexpected argument 'b'");
    refused("apply a --prune --prune", "given twice");
    CHECK(ctl_cmd_parse(0, NULL, &cmd, err, sizeof err) == -EINVAL && strstr(err, "no command"), "no words: %s", err);
    /* A word with a newline: the reason stays on one line. */
    refused("frob\nnicate", "unknown command 'frob?nicate'");
    group_end("cmd_errors");
}

/* ---- manifests ---- */

static struct ctl_manifest man;

/* Parses an exact-size copy. */
static int parse_manifest(const char *text, size_t len)
{
    char *c = malloc(len ? len : 1);
    if (len)
        memcpy(c, text, len);
    err[0] = '\0';
    int rc = ctl_manifest_parse(c, len, &man, err, sizeof err);
    free(c);
    return rc;
}

static int parse_text(const char *text)
{
    return parse_manifest(text, strlen(text));
}

static void manifest_refused(const char *text, const char *why)
{
    int rc = parse_text(text);
    CHECK(rc == -EINVAL && strstr(err, why) && man.ntenants == 0 && man.nservices == 0,
          "'%.60s' -> %d '%s' (expected '%s')", text, rc, err, why);
}

static const char doc_example[] =
    "# tenants: name, memory quota, CPU budget\n"
    "tenant a mem=64M cpu=50\n"
    "tenant b mem=32M cpu=20\n"
    "# services: TENANT/NAME, then the same options as deploy\n"
    "service a/mc builtin=memcached proto=udp port=11211 mode=shared:2 mem-per-instance=4M -- preload=100\n"
    "service b/echo program=build/user/echo.elf proto=udp port=7 mode=perclient:8\n";

static void test_manifest_example(void)
{
    write_seed("manifest", "doc_example", doc_example, sizeof doc_example - 1);
    int rc = parse_text(doc_example);
    CHECK(rc == 0, "the example of docs/control.md refused: %s", err);
    CHECK(man.ntenants == 2 && man.nservices == 2, "%d tenants, %d services", man.ntenants, man.nservices);
    const struct ctl_tenant_spec *a = &man.tenants[0], *b = &man.tenants[1];
    CHECK(!strcmp(a->name, "a") && a->mem == 64 * MiB && a->cpu_pct == 50, "tenant a");
    CHECK(!strcmp(b->name, "b") && b->mem == 32 * MiB && b->cpu_pct == 20, "tenant b");
    const struct ctl_service_spec *mc = &man.services[0], *echo = &man.services[1];
    CHECK(!strcmp(mc->tenant, "a") && !strcmp(mc->name, "mc") && !strcmp(mc->builtin, "memcached") &&
              mc->program[0] == '\0' && mc->port == 11211 && mc->mode == CTL_SHARED && mc->count == 2 &&
              mc->mem_per_instance == 4 * MiB && mc->argc == 1 && !strcmp(mc->args, "preload=100") &&
              mc->program_hash == 0,
          "service a/mc");
    CHECK(!strcmp(echo->tenant, "b") && !strcmp(echo->name, "echo") && echo->builtin[0] == '\0' &&
              !strcmp(echo->program, "build/user/echo.elf") && echo->port == 7 && echo->mode == CTL_PERCLIENT &&
              echo->count == 8 && echo->mem_per_instance == CTL_DEFAULT_INSTANCE_MEM && echo->argc == 0 &&
              echo->program_hash == 0,
          "service b/echo");
    group_end("manifest_example");
}

static void test_manifest_syntax(void)
{
    static const char text[] =
        "  # an indented comment\r\n"
        "\r\n"
        "\t\n"
        "tenant   x\tmem=1M   # trailing comment\r\n"
        "tenant y mem=2G cpu=100#no blank before the comment\n"
        "service x/s builtin=echo proto=udp port=9 mode=pool:3 -- \"hello world\" \"\" a\"b c\"d \"#not a comment\" "
        "\"x=1\"\r\n"
        "service \"y/t\" \"program=my programs/t.elf\" proto=udp port=10 mode=shared:1";   /* no final newline */
    write_seed("manifest", "syntax", text, sizeof text - 1);
    int rc = parse_text(text);
    CHECK(rc == 0, "refused: %s", err);
    CHECK(man.ntenants == 2 && man.nservices == 2, "%d tenants, %d services", man.ntenants, man.nservices);
    CHECK(!strcmp(man.tenants[0].name, "x") && man.tenants[0].mem == MiB && man.tenants[0].cpu_pct == 100,
          "cpu defaults to 100");
    CHECK(man.tenants[1].mem == 2 * GiB && man.tenants[1].cpu_pct == 100, "comment right after a value");
    const struct ctl_service_spec *s = &man.services[0];
    static const char args[] = "hello world\0\0ab cd\0#not a comment\0x=1";
    CHECK(s->argc == 5 && !memcmp(s->args, args, sizeof args), "quoted args (argc %d)", s->argc);
    CHECK(s->count == 3 && s->mode == CTL_POOL && s->port == 9, "service x/s");
    CHECK(!strcmp(man.services[1].program, "my programs/t.elf") && !strcmp(man.services[1].tenant, "y"),
          "quoted key=value and TENANT/NAME");
    CHECK(parse_text("") == 0 && man.ntenants == 0 && man.nservices == 0, "empty manifest");
    CHECK(parse_text("# only\n\n#comments") == 0 && man.ntenants == 0, "comments only");
    CHECK(parse_manifest(NULL, 0) == 0, "NULL, 0");
    CHECK(parse_text("service z/s builtin=e proto=udp port=1 mode=pool:1\n") == 0 && man.nservices == 1,
          "a service of an undeclared tenant is left to the planner: %s", err);
    /* Line length: 2048 bytes (besides the line end) fit, 2049 do not. */
    static char line[4200];
    memset(line, ' ', sizeof line);
    line[0] = '#';
    line[2048] = '\r';
    line[2049] = '\n';
    memcpy(line + 2050, "tenant a mem=1M\n", 16);
    CHECK(parse_manifest(line, 2066) == 0 && man.ntenants == 1, "2048-byte line with CRLF: %s", err);
    line[2048] = ' ';
    int rc2 = parse_manifest(line, 2066);
    CHECK(rc2 == -EINVAL && strstr(err, "line 1: longer than 2048"), "2049-byte line: %d %s", rc2, err);
    /* The largest number of words on a line, and one more. */
    char many[400];
    int n = snprintf(many, sizeof many, "service a/s builtin=e proto=udp port=1 mode=pool:1 --");
    for (int i = 0; i < CTL_MAX_WORDS - 7; i++)
        n += snprintf(many + n, sizeof many - (size_t)n, " %c", 'a' + i % 26);
    CHECK(parse_text(many) == -EINVAL && strstr(err, "more than 16 program arguments"), "57 args: %s", err);
    group_end("manifest_syntax");
}

static void test_manifest_errors(void)
{
    manifest_refused("tenant a mem=1M\nfrob x\n", "line 2: unknown declaration 'frob'");
    manifest_refused("tenant a mem=1M\n\nservice a/x builtin=e prot=udp port=1 mode=pool:1\n",
                     "line 3: unknown key 'prot'");
    manifest_refused("tenant a mem=1M colour=red\n", "line 1: unknown key 'colour'");
    manifest_refused("# c\ntenant a cpu=5\n", "line 2: missing key mem=");
    manifest_refused("tenant a mem=1M mem=2M\n", "line 1: key 'mem' given twice");
    manifest_refused("tenant a mem\n", "line 1: expected key=value, got 'mem'");
    manifest_refused("tenant\n", "line 1: 'tenant' needs a NAME");
    manifest_refused("tenant A mem=1M\n", "line 1: bad tenant name 'A'");
    manifest_refused("tenant a mem=1M cpu=0\n", "line 1: bad CPU percent '0'");
    manifest_refused("tenant a mem=0\n", "line 1: bad size '0'");
    manifest_refused("tenant a mem=1M\ntenant b mem=1M\ntenant a mem=2M\n",
                     "line 3: tenant 'a' declared twice (first on line 1)");
    manifest_refused("service a/x builtin=e proto=udp mode=pool:1\n", "line 1: missing key port=");
    manifest_refused("service a/x builtin=e port=1 mode=pool:1\n", "line 1: missing key proto=");
    manifest_refused("service a/x port=1 proto=udp mode=pool:1\n", "line 1: one of program= or builtin= is required");
    manifest_refused("service a/x program=p builtin=b port=1 proto=udp mode=pool:1\n",
                     "line 1: program= and builtin= exclude each other");
    manifest_refused("service a/x builtin=e proto=sctp port=1 mode=pool:1\n",
                     "line 1: bad protocol 'sctp' (udp, tcp, tcp,udp or udp,tcp)");
    manifest_refused("tenant a mem=1M\nservice a/x builtin=e proto=tcp,udp,tcp port=1 mode=pool:1\n",
                     "line 2: bad protocol 'tcp,udp,tcp'");
    manifest_refused("service a/x builtin=e proto= port=1 mode=pool:1\n", "line 1: bad protocol ''");
    manifest_refused("service a/x builtin=e proto=udp proto=tcp port=1 mode=pool:1\n",
                     "line 1: key 'proto' given twice");
    manifest_refused("service a/x builtin=e proto=udp port=1 port=2 mode=pool:1\n", "line 1: key 'port' given twice");
    manifest_refused("service a/x builtin=e proto=udp port=1 mode=pool:0\n", "line 1: bad instance count");
    manifest_refused("service a/x builtin=e proto=udp port=65535 mode=shared:2\n", "line 1: ports 65535..65536");
    manifest_refused("service ax builtin=e proto=udp port=1 mode=pool:1\n", "line 1: expected TENANT/NAME");
    manifest_refused("service a/ builtin=e proto=udp port=1 mode=pool:1\n", "line 1: expected TENANT/NAME");
    manifest_refused("service a/x/y builtin=e proto=udp port=1 mode=pool:1\n", "line 1: expected TENANT/NAME");
    manifest_refused("service a/x builtin=e proto=udp port=1 mode=pool:1 extra\n", "line 1: expected key=value");
    manifest_refused("service a/x builtin=e proto=udp port=1 mode=pool:1\n"
                     "service a/x builtin=e proto=udp port=2 mode=pool:1\n",
                     "line 2: service 'a/x' declared twice (first on line 1)");
    manifest_refused("service a/x builtin=e proto=udp port=100 mode=shared:3\n"
                     "tenant a mem=1M\n"
                     "service b/y builtin=e proto=udp port=102 mode=pool:1\n",
                     "line 3: service b/y (udp port 102) overlaps a/x (udp ports 100-102, line 1)");
    manifest_refused("tenant a mem=1M\ntenant \"b mem=1M\n", "line 2: unterminated quote");
    manifest_refused("tenant a mem=1M # \"quote in a comment is fine\"\ntenant b mem=\"1M\n",
                     "line 2: unterminated quote");
    static const char nul[] = "tenant a mem=1M\ntenant b\0 mem=1M\n";
    write_seed("manifest", "nul", nul, sizeof nul - 1);
    int rc = parse_manifest(nul, sizeof nul - 1);
    CHECK(rc == -EINVAL && strstr(err, "line 2: NUL byte"), "NUL byte: %d '%s'", rc, err);
    rc = parse_manifest("# comment\0\n", 11);
    CHECK(rc == -EINVAL && strstr(err, "line 1: NUL byte"), "NUL byte in a comment: %d '%s'", rc, err);
    /* 65 tenants. */
    static char text[65 * 24];
    size_t n = 0;
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "tenant t%d mem=1M\n", i);
    manifest_refused(text, "line 65: more than 64 tenants");
    group_end("manifest_errors");
}

static const char protocols[] =
    "tenant a mem=64M\n"
    "service a/mcu builtin=memcached proto=udp port=11211 mode=shared:2\n"
    "service a/mct builtin=memcached proto=tcp port=11211 mode=pool:4\n"
    "service a/both program=both.elf proto=udp,tcp port=7000 mode=perclient:2\n"
    "service a/web builtin=web proto=tcp port=11212 mode=shared:1\n";

static void test_manifest_protocols(void)
{
    write_seed("manifest", "protocols", protocols, sizeof protocols - 1);
    int rc = parse_text(protocols);
    CHECK(rc == 0 && man.nservices == 4, "udp and tcp services on the same ports refused: %d %s", rc, err);
    if (rc == 0) {
        CHECK(man.services[0].proto == NICCTL_PROTO_UDP && man.services[1].proto == NICCTL_PROTO_TCP &&
                  man.services[2].proto == (NICCTL_PROTO_UDP | NICCTL_PROTO_TCP) &&
                  man.services[3].proto == NICCTL_PROTO_TCP,
              "protocols %u %u %u %u", man.services[0].proto, man.services[1].proto, man.services[2].proto,
              man.services[3].proto);
    }
    CHECK(parse_text("service a/x builtin=e proto=tcp,udp port=1 mode=pool:1\n") == 0 &&
              man.services[0].proto == (NICCTL_PROTO_UDP | NICCTL_PROTO_TCP),
          "proto=tcp,udp: %s", err);
    /* Two tcp services on one port; tcp,udp against either. */
    manifest_refused("service a/x builtin=e proto=tcp port=80 mode=pool:1\n"
                     "service a/y builtin=e proto=tcp port=80 mode=perclient:1\n",
                     "line 2: service a/y (tcp port 80) overlaps a/x (tcp port 80, line 1)");
    manifest_refused("service a/x builtin=e proto=udp port=80 mode=pool:1\n"
                     "service a/y builtin=e proto=tcp port=80 mode=pool:1\n"
                     "service a/z builtin=e proto=udp,tcp port=79 mode=shared:2\n",
                     "line 3: service a/z (tcp,udp ports 79-80) overlaps a/x (udp port 80, line 1)");
    manifest_refused("service a/y builtin=e proto=tcp port=80 mode=pool:1\n"
                     "service a/z builtin=e proto=tcp,udp port=78 mode=shared:3\n",
                     "line 2: service a/z (tcp,udp ports 78-80) overlaps a/y (tcp port 80, line 1)");
    /* The protocol is required, as in deploy. */
    manifest_refused("service a/x builtin=e port=80 mode=pool:1\n", "line 1: missing key proto=");
    group_end("manifest_protocols");
}

/* ---- the planner ---- */

static struct ctl_state st, after;
static struct ctl_plan plan;

/* Gives every program= service the hash of its path, as the ctl FWP does
 * with the bytes of the attached file. */
static void fill_hashes(struct ctl_manifest *m)
{
    for (int j = 0; j < m->nservices; j++)
        if (m->services[j].program[0])
            m->services[j].program_hash = ctl_hash(m->services[j].program, strlen(m->services[j].program));
}

static int manifest_of(const char *text)
{
    int rc = parse_text(text);
    if (rc < 0)
        fail("manifest refused: %s", err);
    fill_hashes(&man);
    return rc;
}

static int make_plan(const struct ctl_state *h, bool prune)
{
    err[0] = '\0';
    return ctl_plan_make(h, &man, prune, &plan, err, sizeof err);
}

/* The plan runs step by step (ctl_sim.h); afterwards the same manifest
 * plans nothing, with or without --prune when it was pruned. */
static void plan_runs(const struct ctl_state *h, bool prune, const char *what)
{
    char why[256];
    if (ctl_sim_run(h, &man, &plan, &after, why, sizeof why) < 0) {
        fail("%s: %s", what, why);
        return;
    }
    static struct ctl_plan again;
    int rc = ctl_plan_make(&after, &man, prune, &again, err, sizeof err);
    CHECK(rc == 0 && again.n == 0, "%s: not idempotent (rc %d, %d steps, first kind %d: %s)", what, rc, again.n,
          again.n ? (int)again.a[0].kind : -1, err);
    if (prune) {
        rc = ctl_plan_make(&after, &man, false, &again, err, sizeof err);
        CHECK(rc == 0 && again.n == 0, "%s: steps without --prune after a pruned apply", what);
    }
}

/* The state that applying `text` to an empty system leaves. */
static void state_of(const char *text)
{
    static const struct ctl_state empty;
    manifest_of(text);
    int rc = make_plan(&empty, false);
    CHECK(rc == 0, "state_of: %s", err);
    char why[256];
    if (rc == 0 && ctl_sim_run(&empty, &man, &plan, &st, why, sizeof why) < 0)
        fail("state_of: %s", why);
}

static bool is(int k, enum ctl_action_kind kind, int have, int want)
{
    return k < plan.n && plan.a[k].kind == kind && plan.a[k].have == have && plan.a[k].want == want;
}

static int find_service(const struct ctl_state *s, const char *tenant, const char *name)
{
    for (int i = 0; i < s->nservices; i++)
        if (!strcmp(s->services[i].tenant, tenant) && !strcmp(s->services[i].name, name))
            return i;
    return -1;
}

static int find_tenant_in(const struct ctl_state *s, const char *name)
{
    for (int i = 0; i < s->ntenants; i++)
        if (!strcmp(s->tenants[i].name, name))
            return i;
    return -1;
}

static const char base[] =
    "tenant a mem=64M cpu=50\n"
    "tenant b mem=64M\n"
    "service a/mc builtin=memcached proto=udp port=11211 mode=shared:2 -- preload=100\n"
    "service b/echo program=echo.elf proto=udp port=7 mode=perclient:2\n"
    "service a/web program=web.elf proto=udp port=8080 mode=pool:2 mem-per-instance=8M\n";

static void test_plan_create(void)
{
    static const struct ctl_state empty;
    write_seed("manifest", "base", base, sizeof base - 1);
    manifest_of(base);
    int rc = make_plan(&empty, false);
    CHECK(rc == 0 && plan.n == 5, "rc %d, %d steps: %s", rc, plan.n, err);
    CHECK(is(0, CTL_ACT_TENANT_CREATE, -1, 0) && is(1, CTL_ACT_TENANT_CREATE, -1, 1), "tenants first, in order");
    CHECK(is(2, CTL_ACT_DEPLOY, -1, 0) && is(3, CTL_ACT_DEPLOY, -1, 1) && is(4, CTL_ACT_DEPLOY, -1, 2),
          "then the deploys, in order");
    plan_runs(&empty, false, "create");
    CHECK(make_plan(&empty, true) == 0 && plan.n == 5, "same plan with --prune on an empty system");
    plan_runs(&empty, true, "create --prune");

    /* Applying it again changes nothing. */
    state_of(base);
    manifest_of(base);
    CHECK(make_plan(&st, false) == 0 && plan.n == 0, "idempotent: %d steps", plan.n);
    CHECK(make_plan(&st, true) == 0 && plan.n == 0, "idempotent with --prune: %d steps", plan.n);
    /* The manifest's order does not matter. */
    manifest_of("service a/web program=web.elf proto=udp port=8080 mode=pool:2 mem-per-instance=8M\n"
                "tenant b mem=64M cpu=100\n"
                "service b/echo program=echo.elf proto=udp port=7 mode=perclient:2\n"
                "tenant a mem=64M cpu=50\n"
                "service a/mc builtin=memcached proto=udp port=11211 mode=shared:2 -- preload=100\n");
    CHECK(make_plan(&st, true) == 0 && plan.n == 0, "reordered manifest: %d steps", plan.n);
    group_end("plan_create");
}

static void test_plan_changes(void)
{
    state_of(base);
    int mc = find_service(&st, "a", "mc"), echo = find_service(&st, "b", "echo"), web = find_service(&st, "a", "web");
    int ta = find_tenant_in(&st, "a"), tb = find_tenant_in(&st, "b");
    CHECK(mc >= 0 && echo >= 0 && web >= 0 && ta >= 0 && tb >= 0, "state");

    /* Count: a scale. */
    manifest_of("service a/mc builtin=memcached proto=udp port=11211 mode=shared:4 -- preload=100\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_SCALE, mc, 0), "scale up: %d steps %s", plan.n,
          err);
    plan_runs(&st, false, "scale up");
    manifest_of("service b/echo program=echo.elf proto=udp port=7 mode=perclient:1\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_SCALE, echo, 0), "scale down");
    plan_runs(&st, false, "scale down");

    /* Program bytes, arguments, per-instance memory, mode on the same port: a replacement. */
    manifest_of("service b/echo program=echo.elf proto=udp port=7 mode=perclient:2\n");
    man.services[0].program_hash ^= 0x1234;
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_REPLACE, echo, 0), "new program bytes");
    plan_runs(&st, false, "new program");
    manifest_of("service b/echo program=./echo.elf proto=udp port=7 mode=perclient:2\n");
    man.services[0].program_hash = ctl_hash("echo.elf", 8);
    CHECK(make_plan(&st, false) == 0 && plan.n == 0, "same bytes under another path: %d steps", plan.n);
    manifest_of("service a/mc builtin=memcached proto=udp port=11211 mode=shared:2 -- preload=200\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_REPLACE, mc, 0), "args");
    plan_runs(&st, false, "args");
    manifest_of("service a/web program=web.elf proto=udp port=8080 mode=pool:2 mem-per-instance=4M\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_REPLACE, web, 0), "mem-per-instance");
    manifest_of("service a/web program=web.elf proto=udp port=8080 mode=perclient:5 mem-per-instance=8M\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_REPLACE, web, 0), "mode, same port");
    plan_runs(&st, false, "mode");
    manifest_of("service a/web builtin=web proto=udp port=8080 mode=pool:2 mem-per-instance=8M\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_REPLACE, web, 0), "program to built-in");

    /* Port: undeployed first, deployed again on the new ports. */
    manifest_of("service a/web program=web.elf proto=udp port=8081 mode=pool:2 mem-per-instance=8M\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 2 && is(0, CTL_ACT_UNDEPLOY, web, -1) &&
              is(1, CTL_ACT_DEPLOY, -1, 0),
          "port change: %d steps", plan.n);
    plan_runs(&st, false, "port change");
    /* Two services swap their ports. */
    manifest_of("service a/web program=web.elf proto=udp port=7 mode=pool:2 mem-per-instance=8M\n"
                "service b/echo program=echo.elf proto=udp port=8080 mode=perclient:2\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 4 && is(0, CTL_ACT_UNDEPLOY, web, -1) &&
              is(1, CTL_ACT_UNDEPLOY, echo, -1) && is(2, CTL_ACT_DEPLOY, -1, 0) && is(3, CTL_ACT_DEPLOY, -1, 1),
          "port swap: %d steps %s", plan.n, err);
    plan_runs(&st, false, "port swap");
    /* A scale-down frees the ports that a service listed before it takes. */
    manifest_of("service a/x builtin=x proto=udp port=11212 mode=pool:1\n"
                "service a/mc builtin=memcached proto=udp port=11211 mode=shared:1 -- preload=100\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 2 && is(0, CTL_ACT_SCALE, mc, 1) && is(1, CTL_ACT_DEPLOY, -1, 0),
          "scale-down before the deploy into its ports: %d steps %s", plan.n, err);
    plan_runs(&st, false, "scale down, then deploy");

    /* Tenant limits: raised first, lowered last. */
    manifest_of("tenant a mem=128M cpu=50\ntenant b mem=64M cpu=10\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 2 && is(0, CTL_ACT_TENANT_SET, ta, 0) &&
              is(1, CTL_ACT_TENANT_SET, tb, 1),
          "limit changes: %d steps", plan.n);
    manifest_of("tenant a mem=64M cpu=50\ntenant b mem=64M\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 0, "same limits (cpu defaults to 100): %d steps", plan.n);
    manifest_of("tenant b mem=20M\n"
                "service b/echo program=echo.elf proto=udp port=7 mode=perclient:1\n"
                "service b/new builtin=n proto=udp port=9 mode=pool:1 mem-per-instance=1M\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 3 && is(0, CTL_ACT_SCALE, echo, 0) &&
              is(1, CTL_ACT_DEPLOY, -1, 1) && is(2, CTL_ACT_TENANT_SET, tb, 0),
          "a lowered quota after the services shrink: %d steps %s", plan.n, err);
    plan_runs(&st, false, "lowered quota");
    group_end("plan_changes");
}

static void test_plan_protocols(void)
{
    static const char two[] = "tenant a mem=64M\n"
                              "tenant b mem=64M\n"
                              "service a/mc builtin=memcached proto=udp port=11211 mode=pool:1\n"
                              "service b/old builtin=old proto=tcp port=5000 mode=pool:1\n";
    state_of(two);
    int mc = find_service(&st, "a", "mc"), old = find_service(&st, "b", "old");
    CHECK(mc >= 0 && old >= 0, "state");

    /* A tcp service beside a udp one that stays; a second udp or a tcp,udp one clashes. */
    manifest_of("service b/mct builtin=memcached proto=tcp port=11211 mode=pool:1\n");
    int rc = make_plan(&st, false);
    CHECK(rc == 0 && plan.n == 1 && is(0, CTL_ACT_DEPLOY, -1, 0), "tcp beside udp: %d, %d steps %s", rc, plan.n, err);
    plan_runs(&st, false, "tcp beside udp");
    manifest_of("service b/mcu builtin=memcached proto=udp port=11211 mode=pool:1\n");
    rc = make_plan(&st, false);
    CHECK(rc == -EINVAL && plan.n == 0 &&
              strstr(err, "service b/mcu (udp port 11211) overlaps a/mc (udp port 11211), which stays"),
          "two udp services: %d '%s'", rc, err);
    manifest_of("service b/mcb builtin=memcached proto=tcp,udp port=11211 mode=pool:1\n");
    rc = make_plan(&st, false);
    CHECK(rc == -EINVAL && plan.n == 0 && strstr(err, "a/mc"), "tcp,udp against udp: %d '%s'", rc, err);
    manifest_of("service b/x builtin=x proto=tcp port=11211 mode=pool:1\n"
                "service b/y builtin=y proto=tcp port=11212 mode=pool:1\n");
    man.services[1].port = 11211;   /* a clash inside the manifest that the parser did not see */
    rc = make_plan(&st, false);
    CHECK(rc == -EINVAL && strstr(err, "overlaps") && strstr(err, "tcp port 11211"), "two tcp services: %d '%s'",
          rc, err);

    /* A protocol change is a replacement (never a scale), made by an
     * undeploy before the deploys, like a change of ports. */
    manifest_of("service a/mc builtin=memcached proto=tcp port=11211 mode=pool:1\n");
    rc = make_plan(&st, false);
    CHECK(rc == 0 && plan.n == 2 && is(0, CTL_ACT_UNDEPLOY, mc, -1) && is(1, CTL_ACT_DEPLOY, -1, 0),
          "udp -> tcp: %d, %d steps %s", rc, plan.n, err);
    plan_runs(&st, false, "udp -> tcp");
    manifest_of("service a/mc builtin=memcached proto=tcp,udp port=11211 mode=pool:3\n");
    rc = make_plan(&st, false);
    CHECK(rc == 0 && plan.n == 2 && is(0, CTL_ACT_UNDEPLOY, mc, -1) && is(1, CTL_ACT_DEPLOY, -1, 0),
          "udp -> tcp,udp with a new count: %d, %d steps %s", rc, plan.n, err);
    plan_runs(&st, false, "udp -> tcp,udp");
    /* Same protocols: a scale. */
    manifest_of("service a/mc builtin=memcached proto=udp port=11211 mode=pool:3\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_SCALE, mc, 0), "same protocol, new count");

    /* Two services on one port swap their protocols. */
    static const char pair[] = "tenant a mem=64M\n"
                               "service a/x builtin=x proto=udp port=100 mode=pool:1\n"
                               "service a/y builtin=y proto=tcp port=100 mode=pool:1\n";
    write_seed("manifest", "protocol_swap", pair, sizeof pair - 1);
    state_of(pair);
    int x = find_service(&st, "a", "x"), y = find_service(&st, "a", "y");
    manifest_of("service a/x builtin=x proto=tcp port=100 mode=pool:1\n"
                "service a/y builtin=y proto=udp port=100 mode=pool:1\n");
    rc = make_plan(&st, false);
    CHECK(rc == 0 && plan.n == 4 && is(0, CTL_ACT_UNDEPLOY, x, -1) && is(1, CTL_ACT_UNDEPLOY, y, -1) &&
              is(2, CTL_ACT_DEPLOY, -1, 0) && is(3, CTL_ACT_DEPLOY, -1, 1),
          "protocol swap: %d, %d steps %s", rc, plan.n, err);
    plan_runs(&st, false, "protocol swap");
    /* tcp,udp and udp,tcp are the same set. */
    manifest_of("service a/x builtin=x proto=udp,tcp port=200 mode=pool:1\n");
    rc = make_plan(&st, false);
    CHECK(rc == 0, "move to 200: %s", err);
    char why[256];
    if (rc == 0 && ctl_sim_run(&st, &man, &plan, &after, why, sizeof why) == 0) {
        manifest_of("service a/x builtin=x proto=tcp,udp port=200 mode=pool:1\n");
        CHECK(make_plan(&after, false) == 0 && plan.n == 0, "udp,tcp then tcp,udp: %d steps", plan.n);
    }

    /* --prune: a service about to be pruned goes first only when the
     * manifest wants its ports for one of its protocols. */
    state_of(two);
    manifest_of("tenant a mem=64M\ntenant b mem=64M\n"
                "service a/mc builtin=memcached proto=udp port=11211 mode=pool:1\n"
                "service b/new builtin=n proto=udp port=5000 mode=pool:1\n");
    rc = make_plan(&st, true);
    CHECK(rc == 0 && plan.n == 2 && is(0, CTL_ACT_DEPLOY, -1, 1) && is(1, CTL_ACT_UNDEPLOY, old, -1),
          "udp where a pruned tcp service was: %d, %d steps %s", rc, plan.n, err);
    plan_runs(&st, true, "prune, other protocol");
    manifest_of("tenant a mem=64M\ntenant b mem=64M\n"
                "service a/mc builtin=memcached proto=udp port=11211 mode=pool:1\n"
                "service b/new builtin=n proto=udp,tcp port=5000 mode=pool:1\n");
    rc = make_plan(&st, true);
    CHECK(rc == 0 && plan.n == 2 && is(0, CTL_ACT_UNDEPLOY, old, -1) && is(1, CTL_ACT_DEPLOY, -1, 1),
          "tcp,udp where a pruned tcp service was: %d, %d steps %s", rc, plan.n, err);
    plan_runs(&st, true, "prune, same protocol");
    group_end("plan_protocols");
}

static const char wide[] =
    "tenant a mem=64M\n"
    "tenant b mem=8M\n"
    "tenant c mem=64M\n"
    "service a/mc builtin=memcached proto=udp port=11211 mode=pool:1\n"
    "service a/old builtin=old proto=udp port=5000 mode=pool:1\n"
    "service c/svc1 builtin=s proto=udp port=7000 mode=pool:1\n"
    "service c/svc2 program=s2.elf proto=udp port=7001 mode=shared:3\n";

static void test_plan_prune(void)
{
    state_of(wide);
    int mc = find_service(&st, "a", "mc"), old = find_service(&st, "a", "old");
    int s1 = find_service(&st, "c", "svc1"), s2 = find_service(&st, "c", "svc2");
    int tb = find_tenant_in(&st, "b"), tc = find_tenant_in(&st, "c");
    static const char keep[] = "tenant a mem=64M\nservice a/mc builtin=memcached proto=udp port=11211 mode=pool:1\n";
    write_seed("manifest", "keep", keep, sizeof keep - 1);
    manifest_of(keep);
    CHECK(make_plan(&st, false) == 0 && plan.n == 0, "without --prune nothing is removed: %d steps", plan.n);
    int rc = make_plan(&st, true);
    CHECK(rc == 0 && plan.n == 5, "prune: rc %d, %d steps %s", rc, plan.n, err);
    CHECK(is(0, CTL_ACT_UNDEPLOY, old, -1) && is(1, CTL_ACT_UNDEPLOY, s1, -1) && is(2, CTL_ACT_UNDEPLOY, s2, -1),
          "services undeployed first");
    CHECK(is(3, CTL_ACT_TENANT_DELETE, tb, -1) && is(4, CTL_ACT_TENANT_DELETE, tc, -1), "then tenants deleted");
    for (int k = 0; k < plan.n; k++)
        CHECK(plan.a[k].have != mc || plan.a[k].kind == CTL_ACT_TENANT_DELETE, "a/mc touched by step %d", k + 1);
    plan_runs(&st, true, "prune");

    /* A tenant named only by a service line is kept. */
    manifest_of("tenant a mem=64M\nservice a/mc builtin=memcached proto=udp port=11211 mode=pool:1\n"
                "service c/svc1 builtin=s proto=udp port=7000 mode=pool:1\n");
    rc = make_plan(&st, true);
    bool deletes_c = false;
    for (int k = 0; k < plan.n; k++)
        deletes_c |= plan.a[k].kind == CTL_ACT_TENANT_DELETE && plan.a[k].have == tc;
    CHECK(rc == 0 && !deletes_c && plan.n == 3, "tenant c named by c/svc1 deleted (%d steps)", plan.n);
    plan_runs(&st, true, "prune keeps c");

    /* Ports of a service that stays: refused; with --prune it goes first. */
    manifest_of("tenant a mem=64M\nservice a/new builtin=n proto=udp port=7002 mode=pool:1\n");
    rc = make_plan(&st, false);
    CHECK(rc == -EINVAL && strstr(err, "a/new") && strstr(err, "c/svc2") && strstr(err, "stays") && plan.n == 0,
          "clash with a service that stays: %d '%s'", rc, err);
    rc = make_plan(&st, true);
    CHECK(rc == 0 && is(0, CTL_ACT_UNDEPLOY, s2, -1) && is(1, CTL_ACT_DEPLOY, -1, 0),
          "the pruned service holding the port goes before the deploy: %d %s", rc, err);
    plan_runs(&st, true, "prune frees a port");
    /* A clash between manifest services that the parser did not see (a hand-made manifest). */
    manifest_of("service a/p builtin=p proto=udp port=100 mode=pool:1\nservice a/q builtin=q proto=udp port=101 "
                "mode=pool:1\n");
    man.services[1].port = 100;
    rc = make_plan(&st, false);
    CHECK(rc == -EINVAL && strstr(err, "overlaps"), "clash inside the manifest: %d '%s'", rc, err);
    group_end("plan_prune");
}

static void test_plan_refusals(void)
{
    static const struct ctl_state empty;
    state_of(wide);
    /* Quota estimate: (count + 1) x mem-per-instance. */
    manifest_of("tenant q mem=16M\nservice q/x builtin=x proto=udp port=1 mode=pool:3\n");
    CHECK(make_plan(&empty, false) == 0 && plan.n == 2, "16M fits 16M: %s", err);
    manifest_of("tenant q mem=16M\nservice q/x builtin=x proto=udp port=1 mode=pool:4\n");
    int rc = make_plan(&empty, false);
    CHECK(rc == -EINVAL && strstr(err, "tenant 'q'") && strstr(err, "20M") && strstr(err, "16M") && plan.n == 0,
          "quota: %d '%s'", rc, err);
    /* ... counting the services the tenant keeps (a/mc and a/old: 8M each). */
    manifest_of("tenant a mem=24M\nservice a/x builtin=x proto=udp port=1 mode=pool:1\n");
    CHECK(make_plan(&st, false) == 0, "24M for three services of 8M: %s", err);
    manifest_of("tenant a mem=24M\nservice a/x builtin=x proto=udp port=1 mode=pool:2\n");
    rc = make_plan(&st, false);
    CHECK(rc == -EINVAL && strstr(err, "tenant 'a'"), "kept services counted: %d '%s'", rc, err);
    rc = make_plan(&st, true);
    CHECK(rc == 0, "with --prune a/mc and a/old go: %d '%s'", rc, err);
    /* ... and the quota of a tenant the manifest does not declare. */
    manifest_of("service b/big builtin=x proto=udp port=1 mode=pool:1 mem-per-instance=8M\n");
    rc = make_plan(&st, false);
    CHECK(rc == -EINVAL && strstr(err, "tenant 'b'"), "undeclared tenant's quota: %d '%s'", rc, err);
    /* The example of docs/control.md: b/echo needs 9 x 4M = 36M, b has 32M. */
    manifest_of(doc_example);
    rc = make_plan(&empty, false);
    CHECK(rc == -EINVAL && strstr(err, "tenant 'b'") && strstr(err, "36M"), "docs example: %d '%s'", rc, err);

    /* A service of a tenant that exists nowhere. */
    manifest_of("service z/x builtin=x proto=udp port=1 mode=pool:1\n");
    rc = make_plan(&st, false);
    CHECK(rc == -EINVAL && strstr(err, "tenant 'z' does not exist") && plan.n == 0, "unknown tenant: %d '%s'", rc,
          err);
    manifest_of("service c/x builtin=x proto=udp port=1 mode=pool:1\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_DEPLOY, -1, 0), "tenant of the state");

    /* Bad counts in hand-made inputs. */
    manifest_of("");
    man.ntenants = CTL_MAX_TENANTS + 1;
    CHECK(make_plan(&empty, false) == -EINVAL, "manifest with 65 tenants accepted");
    man.ntenants = -1;
    CHECK(make_plan(&empty, false) == -EINVAL, "negative count accepted");
    CHECK(ctl_plan_make(NULL, &man, false, &plan, err, sizeof err) == -EINVAL, "NULL state accepted");
    group_end("plan_refusals");
}

/* A manifest of tenants p<first>.. with two services each (ports from `port`). */
static size_t big_manifest(char *out, size_t cap, int first, int tenants, int services_per, unsigned port)
{
    size_t n = 0;
    for (int t = 0; t < tenants; t++) {
        n += (size_t)snprintf(out + n, cap - n, "tenant p%d mem=1G\n", first + t);
        for (int s = 0; s < services_per; s++)
            n += (size_t)snprintf(out + n, cap - n, "service p%d/s%d builtin=x proto=udp port=%u mode=pool:1\n",
                                  first + t, s, port++);
    }
    return n;
}

static void test_plan_capacity(void)
{
    static const struct ctl_state empty;
    static char text[64 * 200];
    /* The largest system from nothing. */
    big_manifest(text, sizeof text, 0, CTL_MAX_TENANTS, 2, 1000);
    manifest_of(text);
    int rc = make_plan(&empty, false);
    CHECK(rc == 0 && plan.n == CTL_MAX_TENANTS + CTL_MAX_SERVICES, "full system: %d steps %s", plan.n, err);
    plan_runs(&empty, false, "full system");
    /* Replaced entirely by another full system: the longest plan. */
    state_of(text);
    big_manifest(text, sizeof text, 100, CTL_MAX_TENANTS, 2, 2000);
    manifest_of(text);
    rc = make_plan(&st, false);
    CHECK(rc == -EINVAL && strstr(err, "128 tenants"), "without --prune: %d '%s'", rc, err);
    rc = make_plan(&st, true);
    CHECK(rc == 0 && plan.n == 2 * (CTL_MAX_TENANTS + CTL_MAX_SERVICES), "full replacement: %d steps %s", plan.n, err);
    plan_runs(&st, true, "full replacement");
    /* Services: 120 in the state, 10 more. */
    big_manifest(text, sizeof text, 0, 60, 2, 1000);
    state_of(text);
    size_t n = big_manifest(text, sizeof text, 0, 4, 0, 0);
    for (int s = 0; s < 10; s++)
        n += (size_t)snprintf(text + n, sizeof text - n, "service p0/more%d builtin=x proto=udp port=%d mode=pool:1\n",
                              s, 3000 + s);
    manifest_of(text);
    rc = make_plan(&st, false);
    CHECK(rc == -EINVAL && strstr(err, "130 services"), "130 services: %d '%s'", rc, err);
    rc = make_plan(&st, true);
    CHECK(rc == 0, "with --prune they fit: %d '%s'", rc, err);
    plan_runs(&st, true, "services pruned");
    group_end("plan_capacity");
}

/* ---- NF chains: --nf, nf=, shapes and the quota estimate ---- */

static void test_nf(void)
{
    int rc = parse_cmd("deploy a mc --builtin memcached --proto udp --port 11211 --mode shared:1 --nf fw.click "
                       "--nf builtin:bridge -- --nf x");
    const struct ctl_service_spec *s = &cmd.service;
    CHECK(rc == 0 && s->nnf == 2 && !strcmp(s->nf[0].spec, "fw.click") && !strcmp(s->nf[1].spec, "builtin:bridge") &&
              s->nf[0].hash == 0 && s->argc == 2,
          "deploy --nf: %d %s", rc, err);
    CHECK(parse_cmd("deploy a mc --builtin memcached --proto udp --port 1 --mode shared:1") == 0 && cmd.service.nnf == 0,
          "no --nf: %s", err);
    refused("deploy a mc --builtin m --proto udp --port 1 --mode shared:1 --nf a --nf b --nf c --nf d --nf e",
            "more than 4 NFs");
    refused("deploy a mc --builtin m --proto udp --port 1 --mode shared:1 --nf builtin:Bad!", "bad built-in configuration");
    refused("deploy a mc --builtin m --proto udp --port 1 --mode shared:1 --nf builtin:", "bad built-in configuration");
    refused("deploy abcdefghijklmno abcdefghijkl --builtin m --proto udp --port 1 --mode shared:1 --nf x.click",
            "at most 26 characters");
    CHECK(parse_cmd("deploy abcdefghijklmno abcdefghijkl --builtin m --proto udp --port 1 --mode shared:1") == 0,
          "long names without NFs: %s", err);
    refused("deploy a mc --builtin m --proto udp --port 1 --mode shared:1 --nf", "needs a value");

    CHECK(parse_text("service a/mc builtin=memcached proto=udp port=1 mode=shared:1 nf=fw.click "
                     "nf=\"builtin:firewall SERVERS=10.0.0.0/8 X=1\" -- nf=arg\n") == 0 &&
              man.services[0].nnf == 2 && !strcmp(man.services[0].nf[1].spec, "builtin:firewall SERVERS=10.0.0.0/8 X=1") &&
              man.services[0].argc == 1,
          "manifest nf=: %s", err);
    manifest_refused("service a/mc builtin=m proto=udp port=1 mode=shared:1 nf=\"builtin:firewall NOEQ\"\n", "VAR=VALUE");
    manifest_refused("service a/mc builtin=m proto=udp port=1 mode=shared:1 nf=\n", "bad NF");
    manifest_refused("service a/mc builtin=m proto=udp port=1 mode=shared:1 nf=1 nf=2 nf=3 nf=4 nf=5\n",
                     "line 1: more than 4 NFs");

    /* A changed NF list replaces the service; the same list changes nothing. */
    state_of("tenant a mem=64M\nservice a/mc builtin=memcached proto=udp port=1 mode=shared:1 nf=fw.click "
             "nf=builtin:bridge\n");
    int mc = find_service(&st, "a", "mc");
    manifest_of("service a/mc builtin=memcached proto=udp port=1 mode=shared:1 nf=fw.click nf=builtin:bridge\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 0, "same NFs: %d steps %s", plan.n, err);
    manifest_of("service a/mc builtin=memcached proto=udp port=1 mode=shared:1 nf=builtin:bridge nf=fw.click\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_REPLACE, mc, 0), "NFs reordered: %d steps", plan.n);
    manifest_of("service a/mc builtin=memcached proto=udp port=1 mode=shared:1 nf=fw.click\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_REPLACE, mc, 0), "an NF less");
    manifest_of("service a/mc builtin=memcached proto=udp port=1 mode=shared:1\n");
    CHECK(make_plan(&st, false) == 0 && plan.n == 1 && is(0, CTL_ACT_REPLACE, mc, 0), "no NFs");
    /* A file is judged by its bytes once they are known. */
    struct ctl_service_spec x = st.services[mc], y = x;
    x.nf[0].hash = 7;
    y.nf[0].hash = 7;
    snprintf(y.nf[0].spec, sizeof y.nf[0].spec, "other/fw.click");
    CHECK(ctl_service_same_shape(&x, &y), "same bytes under another name");
    y.nf[0].hash = 8;
    CHECK(!ctl_service_same_shape(&x, &y), "other bytes");

    /* The quota estimate: 8M per NF. */
    manifest_of("tenant q mem=16M\nservice q/s builtin=m proto=udp port=9 mode=shared:1 nf=builtin:bridge\n");
    CHECK(make_plan(&st, false) == 0, "16M for (1 + 1) x 4M and one NF: %s", err);
    manifest_of("tenant q mem=16M\nservice q/s builtin=m proto=udp port=9 mode=shared:1 nf=builtin:bridge "
                "nf=builtin:bridge\n");
    CHECK(make_plan(&st, false) == -EINVAL && strstr(err, "8M per NF"), "two NFs over the quota: %s", err);
    group_end("nf");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--suffix=", 9))
            suffix = argv[i] + 9;
        else if (!strcmp(argv[i], "--corpus") && i + 1 < argc)
            corpus = argv[++i];
    }
    test_sizes();
    test_percents();
    test_names();
    test_hash_modes();
    test_output();
    test_service_shape();
    test_protocols();
    test_ls_services();
    test_request_valid();
    test_request_limits();
    test_cmd_simple();
    test_cmd_deploy();
    test_cmd_errors();
    test_manifest_example();
    test_manifest_syntax();
    test_manifest_errors();
    test_manifest_protocols();
    test_plan_create();
    test_plan_changes();
    test_plan_protocols();
    test_plan_prune();
    test_plan_refusals();
    test_plan_capacity();
    test_nf();
    return any_failed ? 3 : 0;
}
