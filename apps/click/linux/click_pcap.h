/* pcap capture files for the Linux host (classic libpcap format, written
 * and read here directly: microsecond or nanosecond timestamps, either byte
 * order). */
#ifndef CLICK_PCAP_H
#define CLICK_PCAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PCAP_LINKTYPE_ETHERNET 1
#define PCAP_LINKTYPE_RAW 101
#define PCAP_MAX_RECORD 262144

typedef struct click_pcap {
    FILE *f;
    bool writing, swapped, nsec;
    uint32_t linktype, snaplen;
} click_pcap;

/* Return 0 or -1 with a message in err. */
int click_pcap_open_read(click_pcap *pc, const char *path, char *err, size_t errlen);
int click_pcap_open_write(click_pcap *pc, const char *path, uint32_t linktype, char *err,
                          size_t errlen);
/* Read one record into buf (cap bytes). Returns the captured length, 0 at
 * end of file, -1 on a corrupt record. */
int click_pcap_read(click_pcap *pc, uint8_t *buf, uint32_t cap, uint64_t *ts_ns);
int click_pcap_write(click_pcap *pc, const uint8_t *data, uint32_t len, uint64_t ts_ns);
void click_pcap_close(click_pcap *pc);

#endif
