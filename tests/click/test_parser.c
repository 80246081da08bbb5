/* Parser and graph tests: accepted syntax and error messages with
 * file:line:col. */
#include "click_test.h"

/* Expect config to fail with an error that starts with want (first line). */
#define EXPECT_ERROR(config, want)                                                     \
    do {                                                                               \
        const char *e_ = ct_config_error(config);                                      \
        CHECK(e_[0], "config accepted, expected error '%s'", want);                    \
        CHECK(strncmp(e_, want, strlen(want)) == 0, "got error '%.300s', expected '%s'", e_, want); \
    } while (0)

static void err_unknown_class(void) {
    EXPECT_ERROR("// firewall\nsrc :: Idle;\nsrc -> c :: Foo(1) -> Discard;\n",
                 "test.click:3:13: unknown element class 'Foo'");
    EXPECT_ERROR("Idle\n  -> Bogus -> Discard", "test.click:2:6: unknown element class 'Bogus'");
}

static void err_syntax(void) {
    EXPECT_ERROR("Idle -> Queue(10 -> Discard", "test.click:1:9: unterminated configuration string");
    EXPECT_ERROR("Idle -> /* never closed\n Discard", "test.click:1:9: unterminated comment");
    EXPECT_ERROR("Idle -> ;", "test.click:1:9: syntax error: expected element, found ';'");
    EXPECT_ERROR("a :: Idle;\n  a [x] -> Discard", "test.click:2:6: bad port number 'x'");
    EXPECT_ERROR("Idle -> Discard }", "test.click:1:17: syntax error: unexpected '}'");
    EXPECT_ERROR("Idle -> Discard\n%", "test.click:2:1: syntax error: expected a statement, found '%'");
    EXPECT_ERROR("a :: ;", "test.click:1:6: syntax error: expected element class after '::'");
    EXPECT_ERROR("Idle -> [0]", "test.click:1:12: syntax error: expected element, found end of file");
    EXPECT_ERROR("Idle [0]", "test.click:1:9: syntax error: expected '->' after output port");
    EXPECT_ERROR("elementclass X { input -> output", "test.click:1:16: unmatched '{'");
    EXPECT_ERROR("Idle -> [999] Discard", "test.click:1:10: port number too large");
}

static void err_redeclared(void) {
    EXPECT_ERROR("a :: Idle;\nb :: Idle;\n  a :: Discard;", "test.click:3:3: redeclaration of element 'a'");
}

static void err_unconnected(void) {
    EXPECT_ERROR("Idle -> q :: Queue;\nd :: Discard;",
                 "test.click:1:9: 'q' :: Queue output 0 not connected");
    EXPECT_ERROR("c :: Counter -> Discard", "test.click:1:1: 'c' :: Counter input 0 not connected");
    EXPECT_ERROR("Idle -> c :: Classifier(12/0800, -) -> Discard",
                 "test.click:1:9: 'c' :: Classifier output 1 not connected");
}

static void err_too_many_ports(void) {
    EXPECT_ERROR("Idle -> d :: Discard;\nd[1] -> Discard;",
                 "test.click:1:9: 'd' :: Discard has no outputs, but output 1 is used");
    EXPECT_ERROR("Idle -> [2]c :: Counter -> Discard",
                 "test.click:1:12: 'c' :: Counter has 1 input, but input 2 is used");
}

static void err_duplicate_port(void) {
    EXPECT_ERROR("i :: Idle; c :: Counter;\ni -> c -> Discard;\nc -> Discard;",
                 "test.click:3:3: 'c' push output 0 connected more than once");
    EXPECT_ERROR("q1 :: Queue; q2 :: Queue; Idle -> q1; Idle -> q2;\nq1 -> d :: Discard;\nq2 -> d;",
                 "test.click:3:4: 'd' pull input 0 connected more than once");
}

static void err_push_pull(void) {
    EXPECT_ERROR("Idle -> q1 :: Queue\n   -> q2 :: Queue -> Discard;",
                 "test.click:2:4: push/pull mismatch: 'q1' pull output 0 connected to 'q2' push input 0");
    EXPECT_ERROR("FromDevice(in) -> Unqueue -> Discard",
                 "test.click:1:16: push/pull mismatch: 'FromDevice@1' push output 0 connected to 'Unqueue@2' pull input 0");
}

