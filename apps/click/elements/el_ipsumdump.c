/* IP summary dumps: text traces with one packet per line.
 *
 *   FromIPSummaryDump(FILENAME [, STOP b, ACTIVE b, ZERO b, CHECKSUM b,
 *                     TIMING b, PROTO p, CONTENTS fields])     0/1 push source
 *   ToIPSummaryDump(FILENAME [, FIELDS/CONTENTS fields, VERBOSE b,
 *                   BANNER text])                               1/0
 *
 * A dump starts with "!" lines: "!data FIELD..." (or "!contents") names the
 * fields of the following lines, "!proto P" gives the IP protocol of lines
 * that do not say; "#" lines are comments. Fields are separated by spaces;
 * "-" is an absent field; payloads are double-quoted strings with C escapes.
 * FromIPSummaryDump builds an IPv4 packet for each line (a 20-byte IP
 * header; a TCP, UDP or ICMP header when the protocol is one of those;
 * then the payload), with the IP checksum set and, with CHECKSUM true, the
 * transport checksum too. The file is read through the host's file
 * operations (click_set_file_ops); without them the element fails to
 * initialize. ToIPSummaryDump writes "!IPSummaryDump 1.3", "!creator" and
 * "!data" lines, then one line per packet. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"
#include "../engine/click_net.h"

enum {
    F_NONE, F_TIMESTAMP, F_TS_SEC, F_TS_USEC, F_SRC, F_DST, F_SPORT, F_DPORT, F_PROTO,
    F_IP_LEN, F_IP_ID, F_IP_TTL, F_IP_TOS, F_IP_ECN, F_IP_DSCP, F_IP_HL, F_IP_FRAG,
    F_IP_FRAGOFF, F_IP_SUM, F_IP_OPT, F_CAPLEN, F_TCP_SEQ, F_TCP_ACK, F_TCP_FLAGS,
    F_TCP_WIN, F_TCP_OFF, F_TCP_OPT, F_TCP_URP, F_UDP_LEN, F_PAYLOAD_LEN, F_PAYLOAD,
    F_LINK, F_DIRECTION, F_ICMP_TYPE, F_ICMP_CODE, F_ICMP_TYPE_NAME, F_ICMP_FLOWID,
    F_ICMP_SEQ, F_COUNT
};

static const struct fname {
    const char *name;
    int f;
} fnames[] = {
    {"timestamp", F_TIMESTAMP}, {"ts", F_TIMESTAMP}, {"ts_sec", F_TS_SEC}, {"sec", F_TS_SEC},
    {"ts_usec", F_TS_USEC}, {"usec", F_TS_USEC}, {"ip_src", F_SRC}, {"src", F_SRC},
    {"ip_dst", F_DST}, {"dst", F_DST}, {"sport", F_SPORT}, {"dport", F_DPORT},
    {"ip_proto", F_PROTO}, {"proto", F_PROTO}, {"ip_len", F_IP_LEN}, {"len", F_IP_LEN},
    {"length", F_IP_LEN}, {"ip_id", F_IP_ID}, {"id", F_IP_ID}, {"ip_ttl", F_IP_TTL},
    {"ttl", F_IP_TTL}, {"ip_tos", F_IP_TOS}, {"tos", F_IP_TOS}, {"ip_ecn", F_IP_ECN},
    {"ip_dscp", F_IP_DSCP}, {"ip_hl", F_IP_HL}, {"ip_frag", F_IP_FRAG}, {"frag", F_IP_FRAG},
    {"ip_fragoff", F_IP_FRAGOFF}, {"fragoff", F_IP_FRAGOFF}, {"ip_sum", F_IP_SUM},
    {"ip_opt", F_IP_OPT}, {"ip_capture_len", F_CAPLEN}, {"tcp_seq", F_TCP_SEQ},
    {"seq", F_TCP_SEQ}, {"tcp_ack", F_TCP_ACK}, {"ack", F_TCP_ACK},
    {"tcp_flags", F_TCP_FLAGS}, {"flags", F_TCP_FLAGS}, {"tcp_window", F_TCP_WIN},
    {"tcp_win", F_TCP_WIN}, {"win", F_TCP_WIN}, {"tcp_off", F_TCP_OFF}, {"tcp_opt", F_TCP_OPT},
    {"tcp_urp", F_TCP_URP}, {"udp_len", F_UDP_LEN}, {"payload_len", F_PAYLOAD_LEN},
    {"payload", F_PAYLOAD}, {"link", F_LINK}, {"paint", F_LINK}, {"direction", F_DIRECTION},
    {"dir", F_DIRECTION}, {"icmp_type", F_ICMP_TYPE}, {"icmp_code", F_ICMP_CODE},
    {"icmp_type_name", F_ICMP_TYPE_NAME}, {"icmp_flowid", F_ICMP_FLOWID},
    {"icmp_seq", F_ICMP_SEQ}, {"count", F_COUNT}, {"pkt_count", F_COUNT},
    {NULL, F_NONE}};

#define MAX_FIELDS 32

static int field_lookup(const char *w) {
    for (int i = 0; fnames[i].name; i++)
        if (!strcmp(fnames[i].name, w)) return fnames[i].f;
    return F_NONE;
}

/* Parse a space- or comma-separated field list into out; returns the count
 * or -1 (unknown name copied into bad). */
static int parse_fields(const char *s, int *out, char *bad, size_t badlen) {
    int n = 0;
    while (*s) {
        while (*s && (isspace((unsigned char)*s) || *s == ',')) s++;
        if (!*s) break;
        char w[64];
        size_t l = 0;
        while (*s && !isspace((unsigned char)*s) && *s != ',') {
            if (l + 1 < sizeof w) w[l++] = *s;
            s++;
        }
        w[l] = 0;
        if (!strcmp(w, "\"") || !w[0]) continue;
        int f = field_lookup(w);
        if (f == F_NONE) {
            snprintf(bad, badlen, "%s", w);
            return -1;
        }
        if (n < MAX_FIELDS) out[n++] = f;
    }
    return n;
}

static const char *const icmp_names[] = {
    "echo-reply", NULL, NULL, "unreachable", "sourcequench", "redirect", NULL, NULL,
    "echo", "routeradvert", "routersolicit", "timeexceeded", "parameterproblem",
    "timestamp", "timestamp-reply", "inforeq", "inforeq-reply", "maskreq", "maskreq-reply"};

static const char tcp_flag_chars[] = "FSRPAUEW";

/* ------------------------------------------------------------------ */
/* FromIPSummaryDump */

