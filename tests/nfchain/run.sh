#!/bin/bash
# nfchain suite: NF chains in front of services in the nic (docs/net.md,
# "NF chains"). One guest on a TAP device in a network namespace runs
# memcached three times: on 11211 behind one NF (a Counter), on 11212
# behind three (Counter -> the make-run firewall -> Counter), on 11213 with
# none, and a second memcached template (mcb) on 11214 whose chain is
# bound with the nic's nf=mcb:nfc argument. The client (tests/nfchain/nfchain.py, run in the namespace) checks
# UDP and TCP through both chains, the firewall's drops and counters, the
# replacement of an NF that crashes, and the service without NFs.
# Suite protocol: tests/run-all.sh.
#   NFCHAIN_BOOT_TIMEOUT=120  seconds the guest may take to answer
#   NFCHAIN_NF=build/user/clicknf.elf  the NF program
cd "$(dirname "$0")/../.." || exit 1
NS=edgeos-nfc-$$
TMP=$(mktemp -d /tmp/edgeos-nfchain.XXXXXX)
BOOT_TIMEOUT=${NFCHAIN_BOOT_TIMEOUT:-120}
GUEST=10.77.0.2
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
U=build/user
NF=${NFCHAIN_NF:-$U/clicknf.elf}
VM_PID=
NS_MADE=0
TESTS="nf1-udp nf1-tcp nf3-udp nf3-tcp nonf-udp nonf-tcp fw-blocked-source fw-blocked-port fw-allowed-passes
fw-counted nf-crash-restarted nonf-unaffected boot-binding"
. host/guest-lib.sh     # stop_vm
cleanup() {
    stop_vm
    [ "$NS_MADE" = 1 ] && host/netns.sh down "$NS"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail_all() { for t in $TESTS; do echo "FAIL $t: $1"; done; }
if [ ! -f $U/nic.elf ] || [ ! -f "$NF" ] || [ ! -f $U/memcached.elf ]; then
    fail_all "not built (make all)"
    exit 0
fi
if ! why=$(host/netns.sh check 2>&1); then
    for t in $TESTS; do echo "SKIP $t: ${why#netns.sh: }"; done
    exit 0
fi
host/netns.sh up "$NS" || { fail_all "host/netns.sh up failed"; exit 0; }
NS_MADE=1
# a second address in the firewall's blocked range, for the blocked-source test
ip -n "$NS" addr add 192.0.2.7/32 dev tap0
# The firewall of `make run` (host/edgeos-system): drops sources in
# 192.0.2.0/24 and UDP from source port 11211, passes the rest. (Written
# without spaces around -> : a boot module has at most 32 words.)
FW='FromDevice(in)->Classifier(12/0800)->Strip(14)->CheckIPHeader->src::IPFilter(allow not src net 192.0.2.0/24)->port::IPFilter(allow not udp src port 11211)->Unstrip(14)->passed::Counter->ToDevice(out)'
CNT='FromDevice(in) -> c :: Counter -> ToDevice(out)'
SERIAL=$TMP/serial
setsid ip netns exec "$NS" host/edgeos-run --mem 1G --smp 2 --timeout 200 --tap tap0 \
    "$U/memcached.elf @name=memcached @mem=4M" "$U/memcached.elf @name=mcb @mem=4M" \
    "$NF @name=nfc @mem=4M --allow-fault -e $CNT" \
    "$NF @name=nffw @mem=4M -e $FW" \
    "$U/nic.elf @root ip=$GUEST gw=10.77.0.1 nf_fault=1 svc=memcached:tcp+udp:11211:1:shared:nf=nfc svc=memcached:tcp+udp:11212:1:shared:nf=nfc+nffw+nfc svc=memcached:tcp+udp:11213:1:shared svc=mcb:udp:11214:1:shared nf=mcb:nfc" \
    >"$SERIAL" 2>"$TMP/launcher" &
VM_PID=$!
if ! ip netns exec "$NS" timeout $((BOOT_TIMEOUT + 10)) $PY tests/nfchain/nfchain.py wait --host $GUEST \
        --port 11213 --boot-timeout "$BOOT_TIMEOUT" --vm-pid "$VM_PID"; then
    fail_all "the guest did not answer memcached within ${BOOT_TIMEOUT} s"
    tail -n 20 "$SERIAL" | sed 's/^/  | /'
    exit 0
fi
ip netns exec "$NS" timeout 150 $PY tests/nfchain/nfchain.py chains --host $GUEST --serial "$SERIAL"
grep -E '^nic: nf ' "$SERIAL" | tail -n 4 | sed 's/^/  | /'
if grep -q PANIC "$SERIAL"; then echo "FAIL nfchain-no-panic: kernel panic"; else echo "PASS nfchain-no-panic"; fi
exit 0
