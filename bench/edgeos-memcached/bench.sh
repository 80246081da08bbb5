#!/bin/bash
# make bench-memcached: memcached on EdgeOS (nic + memcached FWPs in QEMU, on a
# TAP in a network namespace created here) against two peers in the same run,
# all with the same load: build/loadgen/mcload, GET:SET 95:5, keys
# key:0..key:99, 8-byte values, all N instances loaded at once (ports
# base..base+N-1), over UDP and over TCP (one connection per instance).
#   EdgeOS       svc=memcached:tcp+udp:11211:N:shared (instance i serves TCP
#                and UDP port 11211+i); QEMU microvm, 2 vCPUs, 2 GiB
#   Linux guest  bench/linux-peer in the same QEMU shape (accelerator TCG),
#                case mc:N (N Debian memcached, `-p P -U P`), reached over a
#                TAP in the same namespace at the same address: the peer on
#                the same accelerator, the fair comparison
#   native       N Debian memcached on this host's loopback (no emulation): a
#                conservative reference
# Then the new-client set-up time: EdgeOS in perclient mode, where every new
# client gets an instance of its own (a UDP client is a source address and
# port, a TCP client a source address, so each new TCP client comes from a
# new secondary address of the TAP), against one memcached in the Linux
# guest and natively (new socket / connection each time).
#   MCE_N="1 300 1000"   instance counts
#   MCE_PROTOS="udp tcp" protocols loaded, in this order, on one boot per N
#   MCE_RATE=4000        offered load, requests/s in total (every system)
#   MCE_DURATION=3 MCE_WARMUP=1 (seconds per point)
#   MCE_CLIENTS=200      new clients for the set-up measurement (TCP: at most 240)
#   MCE_BOOT_TIMEOUT=180 seconds EdgeOS may take to answer on every port
#   MCE_PEER_GUEST=1     0: no Linux guest
#   MCE_PEER_BOOT_TIMEOUT=1800 seconds the Linux guest may take to start N memcached
#   MCE_SKIP_GUEST=1     no EdgeOS guest (checks the harness with the peers only)
#   MCE_LINUX_PORT=31000 first port of the native memcached
# Results: build/bench/edgeos-memcached.csv (one row per system, protocol
# and N), edgeos-memcached-cdf.csv (mcload --cdf: each of those rows'
# latency CDF, label,proto,instances,quantile,latency_us, plus a "lost" row,
# the fraction timed out; plotted by make bench-report),
# edgeos-memcached-newclient.csv, edgeos-memcached-tables.md (the
# tables printed at the end), edgeos-memcached-hostload.csv (the host's load
# average before each point), serial logs edgeos-memcached-*.serial.
cd "$(dirname "$0")/../.." || exit 1
. bench/memcached/common.sh          # ROOT MCLOAD OUTDIR start_servers_tcpudp bench_cleanup ports_free
NS_LIST=${MCE_N:-"1 300 1000"}
PROTOS=${MCE_PROTOS:-"udp tcp"}
RATE=${MCE_RATE:-4000}
DUR=${MCE_DURATION:-3}
WARM=${MCE_WARMUP:-1}
CLIENTS=${MCE_CLIENTS:-200}
BOOT_TIMEOUT=${MCE_BOOT_TIMEOUT:-180}
PEER_BOOT_TIMEOUT=${MCE_PEER_BOOT_TIMEOUT:-1800}
PEER_GUEST=${MCE_PEER_GUEST:-1}
SKIP_GUEST=${MCE_SKIP_GUEST:-0}
LINUX_BASE=${MCE_LINUX_PORT:-31000}
NS=edgeos-bench-$$
GUEST=10.77.0.2
GW=10.77.0.1
SRC_BASE=10.77.0.10     # new TCP clients: 10.77.0.10, .11, ... (secondary addresses on tap0)
NATIVE_SRC_BASE=127.0.1.10
PORT=11211
NIC=build/user/nic.elf
MC=build/user/memcached.elf
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
CSV=$OUTDIR/edgeos-memcached.csv
CDF=$OUTDIR/edgeos-memcached-cdf.csv
NCSV=$OUTDIR/edgeos-memcached-newclient.csv
TABLES=$OUTDIR/edgeos-memcached-tables.md
LOADCSV=$OUTDIR/edgeos-memcached-hostload.csv   # the host's load average before each point
TMP=$(mktemp -d /tmp/edgeos-bench.XXXXXX)
VM_PID=
NS_MADE=0
T_START=$SECONDS

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

