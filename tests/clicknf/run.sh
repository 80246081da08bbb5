#!/bin/bash
# clicknf suite: Click network functions as FWPs. A test driver (nfdriver,
# user/test/nfdriver.c) forks clicknf templates inside EdgeOS, wires their
# inboxes and send channels and prints one "check NAME: PASS|FAIL (...)"
# line per check; each becomes a test here, plus checks on the console log
# (the configuration error's message, the crash's kernel line).
cd "$(dirname "$0")/../.." || exit 1
OUT=build/tests/clicknf
mkdir -p "$OUT"
U=build/user
NF="$U/clicknf.elf"
PASS_CFG='FromDevice(in) -> c :: Counter -> ToDevice(out)'
SRC_CFG='FromDevice(in) -> Classifier(12/0800) -> Strip(14) -> CheckIPHeader -> f :: IPFilter(allow not src net 192.168.0.0/16) -> Unstrip(14) -> c :: Counter -> ToDevice(out)'
BAD_CFG='FromDevice(in) -> c :: Counter -> Bogus(1) -> ToDevice(out)'
timeout 90 host/edgeos-run --timeout 60 --mem 512M \
    "$NF @name=nfpass @mem=4M --allow-fault -e $PASS_CFG" \
    "$NF @name=nffw @mem=4M firewall" \
    "$NF @name=nfsrc @mem=4M -e $SRC_CFG" \
    "$NF @name=nfbad @mem=4M -e $BAD_CFG" \
    "$U/test/nfdriver.elf @root @mem=8M nfpass nffw nfsrc nfbad" >"$OUT/console.log" 2>&1
rc=$?
LOG="$OUT/console.log"
expected="config-error-no-template passthrough passthrough-counter stats-all firewall-pass-drop firewall-counters
srcrange-drop chain3 chain3-middle-count single-stream crash-ended crash-fresh-fork crash-others-unaffected"
for name in $expected; do
    line=$(grep -E "^check $name: " "$LOG" | head -1)
    if [ -z "$line" ]; then
        echo "FAIL clicknf-$name: no result (guest exit $rc)"
    elif echo "$line" | grep -q ': PASS'; then
        echo "PASS clicknf-$name"
    else
        echo "FAIL clicknf-$name: ${line#check $name: }"
    fi
done
# the bad configuration is reported with its place (the engine's
# "CONFIG:LINE:COL: message") and the program ends without checkpointing
if grep -qE "^clicknf: -e:1:[0-9]+: .*Bogus" "$LOG" && ! grep -qE '\(nfbad\) checkpointed' "$LOG"; then
    echo "PASS clicknf-config-error-message"
else
    echo "FAIL clicknf-config-error-message: $(grep -E '^clicknf: -e:' "$LOG" | head -2 | tr '\n' ' ')"
fi
# the templates that parsed did checkpoint with their graph ready
if [ "$(grep -cE "^clicknf: configuration '(-e|firewall)' ready" "$LOG")" = 3 ]; then
    echo "PASS clicknf-templates-ready"
else
    echo "FAIL clicknf-templates-ready: $(grep -c "ready (" "$LOG") ready lines"
fi
# the crashed NF is ended and logged by the kernel
if grep -qE '^fwp [0-9]+ \(nfpass\) ended: page fault' "$LOG"; then
    echo "PASS clicknf-crash-logged"
else
    echo "FAIL clicknf-crash-logged: no 'ended: page fault' line for nfpass"
fi
if grep -q 'PANIC' "$LOG"; then echo "FAIL clicknf-no-panic: kernel panic"; else echo "PASS clicknf-no-panic"; fi
grep -E '^figure ' "$LOG"
[ $rc = 0 ] || echo "FAIL clicknf-guest-exit: guest exit status $rc"
