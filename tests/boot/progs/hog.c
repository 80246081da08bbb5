/* hog: a service whose instance, on each request, allocates memory 64 KiB
 * at a time until malloc returns NULL (its FWP's or its tenant's quota),
 * touches it, and answers "hog <id> <KiB allocated> <tenant used KiB>
 * <tenant quota KiB>"; the memory is kept, so later requests find the
 * quota already reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eos_service.h"

static unsigned long total_kib;

static void handle(void *ctx, struct eos_service *s, const struct eos_request *req)
{
    (void)ctx;
    for (;;) {
        char *p = malloc(64 << 10);
        if (!p)
            break;
        memset(p, 0xa5, 64 << 10);
        total_kib += 64;
    }
    struct eos_tenant_info ti;
    memset(&ti, 0, sizeof ti);
    eos_tenant_info(-1, &ti);
    char out[128];
    int n = snprintf(out, sizeof out, "hog %ld %lu %llu %llu", s->id, total_kib, (unsigned long long)(ti.mem_used >> 10),
                     (unsigned long long)(ti.mem_limit >> 10));
    eos_service_reply(s, req, out, (size_t)n);
}

int main(void)
{
    static struct eos_service s;
    return eos_service_serve(&s, 8, handle, NULL);
}
