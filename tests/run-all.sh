#!/bin/bash
# Runs every test suite (tests/*/run.sh) and prints the totals.
#
# Suite protocol: a suite is an executable tests/<area>/run.sh, run from the
# repository root after `make all`. It prints one line per test:
#     PASS <name>
#     FAIL <name>: <why>
#     SKIP <name>: <missing capability>
# Any other output is passed through as commentary. A suite that exits
# non-zero without printing a FAIL line counts as one failure.
# Run one suite with:  tests/run-all.sh memcached
cd "$(dirname "$0")/.." || exit 1
passed=0; failed=0; skipped=0
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=($(ls tests/*/run.sh | sed 's|tests/||; s|/run.sh||'))
for s in "${suites[@]}"; do
    echo "=== suite $s"
    start=$(date +%s)
    out=$(mktemp)
    bash "tests/$s/run.sh" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out"); k=$(grep -c '^SKIP ' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL suite-$s: exited with status $rc"; f=1
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
    echo "=== suite $s: $p passed, $f failed, $k skipped ($(( $(date +%s) - start )) s)"
    rm -f "$out"
done
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
