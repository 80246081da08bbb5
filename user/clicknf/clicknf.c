/* clicknf: a Click configuration run as a featherweight process (a network
 * function FWP). See docs/clicknf.md.
 *
 *   clicknf [--allow-fault] NAME [VAR=VALUE ...]   a configuration built into the program
 *   clicknf [--allow-fault] [--name FILE] -e TEXT ... the configuration is the remaining
 *                                                  arguments joined by spaces (FILE: its
 *                                                  name in messages, "-e" if not given)
 *
 * The template parses, configures and initialises the router, declares its
 * inbox, then checkpoints: every fork starts with the graph ready. Each
 * fork is activated with CLICKNF_ARG(send channel, notification)
 * (clicknf_proto.h). Receive elements (FromDevice, FromDump) read the
 * inbox; send elements (ToDevice, ToDump) send on the send channel; the
 * device and file names in the configuration are only labels. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgeos.h"
#include "eos_service.h"
#include "click.h"
#include "click_element.h"
#include "click_packet.h"
#include "clicknf_proto.h"
#include "clicknf_configs.h"

#define INBOX_SLOTS 128
#define TX_MAX 256
#define SEND_PATIENCE_NS 1000000000ull  /* a full receiver ring: yield and retry this long, then drop */

struct nf_dev {
    int dir;
    char name[64];
};

static struct eos_service svc;       /* the inbox ring and the activation's capabilities */
static click_router *router;
static int allow_fault;
static uint64_t tx_dropped, faults_ignored;

/* ---- the device layer ---- */

static int nf_open(void *ctx, const char *name, int kind, int dir, void **devp, char *err, size_t errlen)
{
    (void)ctx;
    (void)kind;
    struct nf_dev *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    d->dir = dir;
    snprintf(d->name, sizeof d->name, "%s", name);
    *devp = d;
    return 0;
}

static const struct eos_chan_slot *slot_at(uint32_t i)
{
    struct eos_chan_ring *ring = svc.ring;
    return (const struct eos_chan_slot *)((const uint8_t *)ring + sizeof *ring +
                                          (size_t)(i % ring->nslots) * EOS_CHAN_SLOT);
}

/* Frames up to the first control slot; when none is left (or a control
 * slot is next) the source reports the end, so the router finishes its
 * round of work and the main loop takes over. */
