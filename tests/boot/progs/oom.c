/* Allocates until malloc fails: with a per-program memory quota, malloc
 * must return NULL (no crash, no kernel panic). Then frees and allocates
 * again to show the memory came back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    static char *blocks[100000];
    int n = 0;
    size_t sizes[] = { 1 << 20, 64 << 10, 4 << 10, 64 };
    size_t total = 0;
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (;;) {
            if (n == 100000)
                break;
            char *p = malloc(sizes[s]);
            if (!p)
                break;
            memset(p, 0x5a, sizes[s]);
            blocks[n++] = p;
            total += sizes[s];
        }
    }
    printf("oom: malloc returned NULL after %zu KiB in %d blocks\n", total >> 10, n);
    for (int i = 0; i < n; i++)
        free(blocks[i]);
    char *again = malloc(1 << 20);
    printf("oom: after free, a 1 MiB malloc %s\n", again ? "succeeded" : "failed");
    return again ? 0 : 1;
}
