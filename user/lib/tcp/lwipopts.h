/* lwIP options for EdgeOS services: one stack per FWP instance, no OS
 * (NO_SYS), raw API only, TCP over IPv4 only. The nic answers ARP and ICMP
 * and hands the instance whole IPv4 packets carrying TCP (checksums already
 * verified there), so the stack has no link layer, ARP, ICMP, UDP or
 * reassembly. Memory comes from musl's malloc, so an instance's stack costs
 * nothing until it holds connections, and is charged to its tenant.
 * See docs/tcp.md. */
#ifndef EOS_LWIPOPTS_H
#define EOS_LWIPOPTS_H
#include <stdint.h>

#define NO_SYS                      1
#define LWIP_TIMERS                 1
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_TCP                    1
#define LWIP_UDP                    0
#define LWIP_RAW                    0
#define LWIP_ICMP                   0
#define LWIP_ARP                    0
#define LWIP_ETHERNET               0
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define IP_REASSEMBLY               0
#define IP_FRAG                     0
#define LWIP_STATS                  0
#define LWIP_NETIF_TX_SINGLE_PBUF   1   /* every packet leaves as one contiguous buffer */
#define LWIP_SINGLE_NETIF           1
#define LWIP_NETIF_LOOPBACK         0
#define LWIP_HAVE_LOOPIF            0

/* Memory: musl's heap, not static pools. */
#define MEM_LIBC_MALLOC             1
#define MEMP_MEM_MALLOC             1
#define MEM_ALIGNMENT               8
#define MEMP_NUM_TCP_PCB            1024   /* connections per instance (the service caps them lower) */
#define MEMP_NUM_TCP_PCB_LISTEN     4
#define MEMP_NUM_TCP_SEG            4096
#define PBUF_POOL_SIZE              64

/* TCP. Segments fit one Ethernet frame (the nic does not fragment). */
#define TCP_MSS                     1460
#define TCP_WND                     (16 * TCP_MSS)
#define TCP_SND_BUF                 (16 * TCP_MSS)
#define TCP_SND_QUEUELEN            (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_QUEUE_OOSEQ             1
#define TCP_LISTEN_BACKLOG          1
#define TCP_DEFAULT_LISTEN_BACKLOG  64
#define LWIP_TCP_KEEPALIVE          0
#define LWIP_CALLBACK_API           1
#define LWIP_WND_SCALE              0
#define TCP_SYNMAXRTX               4
/* TIME_WAIT lasts 2 * TCP_MSL; an instance keeps its 4 Hz TCP timer running
 * while any connection is in it, so it is kept short. */
#define TCP_MSL                     5000UL

/* The nic verified every checksum of what it hands in; the instance still
 * computes the checksums of what it sends (the nic checks only headers). */
#define CHECKSUM_CHECK_IP           0
#define CHECKSUM_CHECK_TCP          0
#define CHECKSUM_GEN_IP             1
#define CHECKSUM_GEN_TCP            1

/* Instances are forks of one checkpoint: initial sequence numbers must not
 * repeat between them, so they come from the instance's own random seed. */
struct ip4_addr;
uint32_t eos_tcp_isn(const struct ip4_addr *local_ip, uint16_t local_port, const struct ip4_addr *remote_ip,
                     uint16_t remote_port);
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) eos_tcp_isn((lip), (lport), (rip), (rport))
uint32_t eos_tcp_rand(void);
#define LWIP_RAND() eos_tcp_rand()

#define LWIP_DEBUG                  0
#define LWIP_NOASSERT               1
#endif
