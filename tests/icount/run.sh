#!/bin/bash
# Guest instruction counting (bench/icount/, docs/benchmarks.md):
#   - the QEMU TCG plugin builds against Debian's qemu plugin header;
#   - it counts the kernel's calibration loops exactly (icount_selftest=1:
#     0, 2001 and 200001 instructions between their markers);
#   - a short run of the manager's benchmark under the plugin gives a count
#     for every operation it names, and the deterministic ones (pool
#     activation, IPC round trip, reset of a clean FWP) repeat: p10 and
#     p90 within 2 % (an interrupt that lands between two markers is
#     counted with the operation, so single runs may differ);
#   - fork counts grow with the template's writable memory, and a reset
#     copies back dirty pages (more dirty pages, more instructions);
#   - summarize.py rejects a count that misses its expectation, and a
#     named operation with no count.
# Run from the repository root after `make all`.
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
T=$(mktemp -d /tmp/edgeos-icount-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
U=build/user
PLUGIN=build/bench/icount.so

if [ ! -f "$PLUGIN" ]; then
    make -s --no-print-directory "$PLUGIN" >"$T/make.log" 2>&1
fi
if [ -f "$PLUGIN" ] && nm -D "$PLUGIN" | grep -q ' qemu_plugin_install$'; then
    echo "PASS icount-plugin-builds"
else
    echo "FAIL icount-plugin-builds: $PLUGIN missing or exports no qemu_plugin_install ($(tail -n 1 "$T/make.log" 2>/dev/null))"
    exit 0
fi

# --- calibration: known loops, counted exactly ---------------------------
host/edgeos-run --icount "$T/self.counts" --append icount_selftest=1 --timeout 120 >"$T/self.log" 2>&1
if $PY bench/icount/summarize.py --csv "$T/self.csv" edgeos "$T/self.counts" "$T/self.log" 2>"$T/self.err" &&
        grep -q '^edgeos,selftest_loop_100000,1,200001,' "$T/self.csv" &&
        grep -q '^edgeos,selftest_loop_1000,1,2001,' "$T/self.csv" &&
        grep -q '^edgeos,selftest_empty,1,0,' "$T/self.csv"; then
    echo "PASS icount-known-loops-exact"
else
    echo "FAIL icount-known-loops-exact: $(cat "$T/self.err"; grep -h 'icount' "$T/self.counts" "$T/self.csv" 2>/dev/null | tr '\n' ' ')"
fi

# --- the plugin needs one vCPU -------------------------------------------
if qemu-system-x86_64 -M microvm -smp 2 -accel tcg -display none -nodefaults -no-user-config \
        -plugin "$PLUGIN,out=$T/x" -kernel build/kernel/edgeos.bin 2>"$T/smp.err" </dev/null >/dev/null &
   qpid=$!; sleep 3; kill $qpid 2>/dev/null; wait $qpid 2>/dev/null; grep -q 'one vCPU' "$T/smp.err"; then
    echo "PASS icount-refuses-smp"
else
    echo "FAIL icount-refuses-smp: the plugin loaded with 2 vCPUs ($(head -c 200 "$T/smp.err"))"
fi

# --- the manager's operations --------------------------------------------
host/edgeos-run --icount "$T/ops.counts" --timeout 600 --mem 2G \
    "$U/fwptmpl.elf @name=t16 @mem=8M 16" "$U/fwptmpl.elf @name=t256 @mem=8M 256" \
    "$U/fwptmpl.elf @name=t4m @mem=16M 4096" "$U/manager.elf @root bench t16 t256 t4m 20" >"$T/ops.log" 2>&1
if $PY bench/icount/summarize.py --csv "$T/ops.csv" edgeos "$T/ops.counts" "$T/ops.log" 2>"$T/ops.err"; then
    echo "PASS icount-every-operation-counted"
else
    echo "FAIL icount-every-operation-counted: $(head -c 400 "$T/ops.err")"
fi
field() { awk -F, -v op="$1" -v col="$2" '$2 == op { print $col }' "$T/ops.csv"; }
for op in fwp_pool_activate_16k ipc_call_reply_roundtrip fwp_reset_clean; do
    runs=$(field $op 3) med=$(field $op 4) p10=$(field $op 7) p90=$(field $op 8)
    if [ -n "$runs" ] && [ "$runs" -ge 10 ] && [ "$med" -gt 0 ] && [ $(( (p90 - p10) * 50 )) -le "$med" ]; then
        echo "PASS icount-repeatable-$op"
    else
        echo "FAIL icount-repeatable-$op: runs=$runs median=$med p10=$p10 p90=$p90 (spread over 2 %)"
    fi
done
f16=$(field fwp_fork_16k 4) f4m=$(field fwp_fork_4m 4) r0=$(field fwp_reset_clean 4) r64=$(field fwp_reset_dirty_64 4)
r1024=$(field fwp_reset_dirty_1024 4)
# a 4 KiB page copy is at least 512 eight-byte moves
if [ -n "$f16" ] && [ -n "$f4m" ] && [ "$f4m" -gt $((f16 + 1000 * 512)) ]; then
    echo "PASS icount-fork-grows-with-template"
else
    echo "FAIL icount-fork-grows-with-template: 16 KiB $f16, 4 MiB $f4m"
fi
if [ -n "$r0" ] && [ -n "$r64" ] && [ -n "$r1024" ] && [ "$r64" -gt $((r0 + 64 * 512)) ] &&
        [ "$r1024" -gt $((r64 + 900 * 512)) ]; then
    echo "PASS icount-reset-copies-dirty-pages"
else
    echo "FAIL icount-reset-copies-dirty-pages: clean $r0, 64 dirty $r64, 1024 dirty $r1024"
fi

# --- summarize.py judges its inputs --------------------------------------
printf 'icount-name,5,loop expect=10\nicount-name,6,never\n' >"$T/bad.log"
printf 'icount,5,11\n' >"$T/bad.counts"
$PY bench/icount/summarize.py --csv "$T/bad.csv" edgeos "$T/bad.counts" "$T/bad.log" 2>"$T/bad.err"
rc=$?
if [ $rc -ne 0 ] && grep -q 'expected exactly 10' "$T/bad.err" && grep -q 'never (id 6): no count' "$T/bad.err"; then
    echo "PASS icount-summarize-checks"
else
    echo "FAIL icount-summarize-checks: exit $rc, $(cat "$T/bad.err")"
fi
exit 0
