#!/bin/bash
# Start-up benchmark, Linux peer half: checks that build/bench/startup-peers
# measures every row and writes a well-formed CSV (also in TSC mode,
# --tsc-hz), that compare.py computes the right ratios from two inputs and
# from three (--linux-guest), and that the OCI bundle it builds runs under
# runc with the program's exit status propagated. Run from the repository
# root.
cd "$(dirname "$0")/../.." || exit 1
PEERS=build/bench/startup-peers
TRUE=build/bench/startup-true
COMPARE=bench/startup/compare.py
T=$(mktemp -d /tmp/edgeos-startup-test.XXXXXX)
trap 'rm -rf "$T"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# --- build ---------------------------------------------------------------
if [ ! -x "$PEERS" ] || [ ! -x "$TRUE" ]; then
    make -s --no-print-directory "$PEERS" "$TRUE" >"$T/make.log" 2>&1
fi
if [ -x "$PEERS" ] && [ -x "$TRUE" ]; then
    pass startup-build
else
    fail startup-build "$PEERS or $TRUE missing ($(tail -n 1 "$T/make.log" 2>/dev/null))"
    exit 1
fi

# --- startup-true is a static program that exits 0 ------------------------
if readelf -l "$TRUE" 2>/dev/null | grep -q INTERP; then
    fail startup-true-static "$TRUE has a program interpreter (not static)"
elif ! readelf -h "$TRUE" >/dev/null 2>&1; then
    fail startup-true-static "$TRUE is not an ELF file"
elif ! env -i "$TRUE"; then
    fail startup-true-static "$TRUE exited with status $?"
else
    pass startup-true-static
fi

# --- a short run of every row writes a well-formed CSV --------------------
runc_ok=1
if [ "$(id -u)" != 0 ]; then runc_ok=0; runc_why="not root"; fi
if ! command -v runc >/dev/null 2>&1 && [ ! -x /usr/sbin/runc ]; then runc_ok=0; runc_why="runc not installed"; fi

"$PEERS" --iterations 30 --runc-iterations 3 --csv "$T/peers.csv" >"$T/peers.out" 2>"$T/peers.err"
rc=$?
if [ $rc -ne 0 ]; then
    fail startup-peers-run "exit status $rc: $(tail -n 2 "$T/peers.err" | tr '\n' ' ')"
else
    pass startup-peers-run
fi

check_csv() { # file, expected rows (comma list), iterations, runc iterations, runc must be measured
    python3 - "$@" <<'PY'
import csv, sys
path, expected, iters, runc_iters, runc_required = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
want_header = ["name", "iterations", "median_ns", "p90_ns", "p99_ns", "min_ns", "max_ns", "median_cycles"]
with open(path, newline="") as f:
    rows = list(csv.reader(f))
if not rows or rows[0] != want_header:
    sys.exit("header is %r" % (rows[0] if rows else None))
names = [r[0] for r in rows[1:]]
if names != expected:
    sys.exit("rows %s, expected %s" % (names, expected))
for r in rows[1:]:
    if len(r) != 8:
        sys.exit("%s: %d fields" % (r[0], len(r)))
    if r[0] == "runc_run" and r[1] == "0":
        if runc_required:
            sys.exit("runc_run not measured although runc should work here")
        if any(r[2:]):
            sys.exit("unmeasured runc_run row has figures: %r" % r)
        continue
    try:
        n, med, p90, p99, mn, mx, cyc = (int(x) for x in r[1:])
    except ValueError:
        sys.exit("%s: non-integer field in %r" % (r[0], r))
    want = runc_iters if r[0] == "runc_run" else iters
    if n != want:
        sys.exit("%s: %d iterations, expected %d" % (r[0], n, want))
    if not (0 < mn <= med <= p90 <= p99 <= mx):
        sys.exit("%s: percentiles out of order or not positive: min %d median %d p90 %d p99 %d max %d"
                 % (r[0], mn, med, p90, p99, mx))
    if cyc <= 0:
        sys.exit("%s: median_cycles %d" % (r[0], cyc))
PY
}
all_rows=linux_fork_exec,linux_posix_spawn,linux_vfork_exec,linux_fork,linux_pthread_create,runc_run
if [ ! -s "$T/peers.csv" ]; then
    fail startup-peers-csv "no CSV written"
