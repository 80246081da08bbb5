/*
 * mc_server.c - edgeos-memcached: the engine behind a Linux TCP/UDP/UNIX
 * socket server, started with memcached 1.6's command line (mc_options.c).
 *
 * One thread, one epoll loop. Stream connections feed their bytes to the
 * engine's parser and write back its output buffer; UDP datagrams go to
 * mc_udp_handle(), whose reply datagrams are sent straight back.
 *
 * Fairness (-R): a connection's turn starts at most reqs_per_event
 * requests. Bytes it has read beyond them are kept in the client's `in`
 * buffer and the client joins the ready list, served again after the
 * other connections' events (conn_yields counts these turns). Between
 * two looks at the sockets the ready clients get up to READY_PASSES turns
 * each, round robin, and their replies are sent after the last of them
 * (each turn, when -o read_buf_mem_limit counts unsent replies), so a deep
 * pipeline does not cost an epoll_wait and a send every N requests.
 */
#include "mc_engine.h"
#include "mc_options.h"
#include "mc_restart.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
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
#define WATCH_WINDOW (16u << 10)    /* log lines moved to a watcher's output at a time */
#define UDP_BATCH 32
#define READY_PASSES 16

typedef struct client {
    int fd;
    bool local;         /* accepted on a UNIX socket */
    mc_conn *conn;
    mc_out out;
    size_t sent;        /* bytes of out already written */
    bool want_out;      /* EPOLLOUT registered */
    bool paused;        /* EPOLLIN removed (output backlog) */
    time_t active;      /* last read (idle_timeout) */
    char *in;           /* bytes read but not yet fed (a turn ended, -R) */
    size_t in_len, in_off, in_cap;
    bool ready;         /* on the ready list */
    bool dirty;         /* on the dirty list: replies to send after the ready passes */
    struct client *next, *prev;
    struct client *ready_next, *dirty_next;
} client;

static client *clients;
static client *ready;           /* clients with bytes in `in` to be fed */
static client *dirty;           /* clients whose turns' replies are not sent yet */
static bool defer_flush;        /* ready turns leave their replies for later */
static unsigned reqs_per_event = 20;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }
static volatile sig_atomic_t graceful_flag;
static void on_graceful(int sig) { (void)sig; graceful_flag = 1; stop_flag = 1; }
static volatile sig_atomic_t reload_flag;
static void on_sighup(int sig) { (void)sig; reload_flag = 1; }

static int verbose;
static long poll_us;            /* -o poll_us: keep polling this long after the last event */
static mc_engine *eng;
static int epfd;
static unsigned max_conns = 1024, n_conns;
static unsigned idle_timeout;   /* -o idle_timeout, seconds */

/* Listening sockets: stream (TCP or UNIX) or UDP. */
#define MAX_LISTENERS 32
typedef struct listener {
    int fd;
    bool udp;
} listener;
static listener listeners[MAX_LISTENERS];
static int n_listeners;
/* MEMCACHED_PORT_FILENAME (as memcached): the ports bound, one line each */
static FILE *port_file;

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Binds sockets of `type` for addr (NULL: any) and port: every address the
 * name resolves to. -1 with errno set when none could be bound. */
static int listen_inet(const char *addr, int port, int type, int backlog)
{
    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = type;
    hints.ai_flags = AI_PASSIVE;
    char ports[8];
    snprintf(ports, sizeof ports, "%d", port);
    int err = getaddrinfo(addr, ports, &hints, &res);
    if (err) {
        fprintf(stderr, "getaddrinfo(): %s\n", gai_strerror(err));
        errno = EADDRNOTAVAIL;
        return -1;
    }
    int bound = 0, why = EADDRNOTAVAIL;
    for (ai = res; ai && n_listeners < MAX_LISTENERS; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype, 0);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (type == SOCK_DGRAM) {
            int sz = 4 << 20;
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || (type == SOCK_STREAM && listen(fd, backlog) < 0) ||
            set_nonblock(fd) < 0) {
            why = errno;
            close(fd);
            if (why == EADDRINUSE)
                break;          /* the port is taken: fail as memcached does */
            continue;           /* e.g. no IPv6 on this host */
        }
        listeners[n_listeners++] = (listener){ fd, type == SOCK_DGRAM };
        bound++;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (port_file && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
            bool v6 = ss.ss_family == AF_INET6;
            unsigned bp = v6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                             : ntohs(((struct sockaddr_in *)&ss)->sin_port);
            fprintf(port_file, "%s INET%s: %u\n", type == SOCK_DGRAM ? "UDP" : "TCP", v6 ? "6" : "", bp);
        }
    }
    freeaddrinfo(res);
    if (why == EADDRINUSE || !bound) {
        errno = why;
        return -1;
    }
    return 0;
}

