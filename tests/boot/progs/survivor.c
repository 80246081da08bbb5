/* Outlives its faulting neighbours: sleeps, then allocates, computes and
 * reports, showing the kernel and other programs kept running. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(void)
{
    struct timespec d = { 0, 300 * 1000 * 1000 };
    nanosleep(&d, NULL);
    char *p = malloc(1 << 20);
    if (!p)
        return 2;
    memset(p, 7, 1 << 20);
    long sum = 0;
    for (int i = 0; i < (1 << 20); i++)
        sum += p[i];
    printf("survivor: alive after neighbours faulted (sum %ld)\n", sum);
    return sum == 7L * (1 << 20) ? 0 : 3;
}
