#!/usr/bin/env python3
"""New-client set-up time seen on the wire (perclient isolation mode).

Clients run one after another (closed loop), so the figures are unloaded
latencies. For each of --clients new clients:

--proto udp: a fresh UDP socket (a new source port: in EdgeOS perclient
  mode a new FWP instance); times the first `get key:1`, then --later more
  requests on the same socket.
--proto tcp: a new connection; times from connect() (the SYN) to the first
  byte of the reply to `get key:1` sent right after the handshake, then
  --later more requests on the same connection (send to first reply byte).
  With --src-base A.B.C.D, client i binds to A.B.C.D + i (EdgeOS's
  perclient mode tells TCP clients apart by source address, so each new
  client needs an address of its own; the addresses must exist on this
  side, e.g. secondary addresses on the TAP). --warm-neigh first sends one
  ICMP echo from every such address, so that a peer which resolves
  addresses with ARP (a Linux guest) knows them all before the
  measurement: the timed path is then the TCP and memcached work, not ARP.

The first request includes whatever the server does for a new client
(EdgeOS: take a set-up instance from the ready list, steer the connection to
it, its TCP handshake); the later ones do not.

    newclient.py --proto tcp --host 10.77.0.2 --port 11211 --clients 200 \\
                 --src-base 10.77.0.10 --warm-neigh --csv out.csv --label edgeos
"""
import argparse, ipaddress, math, os, socket, statistics, struct, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/net"))
from mcudp import McUdp, Timeout, reply_complete  # noqa: E402

CSV_HEADER = ("label,proto,clients,failed,first_p50_us,first_p99_us,connect_p50_us,"
              "later_p50_us,later_p99_us,setup_us\n")


def pct(xs, p):
    """The p-quantile (nearest rank) of xs."""
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, math.ceil(p * len(s)) - 1))]


