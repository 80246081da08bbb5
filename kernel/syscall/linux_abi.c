/* The subset of the Linux x86-64 system-call ABI that musl's start-up,
 * stdio, malloc, time and exit paths use. Everything else answers -ENOSYS
 * (logged once per call number). File descriptors 0-2 are the console. */
#include "syscall.h"
#include "trap.h"
#include "sched.h"
#include "fwp.h"
#include "time.h"
#include "loader.h"
#include "mm.h"
#include "cpu.h"
#include "errno.h"
#include "string.h"
#include "kprintf.h"
#include "futex.h"

#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_fstat 5
#define SYS_lseek 8
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_brk 12
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_ioctl 16
#define SYS_readv 19
#define SYS_writev 20
#define SYS_sched_yield 24
#define SYS_mremap 25
#define SYS_madvise 28
#define SYS_nanosleep 35
#define SYS_getpid 39
#define SYS_exit 60
#define SYS_kill 62
#define SYS_uname 63
#define SYS_gettimeofday 96
#define SYS_getuid 102
#define SYS_getgid 104
#define SYS_geteuid 107
#define SYS_getegid 108
#define SYS_getppid 110
#define SYS_sigaltstack 131
#define SYS_arch_prctl 158
#define SYS_gettid 186
#define SYS_tkill 200
#define SYS_time 201
#define SYS_set_tid_address 218
#define SYS_clock_gettime 228
#define SYS_clock_getres 229
#define SYS_clock_nanosleep 230
#define SYS_exit_group 231
#define SYS_tgkill 234
#define SYS_set_robust_list 273
#define SYS_prlimit64 302
#define SYS_getrandom 318
#define SYS_clone 56
#define SYS_futex 202
#define SYS_sched_getaffinity 204
#define SYS_madvise2 28

#define CLONE_VM 0x100
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4

struct timespec_l { int64_t tv_sec, tv_nsec; };

static struct fwp *cur(void) { return current_thread()->fwp; }

static int64_t console_write_user(uint64_t buf, uint64_t len)
{
    char tmp[1024];
    uint64_t done = 0;
    while (done < len) {
        size_t n = MIN(len - done, sizeof tmp);
        int r = copy_from_user(tmp, buf + done, n);
        if (r < 0)
            return r;
        console_write(tmp, n);
        done += n;
    }
    return (int64_t)done;
}

static int64_t sys_write(int fd, uint64_t buf, uint64_t len)
{
    if (fd != 1 && fd != 2)
        return -EBADF;
    return console_write_user(buf, len);
}

/* The parts of one writev reach the console as one write (up to 2 KiB), so
 * a line that musl's stdio hands over in two pieces is never split by
 * another CPU's output. */
static int64_t sys_writev(int fd, uint64_t iov, int cnt)
{
    if (fd != 1 && fd != 2)
        return -EBADF;
    if (cnt < 0 || cnt > 1024)
        return -EINVAL;
    char buf[2048];
    size_t used = 0;
    int64_t total = 0;
    for (int i = 0; i < cnt; i++) {
        uint64_t v[2];
        int r = copy_from_user(v, iov + i * 16, 16);
        if (r < 0)
            return r;
        uint64_t base = v[0], len = v[1];
        while (len) {
            if (used == sizeof buf) {
                console_write(buf, used);
                used = 0;
            }
            size_t n = MIN(len, sizeof buf - used);
            if ((r = copy_from_user(buf + used, base, n)) < 0)
                return r;
            used += n;
            base += n;
            len -= n;
            total += (int64_t)n;
        }
    }
    if (used)
        console_write(buf, used);
    return total;
}

static uint64_t prot_flags(int prot)
{
    if (prot == 0)
        return 0;
    return PTE_P | ((prot & PROT_WRITE) ? PTE_W : 0) | ((prot & PROT_EXEC) ? 0 : PTE_NX);
}

static int64_t sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
    struct fwp *f = cur();
    (void)off;
    if (!(flags & MAP_ANONYMOUS))
        return fd < 0 ? -EBADF : -ENODEV;      /* no files in EdgeOS */
    if (!(flags & (MAP_PRIVATE | MAP_SHARED)) || len == 0 || len > (1ULL << 46))
        return -EINVAL;
    uint64_t npages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
    uint64_t size = npages * PAGE_SIZE;
    uint64_t va;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if ((addr & (PAGE_SIZE - 1)) || addr < USER_MIN || !user_range_ok(addr, size))
            return -EINVAL;
        if (flags & MAP_FIXED_NOREPLACE) {
            if (!vms_range_free(f, addr, npages))
                return -EEXIST;
        } else {
            vms_unmap(f, addr, npages);
        }
        va = addr;
    } else {
        /* Carve downward; skip anything already there (e.g. MAP_FIXED). */
        va = f->mmap_next - size;
        while (!vms_range_free(f, va, npages))
            va -= PAGE_SIZE;
        if (va < f->brk_limit)
            return -ENOMEM;
        f->mmap_next = va - PAGE_SIZE;         /* guard gap between regions */
    }
    uint64_t pf = prot_flags(prot);
    int r = pf ? vms_map_anon(f, va, npages, pf) : vms_reserve(f, va, npages, 0, false);
    return r < 0 ? r : (int64_t)va;
}

