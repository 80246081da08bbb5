/* Messages between the control FWP (ctl) and the nic, carried by channels:
 * ctl sends commands into the nic's command ring, whose send capability
 * the nic publishes in the system registry as NICCTL_NIC_NAME; the nic
 * answers into ctl's ring, published as NICCTL_CTL_NAME. Every command
 * gets one reply with the same seq; ADD and SCALE are answered when the
 * instances exist (or the change was undone). */
#ifndef NIC_CTL_PROTO_H
#define NIC_CTL_PROTO_H
#include <stdint.h>

#define NICCTL_NIC_NAME "nic.ctl"
#define NICCTL_CTL_NAME "ctl.reply"

enum nicctl_op {
    NICCTL_ADD = 1,        /* a service: template tmpl, port, mode, count instances */
    NICCTL_SCALE = 2,      /* count instances */
    NICCTL_REMOVE = 3,     /* stop answering now; destroy the instances; close the template */
    NICCTL_STATS = 4,      /* the service's counters (and its NFs') */
};

enum nicctl_mode { NICCTL_SHARED = 0, NICCTL_POOL = 1, NICCTL_PERCLIENT = 2 };
/* The protocols a service answers (a bit set in nicctl_cmd.proto). */
#define NICCTL_PROTO_UDP 1u
#define NICCTL_PROTO_TCP 2u
/* NFs in front of one service (the nic's NIC_MAX_NF), and the size of a
 * template name (EOS_NAME_MAX). */
#define NICCTL_MAX_NF 4
#define NICCTL_NAME 32

struct nicctl_cmd {
    uint32_t op, seq;
    uint32_t svc_id;       /* chosen by ctl, unique while the service exists */
    uint32_t tenant_id;    /* for the nic's log lines */
    char tmpl[NICCTL_NAME];        /* template name (TEMPLATE_OPEN) */
    uint16_t port;         /* first port */
    uint8_t mode;          /* enum nicctl_mode */
    uint8_t proto;         /* NICCTL_PROTO_UDP | NICCTL_PROTO_TCP: at least one */
    uint32_t count;        /* instances (shared: ports port..port+count-1) */
    /* ADD: the NF chain in front of the service, in order: nnf template
     * names (0: none, or the nic's boot-time nf= binding for tmpl). The
     * templates must have checkpointed; the nic forks one instance of each. */
    uint32_t nnf;
    char nf[NICCTL_MAX_NF][NICCTL_NAME];
};

/* One NF of a service, in the STATS reply. */
struct nicctl_nf_stats {
    uint64_t in, out;      /* frames into it, frames it sent on */
    uint64_t dropped;      /* in - out (frames still inside it count until they come out) */
    uint64_t inbox_full;   /* frames its full inbox refused */
    uint64_t restarts;     /* times it died and was replaced */
};

struct nicctl_reply {
    uint32_t seq, svc_id;
    int32_t status;        /* 0 or -errno */
    uint32_t instances;    /* instances that exist (perclient: ready + serving a client) */
    uint32_t clients;      /* perclient: instances serving a client */
    uint32_t tcp_conns;    /* TCP connections open now */
    uint64_t rx, tx;       /* datagrams and segments to its instances, replies to clients */
    uint64_t drops;        /* datagrams or replies dropped (no instance yet, full ring, spoofed reply) */
    uint64_t restarts;     /* instances that died and were replaced */
    char msg[96];          /* why, when status < 0 */
    uint32_t nnf;          /* STATS: the service's NFs, in chain order */
    struct nicctl_nf_stats nf[NICCTL_MAX_NF];
};
#endif
