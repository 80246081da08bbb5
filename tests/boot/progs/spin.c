/* Spins forever without yielding, printing a tick every 40 ms of CPU-bound
 * work. Two of these on one CPU both make progress only if the kernel
 * preempts them. */
#include <stdio.h>
#include <time.h>

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    const char *label = argc > 1 ? argv[1] : "?";
    volatile unsigned long work = 0;
    for (int tick = 1;; tick++) {
        long end = now_ms() + 40;
        while (now_ms() < end)
            for (int i = 0; i < 1000; i++)
                work++;
        printf("spin %s tick %d\n", label, tick);
    }
}