typedef struct fromipsd {
    click_element e;
    char filename[256];
    bool stop, active, zero, checksum, timing;
    int default_proto;
    int fields[MAX_FIELDS];
    int nfields;
    char *buf;        /* whole file */
    char *pos;        /* next line */
    uint64_t count;
    bool have_first;
    uint64_t first_ts, first_now;
    bool done;
    click_packet *held; /* with TIMING: the next packet, not yet due */
} fromipsd;

static int bad(click_errh *errh, const char *msg) {
    click_errh_here(errh, "%s", msg);
    return -1;
}

static int fd_configure(click_element *e, click_args *a, click_errh *errh) {
    fromipsd *d = (fromipsd *)e;
    d->active = true;
    d->zero = true;
    d->default_proto = -1;
    const char *v;
    unsigned long long u;
    bool b;
    if ((v = click_args_kw(a, "STOP")) && click_parse_bool(v, &d->stop) < 0)
        return bad(errh, "STOP must be a boolean");
    if ((v = click_args_kw(a, "ACTIVE")) && click_parse_bool(v, &d->active) < 0)
        return bad(errh, "ACTIVE must be a boolean");
    if ((v = click_args_kw(a, "ZERO")) && click_parse_bool(v, &d->zero) < 0)
        return bad(errh, "ZERO must be a boolean");
    if ((v = click_args_kw(a, "CHECKSUM")) && click_parse_bool(v, &d->checksum) < 0)
        return bad(errh, "CHECKSUM must be a boolean");
    if ((v = click_args_kw(a, "TIMING")) && click_parse_bool(v, &d->timing) < 0)
        return bad(errh, "TIMING must be a boolean");
    if ((v = click_args_kw(a, "MULTIPACKET")) && click_parse_bool(v, &b) < 0)
        return bad(errh, "MULTIPACKET must be a boolean");
    if ((v = click_args_kw(a, "PROTO"))) {
        if (!strcmp(v, "T") || !strcmp(v, "tcp")) d->default_proto = IP_PROTO_TCP;
        else if (!strcmp(v, "U") || !strcmp(v, "udp")) d->default_proto = IP_PROTO_UDP;
        else if (!strcmp(v, "I") || !strcmp(v, "icmp")) d->default_proto = IP_PROTO_ICMP;
        else if (click_parse_uint(v, &u) == 0 && u < 256) d->default_proto = (int)u;
        else return bad(errh, "PROTO must be an IP protocol");
    }
    const char *c = click_args_kw(a, "CONTENTS");
    if (!c) c = click_args_kw(a, "DEFAULT_CONTENTS");
    if (c) {
        char badf[64];
        char tmp[1024];
        if (click_parse_string(c, tmp, sizeof tmp) < 0) snprintf(tmp, sizeof tmp, "%s", c);
        int n = parse_fields(tmp, d->fields, badf, sizeof badf);
        if (n < 0) {
            click_errh_here(errh, "unknown field '%s'", badf);
            return -1;
        }
        d->nfields = n;
    }
    const char *name = click_args_next(a);
    if (!name || click_parse_string(name, d->filename, sizeof d->filename) < 0 || !d->filename[0])
        return bad(errh, "expected FILENAME");
    return click_args_done(a);
}

static int fd_initialize(click_element *e, click_errh *errh) {
    fromipsd *d = (fromipsd *)e;
    const click_file_ops *fo = click_get_file_ops();
    if (!fo || !fo->read_all) {
        click_errh_here(errh, "no file access in this host: cannot read '%s'", d->filename);
        return -1;
    }
    char msg[256] = "";
    size_t len;
    d->buf = fo->read_all(fo->ctx, d->filename, &len, msg, sizeof msg);
    if (!d->buf) {
        click_errh_here(errh, "%s: %s", d->filename, msg[0] ? msg : "cannot read");
        return -1;
    }
    d->pos = d->buf;
    return 0;
}

static void fd_cleanup(click_element *e) {
    fromipsd *d = (fromipsd *)e;
    free(d->buf);
    d->buf = d->pos = NULL;
    if (d->held) click_packet_kill(d->held);
    d->held = NULL;
}

/* Next whitespace-separated token of a line (quoted strings kept whole).
 * Returns false at the end of the line. */
static bool next_token(char **sp, char **tok) {
    char *s = *sp;
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) return false;
    *tok = s;
    if (*s == '"') {
        s++;
        while (*s && *s != '"') {
            if (*s == '\\' && s[1]) s++;
            s++;
        }
        if (*s == '"') s++;
    } else {
        while (*s && *s != ' ' && *s != '\t') s++;
    }
    if (*s) *s++ = 0;
    *sp = s;
    return true;
}

/* Decode a payload token in place: a double-quoted string with C escapes
 * (or bare text). Returns its length; the bytes start at s. */
static size_t unquote(char *s) {
    const char *in = s;
    char *o = s;
    if (*in == '"') in++;
    while (*in && !(*in == '"' && !in[1])) {
        if (*in == '\\' && in[1]) {
            in++;
            char c = *in++;
            switch (c) {
            case 'n': *o++ = '\n'; break;
            case 't': *o++ = '\t'; break;
            case 'r': *o++ = '\r'; break;
            case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
                int v = c - '0';
                for (int k = 0; k < 2 && *in >= '0' && *in <= '7'; k++) v = v * 8 + (*in++ - '0');
                *o++ = (char)v;
                break;
            }
            case 'x': {
                int v = 0;
                while (isxdigit((unsigned char)*in)) {
                    int h = isdigit((unsigned char)*in) ? *in - '0' : (tolower((unsigned char)*in) - 'a' + 10);
                    v = v * 16 + h;
                    in++;
                }
                *o++ = (char)v;
                break;
            }
            default: *o++ = c;
            }
        } else {
            *o++ = *in++;
        }
    }
    return (size_t)(o - s);
}

static int parse_proto(const char *t) {
    if (!strcmp(t, "T")) return IP_PROTO_TCP;
    if (!strcmp(t, "U")) return IP_PROTO_UDP;
    if (!strcmp(t, "I")) return IP_PROTO_ICMP;
    char *end;
    long v = strtol(t, &end, 10);
    if (end != t && !*end && v >= 0 && v < 256) return (int)v;
    return -1;
}

static int parse_tcp_flags(const char *t) {
    if (isdigit((unsigned char)t[0])) return (int)strtol(t, NULL, 0) & 0xff;
    if (!strcmp(t, ".")) return 0;
    int f = 0;
    for (; *t; t++) {
        const char *c = strchr(tcp_flag_chars, *t);
        if (c) f |= 1 << (c - tcp_flag_chars);
        else if (*t == 'C') f |= 0x80;
    }
    return f;
}

