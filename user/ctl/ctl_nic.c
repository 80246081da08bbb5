/* ctl's side of the nic's command channel (user/lib/nic_ctl_proto.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edgeos.h"
#include "ctl.h"

#define CTL_NIC_SLOTS 32

static struct eos_chan_ring *reply_ring;
static long nic_chan = -1;
static uint32_t next_seq = 1;

int ctl_nic_init(void)
{
    size_t bytes = (sizeof(struct eos_chan_ring) + CTL_NIC_SLOTS * EOS_CHAN_SLOT + 4095) & ~(size_t)4095;
    void *ring = aligned_alloc(4096, bytes);
    if (!ring)
        return -ENOMEM;
    memset(ring, 0, bytes);
    long chan = eos_chan_create(ring, bytes, -1);
    if (chan < 0)
        return (int)chan;
    long send = eos_cap_mint(chan, EOS_RIGHT_SEND, 0);
    long r = send < 0 ? send : eos_registry_put(send, NICCTL_CTL_NAME);
    if (send >= 0)
        eos_cap_delete(send);
    if (r < 0)
        return (int)r;
    reply_ring = ring;
    return 0;
}

/* The next answer in the ring, if any. */
static bool take_reply(struct nicctl_reply *rep)
{
    uint32_t cons = reply_ring->cons, prod = __atomic_load_n(&reply_ring->prod, __ATOMIC_ACQUIRE);
    bool got = false;
    while (cons != prod && !got) {
        const struct eos_chan_slot *s = (const struct eos_chan_slot *)((const uint8_t *)reply_ring + sizeof *reply_ring +
                                                                       (size_t)(cons % reply_ring->nslots) * EOS_CHAN_SLOT);
        if (s->len == sizeof *rep) {
            memcpy(rep, s->data, sizeof *rep);
            got = true;
        }
        cons++;
    }
    __atomic_store_n(&reply_ring->cons, cons, __ATOMIC_RELEASE);
    return got;
}

int ctl_nic_call(struct nicctl_cmd *cmd, struct nicctl_reply *rep, unsigned timeout_ms)
{
    memset(rep, 0, sizeof *rep);
    if (!reply_ring)
        return -ENODEV;
    uint64_t deadline = ctl_now_ns() + (uint64_t)timeout_ms * 1000000;
    while (nic_chan < 0) {
        nic_chan = eos_registry_get(NICCTL_NIC_NAME);
        if (nic_chan >= 0)
            break;
        if (ctl_now_ns() > deadline)
            return -EHOSTUNREACH;       /* no nic */
        ctl_sleep_us(10000);
    }
    cmd->seq = next_seq++;
    struct eos_chan_desc d = { (uint64_t)(uintptr_t)cmd, sizeof *cmd, 0, 0 };
    long r = eos_chan_send(nic_chan, &d, 1);
    if (r == -EPIPE) {                  /* the nic was restarted: look it up again */
        eos_cap_delete(nic_chan);
        nic_chan = -1;
        return -EHOSTUNREACH;
    }
    if (r != 1)
        return r < 0 ? (int)r : -EAGAIN;
    unsigned pause = 10;
    for (;;) {
        while (take_reply(rep))
            if (rep->seq == cmd->seq)
                return rep->status;
        if (ctl_now_ns() > deadline)
            return -ETIMEDOUT;
        ctl_sleep_us(pause);            /* the nic answers within a loop round, or when a build ends */
        if (pause < 2000)
            pause *= 2;
    }
}

int ctl_nic_op(uint32_t op, uint32_t svc_id, uint32_t count, struct nicctl_reply *rep, unsigned timeout_ms)
{
    struct nicctl_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.op = op;
    cmd.svc_id = svc_id;
    cmd.count = count;
    return ctl_nic_call(&cmd, rep, timeout_ms);
}

const char *ctl_nic_why(int r, const struct nicctl_reply *rep)
{
    return r == -ETIMEDOUT ? "the nic did not answer" : r == -EHOSTUNREACH ? "no nic is running" : rep->msg;
}
