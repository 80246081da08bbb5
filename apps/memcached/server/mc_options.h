/*
 * mc_options.h - memcached 1.6's command line for edgeos-memcached.
 *
 * Every short and long option of `memcached -h` (1.6.18) is recognised,
 * with the `-o key[=value],...` list. Options fall in three groups
 * (docs/memcached.md lists each):
 *   - they take effect (ports, sockets, memory, item size, connections,
 *     CAS, flush_all, evictions, dumping, shutdown, protocol, daemon...);
 *   - they only tune memcached's internals (threads, slab sizes, LRU
 *     maintenance, hash table...): checked as memcached checks them, shown
 *     by "stats settings", otherwise without effect;
 *   - they ask for features this server does not have (SASL, TLS,
 *     extstore, the proxy, ASCII authentication, a restartable memory
 *     file): refused, with memcached's wording where memcached has one.
 */
#ifndef MC_OPTIONS_H
#define MC_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "mc_engine.h"

typedef struct mc_options {
    mc_config cfg;              /* engine settings (-m -I -C -F -M -X -W -A) */
    int tcp_port, udp_port;     /* -p (11211), -U (0) */
    char *listen;               /* -l, comma-joined (NULL: any) */
    const char *unix_path;      /* -s */
    unsigned unix_mask;         /* -a (0700) */
    bool daemonize;             /* -d */
    bool maxcore;               /* -r */
    bool lock_memory;           /* -k */
    bool large_pages;           /* -L */
    const char *user;           /* -u */
    const char *pidfile;        /* -P */
    int verbose;                /* -v, -vv, -vvv */
    double factor;              /* -f (1.25) */
    unsigned chunk_size;        /* -n (48) */
    char delimiter;             /* -D (':'), turns "stats detail" on */
    bool detail;                /* -D given */
    unsigned threads;           /* -t (4) */
    unsigned reqs_per_event;    /* -R (20) */
    int backlog;                /* -b (1024) */
    int protocol;               /* -B: MC_OPT_PROTO_* */
    unsigned maxconns;          /* -c (1024) */
    unsigned napi_ids;          /* -N */
    /* -o */
    unsigned idle_timeout;      /* seconds, 0 = none */
    bool maxconns_fast;
    unsigned hashpower;
    unsigned slab_chunk_max;    /* bytes */
    bool lru_crawler, lru_maintainer, temp_lru, track_sizes;
    unsigned temporary_ttl;
    bool relaxed_privileges, drop_privileges;
    long poll_us;               /* EdgeOS: -o poll_us=N, busy-poll after events */
} mc_options;

#define MC_OPT_PROTO_AUTO MC_PROTO_AUTO
#define MC_OPT_PROTO_ASCII MC_PROTO_ASCII
#define MC_OPT_PROTO_BINARY MC_PROTO_BINARY

/* "auto-negotiate", "ascii" or "binary", as "stats settings" names them. */
const char *mc_options_protocol_name(int protocol);

/* Parses argv into *o (defaults first). Returns -1 when the server should
 * run, otherwise the exit status (0 after -h, -V or -i; non-zero after an
 * error, which has been printed as memcached prints it). */
int mc_options_parse(int argc, char **argv, mc_options *o);

void mc_options_free(mc_options *o);

#endif
