/* Host unit tests for the ELF64 executable validator (kernel/fwp/elf.c).
 *
 * Usage: test_elf [--suffix=S] [static-binary.elf]
 * Tests on a hand-built image always run; tests on a real static binary
 * (built with musl-gcc by kernel_unit.mk) run when its path is given. */
#include "ku_test.h"
#include <stdint.h>
#include <elf.h>        /* the C library's ELF definitions, to build inputs */
#include "elf.h"        /* kernel/include/elf.h: the code under test */

/* The user address range the FWP loader passes (kernel/fwp/loader.c:
 * USER_MIN .. USER_MMAP_TOP - 1 TiB, see kernel/include/memlayout.h). */
#define LO 0x0000000000010000ULL
#define HI (0x00007f0000000000ULL - (1ULL << 40))

/* ---- building images -------------------------------------------------- */

struct img { unsigned char *b; size_t n; };

static Elf64_Ehdr *EH(struct img *m) { return (Elf64_Ehdr *)m->b; }
static Elf64_Phdr *PH(struct img *m, int i) { return (Elf64_Phdr *)(m->b + EH(m)->e_phoff) + i; }

/* A small valid static executable: R header page, RX text, RW data+bss. */
static struct img synth(void)
{
    struct img m;
    m.n = 0x2010;
    m.b = calloc(1, m.n);
    Elf64_Ehdr *e = EH(&m);
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_EXEC;
    e->e_machine = EM_X86_64;
    e->e_version = EV_CURRENT;
    e->e_entry = 0x401010;
    e->e_phoff = sizeof *e;
    e->e_ehsize = sizeof *e;
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = 4;
    Elf64_Phdr p[4] = {
        { PT_LOAD, PF_R, 0, 0x400000, 0x400000, 0x200, 0x200, 0x1000 },
        { PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x401000, 0x100, 0x100, 0x1000 },
        { PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x402000, 0x10, 0x2000, 0x1000 },
        { PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16 },
    };
    memcpy(m.b + e->e_phoff, p, sizeof p);
    return m;
}

static struct img clone(const struct img *s)
{
    struct img m = { malloc(s->n ? s->n : 1), s->n };
    memcpy(m.b, s->b, s->n);
    return m;
}

/* Parses m (from an exactly sized heap copy, so ASan sees over-reads). */
static int parse(const struct img *m, size_t size, uint64_t lo, uint64_t hi, struct elf_image *out, const char **why)
{
    unsigned char *copy = malloc(size ? size : 1);
    memcpy(copy, m->b, size);
    *why = NULL;
    int rc = elf_parse(copy, size, lo, hi, out, why);
    free(copy);
    return rc;
}

/* Expects refusal of m with the given reason; `what` names the variant. */
static void expect_refused(const struct img *m, size_t size, uint64_t lo, uint64_t hi, const char *reason, const char *what)
{
    struct elf_image out;
    const char *why;
    int rc = parse(m, size, lo, hi, &out, &why);
    CHECKF(rc == -1, "%s: accepted (rc %d), expected \"%s\"", what, rc, reason);
    CHECKF(rc != -1 || (why && strcmp(why, reason) == 0), "%s: reason \"%s\", expected \"%s\"", what,
           why ? why : "(null)", reason);
}

static void expect_ok(const struct img *m, struct elf_image *out, const char *what)
{
    const char *why;
    int rc = parse(m, m->n, LO, HI, out, &why);
    CHECKF(rc == 0, "%s: refused: %s", what, why ? why : "(null)");
}

#define R_SMALL   "file too small for an ELF header"
#define R_MAGIC   "not an ELF file (bad magic)"
#define R_CLASS   "not a 64-bit ELF file"
#define R_DATA    "not little-endian"
#define R_VERSION "unknown ELF version"
#define R_MACHINE "not an x86-64 program"
#define R_DYN     "position-independent or dynamic executable (need static ET_EXEC)"
#define R_TYPE    "not an executable (ET_EXEC)"
#define R_PHENT   "bad program header size"
#define R_PHNUM   "bad program header count"
#define R_PHOUT   "program headers outside the file"
#define R_DYNLINK "dynamically linked program (need static)"
#define R_MANY    "too many loadable segments"
#define R_FILESZ  "segment file size exceeds memory size"
#define R_DATAOUT "segment data outside the file"
#define R_RANGE   "segment outside the user address range"
#define R_ALIGN   "segment address and file offset disagree modulo the page size"
#define R_OVERLAP "overlapping segments"
#define R_NOLOAD  "no loadable segments"
#define R_ENTRY   "entry point not in an executable segment"