/* Parse IP options text into opt; returns the length (padded to 4 with
 * end-of-options bytes) or -1. Options are separated by ';': "nop", "eol",
 * "rr{A,B}+N" (addresses recorded so far, room for N more), "ssrr{A,^B,C}"
 * and "lsrr{...}" ('^' marks the pointer; none means past the end), "N" or
 * "N=B:B:..." (option N with data bytes); "." means none. */
static int parse_ip_opt(const char *t, uint8_t *opt, int cap) {
    int n = 0;
    if (!strcmp(t, ".")) return 0;
    const char *c = t;
    while (*c) {
        if (*c == ';') { c++; continue; }
        if (!strncmp(c, "nop", 3)) {
            if (n >= cap) return -1;
            opt[n++] = 1;
            c += 3;
        } else if (!strncmp(c, "eol", 3)) {
            if (n >= cap) return -1;
            opt[n++] = 0;
            c += 3;
        } else if (!strncmp(c, "rr{", 3) || !strncmp(c, "ssrr{", 5) || !strncmp(c, "lsrr{", 5)) {
            uint8_t type = c[0] == 'r' ? 7 : c[0] == 's' ? 137 : 131;
            c = strchr(c, '{') + 1;
            int start = n;
            if (n + 3 > cap) return -1;
            n += 3;
            int ptr = -1;
            while (*c && *c != '}') {
                if (*c == ',') { c++; continue; }
                if (*c == '^') {
                    ptr = n - start + 1;
                    c++;
                    continue;
                }
                char a[16];
                size_t l = 0;
                while ((isdigit((unsigned char)c[l]) || c[l] == '.') && l < 15) l++;
                memcpy(a, c, l);
                a[l] = 0;
                uint32_t ip;
                if (!l || click_parse_ip(a, &ip) < 0 || n + 4 > cap) return -1;
                wr32(opt + n, ip);
                n += 4;
                c += l;
            }
            if (*c != '}') return -1;
            c++;
            if (ptr < 0) ptr = n - start + 1;
            if (type == 7 && *c == '+') { /* room for more addresses */
                char *end;
                long more = strtol(c + 1, &end, 10);
                if (end == c + 1 || more < 0 || n + 4 * more > cap) return -1;
                memset(opt + n, 0, (size_t)(4 * more));
                n += (int)(4 * more);
                c = end;
            }
            if (n - start > 255) return -1;
            opt[start] = type;
            opt[start + 1] = (uint8_t)(n - start);
            opt[start + 2] = (uint8_t)ptr;
        } else if (isdigit((unsigned char)*c)) {
            char *end;
            long type = strtol(c, &end, 10);
            if (type < 0 || type > 255 || n + 2 > cap) return -1;
            c = end;
            int start = n;
            opt[n++] = (uint8_t)type;
            if (type == 0 || type == 1) continue;
            n++;
            if (*c == '=') {
                do {
                    long v = strtol(c + 1, &end, 10);
                    if (end == c + 1 || v < 0 || v > 255 || n >= cap) return -1;
                    opt[n++] = (uint8_t)v;
                    c = end;
                } while (*c == ':');
            }
            opt[start + 1] = (uint8_t)(n - start);
        } else {
            return -1;
        }
        if (*c && *c != ';') return -1;
    }
    while (n % 4) {
        if (n >= cap) return -1;
        opt[n++] = 0;
    }
    return n;
}

/* Parse TCP options text ("." or "mss1460;sack1-10;nop;ts1:2;wscale3;sackok")
 * into opt; returns the length (padded to 4) or -1. */
static int parse_tcp_opt(const char *t, uint8_t *opt, int cap) {
    int n = 0;
    if (!strcmp(t, ".")) return 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", t);
    char *save = NULL;
    int sack_at = -1;
    for (char *w = strtok_r(buf, ";,", &save); w; w = strtok_r(NULL, ";,", &save)) {
        if (!strncmp(w, "mss", 3) && isdigit((unsigned char)w[3])) {
            if (n + 4 > cap) return -1;
            unsigned v = (unsigned)strtoul(w + 3, NULL, 10);
            opt[n++] = 2; opt[n++] = 4; opt[n++] = (uint8_t)(v >> 8); opt[n++] = (uint8_t)v;
            sack_at = -1;
        } else if (!strncmp(w, "wscale", 6)) {
            if (n + 3 > cap) return -1;
            opt[n++] = 3; opt[n++] = 3; opt[n++] = (uint8_t)strtoul(w + 6, NULL, 10);
            sack_at = -1;
        } else if (!strcmp(w, "sackok")) {
            if (n + 2 > cap) return -1;
            opt[n++] = 4; opt[n++] = 2;
            sack_at = -1;
        } else if (!strncmp(w, "sack", 4)) {
            char *p = w + 4, *e;
            unsigned long l = strtoul(p, &e, 10);
            if (e == p || (*e != '-' && *e != ':')) return -1;
            unsigned long r = strtoul(e + 1, NULL, 10);
            if (sack_at < 0) {
                if (n + 10 > cap) return -1;
                sack_at = n;
                opt[n++] = 5; opt[n++] = 2;
            } else if (n + 8 > cap) return -1;
            wr32(opt + n, (uint32_t)l);
            wr32(opt + n + 4, (uint32_t)r);
            n += 8;
            opt[sack_at + 1] = (uint8_t)(opt[sack_at + 1] + 8);
        } else if (!strncmp(w, "ts", 2)) {
            if (n + 10 > cap) return -1;
            char *e;
            unsigned long a = strtoul(w + 2, &e, 10);
            unsigned long b = (*e == ':') ? strtoul(e + 1, NULL, 10) : 0;
            opt[n++] = 8; opt[n++] = 10;
            wr32(opt + n, (uint32_t)a);
            wr32(opt + n + 4, (uint32_t)b);
            n += 8;
            sack_at = -1;
        } else if (!strcmp(w, "nop")) {
            if (n + 1 > cap) return -1;
            opt[n++] = 1;
            sack_at = -1;
        } else if (!strcmp(w, "eol")) {
            if (n + 1 > cap) return -1;
            opt[n++] = 0;
            sack_at = -1;
        } else {
            return -1;
        }
    }
    while (n % 4) {
        if (n + 1 > cap) return -1;
        opt[n++] = 0;
    }
    return n;
}

struct pktinfo {
    bool has[F_COUNT + 1];
    uint64_t ts_ns;
    uint32_t src, dst, tcp_seq, tcp_ack;
    int sport, dport, proto, ip_len, ip_id, ttl, tos, ecn, dscp, ip_hl, frag, fragoff;
    int tcp_flags, tcp_win, tcp_off, tcp_urp, payload_len, link, icmp_type, icmp_code;
    int icmp_flowid, icmp_seq, ip_sum;
    char *payload;
    size_t payload_n;
    uint8_t tcpopt[40];
    int tcpopt_n;
    uint8_t ipopt[40];
    int ipopt_n;
};

