/* Commands: a request is decoded, parsed and carried out; the answer is
 * text for the operator (a table, or key=value lines with -o kv). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edgeos.h"
#include "ctl.h"

#define ERR_MAX 512

/* ---- ls ---- */

static int tenant_services(const char *tenant)
{
    int n = 0;
    for (int i = 0; i < ctl_sys.st.nservices; i++)
        n += !strcmp(ctl_sys.st.services[i].tenant, tenant);
    return n;
}

static int exec_ls(const struct ctl_cmd *cmd, struct ctl_buf *out, char *err)
{
    const char *only = cmd->name;
    if (only[0] && ctl_find_tenant(only) < 0) {
        snprintf(err, ERR_MAX, "no tenant '%s'", only);
        return -ENOENT;
    }
    bool kv = cmd->format == CTL_FMT_KV;
    char a[16];
    if (!kv)
        ctl_buf_printf(out, "%-16s %-8s %-5s %s\n", "TENANT", "MEMORY", "CPU", "SERVICES");
    for (int i = 0; i < ctl_sys.st.ntenants; i++) {
        const struct ctl_tenant_spec *t = &ctl_sys.st.tenants[i];
        if (only[0] && strcmp(only, t->name))
            continue;
        if (kv)
            ctl_buf_printf(out, "tenant=%s mem=%llu cpu=%u services=%d\n", t->name, (unsigned long long)t->mem,
                           t->cpu_pct, tenant_services(t->name));
        else
            ctl_buf_printf(out, "%-16s %-8s %3u%%  %d\n", t->name, ctl_size_str(t->mem, a), t->cpu_pct,
                           tenant_services(t->name));
    }
    if (!kv)
        ctl_ls_services_header(out);
    for (int i = 0; i < ctl_sys.st.nservices; i++)
        if (!only[0] || !strcmp(only, ctl_sys.st.services[i].tenant))
            ctl_ls_service(out, &ctl_sys.st.services[i], cmd->format);
    return 0;
}

/* ---- stats ---- */

struct svc_stats {
    uint32_t instances, clients, conns;
    uint64_t rx, tx, drops, restarts;
    bool ok;
    uint32_t nnf;
    struct nicctl_nf_stats nf[CTL_MAX_NF];
};

static struct svc_stats service_stats(int si)
{
    struct svc_stats st;
    memset(&st, 0, sizeof st);
    struct nicctl_reply rep;
    if (ctl_nic_op(NICCTL_STATS, ctl_sys.srt[si].id, 0, &rep, 5000) == 0) {
        st = (struct svc_stats){ rep.instances, rep.clients, rep.tcp_conns, rep.rx, rep.tx, rep.drops, rep.restarts,
                                 true, rep.nnf <= CTL_MAX_NF ? rep.nnf : CTL_MAX_NF, { { 0 } } };
        memcpy(st.nf, rep.nf, sizeof st.nf);
    }
    return st;
}

