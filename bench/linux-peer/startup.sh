#!/bin/sh
# The start-up benchmark's Linux rows inside the Linux guest: boots
# bench/linux-peer in EdgeOS's start-up shape (QEMU microvm, TCG, -cpu max,
# 2 vCPUs, 2 GiB) with the case "startup", collects the CSV the guest prints
# on its console and writes it with exactly the columns of startup-peers.csv.
#
#   bench/linux-peer/startup.sh [--iterations N] [--cpu N] [--csv FILE] [--log FILE] [--timeout S]
#
#   --iterations N  timed iterations per row in the guest (default 1000)
#   --cpu N         pin the benchmark (and its children) to guest CPU N
#                   (default: unpinned, as the native run)
#   --csv FILE      output (default build/bench/startup-linux-guest.csv)
#   --log FILE      the guest's console and build messages
#                   (default: FILE of --csv with .log for .csv)
#   --timeout S     the whole boot, in seconds (default 600)
#
# Rows: linux_fork_exec, linux_posix_spawn, linux_vfork_exec, linux_fork,
# linux_pthread_create. runc_run is left out: the guest has no runc.
# Times come from the guest's TSC (its CLOCK_MONOTONIC ticks in 4 ms steps
# under TCG), at the rate boot.sh measures on the host. The guest powers
# itself off when done. Exit status 0 when every row was measured.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

ITER=1000
CSV=$ROOT/build/bench/startup-linux-guest.csv
LOG=
TIMEOUT=600
CPU=
usage() {
    echo "usage: $0 [--iterations N] [--cpu N] [--csv FILE] [--log FILE] [--timeout S]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --iterations) [ $# -ge 2 ] || usage; ITER=$2; shift 2 ;;
        --cpu) [ $# -ge 2 ] || usage; CPU=$2; shift 2 ;;
        --csv) [ $# -ge 2 ] || usage; CSV=$2; shift 2 ;;
        --log) [ $# -ge 2 ] || usage; LOG=$2; shift 2 ;;
        --timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
        *) usage ;;
    esac
done
case "$ITER" in ''|*[!0-9]*|0) echo "$0: bad --iterations $ITER" >&2; exit 2 ;; esac
case "$TIMEOUT" in ''|*[!0-9]*|0) echo "$0: bad --timeout $TIMEOUT" >&2; exit 2 ;; esac
case "$CPU" in *[!0-9]*) echo "$0: bad --cpu $CPU" >&2; exit 2 ;; esac
[ -n "$LOG" ] || LOG=${CSV%.csv}.log
mkdir -p "$(dirname "$CSV")" "$(dirname "$LOG")"
rm -f "$CSV"

say() { echo "linux-guest startup: $*" >&2; }
fail() {
    say "ERROR: $*"
    tail -n 15 "$LOG" | tr -d '\r' | sed 's/^/  | /' >&2
    exit 1
}

HEADER=name,iterations,median_ns,p90_ns,p99_ns,min_ns,max_ns,median_cycles
ROWS="linux_fork_exec linux_posix_spawn linux_vfork_exec linux_fork linux_pthread_create"

start=$(date +%s)
rc=0
"$HERE/boot.sh" startup --timeout "$TIMEOUT" --append "peer.startup_iter=$ITER peer.poweroff=1${CPU:+ peer.startup_cpu=$CPU}" \
    > "$LOG" 2>&1 || rc=$?
secs=$(( $(date +%s) - start ))
tr -d '\r' < "$LOG" > "$LOG.tmp" && mv "$LOG.tmp" "$LOG"

grep -q '^PEER STARTUP-DONE' "$LOG" ||
    fail "no PEER STARTUP-DONE after $secs s (boot.sh status $rc; 124: timed out after $TIMEOUT s)"
sed -n 's/^PEER STARTUP-CSV //p' "$LOG" > "$CSV.tmp"
[ "$(head -n 1 "$CSV.tmp")" = "$HEADER" ] || fail "the guest's CSV header is not $HEADER"
for r in $ROWS; do
    grep -Eq "^$r,[1-9][0-9]*,[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+\$" "$CSV.tmp" ||
        fail "row $r missing or not measured in the guest's CSV"
done
mv "$CSV.tmp" "$CSV"
status=$(sed -n 's/^PEER STARTUP-DONE status=\([0-9]*\).*/\1/p' "$LOG" | head -n 1)
[ "$status" = 0 ] || fail "startup-peers exited with status $status in the guest"
say "wrote $CSV ($(($(wc -l < "$CSV") - 1)) rows, $ITER iterations each${CPU:+, pinned to CPU $CPU}; QEMU microvm, TCG, 2 vCPUs, 2 GiB; boot to power-off $secs s)"
