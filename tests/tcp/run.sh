#!/bin/bash
# TCP test suite: memcached over TCP through EdgeOS's nic. One guest per
# group: first on QEMU user networking (port forwards on 127.0.0.1: UDP next
# to TCP, real clients, memcached's own t/*.t tests), then on a TAP device
# in a network namespace made here (perclient isolation, idle reclaim,
# client resets, crashing instances, 1 MiB values, pipelining, stalled
# requests, SYN floods, malformed segments, pool spreading). Every guest and
# the namespace are removed on exit.
# Suite protocol: see tests/run-all.sh. Tests live in tests/tcp/tcptests.py.
#   TCP_BOOT_TIMEOUT=120  seconds a guest may take to answer over TCP
#   TCP_VM_TIMEOUT=420    hard limit per guest (the launcher kills QEMU)
#   TCP_USERNET_VM_TIMEOUT=1500  the same for the first guest, which also
#                         runs memcached's t/*.t files
#   TCP_MCT_TIMEOUT=480   seconds per memcached t/*.t file (chunked-items.t takes 50-160 s
#                         under TCG, over 240 s on a host busy with other work)
#   TCP_KEEP_LOGS=DIR     keep every guest's serial log and launcher lines in DIR
cd "$(dirname "$0")/../.." || exit 1
NS=edgeos-tcp-$$
TMP=$(mktemp -d /tmp/edgeos-tcp.XXXXXX)
BOOT_TIMEOUT=${TCP_BOOT_TIMEOUT:-120}
VM_TIMEOUT=${TCP_VM_TIMEOUT:-420}
GUEST=10.77.0.2
CLIENT_A=10.77.0.1          # tap0's own address (host/netns.sh)
CLIENT_B=10.77.0.3          # a second address on tap0, added here
MAC=52:54:00:12:34:56
PORT=11211
NIC=${NET_NIC:-build/user/nic.elf}
MC=${NET_MC:-build/user/memcached.elf}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T=tests/tcp/tcptests.py
VM_PID=
NS_MADE=0
SERIAL=/dev/null
LAUNCH=/dev/null

. host/guest-lib.sh     # stop_vm

