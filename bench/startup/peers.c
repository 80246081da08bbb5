/* startup-peers: the Linux half of the EdgeOS start-up benchmark.
 *
 * Measures, on the host, how long Linux takes to start a unit of isolated
 * execution, for comparison with EdgeOS's featherweight-process creation:
 *
 *   linux_fork_exec       fork + execve(startup-true) + waitpid
 *   linux_posix_spawn     posix_spawn(startup-true) + waitpid
 *   linux_vfork_exec      vfork + execve(startup-true) + waitpid
 *   linux_fork            fork + child _exit(0) + waitpid (no exec)
 *   linux_pthread_create  pthread_create + pthread_join
 *   runc_run              runc run of startup-true in a minimal OCI bundle
 *
 * startup-true is a static musl program that exits 0. Each iteration is timed
 * from just before the creating call until the parent has reaped/joined the
 * child, with CLOCK_MONOTONIC and the TSC read back to back; a row reports the
 * median, p90, p99, min and max of its iterations in both units.
 *
 * TSC mode (--tsc-hz HZ): the TSC rate is given instead of calibrated, and
 * every time comes from the TSC alone (ns = cycles * 1e9 / HZ), including
 * the --seconds budget. This is for the Linux guest of bench/linux-peer,
 * whose CLOCK_MONOTONIC advances in 4 ms steps under QEMU TCG.
 *
 * Usage: startup-peers [--iterations N] [--seconds S] [--runc-iterations N]
 *                      [--only NAME[,NAME]] [--csv FILE] [--true PATH]
 *                      [--cpu N] [--bundle-dir DIR] [--tsc-hz HZ] [--list]
 *        startup-peers --make-bundle DIR [--true PATH]
 */
#include "bundle.h"
#include "stats.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_SECONDS 5.0
#define DEFAULT_RUNC_ITERATIONS 50
#define TIMED_CAP 2000000 /* sample room for a time-budgeted row */
#define WARMUP 3

extern char **environ;

struct ctx {
    const char *true_path;
    char *child_argv[2];
    char *child_envp[1];
    /* runc_run only */
    const char *runc;
    char bundle[PATH_MAX];
    char state[PATH_MAX];
    char errlog[PATH_MAX];
    unsigned long seq;
    char why[256]; /* reason of the last failure */
};

static int reap(pid_t pid, struct ctx *c)
{
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(c->why, sizeof c->why, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(c->why, sizeof c->why, "child ended with wait status 0x%x", status);
        return -1;
    }
    return 0;
}

static int once_fork_exec(struct ctx *c)
{
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(c->why, sizeof c->why, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execve(c->true_path, c->child_argv, c->child_envp);
        _exit(127);
    }
    return reap(pid, c);
}

static int once_posix_spawn(struct ctx *c)
{
    pid_t pid;
    int rc = posix_spawn(&pid, c->true_path, NULL, NULL, c->child_argv, c->child_envp);
    if (rc != 0) {
        snprintf(c->why, sizeof c->why, "posix_spawn: %s", strerror(rc));
        return -1;
    }
    return reap(pid, c);
}

/* The vfork child only calls execve or _exit, as vfork requires; it shares
 * the parent's memory and stack until then. */
static pid_t vfork_exec(const char *path, char *const argv[], char *const envp[])
{
    pid_t pid = vfork();
    if (pid == 0) {
        execve(path, argv, envp);
        _exit(127);
    }
    return pid;
}

static int once_vfork_exec(struct ctx *c)
{
    pid_t pid = vfork_exec(c->true_path, c->child_argv, c->child_envp);
    if (pid < 0) {
        snprintf(c->why, sizeof c->why, "vfork: %s", strerror(errno));
        return -1;
    }
    return reap(pid, c);
}

static int once_fork(struct ctx *c)
{
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(c->why, sizeof c->why, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0)
        _exit(0);
    return reap(pid, c);
}

static void *thread_body(void *arg)
{
    return arg;
}

