/* The service runtime: what a program needs to be deployed as an EdgeOS
 * service (by `edgeosctl deploy`, a manifest, or the nic's svc= option).
 *
 *   int main(int argc, char **argv) {
 *       ... parse argv, build state, pre-load data ...
 *       struct eos_service s;
 *       eos_service_init(&s, 64);                 // declares the receive ring (inbox)
 *       if (eos_service_start(&s) < 0) return 1;  // checkpoint: every instance resumes here
 *       eos_service_run(&s, handle, state);       // calls handle() for each request
 *   }
 *
 * The nic forks instances from the checkpoint. For each it grants a send
 * right on its reply channel and a notification, attaches a channel to the
 * instance's inbox, and activates it with
 *   bits 0-15 the reply channel's index, 16-31 the notification's, 32-47 the UDP port served
 * (docs/services.md). Requests are UDP payloads: req->meta = client port << 16 |
 * server port, req->aux = client IPv4 address; a reply goes back with the
 * same meta/aux, so the nic sends it to the client that asked.
 *
 * A service that also speaks TCP runs an lwIP stack in each instance
 * (user/lib/tcp/eos_tcp.h): the nic hands it whole IPv4 packets carrying
 * TCP, marked with EOS_REQ_TCP in aux, and the stack's packets go back the
 * same way (docs/tcp.md). */
#ifndef EOS_SERVICE_H
#define EOS_SERVICE_H
#include <stddef.h>
#include <stdint.h>
#include "edgeos.h"

#define EOS_SERVICE_TX_MAX 32
#define EOS_SERVICE_REPLY_MAX 1472   /* one UDP datagram in a 1500-byte frame: the nic does not fragment */
#define EOS_SERVICE_PKT_MAX 1500     /* one IPv4 packet (TCP segments travel whole) */

#define EOS_REQ_TCP (1ull << 32)   /* aux: data is an IPv4 packet carrying TCP */

struct eos_request {
    const uint8_t *data;
    uint32_t len;
    uint32_t meta;
    uint64_t aux;
};

struct eos_service {
    struct eos_chan_ring *ring;
    size_t ring_bytes;
    long id;                     /* this instance's FWP id (after eos_service_start) */
    uint64_t seed;               /* a fresh random seed per instance */
    long reply_chan, ntfn;       /* capability indices granted by the nic */
    uint16_t port;
    /* Set by a TCP stack (eos_tcp_attach): packets marked EOS_REQ_TCP go to
     * tcp_input; tick runs the stack's timers after each batch and on every
     * wake-up and returns the milliseconds until it needs to run again
     * (UINT32_MAX: never); the runtime sets a kernel timer for that. */
    void (*tcp_input)(void *ctx, struct eos_service *s, const struct eos_request *req);
    uint32_t (*tick)(void *ctx);
    void *tcp_ctx;
    uint64_t timer_due_ns;       /* a kernel timer is pending until then (monotonic ns), 0 if none */
    int ntx;
    struct eos_chan_desc tx[EOS_SERVICE_TX_MAX];
    uint8_t txbuf[EOS_SERVICE_TX_MAX][EOS_SERVICE_PKT_MAX];
};

/* Before the checkpoint: allocates and declares the inbox (`slots` request
 * slots of EOS_CHAN_SLOT bytes). 0 or -errno. */
int eos_service_init(struct eos_service *s, unsigned slots);
/* Checkpoints. Returns in each instance with the nic's activation decoded
 * (0), or -errno in the template if the checkpoint failed. An instance
 * started some other way (forked by its own tenant) gets 1: no nic
 * channels, s->port 0. */
int eos_service_start(struct eos_service *s);
/* Queues a reply to req (at most EOS_SERVICE_REPLY_MAX bytes; longer is cut); sent
 * in a batch when the handler returns or the batch is full. */
void eos_service_reply(struct eos_service *s, const struct eos_request *req, const void *data, size_t len);
/* Queues a packet (at most EOS_SERVICE_PKT_MAX bytes; longer is cut) with
 * explicit meta/aux (what eos_service_reply does with the request's). */
void eos_service_send(struct eos_service *s, const void *data, size_t len, uint32_t meta, uint64_t aux);
/* Sends the queued packets. When the nic's ring is full it yields and tries
 * again a few times, then drops the rest (UDP clients retry; TCP
 * retransmits). */
void eos_service_flush(struct eos_service *s);
typedef void (*eos_request_fn)(void *ctx, struct eos_service *s, const struct eos_request *req);
/* Serves requests for ever, sleeping on the notification when the inbox is empty. */
_Noreturn void eos_service_run(struct eos_service *s, eos_request_fn handle, void *ctx);
/* init (`slots`), start and run, for a service with nothing to do between
 * them. Returns main's exit status where it ends: 1 if the inbox or the
 * checkpoint failed (in the template), 0 in an instance not started by the
 * nic. */
int eos_service_serve(struct eos_service *s, unsigned slots, eos_request_fn handle, void *ctx);
#endif
