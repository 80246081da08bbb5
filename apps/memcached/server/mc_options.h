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
    mc_config cfg;              /* engine settings (-m -I -C -F -M -X -W -A -B, -D on) */
    mc_host_info host;          /* what "stats settings" shows: ports (-p -U), -s, -a,
                                 * -c, -t, -R, -b, -f, -n, -D's delimiter and the -o
                                 * settings; the server copies it into the engine */
    char *listen;               /* -l, comma-joined (NULL: any) */
    bool daemonize;             /* -d */
    bool maxcore;               /* -r */
    bool lock_memory;           /* -k */
    bool large_pages;           /* -L */
    const char *user;           /* -u */
    const char *pidfile;        /* -P */
    int verbose;                /* -v, -vv, -vvv */
    unsigned napi_ids;          /* -N */
    bool drop_privileges;       /* -o drop_privileges */
    long poll_us;               /* EdgeOS: -o poll_us=N, busy-poll after events */
} mc_options;


/* "auto-negotiate", "ascii" or "binary", as "stats settings" names them. */
const char *mc_options_protocol_name(int protocol);

/* Parses argv into *o (defaults first). Returns -1 when the server should
 * run, otherwise the exit status (0 after -h, -V or -i; non-zero after an
 * error, which has been printed as memcached prints it). */
int mc_options_parse(int argc, char **argv, mc_options *o);

void mc_options_free(mc_options *o);

#endif
