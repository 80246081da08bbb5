#!/usr/bin/env python3
"""Combine the start-up benchmark's two halves into one table with ratios.

    compare.py PEERS.csv EDGEOS.csv [--edgeos-row NAME ...] [--pair PEER:EDGEOS ...]
               [--ratios-csv FILE] [--strict]

Both CSVs have the columns name,iterations,median_ns,p90_ns,p99_ns,min_ns,max_ns,
median_cycles (PEERS.csv from build/bench/startup-peers --csv, EDGEOS.csv from the
EdgeOS half that runs inside the VM). The ratio of a pair is
peer median / EdgeOS median, so "170x" means EdgeOS starts 170 times faster.

Pairs: by default every peer row against each --edgeos-row (default
fwp_fork_16k); --pair PEER:EDGEOS (repeatable) chooses pairs explicitly.
A missing file, row or figure never stops the report: the pair's ratio reads
"n/a" with the reason. --strict makes the exit status 1 when any pair is n/a.
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
    args = ap.parse_args(argv)

    warnings = []
    peers = load(args.peers_csv, warnings)
    edgeos = load(args.edgeos_csv, warnings)

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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
