/* EdgeOS's own system calls (numbers from EOS_SYSCALL_BASE), reached
 * through libedgeos (user/lib/edgeos.h). This file only decodes: each call
 * acquires its capabilities (which checks index, type and rights and holds
 * a reference for the duration of the call) and hands over to the object's
 * code in fwp/, ipc/ or cap/. */
#include "syscall.h"
#include "edgeos_syscalls.h"
#include "trap.h"
#include "sched.h"
#include "fwp.h"
#include "cap.h"
#include "ipc.h"
#include "mm.h"
#include "time.h"
#include "errno.h"
#include "string.h"
#include "chan.h"
#include "platform.h"
#include "cpu.h"
#include "tenant.h"
#include "loader.h"
#include "registry.h"
#include "kprintf.h"

/* The whole machine for the system tenant's FWPs; a tenant's FWPs see only
 * their own tenant (its quota as "total", what is left of it as "free"). */
static int64_t mem_info(struct fwp *f, uint64_t out)
{
    struct tenant *t = f->tenant;
    struct eos_mem_info mi = {
        .quota_frames = f->frames_limit,
        .used_frames = f->frames_used,
        .tsc_hz = tsc_hz,
    };
    if (t->system) {
        mi.frames_free = frames_free();
        mi.frames_total = frames_total();
        mi.kstack_frames = kstack_cached_frames();
        mi.live_fwps = fwp_live_count();
        mi.kheap_frames = kmalloc_frames();
        mi.system_frames = system_tenant.frames;
    } else {
        uint64_t used = t->mem_used;
        mi.frames_total = t->mem_limit / PAGE_SIZE;
        mi.frames_free = used < t->mem_limit ? (t->mem_limit - used) / PAGE_SIZE : 0;
        mi.live_fwps = t->nfwps;
    }
    return copy_to_user(out, &mi, sizeof mi);
}

static int copy_name(char *name, size_t size, uint64_t uname)
{
    memset(name, 0, size);
    for (size_t i = 0; i + 1 < size; i++) {
        if (copy_from_user(&name[i], uname + i, 1) < 0)
            return -EFAULT;
        if (!name[i])
            return 0;
    }
    return -ENAMETOOLONG;
}

/* Root FWPs open any tenant's template; other FWPs only their own
 * tenant's. Flag 1: do not wait for the checkpoint (-EAGAIN). */
static int64_t template_open(struct fwp *f, uint64_t uname, uint64_t flags)
{
    char name[32];
    int r = copy_name(name, sizeof name, uname);
    if (r < 0)
        return r == -EFAULT ? r : -ENOENT;
    struct fwp *tm = fwp_find_by_name(name, f->root ? NULL : f->tenant);
    if (!tm)
        return -ENOENT;
    if (!tm->tmpl && (flags & 1))
        r = -EAGAIN;
    else
        r = template_wait_ready(tm);
    if (r == 0)
        r = cap_insert(&f->caps, CAP_TEMPLATE, tm);
    fwp_put(tm);
    return r;
}