cleanup() {
    stop_vm
    if [ -n "${TCP_KEEP_LOGS:-}" ]; then
        mkdir -p "$TCP_KEEP_LOGS" && cp "$TMP"/*.serial "$TMP"/*.launcher "$TCP_KEEP_LOGS"/ 2>/dev/null
    fi
    [ "$NS_MADE" = 1 ] && host/netns.sh down "$NS"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

USERNET_TESTS="tcp-usernet-udp tcp-usernet-tcp tcp-usernet-survives"
PERCLIENT_TESTS="tcp-perclient-isolation tcp-perclient-idle-reset tcp-client-reset tcp-crash"
SHARED_TESTS="tcp-1mib tcp-pipeline tcp-stall tcp-malformed tcp-synflood tcp-conn-limit"
POOL_TESTS="tcp-pool"

# start_vm NAME NETNS|- IP SVC "MEMCACHED OPTIONS" "NIC OPTIONS" [launcher options...]
start_vm() {
    local name=$1 ns=$2 ip=$3 svc=$4 mcopts=$5 nicopts=$6 gw=
    [ "$ns" != - ] && gw=gw=10.77.0.1
    shift 6
    SERIAL=$TMP/$name.serial
    LAUNCH=$TMP/$name.launcher
    local pre=()
    [ "$ns" != - ] && pre=(ip netns exec "$ns")
    setsid "${pre[@]}" host/edgeos-run --mem 2G --smp 2 --timeout "$VM_TIMEOUT" "$@" \
        "$MC @name=memcached $mcopts" "$NIC @root ip=$ip $gw $nicopts svc=$svc" >"$SERIAL" 2>"$LAUNCH" &
    VM_PID=$!
}

show_log() {    # the tail of the guest's serial log and the launcher's lines, as commentary
    echo "  --- $1: serial (last 15 lines)"
    grep -v '^nic: stats' "$SERIAL" 2>/dev/null | tail -n 12 | sed 's/^/  | /'
    grep '^nic: stats' "$SERIAL" 2>/dev/null | tail -n 3 | sed 's/^/  | /'
    echo "  --- launcher"
    sed 's/^/  | /' "$LAUNCH" 2>/dev/null | tail -n 5
}

# fail_all WHY NAME...: one FAIL line per test of a group that could not run
fail_all() {
    local why=$1
    shift
    for t in "$@"; do echo "FAIL $t: $why"; done
}

in_ns() { ip netns exec "$NS" "$@"; }

# run_t NS|- SECONDS "NAMES" GROUP ARGS...: runs one tcptests.py group with
# a time limit; any of NAMES it did not report (it hung or crashed) fails.
run_t() {
    local ns=$1 secs=$2 names=$3
    shift 3
    local pre=() o=$TMP/run_t.out
    [ "$ns" != - ] && pre=(ip netns exec "$ns")
    "${pre[@]}" timeout -k 5 "$secs" $PY $T "$@" --serial "$SERIAL" 2>&1 | tee "$o"
    local rc=${PIPESTATUS[0]} n why
    why="tcptests.py $1 exited with status $rc before reporting"
    [ "$rc" = 124 ] && why="tcptests.py $1 did not finish within $secs s"
    for n in $names; do
        grep -qE "^(PASS|FAIL|SKIP) $n(:|$)" "$o" || echo "FAIL $n: $why"
    done
    if grep -q '^FAIL ' "$o"; then show_log "$1"; fi
}

free_port() {   # a port free for both TCP and UDP on 127.0.0.1
    $PY - <<'EOF'
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break
EOF
}

if [ ! -f "$NIC" ] || [ ! -f "$MC" ] || [ ! -f build/kernel/edgeos.bin ]; then
    fail_all "guest programs not built ($NIC, $MC; run make all)" $USERNET_TESTS $PERCLIENT_TESTS \
        $SHARED_TESTS $POOL_TESTS
    exit 0
fi

# ---------------------------------------------------------------- QEMU user networking
# No namespace needed: the guest is reached through host port forwards.
usernet() {
    local hp
    # this guest serves memcached's test files too (up to TCP_MCT_TIMEOUT
    # each); the usual per-guest limit would end it half way on a slow host
    local VM_TIMEOUT=${TCP_USERNET_VM_TIMEOUT:-1500}
    hp=$(free_port)
    start_vm usernet - 10.0.2.15 "memcached:tcp+udp:$PORT:1:shared" "@mem=96M crashkey cache=65536 item=1024" "" \
        --user-net "hostfwd=tcp:127.0.0.1:$hp-:$PORT,hostfwd=udp:127.0.0.1:$hp-:$PORT"
    if ! $PY $T wait --host 127.0.0.1 --port "$hp" --boot-timeout "$BOOT_TIMEOUT" --serial "$SERIAL" \
            --vm-pid "$VM_PID"; then
        fail_all "guest did not answer memcached over TCP through hostfwd 127.0.0.1:$hp" $USERNET_TESTS
        show_log usernet
        stop_vm
        return
    fi
    run_t - 30 "tcp-usernet-udp tcp-usernet-tcp" usernet --host 127.0.0.1 --port "$hp"
    # real clients (pymemcache, libmemcached-tools): lines tcp-clients.*
    if [ -f tests/tcp/tcp_clients.sh ]; then
        timeout -k 5 "${TCP_CLIENTS_LIMIT:-240}" bash tests/tcp/tcp_clients.sh 127.0.0.1 "$hp" tcp-clients
        local rc=$?
        [ "$rc" = 124 ] && echo "FAIL tcp-clients: tests/tcp/tcp_clients.sh did not finish within ${TCP_CLIENTS_LIMIT:-240} s"
    else
        echo "SKIP tcp-clients: tests/tcp/tcp_clients.sh is not there"
    fi
    # memcached 1.6.18's own t/*.t tests against the running guest
    if [ -f tests/lib/memcached-t.sh ] && [ -f tests/tcp/mct-files.txt ]; then
        . tests/lib/memcached-t.sh
        local why f
        if why=$(mct_fetch 2>&1); then
            if ! MCT_PREFIX=tcp-mct MCT_TIMEOUT=${TCP_MCT_TIMEOUT:-480} mct_run 127.0.0.1 "$hp" tests/tcp/mct-files.txt; then
                show_log usernet
            fi
        else
            why=$(echo "$why" | tr '\n' ' ')
            for f in $(sed 's/#.*//; s/[[:space:]]//g' tests/tcp/mct-files.txt | grep -v '^$'); do
                echo "SKIP tcp-mct.${f#t/}: memcached $MCT_VERSION's test files could not be fetched: $why"
            done
        fi
    else
        echo "SKIP tcp-mct: tests/lib/memcached-t.sh or tests/tcp/mct-files.txt is not there"
    fi
    # no instance may have died under all that client traffic
    if grep -q 'ended:\|panic\|died' "$SERIAL"; then
        echo "FAIL tcp-usernet-survives: $(grep 'ended:\|panic\|died' "$SERIAL" | head -n 3 | tr '\n' ' ')"
    elif ! vm_running; then
        echo "FAIL tcp-usernet-survives: the guest is no longer running ($(tail -n 1 "$LAUNCH"))"
        show_log usernet
    else
        echo "PASS tcp-usernet-survives"
    fi
    stop_vm
}
usernet