def icmp_csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def icmp_echo(host, src, ident, timeout=1.0):
    """One ICMP echo from src to host (raw socket: needs root); True if answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    try:
        s.bind((src, 0))
        s.settimeout(timeout)
        body = b"edgeos-newclient"
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
        s.sendto(struct.pack("!BBHHH", 8, 0, icmp_csum(hdr + body), ident, 1) + body, (host, 0))
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                pkt, addr = s.recvfrom(2048)
            except socket.timeout:
                return False
            ihl = (pkt[0] & 15) * 4
            if addr[0] == host and len(pkt) >= ihl + 8:
                t, _, _, i, _ = struct.unpack_from("!BBHHH", pkt, ihl)
                if t == 0 and i == ident:
                    return True
        return False
    finally:
        s.close()


def read_reply(s, buf):
    """Reads until the memcached reply in buf is complete."""
    while not reply_complete(buf):
        more = s.recv(4096)
        if not more:
            raise ValueError("connection closed mid-reply")
        buf += more
    return buf


def tcp_client(a, src, first, connect, later):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if src:
            s.bind((src, 0))
        s.settimeout(a.timeout)
        t0 = time.perf_counter_ns()
        s.connect((a.host, a.port))
        t1 = time.perf_counter_ns()
        s.sendall(b"get key:1\r\n")
        buf = s.recv(4096)
        t2 = time.perf_counter_ns()
        if not buf:
            raise ValueError("connection closed before the reply")
        read_reply(s, buf)
        ls = []
        for _ in range(a.later):
            t = time.perf_counter_ns()
            s.sendall(b"get key:1\r\n")
            buf = s.recv(4096)
            t3 = time.perf_counter_ns()
            if not buf:
                raise ValueError("connection closed before the reply")
            read_reply(s, buf)
            ls.append((t3 - t) / 1000)
        first.append((t2 - t0) / 1000)
        connect.append((t1 - t0) / 1000)
        later.extend(ls)
    finally:
        s.close()


def udp_client(a, first, later):
    with McUdp(a.host, a.port, 0, a.timeout) as c:
        t = time.perf_counter_ns()
        c.get("key:1")          # a hit or a miss: any well-formed reply counts
        f = (time.perf_counter_ns() - t) / 1000
        ls = []
        for _ in range(a.later):
            t = time.perf_counter_ns()
            c.get("key:1")
            ls.append((time.perf_counter_ns() - t) / 1000)
        first.append(f)
        later.extend(ls)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--proto", choices=["udp", "tcp"], default="udp")
    ap.add_argument("--host", default="10.77.0.2")
    ap.add_argument("--port", type=int, default=11211)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--later", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=2.0, help="per request / connect (s)")
    ap.add_argument("--src-base", default="", help="tcp: client i binds to this address + i")
    ap.add_argument("--warm-neigh", action="store_true", help="tcp: one ICMP echo from each address first")
    ap.add_argument("--max-seconds", type=float, default=300, help="bound on the whole run")
    ap.add_argument("--csv", default="")
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    srcs = [""] * a.clients
    if a.proto == "tcp" and a.src_base:
        base = ipaddress.IPv4Address(a.src_base)
        srcs = [str(base + i) for i in range(a.clients)]
    if a.warm_neigh and a.src_base:
        unanswered = sum(not icmp_echo(a.host, s, 0x4500 + i) for i, s in enumerate(srcs))
        if unanswered:
            print(f"newclient {a.label}: {unanswered} of {len(srcs)} ICMP echoes unanswered (neighbour warm-up)")
    first, connect, later, fails, why = [], [], [], 0, {}
    deadline = time.monotonic() + a.max_seconds
    for i in range(a.clients):
        if time.monotonic() > deadline:
            print(f"newclient {a.label}: stopped after {i} clients ({a.max_seconds:.0f} s)")
            break
        try:
            if a.proto == "tcp":
                tcp_client(a, srcs[i], first, connect, later)
            else:
                udp_client(a, first, later)
        except (Timeout, ValueError, OSError) as e:
            fails += 1
            k = type(e).__name__ + (f" {e.strerror}" if isinstance(e, OSError) and e.strerror else "")
            why[k] = why.get(k, 0) + 1
    if fails:
        print(f"newclient {a.label} {a.proto}: failures: " + ", ".join(f"{k} x{v}" for k, v in why.items()))
    if not first:
        print(f"newclient {a.label} {a.proto}: no client got an answer ({fails} failures)")
        if a.csv:
            write_csv(a, [a.label, a.proto, 0, fails, "-", "-", "-", "-", "-", "-"])
        return 1
    f50, f99 = statistics.median(first), pct(first, 0.99)
    l50 = statistics.median(later) if later else float("nan")
    l99 = pct(later, 0.99) if later else float("nan")
    c50 = statistics.median(connect) if connect else None
    what = "connect() to first reply byte" if a.proto == "tcp" else "first request"
    print(f"newclient {a.label} {a.proto}: {len(first)} new clients ({fails} failed): {what} median {f50:.1f} us "
          f"(p99 {f99:.1f})" + (f", connect() alone median {c50:.1f} us" if c50 is not None else "") +
          f"; later requests median {l50:.1f} us (p99 {l99:.1f}); set-up cost ~{f50 - l50:.1f} us")
    if a.csv:
        write_csv(a, [a.label, a.proto, len(first), fails, f"{f50:.1f}", f"{f99:.1f}",
                      f"{c50:.1f}" if c50 is not None else "-", f"{l50:.1f}", f"{l99:.1f}", f"{f50 - l50:.1f}"])
    return 0


def write_csv(a, row):
    new = not os.path.exists(a.csv) or os.path.getsize(a.csv) == 0
    with open(a.csv, "a") as f:
        if new:
            f.write(CSV_HEADER)
        f.write(",".join(str(x) for x in row) + "\n")


if __name__ == "__main__":
    sys.exit(main())