static int64_t sys_munmap(uint64_t addr, uint64_t len)
{
    if ((addr & (PAGE_SIZE - 1)) || len == 0 || !user_range_ok(addr, len))
        return -EINVAL;
    vms_unmap(cur(), addr, ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE);
    return 0;
}

static int64_t sys_mprotect(uint64_t addr, uint64_t len, int prot)
{
    if ((addr & (PAGE_SIZE - 1)) || !user_range_ok(addr, len))
        return -EINVAL;
    return vms_protect(cur(), addr, ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE, prot_flags(prot));
}

static int64_t sys_brk(uint64_t want)
{
    struct fwp *f = cur();
    if (want < f->brk_start || want > f->brk_limit)
        return (int64_t)f->brk_cur;
    uint64_t old_end = ALIGN_UP(f->brk_cur, PAGE_SIZE), new_end = ALIGN_UP(want, PAGE_SIZE);
    if (new_end > old_end) {
        if (!vms_range_free(f, old_end, (new_end - old_end) / PAGE_SIZE))
            return (int64_t)f->brk_cur;
        if (vms_map_anon(f, old_end, (new_end - old_end) / PAGE_SIZE, PTE_W | PTE_NX) < 0)
            return (int64_t)f->brk_cur;
    } else if (new_end < old_end) {
        vms_unmap(f, new_end, (old_end - new_end) / PAGE_SIZE);
    }
    f->brk_cur = want;
    return (int64_t)want;
}

static int64_t clock_now(int clk, struct timespec_l *ts)
{
    uint64_t ns;
    switch (clk) {
    case 0: case 5: case 8:           /* REALTIME, REALTIME_COARSE, REALTIME_ALARM */
        ns = realtime_base_ns() + time_ns();
        break;
    case 1: case 4: case 6: case 7: case 9:   /* MONOTONIC*, BOOTTIME* */
        ns = time_ns();
        break;
    case 2: case 3: {                 /* process / thread CPU time */
        struct thread *t = current_thread();
        ns = tsc_to_ns(t->run_tsc + (rdtsc() - t->last_start));
        break;
    }
    default:
        return -EINVAL;
    }
    ts->tv_sec = (int64_t)(ns / 1000000000ULL);
    ts->tv_nsec = (int64_t)(ns % 1000000000ULL);
    return 0;
}

static int64_t sleep_ns(uint64_t ns)
{
    if (ns == 0) {
        schedule();
        return 0;
    }
    sched_sleep_until(rdtsc() + ns_to_tsc(ns));
    return 0;
}

static int64_t sys_clock_nanosleep(int clk, int flags, uint64_t req)
{
    struct timespec_l ts, now;
    if (copy_from_user(&ts, req, sizeof ts) < 0)
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    if (flags & 1) {                  /* TIMER_ABSTIME */
        if (clock_now(clk, &now) < 0)
            return -EINVAL;
        uint64_t n = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
        ns = ns > n ? ns - n : 0;
    }
    return sleep_ns(ns);
}

static int64_t sys_getrandom(uint64_t buf, uint64_t len)
{
    uint64_t done = 0;
    while (done < len) {
        uint64_t r = random_u64();
        size_t n = MIN(8, len - done);
        int e = copy_to_user(buf + done, &r, n);
        if (e < 0)
            return e;
        done += n;
    }
    return (int64_t)done;
}

static int64_t sys_uname(uint64_t buf)
{
    char u[6][65];
    memset(u, 0, sizeof u);
    strlcpy(u[0], "EdgeOS", 65);
    strlcpy(u[1], "edgeos", 65);
    strlcpy(u[2], "0.1", 65);
    strlcpy(u[3], "EdgeOS microkernel", 65);
    strlcpy(u[4], "x86_64", 65);
    return copy_to_user(buf, u, sizeof u);
}

/* clone: only new threads in the calling FWP (CLONE_VM | CLONE_THREAD), as
 * musl's pthread_create asks. New address spaces come from EdgeOS
 * templates, not from fork(). */
