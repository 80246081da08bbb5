/* FromIPSummaryDump / ToIPSummaryDump through an in-memory file table,
 * and their configuration error when the host has no files. */
#include <stdlib.h>

#include "click_test.h"

/* One input file and one output buffer, by name. */
static const char *mem_in_name, *mem_in_text;
static char mem_out[8192];
static size_t mem_out_len;

static char *mem_read_all(void *ctx, const char *name, size_t *len, char *err, size_t errlen) {
    (void)ctx;
    if (!mem_in_name || strcmp(name, mem_in_name)) {
        snprintf(err, errlen, "no such file");
        return NULL;
    }
    *len = strlen(mem_in_text);
    char *b = malloc(*len + 1);
    if (b) memcpy(b, mem_in_text, *len + 1);
    return b;
}
static void *mem_open_write(void *ctx, const char *name, char *err, size_t errlen) {
    (void)ctx;
    (void)name;
    (void)err;
    (void)errlen;
    mem_out_len = 0;
    mem_out[0] = 0;
    return mem_out;
}
static int mem_write(void *f, const char *data, size_t len) {
    (void)f;
    if (mem_out_len + len >= sizeof mem_out) return -1;
    memcpy(mem_out + mem_out_len, data, len);
    mem_out_len += len;
    mem_out[mem_out_len] = 0;
    return 0;
}
static void mem_close(void *f) { (void)f; }
static const click_file_ops mem_ops = {NULL, mem_read_all, mem_open_write, mem_write, mem_close};

static void no_file_access(void) {
    click_set_file_ops(NULL);
    const char *e = ct_config_error("FromIPSummaryDump(x) -> Discard;");
    CHECK(strstr(e, "no file access"), "expected a 'no file access' error, got: %s", e);
    e = ct_config_error("Idle -> ToIPSummaryDump(x);");
    CHECK(strstr(e, "no file access"), "expected a 'no file access' error, got: %s", e);
}

static void round_trip(void) {
    mem_in_name = "in";
    mem_in_text = "!data timestamp src sport dst dport proto tcp_flags payload\n"
                  "# a comment\n"
                  "1.5 1.0.0.1 10 2.0.0.2 20 T SA \"hi\\n\"\n"
                  "2 1.0.0.3 30 2.0.0.4 40 U - \"\"\n"
                  "!data src dst proto\n"
                  "9.9.9.9 8.8.8.8 I\n";
    click_set_file_ops(&mem_ops);
    ct_env t;
    int rc = ct_setup(&t, "FromIPSummaryDump(in, STOP true, CHECKSUM true) -> CheckIPHeader -> "
                          "CheckTCPHeader -> c :: Counter -> "
                          "ToIPSummaryDump(out, FIELDS timestamp src sport dst dport proto tcp_flags payload);");
    CHECK(rc == 0, "config rejected: %s", t.err);
    ct_run(&t);
    long long n = ct_read_n(&t, "c.count");
    ct_teardown(&t);
    click_set_file_ops(NULL);
    CHECK(n == 1, "only the TCP packet passes CheckTCPHeader, count %lld", n);
    const char *want = "!data timestamp src sport dst dport proto tcp_flags payload\n"
                       "1.500000 1.0.0.1 10 2.0.0.2 20 T SA \"hi\\n\"\n";
    CHECK(strstr(mem_out, "!IPSummaryDump 1.3\n"), "no header line in: %s", mem_out);
    CHECK(strstr(mem_out, want), "unexpected dump: %s", mem_out);
}

static void udp_icmp_fields(void) {
    mem_in_name = "in";
    mem_in_text = "!data src sport dst dport proto ip_ttl ip_id payload_len\n"
                  "1.0.0.1 53 2.0.0.2 1000 U 7 99 12\n"
                  "!data src dst icmp_type_name icmp_flowid icmp_seq\n"
                  "1.0.0.1 2.0.0.2 echo 5 6\n";
    click_set_file_ops(&mem_ops);
    ct_env t;
    int rc = ct_setup(&t, "FromIPSummaryDump(in, STOP true, CHECKSUM true) -> CheckIPHeader -> "
                          "ToIPSummaryDump(out, FIELDS proto sport dport ip_ttl ip_id ip_len payload_len "
                          "icmp_type icmp_flowid icmp_seq);");
    CHECK(rc == 0, "config rejected: %s", t.err);
    ct_run(&t);
    ct_teardown(&t);
    click_set_file_ops(NULL);
    CHECK(strstr(mem_out, "\nU 53 1000 7 99 40 12 - - -\n"), "UDP line wrong: %s", mem_out);
    /* an ICMP payload starts after the IP header, as in Click */
    CHECK(strstr(mem_out, "\nI - - 100 0 28 8 8 5 6\n"), "ICMP line wrong: %s", mem_out);
}