elif why=$(check_csv "$T/peers.csv" "$all_rows" 30 3 "$runc_ok" 2>&1); then
    pass startup-peers-csv
else
    fail startup-peers-csv "$why"
fi

# Cycles and nanoseconds come from the same iterations, so the median's
# cycles/ns must match the calibrated TSC frequency (within 15%).
why=$(python3 - "$T/peers.csv" "$T/peers.out" 2>&1 <<'PY'
import csv, re, sys
out = open(sys.argv[2]).read()
m = re.search(r"TSC ([0-9.]+) MHz", out)
if not m:
    sys.exit("no TSC frequency line in the output")
ghz = float(m.group(1)) / 1000
if not 0.2 < ghz < 10:
    sys.exit("implausible TSC frequency %.3f GHz" % ghz)
for r in csv.DictReader(open(sys.argv[1])):
    if r["iterations"] == "0" or int(r["median_ns"]) < 100000:
        continue  # short rows: the two clocks' read-out order matters too much
    ratio = int(r["median_cycles"]) / int(r["median_ns"])
    if abs(ratio / ghz - 1) > 0.15:
        sys.exit("%s: median %s cycles / %s ns = %.3f, TSC %.3f GHz" % (r["name"], r["median_cycles"], r["median_ns"], ratio, ghz))
PY
) && pass startup-peers-tsc || fail startup-peers-tsc "${why:-checker failed}"

# Human-readable table: both unit blocks, one line per row in each.
if [ "$(grep -cE '^(linux_|runc_run)' "$T/peers.out")" -eq 12 ] && grep -q 'TSC cycles' "$T/peers.out"; then
    pass startup-peers-table
else
    fail startup-peers-table "expected 12 row lines (ns and cycles blocks) in the table"
fi

# --- --only selects rows; unknown names are refused -----------------------
"$PEERS" --only linux_pthread_create,linux_fork --iterations 5 --csv "$T/only.csv" >/dev/null 2>&1
rc=$?
"$PEERS" --only no_such_row --iterations 5 >/dev/null 2>&1
bad=$?
if [ $rc -ne 0 ]; then
    fail startup-peers-only "exit status $rc"
elif ! why=$(check_csv "$T/only.csv" linux_fork,linux_pthread_create 5 5 0 2>&1); then
    fail startup-peers-only "$why"
elif [ $bad -ne 2 ]; then
    fail startup-peers-only "unknown row name accepted (status $bad)"
else
    pass startup-peers-only
fi

# --- compare.py: ratios from crafted CSVs ---------------------------------
cat >"$T/p.csv" <<'CSV'
name,iterations,median_ns,p90_ns,p99_ns,min_ns,max_ns,median_cycles
linux_fork_exec,100,255000,300000,400000,200000,900000,662000
linux_posix_spawn,100,120000,150000,200000,100000,300000,311000
runc_run,0,,,,,,
CSV
cat >"$T/e.csv" <<'CSV'
# EdgeOS half (comment lines are ignored)
name,iterations,median_ns,p90_ns,p99_ns,min_ns,max_ns,median_cycles
fwp_fork_16k,1000,1500,1700,2100,1400,5000,3900
fwp_reset,1000,400,450,600,380,2000,1040
CSV
out=$(python3 "$COMPARE" "$T/p.csv" "$T/e.csv" --ratios-csv "$T/r.csv" --pair linux_fork_exec:fwp_fork_16k \
    --pair linux_posix_spawn:fwp_reset --pair runc_run:fwp_fork_16k --pair linux_vfork_exec:fwp_fork_16k \
    --pair linux_fork_exec:fwp_missing 2>&1)
