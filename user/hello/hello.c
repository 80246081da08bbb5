/* The first EdgeOS program: stdio, malloc and the clock through musl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char *buf = malloc(100000);
    if (!buf) {
        printf("hello: malloc failed\n");
        return 1;
    }
    memset(buf, 'x', 100000);
    size_t sum = 0;
    for (int i = 0; i < 100000; i++)
        sum += (unsigned char)buf[i];
    free(buf);
    printf("Hello from EdgeOS! %s has %d argument(s); malloc'd 100000 bytes (sum %zu); uptime %ld.%09ld s\n",
           argv[0], argc - 1, sum, (long)ts.tv_sec, ts.tv_nsec);
    return 0;
}
