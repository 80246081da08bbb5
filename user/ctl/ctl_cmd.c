/* Parsing the command words of a request (docs/control.md, "Commands")
 * into a struct ctl_cmd.
 *
 * The words: [-o table|kv] COMMAND [SUBCOMMAND] then the command's
 * positional words and options in any order; an option's value is always
 * the next word. A word is an option when it starts with '-' followed by
 * something other than a digit (so "scale a mc -1" is refused as a bad
 * count, not as an unknown option). After "--", every word of a deploy is
 * a program argument.
 *
 * Required options follow the synopsis of docs/control.md: tenant create
 * needs both --mem and --cpu (the manifest's `tenant` alone defaults cpu to
 * 100); tenant set needs at least one of them; deploy needs --proto, --port,
 * --mode and one of --program / --builtin; --nf may be repeated (one per
 * NF, in chain order). TENANT_DELETE fills both name and
 * tenant.name. */
#include <errno.h>
#include <string.h>
#include "ctl_model.h"

/* Shared with ctl_manifest.c, defined in ctl_values.c. */
int ctl_model_fail(char *err, size_t errlen, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int ctl_model_parse_count(const char *s, uint32_t *out);
int ctl_model_service_option(struct ctl_service_spec *s, unsigned *seen, const char *key, const char *value,
                             bool command, char *err, size_t errlen);
int ctl_model_service_arg(struct ctl_service_spec *s, const char *arg, char *err, size_t errlen);
int ctl_model_service_finish(struct ctl_service_spec *s, unsigned seen, bool command, char *err, size_t errlen);

struct parse {
    struct ctl_cmd *c;
    const struct command *cmd;
    unsigned seen;                    /* options given, by their index in cmd->opts */
    unsigned service_seen;            /* deploy: keys given to ctl_model_service_option */
    const char *pos[3];               /* positional words */
    int npos;
    char *err;
    size_t errlen;
};

struct option {
    const char *name;
    bool has_value;
};

struct command {
    const char *word, *sub;           /* e.g. "tenant", "create"; sub NULL for one-word commands */
    enum ctl_op op;
    int min_pos, max_pos;
    const char *usage;
    struct option opts[8];            /* ends at a NULL name */
    bool takes_args;                  /* "--" ARGS... (deploy) */
    int (*finish)(struct parse *);
};

static bool is_option(const char *w)
{
    return w[0] == '-' && w[1] != '\0' && !(w[1] >= '0' && w[1] <= '9');
}

static int usage_fail(struct parse *p, const char *what)
{
    return ctl_model_fail(p->err, p->errlen, -EINVAL, "%s (usage: %s)", what, p->cmd->usage);
}

static int name_word(struct parse *p, const char *w, const char *what, char out[CTL_NAME_MAX + 1])
{
    if (!ctl_name_ok(w))
        return ctl_model_fail(p->err, p->errlen, -EINVAL,
                              "bad %s name '%.64s' (1..%d of a-z 0-9 _ -, starting with a-z 0-9)", what, w,
                              CTL_NAME_MAX);
    strcpy(out, w);
    return 0;
}

/* --mem and --cpu of tenant create / tenant set. */
static int tenant_option(struct parse *p, const char *opt, const char *value)
{
    struct ctl_cmd *c = p->c;
    if (strcmp(opt, "--mem") == 0) {
        if (ctl_parse_size(value, &c->tenant.mem) < 0)
            return ctl_model_fail(p->err, p->errlen, -EINVAL,
                                  "bad size '%.64s' for --mem (1 byte..1024G: digits, then K, M or G)", value);
        c->set_mem = true;
    } else {
        if (ctl_parse_percent(value, &c->tenant.cpu_pct) < 0)
            return ctl_model_fail(p->err, p->errlen, -EINVAL, "bad CPU percent '%.64s' for --cpu (1..100)", value);
        c->set_cpu = true;
    }
    return 0;
}

static int finish_tenant_create(struct parse *p)
{
    if (!p->c->set_mem)
        return usage_fail(p, "missing option --mem");
    if (!p->c->set_cpu)
        return usage_fail(p, "missing option --cpu");
    return name_word(p, p->pos[0], "tenant", p->c->tenant.name);
}

static int finish_tenant_set(struct parse *p)
{
    if (!p->c->set_mem && !p->c->set_cpu)
        return usage_fail(p, "nothing to set: give --mem and/or --cpu");
    return name_word(p, p->pos[0], "tenant", p->c->tenant.name);
}

static int finish_tenant_delete(struct parse *p)
{
    int rc = name_word(p, p->pos[0], "tenant", p->c->name);
    if (rc == 0)
        strcpy(p->c->tenant.name, p->c->name);
    return rc;
}

static int tenant_and_service(struct parse *p)
{
    int rc = name_word(p, p->pos[0], "tenant", p->c->service.tenant);
    return rc < 0 ? rc : name_word(p, p->pos[1], "service", p->c->service.name);
}

static int finish_deploy(struct parse *p)
{
    int rc = tenant_and_service(p);
    return rc < 0 ? rc : ctl_model_service_finish(&p->c->service, p->service_seen, true, p->err, p->errlen);
}

static int finish_scale(struct parse *p)
{
    int rc = tenant_and_service(p);
    if (rc < 0)
        return rc;
    if (ctl_model_parse_count(p->pos[2], &p->c->service.count) < 0)
        return ctl_model_fail(p->err, p->errlen, -EINVAL, "bad instance count '%.64s' (1..%d)", p->pos[2],
                              CTL_MAX_INSTANCES);
    return 0;
}

static int finish_filter(struct parse *p)
{
    return p->npos ? name_word(p, p->pos[0], "tenant", p->c->name) : 0;
}

static int finish_apply(struct parse *p)
{
    const char *f = p->pos[0];
    if (!f[0] || strlen(f) > CTL_PATH_MAX)
        return ctl_model_fail(p->err, p->errlen, -EINVAL, "bad manifest file name '%.64s' (1..%d bytes)", f,
                              CTL_PATH_MAX);
    strcpy(p->c->manifest, f);
    return 0;
}

static int finish_nothing(struct parse *p)
{
    (void)p;
    return 0;
}

#define TENANT_OPTS { { "--mem", true }, { "--cpu", true } }

static const struct command commands[] = {
    { "ping", NULL, CTL_OP_PING, 0, 0, "ping", { { NULL, false } }, false, finish_nothing },
    { "sys", NULL, CTL_OP_SYS, 0, 0, "sys", { { NULL, false } }, false, finish_nothing },
    { "tenant", "create", CTL_OP_TENANT_CREATE, 1, 1, "tenant create NAME --mem SIZE --cpu PERCENT", TENANT_OPTS,
      false, finish_tenant_create },
    { "tenant", "set", CTL_OP_TENANT_SET, 1, 1, "tenant set NAME [--mem SIZE] [--cpu PERCENT]", TENANT_OPTS, false,
      finish_tenant_set },
    { "tenant", "delete", CTL_OP_TENANT_DELETE, 1, 1, "tenant delete NAME", { { NULL, false } }, false,
      finish_tenant_delete },
    { "deploy", NULL, CTL_OP_DEPLOY, 2, 2,
      "deploy TENANT SERVICE (--program FILE | --builtin NAME) --proto udp|tcp|tcp,udp --port P "
      "--mode shared:N|pool:N|perclient:N [--mem-per-instance SIZE] [--nf SPEC ...] [-- ARGS...]",
      { { "--program", true }, { "--builtin", true }, { "--proto", true }, { "--port", true }, { "--mode", true },
        { "--mem-per-instance", true }, { "--nf", true } },
      true, finish_deploy },
    { "scale", NULL, CTL_OP_SCALE, 3, 3, "scale TENANT SERVICE N", { { NULL, false } }, false, finish_scale },
    { "undeploy", NULL, CTL_OP_UNDEPLOY, 2, 2, "undeploy TENANT SERVICE", { { NULL, false } }, false,
      tenant_and_service },
    { "ls", NULL, CTL_OP_LS, 0, 1, "ls [TENANT]", { { NULL, false } }, false, finish_filter },
    { "stats", NULL, CTL_OP_STATS, 0, 1, "stats [TENANT]", { { NULL, false } }, false, finish_filter },
    { "apply", NULL, CTL_OP_APPLY, 1, 1, "apply FILE [--prune]", { { "--prune", false } }, false, finish_apply },
};

/* One option of the command (and its value, when it takes one). */
static int option(struct parse *p, const struct option *o, int idx, const char *value)
{
    struct ctl_cmd *c = p->c;
    if (c->op == CTL_OP_DEPLOY)
        return ctl_model_service_option(&c->service, &p->service_seen, o->name + 2, value, true, p->err, p->errlen);
    if (p->seen & (1u << idx))
        return ctl_model_fail(p->err, p->errlen, -EINVAL, "option '%s' given twice", o->name);
    p->seen |= 1u << idx;
    if (c->op == CTL_OP_APPLY) {
        c->prune = true;
        return 0;
    }
    return tenant_option(p, o->name, value);
}

static int parse_words(struct parse *p, int argc, const char *const argv[], int i)
{
    const struct command *cmd = p->cmd;
    for (; i < argc; i++) {
        const char *w = argv[i];
        if (cmd->takes_args && strcmp(w, "--") == 0) {
            for (i++; i < argc; i++) {
                int rc = ctl_model_service_arg(&p->c->service, argv[i], p->err, p->errlen);
                if (rc < 0)
                    return rc;
            }
            break;
        }
        if (!is_option(w)) {
            if (p->npos == cmd->max_pos)
                return ctl_model_fail(p->err, p->errlen, -EINVAL, "unexpected argument '%.64s' (usage: %s)", w,
                                      cmd->usage);
            p->pos[p->npos++] = w;
            continue;
        }
        int k = 0;
        while (cmd->opts[k].name && strcmp(cmd->opts[k].name, w) != 0)
            k++;
        if (!cmd->opts[k].name)
            return ctl_model_fail(p->err, p->errlen, -EINVAL, "unknown option '%.64s' (usage: %s)", w, cmd->usage);
        const char *value = NULL;
        if (cmd->opts[k].has_value) {
            if (i + 1 == argc)
                return ctl_model_fail(p->err, p->errlen, -EINVAL, "option '%s' needs a value", w);
            value = argv[++i];
        }
        int rc = option(p, &cmd->opts[k], k, value);
        if (rc < 0)
            return rc;
    }
    if (p->npos < cmd->min_pos)
        return usage_fail(p, "missing argument");
    return cmd->finish(p);
}

static int parse(int argc, const char *const argv[], struct ctl_cmd *c, char *err, size_t errlen)
{
    if (argc < 0 || (argc > 0 && !argv))
        return ctl_model_fail(err, errlen, -EINVAL, "no command words");
    for (int j = 0; j < argc; j++)
        if (!argv[j])
            return ctl_model_fail(err, errlen, -EINVAL, "command word %d is missing", j + 1);
    int i = 0;
    bool format_seen = false;
    while (i < argc && strcmp(argv[i], "-o") == 0) {
        if (format_seen)
            return ctl_model_fail(err, errlen, -EINVAL, "option '-o' given twice");
        format_seen = true;
        if (i + 1 == argc)
            return ctl_model_fail(err, errlen, -EINVAL, "option '-o' needs a value (table or kv)");
        const char *f = argv[i + 1];
        if (strcmp(f, "table") == 0)
            c->format = CTL_FMT_TABLE;
        else if (strcmp(f, "kv") == 0)
            c->format = CTL_FMT_KV;
        else
            return ctl_model_fail(err, errlen, -EINVAL, "bad output format '%.64s' (table or kv)", f);
        i += 2;
    }
    if (i == argc)
        return ctl_model_fail(err, errlen, -EINVAL,
                              "no command (ping, sys, tenant, deploy, scale, undeploy, ls, stats, apply)");
    if (is_option(argv[i]))
        return ctl_model_fail(err, errlen, -EINVAL, "unknown option '%.64s' (only -o comes before the command)",
                              argv[i]);
    const char *word = argv[i], *sub = i + 1 < argc ? argv[i + 1] : NULL;
    bool known_word = false;
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        const struct command *cmd = &commands[k];
        if (strcmp(word, cmd->word) != 0)
            continue;
        known_word = true;
        if (cmd->sub && (!sub || strcmp(sub, cmd->sub) != 0))
            continue;
        struct parse p = { .c = c, .cmd = cmd, .err = err, .errlen = errlen };
        c->op = cmd->op;
        return parse_words(&p, argc, argv, i + (cmd->sub ? 2 : 1));
    }
    if (known_word)   /* "tenant" without a known subcommand */
        return sub ? ctl_model_fail(err, errlen, -EINVAL, "unknown command '%.64s %.64s' (create, set or delete)",
                                    word, sub)
                   : ctl_model_fail(err, errlen, -EINVAL, "'%s' needs create, set or delete", word);
    return ctl_model_fail(err, errlen, -EINVAL, "unknown command '%.64s'", word);
}

int ctl_cmd_parse(int argc, const char *const argv[], struct ctl_cmd *out, char *err, size_t errlen)
{
    if (!out)
        return ctl_model_fail(err, errlen, -EINVAL, "no command to parse into");
    memset(out, 0, sizeof *out);
    out->service.mem_per_instance = CTL_DEFAULT_INSTANCE_MEM;
    return parse(argc, argv, out, err, errlen);
}
