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
    NICCTL_STATS = 4,      /* the service's counters */
};

enum nicctl_mode { NICCTL_SHARED = 0, NICCTL_POOL = 1, NICCTL_PERCLIENT = 2 };
/* The protocols a service answers (a bit set in nicctl_cmd.proto). */
#define NICCTL_PROTO_UDP 1u
#define NICCTL_PROTO_TCP 2u

struct nicctl_cmd {
    uint32_t op, seq;
    uint32_t svc_id;       /* chosen by ctl, unique while the service exists */
    uint32_t tenant_id;    /* for the nic's log lines */
    char tmpl[32];         /* template name (TEMPLATE_OPEN) */
    uint16_t port;         /* first port */
    uint8_t mode;          /* enum nicctl_mode */
    uint8_t proto;         /* NICCTL_PROTO_UDP | NICCTL_PROTO_TCP: at least one */
    uint32_t count;        /* instances (shared: ports port..port+count-1) */
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
};
#endif
