/* nic main: configuration from argv, device start-up, the polling loop.
 *   nic [ip=A.B.C.D] [gw=A.B.C.D] [idle=MS] [tcp_conns=N] [tcp_halfopen=N]
 *       [tcp_halfopen_addr=N] [tcp_synwait=MS] [spin_us=N] [icount=1]
 *       [svc=NAME:PROTO:BASEPORT:COUNT:MODE[:nf=NF1+NF2...]]... [nf=TEMPLATE:NF1+NF2...]... [nf_fault=1]
 * PROTO is udp, tcp or tcp+udp; MODE is shared, pool or perclient
 * (docs/net.md, docs/tcp.md). nf= names NF templates (clicknf) that the
 * service's incoming frames cross first; the nf= argument gives them to the
 * service whose template is TEMPLATE (e.g. one the control FWP deploys,
 * "TENANT/SERVICE"); nf_fault=1 enables a test hook (docs/net.md). Runs as a root FWP
 * (@root): it maps the device and opens the services' templates.
 * With icount=1 it names its instruction-count markers (below) on the
 * console, for bench/icount/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eos_icount.h"
#include "nic.h"

struct virtio_net nic_dev;
struct nic_cfg nic_cfg;
struct nic_stats nic_stats;
uint64_t nic_tsc_hz;
unsigned nic_icount_replied;

/* Instruction-count markers (eos_icount.h; no-ops outside the counting
 * plugin): a request is counted from the nic's first look at its frame to
 * the doorbell of the round that sent its reply, everything the machine runs
 * in between included (the nic, the kernel, the instance). Every frame
 * restarts both counts; only a round that sent a UDP reply or TCP data from
 * an instance stops one. */
#define NIC_ICOUNT_UDP 40
#define NIC_ICOUNT_TCP 41

/* Idle: keep polling for spin_us= (NIC_SPIN_US) after the last work; then acknowledge
 * the device interrupt, poll once more, and wait on the nic's notification,
 * which the device interrupt, an instance reply or the periodic timer
 * signals. (Without an interrupt line the nic falls back to sleeping
 * NIC_SLEEP_MIN_NS, doubling up to NIC_SLEEP_MAX_NS while nothing
 * arrives. Sleeping halts the CPU when nothing else runs on it; a frame
 * that arrives meanwhile waits in the device's ring for at most one sleep. */
#define NIC_SPIN_US       50
#define NIC_SLEEP_MIN_NS  20000ul
#define NIC_SLEEP_MAX_NS  1000000ul
#define NIC_STATS_SECONDS 2

static uint64_t nic_us_to_tsc(uint64_t us) { return us * nic_tsc_hz / 1000000; }

static void nic_usage(const char *why)
{
    printf("nic: %s\nusage: nic [ip=A.B.C.D] [gw=A.B.C.D] [idle=MS] [tcp_conns=N] [tcp_halfopen=N] [tcp_halfopen_addr=N] "
           "[tcp_synwait=MS] [spin_us=N] [icount=1] [svc=NAME:udp|tcp|tcp+udp:BASEPORT:COUNT:shared|pool|perclient[:nf=NF1+NF2]]... "
           "[nf=TEMPLATE:NF1+NF2]... [nf_fault=1]\n",
           why);
    exit(2);
}

