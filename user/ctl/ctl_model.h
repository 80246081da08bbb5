/* The control plane's portable model: what an operator can ask for and
 * what the system holds, with the parsers and the planner that turn
 * requests and manifests into actions. No EdgeOS dependency (only the
 * protocol bits of the nic's command channel, user/lib/nic_ctl_proto.h,
 * plain C): this builds into the ctl FWP and into host tests and fuzzers
 * (tests/ctl/).
 * Wire formats, commands and the manifest language: docs/control.md.
 *
 * Every function that can refuse its input writes a one-line reason into
 * err (at most errlen bytes, NUL-terminated) and returns a negative errno
 * value (-EINVAL unless stated); it never reads past the lengths it is
 * given and never crashes on any input. */
#ifndef CTL_MODEL_H
#define CTL_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nic_ctl_proto.h"

#define CTL_NAME_MAX      15          /* tenant and service names: [a-z0-9][a-z0-9_-]{0,14} */
#define CTL_IMAGE_MAX     31          /* built-in image names: same characters, up to 31 */
#define CTL_PATH_MAX      255         /* blob names (file paths as typed) */
#define CTL_MAX_TENANTS   64
#define CTL_MAX_SERVICES  128
#define CTL_MAX_WORDS     64          /* command words per request */
#define CTL_WORD_MAX      1024        /* bytes per command word */
#define CTL_MAX_BLOBS     16
#define CTL_REQUEST_MAX   (8u << 20)  /* request body bytes */
#define CTL_MAX_ARGS      16          /* program arguments of a service */
#define CTL_ARGS_BYTES    512         /* their total size, NULs included */
#define CTL_MAX_INSTANCES 1024        /* N of a service */
#define CTL_DEFAULT_INSTANCE_MEM (4ull << 20)
#define CTL_MANIFEST_LINE_MAX 2048
#define CTL_MAX_NF        NICCTL_MAX_NF  /* NFs in front of one service */
#define CTL_NF_SPEC_MAX   255         /* one NF's spec: "builtin:NAME [VAR=VALUE ...]" or a file's name */
#define CTL_NF_CONFIG_MAX 3072        /* an uploaded Click configuration (it travels in the NF's argv:
                                       * the kernel takes 4096 bytes of arguments in all) */
#define CTL_NF_MEM        (4ull << 20) /* frame quota of an NF template and of its fork */

/* ---- values ---- */

/* "64M", "4096", "1G": digits then an optional K/M/G (powers of 1024);
 * 1 byte .. 1 TiB; no sign, no blanks, no other suffix. */
int ctl_parse_size(const char *s, uint64_t *out);
/* "1".."100". */
int ctl_parse_percent(const char *s, uint32_t *out);
/* Tenant and service names (CTL_NAME_MAX) and built-in image names (CTL_IMAGE_MAX). */
bool ctl_name_ok(const char *s);
bool ctl_image_name_ok(const char *s);
/* 64-bit FNV-1a, used to tell whether a program changed. */
uint64_t ctl_hash(const void *data, size_t len);

enum ctl_mode { CTL_SHARED, CTL_POOL, CTL_PERCLIENT };
const char *ctl_mode_name(enum ctl_mode m);        /* "shared", "pool", "perclient" */

/* The protocols a service answers: a bit set of NICCTL_PROTO_UDP and
 * NICCTL_PROTO_TCP, at least one. Parsed from "udp", "tcp", "tcp,udp" or
 * "udp,tcp" (the last two mean the same); named "udp", "tcp", "tcp,udp"
 * ("?" for a set that is not one of those). */
#define CTL_PROTO_ALL (NICCTL_PROTO_UDP | NICCTL_PROTO_TCP)
int ctl_parse_proto(const char *s, uint8_t *out);
const char *ctl_proto_name(unsigned proto);

/* ---- declarations (from a command or a manifest) ---- */

/* One network function in front of a service (docs/control.md, "NF
 * chains"): a Click configuration run by the clicknf built-in image.
 * spec is "builtin:NAME" with optional blank-separated VAR=VALUE settings
 * (a configuration built into clicknf), or the name of an attached .click
 * file (hash: ctl_hash of its bytes, 0 until known). */
struct ctl_nf_spec {
    char spec[CTL_NF_SPEC_MAX + 1];
    uint64_t hash;
};
/* Whether an NF spec names a built-in configuration (else a file). */
bool ctl_nf_is_builtin(const char *spec);

