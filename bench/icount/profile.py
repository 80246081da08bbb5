#!/usr/bin/env python3
"""Names the functions in an instruction-count profile.

    EDGEOS_ICOUNT_PROFILE=ID host/edgeos-run --icount OUT ...
    profile.py OUT ELF [ELF...]        (e.g. build/kernel/edgeos.elf build/user/manager.elf)

Sums the plugin's "profile,ADDRESS,INSTRUCTIONS" lines by the function
(from nm of the ELF files) that holds each address and prints the largest."""
import bisect, subprocess, sys


def symbols(elfs):
    syms = []
    for e in elfs:
        out = subprocess.run(["nm", "-n", "--defined-only", e], capture_output=True, text=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "tTwW":
                syms.append((int(p[0], 16), p[2] + ("" if e.endswith("edgeos.elf") else " [" + e.split("/")[-1] + "]")))
    syms.sort()
    return syms


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    syms = symbols(sys.argv[2:])
    addrs = [a for a, _ in syms]
    per, total = {}, 0
    for line in open(sys.argv[1]):
        p = line.strip().split(",")
        if p[0] != "profile":
            continue
        a, n = int(p[1], 16), int(p[2])
        i = bisect.bisect_right(addrs, a) - 1
        name = syms[i][1] if i >= 0 else f"?{a:x}"
        per[name] = per.get(name, 0) + n
        total += n
    for name, n in sorted(per.items(), key=lambda x: -x[1])[:40]:
        print(f"{n:12,} {100.0 * n / max(total, 1):5.1f}%  {name}")
    print(f"{total:12,} total")


if __name__ == "__main__":
    main()
