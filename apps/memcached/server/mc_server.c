/*
 * mc_server.c - edgeos-memcached: the engine behind a Linux TCP/UDP server.
 *
 * One thread, one epoll loop. TCP connections feed their bytes to the
 * engine's stream parser and write back its output buffer; UDP datagrams go
 * to mc_udp_handle(), whose reply datagrams are sent straight back.
 * Options follow memcached's: -p -U -m -l -c -t -I -v (and -u, ignored).
 */
#include "mc_engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define OUT_HIGH_WATER (8u << 20)   /* stop reading a client that does not read */
#define UDP_BATCH 32

typedef struct client {
    int fd;
    mc_conn *conn;
    mc_out out;
    size_t sent;        /* bytes of out already written */
    bool want_out;      /* EPOLLOUT registered */
    bool paused;        /* EPOLLIN removed (output backlog) */
} client;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static int verbose;
static long poll_us;            /* -B: keep polling this long after the last event */
static mc_engine *eng;
static int epfd;
static unsigned max_conns = 1024, n_conns;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: edgeos-memcached [options]\n"
        "  -p PORT   TCP port (default 11211, 0 = off)\n"
        "  -U PORT   UDP port (default 0 = off)\n"
        "  -l ADDR   listen address (default 0.0.0.0)\n"
        "  -m MB     item memory in MiB (default 64)\n"
        "  -c N      max simultaneous connections (default 1024)\n"
        "  -t N      threads; only 1 is supported\n"
        "  -I SIZE   max item size, e.g. 1m, 512k (default 1m)\n"
        "  -v        verbose (repeat for more)\n"
        "  -u USER   accepted for compatibility, ignored\n"
        "  -B USEC   keep polling USEC microseconds after the last event\n"
        "            before sleeping (default 0: always sleep in epoll_wait)\n");
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int resolve(const char *addr, int port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!addr) {
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
        return 0;
    }
    if (inet_pton(AF_INET, addr, &sa->sin_addr) == 1)
        return 0;
    struct addrinfo hints = {.ai_family = AF_INET}, *res;
    if (getaddrinfo(addr, NULL, &hints, &res) != 0)
        return -1;
    sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return 0;
}

static int open_socket(int type, const struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (type == SOCK_DGRAM) {
        int sz = 4 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    }
    if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ||
        (type == SOCK_STREAM && listen(fd, 1024) < 0) || set_nonblock(fd) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void client_close(client *cl)
{
    if (verbose)
        fprintf(stderr, "<%d connection closed.\n", cl->fd);
    epoll_ctl(epfd, EPOLL_CTL_DEL, cl->fd, NULL);
    close(cl->fd);
    mc_conn_destroy(eng, cl->conn);
    mc_out_free(&cl->out);
    free(cl);
    n_conns--;
    mc_engine_host(eng)->curr_connections = n_conns;
}

static void client_events(client *cl)
{
    bool want_out = cl->out.len > cl->sent;
    bool paused = cl->out.len - cl->sent > OUT_HIGH_WATER;
    if (want_out == cl->want_out && paused == cl->paused)
        return;
    struct epoll_event ev = {.data.ptr = cl};
    ev.events = (paused ? 0 : EPOLLIN) | (want_out ? EPOLLOUT : 0);
    epoll_ctl(epfd, EPOLL_CTL_MOD, cl->fd, &ev);
    cl->want_out = want_out;
    cl->paused = paused;
}

/* Returns false if the client was closed. */
static bool client_flush(client *cl)
{
    while (cl->sent < cl->out.len) {
        ssize_t n = send(cl->fd, cl->out.buf + cl->sent, cl->out.len - cl->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            client_close(cl);
            return false;
        }
        cl->sent += (size_t)n;
        mc_engine_host(eng)->bytes_written += (uint64_t)n;
    }
    if (cl->sent == cl->out.len) {
        mc_out_consume(&cl->out, cl->sent);
        cl->sent = 0;
        if (mc_conn_closed(cl->conn)) {
            client_close(cl);
            return false;
        }
    }
    if (cl->out.oom) {
        client_close(cl);
        return false;
    }
    client_events(cl);
    return true;
}

static void client_read(client *cl)
{
    static char buf[64 * 1024];
    for (int rounds = 0; rounds < 16; rounds++) {
        if (cl->out.len - cl->sent > OUT_HIGH_WATER)
            break;
        ssize_t n = recv(cl->fd, buf, sizeof(buf), 0);
        if (n == 0) {
            client_close(cl);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            client_close(cl);
            return;
        }
        mc_engine_host(eng)->bytes_read += (uint64_t)n;
        mc_conn_feed(eng, cl->conn, buf, (size_t)n, &cl->out);
        if (mc_conn_closed(cl->conn) || (size_t)n < sizeof(buf))
            break;
    }
    client_flush(cl);
}

static void do_accept(int lfd)
{
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            return;
        mc_host_info *h = mc_engine_host(eng);
        if (n_conns >= max_conns) {
            static const char msg[] = "ERROR Too many open connections\r\n";
            ssize_t r = send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL);
            (void)r;
            close(fd);
            h->rejected_connections++;
            continue;
        }
        set_nonblock(fd);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        client *cl = calloc(1, sizeof(*cl));
        if (!cl || !(cl->conn = mc_conn_create(eng))) {
            free(cl);
            close(fd);
            continue;
        }
        cl->fd = fd;
        mc_out_init(&cl->out);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = cl};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            mc_conn_destroy(eng, cl->conn);
            free(cl);
            close(fd);
            continue;
        }
        n_conns++;
        h->curr_connections = n_conns;
        h->total_connections++;
        if (verbose)
            fprintf(stderr, "<%d new auto-negotiating client connection\n", fd);
    }
}

