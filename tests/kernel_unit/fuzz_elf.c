/* libFuzzer harness for the EdgeOS ELF validator (kernel/fwp/elf.c).
 * Besides memory safety (ASan/UBSan), it checks the guarantees the FWP
 * loader relies on whenever an image is accepted. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "elf.h"

#define LO 0x0000000000010000ULL
#define HI (0x00007f0000000000ULL - (1ULL << 40))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_image out;
    const char *why = NULL;
    /* Exactly sized copy so that any read past the end is reported. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    int rc = elf_parse(copy, size, LO, HI, &out, &why);
    if (rc != 0) {
        if (rc != -1 || !why || !why[0])
            abort();
        free(copy);
        return 0;
    }
    if (out.nseg < 1 || out.nseg > ELF_MAX_SEGMENTS)
        abort();
    int entry_ok = 0;
    for (int i = 0; i < out.nseg; i++) {
        const struct elf_segment *s = &out.seg[i];
        if (s->vaddr < LO || s->vaddr >= HI || s->memsz > HI - s->vaddr)
            abort();
        if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
            abort();
        for (int j = 0; j < i; j++) {
            const struct elf_segment *t = &out.seg[j];
            if (s->vaddr < t->vaddr + t->memsz && t->vaddr < s->vaddr + s->memsz)
                abort();
        }
        if ((s->flags & ELF_PF_X) && out.entry >= s->vaddr && out.entry - s->vaddr < s->memsz)
            entry_ok = 1;
        if (s->vaddr < out.lowest || s->vaddr + s->memsz > out.highest)
            abort();
    }
    if (!entry_ok)
        abort();
    free(copy);
    return 0;
}