for p in $PROTOS; do
    case "$p" in udp|tcp) ;; *) die "MCE_PROTOS: unknown protocol $p (udp, tcp)" ;; esac
done
PROTO_LIST=$(echo $PROTOS | tr ' ' ,)
TCP_CLIENTS=$((CLIENTS > 240 ? 240 : CLIENTS))
need=("$MCLOAD")
[ "$SKIP_GUEST" = 1 ] || need+=("$NIC" "$MC" build/kernel/edgeos.bin)
for f in "${need[@]}"; do
    [ -f "$f" ] || die "$f is missing (make all)"
done
command -v memcached >/dev/null || die "Debian memcached is not installed"
if [ "$PEER_GUEST" = 1 ]; then
    # builds once (as root it installs what is missing); afterwards a no-op
    bench/linux-peer/build.sh 2>"$TMP/peer-build.log" ||
        { cat "$TMP/peer-build.log" >&2; die "bench/linux-peer/build.sh failed (MCE_PEER_GUEST=0 skips the Linux guest)"; }
fi
why=$(host/netns.sh check 2>&1) || die "cannot run: $why"
host/netns.sh up "$NS" || die "host/netns.sh up $NS failed"
NS_MADE=1
ulimit -n 65536 2>/dev/null || ulimit -n 8192
rm -f "$CSV" "$CDF" "$NCSV" "$TABLES" "$LOADCSV"

# boot_edgeos NAME SVC WAIT_PORTS...: boots, waits until every listed port answers get key:1 (UDP)
boot_edgeos() {
    local name=$1 svc=$2
    shift 2
    [ "$SKIP_GUEST" = 1 ] && return 1
    SERIAL=$OUTDIR/edgeos-memcached-$name.serial
    ip -n "$NS" neigh flush dev tap0 2>/dev/null
    setsid ip netns exec "$NS" host/edgeos-run --mem 2G --smp 2 --timeout $((BOOT_TIMEOUT + 1200)) --tap tap0 \
        "$MC @name=memcached @mem=4M" "$NIC @root ip=$GUEST gw=$GW svc=$svc" >"$SERIAL" 2>"$TMP/$name.launcher" &
    VM_PID=$!
    local t0=$SECONDS p
    for p in "$@"; do
        if ! ip netns exec "$NS" $PY tests/net/nettests.py wait --host "$GUEST" --port "$p" \
                --boot-timeout $((BOOT_TIMEOUT - (SECONDS - t0))) --serial "$SERIAL" --vm-pid "$VM_PID" >/dev/null; then
            echo "bench-memcached: EdgeOS ($svc) did not answer on port $p; serial tail:" >&2
            tail -n 20 "$SERIAL" >&2
            stop_vm
            return 1
        fi
    done
    echo "  EdgeOS up and answering in $((SECONDS - t0)) s ($(grep -o 'accelerator [a-z]*' "$TMP/$name.launcher" | head -1))"
}

# boot_peer NAME CASE: boots the Linux guest on tap0 and waits for its ready line
boot_peer() {
    local name=$1 case=$2
    [ "$PEER_GUEST" = 1 ] || return 1
    SERIAL=$OUTDIR/edgeos-memcached-linux-$name.serial
    ip -n "$NS" neigh flush dev tap0 2>/dev/null
    setsid ip netns exec "$NS" bench/linux-peer/boot.sh "$case" --tap tap0 --ip "$GUEST/24" --gw "$GW" \
        --timeout $((PEER_BOOT_TIMEOUT + 1200)) >"$SERIAL" 2>"$TMP/peer-$name.err" &
    VM_PID=$!
    local t0=$SECONDS
    while :; do
        if grep -qs '^PEER MC-READY' "$SERIAL"; then
            echo "  Linux guest ($case) ready in $((SECONDS - t0)) s (accelerator tcg)"
            grep -E '^PEER (DEPLOY |MC-READY)' "$SERIAL" | sed 's/^/  linux guest: /'
            return 0
        fi
        if grep -qs '^PEER ERROR' "$SERIAL" || ! kill -0 "$VM_PID" 2>/dev/null ||
                [ $((SECONDS - t0)) -ge "$PEER_BOOT_TIMEOUT" ]; then
            echo "bench-memcached: the Linux guest ($case) did not get ready in $((SECONDS - t0)) s; serial tail:" >&2
            tail -n 10 "$SERIAL" "$TMP/peer-$name.err" >&2
            stop_vm
            return 1
        fi
        sleep 1
    done
}

