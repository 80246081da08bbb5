/* A template program: initialises argv[1] KiB of writable state, then
 * checkpoints. Every fork resumes from the checkpoint and serves commands
 * from its manager (the argument of reset/activate), parking in between:
 *   0            verify the template's state is intact, report
 *   1            write this FWP's id over its state pages, report
 *   2            verify the state pages hold this FWP's own id, report
 *   3 | n << 8   dirty n pages (benchmark), no report
 *   4            commit a fault (null dereference)
 *   5            allocate until malloc fails, report, free
 *   6            verify the template's state silently (report only if corrupt)
 *   7 | c << 8     serve endpoint cap c: answer (w0+1, w1+1, w2+1, w3+1) until
 *                a call with w0 == 0 (answered, then park); w0 == 0xdead: fault
 *   8 | c << 8     signal notification cap c with bits 0x5
 *   9 | c << 8     call endpoint cap c once, report the result
 *  10 | c << 8     send three buffers "chan-0".."chan-2" (meta i, aux id) on channel cap c
 *  11           make the page of its own code writable (mprotect) and change a byte, report
 *  12           check the page of its code holds what the template's did, report */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "edgeos.h"

static unsigned char *state;
static size_t state_size;
static uint32_t init_marker;

static unsigned char pattern(size_t i) { return (unsigned char)(i * 7 + 1); }

/* The page of this program's code that holds pattern(), and its checksum
 * at the checkpoint: text pages are shared by every fork, read-only. */
static unsigned char *text_page;
static uint64_t text_sum;
static uint64_t page_sum(const unsigned char *p)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < 4096; i++)
        sum = sum * 31 + p[i];
    return sum;
}

static int template_intact(void)
{
    if (init_marker != 0xC0FFEEu)
        return 0;
    for (size_t i = 0; i < state_size; i++)
        if (state[i] != pattern(i))
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    state_size = (argc > 1 ? strtoul(argv[1], NULL, 10) : 16) * 1024;
    state = malloc(state_size);
    if (!state) {
        printf("fwptmpl: cannot allocate %zu bytes\n", state_size);
        return 1;
    }
    for (size_t i = 0; i < state_size; i++)
        state[i] = pattern(i);
    init_marker = 0xC0FFEE;
    text_page = (unsigned char *)((uintptr_t)&pattern & ~(uintptr_t)4095);
    text_sum = page_sum(text_page);

    uint64_t seed, arg;
    long id = eos_checkpoint(&seed, &arg);
    if (id < 0) {
        printf("fwptmpl: checkpoint failed (%ld)\n", id);
        return 1;
    }
    for (;;) {
        unsigned cmd = (unsigned)(arg & 0xff);
        if (cmd == 0) {
            printf("fwp %ld: template state %s (%zu KiB), seed %016llx\n", id,
                   template_intact() ? "intact" : "CORRUPT", state_size / 1024, (unsigned long long)seed);
        } else if (cmd == 1) {
            for (size_t i = 0; i < state_size; i += sizeof(long))
                *(long *)(state + i) = id;
            printf("fwp %ld: wrote its id\n", id);
        } else if (cmd == 2) {
            int own = 1;
            for (size_t i = 0; i < state_size; i += sizeof(long))
                if (*(long *)(state + i) != id)
                    own = 0;
            printf("fwp %ld: sees %s\n", id, own ? "only its own writes" : "FOREIGN DATA");
        } else if (cmd == 3) {
            size_t n = arg >> 8;
            for (size_t p = 0; p < n && p * 4096 < state_size; p++)
                state[p * 4096] ^= 1;
        } else if (cmd == 4) {
            volatile int *null = 0;
            *null = 1;
        } else if (cmd == 6) {
            if (!template_intact())
                printf("fwp %ld: template state CORRUPT\n", id);
        } else if (cmd == 7) {
            long ep = (long)(arg >> 8);
            uint64_t w[4];
            long r = eos_recv(ep, w);
            while (r >= 0) {
                if (w[0] == 0xdead) {
                    volatile int *null = 0;
                    *null = 1;
                }
                if (w[0] == 0) {
                    eos_reply(w);
                    break;
                }
                for (int i = 0; i < 4; i++)
                    w[i]++;
                r = eos_reply_recv(ep, w);
            }
            if (r < 0)
                printf("fwp %ld: receive on cap %ld failed: %ld\n", id, ep, r);
        } else if (cmd == 8) {
            long r = eos_signal((long)(arg >> 8), 0x5);
            if (r < 0)
                printf("fwp %ld: signal failed: %ld\n", id, r);
        } else if (cmd == 9) {
            uint64_t w[4] = { 1, 2, 3, 4 };
            printf("fwp %ld: call on cap %ld returned %ld\n", id, (long)(arg >> 8), eos_call((long)(arg >> 8), w));
        } else if (cmd == 10) {
            static char bufs[3][16];
            struct eos_chan_desc d[3];
            for (int i = 0; i < 3; i++) {
                snprintf(bufs[i], sizeof bufs[i], "chan-%d", i);
                d[i] = (struct eos_chan_desc){ (uint64_t)(uintptr_t)bufs[i], (uint32_t)strlen(bufs[i]), (uint32_t)i,
                                               (uint64_t)id };
            }
            long r = eos_chan_send((long)(arg >> 8), d, 3);
            if (r != 3)
                printf("fwp %ld: channel send returned %ld\n", id, r);
        } else if (cmd == 11) {
            int r = mprotect(text_page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
            if (r == 0)
                text_page[4095] ^= 0xff;
            printf("fwp %ld: mprotect of its text %s\n", id, r == 0 ? "allowed; changed a byte" : "refused");
        } else if (cmd == 12) {
            printf("fwp %ld: text %s\n", id, page_sum(text_page) == text_sum ? "as the template's" : "CORRUPT");
        } else if (cmd == 5) {
            size_t got = 0;
            void *blocks[4096];
            int nb = 0;
            while (nb < 4096) {
                void *p = malloc(256 * 1024);
                if (!p)
                    break;
                memset(p, 1, 256 * 1024);
                blocks[nb++] = p;
                got += 256;
            }
            printf("fwp %ld: malloc returned NULL after %zu KiB\n", id, got);
            while (nb)
                free(blocks[--nb]);
        }
        fflush(stdout);
        id = eos_park_arg(&arg);
    }
}
