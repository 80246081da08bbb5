/* Operations on the running system: tenants through the kernel, programs
 * through EOS_SYS_SPAWN, services through the nic. Each either completes
 * or leaves the system as it found it, with the reason in err. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edgeos.h"
#include "ctl.h"

struct ctl_sys ctl_sys = { .next_svc_id = 1 };

#define CHECKPOINT_TIMEOUT_MS 10000
#define NIC_BUILD_TIMEOUT_MS  300000     /* a thousand instances under emulation take seconds */
#define NIC_TIMEOUT_MS        10000
#define TENANT_DRAIN_MS       10000

int ctl_fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return r;
}

int ctl_find_tenant(const char *name)
{
    for (int i = 0; i < ctl_sys.st.ntenants; i++)
        if (!strcmp(ctl_sys.st.tenants[i].name, name))
            return i;
    return -1;
}

int ctl_find_service(const char *tenant, const char *name)
{
    for (int i = 0; i < ctl_sys.st.nservices; i++)
        if (!strcmp(ctl_sys.st.services[i].tenant, tenant) && !strcmp(ctl_sys.st.services[i].name, name))
            return i;
    return -1;
}

static void tenant_cfg(const struct ctl_tenant_spec *t, struct eos_tenant_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->name, sizeof cfg->name, "%s", t->name);
    cfg->mem_limit = t->mem;
    cfg->cpu_period_us = CTL_CPU_PERIOD_US;
    cfg->cpu_budget_us = t->cpu_pct >= 100 ? 0 : t->cpu_pct * (CTL_CPU_PERIOD_US / 100);
}

int ctl_op_tenant_create(const struct ctl_tenant_spec *t, char *err, size_t errlen)
{
    if (ctl_find_tenant(t->name) >= 0)
        return ctl_fail(err, errlen, -EEXIST, "tenant '%s' exists", t->name);
    if (ctl_sys.st.ntenants == CTL_MAX_TENANTS)
        return ctl_fail(err, errlen, -ENOSPC, "too many tenants (at most %d)", CTL_MAX_TENANTS);
    struct eos_tenant_cfg cfg;
    tenant_cfg(t, &cfg);
    long cap = eos_tenant_create(&cfg);
    if (cap < 0)
        return ctl_fail(err, errlen, (int)cap, "the kernel refused tenant '%s' (%ld)", t->name, cap);
    struct eos_tenant_info info;
    eos_tenant_info(cap, &info);
    int i = ctl_sys.st.ntenants++;
    ctl_sys.st.tenants[i] = *t;
    memset(&ctl_sys.trt[i], 0, sizeof ctl_sys.trt[i]);
    ctl_sys.trt[i].cap = cap;
    ctl_sys.trt[i].kid = (uint32_t)info.id;
    ctl_sys.trt[i].sample_ns_last = ctl_now_ns();
    return 0;
}

int ctl_op_tenant_set(int ti, const struct ctl_tenant_spec *t, char *err, size_t errlen)
{
    struct eos_tenant_cfg cfg;
    tenant_cfg(t, &cfg);
    long r = eos_tenant_set(ctl_sys.trt[ti].cap, &cfg);
    if (r == -EBUSY) {
        struct eos_tenant_info info;
        eos_tenant_info(ctl_sys.trt[ti].cap, &info);
        char used[16], want[16];
        return ctl_fail(err, errlen, -EBUSY, "tenant '%s' uses %s, more than the new quota %s", t->name,
                    ctl_size_str(info.mem_used, used), ctl_size_str(t->mem, want));
    }
    if (r < 0)
        return ctl_fail(err, errlen, (int)r, "the kernel refused the new limits of tenant '%s' (%ld)", t->name, r);
    ctl_sys.st.tenants[ti] = *t;
    return 0;
}

static void remove_tenant_entry(int ti)
{
    for (int i = ti; i + 1 < ctl_sys.st.ntenants; i++) {
        ctl_sys.st.tenants[i] = ctl_sys.st.tenants[i + 1];
        ctl_sys.trt[i] = ctl_sys.trt[i + 1];
    }
    ctl_sys.st.ntenants--;
}

