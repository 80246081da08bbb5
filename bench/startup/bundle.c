#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int run_wait(char *const argv[], const char *errlog)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        if (errlog) {
            int fd = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0)
                dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t r;
    int rc = 0;
    while ((r = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)r) != r) {
            rc = -1;
            break;
        }
    if (r < 0)
        rc = -1;
    close(in);
    if (close(out) < 0)
        rc = -1;
    return rc;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* End of the JSON value starting at p: a bracketed array or object (strings
 * inside it may hold brackets), or a scalar ending at , } ] or white space. */
static const char *value_end(const char *p)
{
    if (*p == '[' || *p == '{') {
        int depth = 0, in_str = 0;
        for (; *p; p++) {
            if (in_str) {
                if (*p == '\\' && p[1])
                    p++;
                else if (*p == '"')
                    in_str = 0;
            } else if (*p == '"') {
                in_str = 1;
            } else if (*p == '[' || *p == '{') {
                depth++;
            } else if (*p == ']' || *p == '}') {
                if (--depth == 0)
                    return p + 1;
            }
        }
        return NULL;
    }
    while (*p && !strchr(",}] \t\r\n", *p))
        p++;
    return p;
}

/* Replaces the value of the first member named key (searched from the
 * first occurrence of within, when given) with value. */
static int set_member(char **json, const char *within, const char *key, const char *value)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *from = *json;
    if (within) {
        char w[64];
        snprintf(w, sizeof w, "\"%s\"", within);
        from = strstr(from, w);
        if (!from)
            return -1;
    }
    const char *k = strstr(from, quoted);
    if (!k)
        return -1;
    const char *p = k + strlen(quoted);
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (*p++ != ':')
        return -1;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    const char *e = value_end(p);
    if (!e || e == p)
        return -1;
    size_t head = (size_t)(p - *json), tail = strlen(e), vlen = strlen(value);
    char *out = malloc(head + vlen + tail + 1);
    if (!out)
        return -1;
    memcpy(out, *json, head);
    memcpy(out + head, value, vlen);
    memcpy(out + head + vlen, e, tail + 1);
    free(*json);
    *json = out;
    return 0;
}

int bundle_adjust_config(char **json)
{
    if (set_member(json, "process", "terminal", "false") < 0)
        return -1;
    if (set_member(json, "process", "args", "[\"" BUNDLE_BINARY "\"]") < 0)
        return -1;
    if (set_member(json, "root", "readonly", "true") < 0)
        return -1;
    return 0;
}

int bundle_create(const char *runc, const char *dir, const char *binary, char *err, size_t errlen)
{
    char path[4096];
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/rootfs", dir);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/rootfs%s", dir, BUNDLE_BINARY);
    if (copy_file(binary, path, 0755) < 0) {
        snprintf(err, errlen, "copy %s to %s: %s", binary, path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/config.json", dir);
    unlink(path); /* runc spec refuses to overwrite */
    char *argv[] = {(char *)runc, "spec", "--bundle", (char *)dir, NULL};
    int st = run_wait(argv, NULL);
    if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(err, errlen, "%s spec failed (status %d)", runc, st);
        return -1;
    }
    char *json = read_all(path);
    if (!json) {
        snprintf(err, errlen, "read %s: %s", path, strerror(errno));
        return -1;
    }
    if (bundle_adjust_config(&json) < 0) {
        free(json);
        snprintf(err, errlen, "%s: unexpected runc spec layout", path);
        return -1;
    }
    FILE *f = fopen(path, "w");
    int ok = f && fputs(json, f) >= 0;
    if (f && fclose(f) != 0)
        ok = 0;
    free(json);
    if (!ok) {
        snprintf(err, errlen, "write %s failed", path);
        return -1;
    }
    return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int tree_remove(const char *dir)
{
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
