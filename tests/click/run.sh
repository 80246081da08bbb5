#!/bin/bash
# Click engine test suite. Run from the repository root after `make all`:
#   tests/run-all.sh click
# 1. unit tests (parser errors, graph checks, every element on crafted
#    packets), plain and under ASan/UBSan;
# 2. every shipped configuration over a generated pcap (tests/click/test_configs.py);
# 3. click-run's exit status and messages for bad configurations;
# 4. libFuzzer harnesses: the seed corpora as regression inputs, then a
#    bounded run of each (CLICK_FUZZ_SECONDS, default 15).
cd "$(dirname "$0")/../.." || exit 1
B=build/click
T=tests/click
export PYTHONDONTWRITEBYTECODE=1

need() {
    if [ ! -x "$1" ]; then echo "FAIL $2: $1 not built (run make all)"; return 1; fi
}

if need $B/test-click unit-tests; then $B/test-click "unit-"; fi
if need $B/test-click-asan unit-tests-asan; then
    out=$(ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 $B/test-click-asan "asan-" 2>&1)
    rc=$?
    echo "$out" | grep -E '^(PASS|FAIL) '
    if [ $rc -ne 0 ]; then
        echo "FAIL asan-run: exited with status $rc: $(echo "$out" | grep -m1 -E 'ERROR|runtime error')"
    fi
fi

if need $B/click-run click-run; then
    python3 $T/test_configs.py

    # Bad configurations: non-zero exit, message with file:line:col.
    tmp=$(mktemp -d)
    printf 'src :: FromDump(x.pcap);\n\nsrc -> c :: Foo(1) -> Discard;\n' > $tmp/bad.click
    msg=$($B/click-run $tmp/bad.click 2>&1); rc=$?
    if [ $rc -ne 0 ] && [ "$msg" = "$tmp/bad.click:3:13: unknown element class 'Foo'" ]; then
        echo "PASS click-run-bad-config"
    else
        echo "FAIL click-run-bad-config: rc=$rc message '$msg'"
    fi
    msg=$($B/click-run -e 'FromDump(/nonexistent.pcap) -> Discard' 2>&1); rc=$?
    if [ $rc -ne 0 ] && [[ "$msg" == "<command line>:1:1: 'FromDump@1' :: FromDump: cannot open '/nonexistent.pcap'"* ]]; then
        echo "PASS click-run-missing-pcap"
    else
        echo "FAIL click-run-missing-pcap: rc=$rc message '$msg'"
    fi
    printf 'garbage, not a pcap file at all' > $tmp/junk.pcap
    msg=$($B/click-run -e "FromDump($tmp/junk.pcap) -> Discard" 2>&1); rc=$?
    if [ $rc -ne 0 ] && [[ "$msg" == *"not a pcap file"* ]]; then
        echo "PASS click-run-corrupt-pcap"
    else
        echo "FAIL click-run-corrupt-pcap: rc=$rc message '$msg'"
    fi
    msg=$($B/click-run -e 'Idle -> c :: Counter -> Discard' --read c.count --read c.nosuch 2>&1); rc=$?
    if [ $rc -ne 0 ] && [[ "$msg" == *"c.count: 0"* ]] && [[ "$msg" == *"no read handler 'nosuch'"* ]]; then
        echo "PASS click-run-handlers"
    else
        echo "FAIL click-run-handlers: rc=$rc output '$msg'"
    fi
    rm -rf $tmp
fi

# Fuzzing: regression over the seeds, then a bounded run on a scratch copy.
secs=${CLICK_FUZZ_SECONDS:-15}
for f in parser firewall; do
    fz=$B/fuzz-click-$f
    if [ ! -x $fz ]; then
        if command -v clang >/dev/null; then echo "FAIL fuzz-$f: $fz not built"
        else echo "SKIP fuzz-$f: clang (libFuzzer) not installed"; fi
        continue
    fi
    out=$($fz $T/corpus/$f/* 2>&1); rc=$?
    if [ $rc -eq 0 ]; then echo "PASS fuzz-$f-regression"
    else echo "FAIL fuzz-$f-regression: $(echo "$out" | grep -m1 -E 'ERROR|runtime error|deadly')"; fi
    work=$(mktemp -d)
    cp $T/corpus/$f/* $work/
    art=$(mktemp -d)
    out=$($fz -max_total_time=$secs -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
          -artifact_prefix=$art/ $work 2>&1); rc=$?
    if [ $rc -eq 0 ]; then echo "PASS fuzz-$f-${secs}s ($(echo "$out" | grep -o 'Done [0-9]* runs' | tail -1))"
    else echo "FAIL fuzz-$f-${secs}s: $(echo "$out" | grep -m1 -E 'ERROR|runtime error|deadly'); artifacts in $art"; fi
    rm -rf $work
    [ $rc -eq 0 ] && rm -rf $art
done
exit 0