static void err_element_config(void) {
    EXPECT_ERROR("Idle -> q :: Queue(lots) -> Discard",
                 "test.click:1:9: 'q' :: Queue: CAPACITY must be");
    EXPECT_ERROR("Idle\n -> f :: IPFilter(allow tcp port 80, allow bogus 1) -> Discard",
                 "test.click:2:5: 'f' :: IPFilter: rule 1: unknown term 'bogus'");
    EXPECT_ERROR("Idle -> Strip(14, 15) -> Discard",
                 "test.click:1:9: 'Strip@2' :: Strip: too many arguments");
    EXPECT_ERROR("Idle -> CheckIPHeader(OFFSET 14, COLOUR red) -> Discard",
                 "test.click:1:9: 'CheckIPHeader@2' :: CheckIPHeader: unknown keyword argument 'COLOUR'");
    EXPECT_ERROR("Idle -> IPRewriter(pattern 1.2.3.4 9-1 - - 0 1) -> Discard",
                 "test.click:1:9: 'IPRewriter@2' :: IPRewriter: input 0: bad SPORT");
}

static void err_variables(void) {
    EXPECT_ERROR("Idle -> Queue($SIZE) -> Discard", "test.click:1:9: undefined variable '$SIZE'");
}

static void err_compound(void) {
    EXPECT_ERROR("elementclass Bad {\n  input -> Nope -> output\n}\nIdle -> Bad -> Discard",
                 "test.click:2:12: unknown element class 'Nope'");
    EXPECT_ERROR("elementclass Loop { input -> Loop -> output }\nIdle -> Loop -> Discard",
                 "test.click:1:30: compound elements nested too deeply");
    EXPECT_ERROR("elementclass P { $a | input -> Paint($a) -> output }\nIdle -> P(1, 2) -> Discard",
                 "test.click:2:9: too many arguments to compound element 'P'");
    /* each level passes its argument twice: 2^30 bytes unless expansion is bounded */
    static char deep[4096];
    size_t n = (size_t)snprintf(deep, sizeof deep, "elementclass C0 { $a | input -> Null -> output }\n");
    for (int i = 1; i <= 30; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n,
                              "elementclass C%d { $a | input -> C%d($a $a) -> output }\n", i, i - 1);
    snprintf(deep + n, sizeof deep - n, "Idle -> C30(xxxxxxxx) -> Discard");
    EXPECT_ERROR(deep, "test.click:");
    CHECK(strstr(ct_config_error(deep), "configuration too large (more than 8388608 bytes after variable expansion)"),
          "got '%.300s'", ct_config_error(deep));
}

/* ---- accepted syntax ---- */

static void ok_chains_ports_comments(void) {
    ct_env t;
    int rc = ct_setup(&t,
                      "// line comment\n"
                      "src :: FromDevice(in); /* block\n comment */\n"
                      "c :: Classifier(12/0800 /* IP */, -)\n"
                      "src -> c;\n"
                      "c[0] -> ip :: Counter -> [0]out :: ToDevice(out)\n"
                      "c [1] -> other :: Counter -> Discard\n");
    CHECK(rc == 0, "config rejected: %s", t.err);
    uint8_t b[128];
    size_t n = pk_eth(b, pk_udp(b, 1, 2, 3, 4, 10), 0x0800);
    ct_rx(&t, "in", b, n);
    b[12] = 0x86;
    ct_rx(&t, "in", b, n);
    ct_run(&t);
    CHECK(ct_read_n(&t, "ip.count") == 1 && ct_read_n(&t, "other.count") == 1, "counts %s/%s",
          ct_read(&t, "ip.count"), ct_read(&t, "other.count"));
    CHECK(ct_ntx(&t, "out") == 1, "out %d", ct_ntx(&t, "out"));
    ct_teardown(&t);
}

static void ok_multi_decl(void) {
    ct_env t;
    int rc = ct_setup(&t, "a, b :: Counter; FromDevice(in) -> a -> b -> Discard;");
    CHECK(rc == 0, "%s", t.err);
    uint8_t b[64] = {0};
    ct_rx(&t, "in", b, 60);
    ct_run(&t);
    CHECK(ct_read_n(&t, "a.count") == 1 && ct_read_n(&t, "b.count") == 1, "multi-decl counters");
    CHECK(!strcmp(ct_read(&t, "b.class"), "Counter"), "class handler");
    ct_teardown(&t);
}

