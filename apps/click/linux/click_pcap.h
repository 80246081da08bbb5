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

/* A pcap file as a Click device, for the Linux drivers' click_device_ops:
 * open a file by path for reading (CLICK_DEV_RX) or writing (linktype from
 * kind: raw IP with CLICK_DEV_ENCAP_IP, else Ethernet); packets read carry
 * their record's timestamp, packets written without a timestamp get now().
 * A corrupt record ends the input, with a warning on stderr prefixed by
 * warn when warn is not NULL. */
struct click_pool;
struct click_packet;
int click_pcap_dev_open(const char *path, int kind, int dir, const char *warn, uint64_t (*now)(void), void **devp,
                        char *err, size_t errlen);
int click_pcap_dev_recv(void *dev, struct click_pool *pool, struct click_packet **pkts, int max);
int click_pcap_dev_send(void *dev, struct click_packet *const *pkts, int n);
void click_pcap_dev_close(void *dev);

#endif
