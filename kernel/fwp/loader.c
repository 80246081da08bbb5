/* Starting a program: an ELF image from a boot module becomes a new FWP with
 * one thread, entered with the System V x86-64 initial stack (argc, argv,
 * envp, auxiliary vector) that musl's start-up code expects. */
#include "loader.h"
#include "fwp.h"
#include "elf.h"
#include "sched.h"
#include "mm.h"
#include "cpu.h"
#include "errno.h"
#include "string.h"
#include "kprintf.h"
#include "tenant.h"

/* The main thread's stack is reserved (backed page by page on first touch)
 * with `@stack=SIZE`, default 1 MiB. Every reserved page is a page-table
 * entry that fork and reset walk, so the default stays small. */
#define STACK_RESERVE_DEFAULT (1UL << 20)
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25

static uint64_t rng_state;

uint64_t random_u64(void)
{
    /* xorshift64*, seeded from the TSC and, when present, RDRAND. */
    if (!rng_state) {
        rng_state = rdtsc() | 1;
        uint32_t a, b, c, d;
        cpuid(1, 0, &a, &b, &c, &d);
        if (c & (1u << 30)) {
            uint64_t r;
            unsigned char ok;
            __asm__ volatile("rdrand %0; setc %1" : "=r"(r), "=qm"(ok));
            if (ok)
                rng_state ^= r;
        }
    }
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state ^ rdtsc()) * 0x2545F4914F6CDD1DULL;
}

static int read_kernel(void *ctx, uint64_t off, void *dst, size_t n)
{
    memcpy(dst, (const uint8_t *)ctx + off, n);
    return 0;
}

void program_image_kernel(struct program_image *img, const void *data, uint64_t size)
{
    img->read = read_kernel;
    img->ctx = (void *)(uintptr_t)data;
    img->size = size;
}

static int load_segments(struct fwp *f, const struct elf_image *img, const struct program_image *file)
{
    for (int i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t start = ALIGN_DOWN(s->vaddr, PAGE_SIZE);
        uint64_t end = ALIGN_UP(s->vaddr + s->memsz, PAGE_SIZE);
        uint64_t flags = ((s->flags & ELF_PF_W) ? PTE_W : 0) | ((s->flags & ELF_PF_X) ? 0 : PTE_NX);
        for (uint64_t va = start; va < end; va += PAGE_SIZE) {
            uint64_t *e = pt_walk(&f->pt, f->pml4, va, true, PTE_W | PTE_U);
            if (!e)
                return -ENOMEM;
            if (*e & PTE_P) {
                /* page shared with the previous segment: union of rights */
                *e |= flags & PTE_W;
                if (!(flags & PTE_NX))
                    *e &= ~PTE_NX;
            } else {
                paddr_t pa = fwp_frame_alloc(f, true);
                if (!pa)
                    return -ENOMEM;
                *e = pa | PTE_P | PTE_U | flags;
            }
            /* copy the file bytes that fall into this page */
            uint64_t fs = s->vaddr, fe = s->vaddr + s->filesz;
            uint64_t cs = MAX(fs, va), ce = MIN(fe, va + PAGE_SIZE);
            if (cs < ce && file->read(file->ctx, s->offset + (cs - fs), (char *)PHYS_TO_VIRT(*e & PTE_ADDR) + (cs - va),
                                      ce - cs) < 0)
                return -EFAULT;
        }
    }
    return 0;
}

/* The initial stack: at most STACK_ARGS_MAX arguments and the
 * STACK_AUXV_PAIRS auxiliary-vector entries below (AT_NULL included). */
#define STACK_ARGS_MAX 32
#define STACK_AUXV_PAIRS 16

