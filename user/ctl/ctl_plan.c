/* The planner of `apply`: the actions that make the system's state match a
 * manifest, in an order in which each one can run, or a refusal that plans
 * nothing.
 *
 * What stays: a tenant the manifest declares or names in a service line
 * (TENANT/NAME) is kept, even when only a service names it; a service the
 * manifest declares is kept (in its manifest form). Without --prune
 * everything else of the state stays as it is; with --prune it goes.
 *
 * The order (ctl_model.h), made precise:
 *  1. tenant creations, and limit changes that do not lower the memory
 *     quota (manifest order);
 *  2. undeploys that free ports for the services coming: each service that
 *     is replaced by one on other ports or protocols (its port range or
 *     its protocol set differs) is undeployed here and deployed again in
 *     step 4, so a REPLACE always keeps exactly the ports and protocols it
 *     had (a service whose protocols change would otherwise take, in step
 *     3, a port of a protocol that a service not yet moved still holds:
 *     two services swapping udp and tcp on one port); with --prune, each
 *     service about to be pruned whose ports a service of the manifest
 *     will use for one of the same protocols;
 *  3. scales that lower the count (they free ports and memory), then the
 *     replacements (same ports, same protocols);
 *  4. deploys and scales that raise the count (manifest order);
 *  5. with --prune, the undeploys of the other services the manifest does
 *     not name (state order);
 *  6. limit changes that lower a memory quota (manifest order): a quota
 *     cannot go below what is in use, so these wait until the services
 *     of steps 2..5 have given memory back;
 *  7. with --prune, the deletions of the tenants nobody names (state
 *     order). Deleting a tenant also undeploys its services: all of them
 *     are unnamed (a named service would keep its tenant), so step 5 has
 *     listed an UNDEPLOY for each before the TENANT_DELETE; an undo that
 *     replays the plan backwards redeploys them after recreating the
 *     tenant.
 * No two services ever hold the same port for the same protocol between
 * two steps (ctl_service_ports_overlap: a REPLACE keeps its ports and
 * protocols; a SCALE changes its own range only).
 *
 * The checks (before anything is planned) hold for the state after the
 * plan: ports, the quota estimate ((count + 1) x mem_per_instance per
 * service, and 2 x CTL_NF_MEM per NF) and the capacity limits. The estimate is checked for the
 * tenants the manifest declares or gives services to; tenants it does not
 * touch are not re-judged. A step that needs more than the final state
 * (e.g. a DEPLOY running before a prune frees memory) is not predicted:
 * the system refuses it when it runs and the apply is undone.
 *
 * Names in the state are compared and printed within their arrays, so a
 * state whose names lack a NUL is not read past. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "ctl_model.h"

int ctl_model_fail(char *err, size_t errlen, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define NAME_FMT "%.15s"              /* CTL_NAME_MAX */

struct planning {
    const struct ctl_state *have;
    const struct ctl_manifest *want;
    bool prune;
    struct ctl_plan *out;
    int match[CTL_MAX_SERVICES];      /* manifest service -> state service of the same TENANT/NAME, or -1 */
    bool moves[CTL_MAX_SERVICES];     /* manifest service replaces its state service on other ports or protocols */
    bool named[CTL_MAX_SERVICES];     /* state service the manifest declares */
    bool early[CTL_MAX_SERVICES];     /* state service undeployed in step 2 */
    char *err;
    size_t errlen;
};

static bool same_name(const char *a, const char *b)
{
    return strncmp(a, b, CTL_NAME_MAX + 1) == 0;
}

static int find_tenant(const struct ctl_tenant_spec *t, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (same_name(t[i].name, name))
            return i;
    return -1;
}

/* The manifest declares the tenant or names it in a service line. */
static bool tenant_named(const struct ctl_manifest *w, const char *name)
{
    if (find_tenant(w->tenants, w->ntenants, name) >= 0)
        return true;
    for (int j = 0; j < w->nservices; j++)
        if (same_name(w->services[j].tenant, name))
            return true;
    return false;
}

/* The state's service i is still there, unchanged, after the plan. */
static bool stays(const struct planning *p, int i)
{
    return !p->named[i] && !p->prune;
}

