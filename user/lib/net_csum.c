/* The Internet checksum (RFC 1071): a one's-complement sum of 16-bit
 * big-endian words, complemented. */
#include "net_proto.h"

uint32_t net_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    /* A 64-bit accumulator cannot overflow for any frame-sized input; it is
     * folded back to 32 bits so callers can chain sums. */
    uint64_t s = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (i < len)
        s += (uint32_t)p[i] << 8;          /* odd tail: pad with a zero byte */
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

uint16_t net_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint32_t net_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t l4len)
{
    uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (l4len & 0xffff);
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}
