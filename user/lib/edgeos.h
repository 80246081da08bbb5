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

static inline uint64_t eos_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
#endif