# EdgeOS's own figures: service set-up, instances that died (with the first
# such lines) and the nic's last counters (it prints them every 2 s when
# they changed: the wait makes the last line cover the whole run)
guest_lines() {
    sleep 3
    grep -E '^nic: service' "$SERIAL" | tail -n 2 | sed 's/^/  guest: /'
    local died
    died=$(grep -c 'ended: ' "$SERIAL")
    if [ "$died" -gt 0 ]; then
        echo "  guest: $died FWPs ended during the run; the first:"
        grep -E 'ended: |died' "$SERIAL" | head -n 4 | sed 's/^/  guest:   /'
    fi
    grep -E '^nic: stats' "$SERIAL" | tail -n 1 | sed 's/^/  guest: /'
}

# check_ports LABEL HOST BASE N TIMEOUT: all instances answer on every protocol?
check_ports() {
    "${PFX[@]}" $PY bench/edgeos-memcached/mcports.py --label "$1" --host "$2" --base "$3" --count "$4" \
        --proto "$PROTO_LIST" --timeout "$5" | sed 's/^/  /'
}

PFX=()      # command prefix: (ip netns exec NS) for the guests, () for loopback
mcload() {  # LABEL HOST PORT N PROTO [extra mcload options]
    local label=$1 host=$2 port=$3 n=$4 proto=$5
    shift 5
    # this machine is shared: the load average says how much else ran
    echo "$label,$(cut -d' ' -f1 /proc/loadavg)" >>"$LOADCSV"
    echo "  host load average (1 min) before $label: $(cut -d' ' -f1 /proc/loadavg)"
    "${PFX[@]}" timeout -k 5 $((DUR + WARM + 900)) taskset -c "$LOADGEN_CPU" "$MCLOAD" --proto "$proto" \
        --host "$host" --port "$port" --instances "$n" --rate "$RATE" --duration "$DUR" --warmup "$WARM" \
        --ratio 95:5 --keys 100 --key-size 5 --value-size 8 --timeout-ms 1000 --csv "$CSV" --cdf "$CDF" --label "$label" "$@" ||
        echo "  mcload $label failed (status $?)"
}

# loads every protocol; the first run preloads the keys unless told not to.
# Before the second protocol every instance must answer on it again: a
# system saturated by the first run may still be working through what it
# queued, and that would land in the next measurement.
load_all() {    # SYSTEM HOST PORT N PRELOAD(0/1)
    local sys=$1 host=$2 port=$3 n=$4 pre=$5 proto opt first=1
    for proto in $PROTOS; do
        opt=()
        [ "$pre" = 1 ] || opt=(--no-preload)
        if [ "$first" = 0 ] && [ "$sys" != native ]; then
            "${PFX[@]}" $PY bench/edgeos-memcached/mcports.py --label "$sys (again, before $proto)" --host "$host" \
                --base "$port" --count "$n" --proto "$proto" --timeout 300 | sed 's/^/  /'
        fi
        mcload "$sys-$proto-x$n" "$host" "$port" "$n" "$proto" "${opt[@]}"
        pre=0
        first=0
        if [ "$sys" = edgeos ]; then     # the nic's counters after each protocol's run
            sleep 3
            echo "  guest after $proto: $(grep -c 'ended: ' "$SERIAL") FWPs ended so far;" \
                "$(grep -E '^nic: stats' "$SERIAL" | tail -n 1)"
        elif [ "$sys" = linuxvm ]; then  # its memory and OOM kills (every 10 s)
            sleep 1
            echo "  linux guest after $proto: $(grep -E '^PEER MC-(READY|STAT)' "$SERIAL" | tail -n 1)"
        fi
    done
}

