/*
 * mc_base64.c - standard base64 (RFC 4648, with '=' padding) for the meta
 * protocol's binary keys (flag b). Decoding rejects anything malformed and
 * returns 0 then.
 */
#include "mc_internal.h"

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

size_t mc_base64_decode(const char *in, size_t n, unsigned char *out, size_t outcap)
{
    if (n == 0 || n % 4 != 0)
        return 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + k];
            if (c == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
            } else {
                if (pad)
                    return 0;   /* data after padding */
                v[k] = b64val(c);
                if (v[k] < 0)
                    return 0;
            }
        }
        uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        int bytes = 3 - pad;
        for (int k = 0; k < bytes; k++) {
            if (o >= outcap)
                return 0;
            out[o++] = (unsigned char)(w >> (16 - 8 * k));
        }
    }
    return o;
}

size_t mc_base64_encode(const unsigned char *in, size_t n, char *out, size_t outcap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)in[i] << 16;
        size_t rem = n - i;
        if (rem > 1) w |= (uint32_t)in[i + 1] << 8;
        if (rem > 2) w |= in[i + 2];
        if (o + 4 > outcap)
            return 0;
        out[o++] = b64chars[(w >> 18) & 63];
        out[o++] = b64chars[(w >> 12) & 63];
        out[o++] = rem > 1 ? b64chars[(w >> 6) & 63] : '=';
        out[o++] = rem > 2 ? b64chars[w & 63] : '=';
    }
    return o;
}
