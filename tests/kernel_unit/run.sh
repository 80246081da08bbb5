#!/bin/bash
# Kernel unit suite: host-side tests of the hardware-independent kernel code
# (frame pool, page-table helpers, ELF validator), each run as a plain build
# and as an ASan/UBSan build ("[san]" suffix), plus the libFuzzer harness for
# elf_parse: its committed seeds (regression) and a bounded 15 s run.
# Run from anywhere; works from the repository root.
#   KU_FUZZ_SECONDS=N   length of the bounded fuzzing run (default 15)
cd "$(dirname "$0")/../.." || exit 1
OUT=build/kernel_unit
DIR=tests/kernel_unit
FUZZ_SECONDS=${KU_FUZZ_SECONDS:-15}
. tests/lib/suite.sh

suite_build kernel_unit

ELF=$OUT/static-hello.elf
[ -f "$ELF" ] || ELF=build/user/hello.elf
[ -f "$ELF" ] || ELF=

for t in test_frame_pool test_page_table test_elf; do
    args=()
    [ "$t" = test_elf ] && [ -n "$ELF" ] && args=("$ELF")
    run_bin "$t" "${args[@]}"
    run_bin "$t-san" --suffix='[san]' "${args[@]}"
done

run_fuzzer fuzz_elf "$FUZZ_SECONDS" 8192
exit 0