/* IP options read by FromIPSummaryDump and written back by ToIPSummaryDump */
static void ip_options(void) {
    mem_in_name = "in";
    mem_in_text = "!data src dst proto ip_opt\n"
                  "1.0.0.1 2.0.0.2 T rr{3.3.3.3}+2\n"
                  "1.0.0.1 2.0.0.2 T lsrr{4.4.4.4,^5.5.5.5};nop;130=1:2\n"
                  "1.0.0.1 2.0.0.2 T ssrr{6.6.6.6^}\n"
                  "1.0.0.1 2.0.0.2 T .\n";
    click_set_file_ops(&mem_ops);
    ct_env t;
    int rc = ct_setup(&t, "FromIPSummaryDump(in, STOP true) -> ToIPSummaryDump(out, FIELDS ip_opt ip_hl);");
    CHECK(rc == 0, "config rejected: %s", t.err);
    ct_run(&t);
    ct_teardown(&t);
    click_set_file_ops(NULL);
    CHECK(strstr(mem_out, "\nrr{3.3.3.3}+2 36\nlsrr{4.4.4.4^5.5.5.5};130=1:2 36\nssrr{6.6.6.6^} 28\n. 20\n"),
          "options written: %s", mem_out);
}

/* Script's $(cat FILE) through the host's file operations: a route file
 * written to a routing table's ctrl handler */
static void script_cat(void) {
    mem_in_name = "routes";
    mem_in_text = "add 10.0.0.0/8 1\nadd 10.1.0.0/16 2.2.2.2 0\n";
    click_set_file_ops(&mem_ops);
    ct_env t;
    int rc = ct_setup(&t, "Idle -> rt :: RadixIPLookup -> Discard; rt[1] -> Discard;"
                          "DriverManager(write rt.ctrl $(cat routes))");
    CHECK(rc == 0, "config rejected: %s", t.err);
    ct_run(&t);
    click_set_file_ops(NULL);
    CHECK(!strcmp(ct_read(&t, "rt.lookup 10.9.9.9"), "1") && !strcmp(ct_read(&t, "rt.lookup 10.1.9.9"), "0 2.2.2.2"),
          "routes not loaded: %s", ct_read(&t, "rt.table"));
    ct_teardown(&t);
}

/* $( ) inside $( ): evaluated up to a bounded depth, deeper text is dropped
 * with a log line instead of running the stack out */
static void script_nesting(void) {
    static char cfg[8192];
    size_t n = (size_t)snprintf(cfg, sizeof cfg, "s :: Script(export a, export b, set a ");
    for (int i = 0; i < 3; i++) n += (size_t)snprintf(cfg + n, sizeof cfg - n, "$(add 1 ");
    n += (size_t)snprintf(cfg + n, sizeof cfg - n, "0)))");
    n += (size_t)snprintf(cfg + n, sizeof cfg - n, ", set b ");
    for (int i = 0; i < 1000; i++) n += (size_t)snprintf(cfg + n, sizeof cfg - n, "$(");
    n += (size_t)snprintf(cfg + n, sizeof cfg - n, "add 1 1");
    for (int i = 0; i < 1000; i++) n += (size_t)snprintf(cfg + n, sizeof cfg - n, ")");
    snprintf(cfg + n, sizeof cfg - n, ", set a $(add $a 1))");
    ct_env t;
    int rc = ct_setup(&t, cfg);
    CHECK(rc == 0, "config rejected: %s", t.err);
    ct_run(&t);
    CHECK(!strcmp(ct_read(&t, "s.a"), "4"), "a = '%s', expected 4 (script stopped early?)", ct_read(&t, "s.a"));
    CHECK(strncmp(ct_read(&t, "s.b"), "<error", 6) != 0, "b: %s", ct_read(&t, "s.b"));
    ct_teardown(&t);
}

const ct_case ct_ipsumdump_cases[] = {
    {"IPSummaryDump-no-file-access", no_file_access},
    {"IPSummaryDump-round-trip", round_trip},
    {"IPSummaryDump-udp-icmp-fields", udp_icmp_fields},
    {"IPSummaryDump-ip-options", ip_options},
    {"Script-cat-file", script_cat},
    {"Script-nesting-bounded", script_nesting},
    {NULL, NULL}};