static int once_pthread(struct ctx *c)
{
    pthread_t t;
    int rc = pthread_create(&t, NULL, thread_body, NULL);
    if (rc != 0) {
        snprintf(c->why, sizeof c->why, "pthread_create: %s", strerror(rc));
        return -1;
    }
    rc = pthread_join(t, NULL);
    if (rc != 0) {
        snprintf(c->why, sizeof c->why, "pthread_join: %s", strerror(rc));
        return -1;
    }
    return 0;
}

/* First line of the runc error log, for an "unavailable" reason. */
static void errlog_reason(struct ctx *c, const char *prefix)
{
    char line[200] = "";
    FILE *f = fopen(c->errlog, "r");
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        fclose(f);
    }
    line[strcspn(line, "\n")] = '\0';
    snprintf(c->why, sizeof c->why, "%s%s%s", prefix, line[0] ? ": " : "", line);
}

/* One container start: the whole `runc run` command, fork+exec of runc to
 * its exit. runc run (without --detach) deletes the container when the
 * process ends; a failed run gets an explicit `runc delete -f`. */
static int once_runc(struct ctx *c)
{
    char id[64];
    snprintf(id, sizeof id, "edgeos-startup-%d-%lu", (int)getpid(), c->seq++);
    char *argv[] = {(char *)c->runc, "--root", c->state, "run", "--bundle", c->bundle, id, NULL};
    int st = run_wait(argv, c->errlog);
    if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    char *del[] = {(char *)c->runc, "--root", c->state, "delete", "-f", id, NULL};
    run_wait(del, NULL);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "runc run exited with wait status 0x%x", st);
    errlog_reason(c, prefix);
    return -1;
}

static const char *find_runc(void)
{
    static char buf[PATH_MAX];
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(buf, sizeof buf, "%s/runc", d);
        if (access(buf, X_OK) == 0)
            return buf;
    }
    return NULL;
}

/* Prepares the runc row; on failure c->why says why the row is unavailable. */
static int runc_setup(struct ctx *c, const char *bundle_parent)
{
    if (geteuid() != 0) {
        snprintf(c->why, sizeof c->why, "runc run needs root");
        return -1;
    }
    c->runc = find_runc();
    if (!c->runc) {
        snprintf(c->why, sizeof c->why, "runc not found in PATH");
        return -1;
    }
    if (snprintf(c->bundle, sizeof c->bundle, "%s/edgeos-startup-XXXXXX", bundle_parent) >=
        (int)sizeof c->bundle - 16) {
        snprintf(c->why, sizeof c->why, "bundle directory name too long");
        c->bundle[0] = '\0';
        return -1;
    }
    if (!mkdtemp(c->bundle)) {
        snprintf(c->why, sizeof c->why, "mkdtemp %.100s: %s", c->bundle, strerror(errno));
        c->bundle[0] = '\0';
        return -1;
    }
    if (snprintf(c->state, sizeof c->state, "%s/state", c->bundle) >= (int)sizeof c->state ||
        snprintf(c->errlog, sizeof c->errlog, "%s/runc.err", c->bundle) >= (int)sizeof c->errlog) {
        snprintf(c->why, sizeof c->why, "bundle path too long");
        return -1;
    }
    if (bundle_create(c->runc, c->bundle, c->true_path, c->why, sizeof c->why) < 0)
        return -1;
    return 0;
}

static void runc_teardown(struct ctx *c)
{
    if (c->bundle[0]) {
        tree_remove(c->bundle);
        c->bundle[0] = '\0';
    }
}

struct row {
    const char *name;
    const char *what;
    int (*once)(struct ctx *);
    int is_runc;
};

static const struct row rows[] = {
    {"linux_fork_exec", "fork+execve+waitpid of a static musl binary", once_fork_exec, 0},
    {"linux_posix_spawn", "posix_spawn+waitpid of the same binary", once_posix_spawn, 0},
    {"linux_vfork_exec", "vfork+execve+waitpid of the same binary", once_vfork_exec, 0},
    {"linux_fork", "fork+waitpid, child _exit(0), no exec", once_fork, 0},
    {"linux_pthread_create", "pthread_create+pthread_join", once_pthread, 0},
    {"runc_run", "runc run of the same binary, minimal OCI bundle", once_runc, 1},
};
#define NROWS (sizeof rows / sizeof rows[0])

