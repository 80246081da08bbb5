/* ctl: EdgeOS's control FWP (a root FWP of the system tenant). It serves
 * edgeosctl's requests from the control console (docs/control.md), keeps
 * the tenants and services the operator asked for, and carries them out
 * with the kernel (tenants, programs) and the nic (services).
 *
 *   ctl_main.c   console, link, the loop, output
 *   ctl_exec.c   commands: dispatch, output formatting, apply
 *   ctl_ops.c    operations on the system: tenants, deploy, scale, undeploy
 *   ctl_nic.c    the nic's command channel
 *   ctl_nf.c     NF chains: clicknf templates in front of services
 *   ctl_link.c, ctl_values.c, ctl_request.c, ctl_cmd.c, ctl_manifest.c,
 *   ctl_plan.c   portable parts (also built and tested on the host) */
#ifndef CTL_H
#define CTL_H
#include <stdint.h>
#include "ctl_model.h"
#include "nic_ctl_proto.h"

/* What the kernel and the nic know each tenant and service by. */
struct ctl_tenant_rt {
    long cap;                    /* tenant capability */
    uint32_t kid;                /* kernel tenant id */
    uint64_t cpu_ns_last;        /* for the recent CPU share */
    uint64_t sample_ns_last;
    double cpu_share;            /* percent of the machine over the last sample period */
};

/* An NF's uploaded configuration (text NULL for a built-in one). */
struct ctl_nf_text {
    const uint8_t *text;
    uint32_t len;
};

struct ctl_service_rt {
    uint32_t id;                 /* the nic's service id */
    long tmpl;                   /* FWP capability of the template */
    uint8_t *image;              /* an uploaded program (kept so a failed apply can put it back) */
    uint32_t image_len;
    long nf_tmpl[CTL_MAX_NF];    /* its NF templates (-1: none) */
    struct ctl_nf_text nf_text[CTL_MAX_NF];   /* uploaded NF configurations, kept (owned) */
};

/* The system as ctl keeps it: ctl_state (the declarations, as the planner
 * sees them) and, at the same indices, the handles. */
struct ctl_sys {
    struct ctl_state st;
    struct ctl_tenant_rt trt[CTL_MAX_TENANTS];
    struct ctl_service_rt srt[CTL_MAX_SERVICES];
    uint32_t next_svc_id;
    uint64_t images_bytes;       /* kept program images */
};
extern struct ctl_sys ctl_sys;

#define CTL_IMAGES_MAX (64ull << 20)
#define CTL_CPU_PERIOD_US 10000u

/* ---- ctl_ops.c ---- */
/* Writes the reason into err and returns r (ctl_ops.c, ctl_nf.c). */
int ctl_fail(char *err, size_t errlen, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int ctl_find_tenant(const char *name);
int ctl_find_service(const char *tenant, const char *name);
/* Each returns 0 or -errno with a reason in err. */
int ctl_op_tenant_create(const struct ctl_tenant_spec *t, char *err, size_t errlen);
int ctl_op_tenant_set(int ti, const struct ctl_tenant_spec *t, char *err, size_t errlen);
int ctl_op_tenant_delete(int ti, char *err, size_t errlen);
/* image/len: the program's bytes (NULL for a built-in); nf: the service's
 * NF configurations (s->nnf of them; text NULL for built-ins; nf may be
 * NULL when it has none). */
int ctl_op_deploy(const struct ctl_service_spec *s, const uint8_t *image, uint32_t len, const struct ctl_nf_text *nf,
                  char *err, size_t errlen);
int ctl_op_scale(int si, uint32_t count, char *err, size_t errlen);
int ctl_op_undeploy(int si, char *err, size_t errlen);
/* Validates a program without creating anything (ELF, or that the built-in exists). */
int ctl_op_check_program(const struct ctl_service_spec *s, const uint8_t *image, uint32_t len, char *err, size_t errlen);
void ctl_sample_cpu(void);       /* once a second: each tenant's recent CPU share */
/* Waits until the FWP has checkpointed (10 s); a reason if it ends first. */
int ctl_wait_template(long fwp, const char *name, char *err, size_t errlen);

/* ---- ctl_nf.c ---- */
/* Parses and instantiates each NF configuration of s with the Click engine
 * (nothing is started): 0, or the engine's message naming the line. */
int ctl_nf_check(const struct ctl_service_spec *s, const struct ctl_nf_text *texts, char *err, size_t errlen);
/* Starts s's NF templates (checked before with ctl_nf_check) in the tenant and waits for their
 * checkpoints; caps[i] gets NF i's template (the rest -1). On failure
 * nothing is left. */
int ctl_nf_start(long tenant, const struct ctl_service_spec *s, const struct ctl_nf_text *texts, long caps[CTL_MAX_NF],
                 char *err, size_t errlen);
void ctl_nf_stop(long caps[CTL_MAX_NF]);      /* destroys the templates given */
/* NF k's template name: TENANT/SERVICE.nf(k+1). */
void ctl_nf_name(const struct ctl_service_spec *s, int k, char out[NICCTL_NAME]);

/* ---- ctl_nic.c ---- */
int ctl_nic_init(void);
/* Sends cmd and waits for its answer (timeout_ms). 0, or -errno (-ETIMEDOUT, the nic's refusal). */
int ctl_nic_call(struct nicctl_cmd *cmd, struct nicctl_reply *rep, unsigned timeout_ms);
/* ctl_nic_call for a command that names only a service (and a count). */
int ctl_nic_op(uint32_t op, uint32_t svc_id, uint32_t count, struct nicctl_reply *rep, unsigned timeout_ms);
/* Why a ctl_nic_call that answered r < 0 failed, in words. */
const char *ctl_nic_why(int r, const struct nicctl_reply *rep);

/* ---- ctl_exec.c ---- */
/* Executes a request body; the answer text goes to out. Returns the status (0 or a positive errno). */
int ctl_exec(const uint8_t *body, size_t len, struct ctl_buf *out);

/* ---- ctl_main.c ---- */
uint64_t ctl_now_ns(void);
void ctl_sleep_us(unsigned us);
#endif
