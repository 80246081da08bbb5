/* click-run: runs a Click configuration on Linux.
 *
 *   click-run CONFIG [options]
 *     -e TEXT              use TEXT as the configuration instead of a file
 *     --param NAME=VALUE   value for $NAME (overrides define())
 *     --read ELEM.HANDLER  print this handler's value at exit (repeatable)
 *     --in NAME=FILE       FromDevice(NAME) reads pcap FILE
 *     --out NAME=FILE      ToDevice(NAME) writes pcap FILE
 *     --max-rounds N       stop after N driver rounds
 * FromDump/ToDump name pcap files directly. Print output and element
 * messages go to stderr. Exits 1 with the parser's messages on a bad
 * configuration, 2 on a usage error. Handler values are printed as
 * "elem.handler: value" (multi-line values start on the next line). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../engine/click.h"
#include "../engine/click_packet.h"
#include "click_pcap.h"

#define MAX_OPTS 256

typedef struct host_ctx {
    const char *in_name[MAX_OPTS], *in_file[MAX_OPTS];
    int nin;
    const char *out_name[MAX_OPTS], *out_file[MAX_OPTS];
    int nout;
} host_ctx;

/* Timestamps of packets written without one. */
static uint64_t realtime_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static const char *map(host_ctx *h, const char *name, int dir) {
    const char **names = dir == CLICK_DEV_RX ? h->in_name : h->out_name;
    const char **files = dir == CLICK_DEV_RX ? h->in_file : h->out_file;
    int n = dir == CLICK_DEV_RX ? h->nin : h->nout;
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return files[i];
    return NULL;
}

static int lx_open(void *ctx, const char *name, int kind, int dir, void **devp, char *err,
                   size_t errlen) {
    host_ctx *h = ctx;
    const char *path = name;
    if ((kind & 0xff) == CLICK_DEV_KIND_DEVICE) {
        path = map(h, name, dir);
        if (!path) {
            snprintf(err, errlen, "no device '%s' (map it with --%s %s=FILE.pcap)", name,
                     dir == CLICK_DEV_RX ? "in" : "out", name);
            return -ENODEV;
        }
    }
    return click_pcap_dev_open(path, kind, dir, "click-run", realtime_now, devp, err, errlen);
}

static uint64_t lx_now(void *ctx) {
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void lx_log(void *ctx, const char *line) {
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

static const click_device_ops lx_ops = {lx_open, click_pcap_dev_recv, click_pcap_dev_send, click_pcap_dev_close};

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf) buf[n] = 0;
    return buf;
}

static void usage(void) {
    fprintf(stderr,
            "usage: click-run CONFIG [--param NAME=VALUE] [--read ELEM.HANDLER] [--in NAME=FILE]\n"
            "                 [--out NAME=FILE] [--max-rounds N]\n"
            "       click-run -e CONFIG-TEXT [options]\n");
}

static int split_opt(const char *arg, const char **name, const char **val) {
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) return -1;
    size_t l = (size_t)(eq - arg);
    char *n = malloc(l + 1);
    if (!n) return -1;
    memcpy(n, arg, l);
    n[l] = 0;
    *name = n;
    *val = eq + 1;
    return 0;
}

int main(int argc, char **argv) {
    static host_ctx hc;
    const char *params[MAX_OPTS + 1];
    const char *reads[MAX_OPTS];
    int nparams = 0, nreads = 0;
    const char *config_file = NULL, *config_text = NULL;
    unsigned long long max_rounds = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (!strcmp(a, "-e") && v) {
            config_text = v;
            i++;
        } else if ((!strcmp(a, "--param") || !strcmp(a, "-p")) && v && nparams < MAX_OPTS) {
            params[nparams++] = v;
            i++;
        } else if ((!strcmp(a, "--read") || !strcmp(a, "-r")) && v && nreads < MAX_OPTS) {
            reads[nreads++] = v;
            i++;
        } else if (!strcmp(a, "--in") && v && hc.nin < MAX_OPTS) {
            if (split_opt(v, &hc.in_name[hc.nin], &hc.in_file[hc.nin]) < 0) {
                usage();
                return 2;
            }
            hc.nin++;
            i++;
        } else if (!strcmp(a, "--out") && v && hc.nout < MAX_OPTS) {
            if (split_opt(v, &hc.out_name[hc.nout], &hc.out_file[hc.nout]) < 0) {
                usage();
                return 2;
            }
            hc.nout++;
            i++;
        } else if (!strcmp(a, "--max-rounds") && v) {
            max_rounds = strtoull(v, NULL, 10);
            i++;
        } else if (a[0] != '-' && !config_file && !config_text) {
            config_file = a;
        } else if (a[0] != '-' && strchr(a, '=') && nparams < MAX_OPTS) {
            params[nparams++] = a; /* NAME=VALUE shorthand */
        } else {
            usage();
            return 2;
        }
    }
    params[nparams] = NULL;
    char *text = NULL;
    const char *fname = "<command line>";
    if (config_text) {
        text = strdup(config_text);
    } else if (config_file) {
        text = read_file(config_file);
        fname = config_file;
        if (!text) {
            fprintf(stderr, "click-run: %s: %s\n", config_file, strerror(errno));
            return 1;
        }
    } else {
        usage();
        return 2;
    }
    click_host host = {&lx_ops, &hc, lx_now, lx_log};
    static char err[65536];
    click_router *r = click_router_create(text, fname, &host, params, err, sizeof err);
    free(text);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    click_router_run(r, max_rounds);
    int rc = 0;
    static char buf[1 << 20];
    for (int i = 0; i < nreads; i++) {
        if (click_router_read(r, reads[i], buf, sizeof buf) < 0) {
            fprintf(stderr, "click-run: %s\n", buf);
            rc = 1;
            continue;
        }
        if (strchr(buf, '\n')) printf("%s:\n%s\n", reads[i], buf);
        else printf("%s: %s\n", reads[i], buf);
    }
    click_router_destroy(r);
    for (int i = 0; i < hc.nin; i++) free((void *)hc.in_name[i]);
    for (int i = 0; i < hc.nout; i++) free((void *)hc.out_name[i]);
    return rc;
}
