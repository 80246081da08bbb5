#!/usr/bin/env python3
"""Checks that every memcached instance of a range of ports answers.

    mcports.py --host 10.77.0.2 --base 11211 --count 1000 --proto udp,tcp --timeout 120

UDP: `get key:1` to every port from one socket, in paced rounds, again to
the ports that have not answered yet, until all have or the time is up.
TCP: a connection to every port (at most --window open at a time), `get
key:1`, the whole reply, close. Any well-formed reply (hit or miss) counts.
Prints one line per protocol and the first ports that did not answer; exit
status 0 only if every port answered on every protocol asked for.
bench-memcached runs it before loading a system, so a system that does not
serve all its instances is reported as such instead of as a latency.
"""
import argparse, os, selectors, socket, struct, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/net"))
from mcudp import reply_complete  # noqa: E402

GET = b"get key:1\r\n"


def check_udp(host, ports, deadline, batch=64):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.setblocking(False)
    pending = set(ports)
    rid = 0
    while pending and time.monotonic() < deadline:
        todo = sorted(pending)
        for k in range(0, len(todo), batch):
            for p in todo[k:k + batch]:
                rid = (rid + 1) & 0xFFFF
                try:
                    s.sendto(struct.pack("!HHHH", rid, 0, 1, 0) + GET, (host, p))
                except OSError:
                    pass
            # collect answers for a while before the next batch
            end = time.monotonic() + 0.1
            while time.monotonic() < end:
                try:
                    data, addr = s.recvfrom(2048)
                except BlockingIOError:
                    time.sleep(0.002)
                    continue
                except OSError:
                    continue
                if len(data) > 8 and addr[0] == host and reply_complete(data[8:]):
                    pending.discard(addr[1])
            if time.monotonic() >= deadline:
                break
    s.close()
    return pending


def check_tcp(host, ports, deadline, window=16, conn_timeout=5.0):
    sel = selectors.DefaultSelector()
    queue = [(p, 0.0) for p in sorted(ports)]      # (port, not before)
    pending = set(ports)
    live = {}          # socket -> [port, started, buffer, sent]
    errors = {}
    while (queue or live) and time.monotonic() < deadline:
        now = time.monotonic()
        while queue and len(live) < window and queue[0][1] <= now:
            p = queue.pop(0)[0]
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.connect_ex((host, p))
            live[s] = [p, time.monotonic(), b"", False]
            sel.register(s, selectors.EVENT_WRITE)
        if not live:
            time.sleep(0.01)
        for key, _ in sel.select(0.05):
            s = key.fileobj
            st = live[s]
            done = False
            try:
                if not st[3]:
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        raise OSError(err, os.strerror(err))
                    s.send(GET)
                    st[3] = True
                    sel.modify(s, selectors.EVENT_READ)
                    continue
                more = s.recv(4096)
                if not more:
                    raise OSError(0, "closed by the server")
                st[2] += more
                if reply_complete(st[2]):
                    pending.discard(st[0])
                    done = True
            except OSError as e:
                errors[e.strerror] = errors.get(e.strerror, 0) + 1
                queue.append((st[0], time.monotonic() + 0.2))   # again later, while time is left
                done = True
            if done:
                sel.unregister(s)
                s.close()
                del live[s]
        now = time.monotonic()
        for s in [s for s, st in live.items() if now - st[1] > conn_timeout]:
            errors["timeout"] = errors.get("timeout", 0) + 1
            queue.append((live[s][0], now))
            sel.unregister(s)
            s.close()
            del live[s]
    for s in list(live):
        s.close()
    return pending, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="10.77.0.2")
    ap.add_argument("--base", type=int, default=11211)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--proto", default="udp,tcp", help="udp, tcp or both (comma-separated)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds for each protocol")
    ap.add_argument("--window", type=int, default=16, help="tcp: connections open at a time")
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    ports = range(a.base, a.base + a.count)
    ok = True
    for proto in [p for p in a.proto.replace(" ", ",").split(",") if p]:
        t0 = time.monotonic()
        deadline = t0 + a.timeout
        errors = {}
        if proto == "udp":
            missing = check_udp(a.host, ports, deadline)
        elif proto == "tcp":
            missing, errors = check_tcp(a.host, ports, deadline, a.window)
        else:
            sys.exit(f"mcports: unknown protocol {proto}")
        line = (f"mcports {a.label} {proto}: {a.count - len(missing)}/{a.count} ports of {a.host}:"
                f"{a.base}..{a.base + a.count - 1} answered in {time.monotonic() - t0:.1f} s")
        if errors:
            line += " (retried after: " + ", ".join(f"{k} x{v}" for k, v in errors.items()) + ")"
        print(line.replace("  ", " "))
        if missing:
            ok = False
            m = sorted(missing)
            print(f"mcports {a.label} {proto}: no answer from {len(m)} ports: "
                  + " ".join(map(str, m[:20])) + (" ..." if len(m) > 20 else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
