/*
 * mc_token.c - splits a request line into space-separated tokens, in place.
 *
 * Only ' ' separates (tabs are part of a token). At most max_tokens - 1
 * tokens are produced; the last entry is always a terminal token of length
 * 0 whose value is NULL when the whole line was consumed, or else points at
 * the unparsed rest (multi-key get continues from there). The line is a C
 * string: an embedded NUL ends it, as with memcached.
 */
#include "mc_internal.h"

#include <string.h>

size_t mc_tokenize(char *line, mc_token *tokens, size_t max_tokens)
{
    size_t n = 0;
    size_t len = strlen(line);
    char *s = line, *e = line;
    for (size_t i = 0; i < len; i++) {
        if (*e == ' ') {
            if (s != e) {
                tokens[n].value = s;
                tokens[n].length = (size_t)(e - s);
                n++;
                *e = '\0';
                if (n == max_tokens - 1) {
                    e++;
                    s = e;
                    break;
                }
            }
            s = e + 1;
        }
        e++;
    }
    if (s != e) {
        tokens[n].value = s;
        tokens[n].length = (size_t)(e - s);
        n++;
    }
    tokens[n].value = (*e == '\0') ? NULL : e;
    tokens[n].length = 0;
    n++;
    return n;
}
