/* The control link: frames multiplexing client connections onto the one
 * console byte stream (docs/control.md, "Frames"), and the requests each
 * connection carries ("Requests and responses"). Portable: no EdgeOS
 * dependency, so it is unit-tested and fuzzed on the host (tests/ctl/). */
#ifndef CTL_LINK_H
#define CTL_LINK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_FRAME_MAGIC 0x46534f45u     /* "EOSF" little-endian */
#define CTL_FRAME_HDR   12
#define CTL_FRAME_MAX   65536
enum { CTL_FRAME_OPEN = 1, CTL_FRAME_DATA = 2, CTL_FRAME_CLOSE = 3 };

#define CTL_MAX_CONNS   64
#define CTL_BUFFERED_MAX (32u << 20)    /* request bytes held for all connections together */

/* What the link layer reports upward. */
struct ctl_link_ops {
    /* A complete request body of connection `conn` (valid during the call;
     * the handler may call ctl_link_forget for conn). */
    void (*request)(void *ctx, uint16_t conn, const uint8_t *body, size_t len);
    /* A request was refused before it was complete (too large, not a
     * request): answer `err`/`why` and close the connection (the link
     * has already forgotten it). */
    void (*refuse)(void *ctx, uint16_t conn, int err, const char *why);
    /* The stream was out of step (bad magic, length, type): bytes skipped. */
    void (*out_of_step)(void *ctx, size_t skipped);
};

#define CTL_CONN_SMALL 4096        /* bodies up to this size use the connection's own buffer */

struct ctl_conn {
    uint16_t id;                 /* 0: free */
    uint8_t head[8];             /* "EOC1" + body length */
    uint32_t hlen;
    uint8_t *body;               /* small, or malloc'd once the length is known */
    uint32_t blen, bgot;
    /* Commands are small: they never touch the heap, so the control
     * plane's memory stays the same however many it serves. */
    uint8_t small[CTL_CONN_SMALL];
};

struct ctl_link {
    /* frame decoder */
    uint8_t hdr[CTL_FRAME_HDR];
    uint32_t hlen;
    uint16_t fconn, ftype;
    uint32_t left;               /* payload bytes of the current frame still to come */
    size_t skipped;              /* bytes dropped while out of step, not yet reported */
    /* connections */
    struct ctl_conn conns[CTL_MAX_CONNS];
    size_t buffered;
    const struct ctl_link_ops *ops;
    void *ctx;
};

void ctl_link_init(struct ctl_link *l, const struct ctl_link_ops *ops, void *ctx);
/* Feeds bytes from the stream, in any pieces. */
void ctl_link_feed(struct ctl_link *l, const uint8_t *p, size_t n);
/* Forgets every connection (and frees their buffers). */
void ctl_link_reset(struct ctl_link *l);
/* Forgets one connection (the guest closed it). */
void ctl_link_forget(struct ctl_link *l, uint16_t conn);

/* Writes a frame header; returns CTL_FRAME_HDR. */
size_t ctl_frame_header(uint8_t out[CTL_FRAME_HDR], uint16_t conn, uint16_t type, uint32_t len);
/* Writes a response header ("EOR1", length, status) for `textlen` bytes of text; returns 12. */
size_t ctl_response_header(uint8_t out[12], int32_t status, uint32_t textlen);
#endif
