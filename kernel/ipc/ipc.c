/* Endpoints and notifications (see ipc.h). */
#include "ipc.h"
#include "cap.h"
#include "sched.h"
#include "trap.h"
#include "mm.h"
#include "errno.h"
#include "spinlock.h"
#include "string.h"
#include "futex.h"
#include "tenant.h"
#include "fwp.h"

static spinlock_t ipc_lock = SPINLOCK_INIT;

struct ipc_obj *ipc_obj_create(int kind, struct tenant *owner)
{
    struct ipc_obj *o = tenant_kmalloc(owner, sizeof *o);
    if (o) {
        o->kind = (uint8_t)kind;   /* refs start at 0: the first capability takes one */
        o->owner = owner;
    }
    return o;
}

void ipc_obj_get(struct ipc_obj *o)
{
    __atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
}

void ipc_obj_put(struct ipc_obj *o)
{
    if (__atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    /* No capability names it any more. A waiter whose FWP's table was just
     * cleared may still be queued: release it before freeing. */
    ipc_obj_kill(o);
    tenant_kfree(o->owner, o, sizeof *o);
}

static void words_from(const struct trapframe *tf, uint64_t w[IPC_WORDS])
{
    w[0] = tf->rsi; w[1] = tf->rdx; w[2] = tf->r10; w[3] = tf->r8;
}

static void words_to(struct trapframe *tf, const uint64_t w[IPC_WORDS])
{
    tf->rsi = w[0]; tf->rdx = w[1]; tf->r10 = w[2]; tf->r8 = w[3];
}

/* Unlinks t from a singly linked wait list through wait_next. */
static void list_remove(struct thread **head, struct thread **tail, struct thread *t)
{
    struct thread *prev = NULL;
    for (struct thread *p = *head; p; prev = p, p = p->wait_next) {
        if (p != t)
            continue;
        if (prev)
            prev->wait_next = p->wait_next;
        else
            *head = p->wait_next;
        if (tail && *tail == t)
            *tail = prev;
        t->wait_next = NULL;
        return;
    }
}

/* Blocks the current thread (ipc_lock held; released here). */
static int64_t block_locked(struct thread *me, int kind, void *obj)
{
    me->wait_kind = kind;
    me->wait_obj = obj;
    me->state = THREAD_BLOCKED;
    spin_unlock(&ipc_lock);
    sched_block();
    return me->wait_result;
}

static void release_locked(struct thread *t, int64_t result)
{
    t->wait_kind = WAIT_NONE;
    t->wait_obj = NULL;
    t->wait_result = result;
}

/* With ipc_lock held: srv, the first receiver of ep, takes the call of me
 * (the words in tf, badge); me now waits for the reply. */
static inline __attribute__((always_inline)) void hand_call_locked(struct ipc_obj *ep, struct thread *srv,
                                                                   struct thread *me, const struct trapframe *tf,
                                                                   uint32_t badge)
{
    ep->receivers = srv->wait_next;
    srv->wait_next = NULL;
    struct trapframe *st = thread_trapframe(srv);
    st->rsi = tf->rsi; st->rdx = tf->rdx; st->r10 = tf->r10; st->r8 = tf->r8;
    release_locked(srv, badge);
    srv->reply_to = me;
    me->reply_from = srv;
    me->wait_kind = WAIT_REPLY;
    me->wait_obj = NULL;
    me->state = THREAD_BLOCKED;
}

/* With ipc_lock held: me waits on ep for the next call. */
static inline __attribute__((always_inline)) void wait_call_locked(struct ipc_obj *ep, struct thread *me)
{
    me->wait_next = ep->receivers;
    ep->receivers = me;
    me->wait_kind = WAIT_RECV;
    me->wait_obj = ep;
    me->state = THREAD_BLOCKED;
}

int64_t ipc_call(struct ipc_obj *ep, uint32_t badge, struct trapframe *tf)
{
    struct thread *me = current_thread();
    uint64_t w[IPC_WORDS];
    words_from(tf, w);
    spin_lock(&ipc_lock);
    if (ep->dead) {
        spin_unlock(&ipc_lock);
        return -EPIPE;
    }
    struct thread *srv = ep->receivers;
    if (srv) {
        /* A server is waiting: hand it the message and the CPU. */
        hand_call_locked(ep, srv, me, tf, badge);
        spin_unlock(&ipc_lock);
        if (!sched_switch_direct(srv)) {
            sched_wake_first(srv);
            sched_block();
        }
        return me->wait_result;
    }
    memcpy(me->ipc_regs, w, sizeof w);
    me->ipc_badge = badge;
    me->wait_next = NULL;
    if (ep->senders_tail)
        ep->senders_tail->wait_next = me;
    else
        ep->senders = me;
    ep->senders_tail = me;
    return block_locked(me, WAIT_SEND, ep);
}

/* With ipc_lock held: take a waiting caller if there is one. */
static bool take_sender_locked(struct ipc_obj *ep, struct thread *me, struct trapframe *tf, int64_t *badge)
{
    struct thread *snd = ep->senders;
    if (!snd)
        return false;
    ep->senders = snd->wait_next;
    if (!ep->senders)
        ep->senders_tail = NULL;
    snd->wait_next = NULL;
    words_to(tf, snd->ipc_regs);
    snd->wait_kind = WAIT_REPLY;
    snd->wait_obj = NULL;
    snd->reply_from = me;
    me->reply_to = snd;
    *badge = snd->ipc_badge;
    return true;
}

static int64_t recv_locked(struct ipc_obj *ep, struct thread *me, struct trapframe *tf)
{
    if (ep->dead) {
        spin_unlock(&ipc_lock);
        return -EPIPE;
    }
    int64_t badge;
    if (take_sender_locked(ep, me, tf, &badge)) {
        spin_unlock(&ipc_lock);
        return badge;
    }
    me->wait_next = ep->receivers;
    ep->receivers = me;
    return block_locked(me, WAIT_RECV, ep);
}

int64_t ipc_recv(struct ipc_obj *ep, struct trapframe *tf)
{
    struct thread *me = current_thread();
    spin_lock(&ipc_lock);
    if (me->reply_to) {
        spin_unlock(&ipc_lock);
        return -EBUSY;              /* reply to the current caller first */
    }
    return recv_locked(ep, me, tf);
}

/* With ipc_lock held: deliver the reply words in tf to the owed caller. */
static inline __attribute__((always_inline)) struct thread *reply_locked(struct thread *me, struct trapframe *tf)
{
    struct thread *c = me->reply_to;
    if (!c)
        return NULL;
    struct trapframe *ct = thread_trapframe(c);
    ct->rsi = tf->rsi; ct->rdx = tf->rdx; ct->r10 = tf->r10; ct->r8 = tf->r8;
    release_locked(c, 0);
    c->reply_from = NULL;
    me->reply_to = NULL;
    return c;
}

int64_t ipc_reply(struct trapframe *tf)
{
    struct thread *me = current_thread();
    spin_lock(&ipc_lock);
    struct thread *c = reply_locked(me, tf);
    spin_unlock(&ipc_lock);
    if (!c)
        return -EPIPE;              /* no caller waits for a reply (or it died) */
    sched_wake(c);
    return 0;
}

int64_t ipc_reply_recv(struct ipc_obj *ep, struct trapframe *tf)
{
    struct thread *me = current_thread();
    spin_lock(&ipc_lock);
    struct thread *c = reply_locked(me, tf);
    if (c && !ep->dead && !ep->senders) {
        /* Nobody else is calling: wait for the next call and hand the
         * CPU straight to the caller. */
        wait_call_locked(ep, me);
        spin_unlock(&ipc_lock);
        if (!sched_switch_direct(c)) {
            sched_wake_first(c);
            sched_block();
        }
        return me->wait_result;
    }
    if (c) {
        /* The caller runs next on its CPU; we take the next call. */
        spin_unlock(&ipc_lock);
        sched_wake_first(c);
        spin_lock(&ipc_lock);
    }
    return recv_locked(ep, me, tf);
}

int64_t ntfn_signal(struct ipc_obj *n, uint64_t bits)
{
    bits &= ~(1ULL << 63);          /* results are non-negative */
    spin_lock(&ipc_lock);
    if (n->dead) {
        spin_unlock(&ipc_lock);
        return -EPIPE;
    }
    n->bits |= bits;
    struct thread *w = n->waiter;
    if (w && n->bits) {
        n->waiter = NULL;
        release_locked(w, (int64_t)n->bits);
        n->bits = 0;
    } else {
        w = NULL;
    }
    spin_unlock(&ipc_lock);
    if (w)
        sched_wake(w);
    return 0;
}

int64_t ntfn_wait(struct ipc_obj *n)
{
    struct thread *me = current_thread();
    spin_lock(&ipc_lock);
    if (n->dead) {
        spin_unlock(&ipc_lock);
        return -EPIPE;
    }
    if (n->bits) {
        int64_t r = (int64_t)n->bits;
        n->bits = 0;
        spin_unlock(&ipc_lock);
        return r;
    }
    if (n->waiter) {
        spin_unlock(&ipc_lock);
        return -EBUSY;              /* one waiter per notification */
    }
    n->waiter = me;
    return block_locked(me, WAIT_NOTIFY, n);
}

void ipc_cancel(struct thread *t)
{
    if (t->wait_kind == WAIT_FUTEX) {
        futex_cancel(t);
        t->wait_result = -EINTR;
        return;
    }
    spin_lock(&ipc_lock);
    struct ipc_obj *o = t->wait_obj;
    switch (t->wait_kind) {
    case WAIT_SEND:
        list_remove(&o->senders, &o->senders_tail, t);
        break;
    case WAIT_RECV:
        list_remove(&o->receivers, NULL, t);
        break;
    case WAIT_REPLY:
        if (t->reply_from)
            t->reply_from->reply_to = NULL;
        t->reply_from = NULL;
        break;
    case WAIT_NOTIFY:
        if (o->waiter == t)
            o->waiter = NULL;
        break;
    }
    release_locked(t, -EINTR);
    spin_unlock(&ipc_lock);
}

void ipc_thread_exit(struct thread *t)
{
    spin_lock(&ipc_lock);
    struct thread *c = t->reply_to;
    if (c) {
        release_locked(c, -EPIPE);  /* the server died owing a reply */
        c->reply_from = NULL;
        t->reply_to = NULL;
    }
    spin_unlock(&ipc_lock);
    if (c)
        sched_wake(c);
}

/* Takes threads off a wait list (at most max - n), releasing each with
 * -EPIPE into wake[n..]; returns the new n. */
static int release_list_locked(struct thread **head, struct thread **wake, int n, int max)
{
    while (n < max && *head) {
        struct thread *t = *head;
        *head = t->wait_next;
        t->wait_next = NULL;
        release_locked(t, -EPIPE);
        wake[n++] = t;
    }
    return n;
}

void ipc_obj_kill(struct ipc_obj *o)
{
    struct thread *wake[64];
    int n;
    do {
        n = 0;
        spin_lock(&ipc_lock);
        o->dead = true;
        n = release_list_locked(&o->senders, wake, n, 64);
        if (!o->senders)
            o->senders_tail = NULL;
        n = release_list_locked(&o->receivers, wake, n, 64);
        if (n < 64 && o->waiter) {
            release_locked(o->waiter, -EPIPE);
            wake[n++] = o->waiter;
            o->waiter = NULL;
        }
        spin_unlock(&ipc_lock);
        for (int i = 0; i < n; i++)
            sched_wake(wake[i]);
    } while (n == 64);
}

/* ---- Fast paths ----
 * A call to a server waiting on the endpoint, and a reply_recv whose caller
 * waits and whose endpoint has no other caller queued, when both threads
 * belong to one tenant and share this CPU (the common case of a client and
 * its server): done here straight from the system call, without the
 * generic dispatch and with the CPU handed over directly. Anything else
 * (a capability that is not a usable endpoint, no peer waiting, another
 * CPU or tenant, a reschedule due) returns false before changing anything,
 * and the generic path handles the call. Lock order: the caller's
 * capability table, then ipc_lock, then the run queue. */

/* The endpoint behind capability idx of f if it has `right`; with it,
 * ipc_lock is held (the capability table's lock is dropped). */
static struct ipc_obj *fast_endpoint(struct fwp *f, uint64_t idx, uint8_t right, uint32_t *badge, bool ref)
{
    if (idx >= CAP_MAX)
        return NULL;
    struct cap_table *ct = &f->caps;
    spin_lock(&ct->lock);
    struct cap *chunk = ct->chunks[idx / CAP_CHUNK];
    struct cap *c = chunk ? &chunk[idx % CAP_CHUNK] : NULL;
    if (!c || c->type != CAP_ENDPOINT || !(c->rights & right)) {
        spin_unlock(&ct->lock);
        return NULL;
    }
    struct ipc_obj *ep = c->obj;
    *badge = c->badge;
    if (ref)
        ipc_obj_get(ep);
    spin_lock(&ipc_lock);           /* the capability's reference keeps ep until here */
    spin_unlock(&ct->lock);
    return ep;
}

bool ipc_fast_call(struct trapframe *tf)
{
    struct thread *me = current_thread();
    uint32_t badge;
    struct ipc_obj *ep = fast_endpoint(me->fwp, tf->rdi, CAP_R_SEND, &badge, false);
    if (!ep)
        return false;
    struct thread *srv = ep->receivers;
    if (ep->dead || !srv || !sched_claim_direct(srv)) {
        spin_unlock(&ipc_lock);
        return false;
    }
    hand_call_locked(ep, srv, me, tf, badge);
    spin_unlock(&ipc_lock);         /* ep is not touched again: no reference needed */
    sched_handoff(srv);
    tf->rax = (uint64_t)me->wait_result;
    return true;
}

bool ipc_fast_reply_recv(struct trapframe *tf)
{
    struct thread *me = current_thread();
    if (!me->reply_to)
        return false;
    uint32_t badge;
    /* A reference for the wait, as the generic path holds one. */
    struct ipc_obj *ep = fast_endpoint(me->fwp, tf->rdi, CAP_R_RECV, &badge, true);
    if (!ep)
        return false;
    struct thread *c = me->reply_to;
    if (!c || ep->dead || ep->senders || !sched_claim_direct(c)) {
        spin_unlock(&ipc_lock);
        ipc_obj_put(ep);
        return false;
    }
    reply_locked(me, tf);
    wait_call_locked(ep, me);
    spin_unlock(&ipc_lock);
    sched_handoff(c);
    /* Back with the next call (its words are in tf) or -EPIPE. */
    tf->rax = (uint64_t)me->wait_result;
    ipc_obj_put(ep);
    return true;
}
