/* Address formatting helpers (see click_net.h). */
#include "click_net.h"

#include <stdio.h>

char *click_ip_str(uint32_t ip, char buf[16]) {
    snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    return buf;
}

char *click_ether_str(const uint8_t m[6], char buf[18]) {
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}
