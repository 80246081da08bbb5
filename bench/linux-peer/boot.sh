#!/bin/sh
# Boots the Linux peer guest of the isolation benchmark in the QEMU shape
# EdgeOS uses (microvm, TCG, 2 CPUs, 2 GiB, virtio-net on virtio-mmio bus 23).
#
#   bench/linux-peer/boot.sh CASE --port HOSTPORT_A [--flood-port HOSTPORT_B] [--timeout S]
#                            [--append "KERNEL ARGS"] [--smp N] [--qemu-arg ARG]...
#   bench/linux-peer/boot.sh CASE --tap IFACE [--ip A.B.C.D/NN] [--gw A.B.C.D] [--timeout S]
#                            [--append "KERNEL ARGS"] [--smp N] [--qemu-arg ARG]...
#   bench/linux-peer/boot.sh startup|icount [--timeout S] [--append "KERNEL ARGS"]
#                            [--smp N] [--qemu-arg ARG]...
#
# CASE: idle | spin20 | spin100 | forkbomb | flood | deploy:N | mc:N |
# startup | icount (see init.sh). startup and icount need no network from the
# host: without --port or --tap the NIC is on QEMU user networking with
# nothing forwarded. With --port (QEMU user networking), UDP 127.0.0.1:HOSTPORT_A on
# the host reaches tenant a's memcached (guest port 11211); --flood-port
# HOSTPORT_B reaches tenant b's memcached of the flood case (guest port
# 7007). With --tap the NIC is on the existing TAP device IFACE (as
# host/edgeos-run --tap does; run this script in the TAP's network
# namespace) and the guest takes the static address --ip (default
# 10.77.0.2/24) with the default route via --gw (default 10.77.0.1); no
# ports are forwarded. The guest's serial console is this script's
# standard output; build messages go to standard error.
#
# Stopping: the script ends by exec'ing QEMU (through `setpriv --pdeathsig
# KILL`; with --timeout through `timeout`, which then keeps this script's PID
# and is QEMU's parent), so killing this script's PID (any signal) or its
# process group stops QEMU. QEMU (and `timeout`) also get SIGKILL when the
# process that started this script exits. With --timeout S, QEMU is
# terminated after S seconds (exit status 124). --append adds kernel
# arguments, e.g. "peer.verbose=1" (kernel messages stay on the console).
# --smp N sets the vCPU count (default 2, the shape EdgeOS runs in);
# --qemu-arg ARG (repeatable) adds one word to QEMU's command line, e.g.
#   --smp 1 --qemu-arg -plugin --qemu-arg build/bench/icount.so,out=/tmp/x
# PEER_OUT=DIR boots the image that build.sh built into DIR (default
# build/peer).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${PEER_OUT:-$ROOT/build/peer}

usage() {
    echo "usage: $0 CASE --port HOSTPORT_A [--flood-port HOSTPORT_B] [--timeout S] [--append ARGS]" >&2
    echo "       $0 CASE --tap IFACE [--ip A.B.C.D/NN] [--gw A.B.C.D] [--timeout S] [--append ARGS]" >&2
    echo "       $0 startup|icount [--timeout S] [--append ARGS]" >&2
    echo "       any form: [--smp N] [--qemu-arg ARG]..." >&2
    exit 2
}

# One shell word, single-quoted, for eval.
quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

