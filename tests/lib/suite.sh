# Shared pieces of the host-built test suites (sourced by tests/*/run.sh).
# The caller sets OUT (build directory of its binaries) and DIR (its test
# directory) before sourcing; a scratch directory $T is made and removed.
T=$(mktemp -d /tmp/edgeos-suite.XXXXXX)
trap 'rm -rf "$T"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# suite_build NAME: builds make target NAME (defined in $DIR/NAME.mk),
# reporting NAME.build; whatever did get built still runs afterwards.
suite_build() {
    local name=$1
    if grep -q "^-include $DIR/$name.mk" Makefile; then
        make -s --no-print-directory "$name" >"$T/make.log" 2>&1
    else
        make -s --no-print-directory -f Makefile -f "$DIR/$name.mk" "$name" >"$T/make.log" 2>&1
    fi
    local mk=$?
    if [ $mk -eq 0 ]; then
        pass "$name.build"
    else
        fail "$name.build" "make exited with $mk: $(grep -m1 -iE 'error|no rule' "$T/make.log" || tail -n 1 "$T/make.log")"
    fi
}

# run_bin NAME [ARGS...]: runs $OUT/NAME; its PASS/FAIL lines are passed
# through. Exit 0 = all passed, 3 = some group failed and said so; anything
# else (a crash, a sanitizer abort) is a failure the group lines do not show.
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

# run_fuzzer NAME SECONDS MAX_LEN: the libFuzzer harness $OUT/NAME over its
# committed seeds $DIR/corpus (regression), then a bounded run whose new
# inputs go to scratch, never into the seeds; crashing inputs are kept in
# $OUT/fuzz-artifacts/.
run_fuzzer() {
    local name=$1 seconds=$2 maxlen=$3 fuzz=$OUT/$1
    if [ ! -x "$fuzz" ]; then
        skip "$name.seeds" "$fuzz not built (clang with -fsanitize=fuzzer needed)"
        skip "$name.bounded_run" "$fuzz not built"
        return
    fi
    if "$fuzz" "$DIR"/corpus/* >"$T/seeds.log" 2>&1; then
        pass "$name.seeds"
    else
        fail "$name.seeds" "$(grep -m1 -E 'ERROR|runtime error|Running:' "$T/seeds.log")"
    fi
    mkdir -p "$T/corpus" "$T/artifacts"
    "$fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" \
        -print_final_stats=1 -artifact_prefix="$T/artifacts/" "$T/corpus" "$DIR/corpus" >"$T/fuzz.log" 2>&1
    local rc=$?
    local runs
    runs=$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$T/fuzz.log" | grep -oE '[0-9]+$')
    if [ $rc -eq 0 ]; then
        echo "$name: ${runs:-?} executions in $seconds s, no failure"
        pass "$name.bounded_run"
    else
        mkdir -p "$OUT/fuzz-artifacts"
        cp "$T"/artifacts/* "$OUT/fuzz-artifacts/" 2>/dev/null
        fail "$name.bounded_run" "fuzzer exited $rc: $(grep -m1 -E 'ERROR|runtime error|deadly signal' "$T/fuzz.log"); inputs kept in $OUT/fuzz-artifacts/"
    fi
}