struct result {
    int measured;       /* 1: summary valid */
    char why[256];      /* when not measured */
    struct summary s;
};

/* Runs one row: warm-up, then either exactly `iterations` timed iterations
 * or, when iterations is 0, as many as fit in `seconds`. With tsc_hz > 0
 * (TSC mode) CLOCK_MONOTONIC is not read: nanoseconds are TSC cycles
 * converted at tsc_hz. */
static void measure(const struct row *r, struct ctx *c, size_t iterations, double seconds,
                    double tsc_hz, struct result *out)
{
    struct samples smp;
    size_t cap = iterations ? iterations : TIMED_CAP;
    out->measured = 0;
    if (samples_init(&smp, cap) < 0) {
        snprintf(out->why, sizeof out->why, "out of memory for %zu samples", cap);
        return;
    }
    int warm = r->is_runc ? 1 : WARMUP;
    for (int i = 0; i < warm; i++) {
        if (r->once(c) < 0) {
            snprintf(out->why, sizeof out->why, "%s", c->why);
            samples_free(&smp);
            return;
        }
    }
    int tsc_only = tsc_hz > 0;
    uint64_t budget = tsc_only ? (uint64_t)(seconds * tsc_hz) : (uint64_t)(seconds * 1e9);
    uint64_t start = tsc_only ? tsc_read() : mono_ns();
    for (;;) {
        uint64_t t0 = tsc_only ? 0 : mono_ns(), c0 = tsc_read();
        int rc = r->once(c);
        uint64_t c1 = tsc_read(), t1 = tsc_only ? 0 : mono_ns();
        if (rc < 0) {
            snprintf(out->why, sizeof out->why, "failed after %zu iterations: %.200s", smp.n, c->why);
            samples_free(&smp);
            return;
        }
        uint64_t ns = tsc_only ? (uint64_t)((double)(c1 - c0) * 1e9 / tsc_hz + 0.5) : t1 - t0;
        if (samples_add(&smp, ns, c1 - c0) < 0)
            break;
        uint64_t spent = tsc_only ? c1 - start : t1 - start;
        if (iterations ? smp.n >= iterations : spent >= budget)
            break;
    }
    samples_summarise(&smp, &out->s);
    out->measured = 1;
    samples_free(&smp);
}

static int selected(const char *only, const char *name);

/* One human-readable table of the selected rows, in ns or in TSC cycles. */
static void print_table(const char *title, int cycles, const char *only, const struct result *res)
{
    printf("\n%-22s %9s %11s %11s %11s %11s %11s\n", title, "iters", "median", "p90", "p99", "min", "max");
    for (size_t i = 0; i < NROWS; i++) {
        if (!selected(only, rows[i].name))
            continue;
        const struct summary *s = &res[i].s;
        if (!res[i].measured) {
            printf("%-22s %s\n", rows[i].name, res[i].why);
            continue;
        }
        const uint64_t ns[5] = { s->median_ns, s->p90_ns, s->p99_ns, s->min_ns, s->max_ns };
        const uint64_t cyc[5] = { s->median_cycles, s->p90_cycles, s->p99_cycles, s->min_cycles, s->max_cycles };
        const uint64_t *v = cycles ? cyc : ns;
        printf("%-22s %9zu %11llu %11llu %11llu %11llu %11llu\n", rows[i].name, s->n, (unsigned long long)v[0],
               (unsigned long long)v[1], (unsigned long long)v[2], (unsigned long long)v[3],
               (unsigned long long)v[4]);
    }
}

