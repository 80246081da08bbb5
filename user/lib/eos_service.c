/* The service runtime (see eos_service.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "eos_service.h"

int eos_service_init(struct eos_service *s, unsigned slots)
{
    memset(s, 0, sizeof *s);
    if (slots == 0)
        slots = 1;
    size_t bytes = (sizeof(struct eos_chan_ring) + (size_t)slots * EOS_CHAN_SLOT + 4095) & ~(size_t)4095;
    void *ring = aligned_alloc(4096, bytes);
    if (!ring)
        return -ENOMEM;
    memset(ring, 0, bytes);                 /* backs every page before the kernel writes it */
    long r = eos_inbox_set(ring, bytes);
    if (r < 0) {
        free(ring);
        return (int)r;
    }
    s->ring = ring;
    s->ring_bytes = bytes;
    s->reply_chan = s->ntfn = -1;
    return 0;
}

int eos_service_start(struct eos_service *s)
{
    uint64_t arg = 0;
    long id = eos_checkpoint(&s->seed, &arg);
    if (id < 0)
        return (int)id;
    s->id = id;
    if (arg == 0)
        return 1;
    s->reply_chan = (long)(arg & 0xffff);
    s->ntfn = (long)((arg >> 16) & 0xffff);
    s->port = (uint16_t)(arg >> 32);
    return 0;
}

/* How often a flush that finds the nic's ring full yields and retries. */
#define EOS_SERVICE_FLUSH_TRIES 8

void eos_service_flush(struct eos_service *s)
{
    int done = 0;
    for (int tries = 0; done < s->ntx && tries <= EOS_SERVICE_FLUSH_TRIES; tries++) {
        if (tries)
            eos_sleep_ns(0);                /* let the nic drain its ring */
        long r = eos_chan_send(s->reply_chan, s->tx + done, s->ntx - done);
        if (r < 0)
            break;
        done += (int)r;
    }
    s->ntx = 0;                             /* what did not fit is dropped */
}

void eos_service_send(struct eos_service *s, const void *data, size_t len, uint32_t meta, uint64_t aux)
{
    if (s->ntx == EOS_SERVICE_TX_MAX)
        eos_service_flush(s);
    if (len > EOS_SERVICE_PKT_MAX)
        len = EOS_SERVICE_PKT_MAX;
    memcpy(s->txbuf[s->ntx], data, len);
    s->tx[s->ntx] = (struct eos_chan_desc){ (uint64_t)(uintptr_t)s->txbuf[s->ntx], (uint32_t)len, meta, aux };
    s->ntx++;
}

void eos_service_reply(struct eos_service *s, const struct eos_request *req, const void *data, size_t len)
{
    eos_service_send(s, data, len > EOS_SERVICE_REPLY_MAX ? EOS_SERVICE_REPLY_MAX : len, req->meta, req->aux);
}

static uint64_t eos_service_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Runs the stack's timers; before sleeping, makes sure a kernel timer
 * wakes the instance when they are next due (at most one pending). */
static void eos_service_tick(struct eos_service *s, int before_sleep)
{
    if (!s->tick)
        return;
    uint32_t ms = s->tick(s->tcp_ctx);
    eos_service_flush(s);
    if (!before_sleep || ms == UINT32_MAX)
        return;
    uint64_t now = eos_service_now_ns();
    if (s->timer_due_ns && s->timer_due_ns <= now)
        s->timer_due_ns = 0;                /* it fired */
    uint64_t due = now + (uint64_t)(ms ? ms : 1) * 1000000ull;
    if (s->timer_due_ns && s->timer_due_ns <= due)
        return;                             /* one already wakes us in time */
    if (eos_timer_set(s->ntfn, 8, due - now) == 0)
        s->timer_due_ns = due;
}

_Noreturn void eos_service_run(struct eos_service *s, eos_request_fn handle, void *ctx)
{
    struct eos_chan_ring *ring = s->ring;
    uint32_t cons = ring->cons;
    for (;;) {
        uint32_t prod = __atomic_load_n(&ring->prod, __ATOMIC_ACQUIRE);
        if (prod == cons) {
            eos_service_tick(s, 1);
            if (__atomic_load_n(&ring->prod, __ATOMIC_ACQUIRE) == cons)
                eos_wait(s->ntfn);             /* the kernel signals after each send */
            continue;
        }
        /* The kernel keeps prod within nslots of cons; trust nothing else. */
        uint32_t nslots = ring->nslots;
        if (nslots == 0) {
            eos_wait(s->ntfn);
            continue;
        }
        for (; cons != prod; cons++) {
            const struct eos_chan_slot *sl = (const struct eos_chan_slot *)((const uint8_t *)ring + sizeof *ring +
                                                                          (size_t)(cons % nslots) * EOS_CHAN_SLOT);
            struct eos_request req = { sl->data, sl->len <= EOS_CHAN_DATA ? sl->len : EOS_CHAN_DATA, sl->meta, sl->aux };
            if (req.aux & EOS_REQ_TCP) {
                if (s->tcp_input)
                    s->tcp_input(s->tcp_ctx, s, &req);
            } else {
                handle(ctx, s, &req);
            }
        }
        __atomic_store_n(&ring->cons, cons, __ATOMIC_RELEASE);
        eos_service_flush(s);
        eos_service_tick(s, 0);
    }
}

int eos_service_serve(struct eos_service *s, unsigned slots, eos_request_fn handle, void *ctx)
{
    if (eos_service_init(s, slots) < 0)
        return 1;
    int r = eos_service_start(s);
    if (r != 0)
        return r < 0 ? 1 : 0;
    eos_service_run(s, handle, ctx);
}