struct ctl_tenant_spec {
    char name[CTL_NAME_MAX + 1];
    uint64_t mem;                     /* bytes */
    uint32_t cpu_pct;                 /* 1..100 */
};

struct ctl_service_spec {
    char tenant[CTL_NAME_MAX + 1];
    char name[CTL_NAME_MAX + 1];
    char builtin[CTL_IMAGE_MAX + 1];  /* non-empty: a built-in image ... */
    char program[CTL_PATH_MAX + 1];   /* ... else the name of the attached file */
    uint64_t program_hash;            /* ctl_hash of the program's bytes (0 for a built-in) */
    uint16_t port;                    /* 1..65535; shared: port..port+count-1 must fit */
    uint8_t proto;                    /* NICCTL_PROTO_UDP | NICCTL_PROTO_TCP: at least one */
    enum ctl_mode mode;
    uint32_t count;                   /* 1..CTL_MAX_INSTANCES */
    uint64_t mem_per_instance;        /* bytes, CTL_DEFAULT_INSTANCE_MEM if not given */
    int argc;                         /* program arguments after "--" */
    char args[CTL_ARGS_BYTES];        /* argc NUL-terminated strings, one after another */
    int nnf;                          /* NFs in front of it (--nf, nf=), in chain order */
    struct ctl_nf_spec nf[CTL_MAX_NF];
};

/* The ports a service answers on: [port, port + count) for shared, [port, port + 1) otherwise. */
void ctl_service_ports(const struct ctl_service_spec *s, uint32_t *first, uint32_t *end);
/* Two services clash when their port ranges overlap and they answer a
 * protocol in common (a udp and a tcp service may share a port). */
bool ctl_service_ports_overlap(const struct ctl_service_spec *a, const struct ctl_service_spec *b);
/* Same program, port, mode, protocol, per-instance memory, arguments and
 * NF chain (count aside): a change of count is a scale, anything else a replacement. */
bool ctl_service_same_shape(const struct ctl_service_spec *a, const struct ctl_service_spec *b);

/* ---- requests (the body after "EOC1" and the length) ---- */

struct ctl_blob {
    const char *name;                 /* NUL-terminated, in the request's arena */
    const uint8_t *data;              /* points into the body given to ctl_request_decode */
    uint32_t len;
};

struct ctl_request {
    int argc;
    const char *argv[CTL_MAX_WORDS];  /* NUL-terminated, in arena */
    int nblobs;
    struct ctl_blob blobs[CTL_MAX_BLOBS];
    char arena[CTL_MAX_WORDS * 64 + CTL_MAX_BLOBS * (CTL_PATH_MAX + 1)]; /* words longer than the arena allows are refused */
};

/* Decodes a request body (docs/control.md). Words and blob names must not
 * contain NUL bytes; blob names must be unique; the body must be used
 * exactly (no trailing bytes). */
int ctl_request_decode(const uint8_t *body, size_t len, struct ctl_request *out, char *err, size_t errlen);
const struct ctl_blob *ctl_request_blob(const struct ctl_request *r, const char *name);

/* ---- commands ---- */

enum ctl_op {
    CTL_OP_PING, CTL_OP_SYS, CTL_OP_TENANT_CREATE, CTL_OP_TENANT_SET, CTL_OP_TENANT_DELETE, CTL_OP_DEPLOY,
    CTL_OP_SCALE, CTL_OP_UNDEPLOY, CTL_OP_LS, CTL_OP_STATS, CTL_OP_APPLY,
};

enum ctl_format { CTL_FMT_TABLE, CTL_FMT_KV };

struct ctl_cmd {
    enum ctl_op op;
    enum ctl_format format;           /* "-o table|kv" before the command word */
    struct ctl_tenant_spec tenant;    /* TENANT_CREATE; TENANT_SET (name, and the fields set below) */
    bool set_mem, set_cpu;            /* TENANT_SET: which limits were given */
    struct ctl_service_spec service;  /* DEPLOY (everything); SCALE/UNDEPLOY (tenant, name; SCALE: count) */
    char name[CTL_NAME_MAX + 1];      /* TENANT_DELETE; LS/STATS filter ("" = all) */
    char manifest[CTL_PATH_MAX + 1];  /* APPLY: the attached file's name */
    bool prune;                       /* APPLY --prune */
};