static int exec_stats(const struct ctl_cmd *cmd, struct ctl_buf *out, char *err)
{
    const char *only = cmd->name;
    if (only[0] && ctl_find_tenant(only) < 0) {
        snprintf(err, ERR_MAX, "no tenant '%s'", only);
        return -ENOENT;
    }
    bool kv = cmd->format == CTL_FMT_KV;
    static struct svc_stats ss[CTL_MAX_SERVICES];
    for (int i = 0; i < ctl_sys.st.nservices; i++)
        if (!only[0] || !strcmp(only, ctl_sys.st.services[i].tenant))
            ss[i] = service_stats(i);
    if (!kv)
        ctl_buf_printf(out, "%-16s %9s %-21s %-15s %10s %10s %8s %8s\n", "TENANT", "INSTANCES", "MEM USED/QUOTA",
                       "CPU USED/BUDGET", "PKTS IN", "PKTS OUT", "DROPS", "RESTARTS");
    long ncpus = eos_ncpus();
    for (int i = 0; i < ctl_sys.st.ntenants; i++) {
        const struct ctl_tenant_spec *t = &ctl_sys.st.tenants[i];
        if (only[0] && strcmp(only, t->name))
            continue;
        struct eos_tenant_info info;
        memset(&info, 0, sizeof info);
        eos_tenant_info(ctl_sys.trt[i].cap, &info);
        struct svc_stats sum;
        memset(&sum, 0, sizeof sum);
        for (int k = 0; k < ctl_sys.st.nservices; k++)
            if (!strcmp(ctl_sys.st.services[k].tenant, t->name)) {
                sum.instances += ss[k].instances;
                sum.rx += ss[k].rx;
                sum.tx += ss[k].tx;
                sum.drops += ss[k].drops;
                sum.restarts += ss[k].restarts;
            }
        if (kv) {
            ctl_buf_printf(out, "tenant=%s instances=%u fwps=%llu mem_used=%llu mem_quota=%llu cpu_pct=%.2f "
                           "cpu_budget_pct=%u cpu_ns=%llu throttled=%llu rx=%llu tx=%llu drops=%llu restarts=%llu "
                           "now_ns=%llu ncpus=%ld\n",
                           t->name, sum.instances, (unsigned long long)info.fwps, (unsigned long long)info.mem_used,
                           (unsigned long long)info.mem_limit, ctl_sys.trt[i].cpu_share, t->cpu_pct,
                           (unsigned long long)info.cpu_ns, (unsigned long long)info.throttled,
                           (unsigned long long)sum.rx, (unsigned long long)sum.tx, (unsigned long long)sum.drops,
                           (unsigned long long)sum.restarts, (unsigned long long)ctl_now_ns(), ncpus);
        } else {
            char u[16], q[16], mem[40], cpu[32];
            snprintf(mem, sizeof mem, "%s/%s", ctl_size_str(info.mem_used, u), ctl_size_str(info.mem_limit, q));
            snprintf(cpu, sizeof cpu, "%.1f%%/%u%%", ctl_sys.trt[i].cpu_share, t->cpu_pct);
            ctl_buf_printf(out, "%-16s %9u %-21s %-15s %10llu %10llu %8llu %8llu\n", t->name, sum.instances, mem, cpu,
                           (unsigned long long)sum.rx, (unsigned long long)sum.tx, (unsigned long long)sum.drops,
                           (unsigned long long)sum.restarts);
        }
    }
    if (!kv && ctl_sys.st.nservices)
        ctl_buf_printf(out, "\n%-32s %-7s %9s %8s %9s %10s %10s %8s %8s\n", "SERVICE", "PROTO", "INSTANCES", "CLIENTS",
                       "TCP CONNS", "PKTS IN", "PKTS OUT", "DROPS", "RESTARTS");
    for (int i = 0; i < ctl_sys.st.nservices; i++) {
        const struct ctl_service_spec *s = &ctl_sys.st.services[i];
        if (only[0] && strcmp(only, s->tenant))
            continue;
        char full[40];
        snprintf(full, sizeof full, "%s/%s", s->tenant, s->name);
        if (kv)
            ctl_buf_printf(out, "service=%s proto=%s instances=%u clients=%u tcp_conns=%u rx=%llu tx=%llu drops=%llu "
                           "restarts=%llu%s\n", full, ctl_proto_name(s->proto), ss[i].instances, ss[i].clients,
                           ss[i].conns,
                           (unsigned long long)ss[i].rx, (unsigned long long)ss[i].tx, (unsigned long long)ss[i].drops,
                           (unsigned long long)ss[i].restarts, ss[i].ok ? "" : " unavailable=1");
        else
            ctl_buf_printf(out, "%-32s %-7s %9u %8u %9u %10llu %10llu %8llu %8llu%s\n", full, ctl_proto_name(s->proto),
                           ss[i].instances, ss[i].clients, ss[i].conns, (unsigned long long)ss[i].rx, (unsigned long long)ss[i].tx,
                           (unsigned long long)ss[i].drops, (unsigned long long)ss[i].restarts,
                           ss[i].ok ? "" : "  (the nic did not answer)");
    }
    /* The NFs in front of the services: one line each, in chain order. */
    bool header = false;
    for (int i = 0; i < ctl_sys.st.nservices; i++) {
        const struct ctl_service_spec *s = &ctl_sys.st.services[i];
        if ((only[0] && strcmp(only, s->tenant)) || !ss[i].ok)
            continue;
        for (uint32_t k = 0; k < ss[i].nnf; k++) {
            const struct nicctl_nf_stats *n = &ss[i].nf[k];
            char full[40], nfname[NICCTL_NAME];
            snprintf(full, sizeof full, "%s/%s", s->tenant, s->name);
            if ((int)k < s->nnf)
                ctl_nf_name(s, (int)k, nfname);
            else
                snprintf(nfname, sizeof nfname, "nf%u", k + 1);
            const char *spec = (int)k < s->nnf ? s->nf[k].spec : "(boot-time nf=)";
            if (kv) {
                ctl_buf_printf(out, "nf=%s service=%s index=%u spec=\"%s\" in=%llu out=%llu dropped=%llu inbox_full=%llu "
                               "restarts=%llu\n", nfname, full, k + 1, spec, (unsigned long long)n->in,
                               (unsigned long long)n->out, (unsigned long long)n->dropped,
                               (unsigned long long)n->inbox_full, (unsigned long long)n->restarts);
                continue;
            }
            if (!header)
                ctl_buf_printf(out, "\n%-32s %-28s %10s %10s %10s %10s %8s\n", "NF", "CONFIGURATION", "FRAMES IN",
                               "FRAMES OUT", "DROPPED", "INBOX FULL", "RESTARTS");
            header = true;
            ctl_buf_printf(out, "%-32s %-28.28s %10llu %10llu %10llu %10llu %8llu\n", nfname, spec,
                           (unsigned long long)n->in, (unsigned long long)n->out, (unsigned long long)n->dropped,
                           (unsigned long long)n->inbox_full, (unsigned long long)n->restarts);
        }
    }
    return 0;
}