static int parse_ts(const char *t, uint64_t *ns) {
    char *end;
    unsigned long long sec = strtoull(t, &end, 10);
    uint64_t frac = 0;
    if (*end == '.') {
        const char *f = end + 1;
        uint64_t scale = 100000000ull;
        while (isdigit((unsigned char)*f)) {
            frac += (uint64_t)(*f - '0') * scale;
            scale /= 10;
            f++;
        }
        end = (char *)f;
    }
    if (*end || end == t) return -1;
    *ns = (uint64_t)sec * 1000000000ull + frac;
    return 0;
}

static bool parse_line(fromipsd *d, char *line, struct pktinfo *pi) {
    memset(pi, 0, sizeof *pi);
    pi->ttl = 100;
    pi->proto = -1;
    char *s = line, *tok;
    for (int i = 0; i < d->nfields && next_token(&s, &tok); i++) {
        int f = d->fields[i];
        if (!strcmp(tok, "-") && f != F_PAYLOAD) continue;
        char *end;
        unsigned long long u = strtoull(tok, &end, 0);
        bool num = end != tok && !*end;
        uint32_t ip;
        switch (f) {
        case F_TIMESTAMP:
            if (parse_ts(tok, &pi->ts_ns) < 0) return false;
            break;
        case F_TS_SEC:
            if (!num) return false;
            pi->ts_ns = pi->ts_ns % 1000000000ull + u * 1000000000ull;
            f = F_TIMESTAMP;
            break;
        case F_TS_USEC:
            if (!num) return false;
            pi->ts_ns = pi->ts_ns / 1000000000ull * 1000000000ull + u * 1000ull;
            f = F_TIMESTAMP;
            break;
        case F_SRC:
        case F_DST:
            if (click_parse_ip(tok, &ip) < 0) {
                if (!num) return false;
                ip = (uint32_t)u;
            }
            if (f == F_SRC) pi->src = ip;
            else pi->dst = ip;
            break;
        case F_PROTO:
            if ((pi->proto = parse_proto(tok)) < 0) return false;
            break;
        case F_TCP_FLAGS: pi->tcp_flags = parse_tcp_flags(tok); break;
        case F_TCP_OPT:
            if ((pi->tcpopt_n = parse_tcp_opt(tok, pi->tcpopt, sizeof pi->tcpopt)) < 0) return false;
            break;
        case F_IP_OPT:
            if ((pi->ipopt_n = parse_ip_opt(tok, pi->ipopt, sizeof pi->ipopt)) < 0) return false;
            break;
        case F_PAYLOAD:
            pi->payload = tok;
            pi->payload_n = unquote(tok);
            break;
        case F_DIRECTION:
            if (!strcmp(tok, ">") || !strcmp(tok, "out")) pi->link = 0;
            else if (!strcmp(tok, "<") || !strcmp(tok, "in")) pi->link = 1;
            else if (num) pi->link = (int)u;
            else return false;
            f = F_LINK;
            break;
        case F_IP_FRAG:
            if (!strcmp(tok, "F")) pi->frag = 1;
            else if (!strcmp(tok, "f")) pi->frag = 2;
            else pi->frag = 0;
            break;
        case F_IP_FRAGOFF: {
            pi->fragoff = (int)strtol(tok, &end, 10);
            if (*end == '+') pi->frag = 1;
            break;
        }
        case F_IP_ECN:
            if (!strcmp(tok, "no") || !strcmp(tok, "-")) pi->ecn = 0;
            else if (!strcmp(tok, "ect1") || !strcmp(tok, "ECT(1)")) pi->ecn = 1;
            else if (!strcmp(tok, "ect2") || !strcmp(tok, "ECT(0)")) pi->ecn = 2;
            else if (!strcmp(tok, "ce") || !strcmp(tok, "CE")) pi->ecn = 3;
            else if (num && u < 4) pi->ecn = (int)u;
            else return false;
            break;
        case F_ICMP_TYPE_NAME: {
            int t = -1;
            for (int k = 0; k < (int)(sizeof icmp_names / sizeof icmp_names[0]); k++)
                if (icmp_names[k] && !strcmp(icmp_names[k], tok)) t = k;
            if (t < 0 && num) t = (int)u;
            if (t < 0) return false;
            pi->icmp_type = t;
            f = F_ICMP_TYPE;
            break;
        }
        default:
            if (!num) return false;
            switch (f) {
            case F_SPORT: pi->sport = (int)u; break;
            case F_DPORT: pi->dport = (int)u; break;
            case F_IP_LEN: pi->ip_len = (int)u; break;
            case F_IP_ID: pi->ip_id = (int)u; break;
            case F_IP_TTL: pi->ttl = (int)u; break;
            case F_IP_TOS: pi->tos = (int)u; break;
            case F_IP_DSCP: pi->dscp = (int)u; break;
            case F_IP_HL: pi->ip_hl = (int)u; break;
            case F_IP_SUM: pi->ip_sum = (int)u; break;
            case F_TCP_SEQ: pi->tcp_seq = (uint32_t)u; break;
            case F_TCP_ACK: pi->tcp_ack = (uint32_t)u; break;
            case F_TCP_WIN: pi->tcp_win = (int)u; break;
            case F_TCP_OFF: pi->tcp_off = (int)u; break;
            case F_TCP_URP: pi->tcp_urp = (int)u; break;
            case F_PAYLOAD_LEN: pi->payload_len = (int)u; break;
            case F_LINK: pi->link = (int)u; break;
            case F_ICMP_TYPE: pi->icmp_type = (int)u; break;
            case F_ICMP_CODE: pi->icmp_code = (int)u; break;
            case F_ICMP_FLOWID: pi->icmp_flowid = (int)u; break;
            case F_ICMP_SEQ: pi->icmp_seq = (int)u; break;
            default: break;
            }
        }
        pi->has[f] = true;
    }
    return true;
}