int ctl_op_tenant_delete(int ti, char *err, size_t errlen)
{
    char name[CTL_NAME_MAX + 1];
    snprintf(name, sizeof name, "%s", ctl_sys.st.tenants[ti].name);
    /* Its services first (newest first), each gone from the nic. */
    for (int si = ctl_sys.st.nservices - 1; si >= 0; si--)
        if (!strcmp(ctl_sys.st.services[si].tenant, name)) {
            int r = ctl_op_undeploy(si, err, errlen);
            if (r < 0)
                return r;
        }
    long cap = ctl_sys.trt[ti].cap;
    eos_tenant_kill(cap);
    /* Its FWPs end at their next kernel entry (a throttled one when its
     * period ends); wait until everything charged to it is back. */
    struct eos_tenant_info info;
    uint64_t deadline = ctl_now_ns() + TENANT_DRAIN_MS * 1000000ull;
    for (;;) {
        if (eos_tenant_info(cap, &info) < 0 || (info.fwps == 0 && info.mem_used == 0))
            break;
        if (ctl_now_ns() > deadline) {
            eos_tenant_kill(cap);       /* the kernel lists what is left on the console */
            break;
        }
        ctl_sleep_us(1000);
    }
    eos_cap_delete(cap);
    remove_tenant_entry(ti);
    if (info.fwps || info.mem_used)
        return ctl_fail(err, errlen, -EBUSY, "tenant '%s' still holds %llu bytes in %llu FWPs after %d s", name,
                    (unsigned long long)info.mem_used, (unsigned long long)info.fwps, TENANT_DRAIN_MS / 1000);
    return 0;
}

/* argv for the program: its name, then the service's arguments. */
static int build_argv(const struct ctl_service_spec *s, const char *name, const char *argv[CTL_MAX_ARGS + 2])
{
    int n = 0;
    argv[n++] = name;
    const char *p = s->args;
    for (int i = 0; i < s->argc && i < CTL_MAX_ARGS; i++) {
        argv[n++] = p;
        p += strlen(p) + 1;
    }
    argv[n] = NULL;
    return n;
}

int ctl_op_check_program(const struct ctl_service_spec *s, const uint8_t *image, uint32_t len, char *err, size_t errlen)
{
    struct eos_spawn sp;
    memset(&sp, 0, sizeof sp);
    sp.flags = EOS_SPAWN_CHECK;
    if (image) {
        sp.image = (uint64_t)(uintptr_t)image;
        sp.image_len = len;
    } else {
        snprintf(sp.builtin, sizeof sp.builtin, "%s", s->builtin);
    }
    long r = eos_spawn(-1, &sp);
    if (r < 0)
        return ctl_fail(err, errlen, (int)r, "%s %s: %s", image ? "program" : "built-in",
                    image ? s->program : s->builtin, sp.why[0] ? sp.why : "refused");
    return 0;
}

/* Waits until the program has checkpointed (it is a template). */
int ctl_wait_template(long fwp, const char *name, char *err, size_t errlen)
{
    uint64_t deadline = ctl_now_ns() + CHECKPOINT_TIMEOUT_MS * 1000000ull;
    unsigned pause = 50;
    for (;;) {
        struct eos_fwp_info info;
        if (eos_fwp_info(fwp, &info) < 0)
            return ctl_fail(err, errlen, -ESRCH, "program of %s vanished", name);
        if (info.is_template)
            return 0;
        if (info.state != 0)
            return ctl_fail(err, errlen, -ECHILD,
                        "the program of %s ended before its checkpoint (its output is on the system console)", name);
        if (ctl_now_ns() > deadline)
            return ctl_fail(err, errlen, -ETIMEDOUT, "the program of %s did not checkpoint within %d s", name,
                        CHECKPOINT_TIMEOUT_MS / 1000);
        ctl_sleep_us(pause);
        if (pause < 5000)
            pause *= 2;
    }
}

static uint8_t nic_mode(enum ctl_mode m)
{
    return m == CTL_SHARED ? NICCTL_SHARED : m == CTL_POOL ? NICCTL_POOL : NICCTL_PERCLIENT;
}

/* Copies of the uploaded NF configurations, kept with the service. */
static int keep_nf_texts(const struct ctl_service_spec *s, const struct ctl_nf_text *nf, struct ctl_nf_text out[CTL_MAX_NF])
{
    memset(out, 0, CTL_MAX_NF * sizeof out[0]);
    for (int i = 0; nf && i < s->nnf; i++) {
        if (!nf[i].text)
            continue;
        uint8_t *p = malloc(nf[i].len ? nf[i].len : 1);
        if (!p)
            return -ENOMEM;
        memcpy(p, nf[i].text, nf[i].len);
        out[i] = (struct ctl_nf_text){ p, nf[i].len };
    }
    return 0;
}

