/* libedgeos: EdgeOS's own system calls for programs (FWPs). See
 * kernel/include/uapi/edgeos_syscalls.h for the numbers and semantics. */
#ifndef LIBEDGEOS_H
#define LIBEDGEOS_H
#include <stdint.h>
#include "edgeos_syscalls.h"

static inline long eos_syscall3(long nr, long a0, long a1, long a2)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(EOS_SYSCALL_BASE + nr), "D"(a0), "S"(a1), "d"(a2)
                     : "rcx", "r11", "memory");
    return r;
}

/* Checkpoint: returns in each fork with its FWP id, a fresh random seed
 * and the argument its manager passed (fork: 0; reset/activate: arg). */
static inline long eos_checkpoint(uint64_t *seed, uint64_t *arg)
{
    long r;
    uint64_t rdx, rsi;
    __asm__ volatile("syscall" : "=a"(r), "=d"(rdx), "=S"(rsi) : "a"(EOS_SYSCALL_BASE + EOS_SYS_CHECKPOINT)
                     : "rcx", "r11", "rdi", "memory");
    if (seed)
        *seed = rdx;
    if (arg)
        *arg = rsi;
    return r;
}

/* Park until reset or activated: returns the FWP id, *arg the manager's argument. */
static inline long eos_park_arg(uint64_t *arg)
{
    long r;
    uint64_t rsi;
    __asm__ volatile("syscall" : "=a"(r), "=S"(rsi) : "a"(EOS_SYSCALL_BASE + EOS_SYS_PARK), "D"(0L), "d"(0L)
                     : "rcx", "r11", "memory");
    if (arg)
        *arg = rsi;
    return r;
}

static inline long eos_mem_info(struct eos_mem_info *mi) { return eos_syscall3(EOS_SYS_MEM_INFO, (long)mi, 0, 0); }
static inline long eos_template_open(const char *name) { return eos_syscall3(EOS_SYS_TEMPLATE_OPEN, (long)name, 0, 0); }
/* -EAGAIN instead of waiting when the program has not checkpointed yet. */
static inline long eos_template_open_nowait(const char *name) { return eos_syscall3(EOS_SYS_TEMPLATE_OPEN, (long)name, 1, 0); }
static inline long eos_fork(long tmpl, long flags, long cpu) { return eos_syscall3(EOS_SYS_FORK, tmpl, flags, cpu); }
static inline long eos_activate(long fwp, long arg) { return eos_syscall3(EOS_SYS_ACTIVATE, fwp, arg, 0); }
static inline long eos_reset(long fwp, long flags, long arg) { return eos_syscall3(EOS_SYS_RESET, fwp, flags, arg); }
static inline long eos_destroy(long cap) { return eos_syscall3(EOS_SYS_DESTROY, cap, 0, 0); }
static inline long eos_wait_parked(long fwp) { return eos_syscall3(EOS_SYS_WAIT_PARKED, fwp, 0, 0); }
static inline long eos_pool_fill(long tmpl, long cpu, long n) { return eos_syscall3(EOS_SYS_POOL_FILL, tmpl, cpu, n); }
static inline long eos_pool_take(long tmpl, long flags, long arg) { return eos_syscall3(EOS_SYS_POOL_TAKE, tmpl, flags, arg); }
static inline long eos_fwp_info(long fwp, struct eos_fwp_info *out) { return eos_syscall3(EOS_SYS_FWP_INFO, fwp, (long)out, 0); }
static inline long eos_cap_delete(long cap) { return eos_syscall3(EOS_SYS_CAP_DELETE, cap, 0, 0); }
static inline long eos_cpu(void) { return eos_syscall3(EOS_SYS_CPU, 0, 0, 0); }
static inline long eos_ncpus(void) { return eos_syscall3(EOS_SYS_NCPUS, 0, 0, 0); }

/* IPC: w[0..3] are sent and replaced by the reply (or the received call). */
static inline long eos_ipc(long nr, long cap, uint64_t w[4])
{
    long rax = EOS_SYSCALL_BASE + nr;
    register uint64_t r10 __asm__("r10") = w[2];
    register uint64_t r8 __asm__("r8") = w[3];
    uint64_t rsi = w[0], rdx = w[1];
    __asm__ volatile("syscall" : "+a"(rax), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8) : "D"(cap)
                     : "rcx", "r11", "r9", "memory");
    w[0] = rsi; w[1] = rdx; w[2] = r10; w[3] = r8;
    return rax;
}
static inline long eos_call(long ep, uint64_t w[4]) { return eos_ipc(EOS_SYS_CALL, ep, w); }
static inline long eos_recv(long ep, uint64_t w[4]) { return eos_ipc(EOS_SYS_RECV, ep, w); }
static inline long eos_reply(uint64_t w[4]) { return eos_ipc(EOS_SYS_REPLY, 0, w); }
static inline long eos_reply_recv(long ep, uint64_t w[4]) { return eos_ipc(EOS_SYS_REPLY_RECV, ep, w); }
static inline long eos_endpoint_create(void) { return eos_syscall3(EOS_SYS_ENDPOINT_CREATE, 0, 0, 0); }
static inline long eos_notification_create(void) { return eos_syscall3(EOS_SYS_NOTIFICATION_CREATE, 0, 0, 0); }
static inline long eos_signal(long n, uint64_t bits) { return eos_syscall3(EOS_SYS_SIGNAL, n, (long)bits, 0); }
static inline long eos_wait(long n) { return eos_syscall3(EOS_SYS_WAIT, n, 0, 0); }
static inline long eos_cap_mint(long cap, long rights, long badge) { return eos_syscall3(EOS_SYS_CAP_MINT, cap, rights, badge); }
static inline long eos_cap_grant(long fwp, long cap, long rights, long badge)
{
    long rax = EOS_SYSCALL_BASE + EOS_SYS_CAP_GRANT;
    register long r10 __asm__("r10") = badge;
    __asm__ volatile("syscall" : "+a"(rax) : "D"(fwp), "S"(cap), "d"(rights), "r"(r10) : "rcx", "r11", "memory");
    return rax;
}
static inline long eos_cap_revoke(long fwp, long index) { return eos_syscall3(EOS_SYS_CAP_REVOKE, fwp, index, 0); }

