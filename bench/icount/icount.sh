#!/bin/bash
# Guest instruction counts per operation (make bench-icount; docs/benchmarks.md).
# Boots each system under QEMU TCG with one vCPU and the counting plugin
# (build/bench/icount.so), runs its operations between marker no-ops
# (kernel/include/uapi/eos_icount.h) and writes build/bench/icount.csv:
#   EdgeOS: the kernel's calibration loops (must count exactly), then the
#           manager's start-up benchmark (fork, destroy, pool activation,
#           reset, IPC, channel copy), ICOUNT_RUNS times each (4 MiB rows
#           and resets: a tenth);
#   EdgeOS: nic + memcached, ICOUNT_REQUESTS UDP and TCP gets one at a time
#           (bench/icount/mcrequests.py), counted from the nic's first look
#           at the request to the doorbell that sends its reply;
#   Linux guest (bench/linux-peer, case icount): fork+exec, posix_spawn, a
#           memcached request over loopback (UDP and TCP).
# ICOUNT_SYSTEMS (default "edgeos linux-guest") picks the systems.
set -e
cd "$(dirname "$0")/../.."
OUT=build/bench
RUNS=${ICOUNT_RUNS:-100}
REQS=${ICOUNT_REQUESTS:-100}
SYSTEMS=${ICOUNT_SYSTEMS:-edgeos linux-guest}
U=build/user
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
mkdir -p "$OUT/icount"
W=$OUT/icount
[ -f "$OUT/icount.so" ] || make -s build/bench/icount.so
parts=()

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if [[ " $SYSTEMS " == *" edgeos "* ]]; then
    echo "icount: EdgeOS operations (manager benchmark, $RUNS runs)"
    host/edgeos-run --icount "$W/edgeos-ops.counts" --timeout 1800 --mem 2G --append icount_selftest=1 \
        "$U/fwptmpl.elf @name=t16 @mem=8M 16" "$U/fwptmpl.elf @name=t256 @mem=8M 256" \
        "$U/fwptmpl.elf @name=t4m @mem=16M 4096" "$U/manager.elf @root bench t16 t256 t4m $RUNS" \
        >"$W/edgeos-ops.log" 2>&1 || { tail -20 "$W/edgeos-ops.log"; exit 1; }
    parts+=(edgeos "$W/edgeos-ops.counts" "$W/edgeos-ops.log")

    echo "icount: EdgeOS memcached requests ($REQS UDP, $REQS TCP)"
    P=$(free_port)
    setsid host/edgeos-run --icount "$W/edgeos-mc.counts" --timeout 900 --mem 2G \
        --user-net "hostfwd=tcp:127.0.0.1:$P-:11211,hostfwd=udp:127.0.0.1:$P-:11211" \
        "$U/memcached.elf @name=memcached @mem=96M cache=65536" \
        "$U/nic.elf @root icount=1 spin_us=0 svc=memcached:tcp+udp:11211:1:shared" >"$W/edgeos-mc.log" 2>&1 &
    vm=$!
    rc=0
    $PY bench/icount/mcrequests.py --port "$P" --count "$REQS" --wait-s 300 || rc=$?
    kill -TERM -- -$vm 2>/dev/null || kill $vm 2>/dev/null || true
    wait $vm 2>/dev/null || true
    [ $rc -eq 0 ] || { tail -20 "$W/edgeos-mc.log"; exit 1; }
    parts+=(edgeos "$W/edgeos-mc.counts" "$W/edgeos-mc.log")
fi

if [[ " $SYSTEMS " == *" linux-guest "* ]]; then
    echo "icount: Linux guest operations (bench/linux-peer case icount)"
    bench/linux-peer/boot.sh icount --smp 1 --timeout 1200 --append "peer.icount_k=$RUNS peer.poweroff=1" \
        --qemu-arg -plugin --qemu-arg "$PWD/$OUT/icount.so,out=$PWD/$W/linux.counts" >"$W/linux.log" 2>&1 &
    vm=$!
    for _ in $(seq 1200); do
        grep -q 'PEER ICOUNT-DONE\|PEER ERROR' "$W/linux.log" 2>/dev/null && break
        kill -0 $vm 2>/dev/null || break
        sleep 1
    done
    kill $vm 2>/dev/null || true
    wait $vm 2>/dev/null || true
    grep -q 'PEER ICOUNT-DONE' "$W/linux.log" || { tail -20 "$W/linux.log"; exit 1; }
    parts+=(linux-guest "$W/linux.counts" "$W/linux.log")
fi

$PY bench/icount/summarize.py --csv "$OUT/icount.csv" "${parts[@]}"
$PY bench/icount/table.py "$OUT/icount.csv"
echo "CSV: $OUT/icount.csv (raw counts and logs in $W/)"
