#!/bin/bash
# EdgeOS half of the start-up benchmark: boots EdgeOS with 16 KiB, 256 KiB
# and 4 MiB templates and the manager in benchmark mode, collects its CSV
# (same columns as startup-peers), measures how many 16 KiB-template FWPs
# fit in a 1 GiB guest, runs the Linux peers in the same run (inside the
# Linux guest of bench/linux-peer, in the same QEMU shape and accelerator,
# and natively on the host), and prints the combined table with ratios.
#   STARTUP_ITER (default 1000), STARTUP_ARGS (passed to the native
#   startup-peers), STARTUP_GUEST_ITER (iterations per row in the Linux
#   guest, default 1000), STARTUP_GUEST_ARGS (more bench/linux-peer/startup.sh
#   options, e.g. "--cpu 0"), STARTUP_LINUX_GUEST=0 (no Linux guest run)
set -e
cd "$(dirname "$0")/../.."
OUT=build/bench
mkdir -p "$OUT"
U=build/user
ITER=${STARTUP_ITER:-1000}

host/edgeos-run --timeout 900 --mem 2G \
    "$U/fwptmpl.elf @name=t16 @mem=8M 16" "$U/fwptmpl.elf @name=t256 @mem=8M 256" \
    "$U/fwptmpl.elf @name=t4m @mem=16M 4096" "$U/manager.elf @root bench t16 t256 t4m $ITER" \
    > "$OUT/startup-edgeos.log" 2>&1 || { tail -20 "$OUT/startup-edgeos.log"; exit 1; }
host/edgeos-run --timeout 900 --mem 1G \
    "$U/fwptmpl.elf @name=t16 @mem=8M 16" "$U/manager.elf @root bench t16 t16 t16 10 t16" \
    > "$OUT/startup-capacity.log" 2>&1 || { tail -20 "$OUT/startup-capacity.log"; exit 1; }

{
    echo "name,iterations,median_ns,p90_ns,p99_ns,min_ns,max_ns,median_cycles"
    grep -E '^csv,' "$OUT/startup-edgeos.log" | sed 's/^csv,//'
} > "$OUT/startup-edgeos.csv"
accel=$(grep -oE 'accelerator [a-z]+' "$OUT/startup-edgeos.log" | head -1)
cap=$(grep -E '^csv_capacity,' "$OUT/startup-capacity.log" | head -1)

# The Linux rows in a Linux guest of the same QEMU shape (microvm, TCG,
# -cpu max, 2 vCPUs, 2 GiB): the peer on the same accelerator. A failed
# guest run leaves no CSV; its column then reads n/a.
GUEST_CSV=$OUT/startup-linux-guest.csv
GUEST_ARGS=
if [ "${STARTUP_LINUX_GUEST:-1}" != 0 ]; then
    bench/linux-peer/startup.sh --iterations "${STARTUP_GUEST_ITER:-1000}" --csv "$GUEST_CSV" ${STARTUP_GUEST_ARGS:-} ||
        echo "warning: the Linux guest's start-up run failed (log: $OUT/startup-linux-guest.log)" >&2
    GUEST_ARGS="--linux-guest $GUEST_CSV --guest-accel tcg"
fi

"$OUT/startup-peers" --csv "$OUT/startup-peers.csv" ${STARTUP_ARGS:---seconds 2} > "$OUT/startup-peers.log"

echo "EdgeOS start-up benchmark ($accel; guest TSC cycles; medians and percentiles over $ITER runs, 4 MiB rows over fewer)"
echo
python3 bench/startup/compare.py "$OUT/startup-peers.csv" "$OUT/startup-edgeos.csv" $GUEST_ARGS \
    --edgeos-accel "${accel#accelerator }" --edgeos-row fwp_fork_16k --edgeos-row fwp_pool_activate_16k
[ -z "$GUEST_ARGS" ] ||
    echo "(runc_run: native only, the Linux guest has no runc; Linux guest: ${STARTUP_GUEST_ITER:-1000} iterations per row, times from its TSC)"
echo
if [ -n "$cap" ]; then
    IFS=, read -r _ tname n frames <<< "$cap"
    echo "FWPs from a 16 KiB template in a 1 GiB guest: $n (they used $((frames * 4 / 1024)) MiB; $((frames * 4 / n)) KiB each)"
fi
ipc=$(grep -E '^ipc_call_reply_roundtrip,' "$OUT/startup-edgeos.csv" | head -1)
if [ -n "$ipc" ]; then
    IFS=, read -r _ n med p90 p99 mn mx cyc <<< "$ipc"
    echo "IPC call/reply round trip (same CPU, 4 words each way): median $cyc cycles (${med} ns), p90 ${p90} ns, p99 ${p99} ns over $n calls"
fi
for row in chan_copy_per_packet_64B chan_copy_per_packet_1400B; do
    line=$(grep -E "^$row," "$OUT/startup-edgeos.csv" | head -1)
    [ -n "$line" ] && { IFS=, read -r _ n med p90 p99 mn mx cyc <<< "$line"; echo "Memory movement ($row, batches of 32): median $cyc cycles (${med} ns) per packet, p99 ${p99} ns"; }
done
echo "(raw: $OUT/startup-edgeos.csv, $OUT/startup-peers.csv${GUEST_ARGS:+, $GUEST_CSV}, logs in $OUT/)"