/* A UNIX stream socket at path with permissions `mask`. */
static int listen_unix(const char *path, unsigned mask, int backlog)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);           /* a socket left by an earlier run */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    mode_t old = umask(~mask & 0777);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (r < 0 || listen(fd, backlog) < 0 || set_nonblock(fd) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    listeners[n_listeners++] = (listener){ fd, false };
    return 0;
}

/* The peer of a stream as watch's connection events show it. */
static void peer_of(client *cl, char *rip, size_t len, unsigned *rport)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    memset(&ss, 0, sizeof ss);
    snprintf(rip, len, "unix");
    *rport = 0;
    if (cl->local || getpeername(cl->fd, (struct sockaddr *)&ss, &sl) < 0)
        return;
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, rip, (socklen_t)len);
        *rport = ntohs(a->sin6_port);
    } else if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, rip, (socklen_t)len);
        *rport = ntohs(a->sin_port);
    }
}

/* Tells watchers of connection events about cl (reason NULL: accepted). */
static void log_conn_event(client *cl, const char *reason)
{
    if (mc_engine_watchers(eng) == 0)
        return;
    char rip[INET6_ADDRSTRLEN + 8];
    unsigned rport;
    peer_of(cl, rip, sizeof rip, &rport);
    mc_watch_conn_event(eng, reason != NULL, rip, rport, cl->local ? "local" : "tcp", reason, cl->fd);
}

static bool has_input(const client *cl)
{
    return cl->in_off < cl->in_len;
}

static bool backlogged(const client *cl)
{
    return cl->out.len - cl->sent > OUT_HIGH_WATER;
}

static void ready_add(client *cl)
{
    if (cl->ready)
        return;
    cl->ready = true;
    cl->ready_next = ready;
    ready = cl;
}

/* reason: why, for watch's conn_close lines ("normal", "error",
 * "idle_timeout", "shutdown"). */
static void client_close(client *cl, const char *reason)
{
    if (verbose)
        fprintf(stderr, "<%d connection closed.\n", cl->fd);
    log_conn_event(cl, reason);
    if (cl->ready) {
        for (client **pp = &ready; *pp; pp = &(*pp)->ready_next)
            if (*pp == cl) {
                *pp = cl->ready_next;
                break;
            }
    }
    if (cl->dirty) {
        for (client **pp = &dirty; *pp; pp = &(*pp)->dirty_next)
            if (*pp == cl) {
                *pp = cl->dirty_next;
                break;
            }
    }
    free(cl->in);
    epoll_ctl(epfd, EPOLL_CTL_DEL, cl->fd, NULL);
    close(cl->fd);
    if (cl->prev)
        cl->prev->next = cl->next;
    else
        clients = cl->next;
    if (cl->next)
        cl->next->prev = cl->prev;
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
            client_close(cl, "error");
            return false;
        }
        cl->sent += (size_t)n;
        mc_engine_host(eng)->bytes_written += (uint64_t)n;
    }
    if (cl->sent == cl->out.len) {
        mc_out_consume(&cl->out, cl->sent);
        cl->sent = 0;
        mc_conn_sent(eng, cl->conn);
        if (mc_conn_closed(cl->conn)) {
            client_close(cl, mc_conn_closed_normally(cl->conn) ? "normal" : "error");
            return false;
        }
    }
    if (cl->out.oom) {
        client_close(cl, "error");
        return false;
    }
    if (has_input(cl) && !backlogged(cl))
        ready_add(cl);
    client_events(cl);
    return true;
}

