#!/usr/bin/env python3
"""Combine the start-up benchmark's halves into one table with ratios.

    compare.py PEERS.csv EDGEOS.csv [--linux-guest GUEST.csv] [--edgeos-row NAME ...]
               [--pair PEER:EDGEOS ...] [--edgeos-accel ACC] [--guest-accel ACC]
               [--ratios-csv FILE] [--strict]

Every CSV has the columns name,iterations,median_ns,p90_ns,p99_ns,min_ns,max_ns,
median_cycles (PEERS.csv from build/bench/startup-peers --csv on the host,
EDGEOS.csv from the EdgeOS half that runs inside the VM, GUEST.csv from
startup-peers inside the Linux guest of bench/linux-peer). The ratio of a pair
is peer median / EdgeOS median, so "170x" means EdgeOS starts 170 times faster.

Pairs: by default every peer row against each --edgeos-row (default
fwp_fork_16k); --pair PEER:EDGEOS (repeatable) chooses pairs explicitly.
A missing file, row or figure never stops the report: the pair's ratio reads
"n/a" with the reason. --strict makes the exit status 1 when any pair is n/a.

With --linux-guest the ratio table has three medians per pair, each labelled
with where it ran: EdgeOS (QEMU, --edgeos-accel), Linux guest (QEMU,
--guest-accel, default tcg) and Linux native (the host), and two ratios:
guest/EdgeOS (the main comparison: same QEMU shape and accelerator) and
native/EdgeOS (a reference). Default pairs then cover the rows of PEERS.csv
and of GUEST.csv; --ratios-csv gains the columns guest_median_ns,guest_ratio.
"""
import argparse
import csv
import sys

COLUMNS = ["name", "iterations", "median_ns", "p90_ns", "p99_ns", "min_ns", "max_ns", "median_cycles"]
NUMERIC = COLUMNS[1:]
DEFAULT_EDGEOS_ROW = "fwp_fork_16k"


