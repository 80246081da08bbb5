/* echo: a minimal EdgeOS service (user/lib/eos_service.h): each request
 * datagram comes back to its sender, prefixed with the instance's FWP id
 * ("<id> <bytes>"), so a client can tell which instance answered.
 * Deploy it with `edgeosctl deploy T NAME --program build/user/echo.elf ...`. */
#include <stdio.h>
#include <string.h>
#include "eos_service.h"

static void handle(void *ctx, struct eos_service *s, const struct eos_request *req)
{
    (void)ctx;
    char out[EOS_SERVICE_REPLY_MAX];
    int n = snprintf(out, sizeof out, "%ld ", s->id);
    size_t len = req->len;
    if (len > sizeof out - (size_t)n)
        len = sizeof out - (size_t)n;
    memcpy(out + n, req->data, len);
    eos_service_reply(s, req, out, (size_t)n + len);
}

int main(void)
{
    static struct eos_service s;
    if (eos_service_init(&s, 16) < 0) {
        printf("echo: cannot declare the inbox\n");
        return 1;
    }
    int r = eos_service_start(&s);
    if (r != 0)
        return r < 0 ? 1 : 0;
    eos_service_run(&s, handle, NULL);
}
