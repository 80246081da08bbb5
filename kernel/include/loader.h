/* Program loading (fwp/loader.c) and the built-in images (fwp/images.c). */
#ifndef EDGEOS_LOADER_H
#define EDGEOS_LOADER_H
#include "types.h"
#include "elf.h"
struct fwp;
struct tenant;

/* An ELF image to load, read through `read` (kernel memory or the calling
 * FWP's memory). */
struct program_image {
    elf_read_fn read;
    void *ctx;
    uint64_t size;
};
void program_image_kernel(struct program_image *img, const void *data, uint64_t size);

/* Creates an FWP of tenant t running the ELF image, its thread blocked
 * (start it with sched_wake(f->threads)); NULL with *why and *err on any
 * error, with nothing left allocated. */
struct fwp *program_start(struct tenant *t, const char *name, const struct program_image *img, int argc,
                          char *const argv[], uint64_t mem_limit, uint64_t stack, int cpu, const char **why, int *err);
/* Validates the image only. */
int program_check(const struct program_image *img, const char **why);
uint64_t random_u64(void);

/* Built-in images: boot modules given @image=NAME are kept, not started,
 * for EOS_SYS_SPAWN to start by name. */
int image_register(const char *name, const void *data, uint64_t size);
const void *image_find(const char *name, uint64_t *size);
#endif
