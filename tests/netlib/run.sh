#!/bin/bash
# netlib suite: host unit tests of the portable packet library
# (user/lib/net_*.c), plain and ASan/UBSan ("[san]" suffix), then the
# libFuzzer harness over the frame classifier: its committed seed corpus
# (regression) and a bounded run. Prints PASS/FAIL lines; < 1 minute.
#   NETLIB_FUZZ_SECONDS=N   length of the bounded fuzzing run (default 15)
cd "$(dirname "$0")/../.." || exit 1
OUT=build/netlib
DIR=tests/netlib
FUZZ_SECONDS=${NETLIB_FUZZ_SECONDS:-15}
T=$(mktemp -d /tmp/edgeos-netlib.XXXXXX)
trap 'rm -rf "$T"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

if grep -q '^-include tests/netlib/netlib.mk' Makefile; then
    make -s --no-print-directory netlib >"$T/make.log" 2>&1
else
    make -s --no-print-directory -f Makefile -f $DIR/netlib.mk netlib >"$T/make.log" 2>&1
fi
mk=$?
if [ $mk -eq 0 ]; then
    pass netlib.build
else
    fail netlib.build "make exited with $mk: $(grep -m1 -iE 'error|no rule' "$T/make.log" || tail -n 1 "$T/make.log")"
fi

# A binary that dies without reporting a failure (crash, sanitizer abort)
# is a failure; status 3 means "some group failed and said so".
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
    if [ $rc -ne 0 ] && { [ $rc -ne 3 ] || ! grep -q '^FAIL ' "$T/out"; }; then
        fail "$name" "exited with status $rc after $(grep -c '^PASS ' "$T/out") passes: $(grep -m1 -E 'ERROR|runtime error|Assertion|abort' "$T/err" || tail -n 1 "$T/err")"
    fi
}
run_bin test_netlib
run_bin test_netlib-san --suffix='[san]'

FUZZ=$OUT/fuzz_netlib
if [ ! -x "$FUZZ" ]; then
    skip fuzz_netlib.seeds "$FUZZ not built (clang with -fsanitize=fuzzer needed)"
    skip fuzz_netlib.bounded_run "$FUZZ not built"
    exit 0
fi
if "$FUZZ" $DIR/corpus/* >"$T/seeds.log" 2>&1; then
    pass fuzz_netlib.seeds
else
    fail fuzz_netlib.seeds "$(grep -m1 -E 'ERROR|runtime error|Running:' "$T/seeds.log")"
fi
# New inputs go to a scratch directory, never into the committed seeds.
mkdir -p "$T/corpus" "$T/artifacts"
"$FUZZ" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=2048 \
    -print_final_stats=1 -artifact_prefix="$T/artifacts/" "$T/corpus" $DIR/corpus >"$T/fuzz.log" 2>&1
rc=$?
runs=$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$T/fuzz.log" | grep -oE '[0-9]+$')
if [ $rc -eq 0 ]; then
    echo "fuzz_netlib: ${runs:-?} executions in ${FUZZ_SECONDS} s, no failure"
    pass fuzz_netlib.bounded_run
else
    mkdir -p "$OUT/fuzz-artifacts"
    cp "$T"/artifacts/* "$OUT/fuzz-artifacts/" 2>/dev/null
    fail fuzz_netlib.bounded_run "fuzzer exited $rc: $(grep -m1 -E 'ERROR|runtime error|deadly signal' "$T/fuzz.log"); inputs kept in $OUT/fuzz-artifacts/"
fi
exit 0