/* Operations on an FWP named by a capability. */
static int64_t fwp_op(struct fwp *f, uint64_t nr, struct trapframe *tf)
{
    struct fwp *c = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_FWP, NULL);
    if (!c)
        return -EBADF;
    int64_t r = -ENOSYS;
    switch (nr) {
    case EOS_SYS_ACTIVATE:
        r = fwp_activate(c, tf->rsi);
        break;
    case EOS_SYS_RESET:
        r = fwp_reset(c, tf->rsi & EOS_START, tf->rdx);
        break;
    case EOS_SYS_WAIT_PARKED:
        r = fwp_wait_parked(c);
        break;
    case EOS_SYS_FWP_INFO: {
        struct eos_fwp_info info = {
            .id = c->id, .state = (uint64_t)c->state,
            .parked = c->threads && c->threads->parked,
            .used_frames = c->frames_used, .quota_frames = c->frames_limit,
            .is_template = c->tmpl != NULL,
        };
        r = copy_to_user(tf->rsi, &info, sizeof info);
        break;
    }
    case EOS_SYS_CAP_GRANT: {
        struct cap src;
        if (cap_get(&f->caps, (int64_t)tf->rsi, &src) < 0) {
            r = -EBADF;
        } else if (!(src.rights & CAP_R_GRANT)) {
            r = -EPERM;
        } else {
            uint32_t badge = src.badge ? src.badge : (uint32_t)tf->r10;
            r = cap_insert_full(&c->caps, src.type, src.obj, src.rights & (uint8_t)tf->rdx, badge);
        }
        break;
    }
    case EOS_SYS_CAP_REVOKE:
        r = cap_delete(&c->caps, (int64_t)tf->rsi);
        break;
    case EOS_SYS_CAP_TAKE: {
        struct cap src;
        r = cap_get(&c->caps, (int64_t)tf->rsi, &src);
        if (r == 0)
            r = cap_insert_full(&f->caps, src.type, src.obj, src.rights, src.badge);
        break;
    }
    case EOS_SYS_CHAN_ATTACH: {
        struct ipc_obj *n = NULL;
        if ((int64_t)tf->rsi >= 0 && !(n = cap_acquire(&f->caps, (int64_t)tf->rsi, CAP_NOTIFICATION, NULL))) {
            r = -EBADF;
            break;
        }
        struct chan *ch = NULL;
        r = chan_attach(c, n, &ch);
        if (n)
            cap_release(CAP_NOTIFICATION, n);
        if (r == 0) {
            r = cap_insert(&f->caps, CAP_CHANNEL, ch);
            chan_put(ch);
        }
        break;
    }
    }
    cap_release(CAP_FWP, c);
    return r;
}

static int64_t ipc_op(struct fwp *f, uint64_t nr, struct trapframe *tf)
{
    bool ntfn = nr == EOS_SYS_SIGNAL || nr == EOS_SYS_WAIT;
    enum cap_type type = ntfn ? CAP_NOTIFICATION : CAP_ENDPOINT;
    struct cap c;
    struct ipc_obj *o = cap_acquire(&f->caps, (int64_t)tf->rdi, type, &c);
    if (!o)
        return -EBADF;
    bool sending = nr == EOS_SYS_CALL || nr == EOS_SYS_SIGNAL;
    int64_t r;
    if (!(c.rights & (sending ? CAP_R_SEND : CAP_R_RECV)))
        r = -EPERM;
    else if (nr == EOS_SYS_CALL)
        r = ipc_call(o, c.badge, tf);
    else if (nr == EOS_SYS_RECV)
        r = ipc_recv(o, tf);
    else if (nr == EOS_SYS_REPLY_RECV)
        r = ipc_reply_recv(o, tf);
    else if (nr == EOS_SYS_SIGNAL)
        r = ntfn_signal(o, tf->rsi);
    else
        r = ntfn_wait(o);
    cap_release(type, o);
    return r;
}

static int64_t tmpl_op(struct fwp *f, uint64_t nr, struct trapframe *tf)
{
    struct fwp *tm = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_TEMPLATE, NULL);
    if (!tm)
        return -EBADF;
    int64_t r;
    if (nr == EOS_SYS_FORK) {
        int err = 0;
        struct fwp *as = NULL;
        if (tf->rsi & EOS_FORK_CHARGE_AS) {
            as = cap_acquire(&f->caps, (int64_t)(tf->rsi >> 32), CAP_TEMPLATE, NULL);
            if (!as) {
                cap_release(CAP_TEMPLATE, tm);
                return -EBADF;
            }
        }
        struct fwp *c = fwp_fork(tm, as ? as->tenant : NULL, (int)tf->rdx, tf->rsi & EOS_START, &err);
        if (as)
            cap_release(CAP_TEMPLATE, as);
        r = err;
        if (c) {
            r = cap_insert(&f->caps, CAP_FWP, c);
            if (r < 0)
                fwp_destroy(c);
        }
    } else if (nr == EOS_SYS_POOL_FILL) {
        r = pool_fill(tm, (uint32_t)tf->rsi, (uint32_t)tf->rdx);
    } else {                        /* EOS_SYS_POOL_TAKE */
        struct fwp *c = pool_take(tm, this_cpu()->id);
        r = -EAGAIN;
        if (c) {
            r = cap_insert(&f->caps, CAP_FWP, c);
            if (r < 0)
                fwp_destroy(c);
            else if (tf->rsi & EOS_START)
                fwp_activate(c, tf->rdx);
        }
    }
    cap_release(CAP_TEMPLATE, tm);
    return r;
}

