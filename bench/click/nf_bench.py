#!/usr/bin/env python3
"""Click NFs as FWPs against the engine on Linux, one run (make bench-click).

EdgeOS: boots a pass-through clicknf template ("FromDevice(in) -> c ::
Counter -> ToDevice(out)") and nfdriver in benchmark mode
(user/test/nfdriver.c, --bench) with host/edgeos-run (its accelerator: KVM
when usable, TCG otherwise; EDGEOS_ACCEL overrides). The driver streams
frames through one fork and through a chain of three (driver -> nf1 -> nf2
-> nf3 -> driver, every hop a channel copy), 64- and 1500-byte frames, one
warm-up batch and CLICKNF_BATCHES timed batches of CLICKNF_FRAMES frames.

Linux engine (a reference, native host): build/click/click-nf-bench runs the
same configuration as 1 and 3 routers chained in one process on one core,
with ring copies between them (bench/click/click_nf_bench.c).

Prints a table (median and p90 over the batches, ratios), writes
build/bench/click-nf.csv and the two logs next to it. Exit status 1 when a
frame was lost or changed or a side did not finish.

Variables: CLICKNF_BATCHES (15), CLICKNF_FRAMES (20000 per EdgeOS batch),
CLICKNF_LINUX_FRAMES (200000 per Linux batch), CLICKNF_OUT (build/bench),
CLICKNF_TIMEOUT (110 s for the EdgeOS boot).
"""
import os, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASS_CFG = "FromDevice(in) -> c :: Counter -> ToDevice(out)"
LINE = re.compile(r"^bench nfs=(\d+) bytes=(\d+) batch=(\d+) frames=(\d+) got=(\d+) bad=(\d+) ns=(\d+) cycles=(\d+)")


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        sys.exit(f"nf_bench: {name} must be an integer")


def pct(v, p):
    """Nearest-rank percentile of a sorted list (as click-bench)."""
    return v[int(p * (len(v) - 1) + 0.5)]


def parse(text):
    """{(nfs, bytes): [(frames, ns, cycles), ...]} of the timed batches, and
    whether every batch delivered every frame unchanged and the run ended ok."""
    out, ok = {}, "bench done: ok" in text
    for ln in text.splitlines():
        m = LINE.match(ln.strip())
        if not m:
            continue
        nfs, size, batch, frames, got, bad, ns, cyc = map(int, m.groups())
        if got != frames or bad:
            ok = False
        if batch == 0:
            continue                      # warm-up
        out.setdefault((nfs, size), []).append((frames, ns, cyc))
    return out, ok


def summarise(batches):
    pps = sorted(f * 1e9 / ns for f, ns, _ in batches)
    cyc = sorted(c / f for f, _, c in batches)
    nsf = sorted(ns / f for f, ns, _ in batches)
    return {"batches": len(batches), "frames": batches[0][0],
            "pps_med": pct(pps, 0.5), "pps_p10": pct(pps, 0.1), "pps_p90": pct(pps, 0.9),
            "cyc_med": pct(cyc, 0.5), "cyc_p90": pct(cyc, 0.9),
            "ns_med": pct(nsf, 0.5), "ns_p90": pct(nsf, 0.9)}