static void free_nf_texts(struct ctl_nf_text t[CTL_MAX_NF])
{
    for (int i = 0; i < CTL_MAX_NF; i++) {
        free((void *)t[i].text);
        t[i] = (struct ctl_nf_text){ NULL, 0 };
    }
}

int ctl_op_deploy(const struct ctl_service_spec *s, const uint8_t *image, uint32_t len, const struct ctl_nf_text *nf,
                  char *err, size_t errlen)
{
    int ti = ctl_find_tenant(s->tenant);
    if (ti < 0)
        return ctl_fail(err, errlen, -ENOENT, "no tenant '%s'", s->tenant);
    if (ctl_find_service(s->tenant, s->name) >= 0)
        return ctl_fail(err, errlen, -EEXIST, "service %s/%s exists", s->tenant, s->name);
    if (ctl_sys.st.nservices == CTL_MAX_SERVICES)
        return ctl_fail(err, errlen, -ENOSPC, "too many services (at most %d)", CTL_MAX_SERVICES);
    for (int i = 0; i < ctl_sys.st.nservices; i++) {
        const struct ctl_service_spec *o = &ctl_sys.st.services[i];
        if (ctl_service_ports_overlap(s, o)) {
            uint32_t f, e;
            char ports[16];
            ctl_service_ports(o, &f, &e);
            return ctl_fail(err, errlen, -EADDRINUSE, "%s %s %s %s used by service %s/%s", ctl_proto_name(o->proto),
                        e - f == 1 ? "port" : "ports", ctl_ports_str(o, ports), e - f == 1 ? "is" : "are", o->tenant,
                        o->name);
        }
    }
    static const struct ctl_nf_text none[CTL_MAX_NF];
    if (!nf)
        nf = none;
    /* The NF configurations first: a bad one refuses the deploy before anything starts. */
    int r = ctl_nf_check(s, nf, err, errlen);
    if (r < 0)
        return r;
    uint8_t *copy = NULL;
    if (image) {
        if (ctl_sys.images_bytes + len > CTL_IMAGES_MAX || !(copy = malloc(len)))
            return ctl_fail(err, errlen, -ENOSPC, "the control plane's program store is full");
        memcpy(copy, image, len);
    }
    struct ctl_nf_text kept[CTL_MAX_NF];
    if (keep_nf_texts(s, nf, kept) < 0) {
        free_nf_texts(kept);
        free(copy);
        return ctl_fail(err, errlen, -ENOMEM, "no memory to keep the NF configurations");
    }
    char name[EOS_NAME_MAX];
    snprintf(name, sizeof name, "%s/%s", s->tenant, s->name);
    const char *argv[CTL_MAX_ARGS + 2];
    build_argv(s, name, argv);
    struct eos_spawn sp;
    memset(&sp, 0, sizeof sp);
    if (image) {
        sp.image = (uint64_t)(uintptr_t)copy;
        sp.image_len = len;
    } else {
        snprintf(sp.builtin, sizeof sp.builtin, "%s", s->builtin);
    }
    snprintf(sp.name, sizeof sp.name, "%s", name);
    sp.mem_limit = s->mem_per_instance;
    sp.argv = (uint64_t)(uintptr_t)argv;
    sp.cpu = -1;
    long fwp = eos_spawn(ctl_sys.trt[ti].cap, &sp);
    if (fwp < 0) {
        free_nf_texts(kept);
        free(copy);
        return ctl_fail(err, errlen, (int)fwp, "cannot start %s: %s", name, sp.why[0] ? sp.why : "the kernel refused");
    }
    r = ctl_wait_template(fwp, name, err, errlen);
    long nf_caps[CTL_MAX_NF];
    for (int k = 0; k < CTL_MAX_NF; k++)
        nf_caps[k] = -1;
    if (r == 0)
        r = ctl_nf_start(ctl_sys.trt[ti].cap, s, nf, nf_caps, err, errlen);
    uint32_t id = ctl_sys.next_svc_id++;
    if (r == 0) {
        struct nicctl_cmd cmd;
        struct nicctl_reply rep;
        memset(&cmd, 0, sizeof cmd);
        cmd.op = NICCTL_ADD;
        cmd.svc_id = id;
        cmd.tenant_id = ctl_sys.trt[ti].kid;
        snprintf(cmd.tmpl, sizeof cmd.tmpl, "%s", name);
        cmd.port = s->port;
        cmd.mode = nic_mode(s->mode);
        cmd.proto = s->proto;
        cmd.count = s->count;
        cmd.nnf = (uint32_t)s->nnf;
        for (int k = 0; k < s->nnf; k++)
            ctl_nf_name(s, k, cmd.nf[k]);
        r = ctl_nic_call(&cmd, &rep, NIC_BUILD_TIMEOUT_MS);
        if (r < 0)
            ctl_fail(err, errlen, r, "%s: %s", name, ctl_nic_why(r, &rep));
    }
    if (r < 0) {
        ctl_nf_stop(nf_caps);
        eos_destroy(fwp);
        free_nf_texts(kept);
        free(copy);
        return r;
    }
    int i = ctl_sys.st.nservices++;
    ctl_sys.st.services[i] = *s;
    ctl_sys.srt[i] = (struct ctl_service_rt){ .id = id, .tmpl = fwp, .image = copy, .image_len = image ? len : 0 };
    memcpy(ctl_sys.srt[i].nf_tmpl, nf_caps, sizeof nf_caps);
    memcpy(ctl_sys.srt[i].nf_text, kept, sizeof kept);
    ctl_sys.images_bytes += image ? len : 0;
    return 0;
}

