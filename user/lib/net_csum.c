/* The Internet checksum (RFC 1071): a one's-complement sum of 16-bit
 * big-endian words, complemented. */
#include <string.h>
#include "net_proto.h"

uint32_t net_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    /* Summed four bytes at a time in the machine's byte order, folded to 16
     * bits, then put in network order: the one's-complement sum does not
     * depend on the byte order it is taken in (RFC 1071). A 64-bit
     * accumulator cannot overflow for any frame-sized input; the result is
     * folded to 16 bits, so callers can chain sums. */
    uint64_t s = 0;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t w;
        memcpy(&w, p + i, 4);
        s += w;
    }
    if (i + 2 <= len) {
        uint16_t w;
        memcpy(&w, p + i, 2);
        s += w;
        i += 2;
    }
    uint64_t tail = i < len ? p[i] : 0;     /* odd tail: pad with a zero byte */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    s += tail;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    s = ((s & 0xff) << 8) | (s >> 8);
#else
    s += tail << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
#endif
    s += sum;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
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
