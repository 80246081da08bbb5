/* Print([LABEL, LENGTH, keywords CONTENTS, TIMESTAMP, ACTIVE]) writes one
 * line per packet to the host's log sink:
 *     LABEL: LEN | 0a0b0c0d 0e0f1011 ...
 * showing the first LENGTH bytes (default 24) in hex; CONTENTS ASCII shows
 * them as text in groups of eight (unprintable bytes as '.'), CONTENTS
 * false only the length; TIMESTAMP true adds the timestamp annotation. */
#include <stdio.h>
#include <string.h>

#include "../engine/click_element.h"

typedef struct print {
    click_element e;
    char label[128];
    uint32_t length;
    bool contents, ascii, timestamp, active;
} print;

static int pr_configure(click_element *e, click_args *a, click_errh *errh) {
    print *p = (print *)e;
    p->length = 24;
    p->contents = true;
    p->active = true;
    const char *v;
    unsigned long long u;
    if ((v = click_args_kw(a, "CONTENTS"))) {
        if (!strcmp(v, "HEX") || !strcmp(v, "true")) p->contents = true;
        else if (!strcmp(v, "NONE") || !strcmp(v, "false")) p->contents = false;
        else if (!strcmp(v, "ASCII")) p->ascii = true;
        else {
            click_errh_here(errh, "CONTENTS must be true, false, HEX, ASCII or NONE");
            return -1;
        }
    }
    if ((v = click_args_kw(a, "TIMESTAMP")) && click_parse_bool(v, &p->timestamp) < 0) {
        click_errh_here(errh, "TIMESTAMP must be a boolean");
        return -1;
    }
    if ((v = click_args_kw(a, "ACTIVE")) && click_parse_bool(v, &p->active) < 0) {
        click_errh_here(errh, "ACTIVE must be a boolean");
        return -1;
    }
    const char *lv = click_args_kw(a, "MAXLENGTH");
    if (!lv) lv = click_args_kw(a, "LENGTH");
    const char *label = click_args_kw(a, "LABEL");
    if (!label) label = click_args_next(a);
    if (!lv) lv = click_args_next(a);
    if (label && click_parse_string(label, p->label, sizeof p->label) < 0) {
        click_errh_here(errh, "LABEL too long or badly quoted");
        return -1;
    }
    if (lv) {
        if (click_parse_uint(lv, &u) < 0 || u > 4096) {
            click_errh_here(errh, "LENGTH must be an integer up to 4096");
            return -1;
        }
        p->length = (uint32_t)u;
    }
    return click_args_done(a);
}

static click_packet *pr_action(click_element *e, click_packet *pk) {
    print *p = (print *)e;
    if (!p->active) return pk;
    char line[128 + 64 + 4096 * 2 + 1024 + 64];
    size_t n = 0;
    if (p->label[0]) n += (size_t)snprintf(line + n, sizeof line - n, "%s: ", p->label);
    if (p->timestamp)
        n += (size_t)snprintf(line + n, sizeof line - n, "%llu.%09llu: ",
                              (unsigned long long)(pk->timestamp_ns / 1000000000u),
                              (unsigned long long)(pk->timestamp_ns % 1000000000u));
    n += (size_t)snprintf(line + n, sizeof line - n, "%4u", pk->len);
    if (p->contents) {
        uint32_t show = pk->len < p->length ? pk->len : p->length;
        if (show) n += (size_t)snprintf(line + n, sizeof line - n, p->ascii ? " | " : " |");
        for (uint32_t i = 0; i < show && n + 4 < sizeof line; i++) {
            if (p->ascii) {
                /* groups of eight characters; unprintable bytes as '.' */
                if (i % 8 == 0) line[n++] = ' ';
                line[n++] = pk->data[i] >= 32 && pk->data[i] <= 126 ? (char)pk->data[i] : '.';
                continue;
            }
            if (i % 4 == 0) line[n++] = ' ';
            n += (size_t)snprintf(line + n, sizeof line - n, "%02x", pk->data[i]);
        }
    }
    line[n < sizeof line ? n : sizeof line - 1] = 0;
    click_element_log(e, "%s", line);
    return pk;
}

const click_element_class click_class_Print = {
    .name = "Print", .ports = "1/1", .processing = "a/a", .size = sizeof(print),
    .configure = pr_configure, .simple_action = pr_action};
