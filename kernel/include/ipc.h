/* Synchronous IPC (endpoints) and asynchronous signals (notifications).
 *
 * call/reply carries IPC_WORDS machine words each way in registers: the
 * kernel writes them straight into the peer's saved registers. A call to an
 * endpoint with a server waiting on the same CPU switches to the server
 * directly. The server answers through an implicit one-shot reply right (the
 * caller it received last), seL4 style.
 *
 * Every blocking wait is recorded (thread.wait_kind/wait_obj) and can be
 * cancelled, so an FWP that dies while a peer waits on it wakes the peer
 * with -EPIPE and no pointer to a freed thread survives. One global lock
 * (ipc_lock) orders all IPC state changes. */
#ifndef EDGEOS_IPC_H
#define EDGEOS_IPC_H
#include "types.h"

#define IPC_WORDS 4

enum wait_kind { WAIT_NONE = 0, WAIT_SEND, WAIT_RECV, WAIT_REPLY, WAIT_NOTIFY, WAIT_FUTEX };

struct thread;
struct trapframe;

struct tenant;
struct ipc_obj {
    uint32_t refs;
    struct tenant *owner;    /* charged for the object (the creator's tenant) */
    uint8_t kind;            /* CAP_ENDPOINT or CAP_NOTIFICATION */
    bool dead;               /* destroyed: every operation fails with -EPIPE */
    struct thread *senders, *senders_tail;     /* callers waiting for a receiver */
    struct thread *receivers;                  /* servers waiting for a call */
    uint64_t bits;           /* notification: pending signal bits */
    struct thread *waiter;   /* notification: the thread waiting */
};

struct ipc_obj *ipc_obj_create(int kind, struct tenant *owner);   /* NULL over the quota */
void ipc_obj_get(struct ipc_obj *o);
void ipc_obj_put(struct ipc_obj *o);
void ipc_obj_kill(struct ipc_obj *o);
/* System-call fast paths for EOS_SYS_CALL and EOS_SYS_REPLY_RECV: true when
 * handled (tf->rax holds the result), false to take the generic path. */
bool ipc_fast_call(struct trapframe *tf);
bool ipc_fast_reply_recv(struct trapframe *tf);

/* The message words travel in rsi, rdx, r10, r8 of the trapframe. */
int64_t ipc_call(struct ipc_obj *ep, uint32_t badge, struct trapframe *tf);
int64_t ipc_recv(struct ipc_obj *ep, struct trapframe *tf);
int64_t ipc_reply(struct trapframe *tf);
int64_t ipc_reply_recv(struct ipc_obj *ep, struct trapframe *tf);
int64_t ntfn_signal(struct ipc_obj *n, uint64_t bits);
int64_t ntfn_wait(struct ipc_obj *n);
/* Removes t from whatever IPC wait it is in (the FWP is dying). */
void ipc_cancel(struct thread *t);
/* A thread is ending: a caller it owes a reply is released with -EPIPE. */
void ipc_thread_exit(struct thread *t);
#endif
