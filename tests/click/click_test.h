/* Minimal test harness for the Click unit tests. Each test is a void
 * function that uses CHECK; the first failed CHECK ends the test. */
#ifndef CLICK_TEST_H
#define CLICK_TEST_H

/* Messages are cut to fit ct_msg; that is fine for test output. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "click.h"
#include "click_memdev.h"
#include "click_net.h"
#include "click_packet.h"

extern char ct_msg[1024];
extern int ct_failed;

#define CHECK(c, ...)                                                       \
    do {                                                                    \
        if (!(c)) {                                                         \
            if (!ct_failed) snprintf(ct_msg, sizeof ct_msg, __VA_ARGS__);   \
            ct_failed = 1;                                                  \
            return;                                                         \
        }                                                                   \
    } while (0)

typedef struct ct_env {
    click_memdev *m;
    click_router *r;
    char err[8192];
} ct_env;

typedef struct ct_case {
    const char *name;
    void (*fn)(void);
} ct_case;

/* Build a router over in-memory devices; returns 0, or -1 with t->err set. */
int ct_setup(ct_env *t, const char *config);
void ct_teardown(ct_env *t);
void ct_rx(ct_env *t, const char *dev, const uint8_t *data, size_t len);
void ct_run(ct_env *t);
int ct_ntx(ct_env *t, const char *dev);
const uint8_t *ct_tx(ct_env *t, const char *dev, int i, uint32_t *len);
/* Handler value as text (static buffer) or "<error: ...>". */
const char *ct_read(ct_env *t, const char *spec);
long long ct_read_n(ct_env *t, const char *spec);
/* Router creation error for a config ("" if it was accepted). */
const char *ct_config_error(const char *config);

/* Packet builders: return the length written into b. Addresses host order. */
uint32_t ct_ip(const char *dotted);
size_t pk_udp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, size_t datalen);
size_t pk_tcp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint8_t flags);
size_t pk_icmp(uint8_t *b, uint32_t src, uint32_t dst, uint8_t type, size_t datalen);
/* Wrap an IP packet (in place) in Ethernet; returns new length. */
size_t pk_eth(uint8_t *b, size_t len, uint16_t type);
/* Recompute the IP header checksum of the packet at b. */
void pk_fix_ip(uint8_t *b);
/* L4 checksum check (TCP/UDP/ICMP) of an IP packet. */
int pk_l4_ok(const uint8_t *ip);

extern const ct_case ct_parser_cases[];
extern const ct_case ct_element_cases[];
extern const ct_case ct_ipsumdump_cases[];
extern const ct_case ct_engine_cases[];

#endif