static int64_t destroy(struct fwp *f, int64_t idx)
{
    static const enum cap_type types[] = { CAP_FWP, CAP_TEMPLATE, CAP_ENDPOINT, CAP_NOTIFICATION, CAP_CHANNEL };
    for (unsigned i = 0; i < ARRAY_LEN(types); i++) {
        void *o = cap_acquire(&f->caps, idx, types[i], NULL);
        if (!o)
            continue;
        int64_t r = 0;
        if (types[i] == CAP_FWP || types[i] == CAP_TEMPLATE)
            r = fwp_destroy(o);
        else if (types[i] != CAP_CHANNEL)
            ipc_obj_kill(o);
        cap_release(types[i], o);
        cap_delete(&f->caps, idx);
        return r;
    }
    return -EBADF;
}

static int64_t mint(struct fwp *f, struct trapframe *tf)
{
    struct cap src;
    if (cap_get(&f->caps, (int64_t)tf->rdi, &src) < 0)
        return -EBADF;
    uint32_t badge = src.badge ? src.badge : (uint32_t)tf->rdx;
    return cap_insert_full(&f->caps, src.type, src.obj, src.rights & (uint8_t)tf->rsi, badge);
}

static int64_t tenant_op(struct fwp *f, uint64_t nr, struct trapframe *tf)
{
    if (nr == EOS_SYS_TENANT_INFO && (int64_t)tf->rdi == -1) {
        struct tenant *t = f->tenant;
        tenant_get(t);
        int64_t r = tenant_info(t, tf->rsi);
        tenant_put(t);
        return r;
    }
    if (!f->root)
        return -EPERM;
    struct eos_tenant_cfg cfg;
    if (nr == EOS_SYS_TENANT_CREATE) {
        if (copy_from_user(&cfg, tf->rdi, sizeof cfg) < 0)
            return -EFAULT;
        cfg.name[sizeof cfg.name - 1] = 0;
        struct tenant *t = tenant_create(cfg.name, cfg.mem_limit, cfg.cpu_budget_us, cfg.cpu_period_us);
        if (!t)
            return cfg.mem_limit == 0 || cfg.cpu_period_us > 1000000 ? -EINVAL : -ENOMEM;
        int64_t r = cap_insert(&f->caps, CAP_TENANT, t);
        tenant_put(t);              /* the capability holds it now (or nothing does) */
        return r;
    }
    struct tenant *t = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_TENANT, NULL);
    if (!t)
        return -EBADF;
    int64_t r = 0;
    if (nr == EOS_SYS_TENANT_SET) {
        if (copy_from_user(&cfg, tf->rsi, sizeof cfg) < 0)
            r = -EFAULT;
        else
            r = tenant_set_limits(t, cfg.mem_limit, cfg.cpu_budget_us, cfg.cpu_period_us);
    } else if (nr == EOS_SYS_TENANT_INFO) {
        r = tenant_info(t, tf->rsi);
    } else {
        tenant_kill(t);
    }
    cap_release(CAP_TENANT, t);
    return r;
}

static int read_caller(void *ctx, uint64_t off, void *dst, size_t n)
{
    return copy_from_user(dst, (uint64_t)(uintptr_t)ctx + off, n) < 0 ? -1 : 0;
}

#define SPAWN_IMAGE_MAX (64ull << 20)
#define SPAWN_MAX_ARGS  31

/* Copies a NULL-terminated argv from the caller into buf (one page):
 * pointers to the copied strings in argv[]. Returns argc or -errno. */