static int build_stack(struct fwp *f, const struct elf_image *img, int argc, char *const argv[], uint64_t stack,
                       uint64_t *sp_out)
{
    uint64_t top = USER_STACK_TOP;
    if (vms_reserve(f, top - stack, stack / PAGE_SIZE, PTE_W | PTE_NX, true) < 0)
        return -ENOMEM;
    /* strings, random bytes, platform name at the top */
    uint64_t p = top;
    uint64_t argv_ptr[STACK_ARGS_MAX];
    if (argc > STACK_ARGS_MAX)
        return -E2BIG;
    for (int i = argc - 1; i >= 0; i--) {
        size_t n = strlen(argv[i]) + 1;
        p -= n;
        if (top - p > 16384)
            return -E2BIG;
        if (copy_to_fwp(f, p, argv[i], n) < 0)
            return -ENOMEM;
        argv_ptr[i] = p;
    }
    uint64_t rnd[2] = { random_u64(), random_u64() };
    p = ALIGN_DOWN(p, 16) - 16;
    uint64_t at_random = p;
    if (copy_to_fwp(f, p, rnd, 16) < 0)
        return -ENOMEM;
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    uint64_t vec[1 + STACK_ARGS_MAX + 2 + 2 * STACK_AUXV_PAIRS];   /* argc, argv, NULL, envp NULL, auxv */
    int n = 0;
    vec[n++] = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        vec[n++] = argv_ptr[i];
    vec[n++] = 0;                     /* end of argv */
    vec[n++] = 0;                     /* empty environment */
#define AUX(k, v) do { KASSERT(n + 2 <= (int)ARRAY_LEN(vec)); vec[n++] = (k); vec[n++] = (v); } while (0)
    AUX(AT_PHDR, img->phdr_vaddr);
    AUX(AT_PHENT, img->phentsize);
    AUX(AT_PHNUM, img->phnum);
    AUX(AT_PAGESZ, PAGE_SIZE);
    AUX(AT_BASE, 0);
    AUX(AT_FLAGS, 0);
    AUX(AT_ENTRY, img->entry);
    AUX(AT_UID, 0);
    AUX(AT_EUID, 0);
    AUX(AT_GID, 0);
    AUX(AT_EGID, 0);
    AUX(AT_HWCAP, d);
    AUX(AT_CLKTCK, 100);
    AUX(AT_SECURE, 0);
    AUX(AT_RANDOM, at_random);
    AUX(AT_NULL, 0);
    uint64_t sp = ALIGN_DOWN(p - n * 8, 16);
    if (copy_to_fwp(f, sp, vec, n * 8) < 0)
        return -ENOMEM;
    *sp_out = sp;
    return 0;
}

static int parse(const struct program_image *img, struct elf_image *out, const char **why)
{
    return elf_parse_from(img->read, img->ctx, img->size, USER_MIN, USER_MMAP_TOP - (1ULL << 40), out, why);
}

int program_check(const struct program_image *img, const char **why)
{
    struct elf_image e;
    return parse(img, &e, why) < 0 ? -ENOEXEC : 0;
}

struct fwp *program_start(struct tenant *t, const char *name, const struct program_image *image, int argc,
                          char *const argv[], uint64_t mem_limit, uint64_t stack, int cpu, const char **why, int *err)
{
    struct elf_image img;
    if (parse(image, &img, why) < 0) {
        *err = -ENOEXEC;
        return NULL;
    }
    struct fwp *f = fwp_create(name, mem_limit, t, err);
    if (!f) {
        *why = *err == -EDQUOT ? "the tenant's memory quota is exhausted"
             : *err == -ESRCH ? "the tenant is being deleted" : "out of memory creating the address space";
        return NULL;
    }
    uint64_t sp = 0;
    *err = load_segments(f, &img, image);
    if (!*err)
        *err = build_stack(f, &img, argc, argv, stack ? ALIGN_UP(MIN(stack, 1UL << 30), PAGE_SIZE) : STACK_RESERVE_DEFAULT, &sp);
    struct thread *th = NULL;
    if (!*err)
        th = thread_create_user(f, img.entry, sp, cpu >= 0 ? (uint32_t)cpu : sched_pick_cpu(), err);
    if (*err) {
        if (*err == -E2BIG)
            *why = "arguments too long";
        else if (*err == -EFAULT)
            *why = "image not readable";
        else if (*err == -EDQUOT || f->last_charge_err == -EDQUOT)
            *why = "the tenant's memory quota is exhausted", *err = -EDQUOT;
        else
            *why = "memory quota too small for the program", *err = -ENOMEM;
        /* No thread ever ran: free the address space directly. */
        f->nthreads = 1;
        fwp_thread_gone_quiet(f);
        return NULL;
    }
    f->brk_start = f->brk_cur = img.highest;
    f->brk_limit = img.highest + (64ULL << 30);
    f->threads = th;
    f->nthreads = 1;
    return f;
}
