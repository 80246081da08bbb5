#!/usr/bin/env python3
"""EdgeOS benchmark report: one markdown page with tables and SVG plots.

    report.py [--in DIR] [--out DIR] [--cdf-n 300,1000] [--edgeos-accel NAME]
    report.py [--in DIR] --missing-targets

Reads the benchmark CSVs in DIR (default build/bench), each optional:

    startup-edgeos.csv        EdgeOS start-up rows (make bench-startup)
    startup-linux-guest.csv   startup-peers run in the Linux guest (make bench-startup)
    startup-peers.csv         startup-peers run natively on the host (make bench-startup)
    edgeos-memcached.csv      mcload rows per system, protocol and N (make bench-memcached)
    edgeos-memcached-cdf.csv  mcload --cdf rows for the same runs (make bench-memcached)
    icount.csv                guest instruction counts per operation (make bench-icount)
    icount-before.csv         an earlier icount.csv, for before/after columns (optional)

and writes DIR/report (or --out) with report.md and the SVG plots it embeds,
drawn by gnuplot's svg terminal. A plot whose inputs are all missing is left
out and the page says which file is missing and which make target writes it.
A malformed CSV stops the report with "FILE:LINE: why" and exit status 1.
--missing-targets prints the make targets that would write the missing
inputs (used by make bench-report with BENCH_REPORT_RUN=1).
"""
import argparse
import csv
import datetime
import math
import os
import platform
import re
import shutil
import subprocess
import sys

# ---------------------------------------------------------------- inputs

STARTUP_COLUMNS = ["name", "iterations", "median_ns", "p90_ns", "p99_ns", "min_ns", "max_ns", "median_cycles"]
MC_COLUMNS = ["label", "proto", "instances", "target_rps", "sent", "completed", "throughput_rps", "p50_us",
              "p99_us", "p999_us", "max_us", "timeouts", "errors", "misses"]
CDF_COLUMNS = ["label", "proto", "instances", "quantile", "latency_us"]
ICOUNT_COLUMNS = ["system", "operation", "runs", "median", "min", "max", "p10", "p90"]

# file -> (make target that writes it, required for a complete report,
#          a narrower target that writes only this file)
INPUTS = {
    "startup-edgeos.csv": ("bench-startup", True, None),
    "startup-linux-guest.csv": ("bench-startup", True, "bench-startup-linux-guest"),
    "startup-peers.csv": ("bench-startup", True, "bench-startup-peers"),
    "edgeos-memcached.csv": ("bench-memcached", True, None),
    "edgeos-memcached-cdf.csv": ("bench-memcached", True, None),
    "icount.csv": ("bench-icount", True, None),
    "icount-before.csv": (None, False, None),
}


def made_by(name):
    target, _, alone = INPUTS[name]
    if not target:
        return None
    return f"`make {target}`" + (f", or alone `make {alone}`" if alone else "")

# the targets of the page (guest instructions, EdgeOS median)
ICOUNT_TARGETS = [
    ("ipc_call_reply_roundtrip", "IPC call/reply round trip", 400),
    ("fwp_pool_activate_16k", "activation from a pool (16 KiB template)", 1000),
    ("fwp_fork_16k", "fork of a 16 KiB template", 10000),
    ("fwp_reset_clean", "reset, no dirty page", 2000),
]

COLOURS = {"edgeos": "#1f5fbf", "linuxvm": "#d9661f", "native": "#6f6f6f"}
POINTS = {"edgeos": 7, "linuxvm": 5, "native": 9}
OTHER_COLOURS = ["#2a9d4b", "#8e44ad", "#b8860b", "#c0392b"]


class InputError(Exception):
    """A malformed input: the message names the file and line."""


def number(text, path, line, column, allow_empty=False):
    text = text.strip()
    if text == "" and allow_empty:
        return None
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{path}:{line}: column {column}: {text!r} is not a number") from None
    if not math.isfinite(v) or v < 0:
        raise InputError(f"{path}:{line}: column {column}: {text!r} is not a non-negative number")
    return v


