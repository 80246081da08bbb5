/*
 * mcload - open-loop memcached load generator (text protocol, UDP or TCP).
 *
 * Requests are sent at scheduled times (Poisson arrivals at --rate per
 * second in total), independently of replies; latency is measured from the
 * scheduled send time, so a server that falls behind shows the queueing it
 * causes (no coordinated omission). Load is spread uniformly over --instances
 * servers on ports base..base+N-1 of one host; UDP uses one socket per
 * instance, TCP one connection per instance, all in one epoll set.
 *
 *   mcload --proto udp --port 21000 --instances 100 --rate 50000 \
 *          --duration 10 --warmup 2 --csv out.csv --label memcached
 *
 * Output: a text summary on stdout and, with --csv, one CSV row (a header
 * is written when the file is new). With --cdf FILE, the latency CDF of the
 * requests completed in the measured interval is appended to FILE as rows
 * label,proto,instances,quantile,latency_us (quantiles 0.00..0.99 in steps
 * of 0.01, then 0.995, 0.999, 0.9999 and 1.00; 0.00 is the minimum, the
 * others the nearest rank, the same definition as the CSV's percentiles), plus one row with quantile "lost"
 * whose latency_us column is the fraction of the measured interval's sent
 * requests that timed out (they are not in the CDF).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 4096              /* outstanding UDP requests per instance */
#define RING (1u << 22)         /* outstanding requests overall */

typedef struct req {
    int64_t t_sched;            /* ns */
    uint32_t inst;
    uint16_t rid;
    uint8_t live, is_get;
} req;

typedef struct inst {
    int fd;
    uint16_t next_rid;
    uint32_t slot[SLOTS];       /* ring index + 1 of the request using rid % SLOTS */
    /* TCP */
    char *in;
    size_t inlen, incap;
    char *out;
    size_t outlen, outcap;
    uint32_t *fifo;             /* ring indexes in send order */
    size_t fhead, ftail, fcap;
    bool want_out;
} inst;

static struct {
    const char *host, *csv, *cdf, *label;
    int udp, port, ninst, keys, key_size, value_size, duration, warmup, timeout_ms, preload;
    double rate, get_ratio;
    unsigned seed;
} opt = {"127.0.0.1", NULL, NULL, "", 1, 11211, 1, 1000, 10, 32, 10, 2, 1000, 1, 10000, 0.95, 1};

static inst *insts;
static req *ring;
static uint64_t rhead, rtail;   /* [rhead, rtail) possibly outstanding */
static int64_t t_start, t_measure, t_end;
static uint64_t sent, sent_measured, done_measured, timeouts, errors, misses, send_fail;
static uint64_t *lat;
static size_t nlat, caplat;
static int epfd;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }
static double rnd01(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static int keyname(char *p, uint32_t k)
{
    return sprintf(p, "key:%0*u", opt.key_size > 4 ? opt.key_size - 4 : 1, k);
}

static void record(req *r, int64_t t)
{
    if (r->t_sched < t_measure || r->t_sched >= t_end)
        return;
    done_measured++;
    if (nlat == caplat) {
        caplat = caplat ? caplat * 2 : 1 << 20;
        lat = realloc(lat, caplat * sizeof(*lat));
    }
    lat[nlat++] = (uint64_t)(t - r->t_sched);
}

static void complete(uint32_t ri, bool ok, bool miss, int64_t t)
{
    req *r = &ring[ri % RING];
    if (!r->live)
        return;
    r->live = 0;
    if (!ok) {
        if (r->t_sched >= t_measure && r->t_sched < t_end)
            errors++;
        return;
    }
    if (miss && r->t_sched >= t_measure && r->t_sched < t_end)
        misses++;
    record(r, t);
}

static void expire(int64_t t)
{
    int64_t limit = t - (int64_t)opt.timeout_ms * 1000000;
    while (rhead < rtail) {
        req *r = &ring[rhead % RING];
        if (r->live) {
            if (r->t_sched > limit)
                break;
            r->live = 0;
            if (r->t_sched >= t_measure && r->t_sched < t_end)
                timeouts++;
        }
        rhead++;
    }
}

static int build(char *p, bool get, uint32_t key)
{
    int n;
    if (get) {
        n = sprintf(p, "get ");
        n += keyname(p + n, key);
        memcpy(p + n, "\r\n", 2);
        return n + 2;
    }
    n = sprintf(p, "set ");
    n += keyname(p + n, key);
    n += sprintf(p + n, " 0 0 %d\r\n", opt.value_size);
    memset(p + n, 'v', (size_t)opt.value_size);
    n += opt.value_size;
    memcpy(p + n, "\r\n", 2);
    return n + 2;
}

static void tcp_events(inst *in)
{
    bool want = in->outlen > 0;
    if (want == in->want_out)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = in};
    epoll_ctl(epfd, EPOLL_CTL_MOD, in->fd, &ev);
    in->want_out = want;
}