static int64_t sys_clone(struct trapframe *tf, uint64_t flags, uint64_t stack, uint64_t ptid, uint64_t ctid,
                         uint64_t tls)
{
    struct thread *me = current_thread();
    struct fwp *f = me->fwp;
    if ((flags & (CLONE_VM | CLONE_THREAD)) != (CLONE_VM | CLONE_THREAD))
        return -ENOSYS;
    if (!stack || !user_range_ok(stack, 8) || (f->tmpl || f->nthreads >= FWP_MAX_THREADS))
        return f->nthreads >= FWP_MAX_THREADS ? -EAGAIN : -EINVAL;
    int err;
    struct thread *t = thread_create_user(f, tf->rip, stack, sched_pick_cpu(), &err);
    if (!t)
        return -EAGAIN;                 /* over the tenant's quota or out of memory */
    struct trapframe *ctf = thread_trapframe(t);
    *ctf = *tf;                         /* same registers ... */
    ctf->rax = 0;                       /* ... clone returns 0 in the new thread */
    ctf->rsp = stack;
    ctf->cs = USER_CS;
    ctf->ss = USER_DS;
    ctf->vector = 0;
    ctf->rflags = (tf->rflags & 0x3f7fd5) | 0x202;
    __asm__ volatile("fxsave64 %0" : "=m"(t->fpu));
    t->fs_base = (flags & CLONE_SETTLS) ? tls : me->fs_base;
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_tid = ctid;
    if ((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &t->tid, 4) < 0)
        goto bad;
    if ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &t->tid, 4) < 0)
        goto bad;
    spin_lock(&f->lock);
    if (f->state != FWP_ALIVE) {
        spin_unlock(&f->lock);
        goto bad;
    }
    t->fwp_next = f->threads;
    f->threads = t;
    f->nthreads++;
    spin_unlock(&f->lock);
    sched_wake(t);
    return t->tid;
bad:
    thread_free(t);
    return -EFAULT;
}

/* exit of one thread: the FWP ends with its last thread. */
static _Noreturn void sys_exit_thread(int status)
{
    struct thread *t = current_thread();
    struct fwp *f = t->fwp;
    if (f->nthreads <= 1)
        fwp_exit_current(status);
    if (t->clear_tid) {
        uint32_t zero = 0;
        if (copy_to_user(t->clear_tid, &zero, 4) == 0)
            futex_wake(f, t->clear_tid, 1);
    }
    thread_exit();
}

static int64_t sys_futex(uint64_t uaddr, int op, uint32_t val, uint64_t timeout, uint64_t uaddr2, uint32_t val3)
{
    switch (op & 127) {                 /* FUTEX_PRIVATE_FLAG: every futex is private here */
    case 0: {                           /* FUTEX_WAIT */
        uint64_t ns = 0;
        if (timeout) {
            struct timespec_l ts;
            if (copy_from_user(&ts, timeout, sizeof ts) < 0)
                return -EFAULT;
            if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
                return -EINVAL;
            ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
            if (ns == 0)
                return -ETIMEDOUT;
        }
        return futex_wait(uaddr, val, ns);
    }
    case 1:                             /* FUTEX_WAKE */
        return futex_wake(current_thread()->fwp, uaddr, val);
    case 3:                             /* FUTEX_REQUEUE: timeout carries the move count */
    case 4:                             /* FUTEX_CMP_REQUEUE */
        return futex_requeue(current_thread()->fwp, uaddr, val, uaddr2, (uint32_t)timeout, (op & 127) == 4, val3);
    }
    return -ENOSYS;
}

static uint64_t unsupported_seen[8];