static int copy_argv(uint64_t uargv, const char *name, char *buf, char *argv[], const char **why)
{
    size_t used = 0;
    int argc = 0;
    if (!uargv) {
        strlcpy(buf, name, PAGE_SIZE);
        argv[0] = buf;
        return 1;
    }
    for (;;) {
        uint64_t p;
        if (copy_from_user(&p, uargv + (uint64_t)argc * 8, 8) < 0)
            return -EFAULT;
        if (!p)
            break;
        if (argc == SPAWN_MAX_ARGS) {
            *why = "too many arguments";
            return -E2BIG;
        }
        argv[argc] = buf + used;
        for (;;) {
            if (used == PAGE_SIZE) {
                *why = "arguments too long";
                return -E2BIG;
            }
            if (copy_from_user(&buf[used], p++, 1) < 0)
                return -EFAULT;
            if (!buf[used++])
                break;
        }
        argc++;
    }
    if (argc == 0) {
        *why = "argv is empty (argv[0] is the program's name)";
        return -EINVAL;
    }
    return argc;
}

static int64_t spawn(struct fwp *f, struct trapframe *tf)
{
    if (!f->root)
        return -EPERM;
    struct eos_spawn sp;
    if (copy_from_user(&sp, tf->rsi, sizeof sp) < 0)
        return -EFAULT;
    /* A check needs no tenant (cap -1). */
    struct tenant *t = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_TENANT, NULL);
    if (!t && !((sp.flags & EOS_SPAWN_CHECK) && (int64_t)tf->rdi == -1))
        return -EBADF;
    int64_t r;
    const char *why = NULL;
    paddr_t page = 0;
    sp.builtin[sizeof sp.builtin - 1] = 0;
    sp.name[sizeof sp.name - 1] = 0;
    struct program_image img;
    if (sp.image) {
        if (!sp.image_len || sp.image_len > SPAWN_IMAGE_MAX || !user_range_ok(sp.image, sp.image_len)) {
            why = "image address or size out of range";
            r = -EINVAL;
            goto out;
        }
        img.read = read_caller;
        img.ctx = (void *)(uintptr_t)sp.image;
        img.size = sp.image_len;
    } else {
        uint64_t size;
        const void *data = image_find(sp.builtin, &size);
        if (!data) {
            why = "no such built-in image";
            r = -ENOENT;
            goto out;
        }
        program_image_kernel(&img, data, size);
    }
    if (sp.flags & EOS_SPAWN_CHECK) {
        r = program_check(&img, &why);
        goto out;
    }
    if (!sp.name[0] || sp.mem_limit < PAGE_SIZE) {
        why = !sp.name[0] ? "no name" : "memory quota below one page";
        r = -EINVAL;
        goto out;
    }
    struct fwp *dup = fwp_find_by_name(sp.name, NULL);
    if (dup) {
        fwp_put(dup);
        why = "an FWP of that name exists";
        r = -EEXIST;
        goto out;
    }
    page = frame_alloc();
    if (!page) {
        r = -ENOMEM;
        goto out;
    }
    char *argv[SPAWN_MAX_ARGS + 1];
    int argc = copy_argv(sp.argv, sp.name, PHYS_TO_VIRT(page), argv, &why);
    if (argc < 0) {
        r = argc;
        goto out;
    }
    argv[argc] = NULL;
    int err = 0;
    struct fwp *c = program_start(t, sp.name, &img, argc, argv, sp.mem_limit, sp.stack,
                                  sp.cpu >= 0 && (uint32_t)sp.cpu < ncpus_online ? sp.cpu : -1, &why, &err);
    if (!c) {
        r = err == -EFAULT ? -EINVAL : err;     /* an unreadable image is the caller's error, not a fault */
        goto out;
    }
    r = cap_insert(&f->caps, CAP_FWP, c);
    if (r < 0) {
        struct thread *th = c->threads;     /* never ran */
        c->threads = NULL;
        thread_free(th);
        fwp_thread_gone_quiet(c);
        goto out;
    }
    kprintf("tenant %u (%s): started fwp %u (%s)\n", t->id, t->name, c->id, c->name);
    sched_wake(c->threads);
out:
    if (page)
        frame_put(page);
    if (why) {
        char w[sizeof sp.why];
        strlcpy(w, why, sizeof w);
        copy_to_user(tf->rsi + __builtin_offsetof(struct eos_spawn, why), w, sizeof w);
    }
    if (t)
        cap_release(CAP_TENANT, t);
    return r;
}

