/* click: the userlevel-style driver for the Click engine on Linux.
 *
 *   click [options] [FILE] [NAME=VALUE...]
 *     FILE, -f FILE        configuration file ("-" or none: standard input)
 *     -e EXPR              configuration given on the command line
 *     -h ELEM.HANDLER      print this read handler's value after the driver
 *                          stops (repeatable; names are printed when more
 *                          than one is asked for)
 *     -x ELEM.HANDLER      exit with this handler's value as the status
 *     -o FILE              write the configuration, with its parameters, to FILE
 *     -q                   quiet: do not print handler names
 *     --simtime            run on a simulated clock that advances with the
 *                          driver instead of the wall clock
 *     NAME=VALUE           value for $NAME in the configuration
 * The router runs until it stops: every source is done, a source with
 * STOP true asks for it, or a DriverManager / Script says stop. Errors are
 * printed as "FILE:LINE: message"; the exit status is 1 for a bad
 * configuration or a failed handler. FromDump/ToDump name pcap files. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../engine/click.h"
#include "../engine/click_packet.h"
#include "click_pcap.h"

#define MAX_OPTS 256

static bool simtime;
static uint64_t sim_now;

static uint64_t lx_now(void *ctx) {
    (void)ctx;
    if (simtime) return sim_now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t lx_clock(void) { return lx_now(NULL); }

/* Devices are pcap files named directly (click_pcap.c). */
static int lx_open(void *ctx, const char *name, int kind, int dir, void **devp, char *err,
                   size_t errlen) {
    (void)ctx;
    if ((kind & 0xff) == CLICK_DEV_KIND_DEVICE) {
        snprintf(err, errlen, "no device '%s' in this driver", name);
        return -ENODEV;
    }
    return click_pcap_dev_open(name, kind, dir, NULL, lx_clock, devp, err, errlen);
}

static void lx_log(void *ctx, const char *line) {
    (void)ctx;
    fflush(stdout);
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

static void lx_out(void *ctx, const char *text) {
    (void)ctx;
    fputs(text, stdout);
    fflush(stdout);
}

static const click_device_ops lx_ops = {lx_open, click_pcap_dev_recv, click_pcap_dev_send, click_pcap_dev_close};

/* Files for FromIPSummaryDump / ToIPSummaryDump ("-": stdin / stdout). */
static char *read_stream(FILE *f);

static char *fx_read_all(void *ctx, const char *name, size_t *len, char *err, size_t errlen) {
    (void)ctx;
    FILE *f = strcmp(name, "-") ? fopen(name, "rb") : stdin;
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    char *buf = read_stream(f);
    if (f != stdin) fclose(f);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *len = strlen(buf);
    return buf;
}

static void *fx_open_write(void *ctx, const char *name, char *err, size_t errlen) {
    (void)ctx;
    FILE *f = strcmp(name, "-") ? fopen(name, "w") : stdout;
    if (!f) snprintf(err, errlen, "%s", strerror(errno));
    return f;
}

static int fx_write(void *f, const char *data, size_t len) {
    if (fwrite(data, 1, len, (FILE *)f) != len) return -1;
    if ((FILE *)f == stdout) fflush(stdout);
    return 0;
}

static void fx_close(void *f) {
    if ((FILE *)f == stdout) fflush(stdout);
    else fclose((FILE *)f);
}

static const click_file_ops fx_ops = {NULL, fx_read_all, fx_open_write, fx_write, fx_close};

static char *read_stream(FILE *f) {
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    if (buf) buf[n] = 0;
    return buf;
}

/* "file:line:col: message" -> "file:line: message", as Click prints them. */
static void print_errors(const char *err) {
    const char *line = err;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t l = end ? (size_t)(end - line) : strlen(line);
        char buf[4096];
        if (l >= sizeof buf) l = sizeof buf - 1;
        memcpy(buf, line, l);
        buf[l] = 0;
        /* find ":N:M: " after the file name */
        char *p = buf, *out = buf;
        for (char *c = buf; *c; c++) {
            if (c[0] == ':' && isdigit((unsigned char)c[1])) {
                char *d = c + 1;
                while (isdigit((unsigned char)*d)) d++;
                if (d[0] == ':' && isdigit((unsigned char)d[1])) {
                    char *e = d + 1;
                    while (isdigit((unsigned char)*e)) e++;
                    if (e[0] == ':') {
                        memmove(d, e, strlen(e) + 1);
                        break;
                    }
                }
            }
        }
        (void)p;
        fprintf(stderr, "%s\n", out);
        line += l;
        if (*line == '\n') line++;
    }
}

