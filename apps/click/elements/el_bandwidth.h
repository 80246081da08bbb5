/* Bandwidth arguments (el_rated.c): a number with an optional unit —
 * bps or b/s (bits), Bps or B/s (bytes), with a k/K, M or G prefix
 * ("100kb/s", "2000Bps", "1.5Mbps"); a bare number is bytes per second.
 * Returns 0 and the rate in bytes per second, or -1. */
#ifndef EL_BANDWIDTH_H
#define EL_BANDWIDTH_H

#include <stdint.h>

int el_parse_bandwidth(const char *s, uint32_t *bytes_per_sec);

#endif