int ctl_op_scale(int si, uint32_t count, char *err, size_t errlen)
{
    struct ctl_service_spec *s = &ctl_sys.st.services[si];
    if (count == s->count)
        return 0;
    if (s->mode == CTL_SHARED && (uint32_t)s->port + count > 65536)
        return ctl_fail(err, errlen, -EINVAL, "ports past 65535");
    struct ctl_service_spec grown = *s;
    grown.count = count;
    for (int i = 0; i < ctl_sys.st.nservices; i++)
        if (i != si && ctl_service_ports_overlap(&grown, &ctl_sys.st.services[i]))
            return ctl_fail(err, errlen, -EADDRINUSE, "the new ports clash with service %s/%s",
                        ctl_sys.st.services[i].tenant, ctl_sys.st.services[i].name);
    struct nicctl_reply rep;
    int r = ctl_nic_op(NICCTL_SCALE, ctl_sys.srt[si].id, count, &rep, NIC_BUILD_TIMEOUT_MS);
    if (r < 0)
        return ctl_fail(err, errlen, r, "%s/%s: %s", s->tenant, s->name, ctl_nic_why(r, &rep));
    s->count = count;
    return 0;
}

int ctl_op_undeploy(int si, char *err, size_t errlen)
{
    struct ctl_service_spec *s = &ctl_sys.st.services[si];
    struct nicctl_reply rep;
    int r = ctl_nic_op(NICCTL_REMOVE, ctl_sys.srt[si].id, 0, &rep, NIC_TIMEOUT_MS);
    if (r < 0 && r != -ENOENT)
        return ctl_fail(err, errlen, r, "%s/%s: %s", s->tenant, s->name, ctl_nic_why(r, &rep));
    eos_destroy(ctl_sys.srt[si].tmpl);      /* its memory goes with its last fork */
    ctl_nf_stop(ctl_sys.srt[si].nf_tmpl);   /* the nic destroyed their forks with the service */
    free_nf_texts(ctl_sys.srt[si].nf_text);
    free(ctl_sys.srt[si].image);
    ctl_sys.images_bytes -= ctl_sys.srt[si].image_len;
    for (int i = si; i + 1 < ctl_sys.st.nservices; i++) {
        ctl_sys.st.services[i] = ctl_sys.st.services[i + 1];
        ctl_sys.srt[i] = ctl_sys.srt[i + 1];
    }
    ctl_sys.st.nservices--;
    return 0;
}

void ctl_sample_cpu(void)
{
    uint64_t now = ctl_now_ns();
    long ncpus = eos_ncpus();
    for (int i = 0; i < ctl_sys.st.ntenants; i++) {
        struct ctl_tenant_rt *t = &ctl_sys.trt[i];
        struct eos_tenant_info info;
        if (eos_tenant_info(t->cap, &info) < 0)
            continue;
        uint64_t dt = now - t->sample_ns_last;
        if (dt && t->sample_ns_last)
            t->cpu_share = 100.0 * (double)(info.cpu_ns - t->cpu_ns_last) / ((double)dt * (double)ncpus);
        t->cpu_ns_last = info.cpu_ns;
        t->sample_ns_last = now;
    }
}