for n in $NS_LIST; do
    t_n=$SECONDS
    echo "== N=$n: EdgeOS (tcp+udp, shared, ports $PORT..$((PORT + n - 1))), $RATE req/s in total, $PROTOS"
    if boot_edgeos "x$n" "memcached:tcp+udp:$PORT:$n:shared" "$PORT" $((PORT + n - 1)); then
        PFX=(ip netns exec "$NS")
        check_ports edgeos "$GUEST" "$PORT" "$n" 120
        # the template already holds key:0..key:99, so no preload
        load_all edgeos "$GUEST" "$PORT" "$n" 0
        PFX=()
        guest_lines
        stop_vm
    fi
    if [ "$PEER_GUEST" = 1 ]; then
        echo "== N=$n: Linux guest (mc:$n, TCG, same QEMU shape, TAP, ports $PORT..$((PORT + n - 1)))"
        if boot_peer "x$n" "mc:$n"; then
            PFX=(ip netns exec "$NS")
            check_ports linux-guest "$GUEST" "$PORT" "$n" 300
            load_all linuxvm "$GUEST" "$PORT" "$n" 1
            PFX=()
            stop_vm
        fi
    fi
    echo "== N=$n: native memcached x$n (127.0.0.1:$LINUX_BASE..)"
    ports_free "$LINUX_BASE" "$n" || die "ports $LINUX_BASE..$((LINUX_BASE + n - 1)) are not all free"
    if start_servers_tcpudp "$LINUX_BASE" "$n"; then
        load_all native 127.0.0.1 "$LINUX_BASE" "$n" 1
    fi
    bench_cleanup
    echo "  (N=$n took $((SECONDS - t_n)) s)"
done

t_nc=$SECONDS
echo "== new-client set-up time ($CLIENTS new UDP clients, $TCP_CLIENTS new TCP clients, one after another)"
# newclient PREFIX... -- LABEL HOST PORT SRC_BASE WARM(0/1): every protocol
newclient() {
    local pfx=() proto
    while [ "$1" != -- ]; do pfx+=("$1"); shift; done
    shift
    local label=$1 host=$2 port=$3 src=$4 warm=$5
    for proto in $PROTOS; do
        if [ "$proto" = udp ]; then
            "${pfx[@]}" $PY bench/edgeos-memcached/newclient.py --proto udp --host "$host" --port "$port" \
                --clients "$CLIENTS" --csv "$NCSV" --label "$label" | sed 's/^/  /'
        else
            local w=()
            [ "$warm" = 1 ] && w=(--warm-neigh)
            "${pfx[@]}" $PY bench/edgeos-memcached/newclient.py --proto tcp --host "$host" --port "$port" \
                --clients "$TCP_CLIENTS" --src-base "$src" "${w[@]}" --csv "$NCSV" --label "$label" | sed 's/^/  /'
        fi
    done
}
case " $PROTOS " in
    *" tcp "*)
        for ((i = 0; i < TCP_CLIENTS; i++)); do
            ip -n "$NS" addr add "10.77.0.$((10 + i))/24" dev tap0 || die "cannot add 10.77.0.$((10 + i)) to tap0"
        done ;;
esac
count=16
case " $PROTOS " in *" udp "*) count=$((count + CLIENTS)) ;; esac
case " $PROTOS " in *" tcp "*) count=$((count + TCP_CLIENTS)) ;; esac
if boot_edgeos perclient "memcached:tcp+udp:$PORT:$count:perclient idle=600000" "$PORT"; then
    echo "  host load average (1 min): $(cut -d' ' -f1 /proc/loadavg)"
    newclient ip netns exec "$NS" -- edgeos "$GUEST" "$PORT" "$SRC_BASE" 1
    guest_lines
    stop_vm
fi
if [ "$PEER_GUEST" = 1 ] && boot_peer newclient mc:1; then
    echo "  host load average (1 min): $(cut -d' ' -f1 /proc/loadavg)"
    newclient ip netns exec "$NS" -- linuxvm "$GUEST" "$PORT" "$SRC_BASE" 1
    stop_vm
fi
if start_servers_tcpudp "$LINUX_BASE" 1; then
    newclient -- native 127.0.0.1 "$LINUX_BASE" "$NATIVE_SRC_BASE" 0
fi
bench_cleanup
echo "  (new-client set-up took $((SECONDS - t_nc)) s)"