static int exec_sys(const struct ctl_cmd *cmd, struct ctl_buf *out)
{
    struct eos_mem_info mi;
    eos_mem_info(&mi);
    if (cmd->format == CTL_FMT_KV)
        ctl_buf_printf(out, "frames_free=%llu frames_total=%llu kstack_frames=%llu kheap_frames=%llu system_frames=%llu "
                       "ctl_frames=%llu live_fwps=%llu tenants=%d services=%d ncpus=%ld\n", (unsigned long long)mi.frames_free,
                       (unsigned long long)mi.frames_total, (unsigned long long)mi.kstack_frames,
                       (unsigned long long)mi.kheap_frames, (unsigned long long)mi.system_frames,
                       (unsigned long long)mi.used_frames, (unsigned long long)mi.live_fwps, ctl_sys.st.ntenants, ctl_sys.st.nservices, eos_ncpus());
    else
        ctl_buf_printf(out, "frames free %llu of %llu (%llu MiB free); kernel-stack frames %llu; running programs %llu; "
                       "%d tenants, %d services; %ld CPUs\n", (unsigned long long)mi.frames_free,
                       (unsigned long long)mi.frames_total, (unsigned long long)(mi.frames_free >> 8),
                       (unsigned long long)mi.kstack_frames, (unsigned long long)mi.live_fwps, ctl_sys.st.ntenants,
                       ctl_sys.st.nservices, eos_ncpus());
    return 0;
}

/* ---- deploy ---- */

