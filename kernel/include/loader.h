/* Program loading (fwp/loader.c). */
#ifndef EDGEOS_LOADER_H
#define EDGEOS_LOADER_H
#include "types.h"
struct fwp;
/* Creates an FWP running the ELF image; NULL with *why on any error. */
struct fwp *program_start(const char *name, const void *image, size_t size, int argc, char *const argv[],
                          uint64_t mem_limit, uint64_t stack, int cpu, const char **why);
uint64_t random_u64(void);
#endif
