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
T=$(mktemp -d /tmp/edgeos-kernel-unit.XXXXXX)
trap 'rm -rf "$T"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# --- build (incremental; `make all` normally did this already) -----------
if grep -q '^-include tests/kernel_unit/kernel_unit.mk' Makefile; then
    make -s --no-print-directory kernel_unit >"$T/make.log" 2>&1
else
    make -s --no-print-directory -f Makefile -f $DIR/kernel_unit.mk kernel_unit >"$T/make.log" 2>&1
fi
mk=$?
if [ $mk -eq 0 ]; then
    pass kernel_unit.build
else
    # Report, then run whatever did get built.
    fail kernel_unit.build "make exited with $mk: $(grep -m1 -iE 'error|no rule' "$T/make.log" || tail -n 1 "$T/make.log")"
fi

# Runs one test binary; its PASS/FAIL lines are passed through. A binary that
# dies without reporting a failure (crash, sanitizer abort) is a failure.
run_bin() {
    local name=$1; shift
    local bin=$OUT/$name
    if [ ! -x "$bin" ]; then
        fail "$name" "$bin was not built"
        return
    fi
    "$bin" "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    cat "$T/out"
    # 0: all passed; 3: some group failed (and said so); anything else is a
    # crash or a sanitizer abort, which the groups' lines do not show.
    if [ $rc -ne 0 ] && { [ $rc -ne 3 ] || ! grep -q '^FAIL ' "$T/out"; }; then
        fail "$name" "exited with status $rc after $(grep -c '^PASS ' "$T/out") passes: $(grep -m1 -E 'ERROR|runtime error|Assertion|abort' "$T/err" || tail -n 1 "$T/err")"
    fi
}

ELF=$OUT/static-hello.elf
[ -f "$ELF" ] || ELF=build/user/hello.elf
[ -f "$ELF" ] || ELF=

for t in test_frame_pool test_page_table test_elf; do
    args=()
    [ "$t" = test_elf ] && [ -n "$ELF" ] && args=("$ELF")
    run_bin "$t" "${args[@]}"
    run_bin "$t-san" --suffix='[san]' "${args[@]}"
done

# --- fuzzer ---------------------------------------------------------------
FUZZ=$OUT/fuzz_elf
if [ ! -x "$FUZZ" ]; then
    skip fuzz_elf.seeds "$FUZZ not built (clang with -fsanitize=fuzzer needed)"
    skip fuzz_elf.bounded_run "$FUZZ not built"
else
    if "$FUZZ" $DIR/corpus/* >"$T/seeds.log" 2>&1; then
        pass fuzz_elf.seeds
    else
        fail fuzz_elf.seeds "$(grep -m1 -E 'ERROR|runtime error|Running:' "$T/seeds.log")"
    fi
    # New inputs go to a scratch directory, never into the committed seeds.
    mkdir -p "$T/corpus" "$T/artifacts"
    "$FUZZ" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$T/artifacts/" "$T/corpus" $DIR/corpus >"$T/fuzz.log" 2>&1
    rc=$?
    runs=$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$T/fuzz.log" | grep -oE '[0-9]+$')
    if [ $rc -eq 0 ]; then
        echo "fuzz_elf: ${runs:-?} executions in ${FUZZ_SECONDS} s, no failure"
        pass fuzz_elf.bounded_run
    else
        mkdir -p "$OUT/fuzz-artifacts"
        cp "$T"/artifacts/* "$OUT/fuzz-artifacts/" 2>/dev/null
        fail fuzz_elf.bounded_run "fuzzer exited $rc: $(grep -m1 -E 'ERROR|runtime error|deadly signal' "$T/fuzz.log"); inputs kept in $OUT/fuzz-artifacts/"
    fi
fi
exit 0