/* Applies `stmt` to a fresh copy of the synthetic image and expects `reason`. */
#define VARIANT(reason, stmt) do { struct img m = clone(&S); stmt; \
    expect_refused(&m, m.n, LO, HI, reason, #stmt); free(m.b); } while (0)

static struct img S;

static void t_synth_valid(void)
{
    struct elf_image out;
    memset(&out, 0xcc, sizeof out);
    expect_ok(&S, &out, "synthetic");
    CHECK_EQ(out.entry, 0x401010);
    CHECK_EQ(out.nseg, 3);
    CHECK_EQ(out.phnum, 4);
    CHECK_EQ(out.phentsize, 56);
    CHECK_EQ(out.phdr_vaddr, 0x400040);
    CHECK_EQ(out.lowest, 0x400000);
    CHECK_EQ(out.highest, 0x404000);
    CHECK(out.seg[0].vaddr == 0x400000 && out.seg[0].memsz == 0x200 && out.seg[0].offset == 0 &&
          out.seg[0].filesz == 0x200 && out.seg[0].flags == ELF_PF_R);
    CHECK(out.seg[1].vaddr == 0x401000 && out.seg[1].flags == (ELF_PF_R | ELF_PF_X));
    CHECK(out.seg[2].vaddr == 0x402000 && out.seg[2].memsz == 0x2000 && out.seg[2].filesz == 0x10 &&
          out.seg[2].offset == 0x2000 && out.seg[2].flags == (ELF_PF_R | ELF_PF_W));
    /* A PT_PHDR entry sets the program header address. */
    struct img m = clone(&S);
    PH(&m, 3)->p_type = PT_PHDR;
    PH(&m, 3)->p_vaddr = 0x400040;
    expect_ok(&m, &out, "with PT_PHDR");
    CHECK_EQ(out.phdr_vaddr, 0x400040);
    /* Program headers not inside any segment: phdr_vaddr is 0. */
    PH(&m, 3)->p_type = PT_GNU_STACK;
    PH(&m, 0)->p_offset = 0x1000; PH(&m, 0)->p_vaddr = 0x400000; PH(&m, 0)->p_filesz = 0x10;
    PH(&m, 0)->p_memsz = 0x10;
    expect_ok(&m, &out, "headers not loaded");
    CHECK_EQ(out.phdr_vaddr, 0);
    free(m.b);
    /* Boundaries of [lo, hi): a segment may end exactly at hi. */
    m = clone(&S);
    PH(&m, 2)->p_vaddr = HI - 0x2000;
    PH(&m, 2)->p_offset = 0x2000;
    expect_ok(&m, &out, "segment ending at hi");
    CHECK_EQ(out.highest, HI);
    free(m.b);
    m = clone(&S);
    expect_refused(&m, m.n, 0x400001, HI, R_RANGE, "lo one above the first segment");
    expect_refused(&m, m.n, LO, 0x403fff, R_RANGE, "hi one below the end of bss");
    struct elf_image o2;
    const char *why;
    CHECK_EQ(parse(&m, m.n, 0x400000, 0x404000, &o2, &why), 0);
    free(m.b);
    /* Segments with memsz 0 are ignored; touching segments are fine. */
    m = clone(&S);
    PH(&m, 3)->p_type = PT_LOAD; PH(&m, 3)->p_vaddr = 0x401000; PH(&m, 3)->p_memsz = 0;
    expect_ok(&m, &out, "empty segment");
    CHECK_EQ(out.nseg, 3);
    PH(&m, 3)->p_vaddr = 0x401100; PH(&m, 3)->p_offset = 0x1100; PH(&m, 3)->p_memsz = 0x10;
    expect_ok(&m, &out, "touching segments");
    CHECK_EQ(out.nseg, 4);
    /* Entry at the last byte of the text segment. */
    EH(&m)->e_entry = 0x4010ff;
    expect_ok(&m, &out, "entry at last text byte");
    free(m.b);
    /* align 0 or 1: no congruence requirement. */
    m = clone(&S);
    PH(&m, 2)->p_offset = 0x1ff0; PH(&m, 2)->p_align = 1;
    expect_ok(&m, &out, "align 1");
    PH(&m, 2)->p_align = 0;
    expect_ok(&m, &out, "align 0");
    free(m.b);
}

static void t_header(void)
{
    for (int i = 0; i < 4; i++) {
        VARIANT(R_MAGIC, m.b[i] ^= 0x20);
        VARIANT(R_MAGIC, m.b[i] = 0);
    }
    VARIANT(R_MAGIC, memset(m.b, 0, 64));
    VARIANT(R_CLASS, m.b[EI_CLASS] = ELFCLASS32);
    VARIANT(R_CLASS, m.b[EI_CLASS] = ELFCLASSNONE);
    VARIANT(R_CLASS, m.b[EI_CLASS] = 3);
    VARIANT(R_DATA, m.b[EI_DATA] = ELFDATA2MSB);
    VARIANT(R_DATA, m.b[EI_DATA] = 0);
    VARIANT(R_VERSION, m.b[EI_VERSION] = 0);
    VARIANT(R_VERSION, m.b[EI_VERSION] = 2);
    VARIANT(R_VERSION, EH(&m)->e_version = 0);
    VARIANT(R_VERSION, EH(&m)->e_version = 0x80000001u);
    VARIANT(R_MACHINE, EH(&m)->e_machine = EM_386);
    VARIANT(R_MACHINE, EH(&m)->e_machine = EM_AARCH64);
    VARIANT(R_MACHINE, EH(&m)->e_machine = 0);
    VARIANT(R_DYN, EH(&m)->e_type = ET_DYN);
    VARIANT(R_TYPE, EH(&m)->e_type = ET_REL);
    VARIANT(R_TYPE, EH(&m)->e_type = ET_CORE);
    VARIANT(R_TYPE, EH(&m)->e_type = ET_NONE);
    VARIANT(R_TYPE, EH(&m)->e_type = 0xffff);
    VARIANT(R_PHENT, EH(&m)->e_phentsize = 0);
    VARIANT(R_PHENT, EH(&m)->e_phentsize = 32);    /* ELF32 size */
    VARIANT(R_PHENT, EH(&m)->e_phentsize = 57);
    VARIANT(R_PHENT, EH(&m)->e_phentsize = 0xffff);
    VARIANT(R_PHNUM, EH(&m)->e_phnum = 0);
    VARIANT(R_PHNUM, EH(&m)->e_phnum = 65);
    VARIANT(R_PHNUM, EH(&m)->e_phnum = 0xffff);    /* PN_XNUM */
}

static void t_phdr_placement(void)
{
    size_t n = S.n;
    VARIANT(R_PHOUT, EH(&m)->e_phoff = n + 1);
    VARIANT(R_PHOUT, EH(&m)->e_phoff = n);
    VARIANT(R_PHOUT, EH(&m)->e_phoff = n - 4 * 56 + 1);
    VARIANT(R_PHOUT, EH(&m)->e_phoff = UINT64_MAX);
    VARIANT(R_PHOUT, EH(&m)->e_phoff = UINT64_MAX - 55);
    VARIANT(R_PHOUT, EH(&m)->e_phoff = 0x8000000000000000ULL);
    VARIANT(R_PHOUT, EH(&m)->e_phoff = (uint64_t)0 - 4 * 56);  /* phoff + size wraps to 0 */
    /* Headers placed exactly at the end of the file are fine. */
    struct img m = clone(&S);
    memcpy(m.b + n - 4 * 56, m.b + 64, 4 * 56);
    EH(&m)->e_phoff = n - 4 * 56;
    struct elf_image out;
    const char *why;
    CHECKF(parse(&m, n, LO, HI, &out, &why) == 0, "headers at end of file refused: %s", why);
    /* Many headers running past the end. */
    EH(&m)->e_phnum = 64;
    expect_refused(&m, n, LO, HI, R_PHOUT, "64 headers at end of file");
    free(m.b);
    /* phnum 64, all within the file (bigger image). */
    struct img big = { calloc(1, 64 + 64 * 56 + 0x3000), 64 + 64 * 56 + 0x3000 };
    memcpy(big.b, S.b, 64 + 4 * 56);
    EH(&big)->e_phnum = 64;
    memcpy(big.b + 0x2000, S.b + 0x2000, 0x10);
    CHECKF(parse(&big, big.n, LO, HI, &out, &why) == 0, "64 headers refused: %s", why);
    CHECK_EQ(out.phnum, 64);
    free(big.b);
}

static void t_segments(void)
{
    VARIANT(R_FILESZ, PH(&m, 1)->p_filesz = 0x101);
    VARIANT(R_FILESZ, PH(&m, 2)->p_filesz = UINT64_MAX);
    VARIANT(R_DATAOUT, PH(&m, 2)->p_filesz = 0x11);
    VARIANT(R_DATAOUT, PH(&m, 2)->p_offset = 0x3000);
    VARIANT(R_DATAOUT, PH(&m, 2)->p_offset = UINT64_MAX);
    VARIANT(R_DATAOUT, (PH(&m, 2)->p_offset = 0x2000, PH(&m, 2)->p_filesz = UINT64_MAX, PH(&m, 2)->p_memsz = UINT64_MAX));
    VARIANT(R_DATAOUT, (PH(&m, 2)->p_offset = UINT64_MAX, PH(&m, 2)->p_filesz = UINT64_MAX, PH(&m, 2)->p_memsz = UINT64_MAX));
    VARIANT(R_DATAOUT, (PH(&m, 2)->p_offset = UINT64_MAX - 0xf, PH(&m, 2)->p_filesz = 0x10)); /* offset+filesz == 0 */
    VARIANT(R_DATAOUT, (PH(&m, 2)->p_offset = 1, PH(&m, 2)->p_filesz = UINT64_MAX, PH(&m, 2)->p_memsz = UINT64_MAX));
    VARIANT(R_DATAOUT, (PH(&m, 2)->p_offset = 0x2001, PH(&m, 2)->p_filesz = 0x10, PH(&m, 2)->p_vaddr = 0x402001));
    VARIANT(R_RANGE, PH(&m, 0)->p_vaddr = 0);
    VARIANT(R_RANGE, PH(&m, 0)->p_vaddr = LO - 0x1000);
    VARIANT(R_RANGE, PH(&m, 2)->p_vaddr = HI);
    VARIANT(R_RANGE, PH(&m, 2)->p_vaddr = HI - 0x1000);              /* memsz 0x2000 crosses hi */
    VARIANT(R_RANGE, PH(&m, 2)->p_vaddr = 0xffffffff80000000ULL);     /* kernel half */
    VARIANT(R_RANGE, PH(&m, 2)->p_vaddr = 0xfffffffffffff000ULL);
    VARIANT(R_RANGE, PH(&m, 2)->p_memsz = UINT64_MAX);                  /* vaddr + memsz wraps */
    VARIANT(R_RANGE, PH(&m, 2)->p_memsz = UINT64_MAX - 0x402000 + 1);   /* vaddr + memsz == 0 */
    VARIANT(R_RANGE, PH(&m, 2)->p_memsz = HI);
    VARIANT(R_ALIGN, PH(&m, 2)->p_offset = 0x1ff0);
    VARIANT(R_ALIGN, PH(&m, 1)->p_vaddr = 0x401800);
    VARIANT(R_OVERLAP, PH(&m, 1)->p_vaddr = 0x400000);                   /* identical start */
    VARIANT(R_OVERLAP, (PH(&m, 2)->p_vaddr = 0x401000 + 0xff0 - 0xff0, PH(&m, 2)->p_offset = 0x1000, PH(&m, 2)->p_filesz = 0x10)); /* inside text */
    VARIANT(R_OVERLAP, (PH(&m, 2)->p_vaddr = 0x3ff000, PH(&m, 2)->p_offset = 0x1000, PH(&m, 2)->p_filesz = 0x10)); /* covers the header segment */
    VARIANT(R_OVERLAP, (PH(&m, 3)->p_type = PT_LOAD, PH(&m, 3)->p_vaddr = 0x4010ff, PH(&m, 3)->p_offset = 0x10ff, PH(&m, 3)->p_memsz = 1));
    VARIANT(R_ENTRY, EH(&m)->e_entry = 0x400100);      /* in the R segment */
    VARIANT(R_ENTRY, EH(&m)->e_entry = 0x402008);      /* in the RW segment */
    VARIANT(R_ENTRY, EH(&m)->e_entry = 0x401100);      /* one past text */
    VARIANT(R_ENTRY, EH(&m)->e_entry = 0x400fff);      /* one before text */
    VARIANT(R_ENTRY, EH(&m)->e_entry = 0);
    VARIANT(R_ENTRY, EH(&m)->e_entry = UINT64_MAX);
    VARIANT(R_ENTRY, PH(&m, 1)->p_flags = PF_R);       /* no executable segment at all */
    VARIANT(R_DYNLINK, PH(&m, 3)->p_type = PT_INTERP);
    VARIANT(R_DYNLINK, PH(&m, 3)->p_type = PT_DYNAMIC);
    VARIANT(R_DYNLINK, (PH(&m, 3)->p_type = PT_INTERP, PH(&m, 3)->p_offset = UINT64_MAX));
    VARIANT(R_NOLOAD, for (int i = 0; i < 3; i++) PH(&m, i)->p_type = PT_NOTE);
    VARIANT(R_NOLOAD, for (int i = 0; i < 3; i++) PH(&m, i)->p_memsz = 0);
    VARIANT(R_NOLOAD, EH(&m)->e_phnum = 1 + 0 * (PH(&m, 0)->p_type = PT_NULL));
}

static void t_segment_count(void)
{
    /* 16 loadable segments accepted, 17 refused. */
    for (int nload = 16; nload <= 17; nload++) {
        size_t n = 0x1000 + (size_t)nload * 0x1000;
        struct img m = { calloc(1, n), n };
        memcpy(m.b, S.b, 64);
        EH(&m)->e_phnum = (uint16_t)nload;
        EH(&m)->e_entry = 0x401000;
        for (int i = 0; i < nload; i++) {
            Elf64_Phdr p = { PT_LOAD, PF_R | PF_X, 0x1000 + (uint64_t)i * 0x1000, 0x401000 + (uint64_t)i * 0x1000,
                             0, 0x10, 0x10, 0x1000 };
            memcpy(m.b + 64 + (size_t)i * 56, &p, sizeof p);
        }
        if (nload == 16) {
            struct elf_image out;
            expect_ok(&m, &out, "16 segments");
            CHECK_EQ(out.nseg, 16);
            CHECK_EQ(out.highest, 0x411000);
        } else {
            expect_refused(&m, n, LO, HI, R_MANY, "17 segments");
        }
        free(m.b);
    }
}

/* ---- the real static binary -------------------------------------------- */

static struct img REAL;
static const char *real_path;

/* Independent expectation for a truncated copy of a valid image. */
static const char *expected_truncation(const struct img *m, size_t n)
{
    const Elf64_Ehdr *e = (const Elf64_Ehdr *)m->b;
    if (n < sizeof *e)
        return R_SMALL;
    if (e->e_phoff + (uint64_t)e->e_phnum * sizeof(Elf64_Phdr) > n)
        return R_PHOUT;
    for (int i = 0; i < e->e_phnum; i++) {
        const Elf64_Phdr *p = (const Elf64_Phdr *)(m->b + e->e_phoff) + i;
        if (p->p_type == PT_LOAD && p->p_memsz && p->p_offset + p->p_filesz > n)
            return R_DATAOUT;
    }
    return NULL;
}

static void t_real_valid(void)
{
    const Elf64_Ehdr *e = (const Elf64_Ehdr *)REAL.b;
    struct elf_image out;
    expect_ok(&REAL, &out, real_path);
    if (ku_failed_group)
        return;
    int nload = 0, phdr_seen = 0;
    uint64_t phdr = 0, low = UINT64_MAX, high = 0;
    for (int i = 0; i < e->e_phnum; i++) {
        const Elf64_Phdr *p = (const Elf64_Phdr *)(REAL.b + e->e_phoff) + i;
        if (p->p_type == PT_PHDR) { phdr = p->p_vaddr; phdr_seen = 1; }
        if (p->p_type != PT_LOAD || !p->p_memsz)
            continue;
        CHECK(nload < ELF_MAX_SEGMENTS);
        if (nload < ELF_MAX_SEGMENTS) {
            const struct elf_segment *s = &out.seg[nload];
            CHECK(s->vaddr == p->p_vaddr && s->memsz == p->p_memsz && s->offset == p->p_offset &&
                  s->filesz == p->p_filesz && s->flags == p->p_flags);
        }
        if (!phdr_seen && e->e_phoff >= p->p_offset && e->e_phoff < p->p_offset + p->p_filesz && !phdr)
            phdr = p->p_vaddr + e->e_phoff - p->p_offset;
        if ((p->p_vaddr & ~4095ULL) < low) low = p->p_vaddr & ~4095ULL;
        if (((p->p_vaddr + p->p_memsz + 4095) & ~4095ULL) > high) high = (p->p_vaddr + p->p_memsz + 4095) & ~4095ULL;
        nload++;
    }
    CHECK_EQ(out.entry, e->e_entry);
    CHECK_EQ(out.nseg, nload);
    CHECK(nload >= 2);
    CHECK_EQ(out.phnum, e->e_phnum);
    CHECK_EQ(out.phdr_vaddr, phdr);
    CHECK(out.phdr_vaddr != 0);
    CHECK_EQ(out.lowest, low);
    CHECK_EQ(out.highest, high);
}

static void t_real_truncated(void)
{
    size_t lens[512];
    int k = 0;
    for (size_t n = 0; n <= 200 && n <= REAL.n; n++)
        lens[k++] = n;
    for (size_t n = 201; n < REAL.n && k < 500; n += 1 + REAL.n / 256)
        lens[k++] = n;
    lens[k++] = REAL.n - 1;
    int refused = 0;
    for (int i = 0; i < k; i++) {
        const char *want = expected_truncation(&REAL, lens[i]);
        char what[64];
        snprintf(what, sizeof what, "truncated to %zu bytes", lens[i]);
        if (want) {
            expect_refused(&REAL, lens[i], LO, HI, want, what);
            refused++;
        }
    }
    /* The null pointer is refused too. */
    struct elf_image out;
    const char *why = NULL;
    CHECK_EQ(elf_parse(NULL, 4096, LO, HI, &out, &why), -1);
    CHECK_STR(why, R_SMALL);
    CHECK(refused > 201);
}

static void t_real_variants(void)
{
    struct img m = clone(&REAL);
    Elf64_Ehdr *e = EH(&m);
    int text = -1, other = -1, stack = -1;
    for (int i = 0; i < e->e_phnum; i++) {
        Elf64_Phdr *p = PH(&m, i);
        if (p->p_type == PT_LOAD && (p->p_flags & PF_X) && text < 0) text = i;
        else if (p->p_type == PT_LOAD && other < 0) other = i;
        else if (p->p_type != PT_LOAD && stack < 0) stack = i;
    }
    CHECK(text >= 0 && other >= 0 && stack >= 0);
    if (ku_failed_group) { free(m.b); return; }
#define RV(reason, stmt) do { memcpy(m.b, REAL.b, m.n); stmt; expect_refused(&m, m.n, LO, HI, reason, #stmt); } while (0)
    RV(R_MAGIC, m.b[1] = 'e');
    RV(R_CLASS, m.b[EI_CLASS] = ELFCLASS32);
    RV(R_DATA, m.b[EI_DATA] = ELFDATA2MSB);
    RV(R_MACHINE, e->e_machine = EM_386);
    RV(R_DYN, e->e_type = ET_DYN);
    RV(R_PHENT, e->e_phentsize = 64);
    RV(R_PHNUM, e->e_phnum = 0);
    RV(R_PHNUM, e->e_phnum = 1000);
    RV(R_PHOUT, e->e_phoff = m.n);
    RV(R_PHOUT, e->e_phoff = UINT64_MAX);
    RV(R_FILESZ, PH(&m, text)->p_filesz = PH(&m, text)->p_memsz + 1);
    RV(R_DATAOUT, PH(&m, text)->p_offset = m.n);
    RV(R_DATAOUT, (PH(&m, text)->p_filesz = UINT64_MAX, PH(&m, text)->p_memsz = UINT64_MAX));
    RV(R_RANGE, PH(&m, text)->p_vaddr = 0x1000);
    RV(R_RANGE, PH(&m, text)->p_vaddr = HI);
    RV(R_RANGE, PH(&m, other)->p_memsz = UINT64_MAX - PH(&m, other)->p_vaddr + 0x1000);
    RV(R_OVERLAP, (PH(&m, other)->p_vaddr = PH(&m, text)->p_vaddr, PH(&m, other)->p_offset &= 4095));
    RV(R_ENTRY, e->e_entry = PH(&m, other)->p_vaddr);
    RV(R_ENTRY, e->e_entry = PH(&m, text)->p_vaddr + PH(&m, text)->p_memsz);
    RV(R_DYNLINK, PH(&m, stack)->p_type = PT_INTERP);
#undef RV
    free(m.b);
}

/* Random mutations of the first 4 KiB; the parser must not crash and an
 * accepted image must satisfy the documented guarantees. */
static void t_real_mutations(void)
{
    enum { ROUNDS = 100000 };
    size_t span = REAL.n < 4096 ? REAL.n : 4096;
    unsigned char *buf = malloc(REAL.n);
    long accepted = 0, refused = 0;
    ku_seed(20240601);
    static const uint64_t interesting[] = { 0, 1, 0x38, 0x40, 0xfff, 0x1000, 0x400000, 0x7fffffff, 0x80000000,
        0xffffffff, 0x100000000ULL, LO, HI, HI - 1, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
        UINT64_MAX - 0xfff, UINT64_MAX };
    for (int r = 0; r < ROUNDS && !ku_failed_group; r++) {
        memcpy(buf, REAL.b, REAL.n);
        int nmut = 1 + (int)(ku_rand() % 4);
        for (int j = 0; j < nmut; j++) {
            /* Mostly the ELF and program headers, sometimes anywhere in 4 KiB. */
            size_t lim = ku_rand() % 4 ? 64 + 56 * 8 : span;
            if (lim > span) lim = span;
            size_t at = (size_t)(ku_rand() % lim);
            switch (ku_rand() % 5) {
            case 0: buf[at] ^= (unsigned char)(1u << (ku_rand() % 8)); break;
            case 1: buf[at] = (unsigned char)ku_rand(); break;
            case 2: { at &= ~(size_t)7; if (at + 8 <= span) { uint64_t v = interesting[ku_rand() % (sizeof interesting / 8)];
                      v += (ku_rand() % 3) - 1; memcpy(buf + at, &v, 8); } break; }
            case 3: { at &= ~(size_t)1; if (at + 2 <= span) { uint16_t v = (uint16_t)(ku_rand() % 3 ? ku_rand() % 80 : ku_rand());
                      memcpy(buf + at, &v, 2); } break; }
            default: {
                size_t from = (size_t)(ku_rand() % span), len = (size_t)(ku_rand() % 64);
                if (from + len <= span && at + len <= span)
                    memmove(buf + at, buf + from, len);
                break;
            }
            }
        }
        size_t size = ku_rand() % 8 ? REAL.n : (size_t)(ku_rand() % (REAL.n + 1));
        unsigned char *copy = malloc(size ? size : 1);
        memcpy(copy, buf, size);
        uint64_t lo = LO, hi = HI;
        if (ku_rand() % 16 == 0) { lo = 0; hi = UINT64_MAX; }
        struct elf_image out;
        const char *why = NULL;
        memset(&out, 0xee, sizeof out);
        int rc = elf_parse(copy, size, lo, hi, &out, &why);
        if (rc == 0) {
            accepted++;
            CHECKF(out.nseg >= 1 && out.nseg <= ELF_MAX_SEGMENTS, "round %d: nseg %d", r, out.nseg);
            int entry_ok = 0;
            for (int i = 0; i < out.nseg && i < ELF_MAX_SEGMENTS; i++) {
                const struct elf_segment *s = &out.seg[i];
                CHECKF(s->vaddr >= lo && s->vaddr < hi && s->memsz <= hi - s->vaddr,
                       "round %d: segment %d [0x%llx +0x%llx) outside [lo, hi)", r, i,
                       (unsigned long long)s->vaddr, (unsigned long long)s->memsz);
                CHECKF(s->offset <= size && s->filesz <= size - s->offset,
                       "round %d: segment %d file range 0x%llx+0x%llx beyond size %zu", r, i,
                       (unsigned long long)s->offset, (unsigned long long)s->filesz, size);
                CHECKF(s->filesz <= s->memsz, "round %d: filesz > memsz", r);
                for (int j = 0; j < i; j++) {
                    const struct elf_segment *t = &out.seg[j];
                    CHECKF(!(s->vaddr < t->vaddr + t->memsz && t->vaddr < s->vaddr + s->memsz),
                           "round %d: segments %d and %d overlap", r, j, i);
                }
                if ((s->flags & ELF_PF_X) && out.entry >= s->vaddr && out.entry - s->vaddr < s->memsz)
                    entry_ok = 1;
            }
            CHECKF(entry_ok, "round %d: entry 0x%llx not in an executable segment", r, (unsigned long long)out.entry);
        } else {
            refused++;
            CHECKF(rc == -1 && why != NULL && why[0], "round %d: rc %d without a reason", r, rc);
        }
        free(copy);
    }
    free(buf);
    if (getenv("KU_VERBOSE"))
        fprintf(stderr, "mutations: %ld accepted, %ld refused\n", accepted, refused);
    /* The mutations must exercise both outcomes. */
    CHECKF(accepted > ROUNDS / 100 && refused > ROUNDS / 10, "accepted %ld, refused %ld", accepted, refused);
}

static int load_file(const char *path, struct img *m)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n <= 0) { fclose(f); return -1; }
    m->n = (size_t)n;
    m->b = malloc(m->n);
    size_t got = fread(m->b, 1, m->n, f);
    fclose(f);
    return got == m->n ? 0 : -1;
}

