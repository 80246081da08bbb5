/* ELF64 executable validation (see elf.h). Every field is checked before
 * use; arithmetic is overflow-checked. */
#include "elf.h"

struct ehdr {
    unsigned char ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_PHDR 6

static int fail(const char **why, const char *msg)
{
    *why = msg;
    return -1;
}

static void copy_bytes(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
}

static int read_memory(void *ctx, uint64_t off, void *dst, size_t n)
{
    copy_bytes(dst, (const unsigned char *)ctx + off, n);
    return 0;
}

int elf_parse(const void *data, size_t size, uint64_t lo, uint64_t hi,
              struct elf_image *out, const char **why)
{
    if (!data)
        return fail(why, "file too small for an ELF header");
    return elf_parse_from(read_memory, (void *)(uintptr_t)data, size, lo, hi, out, why);
}

int elf_parse_from(elf_read_fn read, void *ctx, size_t size, uint64_t lo, uint64_t hi,
                   struct elf_image *out, const char **why)
{
    struct ehdr eh;
    if (size < sizeof eh)
        return fail(why, "file too small for an ELF header");
    if (read(ctx, 0, &eh, sizeof eh) < 0)
        return fail(why, "image not readable");
    if (eh.ident[0] != 0x7f || eh.ident[1] != 'E' || eh.ident[2] != 'L' || eh.ident[3] != 'F')
        return fail(why, "not an ELF file (bad magic)");
    if (eh.ident[4] != 2)
        return fail(why, "not a 64-bit ELF file");
    if (eh.ident[5] != 1)
        return fail(why, "not little-endian");
    if (eh.ident[6] != 1 || eh.version != 1)
        return fail(why, "unknown ELF version");
    if (eh.machine != 62)
        return fail(why, "not an x86-64 program");
    if (eh.type != 2)
        return fail(why, eh.type == 3 ? "position-independent or dynamic executable (need static ET_EXEC)"
                                      : "not an executable (ET_EXEC)");
    if (eh.phentsize != sizeof(struct phdr))
        return fail(why, "bad program header size");
    if (eh.phnum == 0 || eh.phnum > 64)
        return fail(why, "bad program header count");
    if (eh.phoff > size || (uint64_t)eh.phnum * sizeof(struct phdr) > size - eh.phoff)
        return fail(why, "program headers outside the file");

    out->entry = eh.entry;
    out->phnum = eh.phnum;
    out->phentsize = eh.phentsize;
    out->phdr_vaddr = 0;
    out->nseg = 0;
    out->lowest = UINT64_MAX;
    out->highest = 0;
    uint64_t phdr_vaddr = 0;
    int entry_ok = 0;
    for (unsigned i = 0; i < eh.phnum; i++) {
        struct phdr ph;
        if (read(ctx, eh.phoff + i * sizeof ph, &ph, sizeof ph) < 0)
            return fail(why, "image not readable");
        if (ph.type == PT_INTERP || ph.type == PT_DYNAMIC)
            return fail(why, "dynamically linked program (need static)");
        if (ph.type == PT_PHDR)
            phdr_vaddr = ph.vaddr;
        if (ph.type != PT_LOAD)
            continue;
        if (ph.memsz == 0)
            continue;
        if (out->nseg == ELF_MAX_SEGMENTS)
            return fail(why, "too many loadable segments");
        if (ph.filesz > ph.memsz)
            return fail(why, "segment file size exceeds memory size");
        if (ph.offset > size || ph.filesz > size - ph.offset)
            return fail(why, "segment data outside the file");
        if (ph.vaddr < lo || ph.vaddr >= hi || ph.memsz > hi - ph.vaddr)
            return fail(why, "segment outside the user address range");
        if (ph.align > 1 && ((ph.vaddr - ph.offset) & (4096 - 1)) != 0)
            return fail(why, "segment address and file offset disagree modulo the page size");
        uint64_t start = ph.vaddr & ~4095ULL, end = (ph.vaddr + ph.memsz + 4095) & ~4095ULL;
        for (int j = 0; j < out->nseg; j++) {
            struct elf_segment *o = &out->seg[j];
            if (ph.vaddr < o->vaddr + o->memsz && o->vaddr < ph.vaddr + ph.memsz)
                return fail(why, "overlapping segments");
        }
        if (start < out->lowest)
            out->lowest = start;
        if (end > out->highest)
            out->highest = end;
        if (eh.entry >= ph.vaddr && eh.entry < ph.vaddr + ph.memsz && (ph.flags & ELF_PF_X))
            entry_ok = 1;
        /* Program headers visible in memory through this segment? */
        if (!phdr_vaddr && eh.phoff >= ph.offset && eh.phoff - ph.offset < ph.filesz)
            out->phdr_vaddr = ph.vaddr + (eh.phoff - ph.offset);
        out->seg[out->nseg++] = (struct elf_segment){ ph.vaddr, ph.memsz, ph.offset, ph.filesz, ph.flags };
    }
    if (out->nseg == 0)
        return fail(why, "no loadable segments");
    if (!entry_ok)
        return fail(why, "entry point not in an executable segment");
    if (phdr_vaddr)
        out->phdr_vaddr = phdr_vaddr;
    return 0;
}
