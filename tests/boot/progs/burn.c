/* burn: a service whose instances spin on every CPU for ever (tests and the
 * isolation benchmark: a tenant that never blocks). Each instance starts
 * 2 x CPUs spinning threads (the kernel places threads round robin, so
 * every CPU gets some) and answers requests with the CPUs they run on. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "eos_service.h"

static volatile unsigned long spins;
static volatile unsigned cpu_mask;

static void *spin(void *arg)
{
    (void)arg;
    __atomic_or_fetch(&cpu_mask, 1u << (eos_cpu() & 31), __ATOMIC_RELAXED);
    for (;;)
        spins++;
    return NULL;
}

static void handle(void *ctx, struct eos_service *s, const struct eos_request *req)
{
    (void)ctx;
    char out[64];
    int n = snprintf(out, sizeof out, "burn %ld cpus=%x", s->id, cpu_mask);
    eos_service_reply(s, req, out, (size_t)n);
}

int main(void)
{
    static struct eos_service s;
    if (eos_service_init(&s, 8) < 0)
        return 1;
    int r = eos_service_start(&s);
    if (r != 0)
        return r < 0 ? 1 : 0;
    long n = 2 * eos_ncpus();
    for (long i = 0; i < n; i++) {
        pthread_t t;
        pthread_create(&t, NULL, spin, NULL);
    }
    eos_service_run(&s, handle, NULL);
}