static int selected(const char *only, const char *name)
{
    if (!only)
        return 1;
    size_t len = strlen(name);
    for (const char *p = only; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static int check_only(const char *only)
{
    for (const char *p = only; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int found = 0;
        for (size_t i = 0; i < NROWS; i++)
            if (strlen(rows[i].name) == n && strncmp(p, rows[i].name, n) == 0)
                found = 1;
        if (!found && n > 0) {
            fprintf(stderr, "startup-peers: unknown row '%.*s' (see --list)\n", (int)n, p);
            return -1;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: startup-peers [--iterations N] [--seconds S] [--runc-iterations N]\n"
            "                     [--only NAME[,NAME]] [--csv FILE] [--true PATH]\n"
            "                     [--cpu N] [--bundle-dir DIR] [--tsc-hz HZ] [--list]\n"
            "       startup-peers --make-bundle DIR [--true PATH]\n"
            "  --iterations N       timed iterations per row (default: as many as fit in S seconds;\n"
            "                       runc_run uses min(N, %d) unless --runc-iterations is given)\n"
            "  --seconds S          time budget per row when --iterations is absent (default %.0f)\n"
            "  --runc-iterations N  iterations of runc_run (default %d)\n"
            "  --only NAMES         comma-separated rows to run (see --list)\n"
            "  --csv FILE           also write name,iterations,median_ns,p90_ns,p99_ns,min_ns,max_ns,median_cycles\n"
            "  --true PATH          the binary to start (default: startup-true next to this program)\n"
            "  --cpu N              pin the benchmark (and so its children) to CPU N\n"
            "  --bundle-dir DIR     where the temporary OCI bundle is made (default /tmp)\n"
            "  --tsc-hz HZ          the TSC rate in Hz; all times, ns included, come from the TSC\n"
            "                       (for guests whose CLOCK_MONOTONIC is coarse); no calibration\n"
            "  --make-bundle DIR    only create the OCI bundle in DIR and exit\n",
            DEFAULT_RUNC_ITERATIONS, DEFAULT_SECONDS, DEFAULT_RUNC_ITERATIONS);
}

static int parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s || v == 0 || v > 100000000ull)
        return -1;
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    size_t iterations = 0, runc_iterations = 0;
    double seconds = DEFAULT_SECONDS;
    const char *only = NULL, *csv = NULL, *true_path = NULL, *make_bundle = NULL;
    const char *bundle_parent = "/tmp";
    int cpu = -1;
    double fixed_tsc_hz = 0;
    static char default_true[PATH_MAX];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--list")) {
            for (size_t r = 0; r < NROWS; r++)
                printf("%-22s %s\n", rows[r].name, rows[r].what);
            return 0;
        } else if (!v) {
            usage(stderr);
            return 2;
        } else if (!strcmp(a, "--iterations")) {
            if (parse_count(v, &iterations) < 0) {
                fprintf(stderr, "startup-peers: bad --iterations %s\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--runc-iterations")) {
            if (parse_count(v, &runc_iterations) < 0) {
                fprintf(stderr, "startup-peers: bad --runc-iterations %s\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--seconds")) {
            char *end;
            seconds = strtod(v, &end);
            if (*end || !(seconds > 0 && seconds < 3600)) {
                fprintf(stderr, "startup-peers: bad --seconds %s\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--only")) {
            only = v;
        } else if (!strcmp(a, "--csv")) {
            csv = v;
        } else if (!strcmp(a, "--true")) {
            true_path = v;
        } else if (!strcmp(a, "--cpu")) {
            cpu = atoi(v);
        } else if (!strcmp(a, "--tsc-hz")) {
            char *end;
            fixed_tsc_hz = strtod(v, &end);
            if (*end || end == v || !(fixed_tsc_hz >= 1e6 && fixed_tsc_hz <= 1e11)) {
                fprintf(stderr, "startup-peers: bad --tsc-hz %s\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--bundle-dir")) {
            bundle_parent = v;
        } else if (!strcmp(a, "--make-bundle")) {
            make_bundle = v;
        } else {
            usage(stderr);
            return 2;
        }
        i += takes;
    }
    if (only && check_only(only) < 0)
        return 2;

    if (!true_path) {
        ssize_t n = readlink("/proc/self/exe", default_true, sizeof default_true - 1);
        if (n < 0) {
            perror("startup-peers: /proc/self/exe");
            return 1;
        }
        default_true[n] = '\0';
        char *slash = strrchr(default_true, '/');
        snprintf(slash + 1, sizeof default_true - (size_t)(slash + 1 - default_true), "startup-true");
        true_path = default_true;
    }
    if (access(true_path, X_OK) < 0) {
        fprintf(stderr, "startup-peers: %s: %s\n", true_path, strerror(errno));
        return 1;
    }

    struct ctx c = {0};
    c.true_path = true_path;
    c.child_argv[0] = (char *)true_path;

    if (make_bundle) {
        const char *runc = find_runc();
        char why[256];
        if (!runc) {
            fprintf(stderr, "startup-peers: runc not found in PATH\n");
            return 1;
        }
        if (bundle_create(runc, make_bundle, true_path, why, sizeof why) < 0) {
            fprintf(stderr, "startup-peers: %s\n", why);
            return 1;
        }
        printf("%s\n", make_bundle);
        return 0;
    }

    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0) {
            fprintf(stderr, "startup-peers: --cpu %d: %s\n", cpu, strerror(errno));
            return 1;
        }
    }

    double tsc_hz = fixed_tsc_hz > 0 ? fixed_tsc_hz : tsc_calibrate_hz(5, 100);
    printf("startup-peers: binary %s, %ld CPUs online%s\n", true_path, sysconf(_SC_NPROCESSORS_ONLN),
           cpu >= 0 ? ", pinned" : "");
    if (fixed_tsc_hz > 0)
        printf("TSC %.3f MHz (given with --tsc-hz; every time, ns included, from the TSC)\n", tsc_hz / 1e6);
    else
        printf("TSC %.3f MHz (median of 5 x 100 ms windows against CLOCK_MONOTONIC)\n", tsc_hz / 1e6);
    if (iterations)
        printf("iterations: %zu per row\n", iterations);
    else
        printf("iterations: as many as fit in %.1f s per row (runc_run: fixed count)\n", seconds);
    fflush(stdout);

    struct result res[NROWS];
    int failed = 0;
    for (size_t i = 0; i < NROWS; i++) {
        const struct row *r = &rows[i];
        memset(&res[i], 0, sizeof res[i]);
        if (!selected(only, r->name))
            continue;
        if (r->is_runc) {
            size_t n = runc_iterations ? runc_iterations
                       : iterations && iterations < DEFAULT_RUNC_ITERATIONS ? iterations
                                                                            : DEFAULT_RUNC_ITERATIONS;
            if (runc_setup(&c, bundle_parent) < 0)
                snprintf(res[i].why, sizeof res[i].why, "unavailable: %.200s", c.why);
            else {
                measure(r, &c, n, seconds, fixed_tsc_hz, &res[i]);
                if (!res[i].measured) {
                    char why[256];
                    snprintf(why, sizeof why, "unavailable: %.200s", res[i].why);
                    memcpy(res[i].why, why, sizeof why);
                }
            }
            runc_teardown(&c);
        } else {
            measure(r, &c, iterations, seconds, fixed_tsc_hz, &res[i]);
            if (!res[i].measured)
                failed = 1;
        }
        fprintf(stderr, "  %s: %s\n", r->name, res[i].measured ? "done" : res[i].why);
    }

    print_table("name (ns)", 0, only, res);
    print_table("name (TSC cycles)", 1, only, res);

    if (csv) {
        FILE *f = fopen(csv, "w");
        if (!f) {
            fprintf(stderr, "startup-peers: %s: %s\n", csv, strerror(errno));
            return 1;
        }
        fprintf(f, "name,iterations,median_ns,p90_ns,p99_ns,min_ns,max_ns,median_cycles\n");
        for (size_t i = 0; i < NROWS; i++) {
            if (!selected(only, rows[i].name))
                continue;
            const struct summary *s = &res[i].s;
            /* A row that could not be measured keeps its line, with zero
             * iterations and empty figures, so readers see it was tried. */
            if (!res[i].measured)
                fprintf(f, "%s,0,,,,,,\n", rows[i].name);
            else
                fprintf(f, "%s,%zu,%llu,%llu,%llu,%llu,%llu,%llu\n", rows[i].name, s->n,
                        (unsigned long long)s->median_ns, (unsigned long long)s->p90_ns,
                        (unsigned long long)s->p99_ns, (unsigned long long)s->min_ns,
                        (unsigned long long)s->max_ns, (unsigned long long)s->median_cycles);
        }
        if (fclose(f) != 0) {
            fprintf(stderr, "startup-peers: writing %s failed\n", csv);
            return 1;
        }
    }
    return failed;
}
