/* System-call entry: numbers below EDGEOS_SYSCALL_BASE are the Linux x86-64
 * calls musl needs (linux_abi.c); EdgeOS's own calls start at the base.
 * Arguments: rdi, rsi, rdx, r10, r8, r9; result in rax. A call that hands
 * the kernel a bad pointer ends the calling FWP. */
#include "syscall.h"
#include "trap.h"
#include "sched.h"
#include "fwp.h"
#include "errno.h"
#include "kprintf.h"
#include "ipc.h"
#include "edgeos_syscalls.h"

void syscall_dispatch(struct trapframe *tf)
{
    struct thread *t = current_thread();
    uint64_t nr = tf->rax;
    if ((nr == EDGEOS_SYSCALL_BASE + EOS_SYS_CALL && ipc_fast_call(tf)) ||
        (nr == EDGEOS_SYSCALL_BASE + EOS_SYS_REPLY_RECV && ipc_fast_reply_recv(tf))) {
        /* handled by the IPC fast path (ipc.c); tf->rax is set */
    } else {
        int64_t r;
        if (nr < EDGEOS_SYSCALL_BASE)
            r = linux_syscall(nr, tf);
        else
            r = edgeos_syscall(nr - EDGEOS_SYSCALL_BASE, tf);
        if (r == -EFAULT) {
            struct fwp *f = t->fwp;
            kprintf("fwp %u (%s) ended: bad pointer passed to system call %lu (args %lx %lx %lx)\n",
                    f->id, f->name, nr, tf->rdi, tf->rsi, tf->rdx);
            fwp_kill(f);
        }
        tf->rax = (uint64_t)r;
    }
    if (t->fwp->state != FWP_ALIVE)
        thread_exit();
    sched_preempt_point();
}
