/* eos_check.h - the result lines of EdgeOS's guest test programs (manager,
 * nfdriver): "check NAME: PASS|FAIL (details)" on the console, which the
 * suites under tests/ read; eos_check_failures counts the failures for the
 * program's exit status. Include it in one program file only. */
#ifndef EOS_CHECK_H
#define EOS_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int eos_check_failures;

static void eos_check(const char *name, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void eos_check(const char *name, int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("check %s: %s (", name, ok ? "PASS" : "FAIL");
    vprintf(fmt, ap);
    printf(")\n");
    va_end(ap);
    fflush(stdout);
    if (!ok)
        eos_check_failures++;
}

#endif
