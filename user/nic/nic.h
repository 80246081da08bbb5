/* nic: EdgeOS's user-level NIC driver and packet dispatcher (a root FWP).
 *
 * One polling loop moves frames between the virtio-net rings and the
 * services' instances: ARP and ICMP echo are answered here; UDP datagrams
 * go to an instance of the service that owns the destination port through
 * that instance's channel (the kernel copies them into its private ring);
 * replies come back through the nic's own channel ring and leave as
 * Ethernet/IPv4/UDP frames. TCP segments go, as whole IPv4 packets, to the
 * instance that owns their connection, whose own TCP stack terminates it;
 * the nic tracks every connection (nic_tcp.c). See docs/net.md, docs/tcp.md. */
#ifndef NIC_H
#define NIC_H
#include <stdbool.h>
#include <stdint.h>
#include "edgeos.h"
#include "eos_service.h"     /* EOS_REQ_TCP */
#include "net_proto.h"
#include "virtio_net.h"

#define NIC_MAX_SVCS     160
#define NIC_MAX_INST     4096    /* instance slots; badge = slot + 1 */
#define NIC_BATCH        32      /* frames per receive poll / descriptors per channel send */
#define NIC_REPLY_SLOTS  1024    /* the reply ring shared by services from boot arguments */
#define NIC_SVC_REPLY_SLOTS 64   /* the reply ring of each service deployed at run time */
#define NIC_FLOW_BUCKETS 1024    /* perclient flow table (power of two) */
#define NIC_MAX_COUNT    1024    /* instances of one service */

enum nic_mode { NIC_SHARED, NIC_POOL, NIC_PERCLIENT };
#define NIC_UDP 1u               /* nic_svc.protos (the NICCTL_PROTO_* bits) */
#define NIC_TCP 2u

struct nic_svc;
struct nic_conn;

#define NIC_MAX_NF       4       /* NFs in front of one service */
#define NIC_NF_POOL      64      /* NF instances in the nic */
#define NIC_NF_SLOTS     128     /* the output ring of each NF instance */

/* One running instance of a service. */
struct nic_inst {
    struct nic_svc *svc;
    int slot;                    /* index in nic_slots[]; its reply badge is slot + 1 */
    long fwp;                    /* FWP cap, -1 when none */
    long chan;                   /* channel into its inbox, -1 when none */
    int cpu;
    uint32_t client_ip;          /* perclient: the flow it serves */
    uint16_t client_port;
    uint64_t last_tsc;           /* perclient: last packet in either direction */
    struct nic_inst *flow_next;  /* perclient: hash chain, or the ready list */
    struct nic_inst *dirty_next; /* on the pending-send list */
    struct nic_conn *conns;      /* its TCP connections */
    uint32_t nconns;
    int npend;                   /* descriptors waiting for the next flush */
    struct eos_chan_desc pend[NIC_BATCH];
};

/* What a service has done since it was added. */
struct nic_svc_stats {
    uint64_t rx, tx, drops, restarts;
    uint64_t tcp_conns, tcp_refused;   /* connections opened; SYNs refused by the caps */
};

/* A ring the nic receives instances' replies in, and the channel into it.
 * Every service deployed at run time has its own, so a tenant that floods
 * replies fills only its own service's ring. */
struct nic_reply {
    struct eos_chan_ring *ring;
    struct eos_chan_slot *slots;
    long chan;
    bool used;
};

/* One NF instance in front of a service (nic_nf.c): a fork of an NF
 * template (clicknf, docs/clicknf.md). The nic copies frames into its inbox
 * and receives its output in a ring of its own. */
struct nic_nf {
    struct nic_svc *svc;
    int idx;                     /* its place in the service's chain */
    char name[32];               /* template name */
    long tmpl, fwp, chan;        /* template cap, the fork, the channel into its inbox (-1: none) */
    struct nic_reply out;        /* where it sends its output */
    bool used;
    int npend;
    struct eos_chan_desc pend[NIC_BATCH];
    uint64_t in, out_n, inbox_full, restarts;
};

