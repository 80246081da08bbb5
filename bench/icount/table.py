#!/usr/bin/env python3
"""Prints the instruction counts of build/bench/icount.csv as a table, with
the targets for EdgeOS's fast paths.

    table.py ICOUNT.csv [--before EARLIER.csv]"""
import argparse, csv, sys

# operation -> most guest instructions it should take
TARGETS = {
    "ipc_call_reply_roundtrip": 400,
    "fwp_pool_activate_16k": 1000,
    "fwp_fork_16k": 10000,
    "fwp_reset_clean": 2000,
}


def load(path):
    rows = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows[(r["system"], r["operation"])] = r
    return rows


def cell(r):
    if not r:
        return "-"
    return f"{float(r['median']):,.0f} ({float(r['p10']):,.0f}–{float(r['p90']):,.0f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--before")
    a = ap.parse_args()
    rows = load(a.csv)
    before = load(a.before) if a.before else {}
    ops = []
    for (system, op) in rows:
        if op not in ops and not op.startswith("selftest_"):
            ops.append(op)
    head = ["operation", "EdgeOS (TCG, 1 vCPU)"] + (["EdgeOS before"] if before else []) + \
        ["Linux guest (TCG, 1 vCPU)", "target", "met"]
    print("Guest instructions per operation: median (p10–p90), counted by the QEMU TCG plugin")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for op in ops:
        e = rows.get(("edgeos", op))
        line = [op, cell(e)] + ([cell(before.get(("edgeos", op)))] if before else [])
        line.append(cell(rows.get(("linux-guest", op))))
        t = TARGETS.get(op)
        line += [f"≤ {t:,}" if t else "", ("yes" if float(e["median"]) <= t else "no") if t and e else ""]
        print("| " + " | ".join(line) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
