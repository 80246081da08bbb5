#!/bin/bash
# FWP life-cycle tests: the manager (root FWP) drives forks of a template
# inside EdgeOS and prints one "check NAME: PASS|FAIL (...)" line per check;
# each becomes a test here. FWP_LEAK_ITERATIONS sets the leak test's
# fork/reset/destroy cycles (default 100000; the issue allows fewer under TCG).
cd "$(dirname "$0")/../.." || exit 1
OUT=build/tests/fwp
mkdir -p "$OUT"
U=build/user
ITER=${FWP_LEAK_ITERATIONS:-100000}
host/edgeos-run --timeout 600 --mem 512M "$U/fwptmpl.elf @name=t16 @mem=4M 16" \
    "$U/manager.elf @root test t16 $ITER" >"$OUT/manager.log" 2>&1
rc=$?
expected="fork reset-count reset-clean badcap-fork badcap-type badcap-negative badcap-forktype reset-running
fault-contained fork-quota pool exhaustion ipc-call ipc-many ipc-badcap ipc-wrongtype ipc-rights ipc-dead-peer
cap-revoke notification ipc-destroyed chan-copy chan-full chan-wrap chan-badcap chan-badlen leak"
for name in $expected; do
    line=$(grep -E "^check $name: " "$OUT/manager.log" | head -1)
    if [ -z "$line" ]; then
        echo "FAIL fwp-$name: no result (manager exit $rc)"
    elif echo "$line" | grep -q ': PASS'; then
        echo "PASS fwp-$name"
    else
        echo "FAIL fwp-$name: ${line#check $name: }"
    fi
done
# forks each saw the template's initialised state, and only their own writes
intact=$(grep -c 'template state intact' "$OUT/manager.log")
if grep -q -E 'CORRUPT|FOREIGN' "$OUT/manager.log"; then
    echo "FAIL fwp-isolation: a fork saw corrupt or foreign state"
elif [ "$intact" -lt 4 ] || [ "$(grep -c 'sees only its own writes' "$OUT/manager.log")" != 3 ]; then
    echo "FAIL fwp-isolation: expected 4+ intact reports and 3 own-writes reports"
else
    echo "PASS fwp-isolation"
fi
# a fork that makes its (shared) text writable and changes it gets its own
# copy: another fork, a new fork and the same fork after a reset see the
# template's text
if [ "$(grep -c 'mprotect of its text allowed; changed a byte' "$OUT/manager.log")" = 1 ] &&
        [ "$(grep -c "text as the template's" "$OUT/manager.log")" = 3 ] && ! grep -q 'text CORRUPT' "$OUT/manager.log"; then
    echo "PASS fwp-shared-text-private"
else
    echo "FAIL fwp-shared-text-private: $(grep -E 'mprotect of its text|text (as|CORRUPT)' "$OUT/manager.log" | tr '\n' ' ')"
fi
# a fork cannot call through a revoked capability, nor through the manager's
# indices it was never granted
if [ "$(grep -cE 'call on cap [0-9]+ returned -9$' "$OUT/manager.log")" = 2 ]; then
    echo "PASS fwp-cap-isolation"
else
    echo "FAIL fwp-cap-isolation: expected two -EBADF calls from the fork"
fi
# distinct random seeds per fork
seeds=$(grep -oE 'seed [0-9a-f]{16}' "$OUT/manager.log" | sort | uniq -d | wc -l)
[ "$seeds" = 0 ] && echo "PASS fwp-fresh-seeds" || echo "FAIL fwp-fresh-seeds: $seeds repeated seeds"
if grep -q 'PANIC' "$OUT/manager.log"; then echo "FAIL fwp-no-panic: kernel panic"; else echo "PASS fwp-no-panic"; fi
[ $rc = 0 ] || echo "FAIL fwp-guest-exit: guest exit status $rc"
