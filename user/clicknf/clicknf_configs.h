/* Configurations built into clicknf: every .click file of apps/click/configs, embedded
 * at build time (user/clicknf/embed.sh writes build/user/clicknf/configs.c). */
#ifndef CLICKNF_CONFIGS_H
#define CLICKNF_CONFIGS_H
struct clicknf_builtin {
    const char *name;       /* the file name without .click */
    const char *text;
};
extern const struct clicknf_builtin clicknf_builtins[];   /* ends with {NULL, NULL} */
#endif
