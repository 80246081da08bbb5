/*
 * mc_options.c - memcached 1.6's command line (see mc_options.h).
 *
 * Error messages and exit statuses follow memcached 1.6.18, so scripts
 * and test harnesses written for memcached see the same failures.
 */
#include "mc_options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#ifdef MC_DEBUG_BUILD
#define MC_PROGRAM "memcached-debug"
#else
#define MC_PROGRAM "edgeos-memcached"
#endif

const char *mc_options_protocol_name(int protocol)
{
    return protocol == MC_PROTO_ASCII ? "ascii" : protocol == MC_PROTO_BINARY ? "binary" : "auto-negotiate";
}

static void usage(void)
{
    /* Options are those of memcached 1.6.18; the words are EdgeOS's. */
    printf("memcached 1.6.18 (EdgeOS engine: %s)\n"
           "-p, --port=<num>          TCP port (default: 11211)\n"
           "-U, --udp-port=<num>      UDP port (default: 0, off)\n"
           "-s, --unix-socket=<file>  listen on this UNIX socket only (no TCP or UDP)\n"
           "-a, --unix-mask=<mask>    permissions of the UNIX socket, octal (default: 700)\n"
           "-A, --enable-shutdown     let clients stop the server with \"shutdown\"\n"
           "-l, --listen=<addr>       addresses to listen on, comma separated (default: all)\n"
           "-d, --daemon              run in the background\n"
           "-r, --enable-coredumps    raise the core file limit\n"
           "-u, --user=<user>         run as this user (required when started as root)\n"
           "-m, --memory-limit=<num>  item memory in megabytes (default: 64)\n"
           "-M, --disable-evictions   answer out of memory instead of evicting items\n"
           "-c, --conn-limit=<num>    most connections at once (default: 1024)\n"
           "-k, --lock-memory         lock all memory in RAM\n"
           "-v, --verbose             print errors; -vv also commands; -vvv more\n"
           "-h, --help                print this help and exit\n"
           "-i, --license             print the licence and exit\n"
           "-V, --version             print the version and exit\n"
           "-P, --pidfile=<file>      write the process id here (with -d)\n"
           "-f, --slab-growth-factor=<num> chunk size growth factor (default: 1.25)\n"
           "-n, --slab-min-size=<bytes> smallest chunk for key, value and flags (default: 48)\n"
           "-L, --enable-largepages   use large memory pages where available\n"
           "-D <char>                 delimiter of key prefixes for \"stats detail\"\n"
           "                          (default: ':'); giving it turns per-prefix stats on\n"
           "-t, --threads=<num>       worker threads (default: 4)\n"
           "-R, --max-reqs-per-event  requests served per connection per event (default: 20)\n"
           "-C, --disable-cas         no CAS values\n"
           "-b, --listen-backlog=<num> listen queue length (default: 1024)\n"
           "-B, --protocol=<name>     ascii, binary or auto (default: auto)\n"
           "-I, --max-item-size=<num> largest item (default: 1m, min: 1k, max: 1024m)\n"
           "-F, --disable-flush-all   refuse flush_all\n"
           "-X, --disable-dumping     refuse stats cachedump and lru_crawler metadump\n"
           "-W  --disable-watch       refuse watch\n"
           "-Y, --auth-file=<file>    ASCII authentication: clients first send\n"
           "                          \"set KEY FLAGS EXPTIME BYTES\" with \"user password\" as\n"
           "                          data; the file holds user:password lines (reread on SIGHUP)\n"
           "-N, --napi_ids            number of NAPI ids\n"
           "-o, --extended            comma separated list of extended options:\n"
           "   maxconns_fast, no_maxconns_fast, hashpower=N, no_hashexpand,\n"
           "   slab_reassign, no_slab_reassign, slab_automove=N, slab_automove_ratio=F,\n"
           "   slab_automove_window=N, tail_repair_time=S, hash_algorithm=NAME,\n"
           "   lru_crawler, no_lru_crawler, lru_crawler_sleep=US, lru_crawler_tocrawl=N,\n"
           "   lru_maintainer, no_lru_maintainer, hot_lru_pct=N, warm_lru_pct=N,\n"
           "   hot_max_factor=F, warm_max_factor=F, temporary_ttl=S, idle_timeout=S,\n"
           "   watcher_logbuf_size=KB, worker_logbuf_size=KB, slab_sizes=LIST,\n"
           "   slab_chunk_max=BYTES, track_sizes, no_chunked_items, modern, no_modern,\n"
           "   inline_ascii_resp, no_inline_ascii_resp, read_buf_mem_limit=MB,\n"
           "   drop_privileges, no_drop_privileges, sock_cookie_id=N%s;\n"
           "   EdgeOS: poll_us=N (keep polling N microseconds after activity)\n",
           MC_PROGRAM,
#ifdef MC_DEBUG_BUILD
           ", relaxed_privileges"
#else
           ""
#endif
    );
}