/* The program's bytes: the attached file (hash filled in) or NULL for a built-in. */
static int program_bytes(const struct ctl_request *req, struct ctl_service_spec *s, const uint8_t **image, uint32_t *len,
                         char *err)
{
    *image = NULL;
    *len = 0;
    if (s->builtin[0])
        return 0;
    const struct ctl_blob *b = ctl_request_blob(req, s->program);
    if (!b) {
        snprintf(err, ERR_MAX, "the file '%s' was not uploaded with the request", s->program);
        return -EINVAL;
    }
    *image = b->data;
    *len = b->len;
    s->program_hash = ctl_hash(b->data, b->len);
    return 0;
}

/* The NF configurations of a service: the attached .click files (hashes
 * filled in); built-ins have none. */
static int nf_bytes(const struct ctl_request *req, struct ctl_service_spec *s, struct ctl_nf_text nf[CTL_MAX_NF],
                    char *err)
{
    memset(nf, 0, CTL_MAX_NF * sizeof nf[0]);
    for (int i = 0; i < s->nnf; i++) {
        if (ctl_nf_is_builtin(s->nf[i].spec))
            continue;
        const struct ctl_blob *b = ctl_request_blob(req, s->nf[i].spec);
        if (!b) {
            snprintf(err, ERR_MAX, "the NF file '%s' was not uploaded with the request", s->nf[i].spec);
            return -EINVAL;
        }
        nf[i] = (struct ctl_nf_text){ b->data, b->len };
        s->nf[i].hash = ctl_hash(b->data, b->len);
        if (!s->nf[i].hash)
            s->nf[i].hash = 1;
    }
    return 0;
}

/* ---- apply ---- */

enum undo_kind { UNDO_TENANT_DELETE, UNDO_TENANT_SET, UNDO_UNDEPLOY, UNDO_DEPLOY, UNDO_SCALE, UNDO_TENANT_CREATE };

struct undo {
    enum undo_kind kind;
    struct ctl_tenant_spec tenant;     /* TENANT_*: the spec to return to (or name) */
    struct ctl_service_spec svc;       /* UNDEPLOY/SCALE: name; DEPLOY: the old service */
    uint8_t *image;                    /* DEPLOY: its program (owned) */
    uint32_t len;
    struct ctl_nf_text nf[CTL_MAX_NF];  /* DEPLOY: its NF configurations (owned) */
};

/* Copies of a deployed service's NF configurations. */
static void dup_nf(int si, struct ctl_nf_text out[CTL_MAX_NF])
{
    for (int i = 0; i < CTL_MAX_NF; i++) {
        const struct ctl_nf_text *t = &ctl_sys.srt[si].nf_text[i];
        out[i] = (struct ctl_nf_text){ NULL, 0 };
        if (!t->text)
            continue;
        uint8_t *p = malloc(t->len ? t->len : 1);
        if (p) {
            memcpy(p, t->text, t->len);
            out[i] = (struct ctl_nf_text){ p, t->len };
        }
    }
}

static void free_undo(struct undo *u)
{
    free(u->image);
    u->image = NULL;
    for (int i = 0; i < CTL_MAX_NF; i++) {
        free((void *)u->nf[i].text);
        u->nf[i].text = NULL;
    }
}

static uint8_t *dup_image(int si, uint32_t *len)
{
    *len = ctl_sys.srt[si].image_len;
    if (!ctl_sys.srt[si].image)
        return NULL;
    uint8_t *p = malloc(*len);
    if (p)
        memcpy(p, ctl_sys.srt[si].image, *len);
    return p;
}

