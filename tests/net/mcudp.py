#!/usr/bin/env python3
"""Small memcached client over UDP (python3 standard library only).

memcached's UDP framing: every datagram starts with an 8-byte header
(request id, sequence number, datagram count, reserved; big-endian 16-bit
fields) followed by text protocol. A request is one datagram (sequence 0,
count 1); a reply may span several datagrams with the same request id.

Used by the EdgeOS network tests as a library (McUdp) and by hand:

    tests/net/mcudp.py --host 10.77.0.2 --port 11211 "get key:1"
    tests/net/mcudp.py --host 10.77.0.2 --sport 40001 "set a 0 0 1" "x"

Each positional argument is one line; they are joined with CRLF and sent as
one request. The reply text is printed; exit status 1 on timeout.
"""
import argparse, os, socket, struct, sys, time

HDR = struct.Struct("!HHHH")
# A reply is complete when its last line is one of these.
TERMINAL = (b"END", b"STORED", b"NOT_STORED", b"EXISTS", b"NOT_FOUND", b"DELETED", b"TOUCHED",
            b"OK", b"ERROR", b"RESET", b"EN", b"HD", b"NS", b"EX", b"NF", b"MN")
TERMINAL_PREFIX = (b"CLIENT_ERROR", b"SERVER_ERROR", b"VERSION", b"VA ", b"HD ", b"EN ", b"NF ", b"NS ",
                   b"EX ", b"ME ")


class Timeout(Exception):
    pass


def reply_complete(text):
    if not text.endswith(b"\r\n"):
        return False
    if text.startswith(b"VALUE "):
        return text.endswith(b"\r\nEND\r\n")
    last = text[:-2].rsplit(b"\r\n", 1)[-1]
    if last in TERMINAL or last.startswith(TERMINAL_PREFIX):
        # "VA n" announces a value block: complete only once the block is in
        if last.startswith(b"VA "):
            return False
        # a VALUE header whose data has not arrived is not complete; END covers gets
        return True
    # data line of a get without END yet, or a numeric incr/decr result
    return last.isdigit()


class McUdp:
    """One UDP socket (optionally bound to a given source port) to host:port."""

    def __init__(self, host, port, sport=0, timeout=1.0, bind_addr=""):
        self.addr = (host, port)
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((bind_addr, sport))
        self.sport = self.sock.getsockname()[1]
        self.rid = int.from_bytes(os.urandom(2), "big")

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send_raw(self, payload):
        """Sends one datagram as is (no header added)."""
        self.sock.sendto(payload, self.addr)

    def request(self, text, timeout=None):
        """Sends text (bytes, already CRLF-terminated) as one framed request and
        returns the reply text (all reply datagrams with our request id, in
        sequence order). Raises Timeout if no complete reply arrives."""
        self.rid = (self.rid + 1) & 0xFFFF
        rid = self.rid
        self.sock.sendto(HDR.pack(rid, 0, 1, 0) + text, self.addr)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        msgs = []           # list of {seq: payload} per message, in arrival order
        cur, total = {}, None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                got = b"".join(b"".join(m[s] for s in sorted(m)) for m in msgs)
                raise Timeout(f"no complete reply from {self.addr[0]}:{self.addr[1]} "
                              f"(sport {self.sport}) to {text[:40]!r}; partial {got[:80]!r}")
            self.sock.settimeout(left)
            try:
                data, src = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            if src != self.addr or len(data) < HDR.size:
                continue
            r, seq, tot, _ = HDR.unpack_from(data)
            if r != rid:
                continue        # a late reply to an earlier request
            if tot == 0:        # empty response object
                continue
            if total is None or seq in cur:
                if cur:
                    msgs.append(cur)
                cur, total = {}, tot
            cur[seq] = data[HDR.size:]
            if len(cur) == total:
                msgs.append(cur)
                cur, total = {}, None
                text_all = b"".join(b"".join(m[s] for s in sorted(m)) for m in msgs)
                if reply_complete(text_all):
                    return text_all

    def cmd(self, line, timeout=None):
        return self.request(line.encode() + b"\r\n", timeout)

    def get(self, key, timeout=None):
        """Value (bytes) of key, or None when absent."""
        rep = self.cmd(f"get {key}", timeout)
        return parse_get(rep, key)

    def set(self, key, value, flags=0, exptime=0, timeout=None):
        if isinstance(value, str):
            value = value.encode()
        rep = self.request(f"set {key} {flags} {exptime} {len(value)}\r\n".encode() + value + b"\r\n", timeout)
        return rep.strip().decode(errors="replace")

    def delete(self, key, timeout=None):
        return self.cmd(f"delete {key}", timeout).strip().decode(errors="replace")


def parse_get(rep, key):
    """Parses a single-key get reply; returns the value or None; raises
    ValueError on a reply that is not a well-formed get reply."""
    if rep == b"END\r\n":
        return None
    head, _, rest = rep.partition(b"\r\n")
    parts = head.split(b" ")
    if len(parts) < 4 or parts[0] != b"VALUE" or parts[1] != key.encode():
        raise ValueError(f"unexpected get reply {rep[:80]!r}")
    n = int(parts[3])
    if rest[n:] != b"\r\nEND\r\n":
        raise ValueError(f"unexpected get reply {rep[:80]!r}")
    return rest[:n]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lines", nargs="+")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=11211)
    ap.add_argument("--sport", type=int, default=0, help="source port (0 = any)")
    ap.add_argument("--timeout", type=float, default=1.0)
    a = ap.parse_args()
    with McUdp(a.host, a.port, a.sport, a.timeout) as c:
        try:
            rep = c.request("\r\n".join(a.lines).encode() + b"\r\n")
        except Timeout as e:
            print(e, file=sys.stderr)
            return 1
    sys.stdout.write(rep.decode(errors="replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