/* The same port range for the same protocols: a REPLACE holds what the old service held. */
static bool same_ports(const struct ctl_service_spec *a, const struct ctl_service_spec *b)
{
    uint32_t af, ae, bf, be;
    ctl_service_ports(a, &af, &ae);
    ctl_service_ports(b, &bf, &be);
    return af == bf && ae == be && a->proto == b->proto;
}

/* "udp port 7", "tcp,udp ports 100-102". */
static void ports_text(const struct ctl_service_spec *s, char out[48])
{
    uint32_t first, end;
    ctl_service_ports(s, &first, &end);
    if (end - first <= 1)
        snprintf(out, 48, "%s port %u", ctl_proto_name(s->proto), (unsigned)first);
    else
        snprintf(out, 48, "%s ports %u-%u", ctl_proto_name(s->proto), (unsigned)first, (unsigned)(end - 1));
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

/* The quota estimate of one service: the template and its count forks,
 * and for each NF its template and its fork (CTL_NF_MEM each). */
static uint64_t estimate(const struct ctl_service_spec *s)
{
    uint64_t n = (uint64_t)s->count + 1, m = s->mem_per_instance;
    uint64_t nf = (uint64_t)(s->nnf > 0 ? s->nnf : 0) * 2 * CTL_NF_MEM;
    return m && n > UINT64_MAX / m ? UINT64_MAX : add_sat(n * m, nf);
}

static int act(struct planning *p, enum ctl_action_kind kind, int have, int want)
{
    struct ctl_plan *o = p->out;
    if (o->n >= (int)(sizeof o->a / sizeof o->a[0]))
        return ctl_model_fail(p->err, p->errlen, -EINVAL, "the plan has more than %zu steps",
                              sizeof o->a / sizeof o->a[0]);
    o->a[o->n++] = (struct ctl_action){ .kind = kind, .have = have, .want = want };
    return 0;
}

/* ---- checks ---- */

static int check_tenants_exist(struct planning *p)
{
    const struct ctl_manifest *w = p->want;
    for (int j = 0; j < w->nservices; j++) {
        const struct ctl_service_spec *s = &w->services[j];
        if (find_tenant(w->tenants, w->ntenants, s->tenant) < 0 &&
            find_tenant(p->have->tenants, p->have->ntenants, s->tenant) < 0)
            return ctl_model_fail(p->err, p->errlen, -EINVAL,
                                  "service " NAME_FMT "/" NAME_FMT ": tenant '" NAME_FMT "' does not exist", s->tenant,
                                  s->name, s->tenant);
    }
    return 0;
}

static int check_capacity(struct planning *p)
{
    const struct ctl_state *h = p->have;
    const struct ctl_manifest *w = p->want;
    int tenants = 0, services = w->nservices;
    for (int j = 0; j < w->ntenants; j++)
        if (find_tenant(h->tenants, h->ntenants, w->tenants[j].name) < 0)
            tenants++;
    for (int i = 0; i < h->ntenants; i++)
        if (!p->prune || tenant_named(w, h->tenants[i].name))
            tenants++;
    for (int i = 0; i < h->nservices; i++)
        if (stays(p, i))
            services++;
    if (tenants > CTL_MAX_TENANTS)
        return ctl_model_fail(p->err, p->errlen, -EINVAL, "the system would hold %d tenants (at most %d)", tenants,
                              CTL_MAX_TENANTS);
    if (services > CTL_MAX_SERVICES)
        return ctl_model_fail(p->err, p->errlen, -EINVAL, "the system would hold %d services (at most %d)", services,
                              CTL_MAX_SERVICES);
    return 0;
}

static int check_ports(struct planning *p)
{
    const struct ctl_state *h = p->have;
    const struct ctl_manifest *w = p->want;
    char a[48], b[48];
    for (int j = 0; j < w->nservices; j++) {
        const struct ctl_service_spec *s = &w->services[j];
        for (int k = 0; k < j; k++) {
            const struct ctl_service_spec *o = &w->services[k];
            if (ctl_service_ports_overlap(s, o)) {
                ports_text(s, a);
                ports_text(o, b);
                return ctl_model_fail(p->err, p->errlen, -EINVAL,
                                      "service " NAME_FMT "/" NAME_FMT " (%s) overlaps " NAME_FMT "/" NAME_FMT " (%s)",
                                      s->tenant, s->name, a, o->tenant, o->name, b);
            }
        }
        for (int i = 0; i < h->nservices; i++) {
            const struct ctl_service_spec *o = &h->services[i];
            if (stays(p, i) && ctl_service_ports_overlap(s, o)) {
                ports_text(s, a);
                ports_text(o, b);
                return ctl_model_fail(p->err, p->errlen, -EINVAL,
                                      "service " NAME_FMT "/" NAME_FMT " (%s) overlaps " NAME_FMT "/" NAME_FMT
                                      " (%s), which stays",
                                      s->tenant, s->name, a, o->tenant, o->name, b);
            }
        }
    }
    return 0;
}

/* The estimate of tenant `name`'s services after the plan against its quota after the plan. */
static int check_quota_of(struct planning *p, const char *name)
{
    const struct ctl_state *h = p->have;
    const struct ctl_manifest *w = p->want;
    int wt = find_tenant(w->tenants, w->ntenants, name), ht = find_tenant(h->tenants, h->ntenants, name);
    uint64_t quota = wt >= 0 ? w->tenants[wt].mem : ht >= 0 ? h->tenants[ht].mem : 0, need = 0;
    for (int j = 0; j < w->nservices; j++)
        if (same_name(w->services[j].tenant, name))
            need = add_sat(need, estimate(&w->services[j]));
    for (int i = 0; i < h->nservices; i++)
        if (stays(p, i) && same_name(h->services[i].tenant, name))
            need = add_sat(need, estimate(&h->services[i]));
    if (need <= quota)
        return 0;
    char n[16], q[16];
    return ctl_model_fail(p->err, p->errlen, -EINVAL,
                          "tenant '" NAME_FMT "': its services need %s ((count + 1) x mem-per-instance each, 8M per NF), "
                          "more than its quota of %s",
                          name, ctl_size_str(need, n), ctl_size_str(quota, q));
}

static int check_quotas(struct planning *p)
{
    const struct ctl_manifest *w = p->want;
    int rc;
    for (int j = 0; j < w->ntenants; j++)
        if ((rc = check_quota_of(p, w->tenants[j].name)) < 0)
            return rc;
    for (int j = 0; j < w->nservices; j++) {
        const char *t = w->services[j].tenant;
        bool first = true;
        for (int k = 0; k < j && first; k++)
            first = !same_name(w->services[k].tenant, t);
        if (first && find_tenant(w->tenants, w->ntenants, t) < 0 && (rc = check_quota_of(p, t)) < 0)
            return rc;
    }
    return 0;
}

/* ---- the steps ---- */

static void match_services(struct planning *p)
{
    const struct ctl_state *h = p->have;
    const struct ctl_manifest *w = p->want;
    for (int j = 0; j < w->nservices; j++) {
        p->match[j] = -1;
        for (int i = 0; i < h->nservices && p->match[j] < 0; i++)
            if (same_name(h->services[i].tenant, w->services[j].tenant) &&
                same_name(h->services[i].name, w->services[j].name)) {
                p->match[j] = i;
                p->named[i] = true;
                p->moves[j] = !ctl_service_same_shape(&h->services[i], &w->services[j]) &&
                              !same_ports(&h->services[i], &w->services[j]);
            }
    }
}

static int plan_tenants(struct planning *p, bool lowering)
{
    const struct ctl_state *h = p->have;
    const struct ctl_manifest *w = p->want;
    int rc = 0;
    for (int j = 0; j < w->ntenants && rc == 0; j++) {
        const struct ctl_tenant_spec *t = &w->tenants[j];
        int i = find_tenant(h->tenants, h->ntenants, t->name);
        if (i < 0) {
            if (!lowering)
                rc = act(p, CTL_ACT_TENANT_CREATE, -1, j);
        } else if (t->mem != h->tenants[i].mem || t->cpu_pct != h->tenants[i].cpu_pct) {
            if (lowering == (t->mem < h->tenants[i].mem))
                rc = act(p, CTL_ACT_TENANT_SET, i, j);
        }
    }
    return rc;
}

/* Step 2. */
static int plan_early_undeploys(struct planning *p)
{
    const struct ctl_state *h = p->have;
    const struct ctl_manifest *w = p->want;
    int rc = 0;
    for (int j = 0; j < w->nservices && rc == 0; j++)
        if (p->moves[j])
            rc = act(p, CTL_ACT_UNDEPLOY, p->match[j], -1);
    for (int i = 0; i < h->nservices && p->prune && rc == 0; i++) {
        if (p->named[i])
            continue;
        for (int j = 0; j < w->nservices && !p->early[i]; j++)
            p->early[i] = ctl_service_ports_overlap(&h->services[i], &w->services[j]);
        if (p->early[i])
            rc = act(p, CTL_ACT_UNDEPLOY, i, -1);
    }
    return rc;
}

/* Steps 3 and 4. */
static int plan_services(struct planning *p)
{
    const struct ctl_state *h = p->have;
    const struct ctl_manifest *w = p->want;
    int rc = 0;
    for (int j = 0; j < w->nservices && rc == 0; j++) {
        int i = p->match[j];
        if (i >= 0 && ctl_service_same_shape(&h->services[i], &w->services[j]) &&
            w->services[j].count < h->services[i].count)
            rc = act(p, CTL_ACT_SCALE, i, j);
    }
    for (int j = 0; j < w->nservices && rc == 0; j++) {
        int i = p->match[j];
        if (i >= 0 && !p->moves[j] && !ctl_service_same_shape(&h->services[i], &w->services[j]))
            rc = act(p, CTL_ACT_REPLACE, i, j);
    }
    for (int j = 0; j < w->nservices && rc == 0; j++) {
        int i = p->match[j];
        if (i < 0 || p->moves[j])
            rc = act(p, CTL_ACT_DEPLOY, -1, j);
        else if (ctl_service_same_shape(&h->services[i], &w->services[j]) &&
                 w->services[j].count > h->services[i].count)
            rc = act(p, CTL_ACT_SCALE, i, j);
    }
    return rc;
}

/* Steps 5..7. */
static int plan_removals(struct planning *p)
{
    const struct ctl_state *h = p->have;
    int rc = 0;
    for (int i = 0; i < h->nservices && p->prune && rc == 0; i++)
        if (!p->named[i] && !p->early[i])
            rc = act(p, CTL_ACT_UNDEPLOY, i, -1);
    if (rc == 0)
        rc = plan_tenants(p, true);
    for (int i = 0; i < h->ntenants && p->prune && rc == 0; i++)
        if (!tenant_named(p->want, h->tenants[i].name))
            rc = act(p, CTL_ACT_TENANT_DELETE, i, -1);
    return rc;
}

static int plan(struct planning *p)
{
    const struct ctl_state *h = p->have;
    const struct ctl_manifest *w = p->want;
    if (h->ntenants < 0 || h->ntenants > CTL_MAX_TENANTS || h->nservices < 0 || h->nservices > CTL_MAX_SERVICES)
        return ctl_model_fail(p->err, p->errlen, -EINVAL, "the state holds %d tenants and %d services (at most %d, %d)",
                              h->ntenants, h->nservices, CTL_MAX_TENANTS, CTL_MAX_SERVICES);
    if (w->ntenants < 0 || w->ntenants > CTL_MAX_TENANTS || w->nservices < 0 || w->nservices > CTL_MAX_SERVICES)
        return ctl_model_fail(p->err, p->errlen, -EINVAL,
                              "the manifest holds %d tenants and %d services (at most %d, %d)", w->ntenants,
                              w->nservices, CTL_MAX_TENANTS, CTL_MAX_SERVICES);
    match_services(p);
    int rc;
    if ((rc = check_tenants_exist(p)) < 0 || (rc = check_capacity(p)) < 0 || (rc = check_ports(p)) < 0 ||
        (rc = check_quotas(p)) < 0)
        return rc;
    if ((rc = plan_tenants(p, false)) < 0 || (rc = plan_early_undeploys(p)) < 0 || (rc = plan_services(p)) < 0 ||
        (rc = plan_removals(p)) < 0)
        return rc;
    return 0;
}

int ctl_plan_make(const struct ctl_state *have, const struct ctl_manifest *want, bool prune, struct ctl_plan *out,
                  char *err, size_t errlen)
{
    if (!out)
        return ctl_model_fail(err, errlen, -EINVAL, "no plan to fill");
    out->n = 0;
    if (!have || !want)
        return ctl_model_fail(err, errlen, -EINVAL, "no state or no manifest to plan from");
    struct planning p = { .have = have, .want = want, .prune = prune, .out = out, .err = err, .errlen = errlen };
    int rc = plan(&p);
    if (rc < 0)
        out->n = 0;
    return rc;
}
