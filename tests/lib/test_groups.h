/* Result groups for the host-built C test programs: each group of checks
 * prints one suite line, "PASS name" or "FAIL name: why" (the first failed
 * check's message), with an optional suffix (e.g. "-asan") set by the
 * program from its --suffix= argument. Include in one file per program. */
#ifndef EDGEOS_TEST_GROUPS_H
#define EDGEOS_TEST_GROUPS_H
#include <stdarg.h>
#include <stdio.h>

static const char *suffix = "";
static int group_failed, any_failed;
static char group_why[512];

static void fail(const char *fmt, ...)
{
    if (group_failed)
        return;
    group_failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(group_why, sizeof group_why, fmt, ap);
    va_end(ap);
}
#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

static void group_end(const char *name)
{
    if (group_failed) {
        printf("FAIL %s%s: %s\n", name, suffix, group_why);
        any_failed = 1;
    } else {
        printf("PASS %s%s\n", name, suffix);
    }
    group_failed = 0;
}
#endif
