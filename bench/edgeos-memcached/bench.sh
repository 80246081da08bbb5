#!/bin/bash
# make bench-memcached: memcached on EdgeOS (nic + memcached FWPs in QEMU, on a
# TAP in a network namespace created here) against N Debian memcached
# processes on the host's loopback, in the same run, with the same load:
# build/loadgen/mcload over UDP, GET:SET 95:5, keys key:0..key:99, all N
# instances loaded at once (ports base..base+N-1).
# Then the new-client set-up time in perclient mode (first request of a new
# client port vs later ones).
#   MCE_N="1 300 1000"   instance counts
#   MCE_RATE=4000        offered load, requests/s in total (both sides)
#   MCE_DURATION=3 MCE_WARMUP=1 (seconds per point)
#   MCE_CLIENTS=200      new clients for the set-up measurement
#   MCE_BOOT_TIMEOUT=180 seconds a guest may take to answer on every port
#   MCE_SKIP_GUEST=1     only the Linux peers (checks the harness without a guest)
# Results: build/bench/edgeos-memcached.csv, build/bench/edgeos-memcached-newclient.csv
cd "$(dirname "$0")/../.." || exit 1
. bench/memcached/common.sh          # ROOT MCLOAD OUTDIR start_servers bench_cleanup ports_free
NS_LIST=${MCE_N:-"1 300 1000"}
RATE=${MCE_RATE:-4000}
DUR=${MCE_DURATION:-3}
WARM=${MCE_WARMUP:-1}
CLIENTS=${MCE_CLIENTS:-200}
BOOT_TIMEOUT=${MCE_BOOT_TIMEOUT:-180}
LINUX_BASE=${MCE_LINUX_PORT:-31000}
NS=edgeos-bench-$$
GUEST=10.77.0.2
PORT=11211
NIC=build/user/nic.elf
MC=build/user/memcached.elf
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
CSV=$OUTDIR/edgeos-memcached.csv
NCSV=$OUTDIR/edgeos-memcached-newclient.csv
TMP=$(mktemp -d /tmp/edgeos-bench.XXXXXX)
VM_PID=
NS_MADE=0

. host/guest-lib.sh     # stop_vm
cleanup() {
    stop_vm
    bench_cleanup
    [ "$NS_MADE" = 1 ] && host/netns.sh down "$NS"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "bench-memcached: $*" >&2; exit 1; }

SKIP_GUEST=${MCE_SKIP_GUEST:-0}
need=("$MCLOAD")
[ "$SKIP_GUEST" = 1 ] || need+=("$NIC" "$MC" build/kernel/edgeos.bin)
for f in "${need[@]}"; do
    [ -f "$f" ] || die "$f is missing (make all)"
done
command -v memcached >/dev/null || die "Debian memcached is not installed"
why=$(host/netns.sh check 2>&1) || die "cannot run: $why"
host/netns.sh up "$NS" || die "host/netns.sh up $NS failed"
NS_MADE=1
ulimit -n 65536 2>/dev/null || ulimit -n 8192
rm -f "$CSV" "$NCSV"

# boot_guest NAME SVC WAIT_PORTS...: boots, waits until every listed port answers get key:1
boot_guest() {
    local name=$1 svc=$2
    shift 2
    [ "$SKIP_GUEST" = 1 ] && return 1
    SERIAL=$OUTDIR/edgeos-memcached-$name.serial
    setsid ip netns exec "$NS" host/edgeos-run --mem 2G --smp 2 --timeout $((BOOT_TIMEOUT + 300)) --tap tap0 \
        "$MC @name=memcached @mem=4M" "$NIC @root ip=$GUEST gw=10.77.0.1 svc=$svc" >"$SERIAL" 2>"$TMP/$name.launcher" &
    VM_PID=$!
    local t0=$SECONDS p
    for p in "$@"; do
        if ! ip netns exec "$NS" $PY tests/net/nettests.py wait --host "$GUEST" --port "$p" \
                --boot-timeout $((BOOT_TIMEOUT - (SECONDS - t0))) --serial "$SERIAL" --vm-pid "$VM_PID" >/dev/null; then
            echo "bench-memcached: guest ($svc) did not answer on port $p; serial tail:" >&2
            tail -n 20 "$SERIAL" >&2
            stop_vm
            return 1
        fi
    done
    echo "  guest up and answering in $((SECONDS - t0)) s"
}

# the nic's own figures: service set-up (forks), any per-packet cost it
# prints, and its last counters
guest_lines() {
    grep -E '^nic: (service|.*(per[ _-]?packet|/packet|cycles))' "$SERIAL" | grep -v 'nic: stats' |
        tail -n 4 | sed 's/^/  guest: /'
    grep -E '^nic: stats' "$SERIAL" | tail -n 1 | sed 's/^/  guest: /'
}