int main(int argc, char **argv)
{
    ku_init(argc, argv);
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--", 2) != 0)
            real_path = argv[i];
    S = synth();
    ku_run("elf.synthetic_valid", t_synth_valid);
    ku_run("elf.header_fields", t_header);
    ku_run("elf.phdr_placement", t_phdr_placement);
    ku_run("elf.segments", t_segments);
    ku_run("elf.segment_count", t_segment_count);
    if (real_path && load_file(real_path, &REAL) == 0) {
        ku_run("elf.static_binary_valid", t_real_valid);
        ku_run("elf.static_binary_truncated", t_real_truncated);
        ku_run("elf.static_binary_variants", t_real_variants);
        ku_run("elf.static_binary_mutations_1e5", t_real_mutations);
        free(REAL.b);
    } else {
        const char *why = real_path ? "cannot read the static test binary" : "no static test binary given (musl-gcc missing?)";
        printf("SKIP elf.static_binary_valid%s: %s\n", ku_suffix, why);
        printf("SKIP elf.static_binary_truncated%s: %s\n", ku_suffix, why);
        printf("SKIP elf.static_binary_variants%s: %s\n", ku_suffix, why);
        printf("SKIP elf.static_binary_mutations_1e5%s: %s\n", ku_suffix, why);
    }
    free(S.b);
    return ku_failures ? KU_EXIT_FAILED : 0;
}
