/* ctl main: the control console, the link, and the loop (see ctl.h).
 *   ctl            (a root FWP: @root; started from a boot module)
 * Without a control console (edgeos-run --ctl-socket) it says so and ends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "edgeos.h"
#include "virtio_console.h"
#include "ctl.h"
#include "ctl_link.h"

#define CTL_WAKE_IRQ   2ul
#define CTL_WAKE_TIMER 4ul
#define CTL_OUT_MAX    (1u << 20)

static struct virtio_console con;
static struct ctl_link link;

uint64_t ctl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ctl_sleep_us(unsigned us)
{
    eos_sleep_ns((unsigned long)us * 1000);
}

/* Writes all of buf to the console, waiting while every transmit buffer
 * is in flight (the host always drains the stream). */
static void console_write_all(const uint8_t *buf, size_t len)
{
    unsigned pause = 20;
    while (len) {
        size_t k = virtio_console_write(&con, buf, len);
        buf += k;
        len -= k;
        if (!len)
            break;
        if (virtio_console_tx_reclaim(&con) == 0) {
            ctl_sleep_us(pause);
            if (pause < 1000)
                pause *= 2;
        }
    }
}

static void send_frame(uint16_t conn, uint16_t type, const uint8_t *data, uint32_t len)
{
    uint8_t h[CTL_FRAME_HDR];
    ctl_frame_header(h, conn, type, len);
    console_write_all(h, sizeof h);
    if (len)
        console_write_all(data, len);
}

/* One response (docs/control.md), split into DATA frames. */
static void send_response(uint16_t conn, int status, const char *text, size_t len)
{
    static uint8_t msg[12 + CTL_OUT_MAX];
    if (len > CTL_OUT_MAX)
        len = CTL_OUT_MAX;
    ctl_response_header(msg, status, (uint32_t)len);
    memcpy(msg + 12, text, len);
    size_t total = 12 + len, off = 0;
    while (off < total) {
        uint32_t k = total - off > CTL_FRAME_MAX ? CTL_FRAME_MAX : (uint32_t)(total - off);
        send_frame(conn, CTL_FRAME_DATA, msg + off, k);
        off += k;
    }
}

static void on_request(void *ctx, uint16_t conn, const uint8_t *body, size_t len)
{
    (void)ctx;
    static char text[CTL_OUT_MAX];
    struct ctl_buf out = { text, 0, sizeof text - 64, false };
    text[0] = 0;
    int status = ctl_exec(body, len, &out);
    if (out.truncated)
        out.len += (size_t)snprintf(text + out.len, 64, "... (output truncated)\n");
    send_response(conn, status, text, out.len);
}

static void on_refuse(void *ctx, uint16_t conn, int err, const char *why)
{
    (void)ctx;
    char text[160];
    int n = snprintf(text, sizeof text, "%s\n", why);
    printf("ctl: connection %u refused: %s\n", conn, why);
    send_response(conn, err, text, (size_t)n);
    send_frame(conn, CTL_FRAME_CLOSE, NULL, 0);
}

static void on_out_of_step(void *ctx, size_t skipped)
{
    (void)ctx;
    printf("ctl: control stream out of step: %zu bytes skipped\n", skipped);
}

static const struct ctl_link_ops link_ops = { on_request, on_refuse, on_out_of_step };

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *why = "";
    if (virtio_console_init(&con, &why) < 0) {
        printf("ctl: no control console (%s): start EdgeOS with edgeos-run --ctl-socket PATH; the control plane is off\n",
               why);
        return 0;
    }
    if (ctl_nic_init() < 0) {
        printf("ctl: cannot publish the nic's reply channel\n");
        return 1;
    }
    long ntfn = eos_notification_create();
    bool have_irq = ntfn >= 0 && virtio_console_irq_bind(&con, ntfn, CTL_WAKE_IRQ) == 0;
    ctl_link_init(&link, &link_ops, NULL);
    printf("ctl: control plane ready on the control console%s\n", have_irq ? "" : " (no interrupt: polling)");

    uint64_t next_sample = ctl_now_ns();
    bool acked = false, timer_pending = false;
    static uint8_t buf[65536];
    for (;;) {
        size_t n = virtio_console_read(&con, buf, sizeof buf);
        if (n) {
            ctl_link_feed(&link, buf, n);
            acked = false;
            continue;
        }
        virtio_console_tx_reclaim(&con);
        uint64_t now = ctl_now_ns();
        if (now >= next_sample) {
            ctl_sample_cpu();
            next_sample = now + 1000000000ull;
        }
        if (!have_irq) {
            ctl_sleep_us(1000);
            continue;
        }
        if (!acked) {
            /* Acknowledge, then read once more: anything that arrived
             * before is seen now, anything after raises a new interrupt. */
            virtio_console_irq_ack(&con);
            acked = true;
            continue;
        }
        if (!timer_pending) {
            eos_timer_set(ntfn, CTL_WAKE_TIMER, (unsigned long)(next_sample - now));
            timer_pending = true;
        }
        long bits = eos_wait(ntfn);
        if (bits > 0 && (bits & CTL_WAKE_TIMER))
            timer_pending = false;
        acked = false;
    }
}
