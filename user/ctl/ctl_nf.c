/* NF chains of deployed services (docs/control.md, "NF chains"): each NF is
 * a template FWP of the clicknf built-in image (docs/clicknf.md), started
 * in the service's tenant as TENANT/SERVICE.nfK (K = 1, 2, ...) with the
 * NF's memory quota, so the template and the instance the nic forks from
 * it are charged to that tenant. The configuration reaches clicknf in its
 * arguments: a built-in one by name and VAR=VALUE settings, an uploaded
 * one as `--name FILE -e TEXT` (at most CTL_NF_CONFIG_MAX bytes, within
 * the kernel's 4096 bytes of arguments).
 *
 * Before anything is started, ctl parses and instantiates every
 * configuration with the same Click engine clicknf runs, so a
 * configuration error comes back to the operator as the engine's message
 * ("fw.click:3:12: unknown element class 'Bogus'") and nothing is left. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edgeos.h"
#include "ctl.h"
#include "click.h"
#include "clicknf_configs.h"

#define NF_IMAGE "clicknf"
#define NF_SETTINGS_MAX 24      /* VAR=VALUE words of a built-in NF */

/* What one NF runs: the words of clicknf's command line after argv[0],
 * split out of its spec (built-in) or pointing at its text (a file). */
struct nf_words {
    char buf[CTL_NF_SPEC_MAX + 1];
    const char *argv[NF_SETTINGS_MAX + 4];
    int argc;
    const char *config_name;     /* for messages: the built-in's name or the file's */
    const char *text;            /* the configuration text (NUL-terminated) */
    char *owned;                 /* a file's text, copied to add the NUL */
};

static const struct clicknf_builtin *builtin_config(const char *name)
{
    for (const struct clicknf_builtin *b = clicknf_builtins; b->name; b++)
        if (!strcmp(b->name, name))
            return b;
    return NULL;
}

static void words_free(struct nf_words *w)
{
    free(w->owned);
    w->owned = NULL;
}

