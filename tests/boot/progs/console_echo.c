/* Echoes every byte that arrives on the first virtio console back to the
 * host, in order, until it has echoed a line "quit\n"; then waits until the
 * device has taken all of its output, prints a summary and exits 0.
 * Waits on its device interrupt when there is nothing to do. A root FWP
 * (@root): it opens the device. Used by tests/console/run.sh. */
#include <stdio.h>
#include "edgeos.h"
#include "virtio_console.h"

#define WAKE_IRQ 1ul

static struct virtio_console con;
static uint8_t buf[64 * 1024];

/* "quit\n" as a whole line: how much of it the current line has matched so
 * far (-1: the line is something else). */
static int quit_matched;

static int scan_quit(const uint8_t *p, size_t n, size_t *end)
{
    static const char quit[] = "quit\n";
    for (size_t i = 0; i < n; i++) {
        if (quit_matched >= 0 && p[i] == (uint8_t)quit[quit_matched]) {
            if (++quit_matched == 5) {
                *end = i + 1;
                return 1;
            }
        } else {
            quit_matched = p[i] == '\n' ? 0 : -1;
        }
    }
    return 0;
}

int main(void)
{
    const char *why = "";
    int r = virtio_console_init(&con, &why);
    if (r < 0) {
        printf("console_echo: %s (%d)\n", why, r);
        return 1;
    }
    long ntfn = eos_notification_create();
    if (ntfn < 0 || virtio_console_irq_bind(&con, ntfn, WAKE_IRQ) < 0) {
        printf("console_echo: cannot bind the device interrupt\n");
        return 1;
    }
    printf("console_echo: ready, %u rx / %u tx buffers, registers %s\n", con.rx.size, con.tx.size,
           virtio_regs_mode(&con.dev));
    fflush(stdout);

    unsigned long long echoed = 0, waits = 0;
    size_t have = 0, sent = 0;
    int quit = 0, acked = 0;
    for (;;) {
        int work = virtio_console_tx_reclaim(&con) > 0;
        if (sent < have) {
            size_t w = virtio_console_write(&con, buf + sent, have - sent);
            sent += w;
            echoed += w;
            work |= w > 0;
        }
        if (sent == have) {
            if (quit && !virtio_console_tx_pending(&con))
                break;
            if (!quit) {
                sent = 0;
                have = virtio_console_read(&con, buf, sizeof buf);
                if (have) {
                    work = 1;
                    quit = scan_quit(buf, have, &have);
                }
            }
        }
        if (work) {
            acked = 0;
        } else if (!acked) {
            /* Acknowledge, then look once more: anything that arrived
             * before the acknowledgement is seen by that pass, anything
             * after it raises a new interrupt. */
            virtio_console_irq_ack(&con);
            acked = 1;
        } else {
            eos_wait(ntfn);
            waits++;
            acked = 0;
        }
    }
    printf("console_echo: echoed %llu bytes, registers %s, %llu waits, %llu notifies\n", echoed,
           virtio_regs_mode(&con.dev), waits, (unsigned long long)con.dev.notifies);
    return 0;
}