def parse_number(text):
    """An integer or float figure, or None when empty/unparsable/negative."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            return None
    if value != value or value < 0:  # NaN or negative
        return None
    return value


def load(path, warnings):
    """Rows of one CSV as an ordered dict name -> {column: value}."""
    rows = {}
    try:
        with open(path, newline="") as f:
            lines = [l for l in f if l.strip() and not l.lstrip().startswith("#")]
    except OSError as e:
        warnings.append("cannot read %s: %s" % (path, e.strerror or e))
        return rows
    reader = csv.reader(lines)
    header = None
    for fields in reader:
        fields = [x.strip() for x in fields]
        if header is None:
            header = [h.lower() for h in fields]
            if "name" not in header:
                warnings.append("%s: no 'name' column in header %r" % (path, fields))
                return rows
            continue
        rec = dict(zip(header, fields))
        name = rec.get("name", "")
        if not name:
            continue
        if name in rows:
            warnings.append("%s: duplicate row %s, keeping the first" % (path, name))
            continue
        row = {"name": name}
        for col in NUMERIC:
            row[col] = parse_number(rec.get(col))
        rows[name] = row
    return rows


def measured(row):
    return row is not None and row.get("median_ns") is not None and row["median_ns"] > 0 \
        and (row.get("iterations") is None or row["iterations"] > 0)


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return "%.1f" % value
    return "%d" % value


def fmt_ratio(r):
    if r >= 100:
        return "%.0fx" % r
    if r >= 10:
        return "%.1fx" % r
    return "%.2fx" % r


def main(argv):
    ap = argparse.ArgumentParser(description="Combine start-up peer and EdgeOS CSVs with ratios.")
    ap.add_argument("peers_csv")
    ap.add_argument("edgeos_csv")
    ap.add_argument("--edgeos-row", action="append", default=None,
                    help="EdgeOS row every peer row is compared with (repeatable; default %s)"
                    % DEFAULT_EDGEOS_ROW)
    ap.add_argument("--pair", action="append", default=[],
                    help="PEER:EDGEOS pair to compare (repeatable; overrides the default pairs)")
    ap.add_argument("--ratios-csv", help="also write peer,edgeos,peer_median_ns,edgeos_median_ns,ratio")
    ap.add_argument("--strict", action="store_true", help="exit 1 when any pair has no ratio")
    ap.add_argument("--linux-guest", metavar="GUEST_CSV",
                    help="the Linux guest's CSV (same QEMU shape as EdgeOS): three medians per pair")
    ap.add_argument("--edgeos-accel", default=None, help="EdgeOS's accelerator, for its column's label")
    ap.add_argument("--guest-accel", default="tcg", help="the Linux guest's accelerator (default tcg)")
    args = ap.parse_args(argv)

    warnings = []
    peers = load(args.peers_csv, warnings)
    edgeos = load(args.edgeos_csv, warnings)
    if args.linux_guest is not None:
        guest = load(args.linux_guest, warnings)
        return three_way(args, peers, edgeos, guest, warnings)

    pairs = []
    for p in args.pair:
        if ":" not in p:
            ap.error("--pair wants PEER:EDGEOS, got %r" % p)
        a, b = p.split(":", 1)
        pairs.append((a.strip(), b.strip()))
    if not pairs:
        for e in args.edgeos_row or [DEFAULT_EDGEOS_ROW]:
            pairs += [(name, e) for name in peers]
            if not peers:
                pairs.append(("(no peer rows)", e))

    # Combined table: every row of both halves.
    head = ("source", "name", "iters", "median_ns", "p90_ns", "p99_ns", "min_ns", "max_ns", "median_cyc")
    table = []
    for source, rows in (("linux", peers), ("edgeos", edgeos)):
        for row in rows.values():
            table.append((source, row["name"]) + tuple(fmt(row[c]) for c in NUMERIC))
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h) for i, h in enumerate(head)]
    line = "  ".join("%-*s" if i < 2 else "%*s" for i in range(len(head)))
    print("Start-up latency (same run; nanoseconds unless noted)")
    print(line % tuple(x for pair in zip(widths, head) for x in pair))
    for t in table:
        print(line % tuple(x for pair in zip(widths, t) for x in pair))
    if not table:
        print("(no rows)")

    # Ratios.
    print()
    print("Ratios: peer median / EdgeOS median (higher = EdgeOS faster)")
    results = []
    missing = 0
    for a, b in pairs:
        pa, eb = peers.get(a), edgeos.get(b)
        if pa is None:
            why = "no peer row %s" % a
        elif eb is None:
            why = "no EdgeOS row %s" % b
        elif not measured(pa):
            why = "peer row %s not measured" % a
        elif not measured(eb):
            why = "EdgeOS row %s not measured" % b
        else:
            why = None
        if why:
            missing += 1
            results.append((a, b, pa and pa.get("median_ns"), eb and eb.get("median_ns"), None, why))
        else:
            results.append((a, b, pa["median_ns"], eb["median_ns"], pa["median_ns"] / eb["median_ns"], None))
    rh = ("peer", "edgeos", "peer_median_ns", "edgeos_median_ns", "ratio")
    rt = [(a, b, fmt(pm), fmt(em), fmt_ratio(r) if r is not None else "n/a (%s)" % why)
          for a, b, pm, em, r, why in results]
    rw = [max(len(h), *(len(t[i]) for t in rt)) if rt else len(h) for i, h in enumerate(rh)]
    rl = "%-*s  %-*s  %*s  %*s  %-*s"
    print((rl % tuple(x for pair in zip(rw, rh) for x in pair)).rstrip())
    for t in rt:
        print((rl % tuple(x for pair in zip(rw, t) for x in pair)).rstrip())

    for w in warnings:
        print("warning: %s" % w, file=sys.stderr)

    if args.ratios_csv:
        with open(args.ratios_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(rh)
            for a, b, pm, em, r, _ in results:
                w.writerow([a, b, "" if pm is None else pm, "" if em is None else em,
                            "" if r is None else "%.6g" % r])
    return 1 if args.strict and (missing or warnings) else 0


def pair_ratio(peer_row, peer_name, edgeos_row, edgeos_name, what):
    """(ratio, None) or (None, reason) for one peer row against one EdgeOS row."""
    if peer_row is None:
        return None, "no %s row %s" % (what, peer_name)
    if edgeos_row is None:
        return None, "no EdgeOS row %s" % edgeos_name
    if not measured(peer_row):
        return None, "%s row %s not measured" % (what, peer_name)
    if not measured(edgeos_row):
        return None, "EdgeOS row %s not measured" % edgeos_name
    return peer_row["median_ns"] / edgeos_row["median_ns"], None


def print_table(head, rows, left):
    """Columns padded to their widest cell; the first `left` are left-aligned."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
    fmt_line = "  ".join("%-*s" if i < left else "%*s" for i in range(len(head)))
    for r in [head] + rows:
        print((fmt_line % tuple(x for pair in zip(widths, r) for x in pair)).rstrip())