[ $# -ge 1 ] || usage
CASE=$1
shift
PORT_A=
PORT_B=
TIMEOUT=
APPEND=
TAP=
SMP=2
QEMU_EXTRA=
IP=10.77.0.2/24
GW=10.77.0.1
while [ $# -gt 0 ]; do
    case "$1" in
        --port) [ $# -ge 2 ] || usage; PORT_A=$2; shift 2 ;;
        --flood-port) [ $# -ge 2 ] || usage; PORT_B=$2; shift 2 ;;
        --timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
        --append) [ $# -ge 2 ] || usage; APPEND=" $2"; shift 2 ;;
        --tap) [ $# -ge 2 ] || usage; TAP=$2; shift 2 ;;
        --ip) [ $# -ge 2 ] || usage; IP=$2; shift 2 ;;
        --gw) [ $# -ge 2 ] || usage; GW=$2; shift 2 ;;
        --smp) [ $# -ge 2 ] || usage; SMP=$2; shift 2 ;;
        --qemu-arg) [ $# -ge 2 ] || usage; QEMU_EXTRA="$QEMU_EXTRA $(quote "$2")"; shift 2 ;;
        *) usage ;;
    esac
done
if [ -n "$TAP" ]; then
    # the guest is reached at its own address; nothing to forward
    [ -z "$PORT_A$PORT_B" ] || { echo "$0: --port/--flood-port are for user networking, not --tap" >&2; exit 2; }
    case "$IP" in */*) ;; *) echo "$0: --ip needs a prefix length (A.B.C.D/NN)" >&2; exit 2 ;; esac
else
    case "$CASE" in startup|icount) ;; *) [ -n "$PORT_A" ] || usage ;; esac
fi
case "$CASE" in
    idle|spin20|spin100|forkbomb|flood|startup|icount) ;;
    deploy:[0-9]*|mc:[0-9]*) ;;
    *) echo "$0: unknown case $CASE" >&2; exit 2 ;;
esac
case "$SMP" in ''|*[!0-9]*|0) echo "$0: bad --smp $SMP" >&2; exit 2 ;; esac

"$HERE/build.sh" >&2 || { echo "$0: build failed" >&2; exit 1; }

# Under TCG the guest's TSC counts at the host's TSC rate: measure it here
# (the host clock is precise) and hand it to the guest, both to init
# (peer.tsc_hz, for its measurements) and to the kernel (tsc_early_khz).
# Without tsc_early_khz, boots with "quiet" hung early here (four of five)
# with CPU 0 spinning in calibrate_delay(), waiting for PIT timer ticks that
# did not come; given the TSC rate, the kernel skips that loop.
HZ=$("$OUT/bin/probe" tsc-hz 200) || HZ=
case "$HZ" in ''|*[!0-9]*) echo "$0: cannot measure the host's TSC rate (probe tsc-hz)" >&2; exit 1 ;; esac
KHZ=$(( (HZ + 500) / 1000 ))

if [ -n "$TAP" ]; then
    NETDEV="tap,id=n0,ifname=$TAP,script=no,downscript=no"
    NETARGS=" peer.ip=$IP peer.gw=$GW"
else
    NETDEV="user,id=n0"
    [ -z "$PORT_A" ] || NETDEV="$NETDEV,hostfwd=udp:127.0.0.1:$PORT_A-:11211"
    [ -z "$PORT_B" ] || NETDEV="$NETDEV,hostfwd=udp:127.0.0.1:$PORT_B-:7007"
    NETARGS=
fi

set -- qemu-system-x86_64 \
    -M microvm,pit=on,rtc=on -accel tcg -cpu max -smp "$SMP" -m 2G \
    -nodefaults -no-user-config -display none -serial stdio \
    -kernel "$OUT/vmlinuz" -initrd "$OUT/initramfs.gz" \
    -append "console=ttyS0 quiet tsc_early_khz=$KHZ peer.case=$CASE peer.tsc_hz=$HZ$NETARGS$APPEND" \
    -netdev "$NETDEV" \
    -device virtio-net-device,netdev=n0,mac=52:54:00:12:34:56,bus=virtio-mmio-bus.23 \
    -global virtio-mmio.force-legacy=false
eval "set -- \"\$@\" $QEMU_EXTRA"

# The guest reads nothing; a background job reading the terminal would stop.
exec < /dev/null
if [ -n "$TIMEOUT" ]; then
    exec setpriv --pdeathsig KILL timeout --foreground -k 5 "$TIMEOUT" setpriv --pdeathsig KILL "$@"
fi
exec setpriv --pdeathsig KILL "$@"