static int64_t registry_op(struct fwp *f, uint64_t nr, struct trapframe *tf)
{
    if (!f->root)
        return -EPERM;
    char name[32];
    struct cap c;
    if (nr == EOS_SYS_REGISTRY_GET) {
        int r = copy_name(name, sizeof name, tf->rdi);
        if (r < 0)
            return r == -EFAULT ? r : -ENOENT;
        if ((r = registry_get(name, &c)) < 0)
            return r;
        r = cap_insert_full(&f->caps, c.type, c.obj, c.rights, c.badge);
        cap_release(c.type, c.obj);
        return r;
    }
    int r = copy_name(name, sizeof name, tf->rsi);
    if (r < 0)
        return r == -EFAULT ? r : -EINVAL;
    if (cap_get(&f->caps, (int64_t)tf->rdi, &c) < 0 || !cap_acquire(&f->caps, (int64_t)tf->rdi, c.type, NULL))
        return -EBADF;
    r = registry_put(f, name, &c);
    cap_release(c.type, c.obj);
    return r;
}

int64_t edgeos_syscall(uint64_t nr, struct trapframe *tf)
{
    struct fwp *f = current_thread()->fwp;
    switch (nr) {
    case EOS_SYS_MEM_INFO:
        return mem_info(f, tf->rdi);
    case EOS_SYS_CHECKPOINT:
        return fwp_checkpoint(tf);
    case EOS_SYS_TEMPLATE_OPEN:
        return template_open(f, tf->rdi, tf->rsi);
    case EOS_SYS_FORK:
    case EOS_SYS_POOL_FILL:
    case EOS_SYS_POOL_TAKE:
        return tmpl_op(f, nr, tf);
    case EOS_SYS_ACTIVATE:
    case EOS_SYS_RESET:
    case EOS_SYS_WAIT_PARKED:
    case EOS_SYS_FWP_INFO:
    case EOS_SYS_CAP_GRANT:
    case EOS_SYS_CAP_REVOKE:
    case EOS_SYS_CAP_TAKE:
    case EOS_SYS_CHAN_ATTACH:
        return fwp_op(f, nr, tf);
    case EOS_SYS_TENANT_CREATE:
    case EOS_SYS_TENANT_SET:
    case EOS_SYS_TENANT_INFO:
    case EOS_SYS_TENANT_KILL:
        return tenant_op(f, nr, tf);
    case EOS_SYS_SPAWN:
        return spawn(f, tf);
    case EOS_SYS_INBOX_SET:
        return inbox_set(f, tf->rdi, tf->rsi);
    case EOS_SYS_REGISTRY_PUT:
    case EOS_SYS_REGISTRY_GET:
        return registry_op(f, nr, tf);
    case EOS_SYS_DEV_INFO: {
        if (!f->root)
            return -EPERM;
        const struct platform_device *d = platform_device((int)tf->rdi);
        if (!d)
            return -ENOENT;
        struct eos_dev_info info = { d->mmio_phys, d->mmio_size, d->irq, d->virtio_id };
        return copy_to_user(tf->rsi, &info, sizeof info);
    }
    case EOS_SYS_DEV_OPEN: {
        if (!f->root)
            return -EPERM;
        const struct platform_device *d = platform_device((int)tf->rdi);
        if (!d)
            return -ENOENT;
        return cap_insert(&f->caps, CAP_DEVICE, (void *)d);
    }
    case EOS_SYS_DEV_MAP: {
        const struct platform_device *d = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_DEVICE, NULL);
        if (!d)
            return -EBADF;
        int index = platform_device_index(d);
        if (platform_device_shares_page(index))
            return -EXDEV;          /* mapping it would expose a neighbour: use DEV_READ/DEV_WRITE */
        if (platform_device_claim(index, f) < 0)
            return -EBUSY;          /* another FWP drives it */
        f->driver = true;
        return vms_map_device(f, d->mmio_phys, d->mmio_size);
    }
    case EOS_SYS_DEV_READ:
    case EOS_SYS_DEV_WRITE: {
        const struct platform_device *d = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_DEVICE, NULL);
        if (!d)
            return -EBADF;
        int index = platform_device_index(d);
        int64_t r = nr == EOS_SYS_DEV_READ ? platform_device_read(index, f, tf->rsi, (int)tf->rdx)
                                           : platform_device_write(index, f, tf->rsi, (uint32_t)tf->rdx, (int)tf->r10);
        if (r >= 0)
            f->driver = true;
        return r;
    }
    case EOS_SYS_DMA_ALLOC: {
        if (!f->root && !f->driver)
            return -EPERM;
        paddr_t pa;
        int64_t va = vms_dma_page(f, &pa);
        if (va < 0)
            return va;
        struct eos_dma out = { (uint64_t)va, pa };
        return copy_to_user(tf->rdi, &out, sizeof out);
    }
    case EOS_SYS_CHAN_CREATE: {
        struct ipc_obj *n = NULL;
        if ((int64_t)tf->rdx >= 0) {
            n = cap_acquire(&f->caps, (int64_t)tf->rdx, CAP_NOTIFICATION, NULL);
            if (!n)
                return -EBADF;
        }
        struct chan *c = NULL;
        int64_t r = chan_create(f, tf->rdi, tf->rsi, n, &c);
        if (n)
            cap_release(CAP_NOTIFICATION, n);
        if (r < 0)
            return r;
        r = cap_insert(&f->caps, CAP_CHANNEL, c);
        chan_put(c);                /* the capability (if any) holds it now */
        return r;
    }
    case EOS_SYS_CHAN_SEND: {
        struct cap cc;
        struct chan *c = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_CHANNEL, &cc);
        if (!c)
            return -EBADF;
        int64_t r = (cc.rights & CAP_R_SEND) ? chan_send(c, f, cc.badge, tf->rsi, tf->rdx) : -EPERM;
        cap_release(CAP_CHANNEL, c);
        return r;
    }
    case EOS_SYS_IRQ_BIND: {
        const struct platform_device *d = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_DEVICE, NULL);
        if (!d)
            return -EBADF;
        struct ipc_obj *n = cap_acquire(&f->caps, (int64_t)tf->rsi, CAP_NOTIFICATION, NULL);
        if (!n)
            return -EBADF;
        int r = platform_irq_bind(platform_device_index(d), f, n, tf->rdx);
        cap_release(CAP_NOTIFICATION, n);
        return r < 0 ? -ENODEV : 0;
    }
    case EOS_SYS_TIMER_SET: {
        struct ipc_obj *n = cap_acquire(&f->caps, (int64_t)tf->rdi, CAP_NOTIFICATION, NULL);
        if (!n)
            return -EBADF;
        int r = ktimer_set(n, tf->rsi, tf->rdx);
        cap_release(CAP_NOTIFICATION, n);
        return r;
    }
    case EOS_SYS_NANOSLEEP_NS:
        if (tf->rdi)
            sched_sleep_until(rdtsc() + ns_to_tsc(tf->rdi));
        else
            schedule();
        return 0;
    case EOS_SYS_DESTROY:
        return destroy(f, (int64_t)tf->rdi);
    case EOS_SYS_PARK:
        return fwp_park_current();
    case EOS_SYS_CAP_DELETE:
        return cap_delete(&f->caps, (int64_t)tf->rdi);
    case EOS_SYS_CPU:
        return this_cpu()->id;
    case EOS_SYS_NCPUS:
        return ncpus_online;
    case EOS_SYS_ENDPOINT_CREATE:
    case EOS_SYS_NOTIFICATION_CREATE: {
        int kind = nr == EOS_SYS_ENDPOINT_CREATE ? CAP_ENDPOINT : CAP_NOTIFICATION;
        struct ipc_obj *o = ipc_obj_create(kind, f->tenant);
        if (!o)
            return tenant_alloc_error(f->tenant, sizeof *o);
        int r = cap_insert(&f->caps, kind, o);
        if (r < 0)
            tenant_kfree(f->tenant, o, sizeof *o);
        return r;
    }
    case EOS_SYS_CALL:
    case EOS_SYS_RECV:
    case EOS_SYS_REPLY_RECV:
    case EOS_SYS_SIGNAL:
    case EOS_SYS_WAIT:
        return ipc_op(f, nr, tf);
    case EOS_SYS_REPLY:
        return ipc_reply(tf);
    case EOS_SYS_CAP_MINT:
        return mint(f, tf);
    }
    return -ENOSYS;
}
