/* replyflood: a service that, asked "go MS", answers its client with as
 * many replies as it can send for MS milliseconds (to its own, valid flow),
 * then one last reply "done <sent>". It tests that one service's replies
 * cannot crowd out another's on their way through the nic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eos_service.h"

static uint64_t tsc_hz;

static void handle(void *ctx, struct eos_service *s, const struct eos_request *req)
{
    (void)ctx;
    char arg[16] = {0};
    memcpy(arg, req->data, req->len < sizeof arg - 1 ? req->len : sizeof arg - 1);
    long ms = strncmp(arg, "go ", 3) == 0 ? atol(arg + 3) : 0;
    static uint8_t junk[EOS_SERVICE_REPLY_MAX];
    memset(junk, 'f', sizeof junk);
    uint64_t end = eos_rdtsc() + (uint64_t)ms * (tsc_hz / 1000);
    unsigned long sent = 0;
    while (eos_rdtsc() < end) {
        eos_service_reply(s, req, junk, sizeof junk);
        sent++;
    }
    eos_service_flush(s);
    char out[48];
    int n = snprintf(out, sizeof out, "done %lu", sent);
    eos_service_reply(s, req, out, (size_t)n);
}

int main(void)
{
    struct eos_mem_info mi;
    if (eos_mem_info(&mi) < 0 || !mi.tsc_hz)
        return 1;
    tsc_hz = mi.tsc_hz;
    static struct eos_service s;
    return eos_service_serve(&s, 8, handle, NULL);
}