static void nic_parse_args(int argc, char **argv)
{
    net_ip_parse("10.0.2.15", &nic_cfg.ip);
    net_ip_parse("10.0.2.2", &nic_cfg.gw);
    nic_cfg.idle_ms = 2000;
    nic_cfg.spin_us = NIC_SPIN_US;
    nic_cfg.tcp_conns = 4096;
    nic_cfg.tcp_halfopen = 256;
    nic_cfg.tcp_halfopen_addr = 32;
    nic_cfg.tcp_halfopen_ms = 5000;
    struct { const char *key; uint32_t *v32; uint64_t *v64; } nums[] = {
        { "tcp_conns=", &nic_cfg.tcp_conns, NULL },
        { "tcp_halfopen=", &nic_cfg.tcp_halfopen, NULL },
        { "tcp_halfopen_addr=", &nic_cfg.tcp_halfopen_addr, NULL },
        { "tcp_synwait=", NULL, &nic_cfg.tcp_halfopen_ms },
        { "spin_us=", &nic_cfg.spin_us, NULL },
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool num = false;
        for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
            size_t kl = strlen(nums[k].key);
            if (strncmp(a, nums[k].key, kl))
                continue;
            char *end;
            unsigned long long v = strtoull(a + kl, &end, 10);
            if (*end || a[kl] == 0 || (v == 0 && nums[k].v32 != &nic_cfg.spin_us) || v > 1000000000ull)
                nic_usage("bad number");
            if (nums[k].v32)
                *nums[k].v32 = (uint32_t)v;
            else
                *nums[k].v64 = v;
            num = true;
        }
        if (num)
            continue;
        if (!strncmp(a, "ip=", 3)) {
            if (net_ip_parse(a + 3, &nic_cfg.ip) < 0)
                nic_usage("bad ip=");
        } else if (!strncmp(a, "gw=", 3)) {
            if (net_ip_parse(a + 3, &nic_cfg.gw) < 0)
                nic_usage("bad gw=");
        } else if (!strncmp(a, "idle=", 5)) {
            char *end;
            nic_cfg.idle_ms = strtoull(a + 5, &end, 10);
            if (*end || nic_cfg.idle_ms == 0)
                nic_usage("bad idle=");
        } else if (!strncmp(a, "nf=", 3)) {
            if (nic_nf_bind(a + 3) < 0)
                nic_usage("bad nf=");
        } else if (!strcmp(a, "nf_fault=1")) {
            nic_nf_fault_hook = true;
        } else if (!strcmp(a, "icount=1")) {
            printf("icount-name,%d,memcached_request_udp\n", NIC_ICOUNT_UDP);
            printf("icount-name,%d,memcached_request_tcp\n", NIC_ICOUNT_TCP);
        } else if (!strncmp(a, "svc=", 4)) {
            if (nic_cfg.nboot == (int)(sizeof nic_cfg.boot / sizeof nic_cfg.boot[0]))
                nic_usage("too many services");
            if (nic_svc_parse(a + 4, &nic_cfg.boot[nic_cfg.nboot]) < 0)
                nic_usage("bad svc=");
            nic_cfg.boot[nic_cfg.nboot].id = 1u << 31 | (uint32_t)nic_cfg.nboot;
            nic_cfg.nboot++;
        } else {
            nic_usage("unknown argument");
        }
    }
}

