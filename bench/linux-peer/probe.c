/* probe: helper of the Linux peer guest (bench/linux-peer), also usable on
 * the host. A static program with no dependencies besides libc.
 *
 *   probe get HOST PORT KEY [TIMEOUT_MS]     one memcached UDP get; exit 0 if
 *                                            a VALUE or END answer arrives
 *   probe wait HOST PORT TIMEOUT_MS [KEY]    repeat get until an answer comes
 *   probe preload HOST PORT NKEYS            set key:0..key:NKEYS-1 to 32-byte
 *                                            values, each acknowledged
 *   probe tsc-hz [MS]                        TSC frequency in Hz, measured
 *                                            against CLOCK_MONOTONIC over MS
 *                                            (default 500) milliseconds
 *   probe tsc                                current TSC value
 *   probe stat HZ INTERVAL_MS CGROOT         every INTERVAL_MS print
 *       "PEER STAT b_usage_usec=.. a_usage_usec=.. b_oom_kills=.. t_ms=.."
 *       from CGROOT/{a,b}; t_ms is TSC time (TSC / HZ) in milliseconds
 *   probe deploy HZ N BASEPORT CGDIR TIMEOUT_MS LOG -- PROGRAM ARGS...
 *       prints "PEER DEPLOY-START", then starts N copies of PROGRAM in the
 *       cgroup CGDIR ("%p" in an argument becomes BASEPORT+i, output goes to
 *       LOG) while a helper process, which stays in the probe's original
 *       cgroup, waits for 127.0.0.1:BASEPORT and then 127.0.0.1:BASEPORT+N-1
 *       to answer a memcached UDP get; prints
 *       "PEER DEPLOY n=N first_ms=X last_ms=Y" with times measured with the
 *       TSC from just before the first start.
 *
 * memcached's UDP framing: each datagram begins with an 8-byte header of four
 * big-endian 16-bit fields (request id, sequence number, datagram count,
 * reserved); a request is a single datagram (sequence 0, count 1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "say.h"

extern char **environ;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static unsigned long parse_ul(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end) {
        fprintf(stderr, "probe: bad %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

/* TSC frequency: the TSC is read at two edges of CLOCK_MONOTONIC (which may
 * advance in coarse steps, e.g. 4 ms jiffies) at least `ms` apart, so the
 * coarseness of the clock does not enter the result. */
static double tsc_hz(unsigned ms)
{
    uint64_t t0 = mono_ns(), t;
    while ((t = mono_ns()) == t0) {
    }
    uint64_t c0 = rdtsc();
    t0 = t;
    uint64_t want = t0 + (uint64_t)ms * 1000000u, prev;
    do {
        prev = mono_ns();
        if (prev < want)
            sleep_ms(want - prev > 100000000u ? 50 : 1);   /* coarse, then fine */
    } while (prev < want);
    while ((t = mono_ns()) == prev) {
    }
    uint64_t c1 = rdtsc();
    return (double)(c1 - c0) * 1e9 / (double)(t - t0);
}

/* ---- memcached over UDP ---- */

struct mc {
    int fd;
    uint16_t rid;
};

static int mc_open(struct mc *m, const char *host, unsigned port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "probe: bad IPv4 address: %s\n", host);
        return -1;
    }
    m->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (m->fd < 0) {
        perror("probe: socket");
        return -1;
    }
    if (connect(m->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("probe: connect");
        close(m->fd);
        return -1;
    }
    m->rid = (uint16_t)(getpid() * 7919u + (unsigned)rdtsc());
    return 0;
}

enum { MC_OK = 0, MC_TIMEOUT = -1, MC_REFUSED = -2, MC_ERROR = -3 };

/* Sends one request and waits up to timeout_ms for a reply datagram.
 * Any reply counts when `any_rid` is set (a late answer to an earlier
 * attempt still shows that the server is up). */
static int mc_call(struct mc *m, const char *req, size_t len, char *reply, size_t cap, size_t *rlen,
                   unsigned timeout_ms, int any_rid)
{
    unsigned char frame[2048];
    if (len + 8 > sizeof frame)
        return MC_ERROR;
    uint16_t rid = ++m->rid;
    frame[0] = (unsigned char)(rid >> 8);
    frame[1] = (unsigned char)rid;
    memset(frame + 2, 0, 6);
    frame[5] = 1; /* datagram count 1 */
    memcpy(frame + 8, req, len);
    if (send(m->fd, frame, len + 8, 0) < 0)
        return errno == ECONNREFUSED ? MC_REFUSED : MC_ERROR;
    uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        uint64_t now = mono_ns();
        if (now >= deadline)
            return MC_TIMEOUT;
        struct pollfd p = {m->fd, POLLIN, 0};
        int left = (int)((deadline - now + 999999u) / 1000000u);
        int r = poll(&p, 1, left);
        if (r < 0 && errno != EINTR)
            return MC_ERROR;
        if (r <= 0)
            continue;
        unsigned char in[4096];
        ssize_t n = recv(m->fd, in, sizeof in, 0);
        if (n < 0) {
            if (errno == ECONNREFUSED)
                return MC_REFUSED;
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return MC_ERROR;
        }
        if (n < 8)
            continue;
        uint16_t got = (uint16_t)((in[0] << 8) | in[1]);
        if (got != rid && !any_rid)
            continue;
        size_t body = (size_t)n - 8;
        if (body > cap - 1)
            body = cap - 1;
        memcpy(reply, in + 8, body);
        reply[body] = 0;
        *rlen = body;
        return MC_OK;
    }
}