# ---------------------------------------------------------------- TAP in a namespace
if ! why=$(host/netns.sh check 2>&1); then
    for t in $PERCLIENT_TESTS $SHARED_TESTS $POOL_TESTS; do
        echo "SKIP $t: ${why#netns.sh: }"
    done
    exit 0
fi
if ! host/netns.sh up "$NS"; then
    echo "FAIL tcp-netns-setup: host/netns.sh up $NS failed"
    exit 0
fi
NS_MADE=1
if ! ip -n "$NS" addr add "$CLIENT_B/24" dev tap0; then
    echo "FAIL tcp-netns-setup: cannot add $CLIENT_B/24 to tap0 in $NS"
    exit 0
fi

# boot_ns NAME SVC "MEMCACHED OPTIONS" "NIC OPTIONS" TESTS...: boots a guest on
# the namespace's TAP and waits until it answers over TCP; on failure prints
# FAIL for every listed test
boot_ns() {
    local name=$1 svc=$2 mcopts=$3 nicopts=$4
    shift 4
    start_vm "$name" "$NS" "$GUEST" "$svc" "$mcopts" "$nicopts" --tap tap0
    if ! in_ns $PY $T wait --host "$GUEST" --port "$PORT" --boot-timeout "$BOOT_TIMEOUT" --serial "$SERIAL" \
            --vm-pid "$VM_PID"; then
        fail_all "guest ($svc) did not answer memcached over TCP at $GUEST:$PORT within ${BOOT_TIMEOUT} s" "$@"
        show_log "$name"
        stop_vm
        return 1
    fi
}

AB=(--host "$GUEST" --port "$PORT" --local "$CLIENT_A" --other "$CLIENT_B")

# Group 1: one instance per client address, reclaimed after 1.5 s idle.
if boot_ns perclient "memcached:tcp+udp:$PORT:4:perclient" "@mem=16M crashkey" "idle=1500" $PERCLIENT_TESTS; then
    run_t "$NS" 30 tcp-perclient-isolation isolation "${AB[@]}"
    run_t "$NS" 30 tcp-perclient-idle-reset idle "${AB[@]}" --idle-ms 1500
    run_t "$NS" 30 tcp-client-reset client-reset "${AB[@]}"
    run_t "$NS" 40 tcp-crash crash "${AB[@]}"
    stop_vm
fi

# Group 2: shared mode, 2 instances on ports 11211 and 11212.
if boot_ns shared "memcached:tcp+udp:$PORT:2:shared" "@mem=16M crashkey stall=1500 cache=4096 conns=8" \
        "tcp_halfopen_addr=16" $SHARED_TESTS; then
    run_t "$NS" 120 tcp-1mib 1mib "${AB[@]}" --instances 2
    run_t "$NS" 40 tcp-pipeline pipeline "${AB[@]}"
    run_t "$NS" 30 tcp-stall stall "${AB[@]}" --stall-ms 1500
    run_t "$NS" 40 tcp-malformed malformed "${AB[@]}" --mac "$MAC"
    run_t "$NS" 60 tcp-synflood synflood "${AB[@]}" --mac "$MAC"
    run_t "$NS" 40 tcp-conn-limit conn-limit "${AB[@]}" --max-conns 8
    stop_vm
fi

# Group 3: pool mode, 2 instances behind 11211.
if boot_ns pool "memcached:tcp+udp:$PORT:2:pool" "@mem=16M crashkey" "" $POOL_TESTS; then
    run_t "$NS" 40 tcp-pool pool "${AB[@]}"
    stop_vm
fi
exit 0