static void nic_stats_print(void)
{
    printf("nic: stats rx=%llu tx=%llu arp=%llu icmp=%llu udp=%llu dropped_malformed=%llu dropped_noservice=%llu "
           "ignored=%llu chan_in=%llu chan_out=%llu chan_full=%llu tx_full=%llu instances_created=%llu "
           "reclaimed=%llu reset=%llu restarted=%llu dropped_spoofed=%llu",
           (unsigned long long)nic_stats.rx, (unsigned long long)nic_stats.tx, (unsigned long long)nic_stats.arp,
           (unsigned long long)nic_stats.icmp, (unsigned long long)nic_stats.udp,
           (unsigned long long)nic_stats.dropped_malformed, (unsigned long long)nic_stats.dropped_noservice,
           (unsigned long long)nic_stats.ignored, (unsigned long long)nic_stats.chan_in,
           (unsigned long long)nic_stats.chan_out, (unsigned long long)nic_stats.chan_full,
           (unsigned long long)nic_stats.tx_full, (unsigned long long)nic_stats.inst_created,
           (unsigned long long)nic_stats.inst_reclaimed, (unsigned long long)nic_stats.inst_reset,
           (unsigned long long)nic_stats.inst_restarted,
           (unsigned long long)nic_stats.dropped_spoofed);
    if (nic_stats.tcp)
        printf(" tcp=%llu tcp_conns=%llu tcp_rst_unknown=%llu tcp_rst_reset=%llu tcp_syn_refused=%llu "
               "tcp_halfopen_expired=%llu tcp_stale=%llu tcp_bad_out=%llu tcp_rst_limited=%llu",
               (unsigned long long)nic_stats.tcp, (unsigned long long)nic_stats.tcp_conns,
               (unsigned long long)nic_stats.tcp_rst_unknown, (unsigned long long)nic_stats.tcp_rst_reset,
               (unsigned long long)nic_stats.tcp_syn_refused, (unsigned long long)nic_stats.tcp_halfopen_expired,
               (unsigned long long)nic_stats.tcp_stale, (unsigned long long)nic_stats.tcp_bad_out,
               (unsigned long long)nic_stats.tcp_rst_limited);
    if (nic_stats.nf_restarted)
        printf(" nf_restarted=%llu", (unsigned long long)nic_stats.nf_restarted);
    for (int e = 1; e < NET_E_COUNT; e++)
        if (nic_stats.err[e])
            printf(" %s=%llu", net_err_name(-e), (unsigned long long)nic_stats.err[e]);
    printf("\n");
    nic_nf_stats_print();
    fflush(stdout);
}

long nic_ntfn = -1;

