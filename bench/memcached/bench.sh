#!/bin/bash
# make bench-memcached-linux: edgeos-memcached vs Debian memcached on this
# machine in one run. One instance each, UDP and TCP, several offered loads;
# server pinned to one core and the load generator to the other. Each point
# is repeated and the median reported. Throughput per core = completed
# requests / server CPU seconds (utime+stime) during the run.
# "edgeos" sleeps in epoll_wait whenever idle, like memcached; "edgeos-poll"
# (-B 100) keeps polling 100 us after the last event before sleeping, which
# trades server CPU for wake-up latency.
#   MC_BENCH_RATES="20000 50000 100000 150000"  offered loads (req/s)
#   MC_BENCH_REPEAT=3 MC_BENCH_DURATION=3 MC_BENCH_WARMUP=1 MC_BENCH_PORT=31000
. "$(dirname "$0")/common.sh"
trap bench_cleanup EXIT INT TERM
RATES=${MC_BENCH_RATES:-"20000 50000 100000 150000"}
REP=${MC_BENCH_REPEAT:-3}
DUR=${MC_BENCH_DURATION:-3}
WARM=${MC_BENCH_WARMUP:-1}
PORT=${MC_BENCH_PORT:-31000}
CSV=$OUTDIR/memcached-linux.csv
RAW=$OUTDIR/memcached-linux-raw.csv
rm -f "$CSV" "$RAW"
echo "kind,proto,target_rps,rep,throughput_rps,server_cpu_s,tput_per_core,p50_us,p99_us,p999_us,max_us,timeouts,errors" > "$CSV"
if ! ports_free "$PORT" 2; then
    echo "bench: port $PORT is busy" >&2
    exit 1
fi
CLK=$(getconf CLK_TCK)
for proto in udp tcp; do
    for rate in $RATES; do
        for rep in $(seq "$REP"); do
            for kind in edgeos edgeos-poll memcached; do
                start_servers "$kind" "$PORT" 1 "$proto" || exit 1
                pid=${BENCH_PIDS[0]}
                t0=$(cpu_ticks "$pid")
                rm -f "$RAW.tmp"
                taskset -c "$LOADGEN_CPU" "$MCLOAD" --proto "$proto" --port "$PORT" --rate "$rate" \
                    --duration "$DUR" --warmup "$WARM" --keys 1000 --csv "$RAW.tmp" --label "$kind" >/dev/null
                t1=$(cpu_ticks "$pid")
                bench_cleanup
                tail -1 "$RAW.tmp" | awk -F, -v k="$kind" -v p="$proto" -v r="$rate" -v rep="$rep" \
                    -v cpu="$(( t1 - t0 ))" -v clk="$CLK" -v dur="$DUR" -v warm="$WARM" '{
                    cs = cpu / clk * dur / (dur + warm);     # CPU attributed to the measured window
                    per = cs > 0 ? $7 / cs : 0;
                    printf "%s,%s,%s,%s,%s,%.3f,%.0f,%s,%s,%s,%s,%s,%s\n", k, p, r, rep, $7, cs, per, $8, $9, $10, $11, $12, $13
                }' >> "$CSV"
                cat "$RAW.tmp" >> "$RAW"
            done
        done
        echo "  done: $proto at $rate req/s" >&2
    done
done
rm -f "$RAW.tmp"
/usr/bin/python3 - "$CSV" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def med(kind, proto, rate, col):
    v = [float(r[col]) for r in rows if r["kind"] == kind and r["proto"] == proto and r["target_rps"] == rate]
    return statistics.median(v) if v else float("nan")
print("\nedgeos-memcached vs memcached 1.6.18, one instance, server on core 0, load on core 1")
print("medians of %d runs; ratio = edgeos/memcached for throughput, memcached/edgeos for latency (>1 = edgeos better)\n"
      % max(int(r["rep"]) for r in rows))
hdr = "%-5s %8s | %-11s %10s %8s %8s %8s %8s | %s"
print(hdr % ("proto", "offered", "server", "tput/s", "tput/core", "p50us", "p99us", "p99.9us", "timeouts"))
for proto in ("udp", "tcp"):
    for rate in sorted({r["target_rps"] for r in rows}, key=int):
        vals = {}
        for kind in ("edgeos", "edgeos-poll", "memcached"):
            vals[kind] = [med(kind, proto, rate, c) for c in ("throughput_rps", "tput_per_core", "p50_us", "p99_us", "p999_us", "timeouts")]
            print("%-5s %8s | %-11s %10.0f %8.0f %8.1f %8.1f %8.1f %8.0f" % ((proto, rate, kind) + tuple(vals[kind])))
        m = vals["memcached"]
        r = lambda a, b: (a / b) if b else float("nan")
        for kind in ("edgeos", "edgeos-poll"):
            e = vals[kind]
            print("%-5s %8s | %-11s %10.2f %8.2f %8.2f %8.2f %8.2f" % (proto, rate, "ratio-" + kind[7:] if "-" in kind else "ratio",
                  r(e[0], m[0]), r(e[1], m[1]), r(m[2], e[2]), r(m[3], e[3]), r(m[4], e[4])))
print("\nraw rows: %s" % sys.argv[1])
PY