struct nic_svc {
    uint32_t id;                 /* the control FWP's id for it (boot services: 1 << 31 | index) */
    struct nic_reply *reply;     /* where its instances reply (set by nic_svc_add) */
    uint32_t tenant;             /* tenant id, for log lines */
    char name[32];               /* template name */
    enum nic_mode mode;
    uint8_t protos;              /* NIC_UDP | NIC_TCP */
    uint16_t base;               /* first port */
    uint32_t count;              /* instances wanted (shared: ports [base, base + count)) */
    long tmpl;                   /* template cap */
    /* shared/pool: inst[0..count) (NULL until built) */
    struct nic_inst **inst;
    uint32_t inst_cap;
    struct nic_inst *inst_store[NIC_MAX_COUNT];
    /* perclient */
    struct nic_inst *flows[NIC_FLOW_BUCKETS];
    struct nic_inst *ready;      /* set up, waiting for a client */
    uint32_t nready, active;
    /* a change in progress (ADD or SCALE from ctl): answered when done */
    bool building;
    uint32_t pending_seq;        /* 0 = nobody waits for an answer */
    uint32_t pending_op;         /* NICCTL_ADD or NICCTL_SCALE */
    uint32_t undo_count;         /* SCALE: the count to return to if it fails */
    int err;                     /* first failure while building */
    uint64_t setup_t0;
    uint32_t tcp_conns, tcp_halfopen;   /* its connections now, and those not yet established */
    struct nic_svc_stats st;
    /* NFs in front of it (ingress only), in order; names from svc=...:nf= or nf= */
    int nnf;
    char nf_names[NIC_MAX_NF][32];
    struct nic_nf *nf[NIC_MAX_NF];
};

struct nic_stats {
    uint64_t rx, tx, arp, icmp, udp;
    uint64_t dropped_spoofed;    /* replies for a flow the sending instance does not serve */
    uint64_t inst_reset;         /* idle instances reused through a reset */
    uint64_t dropped_malformed, dropped_noservice, ignored, tx_full;
    uint64_t chan_in, chan_out, chan_full, chan_dead;
    uint64_t inst_created, inst_reclaimed, inst_restarted;
    uint64_t err[NET_E_COUNT];   /* malformed frames by reason */
    /* TCP (nic_tcp.c) */
    uint64_t tcp;                /* valid segments received */
    uint64_t tcp_conns;          /* connections opened */
    uint64_t tcp_rst_unknown;    /* RSTs sent for segments of no known connection */
    uint64_t tcp_rst_reset;      /* RSTs sent for connections of an instance that died, was reclaimed or removed */
    uint64_t tcp_syn_refused;    /* SYNs dropped by the connection and half-open caps */
    uint64_t tcp_halfopen_expired;
    uint64_t tcp_stale;          /* instance segments for a connection the nic no longer has */
    uint64_t tcp_bad_out;        /* instance packets that are not well-formed TCP from us */
    uint64_t tcp_rst_limited;    /* RSTs not sent: over the rate limit */
    /* NF chains (nic_nf.c) */
    uint64_t nf_restarted;       /* NF instances that died and were replaced */
};

struct nic_cfg {
    uint32_t ip, gw;
    uint64_t idle_ms;
    uint32_t tcp_conns;          /* per service: connections (tcp_conns=) */
    uint32_t tcp_halfopen;       /* per service: connections not yet established (tcp_halfopen=) */
    uint32_t tcp_halfopen_addr;  /* per client address (tcp_halfopen_addr=) */
    uint32_t spin_us;            /* polling after the last work before waiting (spin_us=, 50; 0: wait at once) */
    uint64_t tcp_halfopen_ms;    /* a connection not established after this long is dropped */
    int nboot;                   /* services given on the command line */
    struct nic_svc boot[16];
    struct nic_svc pool[NIC_MAX_SVCS];    /* services from the control FWP */
    bool pool_used[NIC_MAX_SVCS];
};

extern struct virtio_net nic_dev;
extern struct nic_cfg nic_cfg;
extern struct nic_stats nic_stats;
extern uint64_t nic_tsc_hz;
extern unsigned nic_icount_replied;     /* replies sent this round: 1 UDP, 2 TCP data (nic_main.c) */

/* nic_input.c: one received frame. */
void nic_input(const uint8_t *frame, uint32_t len);
void nic_arp_learn(uint32_t ip, const uint8_t mac[6]);
const uint8_t *nic_arp_lookup(uint32_t ip);
uint16_t nic_next_ip_id(void);

/* nic_nf.c: NF chains in front of services. */
int nic_nf_parse_list(const char *list, struct nic_svc *s);   /* "fw1+fw2" */
int nic_nf_bind(const char *spec);            /* boot argument nf=TEMPLATE:fw1+fw2 */
extern bool nic_nf_fault_hook;                /* nf_fault=1: test hook (docs/net.md) */
/* Starts the service's NF instances (names from its spec or a binding); 0 or -errno with *why. */
int nic_nf_attach(struct nic_svc *svc, const char **why);
void nic_nf_detach(struct nic_svc *svc);      /* destroys them */
/* A frame from the wire for svc, which has NFs: into the first one. */
void nic_nf_ingress(struct nic_svc *svc, const uint8_t *frame, uint32_t len, const struct net_pkt *pk);
int nic_nf_flush(void);                       /* sends frames queued for NF inboxes; count */
int nic_nf_drain(int max);                    /* NF outputs: to the next NF or the service; count */
void nic_nf_check_alive(void);                /* replaces NF instances that died */
void nic_nf_stats_print(void);
struct nicctl_nf_stats;
/* The counters of svc's NFs, in chain order, into out[NIC_MAX_NF]; their number. */
int nic_nf_stats(const struct nic_svc *svc, struct nicctl_nf_stats *out);
/* nic_input.c: a frame that came out of svc's last NF: the per-frame path, for svc only, without the NFs. */
void nic_input_after_nf(struct nic_svc *svc, const uint8_t *frame, uint32_t len);