static int is_get_answer(const char *r, size_t n)
{
    return (n >= 6 && memcmp(r, "VALUE ", 6) == 0) || (n >= 5 && memcmp(r, "END\r\n", 5) == 0);
}

static int mc_get(struct mc *m, const char *key, unsigned timeout_ms, int any_rid)
{
    char req[300], reply[2048];
    size_t rlen;
    int len = snprintf(req, sizeof req, "get %s\r\n", key);
    if (len < 0 || (size_t)len >= sizeof req)
        return MC_ERROR;
    int r = mc_call(m, req, (size_t)len, reply, sizeof reply, &rlen, timeout_ms, any_rid);
    if (r != MC_OK)
        return r;
    return is_get_answer(reply, rlen) ? MC_OK : MC_ERROR;
}

/* Repeats get until an answer or the deadline; 0 on success. */
static int mc_wait(const char *host, unsigned port, const char *key, unsigned timeout_ms)
{
    struct mc m;
    if (mc_open(&m, host, port) != 0)
        return -1;
    uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000u;
    int ok = -1;
    while (mono_ns() < deadline) {
        int r = mc_get(&m, key, 200, 1);
        if (r == MC_OK) {
            ok = 0;
            break;
        }
        if (r != MC_TIMEOUT)
            sleep_ms(1); /* refused: nothing bound to the port yet */
    }
    close(m.fd);
    return ok;
}

static int cmd_get(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    unsigned timeout = argc > 5 ? (unsigned)parse_ul(argv[5], "timeout") : 1000;
    struct mc m;
    if (mc_open(&m, argv[2], (unsigned)parse_ul(argv[3], "port")) != 0)
        return 1;
    char req[300], reply[2048];
    size_t rlen;
    int len = snprintf(req, sizeof req, "get %s\r\n", argv[4]);
    if (len < 0 || (size_t)len >= sizeof req)
        return 2;
    int r = mc_call(&m, req, (size_t)len, reply, sizeof reply, &rlen, timeout, 0);
    if (r == MC_OK && is_get_answer(reply, rlen)) {
        fputs(reply, stdout);
        return 0;
    }
    fprintf(stderr, "probe: no answer from %s:%s (%s)\n", argv[2], argv[3],
            r == MC_REFUSED ? "refused" : r == MC_TIMEOUT ? "timeout" : "bad reply");
    return 1;
}

static int cmd_wait(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    const char *key = argc > 5 ? argv[5] : "key:0";
    return mc_wait(argv[2], (unsigned)parse_ul(argv[3], "port"), key,
                   (unsigned)parse_ul(argv[4], "timeout")) == 0 ? 0 : 1;
}

static int cmd_preload(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    unsigned long nkeys = parse_ul(argv[4], "nkeys");
    struct mc m;
    if (mc_open(&m, argv[2], (unsigned)parse_ul(argv[3], "port")) != 0)
        return 1;
    for (unsigned long i = 0; i < nkeys; i++) {
        char req[128], reply[256];
        size_t rlen;
        /* 32-byte value: "value-of-key:<i>" padded with '.' */
        char val[33];
        int vl = snprintf(val, sizeof val, "value-of-key:%lu", i);
        if (vl < 0)
            return 1;
        for (int k = vl; k < 32; k++)
            val[k] = '.';
        val[32] = 0;
        int len = snprintf(req, sizeof req, "set key:%lu 0 0 32\r\n%s\r\n", i, val);
        if (len < 0 || (size_t)len >= sizeof req)
            return 1;
        int tries = 0, r;
        do {
            r = mc_call(&m, req, (size_t)len, reply, sizeof reply, &rlen, 500, 0);
            if (r == MC_OK && rlen >= 6 && memcmp(reply, "STORED", 6) == 0)
                break;
            if (r != MC_TIMEOUT)
                sleep_ms(10);
            r = MC_ERROR;
        } while (++tries < 20);
        if (r != MC_OK) {
            fprintf(stderr, "probe: preload of key:%lu failed\n", i);
            return 1;
        }
    }
    return 0;
}

