/* EdgeOS Click engine: public interface for host programs.
 *
 * The engine is portable C11 with no OS dependency. Everything that touches
 * the outside world is supplied by the host through click_host:
 *   - a device layer (open / receive a batch / send a batch / close), used by
 *     FromDevice, ToDevice, FromDump and ToDump;
 *   - a monotonic clock in nanoseconds;
 *   - a log sink for Print and diagnostics.
 * On Linux the host is apps/click/linux (pcap files); inside an EdgeOS FWP the
 * host maps devices onto the process's private rings.
 */
#ifndef CLICK_H
#define CLICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct click_packet click_packet;
typedef struct click_pool click_pool;
typedef struct click_router click_router;
typedef struct click_element click_element;

/* Device kinds and directions passed to click_device_ops.open. */
enum { CLICK_DEV_KIND_DEVICE = 0, CLICK_DEV_KIND_DUMP = 1 };
enum { CLICK_DEV_RX = 1, CLICK_DEV_TX = 2 };
/* Or'ed into kind by ToDump(..., ENCAP IP): packets start at the IP header. */
#define CLICK_DEV_ENCAP_IP 0x100
/* recv_batch result meaning "this source will never deliver again". */
#define CLICK_DEV_EOF (-1)

typedef struct click_device_ops {
    /* Open device NAME (a device name for FromDevice/ToDevice, a file name for
     * FromDump/ToDump). Returns 0 and sets *devp, or a negative errno-style
     * value with a message in err. */
    int (*open)(void *ctx, const char *name, int kind, int dir, void **devp,
                char *err, size_t errlen);
    /* Receive up to max packets, allocating them from pool with
     * click_packet_alloc. Returns the number received (0: nothing now) or
     * CLICK_DEV_EOF once the source is exhausted. */
    int (*recv_batch)(void *dev, click_pool *pool, click_packet **pkts, int max);
    /* Send n packets. The device copies what it needs; the engine frees the
     * packets afterwards. Returns the number accepted. */
    int (*send_batch)(void *dev, click_packet *const *pkts, int n);
    void (*close)(void *dev);
} click_device_ops;

typedef struct click_host {
    const click_device_ops *dev; /* may be NULL: device elements then fail */
    void *ctx;                   /* passed to every callback */
    uint64_t (*now_ns)(void *ctx);        /* may be NULL: time stands still */
    void (*log)(void *ctx, const char *line); /* may be NULL: logs dropped */
} click_host;

/* Files by name, for the elements that read and write text traces
 * (FromIPSummaryDump, ToIPSummaryDump). The host registers them once with
 * click_set_file_ops(); without them those elements fail to initialize
 * with a clear message (an EdgeOS FWP has no files). The name "-" means
 * standard input or output. */
typedef struct click_file_ops {
    void *ctx;
    /* Read the whole file into a malloc'd, NUL-terminated buffer (*len bytes
     * before the NUL). NULL with a message in err on failure. */
    char *(*read_all)(void *ctx, const char *name, size_t *len, char *err, size_t errlen);
    /* Open for writing (truncating). NULL with a message in err on failure. */
    void *(*open_write)(void *ctx, const char *name, char *err, size_t errlen);
    /* Write len bytes; returns 0 or a negative value. */
    int (*write)(void *f, const char *data, size_t len);
    void (*close)(void *f);
} click_file_ops;

/* Register (or with NULL remove) the host's file operations. */
void click_set_file_ops(const click_file_ops *ops);
const click_file_ops *click_get_file_ops(void);

/* Parse and instantiate a configuration. FILENAME is used in messages only.
 * PARAMS is a NULL-terminated list of "NAME=VALUE" strings that give values
 * to $NAME variables (they override define() in the configuration).
 * On error returns NULL and writes every message, one per line, formatted
 * "file:line:col: message", into err. */
click_router *click_router_create(const char *text, const char *filename,
                                  const click_host *host,
                                  const char *const *params,
                                  char *err, size_t errlen);
void click_router_destroy(click_router *r);

/* Run one round of every task. Returns false once the router has finished:
 * every packet source is exhausted and a whole round did no work. */
bool click_router_step(click_router *r);
/* Run rounds until finished or max_rounds (0 = unlimited) have run.
 * Returns the number of rounds run. */
uint64_t click_router_run(click_router *r, uint64_t max_rounds);
/* Ask the driver to stop after the current round. */
void click_router_stop(click_router *r);
/* Make a finished router runnable again: sources that reported the end are
 * polled again (e.g. after a host queued more frames on a device). */
void click_router_resume(click_router *r);

/* Where Script and DriverManager print: FN gets text ending in a newline.
 * Without it they print through the host's log sink. */
void click_router_set_output(click_router *r, void (*fn)(void *ctx, const char *text),
                             void *ctx);

/* Handlers: "elem.handler". Returns 0 on success, negative on error (the
 * message is in buf). */
int click_router_read(click_router *r, const char *spec, char *buf, size_t len);
int click_router_write(click_router *r, const char *spec, const char *value,
                       char *err, size_t errlen);

click_element *click_router_find(click_router *r, const char *name);
int click_router_nelements(const click_router *r);
click_element *click_router_element(click_router *r, int i);
click_pool *click_router_pool(click_router *r);

/* Names of every built-in element class, NULL-terminated. */
const char *const *click_class_names(void);

#endif
