/* TCP for EdgeOS services: lwIP's raw API glued to the service runtime
 * (see eos_tcp.h and docs/tcp.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "eos_tcp.h"
#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/priv/tcp_priv.h"   /* tcp_active_pcbs, tcp_tw_pcbs */

static struct netif eos_netif;
static struct eos_tcp *eos_tcp_self;          /* one stack per instance */
static uint64_t eos_tcp_rng = 0x9e3779b97f4a7c15ull;
/* The connection freed last, and whether its pcb was aborted: a callback
 * that called into the program checks these before touching its
 * connection again (and answers lwIP ERR_ABRT after an abort). */
static struct eos_tcp_conn *eos_tcp_freed;
static bool eos_tcp_freed_abrt;

/* ---- platform hooks lwIP calls ---- */

u32_t sys_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

uint32_t eos_tcp_rand(void)
{
    /* xorshift64*: seeded per instance in eos_tcp_attach */
    eos_tcp_rng ^= eos_tcp_rng >> 12;
    eos_tcp_rng ^= eos_tcp_rng << 25;
    eos_tcp_rng ^= eos_tcp_rng >> 27;
    return (uint32_t)((eos_tcp_rng * 0x2545f4914f6cdd1dull) >> 32);
}

uint32_t eos_tcp_isn(const struct ip4_addr *local_ip, uint16_t local_port, const struct ip4_addr *remote_ip,
                     uint16_t remote_port)
{
    (void)local_ip, (void)local_port, (void)remote_ip, (void)remote_port;
    return eos_tcp_rand();
}

/* ---- the interface: packets to and from the nic ---- */

static err_t eos_netif_output(struct netif *n, struct pbuf *p, const ip4_addr_t *dst)
{
    (void)n;
    struct eos_tcp *t = eos_tcp_self;
    if (!t || !t->svc)
        return ERR_IF;
    uint8_t pkt[EOS_SERVICE_PKT_MAX];
    if (p->tot_len > sizeof pkt || p->tot_len < 40)
        return ERR_BUF;
    u16_t len = pbuf_copy_partial(p, pkt, p->tot_len, 0);
    size_t ihl = (size_t)(pkt[0] & 15) * 4;
    if (ihl + 4 > len)
        return ERR_BUF;
    uint32_t sport = (uint32_t)pkt[ihl] << 8 | pkt[ihl + 1];
    uint32_t dport = (uint32_t)pkt[ihl + 2] << 8 | pkt[ihl + 3];
    uint64_t ip = lwip_ntohl(ip4_addr_get_u32(dst));
    eos_service_send(t->svc, pkt, len, dport << 16 | sport, ip | EOS_REQ_TCP);
    return ERR_OK;
}

static err_t eos_netif_init(struct netif *n)
{
    n->name[0] = 'e';
    n->name[1] = 'n';
    n->mtu = 1500;
    n->output = eos_netif_output;
    n->flags = 0;
    return ERR_OK;
}

static void eos_tcp_input(void *ctx, struct eos_service *s, const struct eos_request *req)
{
    (void)ctx, (void)s;
    if (req->len < 20 || req->len > 0xffff)
        return;
    /* The nic delivers only packets to its own address: that is ours. */
    ip4_addr_t dst;
    memcpy(&dst.addr, req->data + 16, 4);
    if (!ip4_addr_cmp(&dst, netif_ip4_addr(&eos_netif))) {
        ip4_addr_t mask, gw;
        IP4_ADDR(&mask, 0, 0, 0, 0);
        ip4_addr_set_zero(&gw);
        netif_set_addr(&eos_netif, &dst, &mask, &gw);
    }
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)req->len, PBUF_RAM);
    if (!p)
        return;                               /* out of memory: the client retransmits */
    pbuf_take(p, req->data, (u16_t)req->len);
    if (eos_netif.input(p, &eos_netif) != ERR_OK)
        pbuf_free(p);
}

/* Whether no connection needs lwIP's timers now: every one established
 * with nothing unacknowledged, unsent, out of order or held back, no
 * acknowledgement owed, no partial request (the stall timeout) and no
 * received bytes the program has not taken. Then the instance sets no
 * kernel timer: lwIP's 4 Hz TCP timer stays registered and runs again
 * with the next packet, so thousands of instances with idle connections
 * cost no wake-ups. */
static bool eos_tcp_quiet(struct eos_tcp *t)
{
    if (tcp_tw_pcbs)
        return false;
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
        if (p->state != ESTABLISHED || p->unacked || p->unsent || (p->flags & (TF_ACK_DELAY | TF_ACK_NOW)) ||
            p->refused_data || p->ooseq || p->persist_backoff)
            return false;
        struct eos_tcp_conn *c = p->callback_arg;
        if (!c || c->rx || c->send_short || (t->stall_ms && t->ops->partial && t->ops->partial(t->ctx, c->st)))
            return false;
    }
    return true;
}

