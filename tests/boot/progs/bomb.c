/* bomb: a service whose instance, on its first request, starts a fork
 * bomb within its own tenant: it opens its own template (argv[0]) and
 * forks started copies until the kernel refuses; every copy does the same
 * and then spins. Answers "bomb <id> forks=<made> err=<the refusal>". The
 * tenant's memory quota and CPU budget are what stop it harming others. */
#include <stdio.h>
#include "eos_service.h"

static const char *own_name;

static long fork_all(long *err)
{
    long t = eos_template_open_nowait(own_name), made = 0;
    if (t < 0) {
        *err = t;
        return 0;
    }
    for (;;) {
        long c = eos_fork(t, EOS_START, -1);
        if (c < 0) {
            *err = c;
            break;
        }
        made++;
    }
    return made;
}

static void handle(void *ctx, struct eos_service *s, const struct eos_request *req)
{
    (void)ctx;
    long err = 0, made = fork_all(&err);
    char out[96];
    int n = snprintf(out, sizeof out, "bomb %ld forks=%ld err=%ld", s->id, made, err);
    eos_service_reply(s, req, out, (size_t)n);
}

int main(int argc, char **argv)
{
    (void)argc;
    own_name = argv[0];
    static struct eos_service s;
    if (eos_service_init(&s, 8) < 0)
        return 1;
    int r = eos_service_start(&s);
    if (r < 0)
        return 1;
    if (r > 0) {
        /* A copy forked by the bomb: fork more, then spin. */
        long err;
        fork_all(&err);
        for (;;)
            __asm__ volatile("pause");
    }
    eos_service_run(&s, handle, NULL);
}
