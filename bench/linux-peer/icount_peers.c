/* icount_peers: the Linux guest's side of guest instruction counting
 * (bench/linux-peer, case "icount"). A static program for the guest.
 *
 * Each operation runs K times with the instruction-count markers of
 * kernel/include/uapi/eos_icount.h around exactly the operation, so that
 * QEMU's instruction-count plugin (one vCPU) reports the guest instructions
 * one operation costs, the kernel's and every process's included:
 *
 *   id 101 linux_fork_exec               fork, child execve(TRUE), waitpid
 *   id 102 linux_posix_spawn             posix_spawn(TRUE), waitpid
 *   id 103 linux_memcached_request_udp   one memcached UDP "get KEY" over
 *                                        loopback: sendto ... reply recvfrom
 *   id 104 linux_memcached_request_tcp   one "get KEY" on an established
 *                                        loopback TCP connection: send ...
 *                                        the reply's last recv
 *
 * Without the plugin the markers are no-ops and the program only runs the
 * operations. Output (standard output, one write per line):
 *   icount-name,ID,OPERATION      one per operation, before any is run
 *   icount-ok,ID,K                after an operation's K marked runs
 *   PEER ERROR icount ...         an operation failed (the others still run)
 * Exit status 0 when every operation succeeded K times, 1 otherwise.
 *
 * Usage: icount_peers [--k K] [--true PATH] [--host A.B.C.D] [--udp-port P]
 *                     [--tcp-port P] [--key KEY] [--warmup N]
 */
#define _GNU_SOURCE
#include "eos_icount.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "say.h"

#define ID_FORK_EXEC 101
#define ID_POSIX_SPAWN 102
#define ID_MC_UDP 103
#define ID_MC_TCP 104

#define REPLY_TIMEOUT_MS 5000

extern char **environ;

struct cfg {
    const char *true_path;
    char *child_argv[2];
    char *child_envp[1];
    struct sockaddr_in udp, tcp;
    const char *key;
    unsigned k, warmup;
};

static char why[256];

static int reap(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, sizeof why, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(why, sizeof why, "child ended with wait status 0x%x", status);
        return -1;
    }
    return 0;
}

/* ---- process creation ---- */

static int fork_exec(struct cfg *c, int marked)
{
    if (marked)
        EOS_ICOUNT_START(ID_FORK_EXEC);
    pid_t pid = fork();
    if (pid == 0) {
        execve(c->true_path, c->child_argv, c->child_envp);
        _exit(127);
    }
    int rc = pid < 0 ? -1 : reap(pid);
    if (marked)
        EOS_ICOUNT_STOP(ID_FORK_EXEC);
    if (pid < 0)
        snprintf(why, sizeof why, "fork: %s", strerror(errno));
    return rc;
}

static int spawn(struct cfg *c, int marked)
{
    pid_t pid;
    if (marked)
        EOS_ICOUNT_START(ID_POSIX_SPAWN);
    int e = posix_spawn(&pid, c->true_path, NULL, NULL, c->child_argv, c->child_envp);
    int rc = e != 0 ? -1 : reap(pid);
    if (marked)
        EOS_ICOUNT_STOP(ID_POSIX_SPAWN);
    if (e != 0)
        snprintf(why, sizeof why, "posix_spawn: %s", strerror(e));
    return rc;
}

/* ---- memcached ---- */

/* A complete reply to "get KEY": "END\r\n" after zero or one VALUE block. */
static int reply_complete(const char *buf, size_t len)
{
    return len >= 5 && memcmp(buf + len - 5, "END\r\n", 5) == 0;
}

static int reply_has_value(const char *buf, size_t len)
{
    return len >= 6 && memcmp(buf, "VALUE ", 6) == 0;
}

/* The start of a reply as one printable line, for error messages. */
static const char *shown(const char *buf, size_t len)
{
    static char out[41];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof out - 1; i++)
        out[n++] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '.';
    out[n] = '\0';
    return out;
}

/* Replies are waited for in recv/recvfrom on a blocking socket, so that the
 * marked path holds only the calls a client makes; the receive timeout keeps
 * a lost reply from hanging the run. */
