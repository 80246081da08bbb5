/* A minimal OCI bundle for the container start-up peer: a rootfs holding only
 * one static binary, and the config that `runc spec` writes, adjusted to run
 * that binary without a terminal on a read-only rootfs. */
#ifndef STARTUP_BUNDLE_H
#define STARTUP_BUNDLE_H

#include <stddef.h>

/* Name of the binary inside the bundle's rootfs (at its root). */
#define BUNDLE_BINARY "/startup-true"

/* Creates dir (if missing), dir/rootfs with a copy of binary, and
 * dir/config.json via `runc spec`. Returns 0, or -1 with a reason in err. */
int bundle_create(const char *runc, const char *dir, const char *binary, char *err, size_t errlen);

/* Rewrites an OCI config held in *json (malloc'd, NUL-terminated) in place:
 * process.terminal=false, process.args=[BUNDLE_BINARY], root.readonly=true.
 * Returns 0, or -1 when a key is missing. */
int bundle_adjust_config(char **json);

/* Removes dir and everything below it (no symlinks followed). */
int tree_remove(const char *dir);

/* Runs argv (argv[0] is a path) with stdin and stdout on /dev/null and
 * stderr appended to errlog (or inherited when NULL); returns the wait
 * status, or -1 when fork failed. */
int run_wait(char *const argv[], const char *errlog);

#endif
