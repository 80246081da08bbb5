#!/bin/bash
# The Linux guest peer (bench/linux-peer): its image builds from a clean
# output directory with the start-up and instruction-count programs in it,
# the "startup" case prints well-formed start-up rows, and the "icount" case
# names every marker id (with QEMU's instruction-count plugin too, when it is
# built). Everything is built into a temporary directory (PEER_OUT), so
# build/peer is not touched. Run from the repository root; about 1-2 min
# under TCG.
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d /tmp/edgeos-peer-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
export PEER_OUT=$T/peer
PLUGIN=build/bench/icount.so

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }
# one line, printable
short() { tr -d '\r' | tail -n "${1:-3}" | tr '\n' ' ' | cut -c1-300; }

# --- the image, from a clean output directory ------------------------------
# The kernel package another build already downloaded is reused, so that the
# test needs no network; otherwise build.sh fetches it with apt.
deb=$(ls build/peer/deb/linux-image-*.deb 2>/dev/null | sort -V | tail -n 1)
[ -n "$deb" ] && export PEER_KERNEL_DEB=$PWD/$deb
if ! bench/linux-peer/build.sh >"$T/build.log" 2>&1; then
    fail peer-build "build.sh failed: $(short <"$T/build.log")"
    exit 1
fi
list=$(zcat "$PEER_OUT/initramfs.gz" 2>/dev/null | cpio -t --quiet 2>/dev/null)
missing=
for f in vmlinuz initramfs.gz; do [ -s "$PEER_OUT/$f" ] || missing="$missing $f"; done
for f in init bin/busybox usr/bin/memcached bin/probe bin/startup-peers bin/startup-true bin/icount_peers; do
    grep -qx "$f" <<<"$list" || missing="$missing initramfs:$f"
done
dynamic=
for p in startup-peers startup-true icount_peers; do
    readelf -l "$PEER_OUT/bin/$p" 2>/dev/null | grep -q INTERP && dynamic="$dynamic $p"
done
if [ -n "$missing" ]; then
    fail peer-build "missing:$missing"
elif [ -n "$dynamic" ]; then
    fail peer-build "not static:$dynamic"
elif ! objdump -d "$PEER_OUT/bin/icount_peers" | grep -Eq '0f 1f 80 6[5-8] 00 c1 e1'; then
    fail peer-build "icount_peers holds no start marker for ids 101-104"
else
    pass peer-build
fi

# Nothing changed: the input checksum keeps the image as it is.
if bench/linux-peer/build.sh >"$T/build2.log" 2>&1 && grep -q 'up to date' "$T/build2.log" &&
   ! grep -q 'compiling\|packing' "$T/build2.log"; then
    pass peer-build-up-to-date
else
    fail peer-build-up-to-date "second build.sh run: $(short <"$T/build2.log")"
fi

# --- boot.sh refuses what it cannot run --------------------------------------
bench/linux-peer/boot.sh startup --smp 0 >/dev/null 2>&1; r1=$?
bench/linux-peer/boot.sh nosuchcase >/dev/null 2>&1; r2=$?
bench/linux-peer/boot.sh idle >/dev/null 2>&1; r3=$?   # idle needs --port or --tap
if [ $r1 = 2 ] && [ $r2 = 2 ] && [ $r3 = 2 ]; then
    pass peer-boot-args
else
    fail peer-boot-args "status $r1 (--smp 0), $r2 (unknown case), $r3 (idle without network), expected 2"
fi

# --- startup: a short run in the guest writes well-formed rows ---------------
ITER=20
bench/linux-peer/startup.sh --iterations $ITER --csv "$T/startup.csv" --log "$T/startup.log" --timeout 240 \
    >"$T/startup.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    fail peer-startup "startup.sh status $rc: $(short 4 <"$T/startup.out")"
