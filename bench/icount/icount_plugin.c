/* QEMU TCG plugin: counts the guest instructions executed between two
 * marker no-ops (kernel/include/uapi/eos_icount.h).
 *
 *   qemu-system-x86_64 -smp 1 -accel tcg ... -plugin build/bench/icount.so,out=FILE
 *
 * Every instruction that is not a marker adds one to a counter (an inline
 * add, so the count is exact: an instruction that faults and is restarted
 * counts twice, as it ran twice). A start marker with id I records the
 * counter; the next stop marker with id I writes "icount,I,COUNT" to FILE
 * (standard error without out=). The counter is machine-wide, so the guest
 * must have one vCPU: with more, the plugin refuses to load. Interrupts that
 * arrive between two markers are counted with the operation; that is the
 * spread a caller sees over repeated runs.
 *
 * profile=ID (with out=): while a pair with id ID is open, the plugin also
 * counts the instructions of each translation block executed, by its guest
 * address, and writes "profile,ADDRESS,INSTRUCTIONS" lines at exit, or
 * once that id has closed 50 pairs if QEMU is not stopped cleanly
 * (bench/icount/profile.py names the functions). Blocks left early by a
 * fault count whole, so a profile is a guide, the counts are exact. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qemu-plugin.h>
#include "eos_icount.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MARKER_LEN 7
#define IDS 65536

static uint64_t executed;               /* instructions that are not markers */
static uint64_t started[IDS];           /* counter at the start marker, + 1 (0: not started) */
static uint64_t pairs;
static FILE *out;

struct block { uint64_t vaddr, insns, hits; };
static long profile_id = -1;
static uint64_t profile_pairs;
#define PROFILE_PAIRS 50
static struct block **blocks;
static size_t nblocks, blocks_cap;

static void on_block(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    if (profile_id >= 0 && started[profile_id])
        ((struct block *)udata)->hits++;
}

static void profile_write(void)
{
    for (size_t i = 0; i < nblocks; i++)
        if (blocks[i]->hits)
            fprintf(out, "profile,%" PRIx64 ",%" PRIu64 "\n", blocks[i]->vaddr, blocks[i]->hits * blocks[i]->insns);
    fflush(out);
}

/* The marker's displacement (tag, kind, id), or 0 when INSN is no marker. */
static uint32_t marker_of(const struct qemu_plugin_insn *insn)
{
    if (qemu_plugin_insn_size(insn) != MARKER_LEN)
        return 0;
    const uint8_t *b = qemu_plugin_insn_data(insn);
    if (b[0] != 0x0f || b[1] != 0x1f || b[2] != 0x80)
        return 0;
    uint32_t disp = (uint32_t)b[3] | (uint32_t)b[4] << 8 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 24;
    uint32_t kind = (disp >> 16) & 0xf;
    if ((disp & 0xfff00000u) != EOS_ICOUNT_TAG || (kind != EOS_ICOUNT_KIND_START && kind != EOS_ICOUNT_KIND_STOP))
        return 0;
    return disp;
}

static void on_marker(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    uint32_t disp = (uint32_t)(uintptr_t)udata;
    uint32_t id = disp & 0xffff;
    if (((disp >> 16) & 0xf) == EOS_ICOUNT_KIND_START) {
        started[id] = executed + 1;
    } else if (started[id]) {
        fprintf(out, "icount,%" PRIu32 ",%" PRIu64 "\n", id, executed - (started[id] - 1));
        started[id] = 0;
        pairs++;
        if ((long)id == profile_id && ++profile_pairs == PROFILE_PAIRS) {
            profile_write();
            profile_id = -1;            /* written; the rest is not profiled */
        }
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (profile_id >= 0) {
        struct block *b = calloc(1, sizeof *b);
        if (b && nblocks == blocks_cap) {
            size_t cap = blocks_cap ? 2 * blocks_cap : 4096;
            struct block **nb = realloc(blocks, cap * sizeof *nb);
            if (nb) {
                blocks = nb;
                blocks_cap = cap;
            }
        }
        if (b && nblocks < blocks_cap) {
            b->vaddr = qemu_plugin_tb_vaddr(tb);
            b->insns = n;
            blocks[nblocks++] = b;
            qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS, b);
        } else {
            free(b);
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint32_t m = marker_of(insn);
        if (m)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)m);
        else
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
    }
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    if (profile_id >= 0)
        profile_write();
    fprintf(out, "icount-total,%" PRIu64 ",%" PRIu64 "\n", pairs, executed);
    fflush(out);
    if (out != stderr)
        fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "out=", 4)) {
            path = argv[i] + 4;
        } else if (!strncmp(argv[i], "profile=", 8)) {
            char *end;
            profile_id = strtol(argv[i] + 8, &end, 10);
            if (*end || profile_id < 0 || profile_id >= IDS) {
                fprintf(stderr, "icount plugin: profile= takes a marker id (0..65535)\n");
                return -1;
            }
        } else {
            fprintf(stderr, "icount plugin: unknown argument '%s' (it takes out=FILE, profile=ID)\n", argv[i]);
            return -1;
        }
    }
    if (!info->system_emulation || info->system.smp_vcpus != 1) {
        fprintf(stderr, "icount plugin: needs system emulation with one vCPU (-smp 1); the counter is machine-wide\n");
        return -1;
    }
    out = path ? fopen(path, "w") : stderr;
    if (!out) {
        perror(path);
        return -1;
    }
    setvbuf(out, NULL, _IOLBF, 0);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
