#!/bin/bash
# memcached suite: engine unit tests (plain and ASan/UBSan), differential
# tests against Debian's memcached over TCP and UDP (our server built plain
# and with sanitizers), real clients, fuzz regression over the seed corpus
# and a bounded fuzz run. Run from the repository root after `make all`.
cd "$(dirname "$0")/../.." || exit 1
B=build/memcached
T=tests/memcached
PY=/usr/bin/python3
pids=()
tmp=$(mktemp -d)
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port_free() {   # TCP and UDP
    ! ss -Hltun 2>/dev/null | awk '{print $5}' | grep -q ":$1\$"
}
pick_port() {   # a free port in 2xxxx, different each run
    local p
    for _ in $(seq 200); do
        p=$((20000 + RANDOM % 9000))
        port_free "$p" && port_free $((p + 1)) && { echo "$p"; return; }
    done
    echo 0
}
wait_port() {
    for _ in $(seq 100); do
        ss -Hltn 2>/dev/null | awk '{print $4}' | grep -q ":$1\$" && return 0
        sleep 0.05
    done
    return 1
}

# 1. unit tests, plain and sanitized
for u in mc_unit mc_unit-san mc_binary_test mc_binary_test-san mc_oom_test; do
    if [ -x "$B/$u" ]; then
        "$B/$u" | sed "s/^\(PASS\|FAIL\) unit-\([^:]*\)/\1 $u-\2/"
    else
        echo "FAIL $u: $B/$u not built (run make all)"
    fi
done

# 2. differential tests against Debian memcached
user_opt=()
[ "$(id -u)" = 0 ] && user_opt=(-u root)
if ! command -v memcached >/dev/null; then
    echo "SKIP diff-tcp: memcached not installed"
else
    for variant in edgeos-memcached edgeos-memcached-san; do
        # fresh servers for every seed, so each seed replays on its own:
        # tests/memcached/difftest.py --ref P --ours P --udp-ref P --udp-ours P --seed N
        for seed in 101 202 303; do
            rp=$(pick_port); op=$(pick_port)
            memcached -p "$rp" -U "$((rp + 1))" -l 127.0.0.1 -t 1 "${user_opt[@]}" >"$tmp/ref.log" 2>&1 &
            rpid=$!; pids+=($rpid)
            "$B/$variant" -p "$op" -U "$((op + 1))" -l 127.0.0.1 "${user_opt[@]}" >"$tmp/ours.log" 2>&1 &
            opid=$!; pids+=($opid)
            if ! wait_port "$rp" || ! wait_port "$op"; then
                echo "FAIL diff-$variant-seed$seed: servers did not start: $(cat "$tmp/ref.log" "$tmp/ours.log" | head -3)"
                kill "$rpid" "$opid" 2>/dev/null; wait "$rpid" "$opid" 2>/dev/null
                continue
            fi
            if out=$($PY $T/difftest.py --ref "$rp" --ours "$op" --udp-ref $((rp + 1)) --udp-ours $((op + 1)) \
                     --seed $seed --streams 12 --ops 12 2>&1); then
                echo "PASS diff-$variant-seed$seed"
            else
                echo "FAIL diff-$variant-seed$seed: $(echo "$out" | tail -n +2 | tr "\n" " " | head -c 1500)"
            fi
            if ! kill -0 "$opid" 2>/dev/null; then
                echo "FAIL diff-$variant-seed$seed-alive: server died: $(tail -5 "$tmp/ours.log")"
            fi
            if grep -q 'ERROR: \(Address\|Undefined\)Sanitizer\|runtime error' "$tmp/ours.log"; then
                echo "FAIL diff-$variant-seed$seed-sanitizer: $(grep -m3 'ERROR\|runtime error' "$tmp/ours.log")"
            fi
            kill "$rpid" "$opid" 2>/dev/null; wait "$rpid" "$opid" 2>/dev/null
        done
    done
fi

# 3. real clients against our server
op=$(pick_port)
"$B/edgeos-memcached" -p "$op" -U 0 -l 127.0.0.1 "${user_opt[@]}" >"$tmp/clients.log" 2>&1 &
cpid=$!; pids+=($cpid)
if wait_port "$op"; then
    if command -v memcping >/dev/null; then
        bash $T/clients.sh "$op"
    else
        echo "SKIP libmemcached-tools: not installed"
        $PY $T/clients.py "$op"
    fi
else
    echo "FAIL clients: server did not start"
fi
kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null

# 4. memcached's command line: refused options with memcached's wording,
#    accepted ones with their effect (tests/memcached/options.py)
timeout -k 5 120 $PY $T/options.py "$B" || true

# 5. fuzzing: regression over the committed corpus, then a bounded run
for f in stream udp binary; do
    fz="$B/fuzz_$f"
    if [ ! -x "$fz" ]; then
        echo "FAIL fuzz-$f: $fz not built"
        continue
    fi
    if out=$("$fz" -runs=0 $T/corpus/$f/* 2>&1); then
        echo "PASS fuzz-$f-regression"
    else
        echo "FAIL fuzz-$f-regression: $(echo "$out" | grep -m3 'ERROR\|runtime error\|abort')"
    fi
    mkdir -p "$tmp/corpus-$f"
    if out=$(cd "$tmp" && "$OLDPWD/$fz" -max_total_time=15 -timeout=10 "$tmp/corpus-$f" "$OLDPWD/$T/corpus/$f" 2>&1); then
        echo "PASS fuzz-$f-15s"
    else
        echo "FAIL fuzz-$f-15s: $(echo "$out" | grep -m5 'ERROR\|runtime error\|Test unit\|Base64')"
    fi
done
exit 0
