/* Fork bomb for the Linux peer guest's "forkbomb" case.
 *
 * The parent forks without pause. Each child allocates 1 MiB, writes every
 * byte of it (so the memory is really charged to the cgroup) and then sleeps
 * forever. When fork fails the parent waits 1 ms and tries again, so the
 * pressure lasts as long as the guest runs. Run inside a cgroup with a
 * memory.max limit: the kernel's OOM killer keeps killing children there and
 * the parent keeps replacing them. The parent marks itself unkillable by the
 * OOM killer (oom_score_adj -1000) so that the pressure does not stop when
 * the OOM killer happens to pick it; children are reaped automatically. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 20)

static void protect_self(void)
{
    int fd = open("/proc/self/oom_score_adj", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "-1000", 5) != 5) {
            /* not fatal: the bomb then simply may be killed itself */
        }
        close(fd);
    }
}

static void child(void)
{
    /* children must stay OOM-killable: undo the parent's protection */
    int fd = open("/proc/self/oom_score_adj", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "0", 1) != 1) {
            /* ignore */
        }
        close(fd);
    }
    char *p = malloc(CHUNK);
    if (p)
        memset(p, 0xa5, CHUNK);
    for (;;)
        pause();
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);          /* no zombies to reap */
    protect_self();

    const struct timespec retry = {0, 1000000};
    for (;;) {
        pid_t pid = fork();
        if (pid == 0)
            child();
        else if (pid < 0)
            nanosleep(&retry, NULL);
    }
}
