#!/bin/bash
# Baseline: N memcached processes (memcached -U port -p 0 -t 1 -l 127.0.0.1),
# all loaded at once by mcload over UDP at GET:SET 95:5; then the same with
# N edgeos-memcached processes. Results: build/bench/memcached-baseline.csv
#   MC_BASELINE_N="1 100 300 1000"  instance counts
#   MC_BASELINE_RATE=20000          total offered load, requests/s
#   MC_BASELINE_DURATION=10 MC_BASELINE_WARMUP=2 (seconds)
#   MC_BASELINE_PORT=30000          first port
. "$(dirname "$0")/common.sh"
trap bench_cleanup EXIT INT TERM
NS=${MC_BASELINE_N:-"1 100 300 1000"}
RATE=${MC_BASELINE_RATE:-20000}
DUR=${MC_BASELINE_DURATION:-10}
WARM=${MC_BASELINE_WARMUP:-2}
BASE=${MC_BASELINE_PORT:-30000}
CSV=$OUTDIR/memcached-baseline.csv
rm -f "$CSV"
ulimit -n 65536 2>/dev/null || ulimit -n 4096
for n in $NS; do
    if ! ports_free "$BASE" "$n"; then
        echo "baseline: ports $BASE..$((BASE + n - 1)) are not all free" >&2
        exit 1
    fi
    for kind in memcached edgeos; do
        echo "== $kind x$n (UDP, $RATE req/s total)"
        start_servers "$kind" "$BASE" "$n" udp || exit 1
        t0=$(cpu_ticks "${BENCH_PIDS[@]}")
        taskset -c "$LOADGEN_CPU" "$MCLOAD" --proto udp --port "$BASE" --instances "$n" --rate "$RATE" \
            --duration "$DUR" --warmup "$WARM" --keys 100 --csv "$CSV" --label "$kind-x$n"
        t1=$(cpu_ticks "${BENCH_PIDS[@]}")
        echo "  server CPU: $(( (t1 - t0) * 1000 / $(getconf CLK_TCK) )) ms over the run"
        bench_cleanup
    done
done
echo "baseline results: $CSV"
column -s, -t < "$CSV"
