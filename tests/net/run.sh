#!/bin/bash
# Network test suite: boots EdgeOS with the user-level NIC driver (nic) and a
# memcached service on a TAP device inside a network namespace created here,
# then talks to it from that namespace (ARP, ICMP, memcached over UDP,
# isolation modes, malformed frames, crashing instances). One guest per test
# group; every guest and the namespace are removed on exit.
# Suite protocol: see tests/run-all.sh. Details: docs/net-testing.md.
#   NET_BOOT_TIMEOUT=120  seconds a guest may take to answer memcached
#   NET_VM_TIMEOUT=240    hard limit per guest (the launcher kills QEMU)
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
NS=edgeos-net-$$
TMP=$(mktemp -d /tmp/edgeos-net.XXXXXX)
BOOT_TIMEOUT=${NET_BOOT_TIMEOUT:-120}
VM_TIMEOUT=${NET_VM_TIMEOUT:-240}
GUEST=10.77.0.2
MAC=52:54:00:12:34:56
PORT=11211
NIC=${NET_NIC:-build/user/nic.elf}
MC=${NET_MC:-build/user/memcached.elf}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T=tests/net/nettests.py
VM_PID=
NS_MADE=0

. host/guest-lib.sh     # stop_vm

cleanup() {
    stop_vm
    [ "$NS_MADE" = 1 ] && host/netns.sh down "$NS"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_vm NAME NETNS|- IP SVC [launcher options...]: boots the guest in the background
start_vm() {
    local name=$1 ns=$2 ip=$3 svc=$4 gw=
    [ "$ns" != - ] && gw=gw=10.77.0.1
    shift 4
    SERIAL=$TMP/$name.serial
    LAUNCH=$TMP/$name.launcher
    local pre=()
    [ "$ns" != - ] && pre=(ip netns exec "$ns")
    setsid "${pre[@]}" host/edgeos-run --mem 2G --smp 2 --timeout "$VM_TIMEOUT" "$@" \
        "$MC @name=memcached @mem=4M crashkey" "$NIC @root ip=$ip $gw svc=$svc" >"$SERIAL" 2>"$LAUNCH" &
    VM_PID=$!
}

show_log() {    # the tail of the guest's serial log and the launcher's lines, as commentary
    echo "  --- $1: serial (last 15 lines)"
    tail -n 15 "$SERIAL" 2>/dev/null | sed 's/^/  | /'
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

# ---------------------------------------------------------------- harness self-test
# The UDP client against Debian memcached on loopback: shows that the test
# client itself speaks the protocol the way memcached does.
selftest() {
    if ! command -v memcached >/dev/null; then
        echo "SKIP selftest-memcached: Debian memcached not installed"
        return
    fi
    local p
    p=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local u=()
    [ "$(id -u)" = 0 ] && u=(-u root)
    memcached -U "$p" -p 0 -l 127.0.0.1 -t 1 -m 8 "${u[@]}" >/dev/null 2>&1 &
    local mpid=$!
    sleep 0.3
    timeout 60 $PY $T memcached --host 127.0.0.1 --port "$p" --preload 100 --prefix selftest-
    kill "$mpid" 2>/dev/null
    wait "$mpid" 2>/dev/null
}

selftest

if [ ! -f "$NIC" ] || [ ! -f "$MC" ] || [ ! -f build/kernel/edgeos.bin ]; then
    fail_all "guest programs not built ($NIC, $MC; run make all)" arp ping memcached-preloaded \
        memcached-set-get-delete memcached-memccp-udp shared-ports shared-isolation malformed-survives \
        malformed-not-delivered malformed-counted crash-shared pool-mode perclient-isolation perclient-idle-reset crash-perclient \
        usernet-memcached
    exit 0
fi

# ---------------------------------------------------------------- QEMU user networking
# No namespace needed: the guest is reached through a host port forward.
usernet() {
    local hp
    hp=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    start_vm usernet - 10.0.2.15 "memcached:udp:$PORT:1:shared" --user-net "hostfwd=udp:127.0.0.1:$hp-:$PORT"
    if ! $PY $T wait --host 127.0.0.1 --port "$hp" --boot-timeout "$BOOT_TIMEOUT" --serial "$SERIAL" --vm-pid "$VM_PID"; then
        fail_all "guest did not answer memcached through hostfwd 127.0.0.1:$hp" usernet-memcached
        show_log usernet
    else
        timeout 60 $PY $T usernet --host 127.0.0.1 --port "$hp"
    fi
    stop_vm
}
usernet

# ---------------------------------------------------------------- TAP in a namespace
if ! why=$(host/netns.sh check 2>&1); then
    for t in arp ping memcached-preloaded memcached-set-get-delete memcached-memccp-udp shared-ports \
             shared-isolation malformed-survives malformed-not-delivered malformed-counted crash-shared pool-mode \
             perclient-isolation perclient-idle-reset crash-perclient; do
        echo "SKIP $t: ${why#netns.sh: }"
    done
    exit 0
fi
if ! host/netns.sh up "$NS"; then
    echo "FAIL netns-setup: host/netns.sh up $NS failed"
    exit 0
fi
NS_MADE=1

# boot_ns NAME SVC TESTS...: boots a guest on the namespace's TAP and waits
# until it answers memcached; on failure prints FAIL for every listed test
boot_ns() {
    local name=$1 svc=$2
    shift 2
    start_vm "$name" "$NS" "$GUEST" "$svc" --tap tap0
    if ! in_ns $PY $T wait --host "$GUEST" --port "$PORT" --boot-timeout "$BOOT_TIMEOUT" --serial "$SERIAL" --vm-pid "$VM_PID"; then
        fail_all "guest ($svc) did not answer memcached at $GUEST:$PORT within ${BOOT_TIMEOUT} s" "$@"
        show_log "$name"
        stop_vm
        return 1
    fi
}

# Group 1: shared mode, 4 instances on ports 11211..11214.
if boot_ns shared "memcached:udp:$PORT:4:shared" arp ping memcached-preloaded memcached-set-get-delete \
        memcached-memccp-udp shared-ports shared-isolation malformed-survives malformed-not-delivered malformed-counted crash-shared; then
    in_ns timeout 30 $PY $T arp --host "$GUEST" --mac "$MAC"
    in_ns timeout 30 $PY $T ping --host "$GUEST"
    in_ns timeout 60 $PY $T memcached --host "$GUEST" --port "$PORT"
    in_ns timeout 60 $PY $T shared --host "$GUEST" --port "$PORT" --instances 4
    in_ns timeout 60 $PY $T malformed --host "$GUEST" --port "$PORT" --mac "$MAC" --serial "$SERIAL"
    # crash the instance on the last port; the one on the first port keeps the
    # value the shared test stored there
    in_ns timeout 60 $PY $T crash --host "$GUEST" --port $((PORT + 3)) --serial "$SERIAL" --label shared \
        --other "$PORT/key:5/changed-on-$PORT"
    stop_vm
fi

# Group 2: pool mode, 4 instances behind 11211.
if boot_ns pool "memcached:udp:$PORT:4:pool" pool-mode; then
    in_ns timeout 60 $PY $T pool --host "$GUEST" --port "$PORT"
    stop_vm
fi

# Group 3: one instance per client, 8 pre-forked, reset after 1 s idle.
if boot_ns perclient "memcached:udp:$PORT:8:perclient idle=1000" perclient-isolation perclient-idle-reset \
        crash-perclient; then
    in_ns timeout 60 $PY $T perclient --host "$GUEST" --port "$PORT" --idle-ms 1000
    in_ns timeout 60 $PY $T crash --host "$GUEST" --port "$PORT" --serial "$SERIAL" --label perclient --sport 40123
    stop_vm
fi
exit 0
