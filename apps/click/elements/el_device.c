/* Device elements: FromDevice, FromDump (sources) and ToDevice, ToDump
 * (sinks). All four go through the host's device interface (click.h):
 * FromDevice/ToDevice name a device, FromDump/ToDump name a pcap file; the
 * engine never touches files or sockets itself.
 *
 *   FromDevice(DEVNAME [, BURST n, ACTIVE b])   0/1, push source task
 *   FromDump(FILENAME [, BURST n, STOP b, ACTIVE b, TIMING b]) likewise
 *   ToDevice(DEVNAME [, BURST n])               1/0, agnostic input
 *   ToDump(FILENAME [, BURST n, SNAPLEN n, ENCAP ETHER|IP])
 * A push-mode sink batches packets and flushes when the batch is full and
 * at the end of every driver round; a pull-mode sink pulls up to BURST
 * packets per round. Handlers: count (both), drops (sinks), reset. */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"

#define MAX_BURST 256

typedef struct devel {
    click_element e;
    char devname[256];
    int kind;
    int burst;
    bool active;
    void *dev;
    uint64_t count, drops;
    int npending;
    click_packet *pending[MAX_BURST];
} devel;

static int dev_configure(click_element *e, click_args *a, click_errh *errh, int kind) {
    devel *d = (devel *)e;
    d->kind = kind;
    d->burst = 32;
    d->active = true;
    const char *v;
    unsigned long long u;
    bool b;
    if ((v = click_args_kw(a, "BURST"))) {
        if (click_parse_uint(v, &u) < 0 || u == 0 || u > MAX_BURST) {
            click_errh_here(errh, "BURST must be an integer between 1 and %d", MAX_BURST);
            return -1;
        }
        d->burst = (int)u;
    }
    if ((v = click_args_kw(a, "ACTIVE")) && click_parse_bool(v, &d->active) < 0) {
        click_errh_here(errh, "ACTIVE must be a boolean");
        return -1;
    }
    /* Accepted for compatibility; the driver always ends when every source
     * is exhausted and queues have drained. */
    if ((v = click_args_kw(a, "STOP")) && click_parse_bool(v, &b) < 0) {
        click_errh_here(errh, "STOP must be a boolean");
        return -1;
    }
    if ((v = click_args_kw(a, "TIMING")) && click_parse_bool(v, &b) < 0) {
        click_errh_here(errh, "TIMING must be a boolean");
        return -1;
    }
    if ((v = click_args_kw(a, "SNAPLEN")) && click_parse_uint(v, &u) < 0) {
        click_errh_here(errh, "SNAPLEN must be an integer");
        return -1;
    }
    if ((v = click_args_kw(a, "ENCAP"))) {
        if (!strcmp(v, "IP")) d->kind |= CLICK_DEV_ENCAP_IP;
        else if (strcmp(v, "ETHER") != 0) {
            click_errh_here(errh, "ENCAP must be ETHER or IP");
            return -1;
        }
    }
    const char *name = click_args_next(a);
    if (!name || click_parse_string(name, d->devname, sizeof d->devname) < 0 || !d->devname[0]) {
        click_errh_here(errh, "expected %s", (kind & 0xff) == CLICK_DEV_KIND_DUMP ? "FILENAME" : "DEVNAME");
        return -1;
    }
    return click_args_done(a);
}

static int conf_device(click_element *e, click_args *a, click_errh *errh) {
    return dev_configure(e, a, errh, CLICK_DEV_KIND_DEVICE);
}
static int conf_dump(click_element *e, click_args *a, click_errh *errh) {
    return dev_configure(e, a, errh, CLICK_DEV_KIND_DUMP);
}

static int dev_open(click_element *e, click_errh *errh, int dir) {
    devel *d = (devel *)e;
    const click_host *h = e->host;
    if (!h->dev || !h->dev->open) {
        click_errh_here(errh, "no device layer available for '%s'", d->devname);
        return -1;
    }
    char msg[256] = "";
    int rc = h->dev->open(h->ctx, d->devname, d->kind, dir, &d->dev, msg, sizeof msg);
    if (rc < 0) {
        click_errh_here(errh, "cannot open '%s': %s", d->devname, msg[0] ? msg : "error");
        d->dev = NULL;
        return -1;
    }
    return 0;
}

