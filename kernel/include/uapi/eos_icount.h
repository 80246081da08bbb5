/* Guest instruction-count markers (x86-64; kernel, EdgeOS programs, and
 * programs of the Linux guest peer).
 *
 * A marker is one 7-byte no-op, `nopl disp32(%rax)` (0f 1f 80 + disp32),
 * whose displacement carries a tag and a 16-bit id:
 *     disp32 = 0xE1C00000 | kind << 16 | id      kind 1 = start, 2 = stop
 * On any CPU it does nothing. Under QEMU with the instruction-count plugin
 * (bench/icount/icount_plugin.c, docs/benchmarks.md) the guest instructions
 * executed between EOS_ICOUNT_START(id) and the next EOS_ICOUNT_STOP(id) —
 * on every vCPU, the markers themselves excluded — are counted and written
 * as one line "icount,ID,COUNT". Ids are the caller's; programs print which
 * operation each id measures on their own output. */
#ifndef EOS_ICOUNT_H
#define EOS_ICOUNT_H

#define EOS_ICOUNT_TAG   0xE1C00000u
#define EOS_ICOUNT_KIND_START 1u
#define EOS_ICOUNT_KIND_STOP  2u
#define EOS_ICOUNT_DISP(kind, id) (EOS_ICOUNT_TAG | ((kind) << 16) | ((id) & 0xffffu))

/* "memory": the compiler keeps loads and stores on their side of a marker. */
#define EOS_ICOUNT_MARK_(kind, id) \
    __asm__ volatile(".byte 0x0f, 0x1f, 0x80\n\t.long %c0" ::"i"(EOS_ICOUNT_DISP(kind, id)) : "memory")
#define EOS_ICOUNT_START(id) EOS_ICOUNT_MARK_(EOS_ICOUNT_KIND_START, id)
#define EOS_ICOUNT_STOP(id)  EOS_ICOUNT_MARK_(EOS_ICOUNT_KIND_STOP, id)

#endif
