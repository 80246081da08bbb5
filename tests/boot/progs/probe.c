/* probe: a service that looks for what its tenant must not reach and
 * answers one line of name=result pairs (results are return values:
 * negative errno numbers where the kernel refused):
 *   other=   TEMPLATE_OPEN of the name in the request (another tenant's template)
 *   own=     TEMPLATE_OPEN of its own template (argv[0]): allowed
 *   caps=    capability indices 0..4095 that name anything (only the nic's two grants)
 *   tinfo=   TENANT_INFO of capability indices 0..63 that succeed (none should)
 *   spawn= registry= devinfo= tcreate=   root-only calls
 *   mem_total= mem_free=   what MEM_INFO shows (its own tenant, not the machine)
 *   self=    TENANT_INFO(-1): its own tenant's id */
#include <stdio.h>
#include <string.h>
#include "eos_service.h"

static const char *own_name;

static void handle(void *ctx, struct eos_service *s, const struct eos_request *req)
{
    (void)ctx;
    char other[64];
    size_t n = req->len < sizeof other - 1 ? req->len : sizeof other - 1;
    memcpy(other, req->data, n);
    other[n] = 0;
    int caps = 0;
    struct eos_fwp_info fi;
    for (long i = 0; i < 4096; i++) {
        uint64_t w[4] = { 0, 0, 0, 0 };
        /* Any capability answers something other than -EBADF to one of these. */
        if (eos_fwp_info(i, &fi) != -9 || eos_signal(i, 0) != -9 || eos_call(i, w) != -9 ||
            eos_chan_send(i, NULL, 0) != -9)
            caps++;
    }
    long o = eos_template_open_nowait(other);
    long own = eos_template_open_nowait(own_name);
    int tinfo = 0;
    struct eos_tenant_info ti;
    for (long i = 0; i < 64; i++)
        if (eos_tenant_info(i, &ti) == 0)
            tinfo++;
    struct eos_spawn sp;
    memset(&sp, 0, sizeof sp);
    struct eos_tenant_cfg tc;
    memset(&tc, 0, sizeof tc);
    tc.mem_limit = 1 << 20;
    struct eos_dev_info di;
    struct eos_mem_info mi;
    eos_mem_info(&mi);
    struct eos_tenant_info self;
    eos_tenant_info(-1, &self);
    char out[400];
    int len = snprintf(out, sizeof out,
                       "probe other=%ld own=%s caps=%d tinfo=%d spawn=%ld registry=%ld devinfo=%ld tcreate=%ld "
                       "mem_total=%llu mem_free=%llu self=%llu",
                       o, own >= 0 ? "ok" : "refused", caps, tinfo, eos_spawn(0, &sp), eos_registry_get("nic.ctl"),
                       eos_dev_info(0, &di), eos_tenant_create(&tc), (unsigned long long)mi.frames_total * 4096,
                       (unsigned long long)mi.frames_free * 4096, (unsigned long long)self.id);
    if (own >= 0)
        eos_cap_delete(own);
    if (o >= 0)
        eos_cap_delete(o);
    eos_service_reply(s, req, out, (size_t)len);
}

int main(int argc, char **argv)
{
    (void)argc;
    own_name = argv[0];
    static struct eos_service s;
    return eos_service_serve(&s, 8, handle, NULL);
}