static click_packet *build_packet(fromipsd *d, struct pktinfo *pi) {
    int proto = pi->proto;
    if (proto < 0) proto = d->default_proto;
    if (proto < 0) {
        if (pi->has[F_ICMP_TYPE] || pi->has[F_ICMP_CODE] || pi->has[F_ICMP_FLOWID])
            proto = IP_PROTO_ICMP;
        else
            proto = IP_PROTO_TCP;
    }
    bool later_frag = pi->fragoff > 0 || pi->frag == 2;
    int iphl = 20;
    if (pi->ip_hl > 20 && pi->ip_hl <= 60 && pi->ip_hl % 4 == 0) iphl = pi->ip_hl;
    if (20 + pi->ipopt_n > iphl) iphl = 20 + pi->ipopt_n;
    int thl = 0;
    if (!later_frag) {
        if (proto == IP_PROTO_TCP) {
            thl = 20 + pi->tcpopt_n;
            if (pi->tcp_off >= 20 && pi->tcp_off <= 60 && pi->tcp_off % 4 == 0 && pi->tcp_off > thl)
                thl = pi->tcp_off;
        } else if (proto == IP_PROTO_UDP || proto == IP_PROTO_ICMP) {
            thl = 8;
        }
    }
    size_t plen = pi->payload ? pi->payload_n : (size_t)pi->payload_len;
    size_t total = (size_t)iphl + (size_t)thl + plen;
    if (pi->has[F_IP_LEN] && (size_t)pi->ip_len > total && pi->ip_len <= 65535 && !pi->payload)
        total = (size_t)pi->ip_len;
    if (total > 65535) return NULL;
    click_packet *p = click_packet_alloc(click_element_pool(&d->e), (uint32_t)total);
    if (!p) return NULL;
    uint8_t *ip = p->data;
    memset(ip, 0, total);
    ip[0] = (uint8_t)(0x40 | (iphl / 4));
    int tos = pi->tos;
    if (pi->has[F_IP_DSCP]) tos = (tos & 3) | (pi->dscp << 2);
    if (pi->has[F_IP_ECN]) tos = (tos & ~3) | pi->ecn;
    ip[IPV_TOS] = (uint8_t)tos;
    uint16_t iplen = (uint16_t)(pi->has[F_IP_LEN] ? pi->ip_len : (int)total);
    wr16(ip + IPV_LEN, iplen);
    wr16(ip + IPV_ID, (uint16_t)pi->ip_id);
    uint16_t off = (uint16_t)((pi->fragoff / 8) & IP_OFFMASK);
    if (pi->frag == 1) off |= IP_MF;
    wr16(ip + IPV_OFF, off);
    ip[IPV_TTL] = (uint8_t)pi->ttl;
    ip[IPV_PROTO] = (uint8_t)proto;
    wr32(ip + IPV_SRC, pi->src);
    wr32(ip + IPV_DST, pi->dst);
    if (iphl > 20) ip[20] = 1; /* padding options: NOPs... */
    for (int k = 20; k < iphl; k++) ip[k] = 1;
    memcpy(ip + 20, pi->ipopt, (size_t)pi->ipopt_n);
    uint8_t *th = ip + iphl;
    uint8_t *pl = th + thl;
    if (pi->payload) memcpy(pl, pi->payload, plen);
    if (proto == IP_PROTO_TCP && thl) {
        wr16(th, (uint16_t)pi->sport);
        wr16(th + 2, (uint16_t)pi->dport);
        wr32(th + 4, pi->tcp_seq);
        wr32(th + 8, pi->tcp_ack);
        th[12] = (uint8_t)((thl / 4) << 4);
        int flags = pi->has[F_TCP_FLAGS] ? pi->tcp_flags : 0x10;
        th[13] = (uint8_t)flags;
        wr16(th + 14, (uint16_t)pi->tcp_win);
        wr16(th + 18, (uint16_t)pi->tcp_urp);
        memcpy(th + 20, pi->tcpopt, (size_t)pi->tcpopt_n);
    } else if (proto == IP_PROTO_UDP && thl) {
        wr16(th, (uint16_t)pi->sport);
        wr16(th + 2, (uint16_t)pi->dport);
        wr16(th + 4, (uint16_t)(total - (size_t)iphl));
    } else if (proto == IP_PROTO_ICMP && thl) {
        th[0] = (uint8_t)pi->icmp_type;
        th[1] = (uint8_t)pi->icmp_code;
        wr16(th + 4, (uint16_t)pi->icmp_flowid);
        wr16(th + 6, (uint16_t)pi->icmp_seq);
    }
    if (pi->has[F_IP_SUM]) wr16(ip + IPV_SUM, (uint16_t)pi->ip_sum);
    else wr16(ip + IPV_SUM, click_in_cksum(ip, (size_t)iphl));
    if (d->checksum && thl && !later_frag && !pi->frag) {
        size_t tlen = total - (size_t)iphl;
        if (proto == IP_PROTO_ICMP) {
            wr16(th + 2, click_in_cksum(th, tlen));
        } else {
            uint32_t sum = click_csum_partial(ip + IPV_SRC, 8, 0);
            sum += (uint32_t)proto + (uint32_t)tlen;
            int co = proto == IP_PROTO_TCP ? 16 : 6;
            wr16(th + co, 0);
            uint16_t c = click_csum_fold(click_csum_partial(th, tlen, sum));
            if (proto == IP_PROTO_UDP && c == 0) c = 0xffff;
            wr16(th + co, c);
        }
    }
    p->net_off = (int32_t)(ip - p->head);
    p->trans_off = (int32_t)(th - p->head);
    p->dst_ip = pi->dst;
    p->paint = (uint8_t)pi->link;
    p->timestamp_ns = pi->ts_ns;
    return p;
}

/* Handle a "!" line. */
static void bang_line(fromipsd *d, char *line) {
    if (!strncmp(line, "!data", 5) || !strncmp(line, "!contents", 9)) {
        char badf[64];
        int f[MAX_FIELDS];
        int n = parse_fields(line + (line[1] == 'd' ? 5 : 9), f, badf, sizeof badf);
        if (n < 0) {
            click_element_log(&d->e, "%s: unknown field '%s'", d->e.name, badf);
            n = 0;
        }
        memcpy(d->fields, f, sizeof f);
        d->nfields = n;
    } else if (!strncmp(line, "!proto", 6) && isspace((unsigned char)line[6])) {
        char *t = line + 7;
        while (isspace((unsigned char)*t)) t++;
        int pr = parse_proto(t);
        if (pr >= 0) d->default_proto = pr;
    }
}

/* The next packet of the file, or NULL at its end. */
static click_packet *next_packet(fromipsd *d) {
    while (d->pos && *d->pos) {
        char *line = d->pos;
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = 0;
            d->pos = nl + 1;
        } else {
            d->pos = line + strlen(line);
        }
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\r' || isspace((unsigned char)line[l - 1]))) line[--l] = 0;
        while (*line == ' ' || *line == '\t') line++;
        if (!*line || *line == '#') continue;
        if (*line == '!') {
            bang_line(d, line);
            continue;
        }
        struct pktinfo pi;
        if (!parse_line(d, line, &pi)) continue;
        click_packet *p = build_packet(d, &pi);
        if (p) return p;
    }
    return NULL;
}