PFX=()      # command prefix for mcload: (ip netns exec NS) for the guest, () for loopback
mcload() {  # LABEL HOST PORT N [extra mcload options]
    local label=$1 host=$2 port=$3 n=$4
    shift 4
    "${PFX[@]}" taskset -c "$LOADGEN_CPU" "$MCLOAD" --proto udp --host "$host" --port "$port" --instances "$n" \
        --rate "$RATE" --duration "$DUR" --warmup "$WARM" --ratio 95:5 --keys 100 --key-size 5 \
        --value-size 8 --timeout-ms 1000 --csv "$CSV" --label "$label" "$@"
}

for n in $NS_LIST; do
    echo "== N=$n: EdgeOS (shared mode, ports $PORT..$((PORT + n - 1))), $RATE req/s in total"
    if boot_guest "x$n" "memcached:udp:$PORT:$n:shared" "$PORT" $((PORT + n - 1)); then
        # the template already holds key:0..key:99, so no preload
        PFX=(ip netns exec "$NS")
        mcload "edgeos-x$n" "$GUEST" "$PORT" "$n" --no-preload
        PFX=()
        guest_lines
        stop_vm
    fi
    echo "== N=$n: Linux memcached x$n (127.0.0.1:$LINUX_BASE..), $RATE req/s in total"
    ports_free "$LINUX_BASE" "$n" || die "ports $LINUX_BASE..$((LINUX_BASE + n - 1)) are not all free"
    if start_servers memcached "$LINUX_BASE" "$n" udp; then
        mcload "memcached-x$n" 127.0.0.1 "$LINUX_BASE" "$n"
    fi
    bench_cleanup
done

echo "== new-client set-up time ($CLIENTS new clients, one after another)"
if boot_guest perclient "memcached:udp:$PORT:$((CLIENTS + 16)):perclient idle=600000" "$PORT"; then
    ip netns exec "$NS" $PY bench/edgeos-memcached/newclient.py --host "$GUEST" --port "$PORT" \
        --clients "$CLIENTS" --csv "$NCSV" --label edgeos-perclient
    guest_lines
    stop_vm
fi
if start_servers memcached "$LINUX_BASE" 1 udp; then
    $PY bench/edgeos-memcached/newclient.py --host 127.0.0.1 --port "$LINUX_BASE" --clients "$CLIENTS" \
        --csv "$NCSV" --label memcached
fi
bench_cleanup

echo
echo "memcached over UDP, GET:SET 95:5, $RATE req/s offered in total, ${DUR} s per point"
echo "(EdgeOS in QEMU $(grep -o 'accelerator [a-z]*' "$TMP"/*.launcher 2>/dev/null | head -1 | cut -d' ' -f2), 2 vCPUs, reached over TAP; memcached on the host's loopback)"
$PY - "$CSV" <<'EOF'
import csv, sys
import os
rows = {r["label"]: r for r in csv.DictReader(open(sys.argv[1]))} if os.path.exists(sys.argv[1]) else {}
ns = sorted({int(l.split("-x")[1]) for l in rows})
f = lambda v: f"{float(v):.0f}"
def ratio(a, b):
    try:
        return f"{float(a) / float(b):.2f}"
    except (ZeroDivisionError, ValueError):
        return "-"
print("| N | EdgeOS tput/s | p50/p99/p99.9 us | timeouts | memcached tput/s | p50/p99/p99.9 us | timeouts "
      "| tput ratio | p50 ratio | p99 ratio |")
print("|---|---|---|---|---|---|---|---|---|---|")
for n in ns:
    e, m = rows.get(f"edgeos-x{n}"), rows.get(f"memcached-x{n}")
    cell = lambda r: (f(r["throughput_rps"]), f"{f(r['p50_us'])}/{f(r['p99_us'])}/{f(r['p999_us'])}", r["timeouts"]) \
        if r else ("-", "-", "-")
    et, ep, eto = cell(e)
    mt, mp, mto = cell(m)
    tr = ratio(e["throughput_rps"], m["throughput_rps"]) if e and m else "-"
    p5 = ratio(m["p50_us"], e["p50_us"]) if e and m else "-"
    p9 = ratio(m["p99_us"], e["p99_us"]) if e and m else "-"
    print(f"| {n} | {et} | {ep} | {eto} | {mt} | {mp} | {mto} | {tr} | {p5} | {p9} |")
print("tput ratio = EdgeOS / memcached; latency ratios = memcached / EdgeOS (> 1: EdgeOS faster)")
EOF
[ -f "$NCSV" ] && column -s, -t <"$NCSV"
echo "CSV: $CSV $NCSV"