static int run_undo(struct undo *u, char *err)
{
    int r = 0, i;
    switch (u->kind) {
    case UNDO_TENANT_DELETE:
        if ((i = ctl_find_tenant(u->tenant.name)) >= 0)
            r = ctl_op_tenant_delete(i, err, ERR_MAX);
        break;
    case UNDO_TENANT_SET:
        if ((i = ctl_find_tenant(u->tenant.name)) >= 0)
            r = ctl_op_tenant_set(i, &u->tenant, err, ERR_MAX);
        break;
    case UNDO_TENANT_CREATE:
        r = ctl_op_tenant_create(&u->tenant, err, ERR_MAX);
        break;
    case UNDO_UNDEPLOY:
        if ((i = ctl_find_service(u->svc.tenant, u->svc.name)) >= 0)
            r = ctl_op_undeploy(i, err, ERR_MAX);
        break;
    case UNDO_DEPLOY:
        r = ctl_op_deploy(&u->svc, u->image, u->len, u->nf, err, ERR_MAX);
        break;
    case UNDO_SCALE:
        if ((i = ctl_find_service(u->svc.tenant, u->svc.name)) >= 0)
            r = ctl_op_scale(i, u->svc.count, err, ERR_MAX);
        break;
    }
    return r;
}

/* The manifest declares the service (an UNDEPLOY of it is a move: it is deployed again later in the plan). */
static bool in_manifest(const struct ctl_manifest *m, const struct ctl_service_spec *s)
{
    for (int j = 0; j < m->nservices; j++)
        if (!strcmp(m->services[j].tenant, s->tenant) && !strcmp(m->services[j].name, s->name))
            return true;
    return false;
}