static uint32_t eos_tcp_tick(void *ctx)
{
    struct eos_tcp *t = ctx;
    sys_check_timeouts();
    uint32_t ms = sys_timeouts_sleeptime();
    if (ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE && eos_tcp_quiet(t))
        return SYS_TIMEOUTS_SLEEPTIME_INFINITE;
    return ms;
}

/* ---- connections ---- */

static void eos_conn_unlink(struct eos_tcp_conn *c)
{
    struct eos_tcp *t = c->tcp;
    if (c->prev)
        c->prev->next = c->next;
    else
        t->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    t->nconns--;
}

/* Forgets c (its pcb is gone or no longer ours) and tells the program. */
static void eos_conn_free(struct eos_tcp_conn *c)
{
    struct eos_tcp *t = c->tcp;
    eos_tcp_freed = c;
    eos_conn_unlink(c);
    if (c->rx)
        pbuf_free(c->rx);
    void *st = c->st;
    c->st = NULL;
    if (st && t->ops->closed)
        t->ops->closed(t->ctx, st);
    free(c);
}

static void eos_conn_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

static void eos_conn_err(void *arg, err_t err)
{
    (void)err;
    struct eos_tcp_conn *c = arg;
    if (!c)
        return;
    eos_tcp_freed_abrt = true;
    c->pcb = NULL;                            /* lwIP has freed it */
    c->tcp->resets++;
    eos_conn_free(c);
}

void eos_tcp_abort(struct eos_tcp_conn *c)
{
    if (c->pcb)
        tcp_abort(c->pcb);                    /* calls eos_conn_err, which frees c */
}

void eos_tcp_close(struct eos_tcp_conn *c)
{
    struct tcp_pcb *pcb = c->pcb;
    if (!pcb)
        return;
    if (c->in_data) {
        c->closing = true;                    /* done when ops->data returns */
        return;
    }
    eos_conn_detach(pcb);
    bool abrt = false;
    if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);                       /* no memory for the FIN: reset instead */
        abrt = true;
    }
    c->pcb = NULL;
    eos_conn_free(c);
    eos_tcp_freed_abrt = abrt;
}

/* Starts a call into the program about c. */
static void eos_tcp_enter(void)
{
    eos_tcp_freed = NULL;
    eos_tcp_freed_abrt = false;
}

size_t eos_tcp_send(struct eos_tcp_conn *c, const void *p, size_t n)
{
    if (!c->pcb || n == 0)
        return 0;
    size_t want = n;
    c->send_short = true;                     /* until everything offered is taken */
    size_t room = tcp_sndbuf(c->pcb);
    size_t q = tcp_sndqueuelen(c->pcb);
    if (q >= TCP_SND_QUEUELEN - 4)
        return 0;
    if (n > room)
        n = room;
    if (n > 0xffff)
        n = 0xffff;
    if (n == 0)
        return 0;
    if (tcp_write(c->pcb, p, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
        return 0;                             /* no memory: retried from the poll timer */
    c->send_short = n < want;
    return n;
}

void eos_tcp_push(struct eos_tcp_conn *c)
{
    if (c->pcb)
        tcp_output(c->pcb);
}

void eos_tcp_resume(struct eos_tcp_conn *c)
{
    struct eos_tcp *t = c->tcp;
    if (c->in_data)
        return;
    while (c->rx && c->pcb) {
        struct pbuf *q = c->rx;
        if (q->len == 0) {                    /* an empty pbuf in the chain */
            c->rx = pbuf_dechain(q);
            pbuf_free(q);
            continue;
        }
        size_t qlen = q->len;                 /* q may be freed below */
        c->in_data = true;
        size_t k = t->ops->data(t->ctx, c->st, c, q->payload, qlen);
        if (eos_tcp_freed == c)
            return;                           /* the program reset it */
        c->in_data = false;
        if (k > qlen)
            k = qlen;
        if (k > 0) {
            tcp_recved(c->pcb, (u16_t)k);
            c->rx = pbuf_free_header(c->rx, (u16_t)k);
        }
        if (c->closing) {
            eos_tcp_close(c);
            return;
        }
        if (k < qlen)
            break;                            /* backpressure: the window stays closed */
    }
    if (c->pcb && !c->rx && c->peer_closed && t->ops->writable)
        t->ops->writable(t->ctx, c->st, c); /* lets the program finish and close */
}

/* What a callback answers lwIP once the program is done with c. */
static err_t eos_tcp_leave(struct eos_tcp_conn *c)
{
    return eos_tcp_freed == c && eos_tcp_freed_abrt ? ERR_ABRT : ERR_OK;
}

static err_t eos_conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)pcb, (void)err;
    struct eos_tcp_conn *c = arg;
    if (!c) {
        if (p)
            pbuf_free(p);
        return ERR_OK;
    }
    eos_tcp_enter();
    if (!p) {
        c->peer_closed = true;
    } else {
        c->last_rx_ms = sys_now();
        if (c->rx)
            pbuf_cat(c->rx, p);
        else
            c->rx = p;
    }
    eos_tcp_resume(c);
    return eos_tcp_leave(c);
}