/* Parses command words (argv[0] is the first word, e.g. "tenant"). DEPLOY
 * with --program only records the file's name (the caller checks the blob
 * exists and fills program_hash). Unknown commands and options, missing or
 * repeated options and bad values are refused with the offending word. */
int ctl_cmd_parse(int argc, const char *const argv[], struct ctl_cmd *out, char *err, size_t errlen);

/* ---- manifests ---- */

struct ctl_manifest {
    int ntenants, nservices;
    struct ctl_tenant_spec tenants[CTL_MAX_TENANTS];
    struct ctl_service_spec services[CTL_MAX_SERVICES];
};

/* Parses a manifest (docs/control.md). Errors name the line: "line 3:
 * unknown key 'prot'". Checks within the manifest: names, values,
 * duplicate tenants and services, services whose ports overlap
 * (ctl_service_ports_overlap). A service may name a tenant the manifest
 * does not declare (the planner checks it exists). program_hash is left
 * 0. */
int ctl_manifest_parse(const char *text, size_t len, struct ctl_manifest *m, char *err, size_t errlen);

/* ---- the system's state and the planner ---- */

struct ctl_state {
    int ntenants, nservices;
    struct ctl_tenant_spec tenants[CTL_MAX_TENANTS];
    struct ctl_service_spec services[CTL_MAX_SERVICES];
};

enum ctl_action_kind {
    CTL_ACT_TENANT_CREATE,            /* want */
    CTL_ACT_TENANT_SET,               /* have -> want (mem and/or cpu differ) */
    CTL_ACT_DEPLOY,                   /* want */
    CTL_ACT_REPLACE,                  /* have -> want (shape differs; same ports and protocols) */
    CTL_ACT_SCALE,                    /* have -> want (only count differs) */
    CTL_ACT_UNDEPLOY,                 /* have (--prune; or before a DEPLOY on other ports or protocols) */
    CTL_ACT_TENANT_DELETE,            /* have (--prune) */
};

struct ctl_action {
    enum ctl_action_kind kind;
    int have;                         /* index into state->tenants/services, -1 if none */
    int want;                         /* index into manifest->tenants/services, -1 if none */
};

struct ctl_plan {
    int n;
    struct ctl_action a[2 * (CTL_MAX_TENANTS + CTL_MAX_SERVICES)];
};

/* The actions that make `have` match `want`, in the order they must run:
 * tenant creations and limit changes, then undeploys of services that are
 * replaced by a service on other ports or protocols, deploys,
 * replacements and scales, then (prune) undeploys and tenant deletions.
 * Without --prune, tenants and services the manifest does not name are
 * left alone. Refuses (nothing planned) when: a service's ports overlap
 * (ctl_service_ports_overlap) a service of the manifest or a service of
 * the state that stays; a tenant's services after the plan (those it keeps
 * and those the manifest gives it), counted as (count + 1) x
 * mem_per_instance each (the template and its forks), exceed its quota
 * after the plan; the result would exceed CTL_MAX_TENANTS or
 * CTL_MAX_SERVICES; the manifest declares a service of a tenant that
 * neither it nor the state has. An empty plan means the system already
 * matches. */
int ctl_plan_make(const struct ctl_state *have, const struct ctl_manifest *want, bool prune, struct ctl_plan *out,
                  char *err, size_t errlen);

/* ---- output ---- */

/* A growable text buffer for responses (ctl_buf_printf truncates at cap
 * and remembers it did). */
struct ctl_buf {
    char *p;
    size_t len, cap;
    bool truncated;
};
void ctl_buf_printf(struct ctl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "64M", "1.5G", "512K", "100B": the largest unit that keeps it short. */
const char *ctl_size_str(uint64_t bytes, char out[16]);
/* A service's ports: "11211", or "100-102" for a range. */
const char *ctl_ports_str(const struct ctl_service_spec *s, char out[16]);
/* The services part of `ls` (docs/control.md): the table's header line
 * (with a blank line before it), and one service as a table row or as a
 * key=value line (service=, tenant=, program=, proto=, ports=, mode=,
 * count=, mem_per_instance=, args=). */
void ctl_ls_services_header(struct ctl_buf *b);
void ctl_ls_service(struct ctl_buf *b, const struct ctl_service_spec *s, enum ctl_format f);
#endif
