/* Address formatting and ICMP name helpers (see click_net.h). */
#include "click_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *click_ip_str(uint32_t ip, char buf[16]) {
    snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    return buf;
}

char *click_ether_str(const uint8_t m[6], char buf[18]) {
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

typedef struct icmp_name {
    int type; /* -1: a type name; otherwise the type a code name belongs to */
    int value;
    const char *name;
} icmp_name;

static const icmp_name icmp_names[] = {
    {-1, 0, "echoreply"}, {-1, 0, "echo-reply"}, {-1, 3, "unreachable"},
    {-1, 4, "sourcequench"}, {-1, 5, "redirect"}, {-1, 8, "echo"},
    {-1, 9, "routeradvert"}, {-1, 10, "routersolicit"}, {-1, 11, "timeexceeded"},
    {-1, 12, "parameterproblem"}, {-1, 13, "timestamp"}, {-1, 14, "timestampreply"},
    {-1, 15, "inforeq"}, {-1, 16, "inforeqreply"}, {-1, 17, "maskreq"},
    {-1, 18, "maskreqreply"},
    {3, 0, "net"}, {3, 1, "host"}, {3, 2, "protocol"}, {3, 3, "port"}, {3, 4, "needfrag"},
    {3, 5, "srcroutefail"}, {3, 6, "netunknown"}, {3, 7, "hostunknown"}, {3, 8, "isolated"},
    {3, 9, "netprohib"}, {3, 10, "hostprohib"}, {3, 11, "tosnet"}, {3, 12, "toshost"},
    {3, 13, "filterprohib"}, {3, 14, "hostprecedence"}, {3, 15, "precedencecutoff"},
    {5, 0, "net"}, {5, 1, "host"}, {5, 2, "tosnet"}, {5, 3, "toshost"},
    {11, 0, "transit"}, {11, 1, "reassembly"},
    {12, 0, "erroratptr"}, {12, 1, "missingopt"}, {12, 2, "length"},
};

static int icmp_lookup(int type, const char *s, int *v) {
    if (!s || !*s) return -1;
    char *end;
    long n = strtol(s, &end, 0);
    if (end != s && !*end) {
        if (n < 0 || n > 255) return -1;
        *v = (int)n;
        return 0;
    }
    for (size_t i = 0; i < sizeof icmp_names / sizeof icmp_names[0]; i++)
        if (icmp_names[i].type == type && !strcmp(icmp_names[i].name, s)) {
            *v = icmp_names[i].value;
            return 0;
        }
    return -1;
}

int click_icmp_type_parse(const char *s, int *v) { return icmp_lookup(-1, s, v); }
int click_icmp_code_parse(int type, const char *s, int *v) { return icmp_lookup(type, s, v); }