static int init_rx(click_element *e, click_errh *errh) { return dev_open(e, errh, CLICK_DEV_RX); }
static int init_tx(click_element *e, click_errh *errh) { return dev_open(e, errh, CLICK_DEV_TX); }

static void dev_cleanup(click_element *e) {
    devel *d = (devel *)e;
    for (int i = 0; i < d->npending; i++) click_packet_kill(d->pending[i]);
    d->npending = 0;
    if (d->dev && e->host->dev->close) e->host->dev->close(d->dev);
    d->dev = NULL;
}

static int rx_task(click_element *e) {
    devel *d = (devel *)e;
    if (!d->active) return 0;
    click_packet *pkts[MAX_BURST];
    int n = e->host->dev->recv_batch(d->dev, click_element_pool(e), pkts, d->burst);
    if (n == CLICK_DEV_EOF || n < 0) return CLICK_TASK_DONE;
    for (int i = 0; i < n; i++) {
        click_packet *p = pkts[i];
        p->mac_off = (int32_t)(p->data - p->head);
        d->count++;
        click_output_push(e, 0, p);
    }
    return n;
}

static void tx_flush(devel *d) {
    if (!d->npending) return;
    int sent = d->e.host->dev->send_batch(d->dev, d->pending, d->npending);
    if (sent < 0) sent = 0;
    if (sent > d->npending) sent = d->npending;
    d->count += (uint64_t)sent;
    d->drops += (uint64_t)(d->npending - sent);
    for (int i = 0; i < d->npending; i++) click_packet_kill(d->pending[i]);
    d->npending = 0;
}

static void tx_push(click_element *e, int port, click_packet *p) {
    (void)port;
    devel *d = (devel *)e;
    d->pending[d->npending++] = p;
    if (d->npending >= d->burst) tx_flush(d);
}

static int tx_task(click_element *e) {
    devel *d = (devel *)e;
    int n = d->npending;
    if (click_input_is_pull(e, 0)) {
        while (d->npending < d->burst) {
            click_packet *p = click_input_pull(e, 0);
            if (!p) break;
            d->pending[d->npending++] = p;
            n++;
        }
    }
    tx_flush(d);
    return n;
}

static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((devel *)e)->count);
}
static void h_drops(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((devel *)e)->drops);
}
static int h_reset(click_element *e, const char *v, click_errh *errh) {
    (void)v;
    (void)errh;
    ((devel *)e)->count = ((devel *)e)->drops = 0;
    return 0;
}
static int h_active(click_element *e, const char *v, click_errh *errh) {
    if (click_parse_bool(v, &((devel *)e)->active) < 0) {
        click_errh_at(errh, 0, 0, "active: expected boolean");
        return -1;
    }
    return 0;
}

static const click_handler rx_handlers[] = {
    {"count", h_count, NULL}, {"reset", NULL, h_reset}, {"active", NULL, h_active}, {NULL, NULL, NULL}};
static const click_handler tx_handlers[] = {
    {"count", h_count, NULL}, {"drops", h_drops, NULL}, {"reset", NULL, h_reset}, {NULL, NULL, NULL}};

const click_element_class click_class_FromDevice = {
    .name = "FromDevice", .ports = "0/1", .processing = "/h", .size = sizeof(devel),
    .configure = conf_device, .initialize = init_rx, .cleanup = dev_cleanup,
    .run_task = rx_task, .is_source = true, .handlers = rx_handlers};
const click_element_class click_class_FromDump = {
    .name = "FromDump", .ports = "0/1", .processing = "/h", .size = sizeof(devel),
    .configure = conf_dump, .initialize = init_rx, .cleanup = dev_cleanup,
    .run_task = rx_task, .is_source = true, .handlers = rx_handlers};
const click_element_class click_class_ToDevice = {
    .name = "ToDevice", .ports = "1/0", .processing = "a/", .size = sizeof(devel),
    .configure = conf_device, .initialize = init_tx, .cleanup = dev_cleanup,
    .push = tx_push, .run_task = tx_task, .handlers = tx_handlers};
const click_element_class click_class_ToDump = {
    .name = "ToDump", .ports = "1/0", .processing = "a/", .size = sizeof(devel),
    .configure = conf_dump, .initialize = init_tx, .cleanup = dev_cleanup,
    .push = tx_push, .run_task = tx_task, .handlers = tx_handlers};
