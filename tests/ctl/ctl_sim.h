/* A model of the ctl FWP running a plan (used by test_ctl.c and
 * fuzz_ctl_manifest.c): applies the actions of ctl_plan_make to a copy of
 * the state one by one and checks, at every step, what the running system
 * would refuse:
 *  - indices name entries that exist (and are still there);
 *  - a deploy's tenant exists and its TENANT/NAME is not taken;
 *  - no two services hold the same port for the same protocol (a udp and
 *    a tcp service may share a port; a REPLACE keeps its ports and its
 *    protocols, a SCALE changes its own range only, and only its count);
 *  - a memory quota is never set below the tenant's estimated use
 *    ((count + 1) x mem_per_instance per service);
 *  - a tenant is deleted only once its services are undeployed.
 * The state after the plan is written to *after. */
#ifndef CTL_SIM_H
#define CTL_SIM_H
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ctl_model.h"

struct ctl_sim {
    int nt, ns;
    struct ctl_tenant_spec t[2 * CTL_MAX_TENANTS];
    bool tlive[2 * CTL_MAX_TENANTS];
    struct ctl_service_spec s[2 * CTL_MAX_SERVICES];
    bool slive[2 * CTL_MAX_SERVICES];
};

static int ctl_sim_fail(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int ctl_sim_fail(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

static uint64_t ctl_sim_use(const struct ctl_sim *m, const char *tenant)
{
    uint64_t use = 0;
    for (int i = 0; i < m->ns; i++)
        if (m->slive[i] && strcmp(m->s[i].tenant, tenant) == 0)
            use += ((uint64_t)m->s[i].count + 1) * m->s[i].mem_per_instance;
    return use;
}

/* The live service (other than `self`) that answers one of s's protocols
 * on one of its ports, or -1. Written out here rather than taken from
 * ctl_service_ports_overlap, so that the model checks the planner with a
 * rule of its own. */
static int ctl_sim_clash(const struct ctl_sim *m, const struct ctl_service_spec *s, int self)
{
    uint32_t f, e, of, oe;
    ctl_service_ports(s, &f, &e);
    for (int i = 0; i < m->ns; i++) {
        if (!m->slive[i] || i == self)
            continue;
        ctl_service_ports(&m->s[i], &of, &oe);
        bool common = ((s->proto & NICCTL_PROTO_UDP) && (m->s[i].proto & NICCTL_PROTO_UDP)) ||
                      ((s->proto & NICCTL_PROTO_TCP) && (m->s[i].proto & NICCTL_PROTO_TCP));
        if (common && f < oe && of < e)
            return i;
    }
    return -1;
}

static int ctl_sim_find_tenant(const struct ctl_sim *m, const char *name)
{
    for (int i = 0; i < m->nt; i++)
        if (m->tlive[i] && strcmp(m->t[i].name, name) == 0)
            return i;
    return -1;
}

static int ctl_sim_find_service(const struct ctl_sim *m, const char *tenant, const char *name)
{
    for (int i = 0; i < m->ns; i++)
        if (m->slive[i] && strcmp(m->s[i].tenant, tenant) == 0 && strcmp(m->s[i].name, name) == 0)
            return i;
    return -1;
}

static int ctl_sim_step(struct ctl_sim *m, const struct ctl_state *h, const struct ctl_manifest *w,
                        const struct ctl_action *a, char *why, size_t len)
{
    bool have_t = a->have >= 0 && a->have < h->ntenants, have_s = a->have >= 0 && a->have < h->nservices;
    bool want_t = a->want >= 0 && a->want < w->ntenants, want_s = a->want >= 0 && a->want < w->nservices;
    int c;
    switch (a->kind) {
    case CTL_ACT_TENANT_CREATE:
        if (!want_t || a->have != -1)
            return ctl_sim_fail(why, len, "create: bad indices %d %d", a->have, a->want);
        if (ctl_sim_find_tenant(m, w->tenants[a->want].name) >= 0)
            return ctl_sim_fail(why, len, "create: tenant %s exists", w->tenants[a->want].name);
        m->t[m->nt] = w->tenants[a->want];
        m->tlive[m->nt++] = true;
        return 0;
    case CTL_ACT_TENANT_SET:
        if (!have_t || !want_t || !m->tlive[a->have] || strcmp(m->t[a->have].name, w->tenants[a->want].name) != 0)
            return ctl_sim_fail(why, len, "set: bad indices %d %d", a->have, a->want);
        if (w->tenants[a->want].mem < ctl_sim_use(m, m->t[a->have].name))
            return ctl_sim_fail(why, len, "set: quota of %s below its use", m->t[a->have].name);
        m->t[a->have] = w->tenants[a->want];
        return 0;
    case CTL_ACT_DEPLOY:
        if (!want_s || a->have != -1)
            return ctl_sim_fail(why, len, "deploy: bad indices %d %d", a->have, a->want);
        if (ctl_sim_find_tenant(m, w->services[a->want].tenant) < 0)
            return ctl_sim_fail(why, len, "deploy: no tenant %s", w->services[a->want].tenant);
        if (ctl_sim_find_service(m, w->services[a->want].tenant, w->services[a->want].name) >= 0)
            return ctl_sim_fail(why, len, "deploy: %s/%s exists", w->services[a->want].tenant,
                                w->services[a->want].name);
        if ((c = ctl_sim_clash(m, &w->services[a->want], -1)) >= 0)
            return ctl_sim_fail(why, len, "deploy %s/%s: ports held by %s/%s", w->services[a->want].tenant,
                                w->services[a->want].name, m->s[c].tenant, m->s[c].name);
        m->s[m->ns] = w->services[a->want];
        m->slive[m->ns++] = true;
        return 0;
    case CTL_ACT_REPLACE:
    case CTL_ACT_SCALE: {
        if (!have_s || !want_s || !m->slive[a->have])
            return ctl_sim_fail(why, len, "replace/scale: bad indices %d %d", a->have, a->want);
        const struct ctl_service_spec *o = &m->s[a->have], *n = &w->services[a->want];
        if (strcmp(o->tenant, n->tenant) != 0 || strcmp(o->name, n->name) != 0)
            return ctl_sim_fail(why, len, "replace/scale: %s/%s is not %s/%s", o->tenant, o->name, n->tenant,
                                n->name);
        bool same = ctl_service_same_shape(o, n);
        uint32_t of, oe, nf, ne;
        ctl_service_ports(o, &of, &oe);
        ctl_service_ports(n, &nf, &ne);
        if (a->kind == CTL_ACT_REPLACE && (same || of != nf || oe != ne || o->proto != n->proto))
            return ctl_sim_fail(why, len, "replace of %s/%s: same shape or other ports or protocols", n->tenant,
                                n->name);
        if (a->kind == CTL_ACT_SCALE && (!same || o->count == n->count))
            return ctl_sim_fail(why, len, "scale of %s/%s: not a change of count", n->tenant, n->name);
        if ((c = ctl_sim_clash(m, n, a->have)) >= 0)
            return ctl_sim_fail(why, len, "%s/%s: ports held by %s/%s", n->tenant, n->name, m->s[c].tenant,
                                m->s[c].name);
        m->s[a->have] = *n;
        return 0;
    }
    case CTL_ACT_UNDEPLOY:
        if (!have_s || a->want != -1 || !m->slive[a->have])
            return ctl_sim_fail(why, len, "undeploy: bad indices %d %d", a->have, a->want);
        m->slive[a->have] = false;
        return 0;
    case CTL_ACT_TENANT_DELETE:
        if (!have_t || a->want != -1 || !m->tlive[a->have])
            return ctl_sim_fail(why, len, "delete: bad indices %d %d", a->have, a->want);
        for (int i = 0; i < m->ns; i++)
            if (m->slive[i] && strcmp(m->s[i].tenant, m->t[a->have].name) == 0)
                return ctl_sim_fail(why, len, "delete of %s before its service %s", m->t[a->have].name, m->s[i].name);
        m->tlive[a->have] = false;
        return 0;
    }
    return ctl_sim_fail(why, len, "unknown action kind %d", (int)a->kind);
}

/* 0, or -1 with the first failure in why. */
static int ctl_sim_run(const struct ctl_state *h, const struct ctl_manifest *w, const struct ctl_plan *pl,
                       struct ctl_state *after, char *why, size_t len)
{
    static struct ctl_sim m;
    memset(&m, 0, sizeof m);
    m.nt = h->ntenants;
    m.ns = h->nservices;
    memcpy(m.t, h->tenants, sizeof h->tenants);
    memcpy(m.s, h->services, sizeof h->services);
    for (int i = 0; i < m.nt; i++)
        m.tlive[i] = true;
    for (int i = 0; i < m.ns; i++)
        m.slive[i] = true;
    for (int k = 0; k < pl->n; k++)
        if (ctl_sim_step(&m, h, w, &pl->a[k], why, len) < 0) {
            size_t n = strlen(why);
            snprintf(why + n, len - n, " (step %d)", k + 1);
            return -1;
        }
    after->ntenants = after->nservices = 0;
    for (int i = 0; i < m.nt; i++)
        if (m.tlive[i]) {
            if (after->ntenants == CTL_MAX_TENANTS)
                return ctl_sim_fail(why, len, "more than %d tenants after the plan", CTL_MAX_TENANTS);
            after->tenants[after->ntenants++] = m.t[i];
        }
    for (int i = 0; i < m.ns; i++)
        if (m.slive[i]) {
            if (after->nservices == CTL_MAX_SERVICES)
                return ctl_sim_fail(why, len, "more than %d services after the plan", CTL_MAX_SERVICES);
            after->services[after->nservices++] = m.s[i];
        }
    return 0;
}
#endif