rc=$?
why=$(python3 - "$T/r.csv" 2>&1 <<'PY'
import csv, sys
got = {(r["peer"], r["edgeos"]): r for r in csv.DictReader(open(sys.argv[1]))}
want = {("linux_fork_exec", "fwp_fork_16k"): 170.0, ("linux_posix_spawn", "fwp_reset"): 300.0,
        ("runc_run", "fwp_fork_16k"): None, ("linux_vfork_exec", "fwp_fork_16k"): None,
        ("linux_fork_exec", "fwp_missing"): None}
if set(got) != set(want):
    sys.exit("pairs %s" % sorted(got))
for k, v in want.items():
    r = got[k]["ratio"]
    if v is None:
        if r != "":
            sys.exit("%s: ratio %r for a pair with a missing figure" % (k, r))
    elif abs(float(r) - v) > 1e-6 * v:
        sys.exit("%s: ratio %s, expected %s" % (k, r, v))
PY
)
if [ $rc -ne 0 ]; then
    fail startup-compare-ratios "compare.py exit status $rc: $out"
elif [ -n "$why" ]; then
    fail startup-compare-ratios "$why"
elif ! grep -qE '^linux_fork_exec +fwp_fork_16k +255000 +1500 +170x$' <<<"$out"; then
    fail startup-compare-ratios "table line for linux_fork_exec vs fwp_fork_16k is not 170x"
elif ! grep -q 'n/a (peer row runc_run not measured)' <<<"$out" ||
     ! grep -q 'n/a (no peer row linux_vfork_exec)' <<<"$out" ||
     ! grep -q 'n/a (no EdgeOS row fwp_missing)' <<<"$out"; then
    fail startup-compare-ratios "missing rows not reported as n/a"
else
    pass startup-compare-ratios
fi

# Default pairs (every peer row vs fwp_fork_16k); a missing EdgeOS file still
# prints the peers, and --strict turns missing figures into exit status 1.
out=$(python3 "$COMPARE" "$T/p.csv" "$T/e.csv" 2>&1); rc1=$?
python3 "$COMPARE" "$T/p.csv" "$T/nonexistent.csv" >"$T/c2.out" 2>&1; rc2=$?
python3 "$COMPARE" "$T/p.csv" "$T/e.csv" --strict >/dev/null 2>&1; rc3=$?
if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then
    fail startup-compare-missing "exit status $rc1/$rc2 without --strict"
elif ! grep -qE '^linux_posix_spawn +fwp_fork_16k +120000 +1500 +80.0x$' <<<"$out"; then
    fail startup-compare-missing "default pair linux_posix_spawn vs fwp_fork_16k not 80.0x"
elif ! grep -q 'linux_fork_exec' "$T/c2.out" || ! grep -q 'no EdgeOS row fwp_fork_16k' "$T/c2.out"; then
    fail startup-compare-missing "missing EdgeOS CSV not reported"
elif [ $rc3 -ne 1 ]; then
    fail startup-compare-missing "--strict with an unmeasured row gave status $rc3"
else
    pass startup-compare-missing
fi

# --- TSC mode: --tsc-hz gives the rate, nanoseconds come from the TSC -------
"$PEERS" --tsc-hz 1000000000 --only linux_fork,linux_pthread_create --iterations 10 --csv "$T/tsc.csv" \
    >"$T/tsc.out" 2>&1
rc=$?
"$PEERS" --tsc-hz 12abc --iterations 5 >/dev/null 2>&1; bad=$?
if [ $rc -ne 0 ]; then
    fail startup-peers-tsc-mode "exit status $rc: $(tail -n 2 "$T/tsc.out" | tr '\n' ' ')"
elif ! grep -q 'TSC 1000.000 MHz (given with --tsc-hz' "$T/tsc.out"; then
    fail startup-peers-tsc-mode "the given TSC rate is not reported"
elif ! why=$(check_csv "$T/tsc.csv" linux_fork,linux_pthread_create 10 10 0 2>&1); then
    fail startup-peers-tsc-mode "$why"
elif ! why=$(python3 - "$T/tsc.csv" 2>&1 <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    # 1 GHz: one cycle is one nanosecond
    if r["median_ns"] != r["median_cycles"]:
        sys.exit("%s: median %s ns but %s cycles at 1 GHz" % (r["name"], r["median_ns"], r["median_cycles"]))
PY
); then
    fail startup-peers-tsc-mode "$why"