static int nf_recv(void *dev, click_pool *pool, click_packet **pkts, int max)
{
    (void)dev;
    struct eos_chan_ring *ring = svc.ring;
    uint32_t cons = ring->cons;
    uint32_t prod = __atomic_load_n(&ring->prod, __ATOMIC_ACQUIRE);
    int n = 0;
    if (ring->nslots == 0)
        return CLICK_DEV_EOF;
    while (n < max && cons != prod) {
        const struct eos_chan_slot *sl = slot_at(cons);
        if (sl->meta != CLICKNF_META_FRAME)
            break;
        uint32_t len = sl->len <= EOS_CHAN_DATA ? sl->len : EOS_CHAN_DATA;
        click_packet *p = click_packet_from(pool, sl->data, len);
        if (!p)
            break;                          /* pool empty: try again next round */
        pkts[n++] = p;
        cons++;
    }
    __atomic_store_n(&ring->cons, cons, __ATOMIC_RELEASE);
    return n ? n : CLICK_DEV_EOF;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The kernel copies each buffer during the send, so the descriptors point
 * straight at the packets' data. A full receiver ring is back-pressure:
 * the instance yields and retries (its own inbox fills meanwhile, which
 * pushes back on whoever feeds it) and drops only after SEND_PATIENCE_NS
 * without progress; a dead receiver (an error) drops at once. */
static int send_descs(struct eos_chan_desc *d, int n)
{
    int done = 0;
    uint64_t since = 0;
    while (done < n) {
        long r = eos_chan_send(svc.reply_chan, d + done, n - done);
        if (r < 0)
            break;
        done += (int)r;
        if (done == n)
            break;
        uint64_t t = now_ns();
        if (r > 0 || !since)
            since = t;
        else if (t - since > SEND_PATIENCE_NS)
            break;
        eos_sleep_ns(0);                    /* let the receiver drain its ring */
    }
    return done;
}

static int nf_send(void *dev, click_packet *const *pkts, int n)
{
    (void)dev;
    if (svc.reply_chan < 0) {
        tx_dropped += (uint64_t)n;
        return 0;
    }
    struct eos_chan_desc d[TX_MAX];
    int sent = 0;
    while (sent < n) {
        int k = 0;
        for (; k < TX_MAX && sent + k < n; k++) {
            const click_packet *p = pkts[sent + k];
            uint32_t len = p->len <= EOS_CHAN_DATA ? p->len : EOS_CHAN_DATA;
            d[k] = (struct eos_chan_desc){ (uint64_t)(uintptr_t)p->data, len, CLICKNF_META_FRAME, 0 };
        }
        int r = send_descs(d, k);
        sent += r;
        if (r < k)
            break;
    }
    tx_dropped += (uint64_t)(n - sent);
    return sent;
}

static void nf_close(void *dev) { free(dev); }

static uint64_t nf_now(void *ctx)
{
    (void)ctx;
    return now_ns();
}

static void nf_log(void *ctx, const char *line)
{
    (void)ctx;
    printf("clicknf: %s\n", line);
}

static const click_device_ops nf_ops = { nf_open, nf_recv, nf_send, nf_close };

/* ---- control slots ---- */

static char stats_out[EOS_CHAN_DATA];
static size_t stats_len;

static void stats_flush(int last)
{
    struct eos_chan_desc d = { (uint64_t)(uintptr_t)stats_out, (uint32_t)stats_len, CLICKNF_META_STATS, (uint64_t)last };
    if (svc.reply_chan >= 0)
        send_descs(&d, 1);
    stats_len = 0;
}

static void stats_line(const char *spec, const char *value)
{
    char line[512];
    int l = snprintf(line, sizeof line, "%s=%s\n", spec, value);
    if (l < 0)
        return;
    if ((size_t)l >= sizeof line)
        l = sizeof line - 1;
    if (stats_len + (size_t)l > sizeof stats_out)
        stats_flush(0);
    memcpy(stats_out + stats_len, line, (size_t)l);
    stats_len += (size_t)l;
}

static void stats_one(const char *spec)
{
    char buf[1024];
    if (click_router_read(router, spec, buf, sizeof buf) < 0) {
        stats_line(spec, "ERROR");
        return;
    }
    for (char *c = buf; *c; c++)
        if (*c == '\n')
            *c = ' ';
    stats_line(spec, buf);
}

static void stats_answer(const uint8_t *data, uint32_t len)
{
    char req[EOS_CHAN_DATA + 1];
    memcpy(req, data, len);
    req[len] = 0;
    int any = 0;
    for (char *save = NULL, *tok = strtok_r(req, " \n\t", &save); tok; tok = strtok_r(NULL, " \n\t", &save)) {
        stats_one(tok);
        any = 1;
    }
    if (!any) {
        int n = click_router_nelements(router);
        for (int i = 0; i < n; i++) {
            click_element *e = click_router_element(router, i);
            for (const click_handler *h = e->cls->handlers; h && h->name; h++) {
                if (!h->read)
                    continue;
                char buf[1024], spec[320];
                h->read(e, buf, sizeof buf);
                if (strchr(buf, '\n'))
                    continue;
                snprintf(spec, sizeof spec, "%s.%s", e->name, h->name);
                stats_line(spec, buf);
            }
        }
        char v[32];
        snprintf(v, sizeof v, "%llu", (unsigned long long)tx_dropped);
        stats_line("clicknf.tx_dropped", v);
        snprintf(v, sizeof v, "%llu", (unsigned long long)svc.ring->dropped);
        stats_line("clicknf.inbox_dropped", v);
    }
    stats_flush(1);
}

/* The control slot at the head of the inbox, if any: handled and consumed. */
static int control_slot(void)
{
    struct eos_chan_ring *ring = svc.ring;
    uint32_t cons = ring->cons;
    if (ring->nslots == 0 || cons == __atomic_load_n(&ring->prod, __ATOMIC_ACQUIRE))
        return 0;
    const struct eos_chan_slot *sl = slot_at(cons);
    if (sl->meta == CLICKNF_META_FRAME)
        return 0;
    uint32_t len = sl->len <= EOS_CHAN_DATA ? sl->len : EOS_CHAN_DATA;
    if (sl->meta == CLICKNF_META_STATS) {
        stats_answer(sl->data, len);
    } else if (sl->meta == CLICKNF_META_FAULT && allow_fault) {
        printf("clicknf: fwp %ld: fault requested, writing through a null pointer\n", svc.id);
        fflush(stdout);
        volatile int *volatile p = NULL;
        *p = 1;
    } else {
        faults_ignored++;
    }
    __atomic_store_n(&ring->cons, cons + 1, __ATOMIC_RELEASE);
    return 1;
}

static int inbox_empty(void)
{
    return svc.ring->nslots == 0 || svc.ring->cons == __atomic_load_n(&svc.ring->prod, __ATOMIC_ACQUIRE);
}

/* ---- the program ---- */

static void usage(void)
{
    fprintf(stderr, "usage: clicknf [--allow-fault] NAME [VAR=VALUE ...]\n"
                    "       clicknf [--allow-fault] [--name FILE] -e CONFIG-TEXT ...\n"
                    "built-in configurations:");
    for (const struct clicknf_builtin *b = clicknf_builtins; b->name; b++)
        fprintf(stderr, " %s", b->name);
    fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--allow-fault")) {
        allow_fault = 1;
        i++;
    }
    const char *ename = "-e";
    if (i + 2 < argc && !strcmp(argv[i], "--name") && !strcmp(argv[i + 2], "-e")) {
        ename = argv[i + 1];
        i += 2;
    }
    if (i >= argc) {
        usage();
        return 2;
    }
    const char *fname;
    char *text;
    const char *params[64];
    int np = 0;
    if (!strcmp(argv[i], "-e")) {
        size_t n = 1;
        for (int j = i + 1; j < argc; j++)
            n += strlen(argv[j]) + 1;
        text = malloc(n);
        if (!text)
            return 1;
        text[0] = 0;
        for (int j = i + 1; j < argc; j++) {
            if (j > i + 1)
                strcat(text, " ");
            strcat(text, argv[j]);
        }
        fname = ename;
    } else {
        const struct clicknf_builtin *b = clicknf_builtins;
        while (b->name && strcmp(b->name, argv[i]) != 0)
            b++;
        if (!b->name) {
            fprintf(stderr, "clicknf: no built-in configuration '%s'\n", argv[i]);
            usage();
            return 2;
        }
        text = strdup(b->text);
        fname = b->name;
        for (int j = i + 1; j < argc && np < 63; j++) {
            if (!strchr(argv[j], '=')) {
                usage();
                return 2;
            }
            params[np++] = argv[j];
        }
    }
    params[np] = NULL;

    /* The inbox first: the device layer reads it from the first round on. */
    if (eos_service_init(&svc, INBOX_SLOTS) < 0) {
        fprintf(stderr, "clicknf: cannot declare the inbox\n");
        return 1;
    }
    static const click_host host = { &nf_ops, NULL, nf_now, nf_log };
    static char err[8192];
    router = click_router_create(text, fname, &host, params, err, sizeof err);
    free(text);
    if (!router) {
        for (char *save = NULL, *l = strtok_r(err, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            printf("clicknf: %s\n", l);
        printf("clicknf: configuration '%s' rejected; not checkpointing\n", fname);
        return 1;
    }
    printf("clicknf: configuration '%s' ready (%d elements)\n", fname, click_router_nelements(router));
    fflush(stdout);

    int r = eos_service_start(&svc);       /* every fork resumes here, graph ready */
    if (r < 0) {
        fprintf(stderr, "clicknf: checkpoint failed (%d)\n", r);
        return 1;
    }
    if (r > 0 || svc.ntfn < 0)
        return 0;                           /* forked without channels: nothing to serve */
    for (;;) {
        click_router_resume(router);
        click_router_run(router, 0);        /* until the inbox is empty or a control slot is next */
        if (control_slot())
            continue;
        if (inbox_empty())
            eos_wait(svc.ntfn);             /* the kernel signals after each send into the inbox */
    }
}