int64_t linux_syscall(uint64_t nr, struct trapframe *tf)
{
    uint64_t a0 = tf->rdi, a1 = tf->rsi, a2 = tf->rdx, a3 = tf->r10, a4 = tf->r8, a5 = tf->r9;
    struct thread *t = current_thread();
    switch (nr) {
    case SYS_read:
        if ((int)a0 == 0)
            return 0;                 /* console input: end of file */
        return -EBADF;
    case SYS_write:
        return sys_write((int)a0, a1, a2);
    case SYS_writev:
        return sys_writev((int)a0, a1, (int)a2);
    case SYS_readv:
        return (int)a0 == 0 ? 0 : -EBADF;
    case SYS_close:
        return (int)a0 >= 0 && (int)a0 <= 2 ? 0 : -EBADF;
    case SYS_fstat: {
        if ((int)a0 < 0 || (int)a0 > 2)
            return -EBADF;
        uint8_t st[144];
        memset(st, 0, sizeof st);
        *(uint32_t *)&st[24] = 0020000 | 0620;   /* st_mode: character device */
        *(uint64_t *)&st[56] = 1024;             /* st_blksize */
        return copy_to_user(a1, st, sizeof st);
    }
    case SYS_lseek:
        return (int)a0 >= 0 && (int)a0 <= 2 ? -ESPIPE : -EBADF;
    case SYS_ioctl:
        if ((int)a0 < 0 || (int)a0 > 2)
            return -EBADF;
        if (a1 == 0x5413) {           /* TIOCGWINSZ: the console is a terminal */
            uint16_t ws[4] = { 24, 80, 0, 0 };
            return copy_to_user(a2, ws, sizeof ws);
        }
        return -ENOTTY;
    case SYS_mmap:
        return sys_mmap(a0, a1, (int)a2, (int)a3, (int)a4, a5);
    case SYS_munmap:
        return sys_munmap(a0, a1);
    case SYS_mprotect:
        return sys_mprotect(a0, a1, (int)a2);
    case SYS_mremap:
        return -ENOMEM;               /* callers fall back to mmap + copy */
    case SYS_madvise:
        return 0;
    case SYS_brk:
        return sys_brk(a0);
    case SYS_rt_sigaction:
    case SYS_sigaltstack:
        return 0;                     /* no signals are delivered in EdgeOS */
    case SYS_rt_sigprocmask:
        if (a2) {
            uint64_t zero = 0;
            return copy_to_user(a2, &zero, 8);
        }
        return 0;
    case SYS_sched_yield:
        schedule();
        return 0;
    case SYS_nanosleep:
        return sys_clock_nanosleep(1, 0, a0);
    case SYS_clock_nanosleep:
        return sys_clock_nanosleep((int)a0, (int)a1, a2);
    case SYS_clock_gettime: {
        struct timespec_l ts;
        if (clock_now((int)a0, &ts) < 0)
            return -EINVAL;
        return copy_to_user(a1, &ts, sizeof ts);
    }
    case SYS_clock_getres: {
        struct timespec_l ts = { 0, 1 };
        return a1 ? copy_to_user(a1, &ts, sizeof ts) : 0;
    }
    case SYS_gettimeofday: {
        struct timespec_l ts;
        clock_now(0, &ts);
        int64_t tv[2] = { ts.tv_sec, ts.tv_nsec / 1000 };
        return a0 ? copy_to_user(a0, tv, sizeof tv) : 0;
    }
    case SYS_time: {
        struct timespec_l ts;
        clock_now(0, &ts);
        if (a0 && copy_to_user(a0, &ts.tv_sec, 8) < 0)
            return -EFAULT;
        return ts.tv_sec;
    }
    case SYS_getpid:
        return t->fwp->id;
    case SYS_gettid:
        return t->tid;
    case SYS_set_tid_address:
        t->clear_tid = a0;
        return t->tid;
    case SYS_clone:
        return sys_clone(tf, a0, a1, a2, a3, a4);
    case SYS_futex:
        return sys_futex(a0, (int)a1, (uint32_t)a2, a3, a4, (uint32_t)a5);
    case SYS_sched_getaffinity: {
        if (a1 < 8)
            return -EINVAL;
        uint64_t mask = ncpus_online >= 64 ? ~0ULL : (1ULL << ncpus_online) - 1;
        int r = copy_to_user(a2, &mask, 8);
        return r < 0 ? r : 8;
    }
    case SYS_getppid:
    case SYS_getuid: case SYS_getgid: case SYS_geteuid: case SYS_getegid:
        return 0;
    case SYS_set_robust_list:
        return 0;
    case SYS_prlimit64:
        return -ENOSYS;
    case SYS_uname:
        return sys_uname(a0);
    case SYS_getrandom:
        return sys_getrandom(a0, a1);
    case SYS_arch_prctl:
        if (a0 == 0x1002) {           /* ARCH_SET_FS */
            if (a1 >= USER_TOP)
                return -EPERM;
            t->fs_base = a1;
            wrmsr(MSR_FS_BASE, a1);
            return 0;
        }
        if (a0 == 0x1003)             /* ARCH_GET_FS */
            return copy_to_user(a1, &t->fs_base, 8);
        return -EINVAL;
    case SYS_kill:
    case SYS_tkill:
    case SYS_tgkill: {
        int sig = (int)(nr == SYS_tgkill ? a2 : a1);
        if (sig == 0)
            return 0;
        kprintf("fwp %u (%s) ended: signal %d raised by the program\n", t->fwp->id, t->fwp->name, sig);
        fwp_kill(t->fwp);
        return 0;
    }
    case SYS_exit:
        sys_exit_thread((int)(a0 & 0xff));
    case SYS_exit_group:
        fwp_exit_current((int)(a0 & 0xff));
    }
    if (nr < 512 && !(unsupported_seen[nr / 64] & (1ULL << (nr % 64)))) {
        unsupported_seen[nr / 64] |= 1ULL << (nr % 64);
        kprintf("fwp %u (%s): unsupported Linux system call %lu (answered -ENOSYS)\n",
                t->fwp->id, t->fwp->name, nr);
    }
    return -ENOSYS;
}