static int exec_apply(const struct ctl_cmd *cmd, const struct ctl_request *req, struct ctl_buf *out, char *err)
{
    const struct ctl_blob *mb = ctl_request_blob(req, cmd->manifest);
    if (!mb) {
        snprintf(err, ERR_MAX, "the manifest '%s' was not uploaded with the request", cmd->manifest);
        return -EINVAL;
    }
    static struct ctl_manifest m;
    int r = ctl_manifest_parse((const char *)mb->data, mb->len, &m, err, ERR_MAX);
    if (r < 0)
        return r;
    /* Every program and NF configuration is known and valid before anything changes. */
    for (int i = 0; i < m.nservices; i++) {
        const uint8_t *image;
        uint32_t len;
        struct ctl_nf_text nft[CTL_MAX_NF];
        if ((r = program_bytes(req, &m.services[i], &image, &len, err)) < 0 ||
            (r = ctl_op_check_program(&m.services[i], image, len, err, ERR_MAX)) < 0 ||
            (r = nf_bytes(req, &m.services[i], nft, err)) < 0 || (r = ctl_nf_check(&m.services[i], nft, err, ERR_MAX)) < 0) {
            char why[ERR_MAX];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, ERR_MAX, "service %s/%s: %.400s", m.services[i].tenant, m.services[i].name, why);
            return r;
        }
    }
    static struct ctl_plan plan;
    if ((r = ctl_plan_make(&ctl_sys.st, &m, cmd->prune, &plan, err, ERR_MAX)) < 0)
        return r;
    if (plan.n == 0) {
        ctl_buf_printf(out, "nothing to change: the system matches the manifest\n");
        return 0;
    }
    /* The plan's "have" indices name objects before any change: keep names. */
    static struct ctl_tenant_spec have_t[2 * (CTL_MAX_TENANTS + CTL_MAX_SERVICES)];
    static struct ctl_service_spec have_s[2 * (CTL_MAX_TENANTS + CTL_MAX_SERVICES)];
    for (int k = 0; k < plan.n; k++) {
        const struct ctl_action *a = &plan.a[k];
        bool tenant = a->kind == CTL_ACT_TENANT_CREATE || a->kind == CTL_ACT_TENANT_SET || a->kind == CTL_ACT_TENANT_DELETE;
        if (a->have >= 0) {
            if (tenant)
                have_t[k] = ctl_sys.st.tenants[a->have];
            else
                have_s[k] = ctl_sys.st.services[a->have];
        }
    }
    static struct undo undo[2 * (CTL_MAX_TENANTS + CTL_MAX_SERVICES)];
    int nundo = 0;
    static struct ctl_buf done;
    static char done_text[16384];
    done = (struct ctl_buf){ done_text, 0, sizeof done_text, false };
    done_text[0] = 0;
    int k;
    for (k = 0; k < plan.n; k++) {
        const struct ctl_action *a = &plan.a[k];
        struct undo *u = &undo[nundo];
        memset(u, 0, sizeof *u);
        const struct ctl_tenant_spec *wt = a->want >= 0 ? &m.tenants[a->want] : NULL;
        struct ctl_service_spec *ws = a->want >= 0 ? &m.services[a->want] : NULL;
        const uint8_t *image = NULL;
        uint32_t len = 0;
        struct ctl_nf_text nft[CTL_MAX_NF];
        int i;
        r = 0;
        switch (a->kind) {
        case CTL_ACT_TENANT_CREATE:
            if ((r = ctl_op_tenant_create(wt, err, ERR_MAX)) == 0) {
                *u = (struct undo){ .kind = UNDO_TENANT_DELETE, .tenant = *wt };
                ctl_buf_printf(&done, "tenant %s: created (memory %s, CPU %u%%)\n", wt->name,
                               ctl_size_str(wt->mem, (char[16]){ 0 }), wt->cpu_pct);
            }
            break;
        case CTL_ACT_TENANT_SET:
            if ((i = ctl_find_tenant(have_t[k].name)) < 0 || (r = ctl_op_tenant_set(i, wt, err, ERR_MAX)) < 0) {
                r = r ? r : -ENOENT;
                break;
            }
            *u = (struct undo){ .kind = UNDO_TENANT_SET, .tenant = have_t[k] };
            ctl_buf_printf(&done, "tenant %s: limits changed (memory %s, CPU %u%%)\n", wt->name,
                           ctl_size_str(wt->mem, (char[16]){ 0 }), wt->cpu_pct);
            break;
        case CTL_ACT_DEPLOY:
            if ((r = program_bytes(req, ws, &image, &len, err)) == 0 && (r = nf_bytes(req, ws, nft, err)) == 0 &&
                (r = ctl_op_deploy(ws, image, len, nft, err, ERR_MAX)) == 0) {
                *u = (struct undo){ .kind = UNDO_UNDEPLOY, .svc = *ws };
                ctl_buf_printf(&done, "service %s/%s: deployed (%s:%u)\n", ws->tenant, ws->name, ctl_mode_name(ws->mode),
                               ws->count);
            }
            break;
        case CTL_ACT_REPLACE: {
            if ((i = ctl_find_service(have_s[k].tenant, have_s[k].name)) < 0) {
                r = -ENOENT;
                snprintf(err, ERR_MAX, "service %.15s/%.15s vanished", have_s[k].tenant, have_s[k].name);
                break;
            }
            uint32_t olen;
            uint8_t *old = dup_image(i, &olen);
            struct ctl_nf_text oldnf[CTL_MAX_NF];
            dup_nf(i, oldnf);
            struct undo back = { .kind = UNDO_DEPLOY, .svc = have_s[k], .image = old, .len = olen };
            memcpy(back.nf, oldnf, sizeof oldnf);
            if ((r = program_bytes(req, ws, &image, &len, err)) < 0 || (r = nf_bytes(req, ws, nft, err)) < 0 ||
                (r = ctl_op_undeploy(i, err, ERR_MAX)) < 0) {
                free_undo(&back);
                break;
            }
            if ((r = ctl_op_deploy(ws, image, len, nft, err, ERR_MAX)) < 0) {
                char why[ERR_MAX];
                ctl_op_deploy(&have_s[k], old, olen, back.nf, why, sizeof why);   /* put the old one back */
                free_undo(&back);
                break;
            }
            /* Undo: the new one goes (UNDEPLOY below), then the old one returns. */
            *u = back;
            nundo++;
            u = &undo[nundo];
            *u = (struct undo){ .kind = UNDO_UNDEPLOY, .svc = *ws };
            ctl_buf_printf(&done, "service %s/%s: replaced\n", ws->tenant, ws->name);
            break;
        }
        case CTL_ACT_SCALE:
            if ((i = ctl_find_service(have_s[k].tenant, have_s[k].name)) < 0 ||
                (r = ctl_op_scale(i, ws->count, err, ERR_MAX)) < 0) {
                r = r ? r : -ENOENT;
                break;
            }
            *u = (struct undo){ .kind = UNDO_SCALE, .svc = have_s[k] };
            ctl_buf_printf(&done, "service %s/%s: scaled %u -> %u\n", ws->tenant, ws->name, have_s[k].count, ws->count);
            break;
        case CTL_ACT_UNDEPLOY: {
            if ((i = ctl_find_service(have_s[k].tenant, have_s[k].name)) < 0)
                break;                          /* gone already (its tenant's deletion) */
            uint32_t olen;
            uint8_t *old = dup_image(i, &olen);
            struct undo back = { .kind = UNDO_DEPLOY, .svc = have_s[k], .image = old, .len = olen };
            dup_nf(i, back.nf);
            if ((r = ctl_op_undeploy(i, err, ERR_MAX)) < 0) {
                free_undo(&back);
                break;
            }
            *u = back;
            ctl_buf_printf(&done, "service %s/%s: undeployed (%s)\n", have_s[k].tenant, have_s[k].name,
                           in_manifest(&m, &have_s[k]) ? "to be deployed again on other ports or protocols"
                                                       : "not in the manifest");
            break;
        }
        case CTL_ACT_TENANT_DELETE:
            if ((i = ctl_find_tenant(have_t[k].name)) < 0 || (r = ctl_op_tenant_delete(i, err, ERR_MAX)) < 0) {
                r = r ? r : -ENOENT;
                break;
            }
            *u = (struct undo){ .kind = UNDO_TENANT_CREATE, .tenant = have_t[k] };
            ctl_buf_printf(&done, "tenant %s: deleted (not in the manifest)\n", have_t[k].name);
            break;
        }
        if (r < 0)
            break;
        nundo++;
    }
    if (r == 0) {
        ctl_buf_printf(out, "%s", done_text);
        for (int j = 0; j < nundo; j++)
            free_undo(&undo[j]);
        return 0;
    }
    /* Undo what this apply did, newest first. */
    char why[ERR_MAX];
    snprintf(why, sizeof why, "%s", err);
    int undone = 0, failed = 0;
    for (int j = nundo - 1; j >= 0; j--) {
        char uerr[ERR_MAX];
        if (run_undo(&undo[j], uerr) < 0) {
            failed++;
            ctl_buf_printf(out, "could not undo a step: %s\n", uerr);
        } else {
            undone++;
        }
        free_undo(&undo[j]);
    }
    snprintf(err, ERR_MAX, "apply failed at step %d of %d: %.380s; %d earlier step%s undone%s", k + 1, plan.n, why, undone,
             undone == 1 ? "" : "s", failed ? " (some could not be: see above)" : "");
    return r;
}