static void ok_compound(void) {
    ct_env t;
    int rc = ct_setup(&t,
                      "elementclass Painter { $color, $n |\n"
                      "  input -> Paint($color) -> cnt :: Counter -> output;\n"
                      "}\n"
                      "elementclass Two { input[0] -> Painter(7, x) -> [0]output;\n"
                      "                   input[1] -> Painter(9, y) -> [1]output }\n"
                      "src :: FromDevice(in) -> s :: RoundRobinSwitch;\n"
                      "s[0] -> [0]two :: Two; s[1] -> [1]two;\n"
                      "two[0] -> cp7 :: CheckPaint(7) -> ToDevice(out7);\n"
                      "two[1] -> cp9 :: CheckPaint(9) -> ToDevice(out9);\n"
                      "FromDevice(in2) -> { input -> Counter -> output } -> Discard;\n");
    CHECK(rc == 0, "%s", t.err);
    uint8_t b[64] = {0};
    for (int i = 0; i < 4; i++) ct_rx(&t, "in", b, 60);
    ct_run(&t);
    CHECK(ct_ntx(&t, "out7") == 2 && ct_ntx(&t, "out9") == 2, "outputs %d/%d", ct_ntx(&t, "out7"),
          ct_ntx(&t, "out9"));
    CHECK(ct_read_n(&t, "cp7.drops") == 0 && ct_read_n(&t, "cp9.drops") == 0, "paint wrong");
    CHECK(ct_read_n(&t, "two/Painter@3/cnt.count") == 2, "inner element name/count: %s",
          ct_read(&t, "two/Painter@3/cnt.count"));
    ct_teardown(&t);
}

static void ok_define_and_params(void) {
    click_memdev *m = click_memdev_create();
    click_host h;
    click_memdev_host(m, &h);
    const char *params[] = {"CAP=5", NULL};
    char err[1024];
    click_router *r = click_router_create(
        "define($CAP 100, $N 2)\nIdle -> q :: Queue($CAP) -> Discard; Idle -> tee :: Tee(${N}) -> Discard; tee[1] -> Discard; t :: Idle",
        "x", &h, params, err, sizeof err);
    CHECK(r, "rejected: %s", err);
    char buf[64];
    click_router_read(r, "q.capacity", buf, sizeof buf);
    click_router_destroy(r);
    click_memdev_destroy(m);
    CHECK(!strcmp(buf, "5"), "param did not override define: capacity %s", buf);
}

static void ok_agnostic_resolution(void) {
    /* Counter between a Queue and ToDevice becomes pull; between FromDevice
     * and Queue it is push. */
    ct_env t;
    int rc = ct_setup(&t, "FromDevice(in) -> c1 :: Counter -> q :: Queue(10) -> c2 :: Counter -> ToDevice(out);");
    CHECK(rc == 0, "%s", t.err);
    uint8_t b[64] = {0};
    for (int i = 0; i < 25; i++) ct_rx(&t, "in", b, 60);
    ct_run(&t);
    CHECK(ct_read_n(&t, "c1.count") == 25, "c1 %s", ct_read(&t, "c1.count"));
    CHECK(ct_read_n(&t, "c2.count") == ct_ntx(&t, "out"), "c2 %s vs out %d", ct_read(&t, "c2.count"), ct_ntx(&t, "out"));
    CHECK(ct_ntx(&t, "out") + ct_read_n(&t, "q.drops") == 25, "lost packets");
    CHECK(ct_read_n(&t, "q.length") == 0, "queue not drained");
    ct_teardown(&t);
}

static void ok_fuzzish_inputs(void) {
    /* odd but harmless inputs must give an error or a router, never crash */
    const char *cases[] = {"", ";;;", "{", "}", "[", "a", "a ::", "a :: b ::", "->", "$", "$x",
                           "elementclass", "elementclass A", "elementclass A {", "define(",
                           "define($a)", "Idle(", "Idle -> { input -> output } -> Discard",
                           "x :: {", "input -> output", "Classifier(", "IPFilter(allow (((", NULL};
    for (int i = 0; cases[i]; i++) (void)ct_config_error(cases[i]);
    const char *e = ct_config_error("");
    CHECK(e[0] == 0, "empty config should be accepted: %s", e);
}

const ct_case ct_parser_cases[] = {
    {"parse-error-unknown-class", err_unknown_class},
    {"parse-error-syntax", err_syntax},
    {"parse-error-redeclared", err_redeclared},
    {"parse-error-unconnected-port", err_unconnected},
    {"parse-error-port-out-of-range", err_too_many_ports},
    {"parse-error-duplicate-port", err_duplicate_port},
    {"parse-error-push-pull-mismatch", err_push_pull},
    {"parse-error-element-config", err_element_config},
    {"parse-error-undefined-variable", err_variables},
    {"parse-error-compound", err_compound},
    {"parse-chains-ports-comments", ok_chains_ports_comments},
    {"parse-multiple-declaration", ok_multi_decl},
    {"parse-compound-elements", ok_compound},
    {"parse-define-and-params", ok_define_and_params},
    {"graph-agnostic-resolution", ok_agnostic_resolution},
    {"parse-odd-inputs", ok_fuzzish_inputs},
    {NULL, NULL}};
