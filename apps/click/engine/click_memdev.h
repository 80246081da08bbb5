/* In-memory devices: a portable host device layer that keeps frames in
 * memory. Used by the tests, the fuzzers and the benchmark, and a model for
 * ring-backed devices. Every device name (FromDevice, ToDevice, FromDump,
 * ToDump alike) refers to one in-memory device with a receive list and a
 * transmit log; devices are created when first named. */
#ifndef CLICK_MEMDEV_H
#define CLICK_MEMDEV_H

#include "click.h"

typedef struct click_memdev click_memdev;

/* Generator: fills a frame for packet number i (for benchmarks). */
typedef void (*click_memdev_gen)(uint8_t *frame, uint32_t len, uint64_t i, void *arg);

click_memdev *click_memdev_create(void);
void click_memdev_destroy(click_memdev *m);
/* Fill a click_host that uses these devices, the memdev's clock and its log. */
void click_memdev_host(click_memdev *m, click_host *h);

/* Queue a frame for reception on device name. */
int click_memdev_add_rx(click_memdev *m, const char *name, const void *data, uint32_t len,
                        uint64_t timestamp_ns);
/* Make device name produce count copies of template (modified by gen). */
int click_memdev_set_generator(click_memdev *m, const char *name, const void *tmpl, uint32_t len,
                               uint64_t count, click_memdev_gen gen, void *arg);
/* Whether transmitted frames are kept (default) or only counted. */
void click_memdev_set_store(click_memdev *m, const char *name, bool store);
/* Receive on an empty device: EOF (default) or "nothing yet". */
void click_memdev_set_live(click_memdev *m, const char *name, bool live);

int click_memdev_tx_count(click_memdev *m, const char *name);
uint64_t click_memdev_tx_total(click_memdev *m, const char *name);
const uint8_t *click_memdev_tx(click_memdev *m, const char *name, int i, uint32_t *len);
void click_memdev_clear(click_memdev *m);

void click_memdev_set_time(click_memdev *m, uint64_t now_ns);
/* Log lines written through the host (newline-terminated), or "". */
const char *click_memdev_log(click_memdev *m);
void click_memdev_clear_log(click_memdev *m);

#endif