static bool to_long(const char *s, long *v)
{
    if (!s || !*s)
        return false;
    char *end;
    *v = strtol(s, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    return *end == 0;
}

static bool to_double(const char *s, double *v)
{
    if (!s || !*s)
        return false;
    char *end;
    *v = strtod(s, &end);
    return *end == 0;
}

/* One -o key[=value]. Returns 0, or the exit status after printing why. */
static int suboption(mc_options *o, char *tok, bool *chunk_changed, int *hot, int *warm)
{
    char *val = strchr(tok, '=');
    if (val)
        *val++ = 0;
    const char *k = tok;
    long n;
    double f;
#define NEED(msg)                                                                                                     \
    if (!val) {                                                                                                       \
        fprintf(stderr, "%s\n", msg);                                                                                 \
        return 1;                                                                                                     \
    }
    if (!strcmp(k, "maxconns_fast")) {
        o->host.maxconns_fast = true;
    } else if (!strcmp(k, "no_maxconns_fast")) {
        o->host.maxconns_fast = false;
    } else if (!strcmp(k, "hashpower")) {
        NEED("Missing numeric argument for hashpower");
        if (!to_long(val, &n))
            n = 0;
        if (n < 12) {
            fprintf(stderr, "Initial hashtable multiplier of %ld is too low\n", n);
            return 1;
        }
        if (n > 32) {
            fprintf(stderr, "Initial hashtable multiplier of %ld is too high\n"
                            "Choose a value based on \"STAT hash_power_level\" from a running instance\n", n);
            return 1;
        }
        o->host.hashpower_init = (unsigned)n;
    } else if (!strcmp(k, "slab_reassign")) {
        o->cfg.slab_reassign_disabled = false;
    } else if (!strcmp(k, "no_slab_reassign")) {
        o->cfg.slab_reassign_disabled = true;
    } else if (!strcmp(k, "no_hashexpand") || !strcmp(k, "modern") || !strcmp(k, "inline_ascii_resp") ||
               !strcmp(k, "no_inline_ascii_resp")) {
        /* internals of memcached's slab allocator and hash table */
    } else if (!strcmp(k, "no_slab_automove")) {
        o->cfg.slab_automove = 0;
    } else if (!strcmp(k, "slab_automove")) {
        if (!val) {
            o->cfg.slab_automove = 1;
        } else if (!to_long(val, &n) || n < 0 || n > 2) {
            fprintf(stderr, "slab_automove must be between 0 and 2\n");
            return 1;
        } else {
            o->cfg.slab_automove = (uint8_t)n;
        }
    } else if (!strcmp(k, "slab_automove_ratio")) {
        NEED("Missing slab_automove_ratio argument");
        if (!to_double(val, &f) || f <= 0 || f >= 1) {
            fprintf(stderr, "slab_automove_ratio must be > 0 and < 1\n");
            return 1;
        }
    } else if (!strcmp(k, "slab_automove_window")) {
        NEED("Missing slab_automove_window argument");
        if (!to_long(val, &n) || n < 3) {
            fprintf(stderr, "slab_automove_window must be > 2\n");
            return 1;
        }
    } else if (!strcmp(k, "tail_repair_time")) {
        NEED("Missing numeric argument for tail_repair_time");
        if (!to_long(val, &n) || n < 10) {
            fprintf(stderr, "Cannot set tail_repair_time to less than 10 seconds\n");
            return 1;
        }
    } else if (!strcmp(k, "hash_algorithm")) {
        NEED("Missing hash_algorithm argument");
        if (strcmp(val, "jenkins") && strcmp(val, "murmur3") && strcmp(val, "xxh3")) {
            fprintf(stderr, "Unknown hash_algorithm option (jenkins, murmur3, xxh3)\n");
            return 1;
        }
    } else if (!strcmp(k, "lru_crawler")) {
        o->host.lru_crawler = true;
    } else if (!strcmp(k, "no_lru_crawler")) {
        o->host.lru_crawler = false;
    } else if (!strcmp(k, "lru_crawler_sleep")) {
        NEED("Missing lru_crawler_sleep value");
        if (!to_long(val, &n) || n < 0 || n > 1000000) {
            fprintf(stderr, "LRU crawler sleep must be between 0 and 1 second\n");
            return 1;
        }
    } else if (!strcmp(k, "lru_crawler_tocrawl")) {
        NEED("Missing lru_crawler_tocrawl value");
        if (!to_long(val, &n) || n < 0 || n > 0xffffffffL) {
            fprintf(stderr, "lru_crawler_tocrawl takes a numeric 32bit value\n");
            return 1;
        }
    } else if (!strcmp(k, "lru_maintainer")) {
        o->host.lru_maintainer = true;
    } else if (!strcmp(k, "no_lru_maintainer")) {
        o->host.lru_maintainer = false;
    } else if (!strcmp(k, "hot_lru_pct") || !strcmp(k, "warm_lru_pct")) {
        bool hotp = k[0] == 'h';
        if (!val) {
            fprintf(stderr, "Missing %s argument\n", k);
            return 1;
        }
        if (!to_long(val, &n) || n < 1 || n >= 80) {
            fprintf(stderr, "%s must be > 1 and < 80\n", k);
            return 1;
        }
        *(hotp ? hot : warm) = (int)n;
    } else if (!strcmp(k, "hot_max_factor") || !strcmp(k, "warm_max_factor")) {
        if (!val) {
            fprintf(stderr, "Missing %s argument\n", k);
            return 1;
        }
        if (!to_double(val, &f) || f <= 0) {
            fprintf(stderr, "%s must be > 0\n", k);
            return 1;
        }
    } else if (!strcmp(k, "temporary_ttl")) {
        NEED("Missing temporary_ttl argument");
        if (!to_long(val, &n) || n < 0)
            n = 0;
        o->host.temp_lru = true;
        o->host.temporary_ttl = (unsigned)n;
    } else if (!strcmp(k, "idle_timeout")) {
        NEED("Missing numeric argument for idle_timeout");
        if (!to_long(val, &n) || n < 0)
            n = 0;
        o->host.idle_timeout = (unsigned)n;
    } else if (!strcmp(k, "watcher_logbuf_size") || !strcmp(k, "worker_logbuf_size") ||
               !strcmp(k, "read_buf_mem_limit")) {
        if (!val) {
            fprintf(stderr, "Missing %s argument\n", k);
            return 1;
        }
        if (!to_long(val, &n) || n < 0) {
            fprintf(stderr, "could not parse argument to %s\n", k);
            return 1;
        }
        if (!strcmp(k, "watcher_logbuf_size"))
            o->cfg.watch_buf_size = (uint32_t)(n > 4194303 ? 4194303 : n) * 1024;
        if (!strcmp(k, "read_buf_mem_limit"))   /* megabytes, kept in bytes as memcached keeps it */
            o->host.read_buf_mem_limit = (uint32_t)((unsigned long)n * 1024 * 1024);
    } else if (!strcmp(k, "slab_sizes")) {
        NEED("Missing slab_sizes argument");
    } else if (!strcmp(k, "slab_chunk_max")) {
        NEED("Missing slab_chunk_max argument");
        if (!to_long(val, &n) || n <= 0) {
            fprintf(stderr, "could not parse argument to slab_chunk_max\n");
            return 1;
        }
        o->host.slab_chunk_max = (unsigned)n;
        *chunk_changed = true;
    } else if (!strcmp(k, "no_chunked_items")) {
        o->host.slab_chunk_max = 1024 * 1024;
    } else if (!strcmp(k, "track_sizes")) {
        o->host.track_sizes = true;
    } else if (!strcmp(k, "no_modern")) {
        o->host.maxconns_fast = false;
        o->host.lru_crawler = false;
        o->host.lru_maintainer = false;
        o->cfg.slab_automove = 0;
        o->cfg.slab_reassign_disabled = true;
        if (!*chunk_changed)
            o->host.slab_chunk_max = 1024 * 1024;
    } else if (!strcmp(k, "drop_privileges")) {
        o->drop_privileges = true;
    } else if (!strcmp(k, "no_drop_privileges")) {
        o->drop_privileges = false;
    } else if (!strcmp(k, "resp_obj_mem_limit")) {
        fprintf(stderr, "DEPRECATED: resp_obj_mem_limit no longer used. See read_buf_mem_limit,\n");
    } else if (!strcmp(k, "sock_cookie_id")) {
        NEED("Missing numeric argument for socket cookie id");
    } else if (!strcmp(k, "poll_us")) {
        if (!to_long(val, &n) || n < 0 || n > 1000000) {
            fprintf(stderr, "poll_us takes microseconds, 0 to 1000000\n");
            return 1;
        }
        o->poll_us = n;
#ifdef MC_DEBUG_BUILD
    } else if (!strcmp(k, "relaxed_privileges")) {
        o->host.relaxed_privileges = true;
#endif
    } else {
        /* extstore (ext_*), TLS (ssl_*), the proxy (proxy_*) and anything
         * unknown: as a memcached built without them answers */
        if (val)
            val[-1] = '=';
        printf("Illegal suboption \"%s\"\n", tok);
        return 1;
    }
#undef NEED
    return 0;
}

static int parse_item_size(const char *arg, mc_options *o)
{
    size_t n = strlen(arg);
    long long v = atoll(arg);
    if (n > 0) {
        char u = arg[n - 1];
        if (u == 'k' || u == 'K')
            v *= 1024;
        else if (u == 'm' || u == 'M')
            v *= 1024 * 1024;
    }
    o->cfg.item_size_max = v < 0 ? 0 : v > 0xffffffffLL ? 0xffffffffu : (uint32_t)v;
    return 0;
}

int mc_options_parse(int argc, char **argv, mc_options *o)
{
    memset(o, 0, sizeof *o);
    mc_config_default(&o->cfg);
    o->host.tcp_port = 11211;
    o->host.umask = 0700;
    o->host.growth_factor = 1.25;
    o->host.chunk_size = 48;
    o->host.detail_delimiter = ':';
    o->host.threads = 4;
    o->host.reqs_per_event = 20;
    o->host.tcp_backlog = 1024;
    o->host.max_connections = 1024;
    o->host.maxconns_fast = true;
    o->host.lru_crawler = true;
    o->host.lru_maintainer = true;
    o->host.temporary_ttl = 61;
    o->host.slab_chunk_max = 512 * 1024;
    bool tcp_given = false, udp_given = false, chunk_changed = false, proto_given = false;
    int hot = 20, warm = 40;
    static const struct option longopts[] = {
        { "unix-mask", required_argument, 0, 'a' },
        { "enable-shutdown", no_argument, 0, 'A' },
        { "enable-ssl", no_argument, 0, 'Z' },
        { "port", required_argument, 0, 'p' },
        { "unix-socket", required_argument, 0, 's' },
        { "udp-port", required_argument, 0, 'U' },
        { "memory-limit", required_argument, 0, 'm' },
        { "disable-evictions", no_argument, 0, 'M' },
        { "conn-limit", required_argument, 0, 'c' },
        { "lock-memory", no_argument, 0, 'k' },
        { "help", no_argument, 0, 'h' },
        { "license", no_argument, 0, 'i' },
        { "version", no_argument, 0, 'V' },
        { "enable-coredumps", no_argument, 0, 'r' },
        { "verbose", optional_argument, 0, 'v' },
        { "daemon", no_argument, 0, 'd' },
        { "listen", required_argument, 0, 'l' },
        { "user", required_argument, 0, 'u' },
        { "pidfile", required_argument, 0, 'P' },
        { "slab-growth-factor", required_argument, 0, 'f' },
        { "slab-min-size", required_argument, 0, 'n' },
        { "threads", required_argument, 0, 't' },
        { "enable-largepages", no_argument, 0, 'L' },
        { "max-reqs-per-event", required_argument, 0, 'R' },
        { "disable-cas", no_argument, 0, 'C' },
        { "listen-backlog", required_argument, 0, 'b' },
        { "protocol", required_argument, 0, 'B' },
        { "max-item-size", required_argument, 0, 'I' },
        { "enable-sasl", no_argument, 0, 'S' },
        { "disable-flush-all", no_argument, 0, 'F' },
        { "disable-dumping", no_argument, 0, 'X' },
        { "disable-watch", no_argument, 0, 'W' },
        { "auth-file", required_argument, 0, 'Y' },
        { "memory-file", required_argument, 0, 'e' },
        { "extended", required_argument, 0, 'o' },
        { "napi-ids", required_argument, 0, 'N' },
        { 0, 0, 0, 0 },
    };
    int c;
    long n;
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "a:AZp:s:U:m:Mc:khiVrvdl:u:P:f:n:t:D:LR:Cb:B:I:SFXWY:e:o:N:", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'A':
            o->cfg.shutdown_enabled = true;
            break;
        case 'Z':
            fprintf(stderr, "This server is not built with TLS support.\n");
            return EX_USAGE;
        case 'a':
            o->host.umask = (unsigned)strtol(optarg, NULL, 8);
            break;
        case 'U':
            o->host.udp_port = atoi(optarg);
            udp_given = true;
            break;
        case 'p':
            o->host.tcp_port = atoi(optarg);
            tcp_given = true;
            break;
        case 's':
            o->host.domain_socket = optarg;
            break;
        case 'm':
            o->cfg.mem_limit = (uint64_t)(unsigned)atoi(optarg) * 1024 * 1024;
            break;
        case 'M':
            o->cfg.evictions_disabled = true;
            break;
        case 'c':
            n = atol(optarg);
            if (n <= 0) {
                fprintf(stderr, "Maximum connections must be greater than 0\n");
                return 1;
            }
            o->host.max_connections = (unsigned)n;
            break;
        case 'h':
            usage();
            return 0;
        case 'i':
            printf("edgeos-memcached: the EdgeOS memcached engine, a server compatible with memcached 1.6.18.\n"
                   "It is part of EdgeOS and distributed under the EdgeOS project's licence;\n"
                   "no memcached or libevent code is included.\n");
            return 0;
        case 'V':
            printf("memcached %s\n", o->cfg.version);
            return 0;
        case 'k':
            o->lock_memory = true;
            break;
        case 'v':
            o->verbose++;
            break;
        case 'l':
            if (o->listen) {
                if (strstr(o->listen, optarg))
                    break;
                size_t len = strlen(o->listen) + strlen(optarg) + 2;
                char *p = malloc(len);
                if (!p) {
                    fprintf(stderr, "Failed to allocate memory\n");
                    return 1;
                }
                snprintf(p, len, "%s,%s", o->listen, optarg);
                free(o->listen);
                o->listen = p;
            } else if (!(o->listen = strdup(optarg))) {
                fprintf(stderr, "Failed to allocate memory\n");
                return 1;
            }
            break;
        case 'd':
            o->daemonize = true;
            break;
        case 'r':
            o->maxcore = true;
            break;
        case 'R':
            n = atol(optarg);
            if (n <= 0) {
                fprintf(stderr, "Number of requests per event must be greater than 0\n");
                return 1;
            }
            o->host.reqs_per_event = (unsigned)n;
            break;
        case 'u':
            o->user = optarg;
            break;
        case 'P':
            o->pidfile = optarg;
            break;
        case 'e':
            o->host.memory_file = optarg;
            break;
        case 'f':
            o->host.growth_factor = atof(optarg);
            if (o->host.growth_factor <= 1.0) {
                fprintf(stderr, "Factor must be greater than 1\n");
                return 1;
            }
            break;
        case 'n':
            n = atol(optarg);
            if (n <= 0) {
                fprintf(stderr, "Chunk size must be greater than 0\n");
                return 1;
            }
            o->host.chunk_size = (unsigned)n;
            break;
        case 't':
            n = atol(optarg);
            if (n <= 0) {
                fprintf(stderr, "Number of threads must be greater than 0\n");
                return 1;
            }
            if (n > 64)
                fprintf(stderr, "WARNING: Setting a high number of worker threads is not recommended.\n"
                                " Set this value to the number of cores in your machine or less.\n");
            o->host.threads = (unsigned)n;
            break;
        case 'D':
            if (!optarg || !optarg[0]) {
                fprintf(stderr, "No delimiter specified\n");
                return 1;
            }
            o->host.detail_delimiter = optarg[0];
            o->cfg.detail_enabled = true;
            break;
        case 'L':
            o->large_pages = true;
            break;
        case 'C':
            o->cfg.cas_disabled = true;
            break;
        case 'b':
            o->host.tcp_backlog = atoi(optarg);
            break;
        case 'B':
            if (!strcmp(optarg, "auto")) {
                o->cfg.protocol = MC_PROTO_AUTO;
            } else if (!strcmp(optarg, "binary")) {
                o->cfg.protocol = MC_PROTO_BINARY;
            } else if (!strcmp(optarg, "ascii")) {
                o->cfg.protocol = MC_PROTO_ASCII;
            } else {
                fprintf(stderr, "Invalid value for binding protocol: %s\n"
                                " -- should be one of auto, binary, or ascii\n", optarg);
                return EX_USAGE;
            }
            proto_given = true;
            break;
        case 'I':
            parse_item_size(optarg, o);
            break;
        case 'S':
            fprintf(stderr, "This server is not built with SASL support.\n");
            return EX_USAGE;
        case 'F':
            o->cfg.flush_disabled = true;
            break;
        case 'X':
            o->cfg.dump_disabled = true;
            break;
        case 'W':
            o->cfg.watch_disabled = true;
            break;
        case 'Y':
            o->host.auth_file = optarg;
            break;
        case 'N':
            n = atol(optarg);
            if (n <= 0) {
                fprintf(stderr, "Maximum number of NAPI IDs must be greater than 0\n");
                return 1;
            }
            o->napi_ids = (unsigned)n;
            break;
        case 'o': {
            char *list = strdup(optarg);
            if (!list) {
                fprintf(stderr, "Failed to allocate memory\n");
                return 1;
            }
            int r = 0;
            for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok && !r; tok = strtok_r(NULL, ",", &save))
                r = suboption(o, tok, &chunk_changed, &hot, &warm);
            free(list);
            if (r)
                return r;
            break;
        }
        default:
            /* getopt has printed which option; memcached then says this */
            fprintf(stderr, "Illegal argument \"%c\"\n", optopt ? optopt : '?');
            return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "Illegal argument \"%s\"\n", argv[optind]);
        return 1;
    }
    if (o->napi_ids > o->host.threads) {
        fprintf(stderr, "Number of napi_ids(%u) cannot be greater than number of threads(%u)\n", o->napi_ids,
                o->host.threads);
        return EX_USAGE;
    }
    uint32_t isz = o->cfg.item_size_max;
    if (isz < 1024) {
        fprintf(stderr, "Item max size cannot be less than 1024 bytes.\n");
        return EX_USAGE;
    }
    if (isz > o->cfg.mem_limit / 2) {
        fprintf(stderr, "Cannot set item size limit higher than 1/2 of memory max.\n");
        return EX_USAGE;
    }
    if (isz > 1024u * 1024 * 1024) {
        fprintf(stderr, "Cannot set item size limit higher than a gigabyte.\n");
        return EX_USAGE;
    }
    if (isz > 1024 * 1024 && !chunk_changed)
        o->host.slab_chunk_max = 512 * 1024;
    if (o->host.slab_chunk_max > isz) {
        fprintf(stderr, "slab_chunk_max (bytes: %u) cannot be larger than -I (item_size_max %u)\n", o->host.slab_chunk_max,
                isz);
        return EX_USAGE;
    }
    if (isz % o->host.slab_chunk_max != 0) {
        fprintf(stderr, "-I (item_size_max: %u) must be evenly divisible by slab_chunk_max (bytes: %u)\n", isz,
                o->host.slab_chunk_max);
        return EX_USAGE;
    }
    if (hot + warm > 80) {
        fprintf(stderr, "hot_lru_pct + warm_lru_pct cannot be more than 80%% combined\n");
        return EX_USAGE;
    }
    if (o->host.temp_lru && !o->host.lru_maintainer) {
        fprintf(stderr, "temporary_ttl requires lru_maintainer to be enabled\n");
        return EX_USAGE;
    }
    if (o->host.auth_file) {
        /* ASCII authentication speaks only the text protocol, over streams */
        if (proto_given && o->cfg.protocol != MC_PROTO_ASCII) {
            fprintf(stderr, "ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens.\n");
            return EX_USAGE;
        }
        o->cfg.protocol = MC_PROTO_ASCII;
        o->cfg.auth_required = true;
        if (o->host.udp_port != 0) {
            fprintf(stderr, "Cannot use UDP with ascii authentication enabled (-U 0 to disable)\n");
            return EX_USAGE;
        }
    }
    /* memcached splits read_buf_mem_limit between its worker threads and a
     * connection only draws on its own thread's share: this server's one
     * loop gets one share */
    if (o->host.read_buf_mem_limit)
        o->cfg.conn_buf_limit = o->host.read_buf_mem_limit / (o->host.threads ? o->host.threads : 1);
    if (udp_given && o->host.udp_port != 0 && !tcp_given)
        o->host.tcp_port = o->host.udp_port;
    if (o->host.domain_socket) {
        o->host.tcp_port = 0;            /* a UNIX socket replaces the network */
        o->host.udp_port = 0;
    }
    o->cfg.hash_power = (uint8_t)(o->host.hashpower_init ? o->host.hashpower_init : 16);
    /* memory as memcached's slab allocator hands it out */
    o->cfg.slab_allocator = true;
    o->cfg.slab_factor = o->host.growth_factor;
    o->cfg.slab_min_chunk = o->host.chunk_size;
    o->cfg.slab_chunk_max = o->host.slab_chunk_max;
#ifdef MC_DEBUG_BUILD
    /* memcached's test hook: pages counted as taken before the first store */
    const char *im = getenv("T_MEMD_INITIAL_MALLOC");
    if (im)
        o->cfg.slab_initial_malloced = strtoull(im, NULL, 10);
#endif
    return -1;
}

void mc_options_free(mc_options *o)
{
    free(o->listen);
    o->listen = NULL;
}