elif why=$(python3 - "$T/startup.csv" "$T/startup.log" $ITER 2>&1 <<'PY'
import csv, re, sys
path, log, iters = sys.argv[1], sys.argv[2], int(sys.argv[3])
header = ["name", "iterations", "median_ns", "p90_ns", "p99_ns", "min_ns", "max_ns", "median_cycles"]
expected = ["linux_fork_exec", "linux_posix_spawn", "linux_vfork_exec", "linux_fork", "linux_pthread_create"]
rows = list(csv.reader(open(path, newline="")))
if not rows or rows[0] != header:
    sys.exit("header %r" % (rows[0] if rows else None))
if [r[0] for r in rows[1:]] != expected:
    sys.exit("rows %s, expected %s" % ([r[0] for r in rows[1:]], expected))
m = re.search(r"^PEER TSC hz=([0-9]+)", open(log).read(), re.M)
if not m:
    sys.exit("no PEER TSC line on the console")
hz = int(m.group(1))
for r in rows[1:]:
    if len(r) != len(header):
        sys.exit("%s: %d fields" % (r[0], len(r)))
    try:
        n, med, p90, p99, mn, mx, cyc = (int(x) for x in r[1:])
    except ValueError:
        sys.exit("%s: a field is not an integer: %r" % (r[0], r))
    if n != iters:
        sys.exit("%s: %d iterations, expected %d" % (r[0], n, iters))
    if not (0 < mn <= med <= p90 <= p99 <= mx):
        sys.exit("%s: not 0 < min <= median <= p90 <= p99 <= max: %r" % (r[0], r[1:]))
    # TSC mode: nanoseconds are the cycles at the TSC rate passed to the guest
    if abs(cyc * 1e9 / hz - med) > 1 + 1e-6 * med:
        sys.exit("%s: median %d ns is not %d cycles at %d Hz" % (r[0], med, cyc, hz))
PY
); then
    pass peer-startup
else
    fail peer-startup "$why"
fi

# --- icount: every operation named, then DONE --------------------------------
# check_icount LOG: the four name lines, K marked runs of each, DONE, no error
K=3
check_icount() {
    local log=$1 want id name
    for want in 101,linux_fork_exec 102,linux_posix_spawn 103,linux_memcached_request_udp \
                104,linux_memcached_request_tcp; do
        grep -qx "icount-name,$want" "$log" || { echo "no line icount-name,$want"; return 1; }
        grep -qx "icount-ok,${want%%,*},$K" "$log" || { echo "no line icount-ok,${want%%,*},$K"; return 1; }
    done
    [ "$(grep -c '^icount-name,' "$log")" = 4 ] || { echo "$(grep -c '^icount-name,' "$log") name lines, expected 4"; return 1; }
    grep -q '^PEER ERROR' "$log" && { grep -m1 '^PEER ERROR' "$log"; return 1; }
    grep -qx 'PEER ICOUNT-DONE' "$log" || { echo "no PEER ICOUNT-DONE"; return 1; }
    [ "$(grep -n 'PEER ICOUNT-DONE' "$log" | cut -d: -f1)" -gt "$(grep -n '^icount-ok,104' "$log" | cut -d: -f1)" ] ||
        { echo "PEER ICOUNT-DONE before the last operation"; return 1; }
    return 0
}
bench/linux-peer/boot.sh icount --smp 1 --timeout 180 --append "peer.icount_k=$K peer.poweroff=1" 2>&1 |
    tr -d '\r' >"$T/icount.log"
if why=$(check_icount "$T/icount.log"); then
    pass peer-icount
else
    fail peer-icount "$why; console: $(short 3 <"$T/icount.log")"
fi

# With the instruction-count plugin (bench/icount), passed through --qemu-arg:
# K counts per id, each a positive number.
if ! [ -f "$PLUGIN" ]; then
    skip peer-icount-plugin "$PLUGIN not built (make $PLUGIN)"
else
    bench/linux-peer/boot.sh icount --smp 1 --timeout 300 --qemu-arg -plugin --qemu-arg "$PLUGIN,out=$T/icount.out" \
        --append "peer.icount_k=$K peer.poweroff=1" 2>&1 | tr -d '\r' >"$T/icount2.log"
    if ! why=$(check_icount "$T/icount2.log"); then
        fail peer-icount-plugin "$why; console: $(short 3 <"$T/icount2.log")"
    elif ! [ -s "$T/icount.out" ]; then
        fail peer-icount-plugin "the plugin wrote nothing to its out= file"
    elif why=$(python3 - "$T/icount.out" $K 2>&1 <<'PY'
import sys
k = int(sys.argv[2])
counts = {}
for line in open(sys.argv[1]):
    f = line.strip().split(",")
    if len(f) == 3 and f[0] == "icount":
        counts.setdefault(int(f[1]), []).append(int(f[2]))
for i in (101, 102, 103, 104):
    c = counts.get(i, [])
    if len(c) != k or min(c) <= 0:
        sys.exit("id %d: counts %r, expected %d positive ones" % (i, c, k))
PY
    ); then
        pass peer-icount-plugin
    else
        fail peer-icount-plugin "$why"
    fi
fi
exit 0