static int set_timeout(int fd)
{
    struct timeval tv = {REPLY_TIMEOUT_MS / 1000, (REPLY_TIMEOUT_MS % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
        snprintf(why, sizeof why, "SO_RCVTIMEO: %s", strerror(errno));
        return -1;
    }
    return 0;
}

struct udp {
    int fd;
    uint16_t rid;
    unsigned char req[300];
    size_t reqlen;
};

static int udp_open(struct cfg *c, struct udp *u)
{
    u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (u->fd < 0) {
        snprintf(why, sizeof why, "socket: %s", strerror(errno));
        return -1;
    }
    if (set_timeout(u->fd) < 0)
        return -1;
    u->rid = (uint16_t)getpid();
    /* memcached's UDP frame header: request id, sequence 0, 1 datagram, 0 */
    memset(u->req, 0, 8);
    u->req[5] = 1;
    int n = snprintf((char *)u->req + 8, sizeof u->req - 8, "get %s\r\n", c->key);
    u->reqlen = 8 + (size_t)n;
    return 0;
}

/* One request and its reply: sendto, the server's work, recvfrom. */
static int udp_get(struct cfg *c, struct udp *u, int marked)
{
    unsigned char in[2048];
    uint16_t rid = ++u->rid;
    u->req[0] = (unsigned char)(rid >> 8);
    u->req[1] = (unsigned char)rid;
    ssize_t n;
    if (marked)
        EOS_ICOUNT_START(ID_MC_UDP);
    if (sendto(u->fd, u->req, u->reqlen, 0, (struct sockaddr *)&c->udp, sizeof c->udp) < 0) {
        if (marked)
            EOS_ICOUNT_STOP(ID_MC_UDP);
        snprintf(why, sizeof why, "sendto: %s", strerror(errno));
        return -1;
    }
    for (;;) {
        n = recvfrom(u->fd, in, sizeof in, 0, NULL, NULL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n >= 8 && ((in[0] << 8) | in[1]) != rid)
            continue; /* a late answer to an earlier request */
        break;
    }
    if (marked)
        EOS_ICOUNT_STOP(ID_MC_UDP);
    if (n < 0) {
        snprintf(why, sizeof why, "recvfrom: %s", strerror(errno));
        return -1;
    }
    if (n < 8 || !reply_complete((char *)in + 8, (size_t)n - 8) || !reply_has_value((char *)in + 8, (size_t)n - 8)) {
        snprintf(why, sizeof why, "unexpected UDP reply (%zd bytes): %s", n,
                 n > 8 ? shown((char *)in + 8, (size_t)n - 8) : "");
        return -1;
    }
    return 0;
}

static int tcp_open(struct cfg *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, sizeof why, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (set_timeout(fd) < 0) {
        close(fd);
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&c->tcp, sizeof c->tcp) < 0) {
        snprintf(why, sizeof why, "connect to port %u: %s", ntohs(c->tcp.sin_port), strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int tcp_get(struct cfg *c, int fd, int marked)
{
    char req[300], in[2048];
    int len = snprintf(req, sizeof req, "get %s\r\n", c->key);
    size_t got = 0;
    int rc = 0;
    if (marked)
        EOS_ICOUNT_START(ID_MC_TCP);
    if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
        snprintf(why, sizeof why, "send: %s", strerror(errno));
        rc = -1;
    }
    while (rc == 0 && !reply_complete(in, got)) {
        ssize_t n = recv(fd, in + got, sizeof in - 1 - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(why, sizeof why, "recv: %s", n < 0 ? strerror(errno) : "connection closed");
            rc = -1;
        } else if ((got += (size_t)n) >= sizeof in - 1) {
            snprintf(why, sizeof why, "reply longer than %zu bytes", sizeof in - 1);
            rc = -1;
        }
    }
    if (marked)
        EOS_ICOUNT_STOP(ID_MC_TCP);
    if (rc == 0 && !reply_has_value(in, got)) {
        snprintf(why, sizeof why, "unexpected TCP reply: %s", shown(in, got));
        rc = -1;
    }
    return rc;
}

/* ---- driver ---- */

struct op {
    unsigned id;
    const char *name;
};

static const struct op ops[] = {
    {ID_FORK_EXEC, "linux_fork_exec"},
    {ID_POSIX_SPAWN, "linux_posix_spawn"},
    {ID_MC_UDP, "linux_memcached_request_udp"},
    {ID_MC_TCP, "linux_memcached_request_tcp"},
};
#define NOPS (sizeof ops / sizeof ops[0])

/* Warm-up runs (unmarked), then K marked runs of operation i. */
static int run_op(struct cfg *c, size_t i)
{
    struct udp u = {.fd = -1};
    int tcp = -1, rc = 0;
    if (ops[i].id == ID_MC_UDP && udp_open(c, &u) < 0)
        return -1;
    if (ops[i].id == ID_MC_TCP && (tcp = tcp_open(c)) < 0)
        return -1;
    for (unsigned n = 0; rc == 0 && n < c->warmup + c->k; n++) {
        int marked = n >= c->warmup;
        switch (ops[i].id) {
        case ID_FORK_EXEC: rc = fork_exec(c, marked); break;
        case ID_POSIX_SPAWN: rc = spawn(c, marked); break;
        case ID_MC_UDP: rc = udp_get(c, &u, marked); break;
        default: rc = tcp_get(c, tcp, marked); break;
        }
        if (rc < 0) {
            char w[256];
            snprintf(w, sizeof w, "run %u%s: %.200s", n < c->warmup ? n + 1 : n - c->warmup + 1,
                     n < c->warmup ? " (warm-up)" : "", why);
            memcpy(why, w, sizeof why);
        }
    }
    if (u.fd >= 0)
        close(u.fd);
    if (tcp >= 0)
        close(tcp);
    return rc;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: icount_peers [--k K] [--true PATH] [--host A.B.C.D] [--udp-port P]\n"
                    "                    [--tcp-port P] [--key KEY] [--warmup N]\n"
                    "  defaults: K 50, TRUE /bin/startup-true, host 127.0.0.1, UDP 11211, TCP 11212,\n"
                    "            key key:1, 3 unmarked warm-up runs per operation\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct cfg c = {0};
    const char *host = "127.0.0.1";
    unsigned udp_port = 11211, tcp_port = 11212;
    c.true_path = "/bin/startup-true";
    c.key = "key:1";
    c.k = 50;
    c.warmup = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(a, "--k")) {
            if (parse_uint(v, 1000000, &c.k) < 0 || c.k == 0)
                usage();
        } else if (!strcmp(a, "--warmup")) {
            if (parse_uint(v, 1000, &c.warmup) < 0)
                usage();
        } else if (!strcmp(a, "--udp-port")) {
            if (parse_uint(v, 65535, &udp_port) < 0 || udp_port == 0)
                usage();
        } else if (!strcmp(a, "--tcp-port")) {
            if (parse_uint(v, 65535, &tcp_port) < 0 || tcp_port == 0)
                usage();
        } else if (!strcmp(a, "--true")) {
            c.true_path = v;
        } else if (!strcmp(a, "--host")) {
            host = v;
        } else if (!strcmp(a, "--key")) {
            if (strlen(v) == 0 || strlen(v) > 250 || strpbrk(v, " \r\n"))
                usage();
            c.key = v;
        } else {
            usage();
        }
        i++;
    }
    c.child_argv[0] = (char *)c.true_path;
    c.udp.sin_family = c.tcp.sin_family = AF_INET;
    c.udp.sin_port = htons((uint16_t)udp_port);
    c.tcp.sin_port = htons((uint16_t)tcp_port);
    if (inet_pton(AF_INET, host, &c.udp.sin_addr) != 1) {
        fprintf(stderr, "icount_peers: bad IPv4 address %s\n", host);
        return 2;
    }
    c.tcp.sin_addr = c.udp.sin_addr;

    for (size_t i = 0; i < NOPS; i++)
        say("icount-name,%u,%s", ops[i].id, ops[i].name);
    int failed = 0;
    for (size_t i = 0; i < NOPS; i++) {
        if (run_op(&c, i) < 0) {
            say("PEER ERROR icount %s: %s", ops[i].name, why);
            failed = 1;
        } else {
            say("icount-ok,%u,%u", ops[i].id, c.k);
        }
    }
    return failed;
}
