/* Multiboot 1 information parsing: memory map, modules, command line. */
#include "multiboot.h"
#include "memlayout.h"
#include "kprintf.h"
#include "string.h"

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_module { uint32_t start, end, string, reserved; } __attribute__((packed));
struct mb_mmap { uint32_t size; uint64_t addr, len; uint32_t type; } __attribute__((packed));

struct boot_info boot_info;

static const char *low_string(uint32_t pa)
{
    return pa ? (const char *)PHYS_TO_VIRT(pa) : "";
}

static void note_extent(paddr_t s, paddr_t e)
{
    if (!boot_info.info_start || s < boot_info.info_start)
        boot_info.info_start = s;
    if (e > boot_info.info_end)
        boot_info.info_end = e;
}

int multiboot_parse(uint32_t magic, uint32_t info_pa)
{
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        return -1;
    const struct mb_info *mb = PHYS_TO_VIRT(info_pa);
    note_extent(info_pa, info_pa + sizeof *mb);
    boot_info.cmdline = (mb->flags & (1 << 2)) ? low_string(mb->cmdline) : "";
    if (mb->flags & (1 << 2))
        note_extent(mb->cmdline, mb->cmdline + strlen(boot_info.cmdline) + 1);
    if (mb->flags & (1 << 6)) {
        note_extent(mb->mmap_addr, mb->mmap_addr + mb->mmap_length);
        uint32_t off = 0;
        while (off + sizeof(struct mb_mmap) <= mb->mmap_length) {
            const struct mb_mmap *m = PHYS_TO_VIRT(mb->mmap_addr + off);
            if (m->type == 1 && boot_info.nram < MAX_RAM_REGIONS) {
                boot_info.ram[boot_info.nram].start = m->addr;
                boot_info.ram[boot_info.nram].end = m->addr + m->len;
                boot_info.nram++;
            }
            off += m->size + 4;
        }
    } else if (mb->flags & 1) {
        boot_info.ram[0] = (struct ram_region){ 0, (uint64_t)mb->mem_lower << 10 };
        boot_info.ram[1] = (struct ram_region){ 1 << 20, (1 << 20) + ((uint64_t)mb->mem_upper << 10) };
        boot_info.nram = 2;
    }
    if (mb->flags & (1 << 3)) {
        note_extent(mb->mods_addr, mb->mods_addr + mb->mods_count * sizeof(struct mb_module));
        for (uint32_t i = 0; i < mb->mods_count && i < MAX_BOOT_MODULES; i++) {
            const struct mb_module *m = PHYS_TO_VIRT(mb->mods_addr + i * sizeof(struct mb_module));
            struct boot_module *bm = &boot_info.mods[boot_info.nmods++];
            bm->start = m->start;
            bm->end = m->end;
            bm->cmdline = low_string(m->string);
            note_extent(m->start, m->end);
            note_extent(m->string, m->string + strlen(bm->cmdline) + 1);
        }
    }
    return 0;
}

const char *boot_option(const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    const char *p = boot_info.cmdline;
    while (p && *p) {
        while (*p == ' ')
            p++;
        if (!strncmp(p, key, klen) && p[klen] == '=') {
            p += klen + 1;
            size_t n = 0;
            while (p[n] && p[n] != ' ')
                n++;
            if (n >= size)
                n = size - 1;
            memcpy(buf, p, n);
            buf[n] = 0;
            return buf;
        }
        while (*p && *p != ' ')
            p++;
    }
    return NULL;
}
