/* nic: EdgeOS's user-level NIC driver and packet dispatcher (a root FWP).
 *
 * One polling loop moves frames between the virtio-net rings and the
 * services' instances: ARP and ICMP echo are answered here; UDP datagrams
 * go to an instance of the service that owns the destination port through
 * that instance's channel (the kernel copies them into its private ring);
 * replies come back through the nic's own channel ring and leave as
 * Ethernet/IPv4/UDP frames. See docs/net.md. */
#ifndef NIC_H
#define NIC_H
#include <stdbool.h>
#include <stdint.h>
#include "edgeos.h"
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

struct nic_svc;

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
    int npend;                   /* descriptors waiting for the next flush */
    struct eos_chan_desc pend[NIC_BATCH];
};

/* What a service has done since it was added. */
struct nic_svc_stats {
    uint64_t rx, tx, drops, restarts;
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

struct nic_svc {
    uint32_t id;                 /* the control FWP's id for it (boot services: 1 << 31 | index) */
    struct nic_reply *reply;     /* where its instances reply (set by nic_svc_add) */
    uint32_t tenant;             /* tenant id, for log lines */
    char name[32];               /* template name */
    enum nic_mode mode;
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
    struct nic_svc_stats st;
};

struct nic_stats {
    uint64_t rx, tx, arp, icmp, udp;
    uint64_t dropped_spoofed;    /* replies for a flow the sending instance does not serve */
    uint64_t inst_reset;         /* idle instances reused through a reset */
    uint64_t dropped_malformed, dropped_noservice, ignored, tx_full;
    uint64_t chan_in, chan_out, chan_full, chan_dead;
    uint64_t inst_created, inst_reclaimed, inst_restarted;
    uint64_t err[NET_E_COUNT];   /* malformed frames by reason */
};

struct nic_cfg {
    uint32_t ip, gw;
    uint64_t idle_ms;
    int nboot;                   /* services given on the command line */
    struct nic_svc boot[16];
    struct nic_svc pool[NIC_MAX_SVCS];    /* services from the control FWP */
    bool pool_used[NIC_MAX_SVCS];
};

extern struct virtio_net nic_dev;
extern struct nic_cfg nic_cfg;
extern struct nic_stats nic_stats;
extern uint64_t nic_tsc_hz;

/* nic_input.c: one received frame. */
void nic_input(const uint8_t *frame, uint32_t len);
void nic_arp_learn(uint32_t ip, const uint8_t mac[6]);
const uint8_t *nic_arp_lookup(uint32_t ip);
uint16_t nic_next_ip_id(void);

/* nic_svc.c: services, instances, channels. */
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
int nic_svc_flush(void);                       /* sends queued descriptors; count */
int nic_svc_replies(int max);                  /* transmits instance replies; count */
void nic_svc_reclaim_idle(uint64_t now);       /* perclient: idle instances back to the pool */
uint32_t nic_svc_instances(const struct nic_svc *svc, uint32_t *clients);
void nic_svc_report(struct nic_svc *svc);      /* the start-up line of a service that finished building */

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
