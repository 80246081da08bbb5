/* Clipboard(OFFSET/LENGTH, ...): two paths side by side. Packets on input 0
 * go to output 0 after their bytes in the given ranges are copied to the
 * clipboard (which starts as zeros); packets on input 1 go to output 1
 * after the clipboard is pasted back into the same ranges. Packets too
 * short for every range are passed on unchanged (and copy nothing).
 * Push or pull. */
#include <stdlib.h>
#include <string.h>

#include "../engine/click_element.h"

#define CLIP_MAX_RANGES 64

typedef struct clipboard {
    click_element e;
    int n;
    uint32_t off[CLIP_MAX_RANGES], len[CLIP_MAX_RANGES];
    uint32_t minlen, total;
    uint8_t *clip;
} clipboard;

static int cb_configure(click_element *e, click_args *a, click_errh *errh) {
    clipboard *c = (clipboard *)e;
    for (const char *v; (v = click_args_next(a));) {
        const char *slash = strchr(v, '/');
        char num[32];
        unsigned long long off, len;
        if (c->n == CLIP_MAX_RANGES) {
            click_errh_here(errh, "too many ranges (max %d)", CLIP_MAX_RANGES);
            return -1;
        }
        if (!slash || slash == v || !slash[1] || (size_t)(slash - v) >= sizeof num) {
            click_errh_here(errh, "range %d: expected '/' between offset and length", c->n);
            return -1;
        }
        memcpy(num, v, (size_t)(slash - v));
        num[slash - v] = 0;
        if (click_parse_uint(num, &off) < 0 || click_parse_uint(slash + 1, &len) < 0 || off > 65535 ||
            len > 65535) {
            click_errh_here(errh, "range %d: invalid offset or length", c->n);
            return -1;
        }
        c->off[c->n] = (uint32_t)off;
        c->len[c->n] = (uint32_t)len;
        c->total += (uint32_t)len;
        if (off + len > c->minlen) c->minlen = (uint32_t)(off + len);
        c->n++;
    }
    c->clip = calloc(1, c->total ? c->total : 1);
    if (!c->clip) {
        click_errh_here(errh, "out of memory");
        return -1;
    }
    return click_args_done(a);
}

static void cb_cleanup(click_element *e) {
    free(((clipboard *)e)->clip);
    ((clipboard *)e)->clip = NULL;
}

static void copy_or_paste(clipboard *c, click_packet *p, bool paste) {
    if (p->len < c->minlen) return;
    uint8_t *x = c->clip;
    for (int i = 0; i < c->n; i++) {
        if (paste) memcpy(p->data + c->off[i], x, c->len[i]);
        else memcpy(x, p->data + c->off[i], c->len[i]);
        x += c->len[i];
    }
}

static void cb_push(click_element *e, int port, click_packet *p) {
    copy_or_paste((clipboard *)e, p, port == 1);
    click_output_push(e, port, p);
}

static click_packet *cb_pull(click_element *e, int port) {
    click_packet *p = click_input_pull(e, port);
    if (p) copy_or_paste((clipboard *)e, p, port == 1);
    return p;
}

const click_element_class click_class_Clipboard = {
    .name = "Clipboard", .ports = "2/2", .processing = "a/a", .size = sizeof(clipboard),
    .configure = cb_configure, .cleanup = cb_cleanup, .push = cb_push, .pull = cb_pull};