static err_t eos_conn_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb, (void)len;
    struct eos_tcp_conn *c = arg;
    if (!c)
        return ERR_OK;
    struct eos_tcp *t = c->tcp;
    eos_tcp_enter();
    if (t->ops->writable)
        t->ops->writable(t->ctx, c->st, c);
    if (eos_tcp_freed != c)
        eos_tcp_resume(c);
    return eos_tcp_leave(c);
}

/* Every second: a connection that has held a partial request for longer
 * than the stall timeout is reset, so a slow or stuck client cannot pin an
 * instance's memory. */
static err_t eos_conn_poll(void *arg, struct tcp_pcb *pcb)
{
    struct eos_tcp_conn *c = arg;
    if (!c)
        return ERR_OK;
    struct eos_tcp *t = c->tcp;
    if (t->stall_ms && t->ops->partial && t->ops->partial(t->ctx, c->st) &&
        (uint32_t)(sys_now() - (uint32_t)c->last_rx_ms) > t->stall_ms) {
        t->stalled++;
        tcp_abort(pcb);                       /* eos_conn_err frees c */
        return ERR_ABRT;
    }
    eos_tcp_enter();
    /* Output the stack could not take (no memory for it, with nothing in
     * flight whose acknowledgement would call `sent`) is offered again. */
    if (c->send_short && t->ops->writable)
        t->ops->writable(t->ctx, c->st, c);
    if (eos_tcp_freed != c)
        eos_tcp_resume(c);
    return eos_tcp_leave(c);
}

static err_t eos_tcp_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct eos_tcp *t = arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    struct eos_tcp_conn *c = NULL;
    if (t->nconns >= t->max_conns || !(c = calloc(1, sizeof *c))) {
        t->refused++;
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    c->tcp = t;
    c->pcb = pcb;
    c->last_rx_ms = sys_now();
    c->next = t->conns;
    if (t->conns)
        t->conns->prev = c;
    t->conns = c;
    t->nconns++;
    tcp_arg(pcb, c);
    tcp_recv(pcb, eos_conn_recv);
    tcp_sent(pcb, eos_conn_sent);
    tcp_err(pcb, eos_conn_err);
    tcp_poll(pcb, eos_conn_poll, 2);
    tcp_nagle_disable(pcb);                   /* replies go out as soon as they are complete */
    c->st = t->ops->open(t->ctx, c);
    if (!c->st) {
        t->refused++;
        eos_conn_detach(pcb);
        c->pcb = NULL;
        eos_conn_free(c);
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    t->accepted++;
    return ERR_OK;
}

int eos_tcp_init(struct eos_tcp *t, const struct eos_tcp_ops *ops, void *ctx)
{
    memset(t, 0, sizeof *t);
    t->ops = ops;
    t->ctx = ctx;
    t->max_conns = EOS_TCP_MAX_CONNS;
    t->stall_ms = EOS_TCP_STALL_MS;
    lwip_init();
    ip4_addr_t any;
    ip4_addr_set_zero(&any);
    if (!netif_add(&eos_netif, &any, &any, &any, NULL, eos_netif_init, ip4_input))
        return -ENOMEM;
    netif_set_default(&eos_netif);
    netif_set_up(&eos_netif);
    netif_set_link_up(&eos_netif);
    eos_tcp_self = t;
    return 0;
}

int eos_tcp_attach(struct eos_tcp *t, struct eos_service *s, uint16_t port)
{
    if (port == 0)
        return -EINVAL;
    eos_tcp_rng ^= s->seed * 0xff51afd7ed558ccdull + (uint64_t)s->id;
    if (eos_tcp_rng == 0)
        eos_tcp_rng = 1;
    t->svc = s;
    struct tcp_pcb *pcb = tcp_new();
    if (!pcb)
        return -ENOMEM;
    if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        tcp_abort(pcb);
        return -EADDRINUSE;
    }
    struct tcp_pcb *l = tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
    if (!l) {
        tcp_abort(pcb);
        return -ENOMEM;
    }
    t->listen = l;
    tcp_arg(l, t);
    tcp_accept(l, eos_tcp_accept);
    s->tcp_input = eos_tcp_input;
    s->tick = eos_tcp_tick;
    s->tcp_ctx = t;
    return 0;
}