static inline long eos_cap_take(long fwp, long index) { return eos_syscall3(EOS_SYS_CAP_TAKE, fwp, index, 0); }
static inline long eos_dev_info(long index, struct eos_dev_info *out) { return eos_syscall3(EOS_SYS_DEV_INFO, index, (long)out, 0); }
static inline long eos_dev_open(long index) { return eos_syscall3(EOS_SYS_DEV_OPEN, index, 0, 0); }
static inline void *eos_dev_map(long dev_cap)
{
    long r = eos_syscall3(EOS_SYS_DEV_MAP, dev_cap, 0, 0);
    return r < 0 && r > -4096 ? (void *)0 : (void *)r;
}
static inline long eos_dma_alloc(struct eos_dma *out) { return eos_syscall3(EOS_SYS_DMA_ALLOC, (long)out, 0, 0); }
static inline long eos_chan_create(void *ring, unsigned long bytes, long ntfn)
{
    return eos_syscall3(EOS_SYS_CHAN_CREATE, (long)ring, (long)bytes, ntfn);
}
static inline long eos_chan_send(long chan, const struct eos_chan_desc *batch, long count)
{
    return eos_syscall3(EOS_SYS_CHAN_SEND, chan, (long)batch, count);
}
static inline long eos_irq_bind(long dev, long ntfn, unsigned long bits) { return eos_syscall3(EOS_SYS_IRQ_BIND, dev, ntfn, (long)bits); }
static inline long eos_timer_set(long ntfn, unsigned long bits, unsigned long ns)
{
    return eos_syscall3(EOS_SYS_TIMER_SET, ntfn, (long)bits, (long)ns);
}
static inline long eos_sleep_ns(unsigned long ns) { return eos_syscall3(EOS_SYS_NANOSLEEP_NS, (long)ns, 0, 0); }

static inline long eos_syscall4(long nr, long a0, long a1, long a2, long a3)
{
    long rax = EOS_SYSCALL_BASE + nr;
    register long r10 __asm__("r10") = a3;
    __asm__ volatile("syscall" : "+a"(rax) : "D"(a0), "S"(a1), "d"(a2), "r"(r10) : "rcx", "r11", "memory");
    return rax;
}

/* Device registers through the kernel (when DEV_MAP answered -EXDEV). */
static inline long eos_dev_read(long dev, unsigned long off, int width) { return eos_syscall3(EOS_SYS_DEV_READ, dev, (long)off, width); }
static inline long eos_dev_write(long dev, unsigned long off, uint32_t v, int width)
{
    return eos_syscall4(EOS_SYS_DEV_WRITE, dev, (long)off, (long)v, width);
}
static inline long eos_dev_map_raw(long dev_cap) { return eos_syscall3(EOS_SYS_DEV_MAP, dev_cap, 0, 0); }

/* Tenants, programs, inboxes, the system registry. */
static inline long eos_tenant_create(const struct eos_tenant_cfg *c) { return eos_syscall3(EOS_SYS_TENANT_CREATE, (long)c, 0, 0); }
static inline long eos_tenant_set(long t, const struct eos_tenant_cfg *c) { return eos_syscall3(EOS_SYS_TENANT_SET, t, (long)c, 0); }
static inline long eos_tenant_info(long t, struct eos_tenant_info *out) { return eos_syscall3(EOS_SYS_TENANT_INFO, t, (long)out, 0); }
static inline long eos_tenant_kill(long t) { return eos_syscall3(EOS_SYS_TENANT_KILL, t, 0, 0); }
static inline long eos_spawn(long tenant, struct eos_spawn *s) { return eos_syscall3(EOS_SYS_SPAWN, tenant, (long)s, 0); }
static inline long eos_inbox_set(void *ring, unsigned long bytes) { return eos_syscall3(EOS_SYS_INBOX_SET, (long)ring, (long)bytes, 0); }
static inline long eos_chan_attach(long fwp, long ntfn) { return eos_syscall3(EOS_SYS_CHAN_ATTACH, fwp, ntfn, 0); }
static inline long eos_registry_put(long cap, const char *name) { return eos_syscall3(EOS_SYS_REGISTRY_PUT, cap, (long)name, 0); }
static inline long eos_registry_get(const char *name) { return eos_syscall3(EOS_SYS_REGISTRY_GET, (long)name, 0, 0); }

static inline uint64_t eos_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
#endif