/* "ADDR" of a socket for stats conns: tcp:IP:PORT, tcp6:[IP]:PORT, udp..., unix:PATH. */
static void sock_name(int fd, bool peer, bool udp, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    memset(&ss, 0, sizeof ss);
    int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &sl) : getsockname(fd, (struct sockaddr *)&ss, &sl);
    char ip[INET6_ADDRSTRLEN] = "?";
    if (r < 0) {
        snprintf(buf, len, "unknown");
    } else if (ss.ss_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)&ss;
        if (peer && !un->sun_path[0])
            sock_name(fd, false, udp, buf, len);    /* a client of a UNIX socket: the socket's path */
        else
            snprintf(buf, len, "unix:%s", un->sun_path);
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        snprintf(buf, len, "%s6:[%s]:%u", udp ? "udp" : "tcp", ip, ntohs(a->sin6_port));
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        snprintf(buf, len, "%s:%s:%u", udp ? "udp" : "tcp", ip, ntohs(a->sin_port));
    }
}

static client *feeding;         /* the connection whose request runs now */

static int by_fd(const void *a, const void *b)
{
    return (*(client *const *)a)->fd - (*(client *const *)b)->fd;
}

/* stats conns: listeners, then clients in descriptor order, as memcached
 * lists them (fd:addr, fd:listen_addr, fd:state, fd:secs_since_last_cmd). */
static void stats_conns(void *ctx, void (*emit)(void *out, const char *name, const char *value), void *out)
{
    (void)ctx;
    char name[48], val[160];
    time_t now = time(NULL);
    for (int i = 0; i < n_listeners; i++) {
        int fd = listeners[i].fd;
        if (listeners[i].udp) {
            snprintf(name, sizeof name, "%d:UDP", fd);
            emit(out, name, "UDP");
        }
        sock_name(fd, false, listeners[i].udp, val, sizeof val);
        snprintf(name, sizeof name, "%d:addr", fd);
        emit(out, name, val);
        snprintf(name, sizeof name, "%d:state", fd);
        emit(out, name, listeners[i].udp ? "conn_read" : "conn_listening");
        snprintf(name, sizeof name, "%d:secs_since_last_cmd", fd);
        emit(out, name, "0");
    }
    client **all = malloc(sizeof(client *) * (n_conns ? n_conns : 1));
    unsigned n = 0;
    for (client *cl = clients; cl && all && n < n_conns; cl = cl->next)
        all[n++] = cl;
    if (all)
        qsort(all, n, sizeof *all, by_fd);
    for (unsigned i = 0; all && i < n; i++) {
        client *cl = all[i];
        sock_name(cl->fd, true, false, val, sizeof val);
        snprintf(name, sizeof name, "%d:addr", cl->fd);
        emit(out, name, val);
        sock_name(cl->fd, false, false, val, sizeof val);
        snprintf(name, sizeof name, "%d:listen_addr", cl->fd);
        emit(out, name, val);
        snprintf(name, sizeof name, "%d:state", cl->fd);
        emit(out, name, mc_conn_watching(cl->conn) ? "conn_watch"
                        : cl == feeding ? "conn_parse_cmd"
                        : !mc_conn_idle(cl->conn) ? "conn_nread"
                        : cl->out.len > cl->sent ? "conn_mwrite" : "conn_waiting");
        snprintf(name, sizeof name, "%d:secs_since_last_cmd", cl->fd);
        snprintf(val, sizeof val, "%ld", (long)(now - cl->active));
        emit(out, name, val);
    }
    free(all);
}

/* Keeps p[0..n) for the client's next turn. False when out of memory. */
static bool keep_input(client *cl, const char *p, size_t n)
{
    if (n > cl->in_cap) {
        char *b = realloc(cl->in, n);
        if (!b)
            return false;
        cl->in = b;
        cl->in_cap = n;
    }
    memmove(cl->in, p, n);
    cl->in_len = n;
    cl->in_off = 0;
    return true;
}

enum { FEED_MORE, FEED_DONE, FEED_GONE };

/* Feeds p[0..n) (pending: the bytes kept in cl->in, else freshly read)
 * with what is left of this turn's request budget. FEED_DONE
 * when the turn is over (the connection is closing, or the budget ran
 * out), FEED_GONE when the client was closed. Unfed bytes are kept in
 * cl->in (they may already be there) and the client is put on the ready
 * list. */
