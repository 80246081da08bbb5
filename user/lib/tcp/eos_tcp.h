/* TCP for EdgeOS services: an lwIP stack (raw API, NO_SYS) inside each
 * instance, fed with the IPv4 packets the nic hands the instance and
 * sending its packets back through the nic's reply channel
 * (user/lib/eos_service.h). A program that serves TCP:
 *
 *   static struct eos_tcp tcp;
 *   eos_tcp_init(&tcp, &ops, state);       // before the checkpoint: stack ready in every fork
 *   eos_service_init(&svc, 64); eos_service_start(&svc);
 *   eos_tcp_attach(&tcp, &svc, svc.port);  // listens on the served port
 *   eos_service_run(&svc, handle_udp, state);
 *
 * Received bytes are offered to ops->data, which returns how many it took;
 * what it leaves stays buffered (and unacknowledged in the window, so the
 * client slows down) until eos_tcp_resume. See docs/tcp.md. */
#ifndef EOS_TCP_H
#define EOS_TCP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "eos_service.h"

struct eos_tcp_conn;

struct eos_tcp_ops {
    /* A new connection; returns its state, or NULL to refuse it (reset). */
    void *(*open)(void *ctx, struct eos_tcp_conn *c);
    /* n > 0 bytes arrived; returns how many were consumed. */
    size_t (*data)(void *ctx, void *st, struct eos_tcp_conn *c, const uint8_t *p, size_t n);
    /* Room to send has become free (queued bytes were acknowledged). */
    void (*writable)(void *ctx, void *st, struct eos_tcp_conn *c);
    /* The connection is gone (closed, reset or aborted); st is not used again. */
    void (*closed)(void *ctx, void *st);
    /* Whether the connection holds a partial request (for the stall timeout). */
    bool (*partial)(void *ctx, void *st);
};

struct eos_tcp_conn {
    struct eos_tcp *tcp;
    struct tcp_pcb *pcb;
    void *st;
    struct pbuf *rx;             /* received, not yet consumed */
    uint64_t last_rx_ms;
    bool peer_closed;            /* FIN received */
    bool closing;                /* close once the output is sent */
    bool in_data;                /* inside ops->data (no re-entry) */
    bool send_short;             /* the last eos_tcp_send took less than offered */
    struct eos_tcp_conn *next, *prev;
};

struct eos_tcp {
    const struct eos_tcp_ops *ops;
    void *ctx;
    struct eos_service *svc;
    struct tcp_pcb *listen;
    unsigned nconns, max_conns;
    uint32_t stall_ms;           /* a partial request idle this long is reset */
    uint64_t accepted, refused, stalled, resets;
    struct eos_tcp_conn *conns;
};

#define EOS_TCP_MAX_CONNS 256    /* default connections per instance */
#define EOS_TCP_STALL_MS  10000  /* default stall timeout for partial requests */

/* Before the checkpoint: lwIP and its interface. 0 or -errno. */
int eos_tcp_init(struct eos_tcp *t, const struct eos_tcp_ops *ops, void *ctx);
/* In the instance, after eos_service_start: listen on port and take the
 * service's TCP packets. 0 or -errno. */
int eos_tcp_attach(struct eos_tcp *t, struct eos_service *s, uint16_t port);
/* Queues up to n bytes; returns how many fit in the send buffer now. */
size_t eos_tcp_send(struct eos_tcp_conn *c, const void *p, size_t n);
/* Pushes what was queued (also done after every input batch). */
void eos_tcp_push(struct eos_tcp_conn *c);
/* Offers buffered received bytes to ops->data again (after it took fewer than offered). */
void eos_tcp_resume(struct eos_tcp_conn *c);
/* Closes after everything queued has been sent. */
void eos_tcp_close(struct eos_tcp_conn *c);
/* Resets the connection now (RST); ops->closed is called. */
void eos_tcp_abort(struct eos_tcp_conn *c);
#endif
