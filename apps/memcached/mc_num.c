/*
 * mc_num.c - number parsing and formatting with memcached's exact
 * acceptance rules. The C library's strtol family would do, but the engine
 * avoids locale and errno, so the rules are spelled out here:
 *   - leading whitespace is skipped, then an optional sign, then digits;
 *   - at least one digit; overflow of the 64-bit type is an error;
 *   - the number must be followed by whitespace or the end of the string;
 *   - unsigned parsers reject a '-' when the result would be "negative"
 *     as a signed value (so "-1" fails but "-0" is 0);
 *   - 32-bit results are the low 32 bits of the 64-bit value (memcached
 *     parses with a 64-bit long and then narrows).
 */
#include "mc_internal.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Parses like strtoull; returns false on no digits or overflow. *end set. */
static bool scan_u64(const char *s, const char *lim, uint64_t *out, bool *neg, const char **end)
{
    const char *p = s;
    while (p < lim && is_space(*p))
        p++;
    *neg = false;
    if (p < lim && (*p == '+' || *p == '-')) {
        *neg = (*p == '-');
        p++;
    }
    uint64_t v = 0;
    bool any = false, ovf = false;
    while (p < lim && *p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            ovf = true;
        v = v * 10 + d;
        any = true;
        p++;
    }
    *end = p;
    if (!any || ovf)
        return false;
    *out = v;
    return true;
}

static bool tail_ok(const char *end, const char *lim)
{
    return end >= lim || *end == '\0' || is_space(*end);
}

static const char *str_end(const char *s)
{
    while (*s)
        s++;
    return s;
}

static bool parse_u64_range(const char *s, const char *lim, uint64_t *out)
{
    uint64_t v;
    bool neg;
    const char *end;
    *out = 0;
    if (!scan_u64(s, lim, &v, &neg, &end))
        return false;
    if (!tail_ok(end, lim))
        return false;
    if (neg)
        v = (uint64_t)0 - v;
    if ((int64_t)v < 0 && neg)
        return false;
    *out = v;
    return true;
}

bool mc_parse_u64(const char *s, uint64_t *out)
{
    return parse_u64_range(s, str_end(s), out);
}

bool mc_parse_u64_value(const char *s, size_t n, uint64_t *out)
{
    return parse_u64_range(s, s + n, out);
}

bool mc_parse_u32(const char *s, uint32_t *out)
{
    /* strtoul on LP64: a 64-bit parse, then narrowed by the caller */
    uint64_t v;
    *out = 0;
    if (!mc_parse_u64(s, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool mc_parse_i64(const char *s, int64_t *out)
{
    const char *lim = str_end(s), *end;
    uint64_t v;
    bool neg;
    *out = 0;
    if (!scan_u64(s, lim, &v, &neg, &end))
        return false;
    /* strtol range: [-2^63, 2^63-1] */
    if (!neg && v > (uint64_t)INT64_MAX)
        return false;
    if (neg && v > (uint64_t)INT64_MAX + 1)
        return false;
    if (!tail_ok(end, lim))
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool mc_parse_i32(const char *s, int32_t *out)
{
    int64_t l;
    *out = 0;
    if (!mc_parse_i64(s, &l))
        return false;
    *out = (int32_t)(uint32_t)(uint64_t)l;
    return true;
}

char *mc_u64toa(uint64_t v, char *p)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    *p = '\0';
    return p;
}

char *mc_i64toa(int64_t v, char *p)
{
    if (v < 0) {
        *p++ = '-';
        return mc_u64toa((uint64_t)0 - (uint64_t)v, p);
    }
    return mc_u64toa((uint64_t)v, p);
}