ACCEL=$(cat "$TMP"/*.launcher 2>/dev/null | grep -o 'accelerator [a-z]*' | head -1 | cut -d' ' -f2)
{
echo
echo "## memcached: EdgeOS, Linux guest and native, $(date -u +%Y-%m-%d) (bench-memcached, total $((SECONDS - T_START)) s)"
echo
echo "GET:SET 95:5, $RATE req/s offered in total (Poisson, open loop), ${DUR} s per point after ${WARM} s of"
echo "warm-up, keys key:0..key:99, 8-byte values, all N instances loaded at once. EdgeOS: QEMU microvm,"
echo "${ACCEL:-?} (accelerator), 2 vCPUs, 2 GiB, TAP. Linux guest: the same QEMU shape, tcg, TAP. native:"
echo "Debian memcached on this host's loopback, no emulation (a conservative reference, not a peer)."
echo "Latencies in ms (p50 / p99 / p99.9); lost = requests timed out (1 s) or answered wrongly, of those sent;"
echo "ratios are EdgeOS / peer (throughput: > 1 EdgeOS serves more; latency: < 1 EdgeOS is faster)."
$PY - "$CSV" "$NCSV" "${ACCEL:-?}" "$LOADCSV" <<'EOF'
import csv, os, sys
rows = {r["label"]: r for r in csv.DictReader(open(sys.argv[1]))} if os.path.exists(sys.argv[1]) else {}
accel = sys.argv[3]
def ms(v):
    v = float(v) / 1000
    return f"{v:.3g}" if v < 99.95 else f"{v:.0f}"
def ratio(a, b):
    try:
        return f"{float(a) / float(b):.2f}"
    except (ZeroDivisionError, ValueError, TypeError):
        return "-"
def answered(r):
    return r and int(r["completed"]) > 0
def cells(r):
    if not r:
        return ["-", "-", "-"]
    lost = int(r["timeouts"]) + int(r["errors"])
    lat = f"{ms(r['p50_us'])} / {ms(r['p99_us'])} / {ms(r['p999_us'])}" if answered(r) else "no answers"
    return [f"{float(r['throughput_rps']):.0f}", lat, f"{lost}/{r['sent']}"]
def ratios(e, p):
    if not e or not p:
        return "-"
    if not answered(e) or not answered(p):
        return ratio(e["throughput_rps"], p["throughput_rps"]) + " · - · - · -"
    return " · ".join([ratio(e["throughput_rps"], p["throughput_rps"])] +
                      [ratio(e[k], p[k]) for k in ("p50_us", "p99_us", "p999_us")])
protos = [p for p in ("udp", "tcp") if any(l.split("-")[1] == p for l in rows)]
for proto in protos:
    ns = sorted({int(l.rsplit("-x", 1)[1]) for l in rows if l.split("-")[1] == proto})
    print(f"\n### {proto.upper()}\n")
    print(f"| N | EdgeOS ({accel}) req/s | p50 / p99 / p99.9 ms | lost | Linux guest (tcg) req/s | p50 / p99 / p99.9 ms "
          "| lost | native req/s | p50 / p99 / p99.9 ms | lost | EdgeOS / Linux guest: tput · p50 · p99 · p99.9 "
          "| EdgeOS / native: tput · p50 · p99 · p99.9 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in ns:
        e, l, m = (rows.get(f"{s}-{proto}-x{n}") for s in ("edgeos", "linuxvm", "native"))
        print("| " + " | ".join([str(n)] + cells(e) + cells(l) + cells(m) + [ratios(e, l), ratios(e, m)]) + " |")
nrows = list(csv.DictReader(open(sys.argv[2]))) if os.path.exists(sys.argv[2]) else []
if nrows:
    names = {"edgeos": f"EdgeOS perclient ({accel})", "linuxvm": "Linux guest (tcg)", "native": "native"}
    print("\n### New-client set-up (one client after another; TCP: connect() to the first reply byte of `get key:1`, "
          "each client from a new source address; UDP: the first request of a new socket)\n")
    print("| proto | system | clients (failed) | first: median / p99 us | connect() median us | later requests: "
          "median / p99 us | set-up cost us (first - later, medians) | first median, EdgeOS / this |")
    print("|---|---|---|---|---|---|---|---|")
    by = {(r["proto"], r["label"]): r for r in nrows}
    for proto in ("udp", "tcp"):
        for sysname in ("edgeos", "linuxvm", "native"):
            r = by.get((proto, sysname))
            if not r:
                continue
            e = by.get((proto, "edgeos"))
            rr = ratio(e["first_p50_us"], r["first_p50_us"]) if e and sysname != "edgeos" else "-"
            print(f"| {proto} | {names[sysname]} | {r['clients']} ({r['failed']}) | {r['first_p50_us']} / "
                  f"{r['first_p99_us']} | {r['connect_p50_us']} | {r['later_p50_us']} / {r['later_p99_us']} | "
                  f"{r['setup_us']} | {rr} |")
if os.path.exists(sys.argv[4]):
    loads = [l.strip().split(",") for l in open(sys.argv[4]) if "," in l]
    print("\nHost load average (1 min) before each point (2 host cores, shared): " +
          ", ".join(f"{a} {b}" for a, b in loads))
EOF
} | tee "$TABLES"
echo
echo "CSV: $CSV $CDF $NCSV; tables: $TABLES"
