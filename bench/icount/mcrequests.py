#!/usr/bin/env python3
"""Sends memcached requests one at a time, for instruction counting: each
request is sent only after the previous reply arrived and a pause, so the
guest handles exactly one request between the count's markers.

    mcrequests.py --host H --port P [--count N] [--pause-ms MS] [--wait-s S]

Stores key icount:k over TCP, then N UDP gets and N TCP gets (one
connection) of it. Exits non-zero if a reply is missing or wrong."""
import argparse, socket, struct, sys, time

VALUE = b"v" * 32


def tcp_connect(host, port, wait_s):
    end = time.time() + wait_s
    while True:
        try:
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(b"set icount:k 0 0 %d\r\n%s\r\n" % (len(VALUE), VALUE))
            if read_until(s, b"\r\n") == b"STORED\r\n":
                return s
            s.close()
        except OSError:
            pass
        if time.time() > end:
            sys.exit(f"mcrequests: no memcached at {host}:{port} after {wait_s} s")
        time.sleep(1)


def read_until(s, end):
    buf = b""
    while not buf.endswith(end):
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    return buf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--pause-ms", type=float, default=20)
    ap.add_argument("--wait-s", type=float, default=120)
    a = ap.parse_args()
    t = tcp_connect(a.host, a.port, a.wait_s)
    want = b"VALUE icount:k 0 %d\r\n%s\r\nEND\r\n" % (len(VALUE), VALUE)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    for i in range(a.count):
        time.sleep(a.pause_ms / 1000)
        u.sendto(struct.pack(">HHHH", i, 0, 1, 0) + b"get icount:k\r\n", (a.host, a.port))
        try:
            r = u.recv(65536)
        except socket.timeout:
            sys.exit(f"mcrequests: UDP request {i}: no reply")
        if r[:2] != struct.pack(">H", i) or r[8:] != want:
            sys.exit(f"mcrequests: UDP request {i}: unexpected reply {r[:60]!r}")
    for i in range(a.count):
        time.sleep(a.pause_ms / 1000)
        t.sendall(b"get icount:k\r\n")
        if read_until(t, b"END\r\n") != want:
            sys.exit(f"mcrequests: TCP request {i}: unexpected reply")
    t.close()
    print(f"mcrequests: {a.count} UDP and {a.count} TCP gets answered")


if __name__ == "__main__":
    main()
