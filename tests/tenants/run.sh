#!/bin/bash
# Tenant suite: boots EdgeOS with its control plane (ctl, nic, built-in
# memcached and echo images) behind host/edgeos-run --ctl-socket and QEMU
# user networking, then drives it from the host with edgeosctl's protocol:
# tenants, deploy/scale/undeploy/delete cycles with every frame returned
# (TENANT_CYCLES, default 1000, in the long test), quotas at deploy, fork
# and malloc, namespaces, malformed manifests/commands/ELFs/uploads, a
# client that disconnects mid-upload, CPU budgets, apply and its rollback,
# NF chains deployed with --nf and nf= (and one bound at boot, nf=p/kv:nfb).
# Suite protocol: see tests/run-all.sh.
cd "$(dirname "$0")/../.." || exit 1
TMP=$(mktemp -d /tmp/edgeos-tenants.XXXXXX)
SOCK=$TMP/ctl.sock
SERIAL=$TMP/serial
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
VM_PID=
. host/guest-lib.sh
cleanup() { stop_vm; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

TESTS="ping default-tenant-serves cycle-frames cycles-long quota-deploy quota-fork quota-malloc namespace
apply-idempotent apply-rollback bad-manifests bad-commands bad-elf oversized-upload disconnect-mid-upload
cpu-isolation budget-set-later reply-flood device-windows nf-deploy-1 nf-deploy-3 nf-memory-charged nf-bad-config
nf-manifest nf-boot-binding"
for p in build/user/ctl.elf build/user/nic.elf build/user/memcached.elf build/user/echo.elf build/kernel/edgeos.bin; do
    if [ ! -f "$p" ]; then
        for t in $TESTS; do echo "FAIL tenants-$t: $p not built"; done
        exit 0
    fi
done

# Guest UDP ports the tests use, each forwarded from a free host port.
GPORTS="11211 11300 11310 11320 11330 11340 11350 11360 11370 11380 11390"
FWD=
PORTS=
for gp in $GPORTS; do
    hp=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    FWD="$FWD${FWD:+,}hostfwd=udp:127.0.0.1:$hp-:$gp"
    PORTS="$PORTS${PORTS:+,}$gp:$hp"
done
setsid host/edgeos-run --smp 2 --mem 2G --timeout 1500 --ctl-socket "$SOCK" --user-net "$FWD" --append halt=never \
    "build/user/ctl.elf @root @mem=192M" "build/user/nic.elf @root nf=p/kv:nfb" \
    "build/user/clicknf.elf @name=nfb @mem=4M -e FromDevice(in)->c::Counter->ToDevice(out)" \
    "build/user/memcached.elf @image=memcached" "build/user/echo.elf @image=echo" \
    "build/user/clicknf.elf @image=clicknf" >"$SERIAL" 2>&1 &
VM_PID=$!
if ! timeout 60 host/edgeosctl --socket "$SOCK" --wait 50 ping >/dev/null 2>&1; then
    for t in $TESTS; do echo "FAIL tenants-$t: the control plane did not answer within 60 s"; done
    tail -n 20 "$SERIAL" | sed 's/^/  | /'
    exit 0
fi
$PY tests/tenants/tenanttests.py --socket "$SOCK" --ports "$PORTS" --serial "$SERIAL" --tmp "$TMP" \
    --cycles "${TENANT_CYCLES:-1000}" | tee "$TMP/results"
# Every test printed a result, and the kernel never panicked.
for t in $TESTS; do
    grep -qE "^(PASS|FAIL) tenants-$t(:|$)" "$TMP/results" || echo "FAIL tenants-$t: no result (the driver stopped)"
done
if grep -q "PANIC" "$SERIAL"; then
    echo "FAIL tenants-no-panic: kernel panic"
    grep -A 12 "PANIC\|kernel fault" "$SERIAL" | head -30 | sed 's/^/  | /'
else
    echo "PASS tenants-no-panic"
fi
if grep -q "^FAIL" "$TMP/results"; then
    echo "  --- serial (last 25 lines)"
    tail -n 25 "$SERIAL" | sed 's/^/  | /'
fi
exit 0
