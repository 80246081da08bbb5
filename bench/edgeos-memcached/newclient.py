#!/usr/bin/env python3
"""New-client set-up time seen on the wire (perclient isolation mode).

For each of --clients new clients (a fresh UDP socket, so a new source port
and, in perclient mode, a new FWP instance), sends `get key:1` and times the
first request, then --later more requests on the same socket. The first
request includes whatever the server does for a new client (EdgeOS: take an
instance from the pool / fork it from the template, set up its channel); the
later ones do not. Clients run one after another (closed loop), so the
figures are unloaded latencies.

    newclient.py --host 10.77.0.2 --port 11211 --clients 200 --csv out.csv --label edgeos
"""
import argparse, os, statistics, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/net"))
from mcudp import McUdp, Timeout  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="10.77.0.2")
    ap.add_argument("--port", type=int, default=11211)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--later", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--csv", default="")
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    first, later, fails = [], [], 0
    deadline = time.monotonic() + 120        # bound the whole run
    for _ in range(a.clients):
        if time.monotonic() > deadline:
            break
        with McUdp(a.host, a.port, 0, a.timeout) as c:
            try:
                t = time.perf_counter_ns()
                c.get("key:1")          # a hit or a miss: any well-formed reply counts
                first.append((time.perf_counter_ns() - t) / 1000)
                for _ in range(a.later):
                    t = time.perf_counter_ns()
                    c.get("key:1")
                    later.append((time.perf_counter_ns() - t) / 1000)
            except (Timeout, ValueError):
                fails += 1
    if not first:
        print(f"newclient {a.label}: no client got an answer ({fails} failures)")
        return 1
    f50, l50 = statistics.median(first), statistics.median(later) if later else float("nan")
    f90 = sorted(first)[int(0.9 * (len(first) - 1))]
    print(f"newclient {a.label}: {len(first)} new clients ({fails} failed): first request median {f50:.1f} us "
          f"(p90 {f90:.1f}), later requests median {l50:.1f} us, set-up cost ~{f50 - l50:.1f} us")
    if a.csv:
        new = not os.path.exists(a.csv)
        with open(a.csv, "a") as f:
            if new:
                f.write("label,clients,failed,first_p50_us,first_p90_us,later_p50_us,setup_us\n")
            f.write(f"{a.label},{len(first)},{fails},{f50:.1f},{f90:.1f},{l50:.1f},{f50 - l50:.1f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
