/* The service runtime (see eos_service.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

void eos_service_flush(struct eos_service *s)
{
    if (s->ntx)
        eos_chan_send(s->reply_chan, s->tx, s->ntx);   /* a full nic ring drops; UDP clients retry */
    s->ntx = 0;
}

void eos_service_reply(struct eos_service *s, const struct eos_request *req, const void *data, size_t len)
{
    if (s->ntx == EOS_SERVICE_TX_MAX)
        eos_service_flush(s);
    if (len > EOS_SERVICE_REPLY_MAX)
        len = EOS_SERVICE_REPLY_MAX;
    memcpy(s->txbuf[s->ntx], data, len);
    s->tx[s->ntx] = (struct eos_chan_desc){ (uint64_t)(uintptr_t)s->txbuf[s->ntx], (uint32_t)len, req->meta, req->aux };
    s->ntx++;
}

_Noreturn void eos_service_run(struct eos_service *s, eos_request_fn handle, void *ctx)
{
    struct eos_chan_ring *ring = s->ring;
    uint32_t cons = ring->cons;
    for (;;) {
        uint32_t prod = __atomic_load_n(&ring->prod, __ATOMIC_ACQUIRE);
        if (prod == cons) {
            eos_wait(s->ntfn);                 /* the kernel signals after each send */
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
            handle(ctx, s, &req);
        }
        __atomic_store_n(&ring->cons, cons, __ATOMIC_RELEASE);
        eos_service_flush(s);
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
