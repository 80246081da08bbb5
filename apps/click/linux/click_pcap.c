/* pcap file reading and writing (see click_pcap.h). */
#include "click_pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click.h"
#include "../engine/click_packet.h"

static uint32_t sw32(uint32_t v) {
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

int click_pcap_open_read(click_pcap *pc, const char *path, char *err, size_t errlen) {
    memset(pc, 0, sizeof *pc);
    pc->f = fopen(path, "rb");
    if (!pc->f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    uint32_t h[6];
    if (fread(h, 4, 6, pc->f) != 6) {
        snprintf(err, errlen, "not a pcap file (short header)");
        fclose(pc->f);
        pc->f = NULL;
        return -1;
    }
    uint32_t magic = h[0];
    if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) {
        pc->swapped = false;
    } else if (sw32(magic) == 0xa1b2c3d4u || sw32(magic) == 0xa1b23c4du) {
        pc->swapped = true;
        magic = sw32(magic);
    } else {
        snprintf(err, errlen, "not a pcap file (bad magic)");
        fclose(pc->f);
        pc->f = NULL;
        return -1;
    }
    pc->nsec = magic == 0xa1b23c4du;
    pc->snaplen = pc->swapped ? sw32(h[4]) : h[4];
    pc->linktype = pc->swapped ? sw32(h[5]) : h[5];
    return 0;
}

int click_pcap_open_write(click_pcap *pc, const char *path, uint32_t linktype, char *err,
                          size_t errlen) {
    memset(pc, 0, sizeof *pc);
    pc->f = fopen(path, "wb");
    if (!pc->f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    pc->writing = true;
    pc->nsec = false;
    pc->linktype = linktype;
    pc->snaplen = 65535;
    uint32_t h[6] = {0xa1b2c3d4u, 2 | (4u << 16), 0, 0, 65535, linktype};
    if (fwrite(h, 4, 6, pc->f) != 6) {
        snprintf(err, errlen, "write failed");
        fclose(pc->f);
        pc->f = NULL;
        return -1;
    }
    return 0;
}

int click_pcap_read(click_pcap *pc, uint8_t *buf, uint32_t cap, uint64_t *ts_ns) {
    uint32_t r[4];
    size_t got = fread(r, 4, 4, pc->f);
    if (got == 0) return 0;
    if (got != 4) return -1;
    if (pc->swapped)
        for (int i = 0; i < 4; i++) r[i] = sw32(r[i]);
    uint32_t incl = r[2];
    if (incl > PCAP_MAX_RECORD || incl > cap) return -1;
    if (fread(buf, 1, incl, pc->f) != incl) return -1;
    *ts_ns = (uint64_t)r[0] * 1000000000ull + (pc->nsec ? r[1] : (uint64_t)r[1] * 1000ull);
    return (int)incl;
}

int click_pcap_write(click_pcap *pc, const uint8_t *data, uint32_t len, uint64_t ts_ns) {
    uint32_t r[4] = {(uint32_t)(ts_ns / 1000000000ull), (uint32_t)(ts_ns % 1000000000ull / 1000u),
                     len, len};
    if (fwrite(r, 4, 4, pc->f) != 4 || fwrite(data, 1, len, pc->f) != len) return -1;
    return 0;
}

void click_pcap_close(click_pcap *pc) {
    if (pc->f) fclose(pc->f);
    pc->f = NULL;
}

/* ---- pcap files as Click devices ---- */

typedef struct pcap_dev {
    click_pcap pc;
    bool eof;
    uint8_t *buf;
    const char *warn;
    uint64_t (*now)(void);
} pcap_dev;

int click_pcap_dev_open(const char *path, int kind, int dir, const char *warn, uint64_t (*now)(void), void **devp,
                        char *err, size_t errlen) {
    pcap_dev *d = calloc(1, sizeof *d);
    if (!d) return -ENOMEM;
    d->warn = warn;
    d->now = now;
    int rc;
    if (dir == CLICK_DEV_RX) {
        rc = click_pcap_open_read(&d->pc, path, err, errlen);
        d->buf = malloc(PCAP_MAX_RECORD);
        if (!d->buf) rc = -1;
    } else {
        rc = click_pcap_open_write(&d->pc, path,
                                   (kind & CLICK_DEV_ENCAP_IP) ? PCAP_LINKTYPE_RAW : PCAP_LINKTYPE_ETHERNET,
                                   err, errlen);
    }
    if (rc < 0) {
        click_pcap_dev_close(d);
        return -EIO;
    }
    *devp = d;
    return 0;
}

int click_pcap_dev_recv(void *dev, click_pool *pool, click_packet **pkts, int max) {
    pcap_dev *d = dev;
    if (d->eof) return CLICK_DEV_EOF;
    int n = 0;
    while (n < max) {
        uint64_t ts;
        int len = click_pcap_read(&d->pc, d->buf, PCAP_MAX_RECORD, &ts);
        if (len < 0 && d->warn) fprintf(stderr, "%s: truncated or corrupt pcap record; stopping input\n", d->warn);
        if (len <= 0) {
            d->eof = true;
            break;
        }
        click_packet *p = click_packet_from(pool, d->buf, (uint32_t)len);
        if (!p) break;
        p->timestamp_ns = ts;
        pkts[n++] = p;
    }
    if (n == 0 && d->eof) return CLICK_DEV_EOF;
    return n;
}

int click_pcap_dev_send(void *dev, click_packet *const *pkts, int n) {
    pcap_dev *d = dev;
    for (int i = 0; i < n; i++) {
        uint64_t ts = pkts[i]->timestamp_ns ? pkts[i]->timestamp_ns : d->now();
        if (click_pcap_write(&d->pc, pkts[i]->data, pkts[i]->len, ts) < 0) return i;
    }
    return n;
}

void click_pcap_dev_close(void *dev) {
    pcap_dev *d = dev;
    click_pcap_close(&d->pc);
    free(d->buf);
    free(d);
}
