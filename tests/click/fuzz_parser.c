/* libFuzzer harness: configuration text -> parser, graph checks, element
 * configuration and a short run. Any input must give a router or an error
 * message with a location, never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "click.h"
#include "click_memdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 16384) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    click_memdev *m = click_memdev_create();
    click_host h;
    click_memdev_host(m, &h);
    static const char *const params[] = {"IN=in", "OUT=out", NULL};
    char err[4096];
    click_router *r = click_router_create(text, "fuzz.click", &h, params, err, sizeof err);
    if (r) {
        static const uint8_t frame[60] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8, 0, 0x45, 0, 0, 46};
        click_memdev_add_rx(m, "in", frame, sizeof frame, 1);
        click_router_run(r, 200);
        char buf[256];
        click_router_read(r, "x.count", buf, sizeof buf);
        click_router_destroy(r);
    } else if (strncmp(err, "fuzz.click:", 11) != 0) {
        abort(); /* every error carries a location */
    }
    click_memdev_destroy(m);
    free(text);
    return 0;
}
