# Shared helpers for the memcached benchmarks (sourced).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OURS=$ROOT/build/memcached/edgeos-memcached
MCLOAD=$ROOT/build/loadgen/mcload
OUTDIR=$ROOT/build/bench
mkdir -p "$OUTDIR"
SERVER_CPU=${SERVER_CPU:-0}     # the machine has 2 cores: servers on one,
LOADGEN_CPU=${LOADGEN_CPU:-1}   # the generator on the other
USER_OPT=()
[ "$(id -u)" = 0 ] && USER_OPT=(-u root)
BENCH_PIDS=()

bench_cleanup() {
    for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${BENCH_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    BENCH_PIDS=()
}

udp_listening() {   # number of our UDP ports in [base, base+n) that are bound
    ss -Hlun 2>/dev/null | awk '{print $4}' | sed 's/.*://' |
        awk -v b="$1" -v n="$2" '$1 >= b && $1 < b + n' | sort -u | wc -l
}

ports_free() {      # base n: no TCP/UDP socket bound in [base, base+n)
    [ "$(ss -Hltun 2>/dev/null | awk '{print $5}' | sed 's/.*://' |
         awk -v b="$1" -v n="$2" '$1 >= b && $1 < b + n' | wc -l)" -eq 0 ]
}

# start_servers KIND BASE N PROTO -> starts N servers (ports BASE..BASE+N-1)
start_servers() {
    local kind=$1 base=$2 n=$3 proto=$4 i p
    for ((i = 0; i < n; i++)); do
        p=$((base + i))
        if [ "$proto" = udp ]; then
            args=(-U "$p" -p 0)
        else
            args=(-p "$p" -U 0)
        fi
        if [ "$kind" = memcached ]; then
            taskset -c "$SERVER_CPU" memcached "${args[@]}" -t 1 -l 127.0.0.1 -m 8 -c 64 "${USER_OPT[@]}" >/dev/null 2>&1 &
        elif [ "$kind" = edgeos-poll ]; then     # polls 100 us after activity before sleeping
            taskset -c "$SERVER_CPU" "$OURS" "${args[@]}" -t 1 -l 127.0.0.1 -m 8 -c 64 -o poll_us=100 "${USER_OPT[@]}" >/dev/null 2>&1 &
        else
            taskset -c "$SERVER_CPU" "$OURS" "${args[@]}" -t 1 -l 127.0.0.1 -m 8 -c 64 "${USER_OPT[@]}" >/dev/null 2>&1 &
        fi
        BENCH_PIDS+=($!)
    done
    for _ in $(seq 200); do
        if [ "$proto" = udp ]; then
            [ "$(udp_listening "$base" "$n")" -ge "$n" ] && return 0
        else
            [ "$(ss -Hltn | awk '{print $4}' | sed 's/.*://' | awk -v b="$base" -v n="$n" '$1>=b && $1<b+n' | wc -l)" -ge "$n" ] && return 0
        fi
        sleep 0.1
    done
    echo "bench: only some of $n $kind servers came up" >&2
    return 1
}

cpu_ticks() {       # utime+stime (clock ticks) summed over the pids given
    local t=0 p
    for p in "$@"; do
        [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat)))
    done
    echo $t
}

tcp_listening() {   # number of our TCP ports in [base, base+n) that listen
    ss -Hltn 2>/dev/null | awk '{print $4}' | sed 's/.*://' |
        awk -v b="$1" -v n="$2" '$1 >= b && $1 < b + n' | sort -u | wc -l
}

# start_servers_tcpudp BASE N -> N Debian memcached on 127.0.0.1, instance i
# serving TCP and UDP on port BASE+i (the shape of bench-memcached's
# instances); waits until all of them listen on both
start_servers_tcpudp() {
    local base=$1 n=$2 i p
    for ((i = 0; i < n; i++)); do
        p=$((base + i))
        taskset -c "$SERVER_CPU" memcached -p "$p" -U "$p" -t 1 -l 127.0.0.1 -m 8 -c 64 "${USER_OPT[@]}" >/dev/null 2>&1 &
        BENCH_PIDS+=($!)
    done
    for _ in $(seq 300); do
        [ "$(udp_listening "$base" "$n")" -ge "$n" ] && [ "$(tcp_listening "$base" "$n")" -ge "$n" ] && return 0
        sleep 0.1
    done
    echo "bench: only some of $n memcached (tcp+udp) came up" >&2
    return 1
}