def read_rows(path, columns):
    """Rows of a CSV as dicts (plus '_line'); '#' lines and blank lines are skipped.
    Raises InputError for a missing column or a row of the wrong width."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    header = None
    rows = []
    try:
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = [x.strip() for x in next(csv.reader([line]))]
            if header is None:
                header = fields
                missing = [c for c in columns if c not in header]
                if missing:
                    raise InputError(f"{path}:{lineno}: header lacks column(s) {', '.join(missing)} "
                                     f"(expected {','.join(columns)})")
                continue
            if len(fields) != len(header):
                raise InputError(f"{path}:{lineno}: {len(fields)} fields, the header has {len(header)}")
            row = dict(zip(header, fields))
            row["_line"] = lineno
            rows.append(row)
    except csv.Error as e:
        raise InputError(f"{path}: {e}") from None
    if header is None:
        raise InputError(f"{path}:1: empty file (no header line)")
    return rows


def load_startup(path):
    """name -> {iterations, median, p90, p99, min, max} (ns; None figures when not measured)."""
    out = {}
    for r in read_rows(path, STARTUP_COLUMNS):
        ln = r["_line"]
        if not r["name"]:
            raise InputError(f"{path}:{ln}: empty name")
        iters = number(r["iterations"], path, ln, "iterations")
        measured = iters > 0
        figs = {}
        for c in STARTUP_COLUMNS[2:]:
            figs[c] = number(r[c], path, ln, c, allow_empty=not measured)
            if measured and figs[c] is None:
                raise InputError(f"{path}:{ln}: column {c} is empty in a measured row")
        if measured and not (figs["min_ns"] <= figs["median_ns"] <= figs["p90_ns"] <= figs["p99_ns"]
                             <= figs["max_ns"]):
            raise InputError(f"{path}:{ln}: {r['name']}: min <= median <= p90 <= p99 <= max does not hold")
        out[r["name"]] = {"iterations": int(iters), "median": figs["median_ns"], "p90": figs["p90_ns"],
                          "p99": figs["p99_ns"], "min": figs["min_ns"], "max": figs["max_ns"]}
    return out


LABEL_RE = re.compile(r"^(.+)-(udp|tcp)-x(\d+)$")


def system_of(label):
    m = LABEL_RE.match(label)
    return m.group(1) if m else label


def load_memcached(path):
    """(system, proto, N) -> row with numbers."""
    out = {}
    for r in read_rows(path, MC_COLUMNS):
        ln = r["_line"]
        if r["proto"] not in ("udp", "tcp"):
            raise InputError(f"{path}:{ln}: proto {r['proto']!r} is neither udp nor tcp")
        if not r["label"]:
            raise InputError(f"{path}:{ln}: empty label")
        v = {c: number(r[c], path, ln, c) for c in MC_COLUMNS[2:]}
        if v["instances"] < 1 or v["instances"] != int(v["instances"]):
            raise InputError(f"{path}:{ln}: instances {r['instances']!r} is not a positive integer")
        out[(system_of(r["label"]), r["proto"], int(v["instances"]))] = v
    return out


def load_cdf(path):
    """(system, proto, N) -> {"points": [(quantile, latency_us)], "lost": fraction or None}."""
    out = {}
    for r in read_rows(path, CDF_COLUMNS):
        ln = r["_line"]
        if r["proto"] not in ("udp", "tcp"):
            raise InputError(f"{path}:{ln}: proto {r['proto']!r} is neither udp nor tcp")
        n = number(r["instances"], path, ln, "instances")
        if n < 1 or n != int(n):
            raise InputError(f"{path}:{ln}: instances {r['instances']!r} is not a positive integer")
        lat = number(r["latency_us"], path, ln, "latency_us")
        e = out.setdefault((system_of(r["label"]), r["proto"], int(n)), {"points": [], "lost": None})
        if r["quantile"] == "lost":
            if lat > 1:
                raise InputError(f"{path}:{ln}: lost fraction {r['latency_us']} is above 1")
            e["lost"] = lat
            continue
        q = number(r["quantile"], path, ln, "quantile")
        if q > 1:
            raise InputError(f"{path}:{ln}: quantile {r['quantile']} is above 1")
        e["points"].append((q, lat))
    for key, e in out.items():
        e["points"].sort()
        lats = [p[1] for p in e["points"]]
        if lats != sorted(lats):
            raise InputError(f"{path}: {'-'.join(map(str, key))}: latency decreases as the quantile grows")
    return out


def load_icount(path):
    """(system, operation) -> {runs, median, min, max, p10, p90}."""
    out = {}
    for r in read_rows(path, ICOUNT_COLUMNS):
        ln = r["_line"]
        if not r["system"] or not r["operation"]:
            raise InputError(f"{path}:{ln}: empty system or operation")
        v = {c: number(r[c], path, ln, c) for c in ICOUNT_COLUMNS[2:]}
        if v["runs"] > 0 and not (v["min"] <= v["p10"] <= v["median"] <= v["p90"] <= v["max"]):
            raise InputError(f"{path}:{ln}: {r['operation']}: min <= p10 <= median <= p90 <= max does not hold")
        out[(r["system"], r["operation"])] = v
    return out


# ---------------------------------------------------------------- formatting

def sig(x, n=3):
    """x with n significant digits, never in exponent notation."""
    if x is None or not math.isfinite(x):
        return "-"
    if x == 0:
        return "0"
    d = max(0, n - 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{d}f}"


def grouped(x):
    """An integer with thin groups of three digits: 12 345."""
    return f"{int(round(x)):,}".replace(",", " ")


def fmt_ns(ns):
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{sig(ns / scale)} {unit}"
    return f"{sig(ns)} ns"


def ratio_cell(a, b, better="faster", worse="slower"):
    """a / b with a plain-words reading for EdgeOS (a) against a peer (b)."""
    if a is None or b is None or b == 0:
        return "-"
    r = a / b
    if a == 0:
        return "0"
    if r < 1:
        return f"{sig(r)} ({sig(1 / r)}x {better})"
    if r > 1:
        return f"{sig(r)} ({sig(r)}x {worse})"
    return "1.00 (same)"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ---------------------------------------------------------------- gnuplot

class Plotter:
    def __init__(self, outdir):
        self.outdir = outdir
        self.gnuplot = shutil.which("gnuplot")
        self.failures = []

    def draw(self, name, script, blocks):
        """Runs gnuplot on script with the given datablocks; True when NAME.svg was written."""
        path = os.path.join(self.outdir, name)
        if not self.gnuplot:
            self.failures.append(f"{name}: gnuplot is not installed (make deps installs gnuplot-nox)")
            return False
        text = ["set encoding utf8"]
        for bname, rows in blocks.items():
            text.append(f"${bname} << EOD")
            text += [" ".join(str(c) for c in r) for r in rows]
            text.append("EOD")
        text.append(f'set output "{path}"')
        text.append(script)
        text.append("unset output")
        p = subprocess.run([self.gnuplot], input="\n".join(text) + "\n", capture_output=True, text=True)
        if p.returncode != 0 or not os.path.exists(path) or os.path.getsize(path) == 0:
            why = (p.stderr.strip().splitlines() or ["no output"])[-1]
            self.failures.append(f"{name}: gnuplot failed: {why}")
            return False
        return True


def terminal(width, height):
    return (f'set terminal svg size {width},{height} dynamic noenhanced font "Sans,11" background rgb "white"\n'
            'set grid ytics mytics lc rgb "#dddddd" lw 1\n'
            'set border 3\nset tics nomirror\n')


def gp_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------- the report

class Report:
    def __init__(self, args):
        self.indir = args.indir
        self.outdir = args.outdir
        self.cdf_ns = args.cdf_n
        self.accel = (args.edgeos_accel or self.detect_accel()).upper()
        self.names = {"edgeos": f"EdgeOS (QEMU {self.accel})", "linuxvm": "Linux guest (QEMU TCG)",
                      "native": "Linux native (host)"}
        self.plot = Plotter(self.outdir)
        self.md = []
        self.summary = []
        self.plots = []
        self.other_colours = {}

    def detect_accel(self):
        """EdgeOS's accelerator, from the start-up run's launcher line; TCG when unknown."""
        try:
            with open(os.path.join(self.indir, "startup-edgeos.log"), errors="replace") as f:
                m = re.search(r"accelerator ([a-z]+)", f.read())
        except OSError:
            m = None
        return m.group(1).upper() if m else "TCG"

    def path(self, name):
        return os.path.join(self.indir, name)

    def have(self, name):
        return os.path.isfile(self.path(name))

    def missing_note(self, names, what):
        """The sentence saying which inputs of `what` are missing and how to make them."""
        parts = []
        for n in names:
            parts.append(f"`{n}` (made by {made_by(n)})" if made_by(n) else f"`{n}`")
        return f"*{what}: missing {', '.join(parts)} in `{self.indir}`.*"

    def name(self, sysname):
        return self.names.get(sysname, sysname)

    def colour(self, sysname):
        if sysname in COLOURS:
            return COLOURS[sysname]
        if sysname not in self.other_colours:
            self.other_colours[sysname] = OTHER_COLOURS[len(self.other_colours) % len(OTHER_COLOURS)]
        return self.other_colours[sysname]

    def add_plot(self, name, alt, script, blocks):
        if self.plot.draw(name, script, blocks):
            self.plots.append(name)
            self.md.append(f"![{alt}]({name})\n")
        else:
            self.md.append(f"*Plot `{name}` could not be drawn: {self.plot.failures[-1]}.*\n")

    # -------------------------------------------------------- start-up
    def startup(self):
        self.md.append("## Start-up per mechanism\n")
        files = [("edgeos", "startup-edgeos.csv"), ("linuxvm", "startup-linux-guest.csv"),
                 ("native", "startup-peers.csv")]
        data = {s: load_startup(self.path(f)) for s, f in files if self.have(f)}
        missing = [f for s, f in files if not self.have(f)]
        if not data:
            self.md.append(self.missing_note(missing, "Start-up plot and tables left out") + "\n")
            return
        if missing:
            self.md.append(self.missing_note(missing, "Shown without these systems") + "\n")
        order = []
        for s, _ in files:
            for n in data.get(s, {}):
                if n not in order:
                    order.append(n)
        if not order:
            self.md.append("*The start-up CSVs have no rows.*\n")
            return
        edgeos_first = [n for n in order if n in data.get("edgeos", {})]
        order = edgeos_first + [n for n in order if n not in edgeos_first]
        # the plot: one x position per mechanism, systems side by side
        blocks, plots = {}, []
        present = [s for s, _ in files if s in data]
        width = 0.6 / max(1, len(present))
        for k, (s, _) in enumerate(files):
            if s not in data:
                continue
            off = (present.index(s) - (len(present) - 1) / 2) * width
            rows = [(f"{i + off:.3f}", r["median"] / 1e3, r["p90"] / 1e3, r["p99"] / 1e3)
                    for i, n in enumerate(order) for r in [data[s].get(n)]
                    if r and r["iterations"] > 0 and r["median"] > 0]
            if not rows:
                continue
            b = f"S{k}"
            blocks[b] = rows
            c = self.colour(s)
            plots.append(f'${b} using 1:2:2:4 with yerrorbars lc rgb "{c}" pt {POINTS[s]} ps 0.9 lw 1.2 '
                         f'title {gp_str(self.name(s))}')
            plots.append(f'${b} using 1:3 with points lc rgb "{c}" pt 2 ps 0.7 notitle')
        if plots:
            tics = ", ".join(f"{gp_str(n)} {i}" for i, n in enumerate(order))
            script = (terminal(max(900, 40 * len(order) + 200), 560) +
                      'set title "Start-up and related operations: median (filled), p90 (x), bar from median to p99"\n'
                      'set logscale y\nset format y "%g"\n'
                      'set ylabel "time (µs, log scale)"\n'
                      f"set xrange [-0.7:{len(order) - 0.3}]\n"
                      f"set xtics ({tics}) rotate by 40 right\n"
                      "set key top left\n"
                      "plot " + ", \\\n  ".join(plots))
            self.add_plot("startup.svg", "Start-up per mechanism, log scale", script, blocks)
        # table of every mechanism
        cols = [s for s, _ in files]
        rows = []
        for n in order:
            cells = [f"`{n}`"]
            for s in cols:
                r = data.get(s, {}).get(n)
                if s not in data:
                    cells.append("(file missing)")
                elif r is None:
                    cells.append("")
                elif r["iterations"] == 0:
                    cells.append("not measured")
                else:
                    cells.append(f"{fmt_ns(r['median'])} / {fmt_ns(r['p99'])}")
            rows.append(cells)
        self.md.append("Median / p99 of each mechanism (an empty cell: that system has no such mechanism).\n")
        self.md.append(table(["mechanism"] + [self.name(s) for s in cols], rows) + "\n")
        # ratios: EdgeOS's FWP start-up against each Linux mechanism
        e = data.get("edgeos", {})
        epairs = [n for n in ("fwp_fork_16k", "fwp_pool_activate_16k") if n in e and e[n]["iterations"] > 0]
        peers = [n for n in order if n not in e and (n.startswith("linux_") or n == "runc_run")]
        prows = []
        for en in epairs:
            for pn in peers:
                g = data.get("linuxvm", {}).get(pn)
                h = data.get("native", {}).get(pn)
                gm = g["median"] if g and g["iterations"] > 0 else None
                hm = h["median"] if h and h["iterations"] > 0 else None
                if gm is None and hm is None:
                    continue
                prows.append([f"`{en}`", f"`{pn}`", fmt_ns(e[en]["median"]), fmt_ns(gm),
                              ratio_cell(e[en]["median"], gm), fmt_ns(hm), ratio_cell(e[en]["median"], hm)])
                if en == "fwp_fork_16k" and pn == "linux_fork_exec" and gm is not None:
                    self.summary.append(f"Start-up: `fwp_fork_16k` {fmt_ns(e[en]['median'])} on "
                                        f"{self.name('edgeos')} against `linux_fork_exec` {fmt_ns(gm)} on "
                                        f"{self.name('linuxvm')}: {ratio_cell(e[en]['median'], gm)}.")
        if prows:
            ge = f"{self.name('edgeos')} / {self.name('linuxvm')}"
            he = f"{self.name('edgeos')} / {self.name('native')}, reference only"
            self.md.append(f"Ratios of medians, EdgeOS's FWP start-up against each Linux mechanism "
                           f"(< 1: EdgeOS is faster). The fair peer is the Linux guest on the same "
                           f"accelerator; the native host is a reference only.\n")
            self.md.append(table(["EdgeOS", "Linux", "EdgeOS median", "Linux guest median", ge,
                                  "native median", he], prows) + "\n")
        elif "edgeos" in data:
            self.md.append("*No ratios: no `fwp_fork_16k` / `fwp_pool_activate_16k` row measured, or no "
                           "Linux mechanism to compare with.*\n")

    # -------------------------------------------------------- memcached
    def memcached(self):
        self.md.append("## memcached: latency against the number of instances\n")
        if not self.have("edgeos-memcached.csv"):
            self.md.append(self.missing_note(["edgeos-memcached.csv"],
                                             "Latency plots and tables left out") + "\n")
            mc = {}
        else:
            mc = load_memcached(self.path("edgeos-memcached.csv"))
            if not mc:
                self.md.append("*`edgeos-memcached.csv` has no rows.*\n")
        systems = self.system_order({k[0] for k in mc})
        for proto in ("udp", "tcp"):
            rows = {k: v for k, v in mc.items() if k[1] == proto}
            if not mc:
                break
            if not rows:
                self.md.append(f"*No {proto.upper()} rows in `edgeos-memcached.csv`.*\n")
                continue
            self.md.append(f"### {proto.upper()}\n")
            ns = sorted({k[2] for k in rows})
            blocks, plots = {}, {"p50_us": [], "p99_us": [], "p999_us": []}
            for i, s in enumerate(systems):
                pts = [(n, rows[(s, proto, n)]) for n in ns if (s, proto, n) in rows]
                pts = [(n, r) for n, r in pts if r["completed"] > 0]
                if not pts:
                    continue
                b = f"M{i}"
                blocks[b] = [(n, r["p50_us"] / 1e3, r["p99_us"] / 1e3, r["p999_us"] / 1e3) for n, r in pts]
                for col, key in ((2, "p50_us"), (3, "p99_us"), (4, "p999_us")):
                    plots[key].append(f'${b} using 1:{col} with linespoints lc rgb "{self.colour(s)}" '
                                      f'pt {POINTS.get(s, 13)} ps 0.9 lw 1.5 title {gp_str(self.name(s))}')
            if blocks:
                lo, hi = min(ns), max(ns)
                script = (terminal(1200, 470) +
                          'set logscale xy\nset format y "%g"\nset format x "%g"\n'
                          f"set xrange [{lo / 1.6}:{hi * 1.6}]\n"
                          "set xtics (" + ", ".join(f'"{n}" {n}' for n in ns) + ")\n"
                          'set xlabel "instances loaded at once (N, log scale)"\n'
                          "set bmargin 7\n"
                          f'set multiplot layout 1,3 title "memcached over {proto.upper()}: latency '
                          'percentiles against N (answered requests)"\n')
                for key, title in (("p50_us", "p50"), ("p99_us", "p99"), ("p999_us", "p99.9")):
                    # one legend for the three panels, centred below them
                    script += ("set key at screen 0.5,0.02 center bottom horizontal\n" if key == "p50_us"
                               else "unset key\n")
                    script += (f'set title "{title}"\nset ylabel "{title} latency (ms, log scale)"\n'
                               "plot " + ", ".join(plots[key]) + "\n")
                script += "unset multiplot\n"
                self.add_plot(f"memcached-latency-{proto}.svg",
                              f"memcached {proto.upper()} latency percentiles against N", script, blocks)
            trows = []
            for n in ns:
                for s in systems:
                    r = rows.get((s, proto, n))
                    if r is None:
                        continue
                    lost = r["timeouts"] + r["errors"]
                    lostp = f"{sig(100 * lost / r['sent'], 2)} %" if r["sent"] else "-"
                    if r["completed"] > 0:
                        lat = [sig(r[k] / 1e3) for k in ("p50_us", "p99_us", "p999_us")]
                    else:
                        lat = ["no answers"] * 3
                    trows.append([n, self.name(s), f"{r['throughput_rps']:.0f}"] + lat +
                                 [f"{lostp} ({grouped(lost)} of {grouped(r['sent'])})"])
            self.md.append(f"Offered load {sig(max(r['target_rps'] for r in rows.values()))} requests/s in "
                           "total; latency in ms from the scheduled send time; lost = timed out or wrong.\n")
            self.md.append(table(["N", "system", "answered req/s", "p50 ms", "p99 ms", "p99.9 ms", "lost"],
                                 trows) + "\n")
            rrows = []
            for n in ns:
                e, g = rows.get(("edgeos", proto, n)), rows.get(("linuxvm", proto, n))
                if not e or not g:
                    continue
                ok = e["completed"] > 0 and g["completed"] > 0
                rrows.append([n, sig(e["throughput_rps"] / g["throughput_rps"]) if g["throughput_rps"] else "-"] +
                             [ratio_cell(e[k], g[k]) if ok else "-" for k in ("p50_us", "p99_us", "p999_us")])
                if ok and n == ns[-1]:
                    self.summary.append(f"memcached over {proto.upper()}, N = {n}: p99 {sig(e['p99_us'] / 1e3)} ms "
                                        f"on {self.name('edgeos')} against {sig(g['p99_us'] / 1e3)} ms on "
                                        f"{self.name('linuxvm')}: {ratio_cell(e['p99_us'], g['p99_us'])}; "
                                        f"answered {sig(e['throughput_rps'])} against "
                                        f"{sig(g['throughput_rps'])} requests/s.")
            if rrows:
                h = f"{self.name('edgeos')} / {self.name('linuxvm')}"
                self.md.append(f"Ratios {h} (throughput: > 1, EdgeOS answers more; latency: < 1, EdgeOS "
                               "is faster).\n")
                self.md.append(table(["N", f"{h}: answered req/s", "p50", "p99", "p99.9"], rrows) + "\n")
        self.cdfs(systems)

    def system_order(self, found):
        known = [s for s in ("edgeos", "linuxvm", "native") if s in found]
        return known + sorted(found - set(known))

    def cdfs(self, systems):
        self.md.append("## memcached: latency CDFs\n")
        if not self.have("edgeos-memcached-cdf.csv"):
            self.md.append(self.missing_note(["edgeos-memcached-cdf.csv"], "CDF plots left out") + "\n")
            return
        cdf = load_cdf(self.path("edgeos-memcached-cdf.csv"))
        if not cdf:
            self.md.append("*`edgeos-memcached-cdf.csv` has no rows.*\n")
            return
        systems = self.system_order({k[0] for k in cdf} | set(systems))
        self.md.append("Each curve is the latency distribution of the requests answered in the measured "
                       "interval; requests that timed out are not in it, the legend gives their share.\n")
        for proto in ("udp", "tcp"):
            for n in self.cdf_ns:
                curves = [(s, cdf[(s, proto, n)]) for s in systems if (s, proto, n) in cdf]
                if not curves:
                    self.md.append(f"*CDF {proto.upper()}, N = {n}: no rows for it in "
                                   "`edgeos-memcached-cdf.csv` (see `MCE_N` of `make bench-memcached`).*\n")
                    continue
                blocks, plots, lows, highs = {}, [], [], []
                for i, (s, e) in enumerate(curves):
                    pts = [(lat / 1e3, q) for q, lat in e["points"] if lat > 0]
                    lost = e["lost"]
                    title = self.name(s) + (f", {sig(100 * lost, 2)} % lost" if lost is not None else "")
                    if not pts:
                        self.md.append(f"*CDF {proto.upper()}, N = {n}: {self.name(s)} answered nothing"
                                       f"{f' ({sig(100 * lost, 2)} % lost)' if lost is not None else ''}.*\n")
                        continue
                    b = f"C{i}"
                    blocks[b] = pts
                    lows.append(pts[0][0])
                    highs.append(pts[-1][0])
                    plots.append(f'${b} using 1:2 with lines lc rgb "{self.colour(s)}" lw 2 title {gp_str(title)}')
                if not plots:
                    continue
                script = (terminal(800, 480) +
                          'set logscale x\nset format x "%g"\n'
                          f"set xrange [{min(lows) / 1.5}:{max(highs) * 1.5}]\nset yrange [0:1.02]\n"
                          'set ytics 0.1\nset grid xtics\n'
                          f'set title "memcached over {proto.upper()}, N = {n}: latency CDF"\n'
                          'set xlabel "latency (ms, log scale)"\n'
                          'set ylabel "fraction of answered requests"\n'
                          'set key bottom right\n'
                          "plot " + ", ".join(plots))
                self.add_plot(f"memcached-cdf-{proto}-n{n}.svg", f"memcached {proto.upper()} latency CDF, N = {n}",
                              script, blocks)

    # -------------------------------------------------------- instruction counts
    def icount(self):
        self.md.append("## Guest instructions per operation\n")
        if not self.have("icount.csv"):
            self.md.append(self.missing_note(["icount.csv"], "Instruction plot and tables left out") + "\n")
            return
        ic = load_icount(self.path("icount.csv"))
        before = load_icount(self.path("icount-before.csv")) if self.have("icount-before.csv") else None
        if not ic:
            self.md.append("*`icount.csv` has no rows.*\n")
            return
        sysmap = {"edgeos": "edgeos", "linux-guest": "linuxvm"}
        systems = []
        for s, _ in ic:
            if s not in systems:
                systems.append(s)
        systems.sort(key=lambda s: (s not in sysmap, list(sysmap).index(s) if s in sysmap else 0, s))
        ops = []
        for s in systems:
            for (t, o) in ic:
                if t == s and o not in ops:
                    ops.append(o)
        blocks, plots = {}, []
        width = 0.5 / max(1, len(systems))
        for k, s in enumerate(systems):
            off = (k - (len(systems) - 1) / 2) * width
            key = sysmap.get(s, s)
            rows = [(f"{i + off:.3f}", v["median"], v["min"], v["max"]) for i, o in enumerate(ops)
                    for v in [ic.get((s, o))] if v and v["runs"] > 0 and v["min"] > 0]
            if rows:
                blocks[f"I{k}"] = rows
                plots.append(f'$I{k} using 1:2:3:4 with yerrorbars lc rgb "{self.colour(key)}" '
                             f'pt {POINTS.get(key, 13)} ps 0.9 lw 1.2 title {gp_str(self.name(key))}')
            if before:
                rows = [(f"{i + off + width / 3:.3f}", v["median"]) for i, o in enumerate(ops)
                        for v in [before.get((s, o))] if v and v["runs"] > 0 and v["median"] > 0]
                if rows:
                    blocks[f"B{k}"] = rows
                    plots.append(f'$B{k} using 1:2 with points lc rgb "{self.colour(key)}" pt 6 ps 0.9 '
                                 f'title {gp_str(self.name(key) + ", before (median)")}')
        targets = [(i, limit) for i, o in enumerate(ops) for op, _, limit in ICOUNT_TARGETS if op == o]
        if plots and targets:
            blocks["T"] = targets
            plots.append('$T using 1:2:(0.35) with xerrorbars lc rgb "#c0392b" pt 0 lw 2 title "target (at most)"')
        if plots:
            tics = ", ".join(f"{gp_str(o)} {i}" for i, o in enumerate(ops))
            script = (terminal(max(900, 50 * len(ops) + 200), 540) +
                      'set title "Guest instructions per operation: median, bar from min to max"\n'
                      'set logscale y\nset format y "%.0f"\n'
                      'set ylabel "instructions (log scale)"\n'
                      f"set xrange [-0.7:{len(ops) - 0.3}]\n"
                      f"set xtics ({tics}) rotate by 40 right\n"
                      "set key top left\n"
                      "plot " + ", \\\n  ".join(plots))
            self.add_plot("icount.svg", "Guest instructions per operation, log scale", script, blocks)
        # targets
        self.md.append("### Targets (EdgeOS, median guest instructions)\n")
        trows, met_n, known_n = [], 0, 0
        for op, what, limit in ICOUNT_TARGETS:
            a = ic.get(("edgeos", op))
            am = a["median"] if a and a["runs"] > 0 else None
            verdict = "-" if am is None else ("met" if am <= limit else "**not met**")
            if am is not None:
                known_n += 1
                met_n += am <= limit
            cells = [f"{what} (`{op}`)", f"≤ {grouped(limit)}"]
            if before is not None:
                b = before.get(("edgeos", op))
                bm = b["median"] if b and b["runs"] > 0 else None
                bverdict = "-" if bm is None else ("met" if bm <= limit else "**not met**")
                cells += [grouped(bm) if bm is not None else "not in icount-before.csv", bverdict]
                cells += [grouped(am) if am is not None else "not in icount.csv", verdict,
                          sig(am / bm) if am is not None and bm else "-"]
            else:
                cells += [grouped(am) if am is not None else "not in icount.csv", verdict]
            trows.append(cells)
        hdr = ["operation", "target"]
        hdr += (["before", "before: met?", "after", "after: met?", "after / before"] if before is not None
                else ["EdgeOS median", "met?"])
        self.md.append(table(hdr, trows) + "\n")
        unknown = len(ICOUNT_TARGETS) - known_n
        self.summary.append(f"Instruction targets (EdgeOS median): {met_n} met, {known_n - met_n} not met"
                            + (f", {unknown} not measured." if unknown else "."))
        # every operation
        self.md.append("### Every operation (median, min-max)\n")
        arows = []
        for o in ops:
            cells = [f"`{o}`"]
            for s in systems:
                v = ic.get((s, o))
                cells.append(f"{grouped(v['median'])} ({grouped(v['min'])}-{grouped(v['max'])}), {int(v['runs'])} runs"
                             if v and v["runs"] > 0 else ("not measured" if v else ""))
            arows.append(cells)
        self.md.append(table(["operation"] + [self.name(sysmap.get(s, s)) for s in systems], arows) + "\n")
        # ratios EdgeOS / Linux guest for comparable operations
        prow = []
        starts = [o for (s, o) in ic if s == "linux-guest" and o.startswith("linux_") and "memcached" not in o]
        for (s, o), v in ic.items():
            if s != "edgeos" or v["runs"] == 0:
                continue
            peers = []
            if o in ("fwp_fork_16k", "fwp_pool_activate_16k"):
                peers = starts
            elif o.startswith("memcached_request_"):
                peers = [f"linux_{o}"]
            for p in peers:
                g = ic.get(("linux-guest", p))
                if g and g["runs"] > 0:
                    prow.append([f"`{o}`", f"`{p}`", grouped(v["median"]), grouped(g["median"]),
                                 ratio_cell(v["median"], g["median"], "fewer", "more")])
        if prow:
            h = f"{self.name('edgeos')} / {self.name('linuxvm')}"
            self.md.append(f"Ratios of median instructions, {h} (< 1: EdgeOS executes fewer).\n")
            self.md.append(table(["EdgeOS operation", "Linux guest operation", "EdgeOS", "Linux guest", h],
                                 prow) + "\n")

    # -------------------------------------------------------- the page
    def machine(self):
        model, cpus, mem = "unknown CPU", 0, None
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name") and model == "unknown CPU":
                        model = line.split(":", 1)[1].strip()
                    if line.startswith("processor"):
                        cpus += 1
        except OSError:
            pass
        try:
            with open("/proc/meminfo") as f:
                for line in f:
                    if line.startswith("MemTotal:"):
                        mem = int(line.split()[1]) / 1024 / 1024
        except (OSError, ValueError, IndexError):
            pass
        cpus = cpus or os.cpu_count() or 0
        s = f"{model}, {cpus} logical CPU{'s' if cpus != 1 else ''}"
        if mem:
            s += f", {mem:.1f} GiB of memory"
        return s + f", Linux {platform.release()}"

    def inputs_table(self):
        rows = []
        for n, (target, required, _) in INPUTS.items():
            p = self.path(n)
            if os.path.isfile(p):
                t = datetime.datetime.fromtimestamp(os.path.getmtime(p), datetime.timezone.utc)
                count = len(read_rows(p, []))
                rows.append([f"`{n}`", f"{count} row{'s' if count != 1 else ''}, modified {t:%Y-%m-%d %H:%M} UTC",
                             made_by(n) or "-"])
            elif required:
                rows.append([f"`{n}`", "**missing**", made_by(n)])
            else:
                rows.append([f"`{n}`", "absent (optional: an earlier `icount.csv` copied here gives before/after "
                             "columns)", "-"])
        return table(["input", "status", "made by"], rows)

    def run(self):
        self.startup()
        self.memcached()
        self.icount()
        body = self.md
        now = datetime.datetime.now(datetime.timezone.utc)
        head = [
            "# EdgeOS benchmark report\n",
            f"- **Date**: {now:%Y-%m-%d %H:%M} UTC",
            f"- **Machine**: {self.machine()}",
            ("- **Accelerators**: EdgeOS and the Linux guest run under QEMU TCG on this host (software "
             "emulation of every guest instruction), so their figures compare with each other on the same "
             "accelerator; the native host column (Linux on this machine, no emulation) is a reference only, "
             "not a peer." if self.accel == "TCG" else
             f"- **Accelerators**: EdgeOS ran under QEMU {self.accel}, the Linux guest under QEMU TCG: not the "
             "same accelerator, so ratios between them favour EdgeOS; the native host column (Linux on "
             "this machine, no emulation) is a reference only, not a peer."),
            f"- **Inputs**: `{self.indir}`\n",
        ]
        if self.summary:
            head.append("## At a glance\n")
            head += [f"- {s}" for s in self.summary]
            head.append("")
        if self.plots:
            head.append("Plots: " + ", ".join(f"[{p}]({p})" for p in self.plots) + "\n")
        tail = ["## Inputs\n", self.inputs_table(), "",
                "Made by `make bench-report` (`bench/report/report.py`); `BENCH_REPORT_RUN=1` runs the "
                "benchmarks whose CSVs are missing first."]
        return "\n".join(head + body + tail) + "\n"


def main():
    ap = argparse.ArgumentParser(description="EdgeOS benchmark report (markdown + SVG plots)")
    ap.add_argument("--in", dest="indir", default="build/bench", help="directory of the CSVs (build/bench)")
    ap.add_argument("--out", dest="outdir", default=None, help="output directory (IN/report)")
    ap.add_argument("--cdf-n", default="300,1000", help="instance counts with a CDF plot (300,1000)")
    ap.add_argument("--edgeos-accel", default=None,
                    help="EdgeOS's accelerator for the labels (default: from startup-edgeos.log, else TCG)")
    ap.add_argument("--missing-targets", action="store_true",
                    help="print the make targets that write the missing inputs, and exit")
    args = ap.parse_args()
    if args.missing_targets:
        targets = []
        for n, (target, required, _) in INPUTS.items():
            if required and not os.path.isfile(os.path.join(args.indir, n)) and target not in targets:
                targets.append(target)
        print(" ".join(targets))
        return 0
    try:
        args.cdf_n = [int(x) for x in args.cdf_n.split(",") if x.strip()]
    except ValueError:
        ap.error(f"--cdf-n {args.cdf_n!r}: a comma-separated list of integers")
    if not os.path.isdir(args.indir):
        print(f"report: {args.indir}: no such directory", file=sys.stderr)
        return 1
    args.outdir = args.outdir or os.path.join(args.indir, "report")
    os.makedirs(args.outdir, exist_ok=True)
    # plots of an earlier report would otherwise outlive their inputs
    for f in os.listdir(args.outdir):
        if f == "report.md" or (f.endswith(".svg") and (f in ("startup.svg", "icount.svg") or
                                                        f.startswith("memcached-"))):
            os.remove(os.path.join(args.outdir, f))
    rep = Report(args)
    try:
        text = rep.run()
    except InputError as e:
        print(f"report: malformed input: {e}", file=sys.stderr)
        return 1
    out = os.path.join(args.outdir, "report.md")
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    missing = [n for n, (t, req, _) in INPUTS.items() if req and not os.path.isfile(os.path.join(args.indir, n))]
    if missing:
        print("report: missing inputs (left out): " + ", ".join(missing))
    for why in rep.plot.failures:
        print(f"report: {why}", file=sys.stderr)
    print(f"report: {len(rep.plots)} plots in {args.outdir}")
    print(f"report.md: {out}")
    return 1 if rep.plot.failures else 0


if __name__ == "__main__":
    sys.exit(main())
