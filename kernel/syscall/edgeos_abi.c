/* EdgeOS's own system calls (numbers from EDGEOS_SYSCALL_BASE), reached
 * through libedgeos. */
#include "syscall.h"
#include "edgeos_syscalls.h"
#include "trap.h"
#include "sched.h"
#include "fwp.h"
#include "mm.h"
#include "errno.h"

int64_t edgeos_syscall(uint64_t nr, struct trapframe *tf)
{
    struct fwp *f = current_thread()->fwp;
    (void)tf;
    switch (nr) {
    case EOS_SYS_MEM_INFO: {
        struct eos_mem_info mi = {
            .frames_free = frames_free(),
            .frames_total = frames_total(),
            .quota_frames = f->frames_limit,
            .used_frames = f->frames_used,
        };
        return copy_to_user(tf->rdi, &mi, sizeof mi);
    }
    }
    return -ENOSYS;
}
