/* In-memory devices (see click_memdev.h). */
#include "click_memdev.h"

#include <stdlib.h>
#include <string.h>

#include "click_packet.h"

typedef struct frame {
    uint8_t *data;
    uint32_t len;
    uint64_t ts;
} frame;

typedef struct mdev {
    char name[256];
    frame *rx;
    int nrx, caprx, rxpos;
    frame *tx;
    int ntx, captx;
    uint64_t tx_total;
    bool store, live;
    const uint8_t *tmpl;
    uint32_t tlen;
    uint64_t gen_left, gen_i;
    click_memdev_gen gen;
    void *gen_arg;
} mdev;

struct click_memdev {
    mdev **devs;
    int ndevs;
    uint64_t now;
    char *log;
    size_t loglen, logcap;
};

click_memdev *click_memdev_create(void) { return calloc(1, sizeof(click_memdev)); }

static void free_frames(frame *f, int n) {
    for (int i = 0; i < n; i++) free(f[i].data);
}

void click_memdev_clear(click_memdev *m) {
    for (int i = 0; i < m->ndevs; i++) {
        mdev *d = m->devs[i];
        free_frames(d->rx, d->nrx);
        free_frames(d->tx, d->ntx);
        d->nrx = d->rxpos = d->ntx = 0;
        d->tx_total = 0;
        d->gen_left = 0;
    }
}

void click_memdev_destroy(click_memdev *m) {
    if (!m) return;
    click_memdev_clear(m);
    for (int i = 0; i < m->ndevs; i++) {
        free(m->devs[i]->rx);
        free(m->devs[i]->tx);
        free(m->devs[i]);
    }
    free(m->devs);
    free(m->log);
    free(m);
}

static mdev *get(click_memdev *m, const char *name) {
    for (int i = 0; i < m->ndevs; i++)
        if (!strcmp(m->devs[i]->name, name)) return m->devs[i];
    mdev **nd = realloc(m->devs, sizeof *nd * (size_t)(m->ndevs + 1));
    if (!nd) return NULL;
    m->devs = nd;
    mdev *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    strncpy(d->name, name, sizeof d->name - 1);
    d->store = true;
    m->devs[m->ndevs++] = d;
    return d;
}

static int push_frame(frame **arr, int *n, int *cap, const void *data, uint32_t len, uint64_t ts) {
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        frame *na = realloc(*arr, sizeof *na * (size_t)nc);
        if (!na) return -1;
        *arr = na;
        *cap = nc;
    }
    uint8_t *c = malloc(len ? len : 1);
    if (!c) return -1;
    if (len) memcpy(c, data, len);
    (*arr)[*n] = (frame){c, len, ts};
    (*n)++;
    return 0;
}

int click_memdev_add_rx(click_memdev *m, const char *name, const void *data, uint32_t len,
                        uint64_t ts) {
    mdev *d = get(m, name);
    if (!d) return -1;
    return push_frame(&d->rx, &d->nrx, &d->caprx, data, len, ts);
}

int click_memdev_set_generator(click_memdev *m, const char *name, const void *tmpl, uint32_t len,
                               uint64_t count, click_memdev_gen gen, void *arg) {
    mdev *d = get(m, name);
    if (!d) return -1;
    d->tmpl = tmpl;
    d->tlen = len;
    d->gen_left = count;
    d->gen_i = 0;
    d->gen = gen;
    d->gen_arg = arg;
    return 0;
}

void click_memdev_set_store(click_memdev *m, const char *name, bool store) {
    mdev *d = get(m, name);
    if (d) d->store = store;
}

void click_memdev_set_live(click_memdev *m, const char *name, bool live) {
    mdev *d = get(m, name);
    if (d) d->live = live;
}

int click_memdev_tx_count(click_memdev *m, const char *name) {
    mdev *d = get(m, name);
    return d ? d->ntx : 0;
}

uint64_t click_memdev_tx_total(click_memdev *m, const char *name) {
    mdev *d = get(m, name);
    return d ? d->tx_total : 0;
}

const uint8_t *click_memdev_tx(click_memdev *m, const char *name, int i, uint32_t *len) {
    mdev *d = get(m, name);
    if (!d || i < 0 || i >= d->ntx) return NULL;
    *len = d->tx[i].len;
    return d->tx[i].data;
}

void click_memdev_set_time(click_memdev *m, uint64_t now) { m->now = now; }

const char *click_memdev_log(click_memdev *m) { return m->log ? m->log : ""; }

void click_memdev_clear_log(click_memdev *m) {
    m->loglen = 0;
    if (m->log) m->log[0] = 0;
}

/* ---- click_device_ops ---- */

static int md_open(void *ctx, const char *name, int kind, int dir, void **devp, char *err,
                   size_t errlen) {
    (void)kind;
    (void)dir;
    mdev *d = get(ctx, name);
    if (!d) {
        strncpy(err, "out of memory", errlen);
        return -12;
    }
    *devp = d;
    return 0;
}

static int md_recv(void *dev, click_pool *pool, click_packet **pkts, int max) {
    mdev *d = dev;
    int n = 0;
    while (n < max && d->gen_left) {
        click_packet *p = click_packet_alloc(pool, d->tlen);
        if (!p) break;
        memcpy(p->data, d->tmpl, d->tlen);
        if (d->gen) d->gen(p->data, d->tlen, d->gen_i, d->gen_arg);
        d->gen_i++;
        d->gen_left--;
        pkts[n++] = p;
    }
    while (n < max && d->rxpos < d->nrx) {
        frame *f = &d->rx[d->rxpos];
        click_packet *p = click_packet_from(pool, f->data, f->len);
        if (!p) break;
        p->timestamp_ns = f->ts;
        d->rxpos++;
        pkts[n++] = p;
    }
    if (n == 0 && !d->live) return CLICK_DEV_EOF;
    return n;
}

static int md_send(void *dev, click_packet *const *pkts, int n) {
    mdev *d = dev;
    for (int i = 0; i < n; i++) {
        if (d->store && push_frame(&d->tx, &d->ntx, &d->captx, pkts[i]->data, pkts[i]->len,
                                   pkts[i]->timestamp_ns) < 0)
            return i;
        d->tx_total++;
    }
    return n;
}

static void md_close(void *dev) { (void)dev; }

static const click_device_ops md_ops = {md_open, md_recv, md_send, md_close};

static uint64_t md_now(void *ctx) { return ((click_memdev *)ctx)->now; }

static void md_log(void *ctx, const char *line) {
    click_memdev *m = ctx;
    size_t l = strlen(line);
    if (m->loglen + l + 2 > m->logcap) {
        size_t nc = m->logcap ? m->logcap * 2 : 1024;
        while (nc < m->loglen + l + 2) nc *= 2;
        char *nb = realloc(m->log, nc);
        if (!nb) return;
        m->log = nb;
        m->logcap = nc;
    }
    memcpy(m->log + m->loglen, line, l);
    m->loglen += l;
    m->log[m->loglen++] = '\n';
    m->log[m->loglen] = 0;
}

void click_memdev_host(click_memdev *m, click_host *h) {
    h->dev = &md_ops;
    h->ctx = m;
    h->now_ns = md_now;
    h->log = md_log;
}