elif [ $bad -ne 2 ]; then
    fail startup-peers-tsc-mode "bad --tsc-hz accepted (status $bad)"
else
    pass startup-peers-tsc-mode
fi

# --- compare.py with the Linux guest as third input ---------------------------
cat >"$T/g.csv" <<'CSV'
name,iterations,median_ns,p90_ns,p99_ns,min_ns,max_ns,median_cycles
linux_fork_exec,100,3000000,3500000,4000000,2000000,9000000,6000000
linux_posix_spawn,100,,,,,,
linux_pthread_create,100,450000,500000,600000,400000,900000,900000
CSV
out=$(python3 "$COMPARE" "$T/p.csv" "$T/e.csv" --linux-guest "$T/g.csv" --edgeos-accel tcg \
    --ratios-csv "$T/r3.csv" 2>&1)
rc=$?
why=$(python3 - "$T/r3.csv" 2>&1 <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
want_cols = ["peer", "edgeos", "peer_median_ns", "edgeos_median_ns", "ratio", "guest_median_ns", "guest_ratio"]
if list(rows[0].keys()) != want_cols:
    sys.exit("columns %s" % list(rows[0].keys()))
got = {(r["peer"], r["edgeos"]): (r["ratio"], r["guest_ratio"]) for r in rows}
# default pairs: the native rows, then guest-only rows, each against fwp_fork_16k
want = {("linux_fork_exec", "fwp_fork_16k"): (170.0, 2000.0),
        ("linux_posix_spawn", "fwp_fork_16k"): (80.0, None),
        ("runc_run", "fwp_fork_16k"): (None, None),
        ("linux_pthread_create", "fwp_fork_16k"): (None, 300.0)}
if [(r["peer"], r["edgeos"]) for r in rows] != list(want):
    sys.exit("pairs %s" % [(r["peer"], r["edgeos"]) for r in rows])
for k, vals in want.items():
    for v, g in zip(vals, got[k]):
        if (v is None) != (g == "") or (v is not None and abs(float(g) - v) > 1e-6 * v):
            sys.exit("%s: ratios %s, expected %s" % (k, got[k], vals))
PY
)
if [ $rc -ne 0 ]; then
    fail startup-compare-three "compare.py exit status $rc: $out"
elif [ -n "$why" ]; then
    fail startup-compare-three "$why"
elif ! grep -q 'EdgeOS (QEMU tcg) *Linux guest (QEMU tcg) *Linux native (host) *guest/EdgeOS (main) *native/EdgeOS (ref)' <<<"$out"; then
    fail startup-compare-three "no header with the three labelled columns and both ratios"
elif ! grep -qE '^linux_fork_exec +fwp_fork_16k +1500 +3000000 +255000 +2000x +170x$' <<<"$out"; then
    fail startup-compare-three "linux_fork_exec line is not 1500 | 3000000 | 255000, 2000x, 170x"
elif ! grep -qE '^linux_posix_spawn +fwp_fork_16k .*n/a \(guest row linux_posix_spawn not measured\) +80.0x$' <<<"$out" ||
     ! grep -qE '^runc_run .*n/a \(no guest row runc_run\) +n/a \(native row runc_run not measured\)$' <<<"$out" ||
     ! grep -qE '^linux_pthread_create .*300x +n/a \(no native row linux_pthread_create\)$' <<<"$out"; then
    fail startup-compare-three "missing guest or native figures not reported as n/a"
elif ! grep -qE '^guest +linux_fork_exec +100 +3000000 ' <<<"$out"; then
    fail startup-compare-three "the guest's rows are not in the combined table"
else
    pass startup-compare-three
fi