static int feed(client *cl, const char *p, size_t n, unsigned *budget, bool pending)
{
    unsigned started;
    feeding = cl;
    size_t used = mc_conn_feed_some(eng, cl->conn, p, n, &cl->out, *budget, &started);
    feeding = NULL;
    *budget -= started;
    if (mc_conn_closed(cl->conn)) {
        cl->in_len = cl->in_off = 0;
        return FEED_DONE;
    }
    if (used < n) {
        if (pending) {
            cl->in_off += used;
        } else if (!keep_input(cl, p + used, n - used)) {
            client_close(cl, "error");
            return FEED_GONE;
        }
        ready_add(cl);
    } else if (pending) {
        cl->in_len = cl->in_off = 0;
    }
    if (*budget == 0) {
        mc_engine_host(eng)->conn_yields++;
        return FEED_DONE;
    }
    return FEED_MORE;
}

/* One turn of a client: what it left last turn, then the socket. The
 * replies are sent at the end, or with `defer` after the ready passes. */
static void client_read(client *cl, bool defer)
{
    static char buf[64 * 1024];
    unsigned budget = reqs_per_event;
    int r = FEED_MORE;
    if (has_input(cl)) {
        if (backlogged(cl))
            return;             /* client_flush puts it back on the ready list */
        r = feed(cl, cl->in + cl->in_off, cl->in_len - cl->in_off, &budget, true);
        if (r == FEED_GONE)
            return;
    }
    for (int rounds = 0; rounds < 16 && r == FEED_MORE; rounds++) {
        if (backlogged(cl))
            break;
        ssize_t n = recv(cl->fd, buf, sizeof(buf), 0);
        if (n == 0) {
            client_close(cl, "normal");
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            client_close(cl, "error");
            return;
        }
        mc_engine_host(eng)->bytes_read += (uint64_t)n;
        cl->active = time(NULL);
        r = feed(cl, buf, (size_t)n, &budget, false);
        if (r == FEED_GONE)
            return;
        if ((size_t)n < sizeof(buf))
            break;
    }
    if (!defer) {
        client_flush(cl);
    } else if (!cl->dirty) {
        cl->dirty = true;
        cl->dirty_next = dirty;
        dirty = cl;
    }
}

static void do_accept(int lfd)
{
    struct sockaddr_storage lss;
    socklen_t lsl = sizeof lss;
    bool local = getsockname(lfd, (struct sockaddr *)&lss, &lsl) == 0 && lss.ss_family == AF_UNIX;
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
        cl->local = local;
        mc_conn_set_id(cl->conn, fd);
        cl->active = time(NULL);
        mc_out_init(&cl->out);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = cl};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            mc_conn_destroy(eng, cl->conn);
            free(cl);
            close(fd);
            continue;
        }
        cl->next = clients;
        if (clients)
            clients->prev = cl;
        clients = cl;
        n_conns++;
        h->curr_connections = n_conns;
        h->total_connections++;
        log_conn_event(cl, NULL);
        if (verbose)
            fprintf(stderr, "<%d new auto-negotiating client connection\n", fd);
    }
}

/* Moves a watcher's pending log lines to its output while its socket
 * takes them, keeping at most WATCH_WINDOW bytes queued here (the rest
 * waits, bounded, in the engine). */
static void watcher_pump(client *cl)
{
    for (;;) {
        size_t queued = cl->out.len - cl->sent;
        if (queued >= WATCH_WINDOW)
            return;
        size_t moved = mc_watch_take(eng, cl->conn, &cl->out, WATCH_WINDOW - queued);
        if (!client_flush(cl))
            return;
        if (moved == 0 || cl->out.len > cl->sent)
            return;                     /* nothing more, or the socket is full */
    }
}

static void pump_watchers(void)
{
    if (mc_engine_watchers(eng) == 0)
        return;
    client *next;
    for (client *cl = clients; cl; cl = next) {
        next = cl->next;
        if (mc_conn_watching(cl->conn))
            watcher_pump(cl);
    }
}

/* ---- UDP -------------------------------------------------------------------- */