/* ---- UDP -------------------------------------------------------------------- */

typedef struct udp_reply {
    int fd;
    struct sockaddr_in *to;
    socklen_t tolen;
} udp_reply;

static void udp_emit(void *ctx, const void *dgram, size_t len)
{
    udp_reply *r = ctx;
    ssize_t n = sendto(r->fd, dgram, len, 0, (struct sockaddr *)r->to, r->tolen);
    if (n > 0)
        mc_engine_host(eng)->bytes_written += (uint64_t)n;
}

static void udp_read(int fd)
{
    static char bufs[UDP_BATCH][65536];
    struct mmsghdr msgs[UDP_BATCH];
    struct iovec iov[UDP_BATCH];
    struct sockaddr_in from[UDP_BATCH];
    for (int rounds = 0; rounds < 64; rounds++) {
        for (int i = 0; i < UDP_BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = sizeof(bufs[i]);
            memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
        }
        int n = recvmmsg(fd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        for (int i = 0; i < n; i++) {
            mc_engine_host(eng)->bytes_read += msgs[i].msg_len;
            udp_reply r = {fd, &from[i], msgs[i].msg_hdr.msg_namelen};
            mc_udp_handle(eng, bufs[i], msgs[i].msg_len, udp_emit, &r);
        }
        if (n < UDP_BATCH)
            return;
    }
}

/* ---- main ------------------------------------------------------------------- */

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return -1;
    if (*end == 'k' || *end == 'K') { v <<= 10; end++; }
    else if (*end == 'm' || *end == 'M') { v <<= 20; end++; }
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static double tv_sec(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    mc_config cfg;
    mc_config_default(&cfg);
    long tcp_port = 11211, udp_port = 0, threads = 1, v;
    const char *addr = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "p:U:l:m:c:t:I:vu:hB:")) != -1) {
        switch (opt) {
        case 'p':
            if (parse_int(optarg, 0, 65535, &tcp_port)) goto bad;
            break;
        case 'U':
            if (parse_int(optarg, 0, 65535, &udp_port)) goto bad;
            break;
        case 'l':
            addr = optarg;
            break;
        case 'm':
            if (parse_int(optarg, 1, 1L << 30, &v)) goto bad;
            cfg.mem_limit = (uint64_t)v << 20;
            break;
        case 'c':
            if (parse_int(optarg, 1, 1L << 20, &v)) goto bad;
            max_conns = (unsigned)v;
            break;
        case 't':
            if (parse_int(optarg, 1, 1024, &threads)) goto bad;
            if (threads != 1) {
                fprintf(stderr, "edgeos-memcached: -t %ld: only one thread is supported "
                                "(run one process per core instead)\n", threads);
                return 2;
            }
            break;
        case 'I': {
            uint64_t s;
            if (parse_size(optarg, &s) || s < 1024 || s > (1u << 30)) {
                fprintf(stderr, "edgeos-memcached: -I must be between 1k and 1024m\n");
                return 2;
            }
            cfg.item_size_max = (uint32_t)s;
            break;
        }
        case 'v':
            verbose++;
            break;
        case 'u':
            break;
        case 'B':
            if (parse_int(optarg, 0, 1000000, &poll_us)) goto bad;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            goto bad;
        }
    }
    if (optind != argc)
        goto bad;
    if (tcp_port == 0 && udp_port == 0) {
        fprintf(stderr, "edgeos-memcached: both -p and -U are 0: nothing to listen on\n");
        return 2;
    }

    eng = mc_engine_create(&cfg);
    if (!eng) {
        fprintf(stderr, "edgeos-memcached: cannot create the engine\n");
        return 1;
    }
    mc_engine_set_clock(eng, (int64_t)time(NULL));
    mc_host_info *h = mc_engine_host(eng);
    h->pid = getpid();
    h->started = (int64_t)time(NULL);
    h->max_connections = max_conns;
    h->tcp_port = (int)tcp_port;
    h->udp_port = (int)udp_port;
    h->listen_addr = addr ? addr : "NULL";
    h->threads = 1;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    struct sockaddr_in sa;
    int tfd = -1, ufd = -1;
    epfd = epoll_create1(0);
    if (tcp_port) {
        if (resolve(addr, (int)tcp_port, &sa) || (tfd = open_socket(SOCK_STREAM, &sa)) < 0) {
            fprintf(stderr, "edgeos-memcached: cannot listen on TCP %s:%ld: %s\n",
                    addr ? addr : "0.0.0.0", tcp_port, strerror(errno));
            return 1;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &tfd};
        epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
    }
    if (udp_port) {
        if (resolve(addr, (int)udp_port, &sa) || (ufd = open_socket(SOCK_DGRAM, &sa)) < 0) {
            fprintf(stderr, "edgeos-memcached: cannot bind UDP %s:%ld: %s\n",
                    addr ? addr : "0.0.0.0", udp_port, strerror(errno));
            return 1;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &ufd};
        epoll_ctl(epfd, EPOLL_CTL_ADD, ufd, &ev);
    }
    if (verbose)
        fprintf(stderr, "edgeos-memcached: tcp %ld udp %ld, %llu MiB, item max %u\n",
                tcp_port, udp_port, (unsigned long long)(cfg.mem_limit >> 20), cfg.item_size_max);

    struct epoll_event evs[256];
    struct timespec last_ev = {0, 0};
    while (!stop_flag) {
        /* Poll (timeout 0) for a short while after activity, then block:
         * waking a sleeping thread costs far more than a few idle polls. */
        int timeout = 1000;
        if (poll_us > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            long since = (ts.tv_sec - last_ev.tv_sec) * 1000000L + (ts.tv_nsec - last_ev.tv_nsec) / 1000;
            if (since < poll_us)
                timeout = 0;
        }
        int n = epoll_wait(epfd, evs, 256, timeout);
        if (n > 0 && poll_us > 0)
            clock_gettime(CLOCK_MONOTONIC, &last_ev);
        mc_engine_set_clock(eng, (int64_t)time(NULL));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("epoll_wait");
            break;
        }
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &tfd) {
                do_accept(tfd);
            } else if (p == &ufd) {
                udp_read(ufd);
            } else {
                client *cl = p;
                if (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & EPOLLIN)) {
                    client_close(cl);
                    continue;
                }
                if (evs[i].events & EPOLLOUT) {
                    if (!client_flush(cl))
                        continue;
                }
                if (evs[i].events & EPOLLIN)
                    client_read(cl);
            }
        }
        static time_t last_ru;
        struct rusage ru;
        if (time(NULL) != last_ru && getrusage(RUSAGE_SELF, &ru) == 0) {
            last_ru = time(NULL);
            h->rusage_user = tv_sec(ru.ru_utime);
            h->rusage_system = tv_sec(ru.ru_stime);
        }
    }
    mc_engine_destroy(eng);
    return 0;
bad:
    usage(stderr);
    return 2;
}
