/* TCP connections: steering, tracking and resets.
 *
 * Every TCP connection to a service is known here by (client address,
 * client port, server port): the instance that owns it, how far each side
 * has sent (to build resets the client accepts) and whether it is
 * established. A client's SYN opens a connection if the service's caps
 * allow; every other segment goes to its connection's instance or, if
 * there is none, is answered with a reset. Instances send whole IPv4
 * packets, which are checked against the connection they claim before
 * they are framed and transmitted. When an instance dies, is reclaimed or
 * removed, its connections are reset. See docs/tcp.md. */
#include <string.h>
#include "nic.h"

#define NIC_TCP_MAX_CONNS  32768          /* connections, all services together */
#define NIC_TCP_BUCKETS    32768          /* power of two */
#define NIC_TCP_ADDR_SLOTS 4096           /* per-address half-open counters (hashed) */
#define NIC_TCP_RST_PER_S  2000           /* resets for unknown segments, per second */
#define NIC_TCP_CLOSED_MS  2000           /* a connection closed both ways is forgotten after this */
#define NIC_TCP_SYNTH      256            /* resets made for instances, per expiry round */

enum { C_SYN = 1, C_EST = 2 };
#define C_FIN_CLIENT 1
#define C_FIN_SERVER 2

struct nic_conn {
    uint32_t cip;
    uint16_t cport, sport;
    struct nic_inst *inst;
    uint32_t snd_nxt;                     /* next sequence number the instance will send */
    uint32_t rcv_nxt;                     /* next sequence number expected from the client */
    uint32_t cli_ack;                     /* the client's latest acknowledgement (valid with ack_valid) */
    uint8_t state;                        /* C_SYN until the client acknowledges, then C_EST */
    uint8_t fins;                         /* C_FIN_* seen */
    bool snd_valid, ack_valid;
    uint16_t addr_slot;                   /* its per-address half-open counter */
    uint64_t t;                           /* C_SYN: when it was opened; both FINs: when closed */
    struct nic_conn *hnext;               /* hash chain, or the free list */
    struct nic_conn *inext, *iprev;       /* its instance's connections */
};

static struct nic_conn nic_conn_pool[NIC_TCP_MAX_CONNS];
static struct nic_conn *nic_conn_free_list;
static int nic_conn_used;                 /* pool entries ever handed out */
static struct nic_conn *nic_conn_hash[NIC_TCP_BUCKETS];
static uint16_t nic_halfopen_addr[NIC_TCP_ADDR_SLOTS];
static uint64_t nic_rst_window;           /* start of the current rate-limit second */
static uint32_t nic_rst_count;