static void usage(FILE *f) {
    fprintf(f, "usage: click [-e EXPR | -f FILE | FILE] [-q] [-h ELEM.HANDLER] [-x ELEM.HANDLER]\n"
               "             [-o FILE] [--simtime] [NAME=VALUE...]\n");
}

int main(int argc, char **argv) {
    const char *params[MAX_OPTS + 1];
    const char *hspecs[MAX_OPTS];
    int nparams = 0, nh = 0;
    const char *config_file = NULL, *config_text = NULL, *exit_handler = NULL, *outfile = NULL;
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--simtime")) {
            simtime = true;
        } else if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strncmp(a, "--expression=", 13)) {
            config_text = a + 13;
        } else if (!strncmp(a, "--file=", 7)) {
            config_file = a + 7;
        } else if (!strcmp(a, "--quiet")) {
            quiet = true;
        } else if (a[0] == '-' && a[1] && a[1] != '-') {
            /* a cluster of short options; the last may take an argument */
            for (const char *c = a + 1; *c; c++) {
                const char *val = NULL;
                if (strchr("efhxoj", *c)) {
                    if (c[1]) val = c + 1;
                    else if (i + 1 < argc) val = argv[++i];
                    else {
                        fprintf(stderr, "click: option '-%c' requires an argument\n", *c);
                        usage(stderr);
                        return 1;
                    }
                }
                switch (*c) {
                case 'q': quiet = true; break;
                case 'e': config_text = val; break;
                case 'f': config_file = val; break;
                case 'h': if (nh < MAX_OPTS) hspecs[nh++] = val; break;
                case 'x': exit_handler = val; break;
                case 'o': outfile = val; break;
                case 'j': break;
                default:
                    fprintf(stderr, "click: unrecognized option '-%c'\n", *c);
                    usage(stderr);
                    return 1;
                }
                if (val) break;
            }
        } else if (!strcmp(a, "-")) {
            config_file = NULL;
        } else if (a[0] != '-' && strchr(a, '=') && isalpha((unsigned char)a[0])) {
            if (nparams < MAX_OPTS) params[nparams++] = a;
        } else if (a[0] != '-' && !config_file && !config_text) {
            config_file = a;
        } else {
            fprintf(stderr, "click: unrecognized option '%s'\n", a);
            usage(stderr);
            return 1;
        }
    }
    params[nparams] = NULL;
    char *text;
    const char *fname = "<expr>";
    if (config_text) {
        text = strdup(config_text);
    } else if (config_file) {
        FILE *f = fopen(config_file, "rb");
        if (!f) {
            fprintf(stderr, "click: %s: %s\n", config_file, strerror(errno));
            return 1;
        }
        text = read_stream(f);
        fclose(f);
        fname = config_file;
    } else {
        text = read_stream(stdin);
        fname = "<stdin>";
    }
    if (!text) return 1;
    if (outfile) {
        FILE *o = strcmp(outfile, "-") ? fopen(outfile, "w") : stdout;
        if (!o) {
            fprintf(stderr, "click: %s: %s\n", outfile, strerror(errno));
            return 1;
        }
        fputs(text, o);
        if (o != stdout) fclose(o);
    }
    sim_now = 1000000000ull;
    click_host host = {&lx_ops, NULL, lx_now, lx_log};
    click_set_file_ops(&fx_ops);
    static char err[65536];
    click_router *r = click_router_create(text, fname, &host, params, err, sizeof err);
    free(text);
    if (!r) {
        print_errors(err);
        return 1;
    }
    click_router_set_output(r, lx_out, NULL);
    while (click_router_step(r)) {
        if (simtime) sim_now += 10000; /* 10 us of simulated time per round */
    }
    fflush(stdout);
    int rc = 0;
    static char buf[1 << 20];
    for (int i = 0; i < nh; i++) {
        if (click_router_read(r, hspecs[i], buf, sizeof buf) < 0) {
            fprintf(stderr, "click: %s\n", buf);
            rc = 1;
            continue;
        }
        if (nh > 1 && !quiet) printf("%s:\n", hspecs[i]);
        size_t l = strlen(buf);
        printf("%s%s", buf, l && buf[l - 1] == '\n' ? "" : "\n");
        if (nh > 1 && !quiet) printf("\n");
    }
    if (exit_handler) {
        if (click_router_read(r, exit_handler, buf, sizeof buf) < 0) {
            fprintf(stderr, "click: %s\n", buf);
            rc = 1;
        } else {
            char *end;
            long v = strtol(buf, &end, 10);
            if (end != buf) rc = (int)v;
            else rc = (!strncmp(buf, "true", 4)) ? 0 : 1;
        }
    }
    fflush(stdout);
    click_router_destroy(r);
    return rc;
}
