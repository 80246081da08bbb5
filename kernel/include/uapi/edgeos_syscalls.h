/* EdgeOS system-call numbers and structures, shared by the kernel and
 * libedgeos. The number passed in rax is EDGEOS_SYSCALL_BASE + EOS_SYS_*. */
#ifndef EDGEOS_SYSCALLS_H
#define EDGEOS_SYSCALLS_H
#include <stdint.h>

#define EOS_SYSCALL_BASE 0x1000

enum {
    EOS_SYS_MEM_INFO = 0,     /* (struct eos_mem_info *out) */
};

struct eos_mem_info {
    uint64_t frames_free, frames_total;   /* whole machine */
    uint64_t quota_frames, used_frames;   /* calling FWP */
};
#endif