int main(int argc, char **argv)
{
    nic_parse_args(argc, argv);
    struct eos_mem_info mi;
    eos_mem_info(&mi);
    nic_tsc_hz = mi.tsc_hz ? mi.tsc_hz : 1000000000ull;

    const char *why = "";
    int r = virtio_net_init(&nic_dev, &why);
    if (r < 0) {
        printf("nic: %s (%d)\n", why, r);
        return 1;
    }
    char ip[16], gw[16];
    const uint8_t *m = nic_dev.mac;
    printf("nic: virtio-net %02x:%02x:%02x:%02x:%02x:%02x, %u rx / %u tx descriptors; ip %s gw %s; cpu %ld\n", m[0],
           m[1], m[2], m[3], m[4], m[5], nic_dev.rx.size, nic_dev.tx.size, net_ip_str(nic_cfg.ip, ip),
           net_ip_str(nic_cfg.gw, gw), eos_cpu());
    fflush(stdout);
    nic_ntfn = eos_notification_create();
    int have_irq = nic_ntfn >= 0 && virtio_irq_bind(&nic_dev.dev, nic_ntfn, NIC_WAKE_IRQ) == 0;
    if (!have_irq)
        printf("nic: no device interrupt; idle back-off sleeps instead\n");
    if (nic_svc_init() < 0)
        return 1;
    /* Services named on the command line are built before the nic serves. */
    for (int i = 0; i < nic_cfg.nboot; i++) {
        struct nic_svc *svc = &nic_cfg.boot[i];
        const char *why = "";
        /* Boot templates may still be initialising: wait for them here. */
        long t = eos_template_open(svc->name);
        if (t < 0) {
            printf("nic: %s: no such template (%ld)\n", svc->name, t);
            return 1;
        }
        eos_cap_delete(t);
        if (nic_svc_add(svc, &why) < 0) {
            printf("nic: %s: %s\n", svc->name, why);
            return 1;
        }
        while (nic_svc_work(1000000))
            ;
        if (svc->err)
            return 1;
    }
    /* Services from the control FWP, when one runs. */
    if (nic_ctl_init() < 0)
        printf("nic: no control channel (the registry is full or taken)\n");
    fflush(stdout);

    /* Announce ourselves (gratuitous ARP request) so peers and bridges learn us. */
    uint16_t id;
    uint8_t *f = virtio_net_tx_buf(&nic_dev, &id);
    if (f) {
        virtio_net_tx_queue(&nic_dev, id, (uint32_t)net_arp_build_request(f, VIRTIO_MAX_FRAME, nic_dev.mac,
                                                                          nic_cfg.ip, nic_cfg.ip));
        nic_stats.tx++;
        virtio_net_tx_kick(&nic_dev);
    }

    uint64_t last_work = eos_rdtsc(), next_stats = last_work, next_reclaim = last_work;
    unsigned long sleep_ns = NIC_SLEEP_MIN_NS;
    int acked = 0, timer_pending = 0;
    struct nic_stats printed;
    memset(&printed, 0, sizeof printed);
    for (;;) {
        struct virtio_rx rx[NIC_BATCH];
        int n = virtio_net_rx_poll(&nic_dev, rx, NIC_BATCH);
        for (int i = 0; i < n; i++) {
            EOS_ICOUNT_START(NIC_ICOUNT_UDP);
            EOS_ICOUNT_START(NIC_ICOUNT_TCP);
            nic_input(rx[i].frame, rx[i].len);
        }
        /* Channel descriptors point into the receive buffers: send them
         * before the buffers go back to the device. */
        nic_svc_flush();
        virtio_net_rx_recycle(&nic_dev, rx, n);
        int replies = nic_svc_replies(2 * NIC_BATCH);
        replies += nic_nf_drain(2 * NIC_BATCH);     /* NF outputs: on along their chains */
        int cmds = nic_ctl_poll();
        /* Instances for services being built: a slice of time per round,
         * so packets keep moving while a large service is set up. */
        int building = nic_svc_work(2000);
        virtio_net_tx_kick(&nic_dev);
        if (nic_icount_replied) {
            if (nic_icount_replied & 1)
                EOS_ICOUNT_STOP(NIC_ICOUNT_UDP);
            if (nic_icount_replied & 2)
                EOS_ICOUNT_STOP(NIC_ICOUNT_TCP);
            nic_icount_replied = 0;
        }
        virtio_net_tx_reclaim(&nic_dev);

        uint64_t now = eos_rdtsc();
        if (n || replies || cmds || building) {
            last_work = now;
            sleep_ns = NIC_SLEEP_MIN_NS;
            acked = 0;
        } else if (now - last_work >= nic_us_to_tsc(nic_cfg.spin_us)) {
            if (have_irq && !acked) {
                /* Acknowledge first, then look once more: anything that
                 * arrived before the acknowledgement is seen by that poll,
                 * anything after it raises a new interrupt. */
                virtio_net_irq_ack(&nic_dev);
                acked = 1;
                continue;
            }
            if (have_irq) {
                uint64_t due = next_reclaim < next_stats ? next_reclaim : next_stats;
                if (!timer_pending && due > now) {
                    eos_timer_set(nic_ntfn, NIC_WAKE_TIMER, (unsigned long)((due - now) * 1000000000.0 / nic_tsc_hz));
                    timer_pending = 1;
                }
                long bits = eos_wait(nic_ntfn);
                if (bits > 0 && (bits & NIC_WAKE_TIMER))
                    timer_pending = 0;
                acked = 0;
            } else {
                eos_sleep_ns(sleep_ns);
                if (sleep_ns < NIC_SLEEP_MAX_NS)
                    sleep_ns *= 2;
            }
            now = eos_rdtsc();
        }
        if (now >= next_reclaim) {
            nic_svc_check_alive();
            nic_svc_reclaim_idle(now);
            nic_tcp_expire(now);
            virtio_net_tx_kick(&nic_dev);
            next_reclaim = now + nic_us_to_tsc(100000);
        }
        if (now >= next_stats) {
            if (memcmp(&printed, &nic_stats, sizeof printed) != 0) {
                nic_stats_print();
                printed = nic_stats;
            }
            next_stats = now + nic_us_to_tsc(NIC_STATS_SECONDS * 1000000ull);
        }
    }
}