/* nic_svc.c: services, instances, channels. */
int nic_pick_cpu(void);
int nic_reply_create(struct nic_reply *r, unsigned nslots);
struct nic_svc *nic_svc_udp(uint16_t port);   /* the service answering UDP on port, or NULL */
int nic_svc_parse(const char *spec, struct nic_svc *s);
int nic_svc_init(void);                        /* reply ring; once */
/* Adds a service (its template opened, its ports taken); its instances are
 * built by nic_svc_work. 0 or -errno with *why. */
int nic_svc_add(struct nic_svc *svc, const char **why);
int nic_svc_scale(struct nic_svc *svc, uint32_t count, const char **why);
void nic_svc_undo_scale(struct nic_svc *svc);  /* a scale that failed: back to the old count */
void nic_svc_remove(struct nic_svc *svc);      /* stops answering now, destroys everything */
struct nic_svc *nic_svc_by_id(uint32_t id);
/* Builds instances that services still lack, for at most budget_us;
 * returns whether any build is still in progress. Services whose build
 * ended (done or failed) are reported to nic_ctl_built(). */
bool nic_svc_work(uint64_t budget_us);
/* Queues a UDP payload for the instance serving (port, client); 0 or -1 (no service). */
int nic_svc_deliver(uint16_t dport, uint32_t client_ip, uint16_t client_port, const uint8_t *payload, uint32_t len);
/* The service answering TCP on port, or NULL. */
struct nic_svc *nic_svc_tcp(uint16_t port);
/* The instance a new connection from (client_ip, client_port) to port goes
 * to (perclient: the client address's own instance, activated if needed);
 * NULL if there is none. */
struct nic_inst *nic_svc_pick(struct nic_svc *svc, uint16_t port, uint32_t client_ip, uint16_t client_port, bool tcp);
/* Queues buf for in (sent by nic_svc_flush); aux carries the client address and EOS_REQ_TCP. */
void nic_inst_queue(struct nic_inst *in, const uint8_t *buf, uint32_t len, uint32_t meta, uint64_t aux);
/* The instance whose reply badge this is, or NULL. */
struct nic_inst *nic_inst_by_badge(uint32_t badge);
/* Probes instances that hold TCP connections and restarts the dead ones (their connections are reset). */
void nic_svc_check_alive(void);
int nic_svc_flush(void);                       /* sends queued descriptors; count */
int nic_svc_replies(int max);                  /* transmits instance replies; count */
void nic_svc_reclaim_idle(uint64_t now);       /* perclient: idle instances back to the pool */
uint32_t nic_svc_instances(const struct nic_svc *svc, uint32_t *clients);
void nic_svc_report(struct nic_svc *svc);      /* the start-up line of a service that finished building */

/* nic_tcp.c: TCP connections. */
void nic_tcp_input(const uint8_t *frame, const struct net_pkt *pk);
/* A packet instance `in` sent marked EOS_REQ_TCP: checked against the
 * connection it claims and transmitted; 0, or -1 if refused. */
int nic_tcp_output(struct nic_inst *in, const uint8_t *ip, uint32_t len);
/* Resets (RST to the client) and forgets every connection of in. */
void nic_tcp_reset_inst(struct nic_inst *in);
void nic_tcp_expire(uint64_t now);             /* half-open and closed connections */

/* nic_ctl.c: commands from the control FWP. */
int nic_ctl_init(void);
int nic_ctl_poll(void);                        /* handles waiting commands; count */
void nic_ctl_built(struct nic_svc *svc);       /* a build ended: answer whoever waits */

/* The nic's one notification: bit 1 = instance replies arrived, bit 2 =
 * device interrupt, bit 4 = the periodic timer (reclaim, statistics). */
#define NIC_WAKE_REPLY 1ul
#define NIC_WAKE_IRQ   2ul
#define NIC_WAKE_TIMER 4ul
extern long nic_ntfn;

#endif