typedef struct udp_reply {
    int fd;
    struct sockaddr_storage *to;
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
    struct sockaddr_storage from[UDP_BATCH];
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

/* ---- ASCII authentication (-Y) ----------------------------------------------- */

/* Reads the auth file and gives its text to the engine. At start a failure
 * is reported with memcached's words and ends the server (the exit status
 * is returned); on a SIGHUP reload the old credentials stay. -1: loaded. */
static int load_auth_file(const char *path, bool at_start)
{
    FILE *f = fopen(path, "r");
    struct stat st;
    char msg[4200];
    if (!f) {
        snprintf(msg, sizeof msg, "Could not open authfile [%s] for reading, error %s", path, strerror(errno));
        perror(msg);
        return EXIT_FAILURE;
    }
    if (fstat(fileno(f), &st) != 0) {
        snprintf(msg, sizeof msg, "Could not stat authfile [%s], error %s", path, strerror(errno));
        perror(msg);
        fclose(f);
        return EXIT_FAILURE;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *text = malloc(cap);
    while (text) {
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (len < cap)
            break;
        char *bigger = realloc(text, cap * 2);
        if (!bigger) {
            free(text);
            text = NULL;
            break;
        }
        text = bigger;
        cap *= 2;
    }
    fclose(f);
    int r = text ? mc_engine_set_auth(eng, text, len) : MC_AUTH_NOMEM;
    free(text);
    if (r == MC_AUTH_NOMEM) {
        fprintf(stderr, "Out of memory reading password file: %s", path);
        return EXIT_FAILURE;
    }
    if (r == MC_AUTH_MALFORMED) {
        fprintf(stderr, "Authfile [%s] has a malformed entry. Should be 'user:password'", path);
        if (!at_start)
            fputc('\n', stderr);
        return EXIT_FAILURE;
    }
    return -1;
}

/* ---- main ------------------------------------------------------------------- */

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double tv_sec(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Closes connections idle for longer than -o idle_timeout (memcached's
 * idle_kicks); connections with a reply still being sent are not idle. */
static void kick_idle(time_t now)
{
    client *next;
    for (client *cl = clients; cl; cl = next) {
        next = cl->next;
        if (cl->out.len == cl->sent && now - cl->active > (time_t)idle_timeout &&
            !mc_conn_watching(cl->conn)) {
            mc_engine_host(eng)->idle_kicks++;
            client_close(cl, "idle_timeout");
        }
    }
}

/* The process-level options: core files, locked memory, the user to run
 * as, the daemon and its pid file. Returns -1 to go on, or an exit status. */
static int set_up_process(const mc_options *o)
{
    if (o->maxcore) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_CORE, &rl) == 0) {
            struct rlimit want = { RLIM_INFINITY, RLIM_INFINITY };
            if (setrlimit(RLIMIT_CORE, &want) != 0) {
                want.rlim_cur = want.rlim_max = rl.rlim_max;
                (void)setrlimit(RLIMIT_CORE, &want);
            }
        }
        struct rlimit now;
        if (getrlimit(RLIMIT_CORE, &now) != 0 || now.rlim_cur == 0) {
            fprintf(stderr, "failed to ensure corefile creation\n");
            return EX_OSERR;
        }
    }
    struct rlimit nofile = { (rlim_t)o->host.max_connections + 64, (rlim_t)o->host.max_connections + 64 };
    struct rlimit cur;
    if (getrlimit(RLIMIT_NOFILE, &cur) == 0 && cur.rlim_cur < nofile.rlim_cur)
        (void)setrlimit(RLIMIT_NOFILE, &nofile);   /* best effort, as memcached-debug does */
    if (getuid() == 0 || geteuid() == 0) {
        if (!o->user || !*o->user) {
            fprintf(stderr, "can't run as root without the -u switch\n");
            return EX_USAGE;
        }
        struct passwd *pw = getpwnam(o->user);
        if (!pw) {
            fprintf(stderr, "can't find the user %s to switch to\n", o->user);
            return EX_NOUSER;
        }
        if (pw->pw_uid != 0) {
            if (setgroups(0, NULL) < 0 && errno != EPERM) {
                fprintf(stderr, "failed to drop supplementary groups: %s\n", strerror(errno));
                return EX_OSERR;
            }
            if (setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
                fprintf(stderr, "failed to assume identity of user %s\n", o->user);
                return EX_OSERR;
            }
        }
    }
    if (o->daemonize) {
        if (daemon(1, o->verbose ? 1 : 0) != 0) {
            fprintf(stderr, "failed to daemon() in order to daemonize\n");
            return EXIT_FAILURE;
        }
        if (o->pidfile) {
            FILE *f = fopen(o->pidfile, "w");
            if (!f) {
                fprintf(stderr, "Could not open the pid file %s for writing: %s\n", o->pidfile, strerror(errno));
            } else {
                fprintf(f, "%ld\n", (long)getpid());
                fclose(f);
            }
        }
    }
    if (o->lock_memory && mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
        fprintf(stderr, "warning: -k invalid, mlockall() failed: %s\n", strerror(errno));
    return -1;
}

/* Opens every listener the options ask for; an exit status on failure. */
static int open_listeners(const mc_options *o)
{
    if (o->host.domain_socket) {
        if (listen_unix(o->host.domain_socket, o->host.umask, (int)o->host.tcp_backlog) < 0) {
            fprintf(stderr, "failed to listen on UNIX socket: %s: %s\n", o->host.domain_socket, strerror(errno));
            return EX_OSERR;
        }
        return -1;
    }
    const char *pf = getenv("MEMCACHED_PORT_FILENAME");
    char pf_tmp[4096];
    if (pf && snprintf(pf_tmp, sizeof pf_tmp, "%s.lck", pf) < (int)sizeof pf_tmp &&
        !(port_file = fopen(pf_tmp, "a")))
        fprintf(stderr, "Failed to open \"%s\": %s\n", pf_tmp, strerror(errno));
    for (int udp = 0; udp < 2; udp++) {
        int port = udp ? o->host.udp_port : o->host.tcp_port;
        if (port == 0)
            continue;
        if (port < 0)
            port = 0;                   /* -1: any free port */
        char *list = o->listen ? strdup(o->listen) : NULL;
        char *save = NULL, *a = list ? strtok_r(list, ",", &save) : NULL;
        do {
            /* an entry may carry its own port: host:port or [v6]:port */
            int p = port;
            char *host = a;
            if (a) {
                char *colon = strrchr(a, ':');
                if (a[0] == '[') {
                    char *end = strchr(a, ']');
                    if (end) {
                        *end = 0;
                        host = a + 1;
                        if (end[1] == ':')
                            p = atoi(end + 2);
                    }
                } else if (colon && colon == strchr(a, ':')) {
                    *colon = 0;
                    p = atoi(colon + 1);
                }
            }
            if (listen_inet(host, p, udp ? SOCK_DGRAM : SOCK_STREAM, (int)o->host.tcp_backlog) < 0) {
                fprintf(stderr, "failed to listen on %s port %d: %s\n", udp ? "UDP" : "TCP", p, strerror(errno));
                free(list);
                return EX_OSERR;
            }
        } while (a && (a = strtok_r(NULL, ",", &save)));
        free(list);
    }
    if (port_file) {
        fclose(port_file);
        port_file = NULL;
        rename(pf_tmp, pf);
    }
    if (n_listeners == 0) {
        fprintf(stderr, "nothing to listen on: -p and -U are both 0\n");
        return EX_USAGE;
    }
    return -1;
}

int main(int argc, char **argv)
{
    mc_options o;
    int r = mc_options_parse(argc, argv, &o);
    if (r >= 0)
        return r;
#ifdef MC_DEBUG_BUILD
    o.cfg.debug_commands = true;
#endif
    verbose = o.verbose;
    poll_us = o.poll_us;
    max_conns = o.host.max_connections;
    idle_timeout = o.host.idle_timeout;
    reqs_per_event = o.host.reqs_per_event ? o.host.reqs_per_event : 20;
    defer_flush = o.cfg.conn_buf_limit == 0;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGUSR1, on_graceful);       /* as memcached: stop, saving the cache with -e */
    signal(SIGHUP, on_sighup);          /* as memcached: reload the auth file */
    epfd = epoll_create1(0);
    eng = mc_engine_create(&o.cfg);
    if (!eng) {
        fprintf(stderr, "edgeos-memcached: cannot create the engine\n");
        return 1;
    }
    if (o.host.auth_file && (r = load_auth_file(o.host.auth_file, true)) >= 0)
        return r;
    /* Sockets first (privileged ports), then the user and the daemon. */
    if ((r = open_listeners(&o)) >= 0 || (r = set_up_process(&o)) >= 0)
        return r;
    mc_engine_set_clock_us(eng, wall_us());
    /* The settings "stats settings" shows come from the command line;
     * then what only the running server knows. */
    mc_host_info *h = mc_engine_host(eng);
    *h = o.host;
    h->pid = getpid();
    h->started = (int64_t)time(NULL);
    h->listen_addr = o.listen ? o.listen : "NULL";
    h->binding_protocol = mc_options_protocol_name(o.cfg.protocol);
    h->stats_conns = stats_conns;
    if (o.host.memory_file && mc_restart_load(eng, o.host.memory_file, &o.cfg) < 0)
        return 1;

    for (int i = 0; i < n_listeners; i++) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listeners[i] };
        epoll_ctl(epfd, EPOLL_CTL_ADD, listeners[i].fd, &ev);
    }
    if (verbose)
        fprintf(stderr, "edgeos-memcached: tcp %d udp %d%s%s, %llu MiB, item max %u\n", o.host.tcp_port, o.host.udp_port,
                o.host.domain_socket ? " unix " : "", o.host.domain_socket ? o.host.domain_socket : "",
                (unsigned long long)(o.cfg.mem_limit >> 20), o.cfg.item_size_max);

    struct epoll_event evs[256];
    struct timespec last_ev = {0, 0};
    time_t last_second = 0;
    while (!stop_flag && !mc_engine_shutdown_requested(eng)) {
        /* Poll (timeout 0) for a short while after activity, then block:
         * waking a sleeping thread costs far more than a few idle polls. */
        int timeout = ready ? 0 : 1000;
        if (poll_us > 0 && timeout) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            long since = (ts.tv_sec - last_ev.tv_sec) * 1000000L + (ts.tv_nsec - last_ev.tv_nsec) / 1000;
            if (since < poll_us)
                timeout = 0;
        }
        int n = epoll_wait(epfd, evs, 256, timeout);
        if (n > 0 && poll_us > 0)
            clock_gettime(CLOCK_MONOTONIC, &last_ev);
        mc_engine_set_clock_us(eng, wall_us());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("epoll_wait");
            break;
        }
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p >= (void *)listeners && p < (void *)(listeners + MAX_LISTENERS)) {
                listener *l = p;
                if (l->udp)
                    udp_read(l->fd);
                else
                    do_accept(l->fd);
            } else {
                client *cl = p;
                if (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & EPOLLIN)) {
                    client_close(cl, "error");
                    continue;
                }
                if (evs[i].events & EPOLLOUT) {
                    if (!client_flush(cl))
                        continue;
                }
                if (evs[i].events & EPOLLIN)
                    client_read(cl, false);
            }
        }
        /* more turns for the clients that still have requests read */
        for (int pass = 0; ready && pass < READY_PASSES; pass++) {
            client *turn = ready;
            ready = NULL;
            while (turn) {
                client *cl = turn;
                turn = cl->ready_next;
                cl->ready = false;
                client_read(cl, defer_flush);
            }
        }
        while (dirty) {
            client *cl = dirty;
            dirty = cl->dirty_next;
            cl->dirty = false;
            client_flush(cl);
        }
        if (reload_flag) {
            reload_flag = 0;
            if (o.host.auth_file)
                load_auth_file(o.host.auth_file, false);
        }
        pump_watchers();
        time_t now = time(NULL);
        if (now != last_second) {
            last_second = now;
            struct rusage ru;
            if (getrusage(RUSAGE_SELF, &ru) == 0) {
                h->rusage_user = tv_sec(ru.ru_utime);
                h->rusage_system = tv_sec(ru.ru_stime);
            }
            if (idle_timeout)
                kick_idle(now);
        }
    }
    while (clients)
        client_close(clients, "shutdown");
    if (o.host.memory_file && (graceful_flag || mc_engine_shutdown_requested(eng) == MC_SHUTDOWN_GRACEFUL))
        mc_restart_save(eng, o.host.memory_file, &o.cfg);
    if (o.host.domain_socket)
        unlink(o.host.domain_socket);
    mc_engine_destroy(eng);
    mc_options_free(&o);
    return 0;
}
