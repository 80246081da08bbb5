/* Multiboot 1 information handed over by the boot loader. */
#ifndef EDGEOS_MULTIBOOT_H
#define EDGEOS_MULTIBOOT_H
#include "types.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define MAX_BOOT_MODULES 64
#define MAX_RAM_REGIONS  32

struct boot_module {
    paddr_t start, end;
    const char *cmdline;     /* "path arg ..." as given to the loader */
};

struct ram_region { paddr_t start, end; };

struct boot_info {
    const char *cmdline;
    struct ram_region ram[MAX_RAM_REGIONS];
    int nram;
    struct boot_module mods[MAX_BOOT_MODULES];
    int nmods;
    paddr_t info_start, info_end;   /* the loader's own structures */
};

extern struct boot_info boot_info;
/* Parses the loader's information (reachable through the boot direct map). */
int multiboot_parse(uint32_t magic, uint32_t info_pa);
/* Returns the value of "key=value" in the kernel command line, or NULL. */
const char *boot_option(const char *key, char *buf, size_t size);
#endif