static click_packet *pending_packet(fromipsd *d);

static int fd_task(click_element *e) {
    fromipsd *d = (fromipsd *)e;
    if (d->done) return CLICK_TASK_DONE;
    if (!d->active) return 0;
    click_packet *p = pending_packet(d);
    if (!p) {
        if (d->done) {
            if (d->stop) click_element_stop_router(e);
            return CLICK_TASK_DONE;
        }
        return 0;
    }
    d->count++;
    click_output_push(e, 0, p);
    return 1;
}

/* With TIMING a packet waits until its time relative to the first. */
static click_packet *pending_packet(fromipsd *d) {
    click_packet *p;
    if (d->held) {
        p = d->held;
        d->held = NULL;
    } else {
        p = next_packet(d);
        if (!p) {
            d->done = true;
            return NULL;
        }
    }
    if (d->timing) {
        uint64_t now = click_element_now(&d->e);
        if (!d->have_first) {
            d->have_first = true;
            d->first_ts = p->timestamp_ns;
            d->first_now = now;
        }
        uint64_t due = d->first_now + (p->timestamp_ns > d->first_ts ? p->timestamp_ns - d->first_ts : 0);
        if (now < due) {
            d->held = p;
            return NULL;
        }
    }
    return p;
}

static void h_count(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((fromipsd *)e)->count);
}
static void h_active_r(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%s", ((fromipsd *)e)->active ? "true" : "false");
}
static int h_active(click_element *e, const char *v, click_errh *errh) {
    if (click_parse_bool(v, &((fromipsd *)e)->active) < 0) {
        click_errh_at(errh, 0, 0, "active: expected boolean");
        return -1;
    }
    return 0;
}
static const click_handler fd_handlers[] = {
    {"count", h_count, NULL}, {"active", h_active_r, h_active}, {NULL, NULL, NULL}};

const click_element_class click_class_FromIPSummaryDump = {
    .name = "FromIPSummaryDump", .ports = "0/1", .processing = "/h", .size = sizeof(fromipsd),
    .configure = fd_configure, .initialize = fd_initialize, .cleanup = fd_cleanup,
    .run_task = fd_task, .is_source = true, .handlers = fd_handlers};

/* ------------------------------------------------------------------ */
/* ToIPSummaryDump */

typedef struct toipsd {
    click_element e;
    char filename[256];
    int fields[MAX_FIELDS];
    int nfields;
    char fieldtext[1024];
    char banner[256];
    void *f;
    uint64_t count;
} toipsd;

static int td_configure(click_element *e, click_args *a, click_errh *errh) {
    toipsd *t = (toipsd *)e;
    const char *v;
    bool b;
    const char *c = click_args_kw(a, "FIELDS");
    if (!c) c = click_args_kw(a, "CONTENTS");
    if ((v = click_args_kw(a, "VERBOSE")) && click_parse_bool(v, &b) < 0)
        return bad(errh, "VERBOSE must be a boolean");
    if ((v = click_args_kw(a, "MULTIPACKET")) && click_parse_bool(v, &b) < 0)
        return bad(errh, "MULTIPACKET must be a boolean");
    if ((v = click_args_kw(a, "BINARY")) && click_parse_bool(v, &b) < 0)
        return bad(errh, "BINARY must be a boolean");
    if (v && b) return bad(errh, "BINARY dumps are not supported");
    if ((v = click_args_kw(a, "BANNER"))) click_parse_string(v, t->banner, sizeof t->banner);
    if (!c) c = "timestamp ip_src";
    char tmp[1024];
    if (click_parse_string(c, tmp, sizeof tmp) < 0) snprintf(tmp, sizeof tmp, "%s", c);
    char badf[64];
    int n = parse_fields(tmp, t->fields, badf, sizeof badf);
    if (n < 0) {
        click_errh_here(errh, "unknown field '%s'", badf);
        return -1;
    }
    t->nfields = n;
    /* the field names as written, one space apart */
    size_t o = 0;
    for (const char *s = tmp; *s;) {
        while (*s && (isspace((unsigned char)*s) || *s == ',')) s++;
        if (!*s) break;
        if (o && o + 1 < sizeof t->fieldtext) t->fieldtext[o++] = ' ';
        while (*s && !isspace((unsigned char)*s) && *s != ',') {
            if (o + 1 < sizeof t->fieldtext) t->fieldtext[o++] = *s;
            s++;
        }
    }
    t->fieldtext[o] = 0;
    const char *name = click_args_next(a);
    if (!name || click_parse_string(name, t->filename, sizeof t->filename) < 0 || !t->filename[0])
        return bad(errh, "expected FILENAME");
    return click_args_done(a);
}

static void td_write(toipsd *t, const char *s, size_t n) {
    const click_file_ops *fo = click_get_file_ops();
    if (t->f && fo && fo->write) fo->write(t->f, s, n);
}

static int td_initialize(click_element *e, click_errh *errh) {
    toipsd *t = (toipsd *)e;
    const click_file_ops *fo = click_get_file_ops();
    if (!fo || !fo->open_write) {
        click_errh_here(errh, "no file access in this host: cannot write '%s'", t->filename);
        return -1;
    }
    char msg[256] = "";
    t->f = fo->open_write(fo->ctx, t->filename, msg, sizeof msg);
    if (!t->f) {
        click_errh_here(errh, "%s: %s", t->filename, msg[0] ? msg : "cannot open");
        return -1;
    }
    char hdr[1400];
    int n = snprintf(hdr, sizeof hdr, "!IPSummaryDump 1.3\n!creator \"%s\"\n!data %s\n",
                     t->banner[0] ? t->banner : "EdgeOS Click", t->fieldtext);
    if (n > 0) td_write(t, hdr, (size_t)n < sizeof hdr ? (size_t)n : sizeof hdr - 1);
    return 0;
}

static void td_cleanup(click_element *e) {
    toipsd *t = (toipsd *)e;
    const click_file_ops *fo = click_get_file_ops();
    if (t->f && fo && fo->close) fo->close(t->f);
    t->f = NULL;
}

typedef struct sbuf {
    char *b;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->b + s->n, s->cap - s->n, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    s->n += (size_t)n;
    if (s->n >= s->cap) s->n = s->cap - 1;
}

