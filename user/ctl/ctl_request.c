/* Decoding a control request body (docs/control.md, "Requests and
 * responses"): the command words, then the attached files (blobs).
 *
 * Every read is checked against what is left of the body first. Words and
 * blob names are copied, NUL-terminated, into the request's arena: the
 * words take at most CTL_MAX_WORDS * 64 bytes of it in all (NULs
 * included), and the rest is the room for CTL_MAX_BLOBS names of up to
 * CTL_PATH_MAX bytes, so a request that fits its limits always fits. Blob
 * data is not copied: it points into the body. Because argv and the blob
 * names point into out->arena, a decoded request must not be copied by
 * value. */
#include <errno.h>
#include <string.h>
#include "ctl_model.h"

int ctl_model_fail(char *err, size_t errlen, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define WORDS_ARENA (CTL_MAX_WORDS * 64)
_Static_assert(sizeof ((struct ctl_request *)0)->arena >= WORDS_ARENA + CTL_MAX_BLOBS * (CTL_PATH_MAX + 1),
               "the arena holds the words and every blob name");

struct reader {
    const uint8_t *p;
    size_t left;
};

static bool take(struct reader *r, void *out, size_t n)
{
    if (r->left < n)
        return false;
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
    return true;
}

static bool take_u16(struct reader *r, uint16_t *v)
{
    uint8_t b[2];
    if (!take(r, b, 2))
        return false;
    *v = (uint16_t)(b[0] | b[1] << 8);
    return true;
}

static bool take_u32(struct reader *r, uint32_t *v)
{
    uint8_t b[4];
    if (!take(r, b, 4))
        return false;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

static int decode(const uint8_t *body, size_t len, struct ctl_request *out, char *err, size_t errlen)
{
    if (!body && len)
        return ctl_model_fail(err, errlen, -EINVAL, "no request body");
    if (len > CTL_REQUEST_MAX)
        return ctl_model_fail(err, errlen, -EINVAL, "request of %zu bytes (at most %u)", len, CTL_REQUEST_MAX);
    struct reader r = { body, len };
    size_t used = 0;
    uint16_t argc;
    if (!take_u16(&r, &argc))
        return ctl_model_fail(err, errlen, -EINVAL, "truncated request: no word count");
    if (argc == 0)
        return ctl_model_fail(err, errlen, -EINVAL, "empty request: no command words");
    if (argc > CTL_MAX_WORDS)
        return ctl_model_fail(err, errlen, -EINVAL, "%u command words (at most %d)", (unsigned)argc, CTL_MAX_WORDS);
    for (int i = 0; i < argc; i++) {
        uint16_t n;
        if (!take_u16(&r, &n))
            return ctl_model_fail(err, errlen, -EINVAL, "truncated request: no length for word %d", i + 1);
        if (n > CTL_WORD_MAX)
            return ctl_model_fail(err, errlen, -EINVAL, "word %d has %u bytes (at most %d)", i + 1, (unsigned)n,
                                  CTL_WORD_MAX);
        if ((size_t)n + 1 > WORDS_ARENA - used)
            return ctl_model_fail(err, errlen, -EINVAL, "command words longer than %d bytes in all", WORDS_ARENA);
        char *w = out->arena + used;
        if (!take(&r, w, n))
            return ctl_model_fail(err, errlen, -EINVAL, "truncated request: word %d needs %u bytes, %zu left", i + 1,
                                  (unsigned)n, r.left);
        if (memchr(w, '\0', n))
            return ctl_model_fail(err, errlen, -EINVAL, "word %d contains a NUL byte", i + 1);
        w[n] = '\0';
        used += (size_t)n + 1;
        out->argv[i] = w;
        out->argc = i + 1;
    }
    used = WORDS_ARENA;
    uint16_t nblobs;
    if (!take_u16(&r, &nblobs))
        return ctl_model_fail(err, errlen, -EINVAL, "truncated request: no file count");
    if (nblobs > CTL_MAX_BLOBS)
        return ctl_model_fail(err, errlen, -EINVAL, "%u attached files (at most %d)", (unsigned)nblobs, CTL_MAX_BLOBS);
    for (int i = 0; i < nblobs; i++) {
        uint16_t n;
        if (!take_u16(&r, &n))
            return ctl_model_fail(err, errlen, -EINVAL, "truncated request: no name length for file %d", i + 1);
        if (n == 0 || n > CTL_PATH_MAX)
            return ctl_model_fail(err, errlen, -EINVAL, "file %d has a name of %u bytes (1..%d)", i + 1, (unsigned)n,
                                  CTL_PATH_MAX);
        char *name = out->arena + used;
        if (!take(&r, name, n))
            return ctl_model_fail(err, errlen, -EINVAL, "truncated request: name of file %d needs %u bytes, %zu left",
                                  i + 1, (unsigned)n, r.left);
        if (memchr(name, '\0', n))
            return ctl_model_fail(err, errlen, -EINVAL, "the name of file %d contains a NUL byte", i + 1);
        name[n] = '\0';
        used += (size_t)n + 1;
        if (ctl_request_blob(out, name))
            return ctl_model_fail(err, errlen, -EINVAL, "file '%.64s' attached twice", name);
        uint32_t dlen;
        if (!take_u32(&r, &dlen))
            return ctl_model_fail(err, errlen, -EINVAL, "truncated request: no length for file '%.64s'", name);
        if (dlen > r.left)
            return ctl_model_fail(err, errlen, -EINVAL, "truncated request: file '%.64s' needs %u bytes, %zu left",
                                  name, (unsigned)dlen, r.left);
        out->blobs[i] = (struct ctl_blob){ .name = name, .data = r.p, .len = dlen };
        r.p += dlen;
        r.left -= dlen;
        out->nblobs = i + 1;
    }
    if (r.left)
        return ctl_model_fail(err, errlen, -EINVAL, "%zu bytes after the last attached file", r.left);
    return 0;
}

/* On a refusal the request holds no words and no files. */
int ctl_request_decode(const uint8_t *body, size_t len, struct ctl_request *out, char *err, size_t errlen)
{
    if (!out)
        return ctl_model_fail(err, errlen, -EINVAL, "no request to decode into");
    out->argc = 0;
    out->nblobs = 0;
    int rc = decode(body, len, out, err, errlen);
    if (rc < 0) {
        out->argc = 0;
        out->nblobs = 0;
    }
    return rc;
}

const struct ctl_blob *ctl_request_blob(const struct ctl_request *r, const char *name)
{
    if (!r || !name)
        return NULL;
    for (int i = 0; i < r->nblobs && i < CTL_MAX_BLOBS; i++)
        if (strcmp(r->blobs[i].name, name) == 0)
            return &r->blobs[i];
    return NULL;
}