static void tcp_flush(inst *in)
{
    while (in->outlen) {
        ssize_t n = send(in->fd, in->out, in->outlen, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        memmove(in->out, in->out + n, in->outlen - (size_t)n);
        in->outlen -= (size_t)n;
    }
    tcp_events(in);
}

static void send_one(int64_t t_sched)
{
    uint32_t i = (uint32_t)(rnd() % (uint64_t)opt.ninst);
    inst *in = &insts[i];
    bool get = rnd01() < opt.get_ratio;
    uint32_t key = (uint32_t)(rnd() % (uint64_t)opt.keys);
    static char buf[1 << 17];
    if (rtail - rhead >= RING) {            /* too many outstanding: count as a send failure */
        send_fail++;
        return;
    }
    uint32_t ri = (uint32_t)(rtail % RING);
    req *r = &ring[ri];
    r->t_sched = t_sched;
    r->inst = i;
    r->is_get = get;
    r->live = 1;
    rtail++;
    sent++;
    if (t_sched >= t_measure && t_sched < t_end)
        sent_measured++;
    if (opt.udp) {
        uint16_t rid = in->next_rid++;
        r->rid = rid;
        uint32_t old = in->slot[rid % SLOTS];
        if (old && ring[(old - 1) % RING].live && ring[(old - 1) % RING].inst == i &&
            ring[(old - 1) % RING].rid % SLOTS == rid % SLOTS) {
            /* slot reused while still outstanding: the old one timed out */
            ring[(old - 1) % RING].live = 0;
            timeouts++;
        }
        in->slot[rid % SLOTS] = ri + 1;
        buf[0] = (char)(rid >> 8);
        buf[1] = (char)rid;
        buf[2] = buf[3] = 0;
        buf[4] = 0;
        buf[5] = 1;
        buf[6] = buf[7] = 0;
        int n = build(buf + 8, get, key);
        if (send(in->fd, buf, (size_t)n + 8, MSG_DONTWAIT) < 0) {
            r->live = 0;
            send_fail++;
        }
    } else {
        int n = build(buf, get, key);
        if (in->outlen + (size_t)n > in->outcap) {
            in->outcap = (in->outlen + (size_t)n) * 2;
            in->out = realloc(in->out, in->outcap);
        }
        memcpy(in->out + in->outlen, buf, (size_t)n);
        in->outlen += (size_t)n;
        if (in->ftail - in->fhead == in->fcap) {
            size_t nc = in->fcap ? in->fcap * 2 : 1024;
            uint32_t *nf = malloc(nc * sizeof(*nf));
            for (size_t k = 0; k < in->fcap; k++)
                nf[k] = in->fifo[(in->fhead + k) % in->fcap];
            free(in->fifo);
            in->fifo = nf;
            in->ftail = in->ftail - in->fhead;
            in->fhead = 0;
            in->fcap = nc;
        }
        in->fifo[in->ftail++ % in->fcap] = ri;
        tcp_flush(in);
    }
}

static void udp_read(inst *in, int64_t t)
{
    char buf[2048];
    for (;;) {
        ssize_t n = recv(in->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 8)
            return;
        uint16_t rid = (uint16_t)((unsigned char)buf[0] << 8 | (unsigned char)buf[1]);
        unsigned seq = (unsigned char)buf[2] << 8 | (unsigned char)buf[3];
        unsigned tot = (unsigned char)buf[4] << 8 | (unsigned char)buf[5];
        if (tot > 1 && seq + 1 != tot)
            continue;           /* count a multi-datagram reply on its last part */
        uint32_t s = in->slot[rid % SLOTS];
        if (!s)
            continue;
        req *r = &ring[(s - 1) % RING];
        if (!r->live || r->rid != rid || &insts[r->inst] != in)
            continue;           /* late reply to a request already timed out */
        const char *p = buf + 8;
        bool ok, miss = false;
        if (r->is_get) {
            ok = (n - 8 >= 5 && memcmp(p, "VALUE", 5) == 0) || (n - 8 >= 3 && memcmp(p, "END", 3) == 0);
            miss = ok && p[0] == 'E';
        } else {
            ok = n - 8 >= 6 && memcmp(p, "STORED", 6) == 0;
        }
        complete(s - 1, ok, miss, t);
    }
}

static void tcp_read(inst *in, int64_t t)
{
    for (;;) {
        if (in->incap - in->inlen < 65536) {
            in->incap = in->incap ? in->incap * 2 : 131072;
            in->in = realloc(in->in, in->incap);
        }
        ssize_t n = recv(in->fd, in->in + in->inlen, in->incap - in->inlen, MSG_DONTWAIT);
        if (n <= 0)
            break;
        in->inlen += (size_t)n;
    }
    size_t pos = 0;
    while (in->fhead < in->ftail) {
        char *p = in->in + pos;
        size_t avail = in->inlen - pos;
        char *nl = memchr(p, '\n', avail);
        if (!nl)
            break;
        size_t used;
        bool ok, miss = false;
        if (avail >= 6 && memcmp(p, "VALUE ", 6) == 0) {
            /* VALUE key flags bytes\r\n data\r\n END\r\n */
            char *sp = memrchr(p, ' ', (size_t)(nl - p));
            long bytes = sp ? strtol(sp + 1, NULL, 10) : -1;
            used = (size_t)(nl - p) + 1 + (size_t)bytes + 2 + 5;
            if (bytes < 0 || avail < used)
                break;
            ok = memcmp(p + used - 5, "END\r\n", 5) == 0;
        } else {
            used = (size_t)(nl - p) + 1;
            ok = memcmp(p, "STORED", 6) == 0 || memcmp(p, "END", 3) == 0;
            miss = p[0] == 'E' && p[1] == 'N';
        }
        uint32_t ri = in->fifo[in->fhead++ % in->fcap];
        complete(ri, ok, miss, t);
        pos += used;
    }
    memmove(in->in, in->in + pos, in->inlen - pos);
    in->inlen -= pos;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    if (!nlat)
        return 0;
    size_t i = (size_t)ceil(p * (double)nlat) - 1;
    if (i >= nlat) i = nlat - 1;
    return (double)lat[i] / 1000.0;
}

/* Appends the CDF rows (see the header comment); 0 on success. */
static int write_cdf(const char *path)
{
    FILE *f = fopen(path, "a+");
    if (!f) {
        perror(path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    if (ftell(f) == 0)
        fprintf(f, "label,proto,instances,quantile,latency_us\n");
    const char *proto = opt.udp ? "udp" : "tcp";
    if (nlat) {
        static const struct { const char *name; double q; } tail[] = {
            {"0.995", 0.995}, {"0.999", 0.999}, {"0.9999", 0.9999}, {"1.00", 1.0}};
        /* quantile 0 is the minimum; the rest use the nearest rank (pct) */
        fprintf(f, "%s,%s,%d,0.00,%.1f\n", opt.label, proto, opt.ninst, (double)lat[0] / 1000.0);
        for (int q = 1; q < 100; q++)
            fprintf(f, "%s,%s,%d,%.2f,%.1f\n", opt.label, proto, opt.ninst, q / 100.0, pct(q / 100.0));
        for (size_t k = 0; k < sizeof(tail) / sizeof(tail[0]); k++)
            fprintf(f, "%s,%s,%d,%s,%.1f\n", opt.label, proto, opt.ninst, tail[k].name, pct(tail[k].q));
    }
    double lost = sent_measured ? (double)timeouts / (double)sent_measured : 0.0;
    fprintf(f, "%s,%s,%d,lost,%.6f\n", opt.label, proto, opt.ninst, lost < 1.0 ? lost : 1.0);
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
        "usage: mcload [--proto udp|tcp] [--host A] [--port BASE] [--instances N]\n"
        "              [--rate REQ_PER_S] [--duration S] [--warmup S] [--ratio GET:SET]\n"
        "              [--keys K] [--key-size B] [--value-size B] [--timeout-ms MS]\n"
        "              [--no-preload] [--seed N] [--csv FILE] [--cdf FILE] [--label TEXT]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && ++i)
        if (ARG("--proto")) opt.udp = strcmp(v, "tcp") != 0;
        else if (ARG("--host")) opt.host = v;
        else if (ARG("--port")) opt.port = atoi(v);
        else if (ARG("--instances")) opt.ninst = atoi(v);
        else if (ARG("--rate")) opt.rate = atof(v);
        else if (ARG("--duration")) opt.duration = atoi(v);
        else if (ARG("--warmup")) opt.warmup = atoi(v);
        else if (ARG("--ratio")) {
            double g = 95, s = 5;
            sscanf(v, "%lf:%lf", &g, &s);
            opt.get_ratio = g / (g + s);
        }
        else if (ARG("--keys")) opt.keys = atoi(v);
        else if (ARG("--key-size")) opt.key_size = atoi(v);
        else if (ARG("--value-size")) opt.value_size = atoi(v);
        else if (ARG("--timeout-ms")) opt.timeout_ms = atoi(v);
        else if (ARG("--seed")) opt.seed = (unsigned)atoi(v);
        else if (ARG("--csv")) opt.csv = v;
        else if (ARG("--cdf")) opt.cdf = v;
        else if (ARG("--label")) opt.label = v;
        else if (strcmp(a, "--no-preload") == 0) opt.preload = 0;
        else usage();
    }
    if (opt.ninst < 1 || opt.rate <= 0 || opt.keys < 1 || opt.key_size < 5 || opt.key_size > 250 ||
        opt.value_size < 0 || opt.value_size > (opt.udp ? 1300 : 100000))
        usage();
    rs = ((uint64_t)opt.seed + 1) * 0x9E3779B97F4A7C15ull | 1;   /* never 0 */

    insts = calloc((size_t)opt.ninst, sizeof(*insts));
    ring = calloc(RING, sizeof(*ring));
    epfd = epoll_create1(0);
    for (int i = 0; i < opt.ninst; i++) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(opt.port + i))};
        inet_pton(AF_INET, opt.host, &sa.sin_addr);
        int fd = socket(AF_INET, opt.udp ? SOCK_DGRAM : SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            fprintf(stderr, "mcload: cannot connect to %s:%d: %s\n", opt.host, opt.port + i, strerror(errno));
            return 1;
        }
        int sz = 1 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
        if (!opt.udp) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        insts[i].fd = fd;
        insts[i].next_rid = (uint16_t)rnd();
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &insts[i]};
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    }

    /* preload every key on every instance (closed loop, not measured) */
    if (opt.preload) {
        t_measure = t_end = INT64_MAX;
        int window = 64;
        for (int i = 0; i < opt.ninst; i++) {
            double saved = opt.get_ratio;
            opt.get_ratio = 0;
            for (int k = 0; k < opt.keys; k += window) {
                for (int j = k; j < k + window && j < opt.keys; j++) {
                    /* direct the request to instance i, key j */
                    static char buf[1 << 17];
                    inst *in = &insts[i];
                    int n;
                    if (opt.udp) {
                        memcpy(buf, "\0\0\0\0\0\1\0\0", 8);
                        n = 8 + build(buf + 8, false, (uint32_t)j);
                        if (send(in->fd, buf, (size_t)n, 0) < 0) { /* retried below by gets */ }
                    } else {
                        n = build(buf, false, (uint32_t)j);
                        for (ssize_t off = 0; off < n;) {
                            ssize_t w = send(in->fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
                            if (w > 0) off += w;
                        }
                    }
                }
                /* drain replies for this window */
                int64_t until = now_ns() + 200000000;
                int got = 0, want = (k + window < opt.keys ? window : opt.keys - k);
                char tmp[65536];
                size_t acc = 0;
                while (got < want && now_ns() < until) {
                    ssize_t r = recv(insts[i].fd, tmp + (opt.udp ? 0 : acc), sizeof(tmp) - (opt.udp ? 0 : acc), MSG_DONTWAIT);
                    if (r <= 0) continue;
                    if (opt.udp) { got++; continue; }
                    acc += (size_t)r;
                    got = 0;
                    for (size_t q = 0; q + 1 < acc; q++) if (tmp[q] == '\r' && tmp[q + 1] == '\n') got++;
                }
            }
            opt.get_ratio = saved;
        }
    }

    t_start = now_ns();
    t_measure = t_start + (int64_t)opt.warmup * 1000000000;
    t_end = t_measure + (int64_t)opt.duration * 1000000000;
    int64_t t_stop = t_end + (int64_t)opt.timeout_ms * 1000000;
    int64_t next = t_start;
    double mean_gap = 1e9 / opt.rate;
    struct epoll_event evs[256];
    for (;;) {
        int64_t t = now_ns();
        while (next <= t && next < t_end) {
            send_one(next);
            next += (int64_t)(-log(1.0 - rnd01()) * mean_gap) + 1;
        }
        int n = epoll_wait(epfd, evs, 256, 0);
        t = now_ns();
        for (int i = 0; i < n; i++) {
            inst *in = evs[i].data.ptr;
            if (evs[i].events & EPOLLOUT)
                tcp_flush(in);
            if (evs[i].events & EPOLLIN) {
                if (opt.udp) udp_read(in, t);
                else tcp_read(in, t);
            }
        }
        expire(t);
        if (t >= t_stop || (next >= t_end && rhead == rtail))
            break;
    }
    expire(INT64_MAX);

    qsort(lat, nlat, sizeof(*lat), cmp_u64);
    double secs = (double)opt.duration;
    double tput = (double)done_measured / secs;
    printf("mcload %s %s:%d x%d  target %.0f req/s  duration %ds (+%ds warm-up)\n",
           opt.udp ? "udp" : "tcp", opt.host, opt.port, opt.ninst, opt.rate, opt.duration, opt.warmup);
    printf("  sent %llu  completed %llu  throughput %.0f req/s\n",
           (unsigned long long)sent_measured, (unsigned long long)done_measured, tput);
    printf("  latency us: p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", pct(0.5), pct(0.99), pct(0.999),
           nlat ? (double)lat[nlat - 1] / 1000.0 : 0);
    printf("  timeouts %llu  errors %llu  get-misses %llu  send-failures %llu\n",
           (unsigned long long)timeouts, (unsigned long long)errors, (unsigned long long)misses,
           (unsigned long long)send_fail);
    if (opt.csv) {
        FILE *f = fopen(opt.csv, "a+");
        if (!f) {
            perror(opt.csv);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        if (ftell(f) == 0)
            fprintf(f, "label,proto,instances,target_rps,sent,completed,throughput_rps,p50_us,p99_us,p999_us,max_us,timeouts,errors,misses\n");
        fprintf(f, "%s,%s,%d,%.0f,%llu,%llu,%.0f,%.1f,%.1f,%.1f,%.1f,%llu,%llu,%llu\n", opt.label,
                opt.udp ? "udp" : "tcp", opt.ninst, opt.rate, (unsigned long long)sent_measured,
                (unsigned long long)done_measured, tput, pct(0.5), pct(0.99), pct(0.999),
                nlat ? (double)lat[nlat - 1] / 1000.0 : 0, (unsigned long long)timeouts,
                (unsigned long long)errors, (unsigned long long)misses);
        fclose(f);
    }
    if (opt.cdf && write_cdf(opt.cdf) != 0)
        return 1;
    return 0;
}