static int words_make(const struct ctl_nf_spec *nf, const struct ctl_nf_text *t, struct nf_words *w, char *err,
                      size_t errlen)
{
    memset(w, 0, sizeof *w);
    if (ctl_nf_is_builtin(nf->spec)) {
        snprintf(w->buf, sizeof w->buf, "%s", nf->spec + 8);
        for (char *save = NULL, *p = strtok_r(w->buf, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
            if (w->argc == NF_SETTINGS_MAX + 1)
                return ctl_fail(err, errlen, -E2BIG, "NF '%.64s': more than %d settings", nf->spec, NF_SETTINGS_MAX);
            w->argv[w->argc++] = p;
        }
        if (w->argc == 0)
            return ctl_fail(err, errlen, -EINVAL, "NF '%.64s': no configuration name", nf->spec);
        const struct clicknf_builtin *b = builtin_config(w->argv[0]);
        if (!b) {
            char names[256];
            size_t n = 0;
            names[0] = 0;
            for (const struct clicknf_builtin *c = clicknf_builtins; c->name && n < sizeof names; c++)
                n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", n ? ", " : "", c->name);
            return ctl_fail(err, errlen, -ENOENT, "NF '%.64s': no built-in configuration '%.32s' (there are: %.200s)",
                        nf->spec, w->argv[0], names);
        }
        w->config_name = b->name;
        w->text = b->text;
        return 0;
    }
    if (!t || !t->text)
        return ctl_fail(err, errlen, -EINVAL, "NF '%.64s': the file was not uploaded with the request", nf->spec);
    if (t->len > CTL_NF_CONFIG_MAX)
        return ctl_fail(err, errlen, -E2BIG, "NF '%.64s': the configuration has %u bytes, more than %d", nf->spec,
                    (unsigned)t->len, CTL_NF_CONFIG_MAX);
    if (t->len == 0 || memchr(t->text, 0, t->len))
        return ctl_fail(err, errlen, -EINVAL, "NF '%.64s': %s", nf->spec,
                    t->len ? "the configuration holds a NUL byte" : "the configuration is empty");
    if (!(w->owned = malloc(t->len + 1)))
        return ctl_fail(err, errlen, -ENOMEM, "NF '%.64s': out of memory", nf->spec);
    memcpy(w->owned, t->text, t->len);
    w->owned[t->len] = 0;
    w->config_name = nf->spec;
    w->text = w->owned;
    w->argv[w->argc++] = "--name";
    w->argv[w->argc++] = nf->spec;
    w->argv[w->argc++] = "-e";
    w->argv[w->argc++] = w->owned;
    return 0;
}

/* ---- checking a configuration with the engine ---- */

static int check_open(void *ctx, const char *name, int kind, int dir, void **devp, char *err, size_t errlen)
{
    (void)ctx, (void)name, (void)kind, (void)dir, (void)err, (void)errlen;
    static char dev;
    *devp = &dev;
    return 0;
}

static int check_recv(void *dev, click_pool *pool, click_packet **pkts, int max)
{
    (void)dev, (void)pool, (void)pkts, (void)max;
    return CLICK_DEV_EOF;
}

static int check_send(void *dev, click_packet *const *pkts, int n)
{
    (void)dev, (void)pkts;
    return n;
}

static void check_close(void *dev)
{
    (void)dev;
}

/* The engine's verdict on one configuration: 0, or the first lines of its
 * messages in err. */
static int check_words(const struct nf_words *w, const char *spec, char *err, size_t errlen)
{
    static const click_device_ops ops = { check_open, check_recv, check_send, check_close };
    static const click_host host = { &ops, NULL, NULL, NULL };
    const char *params[NF_SETTINGS_MAX + 2];
    int np = 0;
    bool builtin = ctl_nf_is_builtin(spec);
    for (int i = 1; builtin && i < w->argc; i++)
        params[np++] = w->argv[i];
    params[np] = NULL;
    static char msg[4096];
    msg[0] = 0;
    click_router *r = click_router_create(w->text, w->config_name, &host, params, msg, sizeof msg);
    if (r) {
        click_router_destroy(r);
        return 0;
    }
    for (size_t n = strlen(msg); n && msg[n - 1] == '\n'; n--)
        msg[n - 1] = 0;
    for (char *p = msg; *p; p++)
        if (*p == '\n')
            *p = ';';
    return ctl_fail(err, errlen, -EINVAL, "NF '%.64s': configuration rejected: %.300s", spec,
                msg[0] ? msg : "(no message)");
}

int ctl_nf_check(const struct ctl_service_spec *s, const struct ctl_nf_text *texts, char *err, size_t errlen)
{
    for (int i = 0; i < s->nnf; i++) {
        struct nf_words w;
        int r = words_make(&s->nf[i], &texts[i], &w, err, errlen);
        if (r == 0)
            r = check_words(&w, s->nf[i].spec, err, errlen);
        words_free(&w);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- the templates ---- */

void ctl_nf_name(const struct ctl_service_spec *s, int k, char out[NICCTL_NAME])
{
    /* ctl_model_service_finish keeps TENANT and SERVICE short enough for the whole name. */
    char buf[2 * CTL_NAME_MAX + 16];
    snprintf(buf, sizeof buf, "%.15s/%.15s.nf%c", s->tenant, s->name, (char)('1' + (k & 7)));
    memcpy(out, buf, NICCTL_NAME - 1);
    out[NICCTL_NAME - 1] = 0;
}

void ctl_nf_stop(long caps[CTL_MAX_NF])
{
    for (int i = 0; i < CTL_MAX_NF; i++) {
        if (caps[i] >= 0)
            eos_destroy(caps[i]);
        caps[i] = -1;
    }
}

int ctl_nf_start(long tenant, const struct ctl_service_spec *s, const struct ctl_nf_text *texts, long caps[CTL_MAX_NF],
                 char *err, size_t errlen)
{
    for (int i = 0; i < CTL_MAX_NF; i++)
        caps[i] = -1;
    int r = 0;
    for (int i = 0; i < s->nnf && r == 0; i++) {
        struct nf_words w;
        if ((r = words_make(&s->nf[i], &texts[i], &w, err, errlen)) < 0)
            break;
        char name[NICCTL_NAME];
        ctl_nf_name(s, i, name);
        const char *argv[NF_SETTINGS_MAX + 6];
        int n = 0;
        argv[n++] = name;
        for (int k = 0; k < w.argc; k++)
            argv[n++] = w.argv[k];
        argv[n] = NULL;
        struct eos_spawn sp;
        memset(&sp, 0, sizeof sp);
        snprintf(sp.builtin, sizeof sp.builtin, "%s", NF_IMAGE);
        snprintf(sp.name, sizeof sp.name, "%s", name);
        sp.mem_limit = CTL_NF_MEM;
        sp.argv = (uint64_t)(uintptr_t)argv;
        sp.cpu = -1;
        long fwp = eos_spawn(tenant, &sp);
        words_free(&w);
        if (fwp < 0) {
            r = ctl_fail(err, errlen, (int)fwp, "cannot start NF %s (%.64s): %s", name, s->nf[i].spec,
                     fwp == -ENOENT ? "the system has no clicknf image" : sp.why[0] ? sp.why : "the kernel refused");
            break;
        }
        caps[i] = fwp;
        r = ctl_wait_template(fwp, name, err, errlen);
    }
    if (r < 0)
        ctl_nf_stop(caps);
    return r;
}