static void put_payload(sbuf *s, const uint8_t *d, size_t n) {
    sb_add(s, "\"");
    for (size_t i = 0; i < n && s->n + 8 < s->cap; i++) {
        uint8_t c = d[i];
        if (c == '\n') sb_add(s, "\\n");
        else if (c == '\r') sb_add(s, "\\r");
        else if (c == '\t') sb_add(s, "\\t");
        else if (c == '"' || c == '\\') sb_add(s, "\\%c", c);
        else if (c < 32 || c >= 127) sb_add(s, "\\%03o", c);
        else sb_add(s, "%c", c);
    }
    sb_add(s, "\"");
}

/* IP options as parse_ip_opt() reads them ("?" if malformed). */
static void put_ip_opt(sbuf *s, const uint8_t *o, int n) {
    char tb[512];
    sbuf t = {tb, 0, sizeof tb};
    tb[0] = 0;
    bool any = false;
    int i = 0;
    while (i < n) {
        int k = o[i];
        if (k == 0) break;
        if (k == 1) { i++; continue; }
        if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n) goto bad;
        int l = o[i + 1];
        const char *sep = any ? ";" : "";
        if (k == 7 || k == 131 || k == 137) {
            int ptr = o[i + 2];
            if (l < 3 || ptr < 4) goto bad;
            sb_add(&t, "%s%s{", sep, k == 7 ? "rr" : k == 137 ? "ssrr" : "lsrr");
            int j = 3;
            const char *asep = "";
            for (; j + 4 <= l; j += 4) {
                if (j == ptr - 1) {
                    if (k == 7) break;
                    asep = "^";
                }
                char a[16];
                sb_add(&t, "%s%s", asep, click_ip_str(rd32(o + i + j), a));
                asep = ",";
            }
            if (k != 7 && j == l && j == ptr - 1) sb_add(&t, "^");
            sb_add(&t, "}");
            if (k == 7 && j + 4 <= l && j == ptr - 1) sb_add(&t, "+%d", (l - j) / 4);
        } else {
            sb_add(&t, "%s%d", sep, k);
            for (int j = 2; j < l; j++) sb_add(&t, "%c%d", j == 2 ? '=' : ':', o[i + j]);
        }
        any = true;
        i += l;
    }
    sb_add(s, "%s", any ? tb : ".");
    return;
bad:
    sb_add(s, "?");
}

static void put_tcp_opt(sbuf *s, const uint8_t *o, int n) {
    bool any = false;
    int i = 0;
    while (i < n) {
        int k = o[i];
        if (k == 0) break;
        if (k == 1) { i++; continue; }
        if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n) break;
        int l = o[i + 1];
        if (k == 2 && l == 4) {
            sb_add(s, "%smss%u", any ? ";" : "", rd16(o + i + 2));
            any = true;
        } else if (k == 3 && l == 3) {
            sb_add(s, "%swscale%u", any ? ";" : "", o[i + 2]);
            any = true;
        } else if (k == 4 && l == 2) {
            sb_add(s, "%ssackok", any ? ";" : "");
            any = true;
        } else if (k == 5) {
            for (int j = 2; j + 8 <= l; j += 8) {
                sb_add(s, "%ssack%u-%u", any ? ";" : "", rd32(o + i + j), rd32(o + i + j + 4));
                any = true;
            }
        } else if (k == 8 && l == 10) {
            sb_add(s, "%sts%u:%u", any ? ";" : "", rd32(o + i + 2), rd32(o + i + 6));
            any = true;
        }
        i += l;
    }
    if (!any) sb_add(s, ".");
}