static long read_field(const char *path, const char *name)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t nl = strlen(name);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, name, nl) == 0 && line[nl] == ' ') {
            v = strtol(line + nl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static int cmd_stat(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    double hz = (double)parse_ul(argv[2], "hz");
    unsigned interval = (unsigned)parse_ul(argv[3], "interval");
    const char *root = argv[4];
    char pa[256], pb[256], pe[256];
    snprintf(pa, sizeof pa, "%s/a/cpu.stat", root);
    snprintf(pb, sizeof pb, "%s/b/cpu.stat", root);
    snprintf(pe, sizeof pe, "%s/b/memory.events", root);
    for (;;) {
        long b = read_field(pb, "usage_usec");
        long a = read_field(pa, "usage_usec");
        long oom = read_field(pe, "oom_kill");
        unsigned long long t = (unsigned long long)((double)rdtsc() * 1000.0 / hz);
        say("PEER STAT b_usage_usec=%ld a_usage_usec=%ld b_oom_kills=%ld t_ms=%llu", b, a, oom, t);
        sleep_ms(interval);
    }
}

static int cmd_deploy(int argc, char **argv)
{
    /* probe deploy HZ N BASEPORT CGDIR TIMEOUT_MS LOG -- PROGRAM ARGS... */
    if (argc < 11 || strcmp(argv[8], "--") != 0)
        return 2;
    double hz = (double)parse_ul(argv[2], "hz");
    unsigned n = (unsigned)parse_ul(argv[3], "n");
    unsigned base = (unsigned)parse_ul(argv[4], "baseport");
    const char *cgdir = argv[5];
    unsigned timeout = (unsigned)parse_ul(argv[6], "timeout");
    const char *log = argv[7];
    char **prog = argv + 9;
    int nprog = argc - 9;
    if (n == 0 || base + n - 1 > 65535)
        return 2;

    say("PEER DEPLOY-START");
    uint64_t t0 = rdtsc();

    pid_t waiter = fork();
    if (waiter < 0) {
        perror("probe: fork");
        return 1;
    }
    if (waiter == 0) {
        /* stays in the original cgroup: its polling is not charged to CGDIR */
        int r1 = mc_wait("127.0.0.1", base, "key:0", timeout);
        uint64_t t1 = rdtsc();
        int r2 = r1;
        uint64_t t2 = t1;
        if (r1 == 0 && n > 1) {
            r2 = mc_wait("127.0.0.1", base + n - 1, "key:0", timeout);
            t2 = rdtsc();
        }
        double f = r1 == 0 ? (double)(t1 - t0) * 1000.0 / hz : -1.0;
        double l = r2 == 0 ? (double)(t2 - t0) * 1000.0 / hz : -1.0;
        say("PEER DEPLOY n=%u first_ms=%.3f last_ms=%.3f", n, f, l);
        _exit(r1 == 0 && r2 == 0 ? 0 : 1);
    }

    /* the spawner itself joins the tenant's cgroup; its children inherit it */
    char procs[300];
    snprintf(procs, sizeof procs, "%s/cgroup.procs", cgdir);
    int cfd = open(procs, O_WRONLY);
    if (cfd < 0 || write(cfd, "0\n", 2) != 2) {
        perror("probe: joining cgroup");
        kill(waiter, SIGKILL);
        return 1;
    }
    close(cfd);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char **args = calloc((size_t)nprog + 1, sizeof *args);
    char (*ports)[8] = calloc((size_t)nprog, sizeof *ports);
    if (!args || !ports)
        return 1;
    unsigned failed = 0;
    for (unsigned i = 0; i < n; i++) {
        for (int k = 0; k < nprog; k++) {
            if (strcmp(prog[k], "%p") == 0) {
                snprintf(ports[k], sizeof ports[k], "%u", base + i);
                args[k] = ports[k];
            } else {
                args[k] = prog[k];
            }
        }
        pid_t pid;
        if (posix_spawn(&pid, prog[0], &fa, NULL, args, environ) != 0)
            failed++;
    }
    uint64_t ts = rdtsc();
    say("PEER DEPLOY-INFO n=%u spawned_ms=%.3f spawn_failures=%u", n, (double)(ts - t0) * 1000.0 / hz,
        failed);
    int st = 0;
    while (waitpid(waiter, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static void usage(void)
{
    fputs("usage: probe get HOST PORT KEY [TIMEOUT_MS]\n"
          "       probe wait HOST PORT TIMEOUT_MS [KEY]\n"
          "       probe preload HOST PORT NKEYS\n"
          "       probe tsc-hz [MS]\n"
          "       probe tsc\n"
          "       probe stat HZ INTERVAL_MS CGROOT\n"
          "       probe deploy HZ N BASEPORT CGDIR TIMEOUT_MS LOG -- PROGRAM ARGS... (%p = port)\n",
          stderr);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *c = argv[1];
    int r = 2;
    if (!strcmp(c, "get"))
        r = cmd_get(argc, argv);
    else if (!strcmp(c, "wait"))
        r = cmd_wait(argc, argv);
    else if (!strcmp(c, "preload"))
        r = cmd_preload(argc, argv);
    else if (!strcmp(c, "tsc-hz")) {
        unsigned ms = argc > 2 ? (unsigned)parse_ul(argv[2], "ms") : 500;
        if (ms < 200)
            ms = 200;
        printf("%.0f\n", tsc_hz(ms));
        r = 0;
    } else if (!strcmp(c, "tsc")) {
        printf("%llu\n", (unsigned long long)rdtsc());
        r = 0;
    } else if (!strcmp(c, "stat"))
        r = cmd_stat(argc, argv);
    else if (!strcmp(c, "deploy"))
        r = cmd_deploy(argc, argv);
    if (r == 2)
        usage();
    return r;
}
