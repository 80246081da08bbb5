#!/usr/bin/env python3
"""Joins the instruction-count plugin's output with the guest's names for
its marker ids and writes one CSV row per operation.

    summarize.py --csv OUT.csv [--append] SYSTEM COUNTS_FILE CONSOLE_LOG [SYSTEM COUNTS CONSOLE]...

COUNTS_FILE holds the plugin's lines "icount,ID,COUNT"; CONSOLE_LOG the
guest's lines "icount-name,ID,OPERATION[ per=K][ expect=N]" (per=K: the
count covers K operations, so each is divided by K; expect=N: a
calibration pair that must count exactly N). Rows:
system,operation,runs,median,min,max,p10,p90. Exits 1 if an expectation is
not met or a named id has no count."""
import argparse, csv, os, sys


def quantile(v, q):
    return v[min(len(v) - 1, int(q * len(v)))]


def read_names(path):
    names = {}
    with open(path, errors="replace") as f:
        for line in f:
            i = line.find("icount-name,")
            if i < 0:
                continue
            parts = line[i:].strip().split(",", 2)
            if len(parts) != 3 or not parts[1].isdigit():
                continue
            words = parts[2].split()
            opts = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            names[int(parts[1])] = (words[0], int(opts.get("per", 1)), opts.get("expect"))
    return names


def read_counts(path):
    counts = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            parts = line.strip().split(",")
            if parts[0] != "icount":
                continue
            if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
                sys.exit(f"{path}:{n}: not a count line: {line.strip()!r}")
            counts.setdefault(int(parts[1]), []).append(int(parts[2]))
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--append", action="store_true")
    ap.add_argument("runs", nargs="+", help="SYSTEM COUNTS_FILE CONSOLE_LOG, repeated")
    a = ap.parse_args()
    if len(a.runs) % 3:
        ap.error("arguments come in threes: SYSTEM COUNTS_FILE CONSOLE_LOG")
    rows, bad = [], 0
    for k in range(0, len(a.runs), 3):
        system, cfile, log = a.runs[k:k + 3]
        names, counts = read_names(log), read_counts(cfile)
        for i, (op, per, expect) in sorted(names.items()):
            v = sorted(c / per for c in counts.get(i, []))
            if not v:
                print(f"icount: {system} {op} (id {i}): no count", file=sys.stderr)
                bad += 1
                continue
            if expect is not None and any(c != int(expect) for c in v):
                print(f"icount: {system} {op}: counted {v}, expected exactly {expect}", file=sys.stderr)
                bad += 1
            fmt = (lambda x: f"{x:.0f}") if per == 1 else (lambda x: f"{x:.1f}")
            rows.append([system, op, len(v), fmt(quantile(v, 0.5)), fmt(v[0]), fmt(v[-1]),
                         fmt(quantile(v, 0.1)), fmt(quantile(v, 0.9))])
    new = not (a.append and os.path.exists(a.csv) and os.path.getsize(a.csv) > 0)
    with open(a.csv, "w" if new else "a", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        if new:
            w.writerow(["system", "operation", "runs", "median", "min", "max", "p10", "p90"])
        w.writerows(rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
