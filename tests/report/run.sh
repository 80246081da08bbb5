#!/bin/bash
# Benchmark report (bench/report/report.py, make bench-report) on crafted
# CSVs of every input, without running any benchmark: the plots are valid
# SVG and embedded in report.md, the ratio and target tables are right, a
# missing input leaves its plot out and says which file and make target, a
# malformed CSV is an error naming the file and line. Then mcload --cdf
# against a fake UDP memcached on 127.0.0.1 (no real server needed).
# Run from the repository root.
cd "$(dirname "$0")/../.." || exit 1
REPORT=bench/report/report.py
MCLOAD=build/loadgen/mcload
T=$(mktemp -d /tmp/edgeos-report-test.XXXXXX)
FAKE_PID=
cleanup() {
    [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

PLOTS="startup.svg memcached-latency-udp.svg memcached-latency-tcp.svg memcached-cdf-udp-n300.svg
memcached-cdf-udp-n1000.svg memcached-cdf-tcp-n300.svg memcached-cdf-tcp-n1000.svg icount.svg"

if ! command -v gnuplot >/dev/null 2>&1; then
    fail report-gnuplot "gnuplot is not installed (make deps installs gnuplot-nox)"
    exit 1
fi

# --- crafted inputs -------------------------------------------------------
# make_inputs DIR: every input CSV, with realistic figures for EdgeOS and the
# Linux guest under TCG and native Linux; N = 1, 300, 1000; udp and tcp.
make_inputs() {
    mkdir -p "$1"
    python3 - "$1" <<'PY'
import math, os, statistics, sys
d = sys.argv[1]
def w(name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
H = "name,iterations,median_ns,p90_ns,p99_ns,min_ns,max_ns,median_cycles\n"
def srow(name, n, med, tsc=2.6):
    return f"{name},{n},{med},{int(med * 1.25)},{int(med * 2.1)},{int(med * 0.8)},{int(med * 4)},{int(med * tsc)}\n"
edge = [("fwp_fork_16k", 25000), ("fwp_destroy_16k", 9000), ("fwp_pool_activate_16k", 4000),
        ("fwp_fork_256k", 61000), ("fwp_destroy_256k", 21000), ("fwp_pool_activate_256k", 4300),
        ("fwp_fork_4m", 540000), ("fwp_destroy_4m", 230000), ("fwp_pool_activate_4m", 4600),
        ("fwp_reset_dirty_0", 3100), ("fwp_reset_dirty_1", 5200), ("fwp_reset_dirty_16", 31000),
        ("fwp_reset_dirty_1024", 1900000), ("ipc_call_reply_roundtrip", 1800),
        ("chan_copy_per_packet_64B", 420), ("chan_copy_per_packet_1400B", 2900)]
w("startup-edgeos.csv", "# EdgeOS half\n" + H + "".join(srow(n, 100 if "4m" in n else 1000, m) for n, m in edge))
guest = [("linux_fork_exec", 2500000), ("linux_posix_spawn", 1600000), ("linux_vfork_exec", 1200000),
         ("linux_fork", 1900000), ("linux_pthread_create", 310000)]
w("startup-linux-guest.csv", H + "".join(srow(n, 800, m) for n, m in guest) + "runc_run,0,,,,,,\n")
native = [("linux_fork_exec", 176303), ("linux_posix_spawn", 106399), ("linux_vfork_exec", 77976),
          ("linux_fork", 176523), ("linux_pthread_create", 44616), ("runc_run", 25197562)]
w("startup-peers.csv", H + "".join(srow(n, 50 if n == "runc_run" else 20000, m) for n, m in native))
# memcached: (system, proto, N) -> completed share, p50 us
mc = {("edgeos", "udp", 1): (1.0, 940), ("edgeos", "udp", 300): (0.27, 478000), ("edgeos", "udp", 1000): (0.33, 562000),
      ("edgeos", "tcp", 1): (1.0, 8520), ("edgeos", "tcp", 300): (0.83, 153000), ("edgeos", "tcp", 1000): (0.09, 776000),
      ("linuxvm", "udp", 1): (0.63, 38200), ("linuxvm", "udp", 300): (0.12, 870000), ("linuxvm", "udp", 1000): (0.05, 645000),
      ("linuxvm", "tcp", 1): (1.0, 97900), ("linuxvm", "tcp", 300): (0.02, 820000), ("linuxvm", "tcp", 1000): (0.0, 0),
      ("native", "udp", 1): (1.0, 56), ("native", "udp", 300): (1.0, 150), ("native", "udp", 1000): (1.0, 80),
      ("native", "tcp", 1): (1.0, 67), ("native", "tcp", 300): (1.0, 224), ("native", "tcp", 1000): (1.0, 87)}
rows = ["label,proto,instances,target_rps,sent,completed,throughput_rps,p50_us,p99_us,p999_us,max_us,timeouts,errors,misses"]
cdf = ["label,proto,instances,quantile,latency_us"]
qs = [i / 100 for i in range(100)] + [0.995, 0.999, 0.9999, 1.0]
for (s, p, n), (share, p50) in mc.items():
    sent = 11800 + n // 20
    done = int(sent * share)
    label = f"{s}-{p}-x{n}"
    spread = {"edgeos": 0.35, "linuxvm": 0.3, "native": 0.8}[s]
    if done:
        def lat(q, p50=p50, spread=spread):
            z = statistics.NormalDist().inv_cdf(min(max(q, 0.0005), 0.9999))
            return min(p50 * math.exp(spread * z), 999000.0)
        p99, p999, mx = lat(0.99), lat(0.999), min(lat(1.0) * 1.2, 1000000.0)
    else:
        p50 = p99 = p999 = mx = 0
    rows.append(f"{label},{p},{n},4000,{sent},{done},{done / 3:.0f},{p50:.1f},{p99:.1f},{p999:.1f},{mx:.1f},"
                f"{sent - done},0,0")
    if done:
        for q in qs:
            v = mx if q == 1.0 else lat(q)
            cdf.append(f"{label},{p},{n},{q:.2f}" if q < 0.995 else f"{label},{p},{n},{q}")
            cdf[-1] += f",{v:.1f}"
    cdf.append(f"{label},{p},{n},lost,{(sent - done) / sent:.6f}")
w("edgeos-memcached.csv", "\n".join(rows) + "\n")
w("edgeos-memcached-cdf.csv", "\n".join(cdf) + "\n")
IC = "system,operation,runs,median,min,max,p10,p90\n"
def irow(s, o, med):
    return f"{s},{o},20,{med},{int(med * 0.97)},{int(med * 1.2)},{int(med * 0.99)},{int(med * 1.05)}\n"
w("icount.csv", IC + irow("edgeos", "ipc_call_reply_roundtrip", 350) + irow("edgeos", "fwp_pool_activate_16k", 1200)
  + irow("edgeos", "fwp_fork_16k", 8000) + irow("edgeos", "fwp_reset_clean", 2500)
  + irow("edgeos", "chan_copy_per_packet_64B", 180) + irow("edgeos", "memcached_request_udp", 6000)
  + irow("linux-guest", "linux_fork_exec", 400000) + irow("linux-guest", "linux_posix_spawn", 250000)
  + irow("linux-guest", "linux_memcached_request_udp", 30000))
PY
}

# svg_ok FILE: non-empty, an <svg> element, at least one path or polyline
svg_ok() {
    [ -s "$1" ] && grep -q '<svg' "$1" && grep -qE '<path|<polyline' "$1"
}

IN=$T/in
OUT=$T/out
make_inputs "$IN"
python3 "$REPORT" --in "$IN" --out "$OUT" >"$T/full.out" 2>"$T/full.err"
rc=$?
MD=$OUT/report.md
if [ $rc -ne 0 ] || [ ! -s "$MD" ]; then
    fail report-runs "exit status $rc: $(tail -n 3 "$T/full.err" | tr '\n' ' ')"
    exit 1
fi
pass report-runs
if [ "$(tail -n 1 "$T/full.out")" = "report.md: $MD" ]; then
    pass report-prints-path
else
    fail report-prints-path "last line is '$(tail -n 1 "$T/full.out")'"
fi

# --- every plot: a valid SVG, referenced from report.md -------------------
bad=
for p in $PLOTS; do
    svg_ok "$OUT/$p" || bad="$bad $p"
done
[ -z "$bad" ] && pass report-plots-svg || fail report-plots-svg "missing, empty or not SVG:$bad"
bad=
for p in $PLOTS; do
    grep -qF "]($p)" "$MD" || bad="$bad $p"
done
[ -z "$bad" ] && pass report-plots-referenced || fail report-plots-referenced "not embedded in report.md:$bad"

# --- the page: machine, accelerator note, system labels -------------------
model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
if ! grep -q '^# EdgeOS benchmark report' "$MD"; then
    fail report-page "no title"
elif [ -n "$model" ] && ! grep -qF "$model" "$MD"; then
    fail report-page "host CPU model '$model' not on the page"
elif ! grep -q 'QEMU TCG on this host' "$MD"; then
    fail report-page "no accelerator note"
elif ! grep -qF 'EdgeOS (QEMU TCG)' "$MD" || ! grep -qF 'Linux guest (QEMU TCG)' "$MD" ||
     ! grep -qF 'Linux native (host)' "$MD"; then
    fail report-page "system labels with accelerators missing"
elif ! grep -qF 'EdgeOS (QEMU TCG)' "$OUT/startup.svg" || ! grep -qF 'Linux native (host)' "$OUT/startup.svg"; then
    fail report-page "startup.svg lacks the system labels"
else
    pass report-page
fi

# --- ratios: crafted pairs -------------------------------------------------
# start-up: fwp_fork_16k 25 us / linux_fork_exec in the guest 2.5 ms = 0.0100
# instructions: fwp_fork_16k 8000 / linux_fork_exec 400000 = 0.0200
# memcached UDP N=1: p50 940 us / 38200 us = 0.0246
su=$(grep -E '^\| `fwp_fork_16k` \| `linux_fork_exec` \| 25.0 µs \| 2.50 ms \|' "$MD" | head -n 1)
ic=$(grep -E '^\| `fwp_fork_16k` \| `linux_fork_exec` \| 8 000 \| 400 000 \|' "$MD" | head -n 1)
mcr=$(grep -E '^\| 1 \| ' "$MD" | grep -F '0.0246 (40.6x faster)' | head -n 1)
if [ -z "$su" ] || ! grep -qF '| 0.0100 (100x faster) |' <<<"$su"; then
    fail report-ratio "start-up row fwp_fork_16k / linux_fork_exec is not 0.0100: '$su'"
elif [ -z "$ic" ] || ! grep -qF '| 0.0200 (50.0x fewer) |' <<<"$ic"; then
    fail report-ratio "instruction row fwp_fork_16k / linux_fork_exec is not 0.0200: '$ic'"
elif [ -z "$mcr" ]; then
    fail report-ratio "memcached UDP N=1 p50 ratio 0.0246 not found"
elif ! grep -qF 'EdgeOS (QEMU TCG) / Linux guest (QEMU TCG)' "$MD"; then
    fail report-ratio "ratio headers do not name the accelerator and the peer"
else
    pass report-ratio
fi

# --- targets: IPC 350 <= 400 met, pool 1200 > 1000 not met, fork 8000 <= 10000
# met, reset 2500 > 2000 not met -------------------------------------------
row() { grep -E "^\| [^|]*\`$1\`[^|]* \| ≤ " "$2" | head -n 1; }
why=
for spec in "ipc_call_reply_roundtrip|350|met" "fwp_pool_activate_16k|1 200|**not met**" \
            "fwp_fork_16k|8 000|met" "fwp_reset_clean|2 500|**not met**"; do
    IFS='|' read -r op val verdict <<<"$spec"
    r=$(row "$op" "$MD")
    grep -qF "| $val | $verdict |" <<<"$r" || why="$why; $op: '$r'"
done
[ -z "$why" ] && pass report-targets || fail report-targets "${why#; }"

# --- before/after columns with icount-before.csv ---------------------------
cp -r "$IN" "$T/in2"
python3 - "$T/in2/icount-before.csv" <<'PY'
import sys
open(sys.argv[1], "w").write("system,operation,runs,median,min,max,p10,p90\n"
    "edgeos,ipc_call_reply_roundtrip,20,520,500,600,510,530\n"
    "edgeos,fwp_pool_activate_16k,20,900,880,950,890,910\n"
    "edgeos,fwp_fork_16k,20,16000,15000,17000,15500,16500\n"
    "edgeos,fwp_reset_clean,20,2500,2400,2600,2450,2550\n")
PY
python3 "$REPORT" --in "$T/in2" --out "$T/out2" >"$T/ba.out" 2>&1
rc=$?
r=$(row ipc_call_reply_roundtrip "$T/out2/report.md")
r2=$(row fwp_pool_activate_16k "$T/out2/report.md")
if [ $rc -ne 0 ]; then
    fail report-before-after "exit status $rc: $(tail -n 2 "$T/ba.out")"
elif ! grep -qF '| before | before: met? | after | after: met? | after / before |' "$T/out2/report.md"; then
    fail report-before-after "no before/after header"
elif ! grep -qF '| 520 | **not met** | 350 | met | 0.673 |' <<<"$r"; then
    fail report-before-after "IPC row: '$r'"
elif ! grep -qF '| 900 | met | 1 200 | **not met** | 1.33 |' <<<"$r2"; then
    fail report-before-after "pool row: '$r2'"
elif ! svg_ok "$T/out2/icount.svg" || ! grep -qF 'before' "$T/out2/icount.svg"; then
    fail report-before-after "icount.svg lacks the before points"
else
    pass report-before-after
fi

# --- a missing input leaves its plot out, naming the file and target -------
cp -r "$IN" "$T/in3"
rm "$T/in3/icount.csv" "$T/in3/edgeos-memcached-cdf.csv" "$T/in3/startup-linux-guest.csv"
python3 "$REPORT" --in "$T/in3" --out "$T/out3" >"$T/miss.out" 2>&1
rc=$?
M3=$T/out3/report.md
if [ $rc -ne 0 ]; then
    fail report-missing-input "exit status $rc: $(tail -n 2 "$T/miss.out")"
elif [ -e "$T/out3/icount.svg" ] || ls "$T/out3"/memcached-cdf-* >/dev/null 2>&1; then
    fail report-missing-input "a plot was drawn without its input: $(ls "$T/out3" | tr '\n' ' ')"
elif ! grep -qE 'missing `icount.csv` \(made by `make bench-icount`\)' "$M3"; then
    fail report-missing-input "no message naming icount.csv and make bench-icount"
elif ! grep -qE 'missing `edgeos-memcached-cdf.csv` \(made by `make bench-memcached`\)' "$M3"; then
    fail report-missing-input "no message naming edgeos-memcached-cdf.csv and make bench-memcached"
elif ! grep -qE 'missing `startup-linux-guest.csv` \(made by `make bench-startup`, or alone `make bench-startup-linux-guest`\)' "$M3" ||
     ! svg_ok "$T/out3/startup.svg"; then
    fail report-missing-input "start-up plot without the Linux guest: not drawn or not explained"
elif grep -qF '](icount.svg)' "$M3" || grep -qF '](memcached-cdf' "$M3"; then
    fail report-missing-input "report.md embeds a plot that was left out"
elif ! svg_ok "$T/out3/memcached-latency-udp.svg"; then
    fail report-missing-input "plots with their inputs present were not drawn"
elif [ "$(python3 "$REPORT" --in "$T/in3" --missing-targets)" != "bench-startup bench-memcached bench-icount" ]; then
    fail report-missing-input "--missing-targets says '$(python3 "$REPORT" --in "$T/in3" --missing-targets)'"
else
    pass report-missing-input
fi

# no input at all: a page that lists what is missing, no plots; a stale plot
# of an earlier report in the same directory is removed
mkdir -p "$T/empty"
python3 "$REPORT" --in "$T/empty" --out "$OUT" >"$T/empty.out" 2>&1
rc=$?
n=$(grep -c '\*\*missing\*\*' "$OUT/report.md" 2>/dev/null)
if [ $rc -ne 0 ]; then
    fail report-no-inputs "exit status $rc: $(tail -n 2 "$T/empty.out")"
elif [ "$n" != 6 ]; then
    fail report-no-inputs "$n inputs marked missing, expected 6"
elif ls "$OUT"/*.svg >/dev/null 2>&1; then
    fail report-no-inputs "plots left from the earlier report: $(ls "$OUT")"
else
    pass report-no-inputs
fi

# --- malformed CSVs: non-zero exit, the file and line named, no traceback --
why=
malformed() {   # NAME LINE: the report must fail naming NAME:LINE
    python3 "$REPORT" --in "$T/bad" --out "$T/badout" >"$T/bad.out" 2>&1
    local rc=$?
    if [ $rc -eq 0 ]; then
        why="$why; $1 accepted"
    elif ! grep -qF "$1:$2" "$T/bad.out"; then
        why="$why; $1: message '$(head -c 200 "$T/bad.out")' does not name $1:$2"
    elif grep -q Traceback "$T/bad.out"; then
        why="$why; $1: traceback"
    fi
}
rm -rf "$T/bad"; cp -r "$IN" "$T/bad"
sed -i '3s/,4000,/,four thousand,/' "$T/bad/edgeos-memcached.csv"
malformed edgeos-memcached.csv 3
rm -rf "$T/bad"; cp -r "$IN" "$T/bad"
echo "fwp_extra,1000,12,13" >>"$T/bad/startup-edgeos.csv"
malformed startup-edgeos.csv "$(wc -l <"$T/bad/startup-edgeos.csv")"
rm -rf "$T/bad"; cp -r "$IN" "$T/bad"
printf 'system,operation,median\nedgeos,x,1\n' >"$T/bad/icount.csv"
malformed icount.csv 1
rm -rf "$T/bad"; cp -r "$IN" "$T/bad"
sed -i '5s/,[0-9.]*$/,-3/' "$T/bad/edgeos-memcached-cdf.csv"
malformed edgeos-memcached-cdf.csv 5
[ -z "$why" ] && pass report-malformed || fail report-malformed "${why#; }"

# --- make bench-report: reuses the CSVs, runs no benchmark -----------------
make -s --no-print-directory bench-report REPORT_IN="$IN" REPORT_OUT="$T/mk" >"$T/make.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    fail report-make "exit status $rc: $(tail -n 3 "$T/make.out" | tr '\n' ' ')"
elif [ "$(tail -n 1 "$T/make.out")" != "report.md: $T/mk/report.md" ] || ! svg_ok "$T/mk/startup.svg"; then
    fail report-make "last line '$(tail -n 1 "$T/make.out")', plots: $(ls "$T/mk" | tr '\n' ' ')"
elif grep -q 'running make' "$T/make.out"; then
    fail report-make "a benchmark was run without BENCH_REPORT_RUN=1"
else
    pass report-make
fi

# --- mcload --cdf against a fake UDP memcached ------------------------------
if [ ! -x "$MCLOAD" ]; then
    make -s --no-print-directory build/loadgen/mcload >"$T/mcmake.log" 2>&1
fi
if [ ! -x "$MCLOAD" ]; then
    fail mcload-cdf "$MCLOAD missing ($(tail -n 1 "$T/mcmake.log"))"
    exit 0
fi
# Answers memcached UDP frames on two consecutive ports of 127.0.0.1 (END for
# a get, STORED for a set), dropping every 10th request so that some time
# out; a third port (base+2) never answers. Writes the first port to the
# file given once all are bound.
python3 - "$T/fake.port" <<'PY' &
import random, select, socket, sys
for _ in range(100):
    base = random.randint(20000, 60000)
    socks = []
    try:
        for i in range(3):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", base + i))
            socks.append(s)
        break
    except OSError:
        for s in socks:
            s.close()
else:
    sys.exit("no two free consecutive UDP ports")
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(base))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
count = 0
while True:
    ready, _, _ = select.select(socks, [], [], 30)
    if not ready:
        break
    for s in ready:
        data, peer = s.recvfrom(2048)
        if len(data) < 8:
            continue
        count += 1
        if s is socks[2] or count % 10 == 0:
            continue
        body = b"END\r\n" if data[8:12] == b"get " else b"STORED\r\n"
        s.sendto(data[0:2] + b"\x00\x00\x00\x01\x00\x00" + body, peer)
PY
FAKE_PID=$!
for _ in $(seq 50); do [ -s "$T/fake.port" ] && break; sleep 0.1; done
if [ ! -s "$T/fake.port" ]; then
    fail mcload-cdf "the fake UDP server did not start"
    exit 0
fi
base=$(cat "$T/fake.port")
"$MCLOAD" --proto udp --host 127.0.0.1 --port "$base" --instances 2 --rate 200 --duration 1 --warmup 0 \
    --timeout-ms 300 --no-preload --csv "$T/mc.csv" --cdf "$T/mc-cdf.csv" --label fake-udp-x2 >"$T/mc.out" 2>&1
rc=$?
# a second run, on the silent port, appends to a copy of that file: no
# second header, no quantile rows (nothing answered), everything lost
cp "$T/mc-cdf.csv" "$T/mc-cdf2.csv" 2>/dev/null
"$MCLOAD" --proto udp --host 127.0.0.1 --port $((base + 2)) --instances 1 --rate 100 --duration 1 --warmup 0 \
    --timeout-ms 100 --no-preload --cdf "$T/mc-cdf2.csv" --label none-udp-x1 >/dev/null 2>&1
rc2=$?
kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
FAKE_PID=
why=$(python3 - "$T/mc.csv" "$T/mc-cdf.csv" 2>&1 <<'PY'
import csv, sys
main = list(csv.DictReader(open(sys.argv[1])))
if len(main) != 1:
    sys.exit(f"{len(main)} CSV rows")
m = main[0]
with open(sys.argv[2]) as f:
    lines = f.read().splitlines()
if lines[0] != "label,proto,instances,quantile,latency_us":
    sys.exit(f"CDF header {lines[0]!r}")
rows = list(csv.DictReader(lines))
if any((r["label"], r["proto"], r["instances"]) != ("fake-udp-x2", "udp", "2") for r in rows):
    sys.exit("a CDF row with the wrong label, proto or instances")
lost = [r for r in rows if r["quantile"] == "lost"]
pts = [(float(r["quantile"]), float(r["latency_us"])) for r in rows if r["quantile"] != "lost"]
if len(lost) != 1:
    sys.exit(f"{len(lost)} lost rows")
if len(pts) != 104 or pts[0][0] != 0.0 or pts[-1][0] != 1.0:
    sys.exit(f"{len(pts)} quantile rows from {pts[0][0] if pts else None} to {pts[-1][0] if pts else None}")
if [q for q, _ in pts] != sorted(q for q, _ in pts) or [v for _, v in pts] != sorted(v for _, v in pts):
    sys.exit("quantiles or latencies not monotone")
p50 = dict(pts)[0.5]
if abs(p50 - float(m["p50_us"])) > 0.051:
    sys.exit(f"CDF 0.5 = {p50} us, CSV p50 = {m['p50_us']} us")
if abs(pts[-1][1] - float(m["max_us"])) > 0.051:
    sys.exit(f"CDF 1.0 = {pts[-1][1]} us, CSV max = {m['max_us']} us")
want = int(m["timeouts"]) / int(m["sent"])
if abs(float(lost[0]["latency_us"]) - want) > 1e-5:
    sys.exit(f"lost {lost[0]['latency_us']}, CSV timeouts/sent = {want:.6f}")
if not 0.02 < want < 0.3:
    sys.exit(f"lost fraction {want:.3f}, the fake server drops 1 in 10")
PY
)
if [ $rc -ne 0 ]; then
    fail mcload-cdf "mcload exit status $rc: $(tail -n 2 "$T/mc.out" | tr '\n' ' ')"
elif [ -n "$why" ]; then
    fail mcload-cdf "$why"
else
    pass mcload-cdf
fi

h=$(grep -c '^label,' "$T/mc-cdf2.csv")
l=$(grep -c '^none-udp-x1,udp,1,lost,1.000000$' "$T/mc-cdf2.csv")
q=$(grep -c '^none-udp-x1,udp,1,[01]\.' "$T/mc-cdf2.csv")
f=$(grep -c '^fake-udp-x2,' "$T/mc-cdf2.csv")
if [ $rc2 -ne 0 ]; then
    fail mcload-cdf-no-answers "mcload exit status $rc2"
elif [ "$h" = 1 ] && [ "$l" = 1 ] && [ "$q" = 0 ] && [ "$f" = 105 ]; then
    pass mcload-cdf-no-answers
else
    fail mcload-cdf-no-answers "appended: headers $h, lost rows $l, quantile rows $q (none expected), earlier rows $f of 105"
fi
exit 0