def three_way(args, native, edgeos, guest, warnings):
    """EdgeOS, the Linux guest and Linux native, one row per pair."""
    pairs = []
    for p in args.pair:
        if ":" not in p:
            sys.exit("compare.py: --pair wants PEER:EDGEOS, got %r" % p)
        a, b = p.split(":", 1)
        pairs.append((a.strip(), b.strip()))
    if not pairs:
        mechanisms = list(native) + [n for n in guest if n not in native]
        for e in args.edgeos_row or [DEFAULT_EDGEOS_ROW]:
            pairs += [(name, e) for name in mechanisms]
            if not mechanisms:
                pairs.append(("(no peer rows)", e))

    e_label = "EdgeOS (QEMU %s)" % args.edgeos_accel if args.edgeos_accel else "EdgeOS (QEMU)"
    g_label = "Linux guest (QEMU %s)" % args.guest_accel
    n_label = "Linux native (host)"

    head = ("source", "name", "iters", "median_ns", "p90_ns", "p99_ns", "min_ns", "max_ns", "median_cyc")
    table = []
    for source, rows in (("native", native), ("guest", guest), ("edgeos", edgeos)):
        for row in rows.values():
            table.append((source, row["name"]) + tuple(fmt(row[c]) for c in NUMERIC))
    print("Start-up latency (same run; nanoseconds unless noted; native = %s, guest = %s, edgeos = %s)"
          % (n_label, g_label, e_label))
    print_table(head, table, 2)
    if not table:
        print("(no rows)")

    print()
    print("Medians (ns) and ratios: Linux median / EdgeOS median (higher = EdgeOS faster);")
    print("guest/EdgeOS is the main comparison (same QEMU shape and accelerator), native/EdgeOS a reference")
    results = []
    missing = 0
    for a, b in pairs:
        nrow, grow, erow = native.get(a), guest.get(a), edgeos.get(b)
        nr, nwhy = pair_ratio(nrow, a, erow, b, "native")
        gr, gwhy = pair_ratio(grow, a, erow, b, "guest")
        if nr is None or gr is None:
            missing += 1
        results.append((a, b, nrow, grow, erow, nr, nwhy, gr, gwhy))
    med = lambda row: row.get("median_ns") if row else None
    rh = ("mechanism", "EdgeOS row", e_label, g_label, n_label, "guest/EdgeOS (main)", "native/EdgeOS (ref)")
    rt = [(a, b, fmt(med(erow)), fmt(med(grow)), fmt(med(nrow)),
           fmt_ratio(gr) if gr is not None else "n/a (%s)" % gwhy,
           fmt_ratio(nr) if nr is not None else "n/a (%s)" % nwhy)
          for a, b, nrow, grow, erow, nr, nwhy, gr, gwhy in results]
    print_table(rh, rt, 2)

    for w in warnings:
        print("warning: %s" % w, file=sys.stderr)

    if args.ratios_csv:
        with open(args.ratios_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["peer", "edgeos", "peer_median_ns", "edgeos_median_ns", "ratio",
                        "guest_median_ns", "guest_ratio"])
            opt = lambda v: "" if v is None else v
            for a, b, nrow, grow, erow, nr, _, gr, _ in results:
                w.writerow([a, b, opt(med(nrow)), opt(med(erow)), "" if nr is None else "%.6g" % nr,
                            opt(med(grow)), "" if gr is None else "%.6g" % gr])
    return 1 if args.strict and (missing or warnings) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