int ctl_exec(const uint8_t *body, size_t len, struct ctl_buf *out)
{
    static struct ctl_request req;
    static struct ctl_cmd cmd;
    char err[ERR_MAX] = "";
    int r = ctl_request_decode(body, len, &req, err, sizeof err);
    if (r == 0)
        r = ctl_cmd_parse(req.argc, req.argv, &cmd, err, sizeof err);
    if (r < 0) {
        ctl_buf_printf(out, "%s\n", err);
        return -r;
    }
    int i;
    const uint8_t *image;
    uint32_t ilen;
    char a[16];
    switch (cmd.op) {
    case CTL_OP_PING:
        ctl_buf_printf(out, "pong\n");
        return 0;
    case CTL_OP_SYS:
        return exec_sys(&cmd, out);
    case CTL_OP_LS:
        r = exec_ls(&cmd, out, err);
        break;
    case CTL_OP_STATS:
        r = exec_stats(&cmd, out, err);
        break;
    case CTL_OP_TENANT_CREATE:
        if ((r = ctl_op_tenant_create(&cmd.tenant, err, sizeof err)) == 0)
            ctl_buf_printf(out, "tenant %s created: memory %s, CPU %u%%\n", cmd.tenant.name,
                           ctl_size_str(cmd.tenant.mem, a), cmd.tenant.cpu_pct);
        break;
    case CTL_OP_TENANT_SET: {
        if ((i = ctl_find_tenant(cmd.tenant.name)) < 0) {
            snprintf(err, sizeof err, "no tenant '%s'", cmd.tenant.name);
            r = -ENOENT;
            break;
        }
        struct ctl_tenant_spec t = ctl_sys.st.tenants[i];
        if (cmd.set_mem)
            t.mem = cmd.tenant.mem;
        if (cmd.set_cpu)
            t.cpu_pct = cmd.tenant.cpu_pct;
        if ((r = ctl_op_tenant_set(i, &t, err, sizeof err)) == 0)
            ctl_buf_printf(out, "tenant %s: memory %s, CPU %u%%\n", t.name, ctl_size_str(t.mem, a), t.cpu_pct);
        break;
    }
    case CTL_OP_TENANT_DELETE:
        if ((i = ctl_find_tenant(cmd.name)) < 0) {
            snprintf(err, sizeof err, "no tenant '%s'", cmd.name);
            r = -ENOENT;
        } else if ((r = ctl_op_tenant_delete(i, err, sizeof err)) == 0) {
            ctl_buf_printf(out, "tenant %s deleted\n", cmd.name);
        }
        break;
    case CTL_OP_DEPLOY: {
        struct ctl_nf_text nft[CTL_MAX_NF];
        if ((r = program_bytes(&req, &cmd.service, &image, &ilen, err)) == 0 &&
            (r = nf_bytes(&req, &cmd.service, nft, err)) == 0 &&
            (r = ctl_op_deploy(&cmd.service, image, ilen, nft, err, sizeof err)) == 0) {
            char ports[16];
            ctl_buf_printf(out, "service %s/%s deployed: %u instance%s, %s/%s, %s", cmd.service.tenant,
                           cmd.service.name, cmd.service.count, cmd.service.count == 1 ? "" : "s",
                           ctl_proto_name(cmd.service.proto), ctl_ports_str(&cmd.service, ports),
                           ctl_mode_name(cmd.service.mode));
            if (cmd.service.nnf)
                ctl_buf_printf(out, ", behind %d NF%s", cmd.service.nnf, cmd.service.nnf == 1 ? "" : "s");
            ctl_buf_printf(out, "\n");
        }
        break;
    }
    case CTL_OP_SCALE:
        if ((i = ctl_find_service(cmd.service.tenant, cmd.service.name)) < 0) {
            snprintf(err, sizeof err, "no service %s/%s", cmd.service.tenant, cmd.service.name);
            r = -ENOENT;
        } else if ((r = ctl_op_scale(i, cmd.service.count, err, sizeof err)) == 0) {
            ctl_buf_printf(out, "service %s/%s: %u instance%s\n", cmd.service.tenant, cmd.service.name,
                           cmd.service.count, cmd.service.count == 1 ? "" : "s");
        }
        break;
    case CTL_OP_UNDEPLOY:
        if ((i = ctl_find_service(cmd.service.tenant, cmd.service.name)) < 0) {
            snprintf(err, sizeof err, "no service %s/%s", cmd.service.tenant, cmd.service.name);
            r = -ENOENT;
        } else if ((r = ctl_op_undeploy(i, err, sizeof err)) == 0) {
            ctl_buf_printf(out, "service %s/%s undeployed\n", cmd.service.tenant, cmd.service.name);
        }
        break;
    case CTL_OP_APPLY:
        r = exec_apply(&cmd, &req, out, err);
        break;
    }
    if (r < 0) {
        ctl_buf_printf(out, "%s\n", err);
        return -r;
    }
    return 0;
}