# Three inputs: a missing guest CSV still prints EdgeOS and native; --strict
# counts a pair without a guest ratio; explicit pairs work as with two inputs.
python3 "$COMPARE" "$T/p.csv" "$T/e.csv" --linux-guest "$T/nonexistent.csv" >"$T/c3.out" 2>&1; rc1=$?
python3 "$COMPARE" "$T/p.csv" "$T/e.csv" --linux-guest "$T/g.csv" --strict >/dev/null 2>&1; rc2=$?
out=$(python3 "$COMPARE" "$T/p.csv" "$T/e.csv" --linux-guest "$T/g.csv" --pair linux_fork_exec:fwp_reset 2>&1); rc3=$?
if [ $rc1 -ne 0 ] || [ $rc3 -ne 0 ]; then
    fail startup-compare-three-missing "exit status $rc1/$rc3 without --strict"
elif ! grep -qE '^linux_fork_exec +fwp_fork_16k +1500 +- +255000 +n/a \(no guest row linux_fork_exec\) +170x$' "$T/c3.out" ||
     ! grep -q 'cannot read' "$T/c3.out"; then
    fail startup-compare-three-missing "missing guest CSV not reported: $(head -c 300 "$T/c3.out")"
elif [ $rc2 -ne 1 ]; then
    fail startup-compare-three-missing "--strict with unmeasured rows gave status $rc2"
elif ! grep -qE '^linux_fork_exec +fwp_reset +400 +3000000 +255000 +7500x +638x$' <<<"$out" ||
     [ "$(grep -c '^linux_' <<<"$out")" != 1 ]; then
    fail startup-compare-three-missing "--pair with three inputs: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
else
    pass startup-compare-three-missing
fi

# --- the OCI bundle runs under runc and its exit status propagates --------
if [ $runc_ok -eq 0 ]; then
    skip startup-runc-bundle "$runc_why"
elif ! "$PEERS" --make-bundle "$T/b0" >"$T/b0.log" 2>&1; then
    fail startup-runc-bundle "--make-bundle failed: $(cat "$T/b0.log")"
elif ! command -v musl-gcc >/dev/null 2>&1; then
    skip startup-runc-bundle "musl-gcc missing"
else
    printf 'int main(void) { return 7; }\n' >"$T/seven.c"
    musl-gcc -static -O2 -o "$T/seven" "$T/seven.c"
    "$PEERS" --make-bundle "$T/b7" --true "$T/seven" >/dev/null 2>&1
    cfg_ok=$(python3 - "$T/b0/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
ok = c["process"]["terminal"] is False and c["process"]["args"] == ["/startup-true"] and c["root"]["readonly"] is True
print("yes" if ok else "no: terminal=%r args=%r readonly=%r" % (c["process"]["terminal"], c["process"]["args"], c["root"]["readonly"]))
PY
)
    files=$(cd "$T/b0/rootfs" && find . -mindepth 1 | sort | tr '\n' ' ')
    runc --root "$T/state" run --bundle "$T/b0" "edgeos-startup-test-$$-0" </dev/null >"$T/r0.log" 2>&1; s0=$?
    runc --root "$T/state" run --bundle "$T/b7" "edgeos-startup-test-$$-7" </dev/null >"$T/r7.log" 2>&1; s7=$?
    runc --root "$T/state" delete -f "edgeos-startup-test-$$-0" >/dev/null 2>&1
    runc --root "$T/state" delete -f "edgeos-startup-test-$$-7" >/dev/null 2>&1
    left=$(runc --root "$T/state" list -q 2>/dev/null)
    if [ "$cfg_ok" != yes ]; then
        fail startup-runc-bundle "config.json: $cfg_ok"
    elif [ "$files" != "./startup-true " ]; then
        fail startup-runc-bundle "rootfs holds: $files"
    elif [ $s0 -ne 0 ]; then
        fail startup-runc-bundle "runc run of startup-true: status $s0: $(head -c 300 "$T/r0.log")"
    elif [ $s7 -ne 7 ]; then
        fail startup-runc-bundle "runc run of a program exiting 7 gave status $s7: $(head -c 300 "$T/r7.log")"
    elif [ -n "$left" ]; then
        fail startup-runc-bundle "containers left behind: $left"
    else
        pass startup-runc-bundle
    fi
fi
exit 0
