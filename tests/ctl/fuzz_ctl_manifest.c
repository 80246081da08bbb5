/* libFuzzer harness for the manifest parser (ctl_manifest_parse) and the
 * planner (ctl_plan_make) against a small fixed state, with and without
 * --prune. Checked on every input:
 *  - no read outside the text (ASan; libFuzzer's buffer is exact-size);
 *  - a refusal has a one-line reason naming the line, and plans nothing;
 *  - a parsed manifest holds valid names and values, no two tenants or
 *    services of the same name, no two services on the same port for the
 *    same protocol;
 *  - a plan runs step by step on a model of the system (ctl_sim.h: every
 *    index valid, no port held twice, no quota set below its use, no tenant
 *    deleted before its services), and the same manifest then plans nothing. */
#include <stdlib.h>
#include <string.h>
#include "ctl_model.h"
#include "ctl_sim.h"

static struct ctl_state state;

static void add_service(const char *tenant, const char *name, const char *builtin, const char *program, uint16_t port,
                        uint8_t proto, enum ctl_mode mode, uint32_t count, uint64_t mem)
{
    struct ctl_service_spec *s = &state.services[state.nservices++];
    memset(s, 0, sizeof *s);
    strcpy(s->tenant, tenant);
    strcpy(s->name, name);
    strcpy(s->builtin, builtin);
    strcpy(s->program, program);
    s->program_hash = program[0] ? ctl_hash(program, strlen(program)) : 0;
    s->port = port;
    s->proto = proto;
    s->mode = mode;
    s->count = count;
    s->mem_per_instance = mem;
}

/* Tenants a (64M, 50%), c (32M), d (16M); services a/mc (udp), c/old (tcp),
 * d/x (tcp and udp), c/web (tcp, on a port of a/mc). */
static void make_state(void)
{
    static const struct { const char *name; uint64_t mem; uint32_t cpu; } t[] = {
        { "a", 64ull << 20, 50 }, { "c", 32ull << 20, 100 }, { "d", 16ull << 20, 100 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        strcpy(state.tenants[i].name, t[i].name);
        state.tenants[i].mem = t[i].mem;
        state.tenants[i].cpu_pct = t[i].cpu;
    }
    state.ntenants = 3;
    add_service("a", "mc", "memcached", "", 11211, NICCTL_PROTO_UDP, CTL_SHARED, 2, 4ull << 20);
    memcpy(state.services[0].args, "preload=100", 12);
    state.services[0].argc = 1;
    add_service("c", "old", "", "old.elf", 7000, NICCTL_PROTO_TCP, CTL_POOL, 1, 4ull << 20);
    add_service("d", "x", "echo", "", 9000, NICCTL_PROTO_UDP | NICCTL_PROTO_TCP, CTL_PERCLIENT, 2, 1ull << 20);
    add_service("c", "web", "web", "", 11212, NICCTL_PROTO_TCP, CTL_POOL, 1, 4ull << 20);
}

static void check_reason(const char *err)
{
    if (!err[0] || strchr(err, '\n'))
        abort();
}

static void check_manifest(const struct ctl_manifest *m)
{
    for (int i = 0; i < m->ntenants; i++) {
        const struct ctl_tenant_spec *t = &m->tenants[i];
        if (!ctl_name_ok(t->name) || t->mem < 1 || t->cpu_pct < 1 || t->cpu_pct > 100)
            abort();
        for (int k = 0; k < i; k++)
            if (!strcmp(m->tenants[k].name, t->name))
                abort();
    }
    for (int i = 0; i < m->nservices; i++) {
        const struct ctl_service_spec *s = &m->services[i];
        uint32_t f, e, of, oe;
        ctl_service_ports(s, &f, &e);
        if (!ctl_name_ok(s->tenant) || !ctl_name_ok(s->name) || s->count < 1 || s->count > CTL_MAX_INSTANCES ||
            f < 1 || e > 65536 || (s->builtin[0] != 0) == (s->program[0] != 0) || s->argc > CTL_MAX_ARGS ||
            s->program_hash != 0 || s->proto == 0 || (s->proto & ~(NICCTL_PROTO_UDP | NICCTL_PROTO_TCP)))
            abort();
        for (int k = 0; k < i; k++) {
            const struct ctl_service_spec *o = &m->services[k];
            ctl_service_ports(o, &of, &oe);
            if ((!strcmp(o->tenant, s->tenant) && !strcmp(o->name, s->name)) ||
                ((o->proto & s->proto) && f < oe && of < e))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ctl_manifest m;
    static struct ctl_plan plan, again;
    static struct ctl_state after;
    char err[256] = "", why[256];
    if (!state.ntenants)
        make_state();
    if (ctl_manifest_parse((const char *)data, size, &m, err, sizeof err) < 0) {
        check_reason(err);
        if (strncmp(err, "line ", 5) != 0 || m.ntenants != 0 || m.nservices != 0)
            abort();
        return 0;
    }
    check_manifest(&m);
    /* The ctl FWP fills the hashes from the attached files; here a file's bytes are its path. */
    for (int j = 0; j < m.nservices; j++)
        if (m.services[j].program[0])
            m.services[j].program_hash = ctl_hash(m.services[j].program, strlen(m.services[j].program));
    for (int prune = 0; prune <= 1; prune++) {
        err[0] = '\0';
        if (ctl_plan_make(&state, &m, prune, &plan, err, sizeof err) < 0) {
            check_reason(err);
            if (plan.n != 0)
                abort();
            continue;
        }
        if (ctl_sim_run(&state, &m, &plan, &after, why, sizeof why) < 0)
            abort();
        if (ctl_plan_make(&after, &m, prune, &again, err, sizeof err) != 0 || again.n != 0)
            abort();
    }
    return 0;
}
