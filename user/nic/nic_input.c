/* Per-frame receive path: classify, answer ARP and ICMP echo, hand UDP to
 * the service dispatcher and TCP to the connection tracker (nic_tcp.c),
 * count everything else. */
#include <string.h>
#include "nic.h"

/* IP -> MAC, learned from ARP and from IPv4 frames sent to us. Direct
 * mapped: a collision overwrites, which only costs a later re-learn (every
 * reply goes to an address we just received from). */
#define NIC_ARP_ENTRIES 1024
static struct { uint32_t ip; uint8_t mac[6]; bool valid; } nic_arp[NIC_ARP_ENTRIES];

static unsigned nic_arp_hash(uint32_t ip) { return (ip * 2654435761u) >> 22; }   /* top 10 bits */

void nic_arp_learn(uint32_t ip, const uint8_t mac[6])
{
    if (ip == 0 || (mac[0] & 1))        /* no unspecified IP, no multicast/broadcast MAC */
        return;
    unsigned h = nic_arp_hash(ip);
    nic_arp[h].ip = ip;
    memcpy(nic_arp[h].mac, mac, 6);
    nic_arp[h].valid = true;
}

const uint8_t *nic_arp_lookup(uint32_t ip)
{
    unsigned h = nic_arp_hash(ip);
    return nic_arp[h].valid && nic_arp[h].ip == ip ? nic_arp[h].mac : NULL;
}

uint16_t nic_next_ip_id(void)
{
    static uint16_t id;
    return ++id;
}

static void nic_send_built(uint16_t id, int len)
{
    if (len < 0) {
        nic_stats.tx_full++;            /* cannot happen with 2 KiB buffers; counted anyway */
        return;
    }
    virtio_net_tx_queue(&nic_dev, id, (uint32_t)len);
    nic_stats.tx++;
}

static void nic_arp_input(const struct net_pkt *pk)
{
    nic_stats.arp++;
    if (pk->arp_spa != 0)
        nic_arp_learn(pk->arp_spa, pk->arp_sha);
    if (pk->arp_op != NET_ARP_REQUEST || pk->arp_tpa != nic_cfg.ip)
        return;
    uint16_t id;
    uint8_t *f = virtio_net_tx_buf(&nic_dev, &id);
    if (!f) {
        nic_stats.tx_full++;
        return;
    }
    nic_send_built(id, net_arp_build_reply(f, VIRTIO_MAX_FRAME, nic_dev.mac, nic_cfg.ip, pk->arp_sha, pk->arp_spa));
}

static void nic_icmp_echo(const uint8_t *frame, const struct net_pkt *pk)
{
    nic_stats.icmp++;
    uint16_t id;
    uint8_t *f = virtio_net_tx_buf(&nic_dev, &id);
    if (!f) {
        nic_stats.tx_full++;
        return;
    }
    nic_send_built(id, net_icmp_build_echo_reply(f, VIRTIO_MAX_FRAME, frame, pk, nic_dev.mac, nic_next_ip_id()));
}

/* after_nf: the frame came out of the last NF in front of after_nf: it is
 * counted once (when it arrived), does not go through the NFs again and
 * is delivered only to after_nf. */
static void nic_input_frame(const uint8_t *frame, uint32_t len, struct nic_svc *after_nf)
{
    if (!after_nf)
        nic_stats.rx++;
    struct net_pkt pk;
    int k = net_classify(frame, len, &pk);
    if (k < 0) {
        nic_stats.dropped_malformed++;
        nic_stats.err[-k]++;
        return;
    }
    /* Only frames for our MAC or broadcast. */
    bool bcast = memcmp(pk.eth_dst, "\xff\xff\xff\xff\xff\xff", 6) == 0;
    if (!bcast && memcmp(pk.eth_dst, nic_dev.mac, 6) != 0) {
        nic_stats.ignored++;
        return;
    }
    if (k == NET_K_ARP) {
        nic_arp_input(&pk);
        return;
    }
    if (pk.ip_dst != nic_cfg.ip) {
        nic_stats.ignored++;            /* broadcasts and other hosts' traffic */
        return;
    }
    nic_arp_learn(pk.ip_src, pk.eth_src);
    switch (k) {
    case NET_K_ICMP_ECHO:
        nic_icmp_echo(frame, &pk);
        break;
    case NET_K_UDP: {
        struct nic_svc *svc = nic_svc_udp(pk.udp_dport);
        if (after_nf && svc != after_nf) {
            after_nf->st.drops++;       /* an NF sent it elsewhere: not this service's */
            break;
        }
        if (!after_nf) {
            nic_stats.udp++;
            if (svc && svc->nnf && pk.payload_len <= EOS_CHAN_DATA) {
                nic_nf_ingress(svc, frame, len, &pk);
                break;
            }
        }
        if (pk.payload_len > EOS_CHAN_DATA ||
            nic_svc_deliver(pk.udp_dport, pk.ip_src, pk.udp_sport, frame + pk.payload_off,
                            (uint32_t)pk.payload_len) < 0)
            nic_stats.dropped_noservice++;
        break;
    }
    case NET_K_TCP: {
        struct nic_svc *svc = nic_svc_tcp(pk.tcp_dport);
        if (after_nf && svc != after_nf) {
            after_nf->st.drops++;
            break;
        }
        if (!after_nf && svc && svc->nnf) {
            nic_nf_ingress(svc, frame, len, &pk);
            break;
        }
        nic_tcp_input(frame, &pk);
        break;
    }
    default:
        nic_stats.ignored++;            /* other ICMP messages */
        break;
    }
}

void nic_input(const uint8_t *frame, uint32_t len)
{
    nic_input_frame(frame, len, NULL);
}

void nic_input_after_nf(struct nic_svc *svc, const uint8_t *frame, uint32_t len)
{
    nic_input_frame(frame, len, svc);
}