def main():
    batches = env_int("CLICKNF_BATCHES", 15)
    frames = env_int("CLICKNF_FRAMES", 20000)
    lframes = env_int("CLICKNF_LINUX_FRAMES", 200000)
    tmo = env_int("CLICKNF_TIMEOUT", 110)
    outdir = os.path.join(ROOT, os.environ.get("CLICKNF_OUT", "build/bench"))
    os.makedirs(outdir, exist_ok=True)
    os.chdir(ROOT)

    # ---- EdgeOS ----
    cmd = ["host/edgeos-run", "--timeout", str(tmo), "--mem", "512M",
           f"build/user/clicknf.elf @name=nfpass @mem=4M -e {PASS_CFG}",
           f"build/user/test/nfdriver.elf @root @mem=8M --bench nfpass {batches} {frames}"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=tmo + 30)
    edgeos_s = time.monotonic() - t0
    with open(os.path.join(outdir, "click-nf-edgeos.log"), "w") as f:
        f.write(p.stdout)
        f.write(p.stderr)
    m = re.search(r"accelerator (\w+)", p.stderr)
    accel = {"tcg": "QEMU TCG", "kvm": "QEMU KVM"}.get(m.group(1), m.group(1)) if m else "unknown"
    eos, eos_ok = parse(p.stdout)
    if p.returncode != 0:
        eos_ok = False

    # ---- Linux engine ----
    lp = subprocess.run(["build/click/click-nf-bench", "--batches", str(batches), "--frames", str(lframes)],
                        capture_output=True, text=True, errors="replace")
    with open(os.path.join(outdir, "click-nf-linux.log"), "w") as f:
        f.write(lp.stdout)
        f.write(lp.stderr)
    lin, lin_ok = parse(lp.stdout)
    if lp.returncode != 0:
        lin_ok = False

    systems = [("edgeos", f"{accel}", eos), ("linux-engine", "native host", lin)]
    sizes, chains = (64, 1500), (1, 3)
    summ = {}
    for name, _, data in systems:
        for s in sizes:
            for n in chains:
                if (n, s) in data:
                    summ[(name, n, s)] = summarise(data[(n, s)])

    def hop(name, s):
        a, b = summ.get((name, 1, s)), summ.get((name, 3, s))
        if not a or not b:
            return None
        return ((b["cyc_med"] - a["cyc_med"]) / 2, (b["ns_med"] - a["ns_med"]) / 2)

    print()
    print("# Click NF chains: pass-through NFs (" + PASS_CFG + ")")
    print(f"# EdgeOS: clicknf FWPs under {accel} (host/edgeos-run, 2 vCPUs), driven by nfdriver --bench;"
          f" {batches} batches of {frames} frames after a warm-up; EdgeOS part {edgeos_s:.1f} s")
    print(f"# Linux engine: click-nf-bench, 1 or 3 routers in one process on one core of the native host,"
          f" {batches} batches of {lframes} frames: a reference, not a peer on the same accelerator")
    print("# rate = frames / time from the first send to the last frame back; median and p90 over the batches")
    print("# (p90 of the rate: 90th percentile of the batch rates; of the costs: the slow tail)")
    hdr = f"{'system':<13} {'accel':<12} {'NFs':>3} {'bytes':>5} {'median pps':>12} {'p90 pps':>12} " \
          f"{'cyc/frame':>10} {'p90 cyc':>10} {'ns/frame':>9} {'p90 ns':>9}"
    print(hdr)
    rows = []
    for name, acc, _ in systems:
        for s in sizes:
            for n in chains:
                r = summ.get((name, n, s))
                if not r:
                    print(f"{name:<13} {acc:<12} {n:>3} {s:>5} {'no result':>12}")
                    continue
                print(f"{name:<13} {acc:<12} {n:>3} {s:>5} {r['pps_med']:>12,.0f} {r['pps_p90']:>12,.0f} "
                      f"{r['cyc_med']:>10,.0f} {r['cyc_p90']:>10,.0f} {r['ns_med']:>9,.1f} {r['ns_p90']:>9,.1f}")
                rows.append([name, acc, "chain", n, s, r["batches"], r["frames"], f"{r['pps_med']:.0f}",
                             f"{r['pps_p10']:.0f}", f"{r['pps_p90']:.0f}", f"{r['cyc_med']:.1f}",
                             f"{r['cyc_p90']:.1f}", f"{r['ns_med']:.2f}", f"{r['ns_p90']:.2f}"])
    print()
    print("# per-hop cost = (3-NF median - 1-NF median) / 2 hops, per frame")
    print(f"{'system':<13} {'accel':<12} {'bytes':>5} {'cyc/hop':>10} {'ns/hop':>9}")
    for name, acc, _ in systems:
        for s in sizes:
            h = hop(name, s)
            if h is None:
                continue
            print(f"{name:<13} {acc:<12} {s:>5} {h[0]:>10,.0f} {h[1]:>9,.1f}")
            rows.append([name, acc, "hop", "", s, "", "", "", "", "", f"{h[0]:.1f}", "", f"{h[1]:.2f}", ""])
    print()
    print("# ratios of medians")
    print(f"{'bytes':>5} {'NFs':>3} {'EdgeOS/Linux pps':>17} {'EdgeOS 1NF/3NF':>15} {'Linux 1NF/3NF':>14}"
          f" {'EdgeOS/Linux hop ns':>20}")
    for s in sizes:
        for n in chains:
            e, l = summ.get(("edgeos", n, s)), summ.get(("linux-engine", n, s))
            e1, e3 = summ.get(("edgeos", 1, s)), summ.get(("edgeos", 3, s))
            l1, l3 = summ.get(("linux-engine", 1, s)), summ.get(("linux-engine", 3, s))
            he, hl = hop("edgeos", s), hop("linux-engine", s)
            ratio = f"{e['pps_med'] / l['pps_med']:.3f}" if e and l else "-"
            sl_e = f"{e1['pps_med'] / e3['pps_med']:.2f}" if e1 and e3 and n == 3 else ""
            sl_l = f"{l1['pps_med'] / l3['pps_med']:.2f}" if l1 and l3 and n == 3 else ""
            hr = f"{he[1] / hl[1]:.1f}" if he and hl and hl[1] > 0 and n == 3 else ""
            print(f"{s:>5} {n:>3} {ratio:>17} {sl_e:>15} {sl_l:>14} {hr:>20}")

    csv = os.path.join(outdir, "click-nf.csv")
    with open(csv, "w") as f:
        f.write("system,accel,kind,nfs,bytes,batches,frames_per_batch,median_pps,p10_pps,p90_pps,"
                "median_cycles_per_frame,p90_cycles_per_frame,median_ns_per_frame,p90_ns_per_frame\n")
        for r in rows:
            f.write(",".join(str(x) for x in r) + "\n")
    print(f"\n# written: {os.path.relpath(csv, ROOT)}, click-nf-edgeos.log, click-nf-linux.log")
    if not eos_ok:
        print(f"nf_bench: EdgeOS run incomplete or frames lost/changed (exit {p.returncode}); "
              f"see {os.path.join(os.path.relpath(outdir, ROOT), 'click-nf-edgeos.log')}", file=sys.stderr)
    if not lin_ok:
        print(f"nf_bench: Linux run incomplete or frames lost/changed (exit {lp.returncode})", file=sys.stderr)
    return 0 if eos_ok and lin_ok else 1


if __name__ == "__main__":
    sys.exit(main())
