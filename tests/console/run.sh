#!/bin/bash
# Console test suite: boots EdgeOS with a virtio console whose host end is a
# Unix socket and tests/boot/progs/console_echo.c (user/lib/virtio_console.c)
# in the guest; tests/console/echo_client.py talks to it: a short line, 2 MiB
# of pseudo-random bytes both ways at once, then a line "quit" that ends the
# program with status 0 and a summary line on the serial console.
#   1. the console alone (bus 15: a page of its own; registers mapped);
#   2. next to a virtio-net device in the same 4 KiB page (buses 22 and 23):
#      the kernel may refuse to map that page (-EXDEV); the driver then
#      reaches the registers through system calls. The summary line says
#      which way was used.
# Suite protocol: see tests/run-all.sh.
cd "$(dirname "$0")/../.." || exit 1
TMP=$(mktemp -d /tmp/edgeos-console.XXXXXX)
PROG=build/user/test/console_echo.elf
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
VM_PID=
cleanup() {
    [ -n "$VM_PID" ] && kill "$VM_PID" 2>/dev/null && wait "$VM_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

show_log() {
    echo "  --- $1: serial (last 15 lines)"
    tail -n 15 "$TMP/$1.log" | sed 's/^/  | /'
}

# console NAME BUS BYTES [launcher options...]: one boot and its checks
console() {
    local name=$1 bus=$2 bytes=$3
    shift 3
    local sock=$TMP/$name.sock log=$TMP/$name.log
    host/edgeos-run --timeout 40 "$@" --net=-global --net=virtio-mmio.force-legacy=false \
        --net=-device --net="virtio-serial-device,bus=virtio-mmio-bus.$bus,max_ports=1" \
        --net=-chardev --net="socket,id=c0,path=$sock,server=on,wait=off" \
        --net=-device --net=virtconsole,chardev=c0 \
        "$PROG @root" >"$log" 2>&1 &
    VM_PID=$!
    local ok=1
    $PY tests/console/echo_client.py "$sock" --bytes "$bytes" --prefix "$name" --timeout 15 || ok=0
    # The guest ends by itself after the line "quit"; give it 10 s.
    for _ in $(seq 100); do kill -0 "$VM_PID" 2>/dev/null || break; sleep 0.1; done
    kill "$VM_PID" 2>/dev/null
    wait "$VM_PID"
    local rc=$?
    VM_PID=
    local summary
    summary=$(grep -m1 '^console_echo: echoed' "$log")
    if [ "$rc" != 0 ]; then
        echo "FAIL $name.exit: guest exit status $rc, expected 0"; ok=0
    elif [ -z "$summary" ]; then
        echo "FAIL $name.exit: no summary line in the serial log"; ok=0
    else
        echo "PASS $name.exit"
        echo "  $summary"
    fi
    [ $ok = 1 ] || show_log "$name"
}

if [ ! -f "$PROG" ]; then
    echo "FAIL console: $PROG not built (make all)"
    exit 0
fi
start=$(date +%s)
console console 15 $((2 << 20))
console shared-page 22 $((2 << 20)) --user-net ""
grep '^dev: virtio device .* at ' "$TMP/shared-page.log" | sed 's/^/  shared-page: /'
if grep -q '^console_echo: echoed .* registers mapped' "$TMP/shared-page.log"; then
    echo "  shared-page: the kernel mapped the shared page: registers mapped, the system-call path was not used"
fi
echo "  console suite took $(( $(date +%s) - start )) s"
exit 0