static bool seq_after(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

static unsigned nic_conn_bucket(uint32_t ip, uint16_t cport, uint16_t sport)
{
    uint32_t h = ip * 2654435761u ^ ((uint32_t)cport << 16 | sport) * 2246822519u;
    return (h ^ h >> 16) & (NIC_TCP_BUCKETS - 1);
}

static unsigned nic_addr_slot(uint32_t ip)
{
    uint32_t h = ip * 2654435761u;
    return (h >> 20) & (NIC_TCP_ADDR_SLOTS - 1);
}

static struct nic_conn *nic_conn_find(uint32_t ip, uint16_t cport, uint16_t sport)
{
    for (struct nic_conn *c = nic_conn_hash[nic_conn_bucket(ip, cport, sport)]; c; c = c->hnext)
        if (c->cip == ip && c->cport == cport && c->sport == sport)
            return c;
    return NULL;
}

static struct nic_conn *nic_conn_new(struct nic_inst *in, uint32_t ip, uint16_t cport, uint16_t sport)
{
    struct nic_conn *c = nic_conn_free_list;
    if (c)
        nic_conn_free_list = c->hnext;
    else if (nic_conn_used < NIC_TCP_MAX_CONNS)
        c = &nic_conn_pool[nic_conn_used++];
    else
        return NULL;
    memset(c, 0, sizeof *c);
    c->cip = ip;
    c->cport = cport;
    c->sport = sport;
    c->inst = in;
    c->state = C_SYN;
    c->t = eos_rdtsc();
    c->addr_slot = (uint16_t)nic_addr_slot(ip);
    unsigned b = nic_conn_bucket(ip, cport, sport);
    c->hnext = nic_conn_hash[b];
    nic_conn_hash[b] = c;
    c->inext = in->conns;
    if (in->conns)
        in->conns->iprev = c;
    in->conns = c;
    in->nconns++;
    in->svc->tcp_conns++;
    in->svc->tcp_halfopen++;
    nic_halfopen_addr[c->addr_slot]++;
    in->svc->st.tcp_conns++;
    nic_stats.tcp_conns++;
    return c;
}

/* The connection is no longer half open. */
static void nic_conn_established(struct nic_conn *c)
{
    if (c->state != C_SYN)
        return;
    c->state = C_EST;
    c->inst->svc->tcp_halfopen--;
    nic_halfopen_addr[c->addr_slot]--;
}

static void nic_conn_forget(struct nic_conn *c)
{
    nic_conn_established(c);
    struct nic_inst *in = c->inst;
    in->svc->tcp_conns--;
    in->nconns--;
    if (c->iprev)
        c->iprev->inext = c->inext;
    else
        in->conns = c->inext;
    if (c->inext)
        c->inext->iprev = c->iprev;
    struct nic_conn **pp = &nic_conn_hash[nic_conn_bucket(c->cip, c->cport, c->sport)];
    while (*pp != c)
        pp = &(*pp)->hnext;
    *pp = c->hnext;
    c->inst = NULL;
    c->hnext = nic_conn_free_list;
    nic_conn_free_list = c;
}

/* ---- resets ---- */

static bool nic_rst_allowed(void)
{
    uint64_t now = eos_rdtsc();
    if (now - nic_rst_window > nic_tsc_hz) {
        nic_rst_window = now;
        nic_rst_count = 0;
    }
    if (nic_rst_count >= NIC_TCP_RST_PER_S) {
        nic_stats.tcp_rst_limited++;
        return false;
    }
    nic_rst_count++;
    return true;
}

/* Sends a segment with flags from our sport to the client. */
static void nic_tcp_send_client(uint32_t ip, uint16_t sport, uint16_t cport, uint32_t seq, uint32_t ack, uint8_t flags)
{
    const uint8_t *mac = nic_arp_lookup(ip);
    if (!mac)
        return;
    uint16_t id;
    uint8_t *f = virtio_net_tx_buf(&nic_dev, &id);
    if (!f) {
        nic_stats.tx_full++;
        return;
    }
    int len = net_tcp_build(f, VIRTIO_MAX_FRAME, nic_dev.mac, mac, nic_cfg.ip, ip, sport, cport, seq, ack, flags, 0,
                            nic_next_ip_id(), NULL, 0);
    if (len < 0) {
        nic_stats.tx_full++;
        return;
    }
    virtio_net_tx_queue(&nic_dev, id, (uint32_t)len);
    nic_stats.tx++;
}

/* Resets a client accepts for a connection we no longer serve. The client
 * takes a reset whose sequence number is exactly the next it expects: that
 * lies between its latest acknowledgement and the next byte the instance
 * would have sent, so one reset goes at each (the same one when everything
 * was acknowledged). A reset that is in the window but not exact draws a
 * challenge ACK (RFC 5961), which, for a connection the nic no longer has,
 * is answered with a reset at exactly that acknowledgement. */
static void nic_conn_rst_client(const struct nic_conn *c)
{
    const uint8_t rst = NET_TCP_RST | NET_TCP_ACK;
    if (c->ack_valid)
        nic_tcp_send_client(c->cip, c->sport, c->cport, c->cli_ack, c->rcv_nxt, rst);
    if (c->snd_valid && (!c->ack_valid || c->cli_ack != c->snd_nxt))
        nic_tcp_send_client(c->cip, c->sport, c->cport, c->snd_nxt, c->rcv_nxt, rst);
    if (!c->ack_valid && !c->snd_valid)
        nic_tcp_send_client(c->cip, c->sport, c->cport, 0, c->rcv_nxt, rst);
    nic_stats.tcp_rst_reset++;
}

void nic_tcp_reset_inst(struct nic_inst *in)
{
    while (in->conns) {
        struct nic_conn *c = in->conns;
        nic_conn_rst_client(c);
        nic_conn_forget(c);
    }
}

/* Resets for instances (a half-open connection given up) are built here and
 * queued on the instance's channel; they stay valid until the next flush. */
static uint8_t nic_synth[NIC_TCP_SYNTH][NET_IPV4_HLEN + NET_TCP_HLEN];

static void nic_conn_rst_inst(struct nic_conn *c, int k)
{
    uint8_t f[NET_ETH_HLEN + NET_IPV4_HLEN + NET_TCP_HLEN];
    static const uint8_t zero[6];
    if (net_tcp_build(f, sizeof f, zero, zero, c->cip, nic_cfg.ip, c->cport, c->sport, c->rcv_nxt, 0, NET_TCP_RST, 0,
                      0, NULL, 0) < 0)
        return;
    memcpy(nic_synth[k], f + NET_ETH_HLEN, sizeof nic_synth[k]);
    nic_inst_queue(c->inst, nic_synth[k], sizeof nic_synth[k], (uint32_t)c->cport << 16 | c->sport,
                   (uint64_t)c->cip | EOS_REQ_TCP);
}

void nic_tcp_expire(uint64_t now)
{
    uint64_t halfopen = nic_cfg.tcp_halfopen_ms * (nic_tsc_hz / 1000);
    uint64_t closed = NIC_TCP_CLOSED_MS * (nic_tsc_hz / 1000);
    int k = 0;
    for (int i = 0; i < nic_conn_used && k < NIC_TCP_SYNTH; i++) {
        struct nic_conn *c = &nic_conn_pool[i];
        if (!c->inst)
            continue;
        if (c->state == C_SYN && now - c->t > halfopen) {
            nic_stats.tcp_halfopen_expired++;
            nic_conn_rst_inst(c, k++);     /* frees the instance's half-open slot too */
            nic_conn_forget(c);
        } else if (c->fins == (C_FIN_CLIENT | C_FIN_SERVER) && now - c->t > closed) {
            nic_conn_forget(c);
        }
    }
    if (k)
        nic_svc_flush();
}

/* ---- from clients ---- */

static uint32_t nic_seg_len(const struct net_pkt *pk)
{
    return (uint32_t)pk->payload_len + !!(pk->tcp_flags & NET_TCP_SYN) + !!(pk->tcp_flags & NET_TCP_FIN);
}

/* A segment of no connection we know: answered with the reset RFC 793 prescribes. */
static void nic_tcp_refuse(const struct net_pkt *pk)
{
    if ((pk->tcp_flags & NET_TCP_RST) || !nic_rst_allowed())
        return;
    nic_stats.tcp_rst_unknown++;
    if (pk->tcp_flags & NET_TCP_ACK)
        nic_tcp_send_client(pk->ip_src, pk->tcp_dport, pk->tcp_sport, pk->tcp_ack, 0, NET_TCP_RST);
    else
        nic_tcp_send_client(pk->ip_src, pk->tcp_dport, pk->tcp_sport, 0, pk->tcp_seq + nic_seg_len(pk),
                            NET_TCP_RST | NET_TCP_ACK);
}

void nic_tcp_input(const uint8_t *frame, const struct net_pkt *pk)
{
    nic_stats.tcp++;
    struct nic_svc *svc = nic_svc_tcp(pk->tcp_dport);
    if (!svc) {
        nic_stats.dropped_noservice++;
        nic_tcp_refuse(pk);                 /* a closed port */
        return;
    }
    uint8_t fl = pk->tcp_flags;
    struct nic_conn *c = nic_conn_find(pk->ip_src, pk->tcp_sport, pk->tcp_dport);
    bool syn = (fl & (NET_TCP_SYN | NET_TCP_ACK)) == NET_TCP_SYN;
    if (c && syn && c->fins == (C_FIN_CLIENT | C_FIN_SERVER)) {
        nic_conn_forget(c);                 /* the port is reused for a new connection */
        c = NULL;
    }
    if (!c) {
        if (!syn) {
            nic_tcp_refuse(pk);
            return;
        }
        if (svc->tcp_conns >= nic_cfg.tcp_conns || svc->tcp_halfopen >= nic_cfg.tcp_halfopen ||
            nic_halfopen_addr[nic_addr_slot(pk->ip_src)] >= nic_cfg.tcp_halfopen_addr) {
            nic_stats.tcp_syn_refused++;    /* the client retries its SYN later */
            svc->st.tcp_refused++;
            svc->st.drops++;
            return;
        }
        struct nic_inst *in = nic_svc_pick(svc, pk->tcp_dport, pk->ip_src, pk->tcp_sport, true);
        if (!in) {
            svc->st.drops++;
            return;
        }
        if (!(c = nic_conn_new(in, pk->ip_src, pk->tcp_sport, pk->tcp_dport))) {
            nic_stats.tcp_syn_refused++;
            svc->st.tcp_refused++;
            svc->st.drops++;
            return;
        }
        c->rcv_nxt = pk->tcp_seq + 1;
    } else {
        uint32_t end = pk->tcp_seq + nic_seg_len(pk);
        if (seq_after(end, c->rcv_nxt))
            c->rcv_nxt = end;
        if ((fl & NET_TCP_ACK) && !(fl & NET_TCP_SYN))
            nic_conn_established(c);
        if ((fl & NET_TCP_ACK) && (!c->ack_valid || seq_after(pk->tcp_ack, c->cli_ack))) {
            c->cli_ack = pk->tcp_ack;
            c->ack_valid = true;
        }
        if (fl & NET_TCP_FIN) {
            c->fins |= C_FIN_CLIENT;
            c->t = eos_rdtsc();
        }
    }
    struct nic_inst *in = c->inst;
    nic_inst_queue(in, frame + pk->ip_off, (uint32_t)pk->ip_totlen, (uint32_t)pk->tcp_sport << 16 | pk->tcp_dport,
                   (uint64_t)pk->ip_src | EOS_REQ_TCP);
    if (fl & NET_TCP_RST)
        nic_conn_forget(c);                 /* delivered; the connection is over */
}

/* ---- from instances ---- */

int nic_tcp_output(struct nic_inst *in, const uint8_t *ip, uint32_t len)
{
    struct net_pkt pk;
    if (net_classify_ipv4(ip, len, &pk) != NET_K_TCP || pk.ip_src != nic_cfg.ip || pk.ip_hlen != NET_IPV4_HLEN ||
        pk.ip_totlen != len) {
        nic_stats.tcp_bad_out++;
        return -1;
    }
    struct nic_conn *c = nic_conn_find(pk.ip_dst, pk.tcp_dport, pk.tcp_sport);
    if (!c) {
        nic_stats.tcp_stale++;              /* e.g. a retransmission after a reset */
        return -1;
    }
    if (c->inst != in) {
        nic_stats.dropped_spoofed++;
        return -1;
    }
    const uint8_t *mac = nic_arp_lookup(pk.ip_dst);
    if (!mac) {
        nic_stats.dropped_noservice++;
        return -1;
    }
    uint32_t end = pk.tcp_seq + nic_seg_len(&pk);
    if (!c->snd_valid || seq_after(end, c->snd_nxt)) {
        c->snd_nxt = end;
        c->snd_valid = true;
    }
    uint16_t id;
    uint8_t *f = virtio_net_tx_buf(&nic_dev, &id);
    if (!f) {
        nic_stats.tx_full++;
        return -1;
    }
    int fl = net_ipv4_frame(f, VIRTIO_MAX_FRAME, nic_dev.mac, mac, ip, len, nic_next_ip_id());
    if (fl < 0) {
        nic_stats.tx_full++;
        return -1;
    }
    virtio_net_tx_queue(&nic_dev, id, (uint32_t)fl);
    nic_stats.tx++;
    if (in->svc->mode == NIC_PERCLIENT)
        in->last_tsc = eos_rdtsc();
    if (pk.tcp_flags & NET_TCP_RST) {
        nic_conn_forget(c);
    } else if (pk.tcp_flags & NET_TCP_FIN) {
        c->fins |= C_FIN_SERVER;
        c->t = eos_rdtsc();
    }
    return 0;
}
