/* ELF64 executable validation. Pure (no kernel dependencies) so that it is
 * unit-tested and fuzzed on the host. elf_parse() accepts only a static
 * x86-64 executable whose loadable segments lie inside [lo, hi) and whose
 * file ranges lie inside the image; anything else is refused with a reason. */
#ifndef EDGEOS_ELF_H
#define EDGEOS_ELF_H
#include <stdint.h>
#include <stddef.h>

#define ELF_MAX_SEGMENTS 16
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

struct elf_segment {
    uint64_t vaddr, memsz, offset, filesz;
    uint32_t flags;   /* ELF_PF_* */
};

struct elf_image {
    uint64_t entry;
    uint64_t phdr_vaddr;        /* program headers in memory (AT_PHDR), 0 if not loaded */
    uint16_t phnum, phentsize;
    int nseg;
    struct elf_segment seg[ELF_MAX_SEGMENTS];
    uint64_t lowest, highest;   /* page-aligned extent of the segments */
};

/* Returns 0, or -1 with *why set to a static explanation. */
int elf_parse(const void *data, size_t size, uint64_t lo, uint64_t hi,
              struct elf_image *out, const char **why);
/* The same for an image read through `read` (bytes [off, off + n) of an
 * image of `size` bytes, only ever inside it; < 0 if unreadable). */
typedef int (*elf_read_fn)(void *ctx, uint64_t off, void *dst, size_t n);
int elf_parse_from(elf_read_fn read, void *ctx, size_t size, uint64_t lo, uint64_t hi,
                   struct elf_image *out, const char **why);
#endif