static void td_packet(toipsd *t, click_packet *p) {
    char line[8192];
    sbuf s = {line, 0, sizeof line};
    const uint8_t *ip = click_packet_network_header(p);
    if (!ip || ip < p->data || ip >= p->data + p->len) ip = p->data;
    size_t caplen = (size_t)(p->data + p->len - ip);
    bool hasip = caplen >= 20 && (ip[0] >> 4) == 4;
    unsigned hl = hasip ? ip_hlen(ip) : 0;
    if (hasip && (hl < 20 || hl > caplen)) hasip = false;
    int proto = hasip ? ip[IPV_PROTO] : -1;
    bool firstfrag = hasip && (rd16(ip + IPV_OFF) & IP_OFFMASK) == 0;
    const uint8_t *th = hasip ? ip + hl : NULL;
    size_t tavail = hasip ? caplen - hl : 0;
    bool tcp = hasip && firstfrag && proto == IP_PROTO_TCP && tavail >= 20;
    bool udp = hasip && firstfrag && proto == IP_PROTO_UDP && tavail >= 8;
    bool icmp = hasip && firstfrag && proto == IP_PROTO_ICMP && tavail >= 4;
    size_t iplen = hasip ? rd16(ip + IPV_LEN) : 0;
    size_t end = hasip ? (iplen < caplen ? iplen : caplen) : 0;
    /* as in Click, an ICMP payload starts right after the IP header */
    size_t thl = tcp ? (size_t)(th[12] >> 4) * 4 : udp ? 8 : 0;
    size_t pstart = hasip ? hl + thl : 0;
    if (pstart > end) pstart = end;
    for (int i = 0; i < t->nfields; i++) {
        if (i) sb_add(&s, " ");
        uint64_t ts = p->timestamp_ns;
        switch (t->fields[i]) {
        case F_TIMESTAMP:
            sb_add(&s, "%llu.%06llu", (unsigned long long)(ts / 1000000000ull),
                   (unsigned long long)(ts % 1000000000ull / 1000ull));
            break;
        case F_TS_SEC: sb_add(&s, "%llu", (unsigned long long)(ts / 1000000000ull)); break;
        case F_TS_USEC: sb_add(&s, "%llu", (unsigned long long)(ts % 1000000000ull / 1000ull)); break;
        case F_SRC:
        case F_DST: {
            if (!hasip) { sb_add(&s, "-"); break; }
            char b[16];
            sb_add(&s, "%s", click_ip_str(rd32(ip + (t->fields[i] == F_SRC ? IPV_SRC : IPV_DST)), b));
            break;
        }
        case F_SPORT:
        case F_DPORT:
            if (tcp || udp) sb_add(&s, "%u", rd16(th + (t->fields[i] == F_SPORT ? 0 : 2)));
            else sb_add(&s, "-");
            break;
        case F_PROTO:
            if (!hasip) sb_add(&s, "-");
            else if (proto == IP_PROTO_TCP) sb_add(&s, "T");
            else if (proto == IP_PROTO_UDP) sb_add(&s, "U");
            else if (proto == IP_PROTO_ICMP) sb_add(&s, "I");
            else sb_add(&s, "%d", proto);
            break;
        case F_IP_LEN: if (hasip) sb_add(&s, "%zu", iplen); else sb_add(&s, "-"); break;
        case F_CAPLEN: if (hasip) sb_add(&s, "%zu", end); else sb_add(&s, "-"); break;
        case F_IP_ID: if (hasip) sb_add(&s, "%u", rd16(ip + IPV_ID)); else sb_add(&s, "-"); break;
        case F_IP_TTL: if (hasip) sb_add(&s, "%u", ip[IPV_TTL]); else sb_add(&s, "-"); break;
        case F_IP_TOS: if (hasip) sb_add(&s, "%u", ip[IPV_TOS]); else sb_add(&s, "-"); break;
        case F_IP_DSCP: if (hasip) sb_add(&s, "%u", ip[IPV_TOS] >> 2); else sb_add(&s, "-"); break;
        case F_IP_HL: if (hasip) sb_add(&s, "%u", hl); else sb_add(&s, "-"); break;
        case F_IP_SUM: if (hasip) sb_add(&s, "%u", rd16(ip + IPV_SUM)); else sb_add(&s, "-"); break;
        case F_IP_ECN: {
            static const char *const ecn[] = {"no", "ect1", "ect2", "ce"};
            if (hasip) sb_add(&s, "%s", ecn[ip[IPV_TOS] & 3]);
            else sb_add(&s, "-");
            break;
        }
        case F_IP_FRAG: {
            if (!hasip) { sb_add(&s, "-"); break; }
            uint16_t off = rd16(ip + IPV_OFF);
            if (off & IP_OFFMASK) sb_add(&s, "f");
            else if (off & IP_MF) sb_add(&s, "F");
            else sb_add(&s, ".");
            break;
        }
        case F_IP_FRAGOFF: {
            if (!hasip) { sb_add(&s, "-"); break; }
            uint16_t off = rd16(ip + IPV_OFF);
            sb_add(&s, "%u%s", (off & IP_OFFMASK) * 8u, (off & IP_MF) ? "+" : "");
            break;
        }
        case F_IP_OPT:
            if (!hasip) sb_add(&s, "-");
            else put_ip_opt(&s, ip + 20, (int)hl - 20);
            break;
        case F_TCP_SEQ: if (tcp) sb_add(&s, "%u", rd32(th + 4)); else sb_add(&s, "-"); break;
        case F_TCP_ACK: if (tcp) sb_add(&s, "%u", rd32(th + 8)); else sb_add(&s, "-"); break;
        case F_TCP_WIN: if (tcp) sb_add(&s, "%u", rd16(th + 14)); else sb_add(&s, "-"); break;
        case F_TCP_URP: if (tcp) sb_add(&s, "%u", rd16(th + 18)); else sb_add(&s, "-"); break;
        case F_TCP_OFF: if (tcp) sb_add(&s, "%zu", thl); else sb_add(&s, "-"); break;
        case F_TCP_FLAGS: {
            if (!tcp) { sb_add(&s, "-"); break; }
            int f = th[13];
            if (!f) sb_add(&s, ".");
            for (int k = 0; k < 8; k++)
                if (f & (1 << k)) sb_add(&s, "%c", tcp_flag_chars[k]);
            break;
        }
        case F_TCP_OPT:
            if (tcp && thl >= 20 && thl <= tavail) put_tcp_opt(&s, th + 20, (int)thl - 20);
            else sb_add(&s, "-");
            break;
        case F_UDP_LEN: if (udp) sb_add(&s, "%u", rd16(th + 4)); else sb_add(&s, "-"); break;
        case F_PAYLOAD_LEN:
            if (hasip) sb_add(&s, "%zu", iplen > hl + thl ? iplen - hl - thl : 0);
            else sb_add(&s, "-");
            break;
        case F_PAYLOAD:
            if (hasip) put_payload(&s, ip + pstart, end - pstart);
            else sb_add(&s, "-");
            break;
        case F_LINK: sb_add(&s, "%u", p->paint); break;
        case F_DIRECTION:
            if (p->paint == 0) sb_add(&s, ">");
            else if (p->paint == 1) sb_add(&s, "<");
            else sb_add(&s, "%u", p->paint);
            break;
        case F_ICMP_TYPE: if (icmp) sb_add(&s, "%u", th[0]); else sb_add(&s, "-"); break;
        case F_ICMP_CODE: if (icmp) sb_add(&s, "%u", th[1]); else sb_add(&s, "-"); break;
        case F_ICMP_TYPE_NAME:
            if (!icmp) sb_add(&s, "-");
            else if (th[0] < sizeof icmp_names / sizeof icmp_names[0] && icmp_names[th[0]])
                sb_add(&s, "%s", icmp_names[th[0]]);
            else sb_add(&s, "%u", th[0]);
            break;
        case F_ICMP_FLOWID:
            if (icmp && tavail >= 8 && (th[0] == 0 || th[0] == 8 || th[0] == 13 || th[0] == 14 ||
                                        th[0] == 15 || th[0] == 16 || th[0] == 17 || th[0] == 18))
                sb_add(&s, "%u", rd16(th + 4));
            else sb_add(&s, "-");
            break;
        case F_ICMP_SEQ:
            if (icmp && tavail >= 8 && (th[0] == 0 || th[0] == 8 || th[0] == 13 || th[0] == 14 ||
                                        th[0] == 15 || th[0] == 16 || th[0] == 17 || th[0] == 18))
                sb_add(&s, "%u", rd16(th + 6));
            else sb_add(&s, "-");
            break;
        case F_COUNT: sb_add(&s, "1"); break;
        default: sb_add(&s, "-"); break;
        }
    }
    sb_add(&s, "\n");
    td_write(t, line, s.n);
    t->count++;
}

static void td_push(click_element *e, int port, click_packet *p) {
    (void)port;
    td_packet((toipsd *)e, p);
    click_packet_kill(p);
}

static int td_task(click_element *e) {
    if (!click_input_is_pull(e, 0)) return 0;
    int n = 0;
    click_packet *p;
    while (n < 32 && (p = click_input_pull(e, 0))) {
        td_push(e, 0, p);
        n++;
    }
    return n;
}

static void h_tcount(click_element *e, char *b, size_t l) {
    snprintf(b, l, "%llu", (unsigned long long)((toipsd *)e)->count);
}
static const click_handler td_handlers[] = {{"count", h_tcount, NULL}, {NULL, NULL, NULL}};

const click_element_class click_class_ToIPSummaryDump = {
    .name = "ToIPSummaryDump", .ports = "1/0", .processing = "a/", .size = sizeof(toipsd),
    .configure = td_configure, .initialize = td_initialize, .cleanup = td_cleanup,
    .push = td_push, .run_task = td_task, .handlers = td_handlers};
