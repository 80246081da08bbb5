#!/usr/bin/env python3
"""EdgeOS TCP test groups: memcached over TCP through the nic.

Run by tests/tcp/run.sh while one guest is running, inside the test
namespace (`ip netns exec NS ...`) except for the user-networking groups.
Each group prints suite lines (`PASS name` / `FAIL name: why`) for its
tests and commentary (indented) otherwise.

    tcptests.py wait        --host H --port P [--boot-timeout S --serial LOG --vm-pid PID]
    tcptests.py usernet     --host H --port P           UDP and TCP through hostfwd
    tcptests.py isolation   --host H --port P --local A --other B      (perclient)
    tcptests.py idle        --host H --port P --local A --idle-ms MS   (perclient)
    tcptests.py client-reset --host H --port P --local A --other B     (perclient)
    tcptests.py crash       --host H --port P --local A --other B --serial LOG (perclient)
    tcptests.py 1mib        --host H --port P --instances N            (shared)
    tcptests.py pipeline    --host H --port P                          (shared)
    tcptests.py stall       --host H --port P --stall-ms MS            (shared)
    tcptests.py malformed   --host H --port P --mac M --serial LOG     (shared)
    tcptests.py synflood    --host H --port P --mac M --serial LOG     (shared)
    tcptests.py pool        --host H --port P                          (pool)

The serial log (the launcher's stdout) is read for the nic's
`nic: stats ...` lines and for instances that ended. Python 3; pymemcache
for the 1mib group; raw frames use AF_PACKET on the namespace's TAP.
"""
import argparse, os, random, re, select, socket, struct, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "net"))
from mcudp import McUdp, Timeout as UdpTimeout  # noqa: E402
from nettests import RawLink, csum, ipv4, last_stats, serial_text, ended_lines, mac_bytes  # noqa: E402

CRASH_KEY = "__edgeos_crash__"
DIED_RE = re.compile(r"nic: memcached: instance in slot \d+ died[^\n]*")


def out(line):
    print(line, flush=True)


def PASS(name):
    out(f"PASS {name}")


def FAIL(name, why):
    out(f"FAIL {name}: {why}")


def note(msg):
    out(f"  {msg}")


def rand_tag():
    return os.urandom(6).hex()


# ---------------------------------------------------------------- a small TCP memcached client

class Closed(Exception):
    """The server closed (EOF) or reset the connection."""


class Timeout(Exception):
    pass


def parse_reply(buf):
    """Splits one complete memcached text reply off buf: (reply, rest), or
    None when buf does not hold a whole reply yet. A get reply is every
    VALUE block up to END; anything else is one line."""
    i = buf.find(b"\r\n")
    if i < 0:
        return None
    if not buf.startswith(b"VALUE "):
        return buf[:i + 2], buf[i + 2:]
    pos = 0
    while True:
        i = buf.find(b"\r\n", pos)
        if i < 0:
            return None
        line = buf[pos:i]
        if line == b"END":
            return buf[:i + 2], buf[i + 2:]
        parts = line.split(b" ")
        if len(parts) < 4 or parts[0] != b"VALUE":
            raise ValueError(f"malformed get reply line {line[:80]!r}")
        n = int(parts[3])
        end = i + 2 + n + 2
        if len(buf) < end:
            return None
        if buf[end - 2:end] != b"\r\n":
            raise ValueError(f"value block of {parts[1]!r} not followed by CRLF")
        pos = end


class Conn:
    """One TCP connection to memcached (optionally from a given local address)."""

    def __init__(self, host, port, bind=None, timeout=5.0):
        self.host, self.port = host, port
        self.timeout = timeout
        self.buf = b""
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if bind:
            self.s.bind((bind, 0))
        self.s.settimeout(timeout)
        try:
            self.s.connect((host, port))
        except socket.timeout:
            self.s.close()
            raise Timeout(f"connect to {host}:{port}{' from ' + bind if bind else ''} timed out after {timeout:.1f} s")
        except OSError as e:
            self.s.close()
            raise Closed(f"connect to {host}:{port}{' from ' + bind if bind else ''}: {e}")
        self.local = self.s.getsockname()

    def __repr__(self):
        return f"{self.local[0]}:{self.local[1]}->{self.host}:{self.port}"

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def abort(self):
        """Closes with a reset (SO_LINGER 0) instead of a FIN."""
        try:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def send(self, data):
        try:
            self.s.settimeout(self.timeout)
            self.s.sendall(data)
        except socket.timeout:
            raise Timeout(f"{self}: send of {len(data)} bytes timed out")
        except OSError as e:
            raise Closed(f"{self}: send: {e}")

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout(f"{self}: no complete reply within the deadline; have {self.buf[:80]!r}")
        self.s.settimeout(left)
        try:
            d = self.s.recv(1 << 20)
        except socket.timeout:
            raise Timeout(f"{self}: no complete reply within the deadline; have {self.buf[:80]!r}")
        except OSError as e:
            raise Closed(f"{self}: {e}")
        if not d:
            raise Closed(f"{self}: closed by the server (EOF)")
        self.buf += d

    def reply(self, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            r = parse_reply(self.buf)
            if r:
                rep, self.buf = r
                return rep
            self._fill(deadline)

    def read_bytes(self, n, timeout):
        """Exactly n bytes (replies of a pipeline)."""
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            self._fill(deadline)
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def cmd(self, line, timeout=None):
        self.send(line.encode() + b"\r\n" if isinstance(line, str) else line)
        return self.reply(timeout)

    def get(self, key, timeout=None):
        rep = self.cmd(f"get {key}", timeout)
        if rep == b"END\r\n":
            return None
        head, _, rest = rep.partition(b"\r\n")
        parts = head.split(b" ")
        if len(parts) < 4 or parts[0] != b"VALUE" or parts[1] != key.encode():
            raise ValueError(f"get {key}: unexpected reply {rep[:80]!r}")
        n = int(parts[3])
        if rest[n:] != b"\r\nEND\r\n":
            raise ValueError(f"get {key}: unexpected reply {rep[:80]!r}")
        return rest[:n]

    def set(self, key, value, timeout=None):
        if isinstance(value, str):
            value = value.encode()
        return self.cmd(f"set {key} 0 0 {len(value)}\r\n".encode() + value + b"\r\n", timeout).strip().decode(
            errors="replace")

    def wait_closed(self, timeout):
        """Waits for the server to end the connection: ('reset'|'eof', seconds),
        ('data', seconds) if bytes arrive instead, or (None, timeout)."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, timeout
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None, timeout
            except ConnectionResetError:
                return "reset", time.monotonic() - t0
            except OSError as e:
                note(f"{self}: recv: {e}")
                return "reset", time.monotonic() - t0
            if not d:
                return "eof", time.monotonic() - t0
            return "data", time.monotonic() - t0


def connect_retry(host, port, bind=None, within=5.0, timeout=2.0):
    """A connection, retrying refused or reset attempts for `within` seconds."""
    deadline = time.monotonic() + within
    last = None
    while True:
        try:
            return Conn(host, port, bind, timeout=min(timeout, max(0.2, deadline - time.monotonic())))
        except (Closed, Timeout) as e:
            last = e
        if time.monotonic() >= deadline:
            raise Timeout(f"no connection within {within:.1f} s: {last}")
        time.sleep(0.1)


def check_value(c, key, want):
    """None when get(key) == want (str, bytes or None), else what came back."""
    v = c.get(key)
    w = want.encode() if isinstance(want, str) else want
    if v == w:
        return None
    return f"{c}: get {key} -> {v!r:.60}, want {w!r:.60}"


class Keeper(threading.Thread):
    """Keeps a perclient instance busy: a connection of its own from `bind`
    that asks `version` every `period` seconds, so the client's instance is
    never idle long enough to be reclaimed while a test waits. Records the
    first failure."""

    def __init__(self, host, port, bind, period=0.25):
        super().__init__(daemon=True)
        self.c = connect_retry(host, port, bind)
        self.period = period
        self.stop_ev = threading.Event()
        self.error = None
        self.rounds = 0

    def run(self):
        while not self.stop_ev.wait(self.period):
            try:
                r = self.c.cmd("version", timeout=3.0)
                if not r.startswith(b"VERSION "):
                    raise ValueError(f"version -> {r[:60]!r}")
                self.rounds += 1
            except (Closed, Timeout, ValueError) as e:
                self.error = f"keep-alive connection {self.c}: {e}"
                return

    def stop(self):
        self.stop_ev.set()
        self.join(5)
        self.c.close()
        return self.error


# ---------------------------------------------------------------- serial log

def died_lines(path):
    return [m.group(0) for m in DIED_RE.finditer(serial_text(path))]


def wait_stats(path, pred, timeout):
    """The first stats line satisfying pred within timeout (polling the log), else the last one seen."""
    deadline = time.monotonic() + timeout
    st = None
    while True:
        st = last_stats(path)
        if st and pred(st):
            return st, True
        if time.monotonic() >= deadline:
            return st, False
        time.sleep(0.2)


# ---------------------------------------------------------------- raw TCP segments

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 1, 2, 4, 8, 16


def tcp_seg(src, dst, sport, dport, seq, ack, flags, payload=b"", off=5, options=b"", bad_csum=False, win=64240):
    """A TCP segment; `off` is written as the data offset whatever the real header length."""
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, (off & 15) << 4, flags, win, 0,
                    0) + options
    seg = h + payload
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(seg))
    c = csum(pseudo + seg)
    if bad_csum:
        c ^= 0x2468
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def parse_tcp_frame(f):
    """(src, dst, sport, dport, seq, ack, flags) of an Ethernet/IPv4/TCP frame, or None."""
    if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 6:
        return None
    ihl = (f[14] & 15) * 4
    t = 14 + ihl
    if len(f) < t + 20:
        return None
    sport, dport, seq, ack, _, flags = struct.unpack_from("!HHIIBB", f, t)
    return socket.inet_ntoa(f[26:30]), socket.inet_ntoa(f[30:34]), sport, dport, seq, ack, flags


# ---------------------------------------------------------------- groups

def g_wait(a):
    """Waits until the guest answers `version` over TCP."""
    t0 = time.monotonic()
    deadline = t0 + a.boot_timeout
    last = None
    while time.monotonic() < deadline:
        try:
            c = Conn(a.host, a.port, timeout=1.0)
            try:
                r = c.cmd("version", timeout=2.0)
            finally:
                c.close()
            if r.startswith(b"VERSION "):
                note(f"guest answers memcached over TCP after {time.monotonic() - t0:.1f} s ({r.strip().decode()})")
                return 0
            last = f"version -> {r[:60]!r}"
        except (Closed, Timeout, ValueError) as e:
            last = str(e)
        if a.vm_pid and not os.path.exists(f"/proc/{a.vm_pid}"):
            note("the guest has ended")
            break
        if a.serial and re.search(r"powering off|panic", serial_text(a.serial)):
            note("the guest is powering off or panicked")
            break
        time.sleep(0.3)
    note(f"no TCP answer from {a.host}:{a.port} within {a.boot_timeout:.0f} s (last: {last})")
    return 1


def g_usernet(a):
    """Through QEMU's user-network port forwards: UDP still works next to TCP."""
    name = "tcp-usernet-udp"
    bad = None
    with McUdp(a.host, a.port, 0, 1.0) as u:
        for _ in range(3):
            try:
                v = u.get("key:1")
                bad = None if v == b"value:1" else f"UDP get key:1 -> {v!r}, want b'value:1'"
                break
            except (UdpTimeout, ValueError) as e:
                bad = f"UDP get key:1: {e}"
    if bad:
        FAIL(name, f"via {a.host}:{a.port}: {bad}")
    else:
        PASS(name)
    name = "tcp-usernet-tcp"
    try:
        c = Conn(a.host, a.port)
        try:
            tag = rand_tag()
            r = c.set("edgeos:tcp-usernet", tag)
            bad = None if r == "STORED" else f"set -> {r}"
            bad = bad or check_value(c, "edgeos:tcp-usernet", tag) or check_value(c, "key:2", "value:2")
        finally:
            c.close()
        with McUdp(a.host, a.port, 0, 1.0) as u:     # the same instance serves both protocols
            try:
                v = u.get("edgeos:tcp-usernet")
                if not bad and v != tag.encode():
                    bad = f"a key set over TCP read over UDP -> {v!r}, want {tag!r}"
            except (UdpTimeout, ValueError) as e:
                bad = bad or f"UDP get of the key set over TCP: {e}"
    except (Closed, Timeout, ValueError) as e:
        bad = str(e)
    if bad:
        FAIL(name, bad)
    else:
        PASS(name)


# ---- perclient

def g_isolation(a):
    name = "tcp-perclient-isolation"
    A, B = a.local, a.other
    conns = []
    try:
        ca = Conn(a.host, a.port, A)
        cb = Conn(a.host, a.port, B)
        conns += [ca, cb]
        va, vb = f"from-{A}-{rand_tag()}", f"from-{B}-{rand_tag()}"
        wrong = []
        for c, v in ((ca, va), (cb, vb)):
            r = c.set("pc:iso", v)
            if r != "STORED":
                wrong.append(f"{c}: set pc:iso -> {r}")
        r = ca.set("key:7", va)
        if r != "STORED":
            wrong.append(f"{ca}: set key:7 -> {r}")
        for e in (check_value(ca, "pc:iso", va), check_value(cb, "pc:iso", vb),
                  check_value(ca, "key:7", va), check_value(cb, "key:7", "value:7")):
            if e:
                wrong.append(e)
        # a second connection from each address reaches that address's instance
        ca2 = Conn(a.host, a.port, A)
        cb2 = Conn(a.host, a.port, B)
        conns += [ca2, cb2]
        for e in (check_value(ca2, "pc:iso", va), check_value(ca2, "key:7", va),
                  check_value(cb2, "pc:iso", vb), check_value(cb2, "key:7", "value:7")):
            if e:
                wrong.append(e)
        if wrong:
            return FAIL(name, "; ".join(wrong))
        PASS(name)
    except (Closed, Timeout, ValueError) as e:
        FAIL(name, str(e))
    finally:
        for c in conns:
            c.close()


def g_idle(a):
    name = "tcp-perclient-idle-reset"
    idle = a.idle_ms / 1000.0
    try:
        c = Conn(a.host, a.port, a.local)
        try:
            tag = rand_tag()
            for key in ("pc:idle", "key:1"):
                r = c.set(key, tag)
                if r != "STORED":
                    return FAIL(name, f"{c}: set {key} -> {r}")
            e = check_value(c, "pc:idle", tag)
            if e:
                return FAIL(name, e)
            note(f"{c} idle; waiting for the nic to reclaim the instance (idle={a.idle_ms} ms)")
            how, t = c.wait_closed(idle + 8.0)
        finally:
            c.close()
        if how is None:
            return FAIL(name, f"the idle connection was neither reset nor closed within {idle + 8.0:.1f} s")
        if how == "data":
            return FAIL(name, "the idle connection received unexpected data")
        note(f"idle connection ended by {how} after {t:.2f} s")
        if t < idle * 0.9:
            return FAIL(name, f"the connection ended after {t:.2f} s, before the idle time ({idle:.1f} s)")
        c = connect_retry(a.host, a.port, a.local)
        try:
            wrong = [e for e in (check_value(c, "pc:idle", None), check_value(c, "key:1", "value:1"),
                                 check_value(c, "key:99", "value:99")) if e]
        finally:
            c.close()
        if wrong:
            return FAIL(name, "after the reset the instance is not in its template state: " + "; ".join(wrong))
        PASS(name)
    except (Closed, Timeout, ValueError) as e:
        FAIL(name, str(e))


def g_client_reset(a):
    name = "tcp-client-reset"
    keep = None
    conns = []
    try:
        keep = Keeper(a.host, a.port, a.other)
        keep.start()
        cb = Conn(a.host, a.port, a.other)
        conns.append(cb)
        vb = rand_tag()
        r = cb.set("pc:rst-b", vb)
        if r != "STORED":
            return FAIL(name, f"{cb}: set -> {r}")
        ca = Conn(a.host, a.port, a.local)
        r = ca.set("pc:rst-a", "before")
        if r != "STORED":
            return FAIL(name, f"{ca}: set -> {r}")
        # a partial request (a set whose data never completes), then a reset
        ca.send(b"set pc:rst-partial 0 0 100\r\nonly-part-of-the-data")
        # the partial data is acknowledged before the reset goes out, so the
        # instance really holds a partial request when the reset arrives
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            info = ca.s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
            unacked = struct.unpack_from("I", info, 24)[0]        # tcpi_unacked
            if unacked == 0:
                break
            time.sleep(0.02)
        note(f"{ca}: partial request sent; aborting with RST (SO_LINGER 0)")
        ca.abort()
        wrong = []
        c2 = connect_retry(a.host, a.port, a.local)
        conns.append(c2)
        tag = rand_tag()
        r = c2.set("pc:rst-a2", tag)
        if r != "STORED":
            wrong.append(f"{c2}: set after the reset -> {r}")
        for e in (check_value(c2, "pc:rst-a2", tag), check_value(c2, "pc:rst-a", "before"),
                  check_value(c2, "pc:rst-partial", None), check_value(c2, "key:3", "value:3"),
                  check_value(cb, "pc:rst-b", vb)):
            if e:
                wrong.append(e)
        err = keep.stop()
        keep = None
        if err:
            wrong.append(f"the other client was affected: {err}")
        if wrong:
            return FAIL(name, "; ".join(wrong))
        PASS(name)
    except (Closed, Timeout, ValueError) as e:
        FAIL(name, str(e))
    finally:
        if keep:
            keep.stop()
        for c in conns:
            c.close()


def g_crash(a):
    name = "tcp-crash"
    keep = None
    conns = []
    try:
        keep = Keeper(a.host, a.port, a.other)
        keep.start()
        cb = Conn(a.host, a.port, a.other)
        a1 = Conn(a.host, a.port, a.local)
        a2 = Conn(a.host, a.port, a.local)
        conns += [cb, a1, a2]
        va, vb = rand_tag(), rand_tag()
        for c, k, v in ((cb, "pc:crash-b", vb), (a1, "pc:crash-a", va)):
            r = c.set(k, v)
            if r != "STORED":
                return FAIL(name, f"{c}: set {k} -> {r}")
        e = check_value(a2, "pc:crash-a", va)
        if e:
            return FAIL(name, f"before the crash, A's two connections do not share an instance: {e}")
        n_end, n_died = len(ended_lines(a.serial)), len(died_lines(a.serial))
        t0 = time.monotonic()
        a1.send(f"get {CRASH_KEY}\r\n".encode())
        how, t = a2.wait_closed(2.0)
        if how != "reset" and how != "eof":
            return FAIL(name, f"A's other connection {a2} was not reset within 2 s of the crash request "
                              f"({how or 'nothing happened'})")
        note(f"A's other connection ended by {how} {t:.2f} s after the crash request")
        how1, _ = a1.wait_closed(max(0.1, 3.0 - (time.monotonic() - t0)))
        if how1 not in ("reset", "eof"):
            return FAIL(name, f"the crashing connection {a1} was not ended ({how1 or 'nothing within 3 s'})")
        wrong = []
        c3 = connect_retry(a.host, a.port, a.local, within=5.0)
        conns.append(c3)
        for e in (check_value(c3, "pc:crash-a", None), check_value(c3, "key:1", "value:1")):
            if e:
                wrong.append(f"A after the crash is not served by a fresh instance: {e}")
        e = check_value(cb, "pc:crash-b", vb)
        if e:
            wrong.append(f"B after A's crash: {e}")
        err = keep.stop()
        keep = None
        if err:
            wrong.append(f"B was affected: {err}")
        # the serial log: the instance ended and the nic started a fresh one
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            new_end = ended_lines(a.serial)[n_end:]
            new_died = died_lines(a.serial)[n_died:]
            if new_end and new_died:
                break
            time.sleep(0.2)
        if len(new_end) != 1:
            wrong.append(f"{len(new_end)} new 'ended:' lines in the serial log: {new_end}")
        if len(new_died) != 1:
            wrong.append(f"{len(new_died)} new 'instance ... died; starting a fresh one' lines: {new_died}")
        for l in new_end + new_died:
            note(f"serial: {l}")
        if wrong:
            return FAIL(name, "; ".join(wrong))
        PASS(name)
    except (Closed, Timeout, ValueError) as e:
        FAIL(name, str(e))
    finally:
        if keep:
            keep.stop()
        for c in conns:
            c.close()


# ---- shared

def g_1mib(a):
    name = "tcp-1mib"
    try:
        from pymemcache.client.base import Client
        from pymemcache.exceptions import MemcacheServerError
    except ImportError as e:
        return out(f"SKIP {name}: pymemcache not importable ({e})")
    key = "big:1"
    clients = {}

    def client(port):
        if port not in clients:
            clients[port] = Client((a.host, port), connect_timeout=5, timeout=30, no_delay=True)
        return clients[port]

    def try_set(port, n, value=None):
        """True if a value of n bytes is stored, False if refused with SERVER_ERROR;
        anything else raises."""
        v = value if value is not None else b"z" * n
        try:
            r = client(port).set(key, v, noreply=False)
        except MemcacheServerError as e:
            return False, str(e)
        except Exception as e:
            raise ValueError(f"set of {n} bytes on port {port}: {type(e).__name__}: {e}") from e
        if r is not True:
            raise ValueError(f"set of {n} bytes on port {port} -> {r!r}")
        return True, ""

    limit = 1 << 20
    try:
        t0 = time.monotonic()
        lo, hi = limit - 1024, limit
        ok, why = try_set(a.port, lo)
        if not ok:
            return FAIL(name, f"a value of {lo} bytes (1 MiB - 1 KiB) was refused: {why}")
        ok, why = try_set(a.port, hi)
        if ok:
            return FAIL(name, f"a value of {hi} bytes (1 MiB) was accepted with the 1 MiB item limit")
        note(f"{hi} bytes refused: {why}")
        while hi - lo > 1:
            mid = (lo + hi) // 2
            ok, _ = try_set(a.port, mid)
            if ok:
                lo = mid
            else:
                hi = mid
        note(f"largest value stored: {lo} bytes (1 MiB - {limit - lo}) for a {len(key)}-byte key "
             f"(search {time.monotonic() - t0:.1f} s)")
        wrong = []
        for i in range(a.instances):
            port = a.port + i
            data = os.urandom(lo)
            ok, why = try_set(port, lo, data)
            if not ok:
                wrong.append(f"port {port}: {lo} bytes refused: {why}")
                continue
            try:
                got = client(port).get(key)
            except Exception as e:
                raise ValueError(f"get of the {lo}-byte value on port {port}: {type(e).__name__}: {e}") from e
            if got != data:
                wrong.append(f"port {port}: get returned {len(got) if got is not None else None} bytes, "
                             f"{'different content' if got and len(got) == lo else 'want ' + str(lo)}")
            ok, why = try_set(port, lo + 1)
            if ok:
                wrong.append(f"port {port}: {lo + 1} bytes accepted after {lo + 1} was refused on {a.port}")
            elif "too large" not in why:
                note(f"port {port}: {lo + 1} bytes refused with {why!r}")
            # the refused set swallowed its data: the connection still works (memcached
            # also drops the key's old value when a set of it fails)
            got = client(port).get(key)
            if got is not None and got != data:
                wrong.append(f"port {port}: after the refused set, get returned {len(got)} bytes "
                             f"that are not the {lo} stored before")
        if lo < limit - 256:
            wrong.append(f"the largest value accepted is only {lo} bytes (1 MiB - {limit - lo})")
        if wrong:
            return FAIL(name, "; ".join(wrong))
        PASS(name)
    except Exception as e:      # pymemcache raises its own error classes too
        FAIL(name, f"{type(e).__name__}: {e}")
    finally:
        for c in clients.values():
            c.close()


def g_pipeline(a):
    name = "tcp-pipeline"
    try:
        c = Conn(a.host, a.port, timeout=5.0)
        try:
            req, want = [], []
            tag = rand_tag()
            for i in range(100):
                v = f"pipelined-{i}-{tag}-" + "p" * (i * 7)
                req.append(f"set pl:{i} 0 0 {len(v)}\r\n{v}\r\n")
                want.append("STORED\r\n")
                if i % 10 == 9:         # a preloaded key among them
                    k = i // 10
                    req.append(f"get key:{k}\r\n")
                    want.append(f"VALUE key:{k} 0 {len(f'value:{k}')}\r\nvalue:{k}\r\nEND\r\n")
                else:
                    req.append(f"get pl:{i}\r\n")
                    want.append(f"VALUE pl:{i} 0 {len(v)}\r\n{v}\r\nEND\r\n")
            data = "".join(req).encode()
            exp = "".join(want).encode()
            note(f"{len(req)} requests, {len(data)} bytes, in one sendall")
            t0 = time.monotonic()
            c.send(data)
            try:
                got = c.read_bytes(len(exp), 20.0)
                ended = None
            except (Timeout, Closed) as e:
                got, ended = c.buf, e
            if got != exp:
                i = next((i for i in range(min(len(got), len(exp))) if got[i] != exp[i]), min(len(got), len(exp)))
                k = exp[:i].count(b"\r\nEND\r\n") + exp[:i].count(b"STORED\r\n")
                return FAIL(name, f"answers differ from answer {k} of {len(req)} on (byte {i} of {len(exp)}): "
                                  f"got {got[max(0, i - 20):i + 40]!r}, want {exp[max(0, i - 20):i + 40]!r}"
                                  + (f"; then {ended}" if ended else ""))
            # nothing more than the answers
            c.s.settimeout(0.3)
            try:
                extra = c.s.recv(100)
            except socket.timeout:
                extra = b""
            if extra:
                return FAIL(name, f"unexpected bytes after the {len(req)} answers: {extra!r}")
            note(f"all {len(req)} answers in order after {time.monotonic() - t0:.2f} s")
            PASS(name)
        finally:
            c.close()
    except (Closed, Timeout, ValueError) as e:
        FAIL(name, str(e))


def g_stall(a):
    name = "tcp-stall"
    stall = a.stall_ms / 1000.0
    conns = []
    try:
        s1 = Conn(a.host, a.port)
        s2 = Conn(a.host, a.port)
        conns += [s1, s2]
        r = s1.cmd("version")
        if not r.startswith(b"VERSION "):
            return FAIL(name, f"version on the first connection -> {r[:60]!r}")
        s1.send(b"set st:partial 0 0 100\r\nonly-30-of-the-100-bytes-here")
        t0 = time.monotonic()
        note(f"{s1}: partial request left hanging (stall={a.stall_ms} ms)")
        answers = 0
        ended = None
        while time.monotonic() - t0 < stall + 8.0:
            r, _, _ = select.select([s1.s], [], [], 0.25)
            if r:
                how, _ = s1.wait_closed(0.5)
                ended = (how, time.monotonic() - t0)
                break
            e = check_value(s2, "key:1", "value:1")
            if e:
                return FAIL(name, f"the other connection while the first stalls: {e}")
            answers += 1
        if ended is None:
            return FAIL(name, f"the stalled connection was not reset within {stall + 8.0:.1f} s")
        how, t = ended
        note(f"stalled connection ended by {how} after {t:.2f} s; the other answered {answers} gets meanwhile")
        if how not in ("reset", "eof"):
            return FAIL(name, f"the stalled connection got {how} instead of a reset")
        if t < stall * 0.9:
            return FAIL(name, f"the stalled connection was reset after {t:.2f} s, before stall={stall:.1f} s")
        if answers < 2:
            return FAIL(name, f"the other connection answered only {answers} requests while the first stalled")
        wrong = [e for e in (check_value(s2, "st:partial", None), check_value(s2, "key:2", "value:2")) if e]
        s3 = Conn(a.host, a.port)
        conns.append(s3)
        e = check_value(s3, "key:4", "value:4")
        if e:
            wrong.append(f"a new connection after the stall reset: {e}")
        if wrong:
            return FAIL(name, "; ".join(wrong))
        PASS(name)
    except (Closed, Timeout, ValueError) as e:
        FAIL(name, str(e))
    finally:
        for c in conns:
            c.close()


def g_malformed(a):
    name = "tcp-malformed"
    link = RawLink(a.iface, a.mac)
    me, guest, P = a.local, a.host, a.port
    before = last_stats(a.serial) or {}
    rnd = random.Random()
    sp = rnd.randrange(20000, 30000)

    def T(flags=TCP_ACK, **kw):
        return tcp_seg(me, guest, kw.pop("sport", sp), kw.pop("dport", P), rnd.getrandbits(32),
                       rnd.getrandbits(32), flags, **kw)

    def IP(seg, **kw):
        return link.eth(0x0800, ipv4(me, guest, 6, seg, **kw))

    good_syn = T(TCP_SYN)
    frames = [  # (description, frame, nic counter it must raise)
        ("bad TCP checksum (ACK)", IP(T(TCP_ACK, payload=b"get key:1\r\n", bad_csum=True)), "tcp_csum"),
        ("bad TCP checksum (SYN)", IP(T(TCP_SYN, bad_csum=True)), "tcp_csum"),
        ("data offset 4", IP(T(TCP_ACK, off=4)), "tcp_off"),
        ("data offset 0", IP(T(TCP_SYN, off=0)), "tcp_off"),
        ("data offset 15 beyond a 20-byte segment", IP(T(TCP_ACK, off=15)), "tcp_off"),
        ("data offset 8 beyond a 28-byte segment", IP(T(TCP_ACK, off=8, payload=b"12345678")[:28]), "tcp_off"),
        ("TCP header truncated to 12 bytes", IP(good_syn[:12]), "tcp_trunc"),
        ("TCP header truncated to 0 bytes", IP(b""), "tcp_trunc"),
        ("IP total length shorter than the TCP header", IP(good_syn, total=20 + 10), "tcp_trunc"),
        ("SYN+FIN", IP(T(TCP_SYN | TCP_FIN)), "tcp_flags"),
        ("SYN+RST", IP(T(TCP_SYN | TCP_RST)), "tcp_flags"),
        ("no flags", IP(T(0)), "tcp_flags"),
        ("FIN only", IP(T(TCP_FIN)), "tcp_flags"),
        ("source port 0", IP(T(TCP_SYN, sport=0)), "tcp_flags"),
        ("destination port 0", IP(T(TCP_SYN, dport=0)), "tcp_flags"),
        ("IP total length beyond the frame", IP(good_syn, total=20 + 20 + 400), "ip_totlen"),
        ("bad IPv4 header checksum", IP(good_syn, bad_csum=True), "ip_csum"),
        ("TCP in an IP fragment", IP(good_syn, frag=0x2000), "ip_frag"),
    ]
    want = {}
    for _, _, k in frames:
        want[k] = want.get(k, 0) + 1
    sent = 0
    for desc, f, _ in frames:
        if link.send(f):
            sent += 1
        time.sleep(0.002)
    note(f"sent {sent} malformed TCP frames: " + ", ".join(f"{k} x{v}" for k, v in sorted(want.items())))
    wrong = []
    if sent != len(frames):
        wrong.append(f"only {sent} of {len(frames)} frames could be sent")

    # an ACK of no connection: RST with seq = its ack number
    ack_no = rnd.getrandbits(32)
    psport = rnd.randrange(30000, 40000)
    probe = IP(tcp_seg(me, guest, psport, P, 12345, ack_no, TCP_ACK))

    def rst_for(sport, dport):
        def pred(f):
            t = parse_tcp_frame(f)
            return t and t[0] == guest and t[1] == me and t[2] == dport and t[3] == sport and t[6] & TCP_RST
        return pred
    link.send(probe)
    f = link.recv_until(rst_for(psport, P), 3.0)
    if f is None:
        wrong.append("no RST for an ACK of an unknown connection within 3 s")
    else:
        t = parse_tcp_frame(f)
        if t[4] != ack_no:
            wrong.append(f"RST for an unknown ACK has seq {t[4]}, want the ACK's ack number {ack_no}")
        note(f"ACK of no connection -> RST seq={t[4]} flags={t[6]:#x}")
    # a SYN to a closed port: RST+ACK acknowledging the SYN
    seq = rnd.getrandbits(32)
    cport = a.closed_port
    link.send(IP(tcp_seg(me, guest, psport + 1, cport, seq, 0, TCP_SYN)))
    f = link.recv_until(rst_for(psport + 1, cport), 3.0)
    if f is None:
        wrong.append(f"no RST for a SYN to closed port {cport} within 3 s")
    else:
        t = parse_tcp_frame(f)
        if t[6] & (TCP_RST | TCP_ACK) != (TCP_RST | TCP_ACK) or t[5] != (seq + 1) & 0xFFFFFFFF:
            wrong.append(f"answer to a SYN to closed port {cport}: flags {t[6]:#x} ack {t[5]}, "
                         f"want RST+ACK ack {(seq + 1) & 0xFFFFFFFF}")
        note(f"SYN to closed port {cport} -> flags={t[6]:#x} ack={t[5]}")
    # still serving
    try:
        c = Conn(a.host, a.port)
        try:
            e = check_value(c, "key:5", "value:5")
            if e:
                wrong.append(f"after the malformed frames: {e}")
        finally:
            c.close()
    except (Closed, Timeout, ValueError) as e:
        wrong.append(f"after the malformed frames the service does not answer: {e}")
    # counters: every reason went up by what was sent
    total = sum(want.values())
    targets = {k: before.get(k, 0) + v for k, v in want.items()}
    targets["dropped_malformed"] = before.get("dropped_malformed", 0) + total
    after, ok = wait_stats(a.serial, lambda st: all(st.get(k, 0) >= v for k, v in targets.items()), a.stats_wait)
    if not after:
        wrong.append(f"no 'nic: stats' line in the serial log within {a.stats_wait:.0f} s")
    else:
        diffs = {k: after.get(k, 0) - before.get(k, 0) for k in targets}
        note("counter increases: " + ", ".join(f"{k} +{v}" for k, v in sorted(diffs.items())))
        exp = dict(want, dropped_malformed=total)
        bad = [f"{k} +{diffs[k]} (sent {exp[k]})" for k in sorted(exp) if diffs[k] != exp[k]]
        if bad:
            wrong.append("nic counters do not match the frames sent: " + ", ".join(bad))
    if wrong:
        return FAIL(name, "; ".join(wrong))
    PASS(name)


def g_synflood(a):
    name = "tcp-synflood"
    spoof_ip = a.spoof
    spoof_mac = mac_bytes(a.spoof_mac)
    link = RawLink(a.iface, a.mac)
    before = last_stats(a.serial) or {}
    results = []           # (round, seconds, error or None)
    stop = threading.Event()

    def client_round(i):
        t0 = time.monotonic()
        try:
            c = connect_retry(a.host, a.port, a.local, within=a.round_limit, timeout=a.round_limit)
            try:
                v = f"round-{i}-{rand_tag()}"
                r = c.set(f"sf:{i}", v, timeout=a.round_limit)
                err = None if r == "STORED" else f"set -> {r}"
                err = err or check_value(c, f"sf:{i}", v)
            finally:
                c.close()
        except (Closed, Timeout, ValueError) as e:
            err = str(e)
        dt = time.monotonic() - t0
        if not err and dt > a.round_limit:
            err = f"took {dt:.1f} s"
        results.append((i, dt, err))

    def clients():
        i = 0
        while not stop.is_set():
            client_round(i)
            i += 1
            stop.wait(0.1)

    th = threading.Thread(target=clients, daemon=True)
    th.start()
    # the flood: SYNs from an address nobody owns, with a MAC of its own
    rnd = random.Random()
    hdr = link.guest + spoof_mac + b"\x08\x00"
    t0 = time.monotonic()
    sent = failed = 0
    while sent < a.syns or time.monotonic() - t0 < a.flood_s:
        seg = tcp_seg(spoof_ip, a.host, rnd.randrange(1024, 65536), a.port, rnd.getrandbits(32), 0, TCP_SYN)
        try:
            link.s.send(hdr + ipv4(spoof_ip, a.host, 6, seg, ident=sent & 0xFFFF))
            sent += 1
        except OSError:
            failed += 1
            if failed > 100000:
                break
        if sent >= 200000:
            break
    flood_t = time.monotonic() - t0
    during = len(results)
    note(f"sent {sent} SYNs from {spoof_ip} in {flood_t:.2f} s ({sent / max(flood_t, 1e-3):.0f}/s; "
         f"{failed} sends refused by the host); {during} client rounds completed meanwhile")
    # rounds right after the flood
    t_after = time.monotonic()
    while time.monotonic() - t_after < 10 and len(results) < during + 3:
        time.sleep(0.05)
    stop.set()
    th.join(a.round_limit * 2 + 5)
    wrong = []
    if sent < a.syns:
        wrong.append(f"only {sent} SYNs could be sent")
    errs = [f"round {i}: {e}" for i, _, e in results if e]
    if errs:
        wrong.append("the legitimate client failed: " + "; ".join(errs[:4]))
    if during < 1:
        wrong.append("no client round completed during the flood")
    if len(results) < during + 3:
        wrong.append(f"only {len(results) - during} client rounds after the flood (want 3)")
    if results:
        note("client rounds (s): " + " ".join(f"{dt:.2f}" for _, dt, _ in results))
    b = before.get("tcp_syn_refused", 0)
    after, ok = wait_stats(a.serial, lambda st: st.get("tcp_syn_refused", 0) > b, a.stats_wait)
    if not ok:
        wrong.append(f"tcp_syn_refused did not increase ({b} -> {(after or {}).get('tcp_syn_refused')})")
    else:
        note(f"tcp_syn_refused {b} -> {after['tcp_syn_refused']}, tcp_conns {before.get('tcp_conns', 0)} -> "
             f"{after.get('tcp_conns')}")
    if wrong:
        return FAIL(name, "; ".join(wrong))
    PASS(name)


# ---- pool

def g_pool(a):
    name = "tcp-pool"
    n = a.conns
    conns = []
    try:
        for _ in range(n):
            conns.append(Conn(a.host, a.port))
        note("source ports: " + " ".join(str(c.local[1]) for c in conns))
        wrong = [e for c in conns for e in [check_value(c, "key:1", "value:1")] if e]
        if wrong:
            return FAIL(name, "not every connection is answered: " + "; ".join(wrong[:4]))
        m1 = rand_tag()
        if conns[0].set("pool:mark", m1) != "STORED":
            return FAIL(name, "set pool:mark failed")
        seen = [c for c in conns if c.get("pool:mark") == m1.encode()]
        unseen = [c for c in conns if c not in seen]
        note(f"{len(seen)} of {n} connections see the key set on the first one")
        if not unseen:
            return FAIL(name, f"all {n} connections from different source ports reached the same instance")
        # the other instance: a key set on an unseen connection shows exactly on the unseen ones
        m2 = rand_tag()
        if unseen[0].set("pool:mark", m2) != "STORED":
            return FAIL(name, "set pool:mark on the second instance failed")
        for c in seen:
            e = check_value(c, "pool:mark", m1)
            if e:
                wrong.append(e)
        for c in unseen:
            e = check_value(c, "pool:mark", m2)
            if e:
                wrong.append(e)
        if wrong:
            return FAIL(name, "connections are not consistently split over two instances: " + "; ".join(wrong[:4]))
        PASS(name)
    except (Closed, Timeout, ValueError) as e:
        FAIL(name, str(e))
    finally:
        for c in conns:
            c.close()


def g_conn_limit(a):
    """conns=N in the instance: N connections are served, the next one is
    reset, one closed makes room again; the other instance is unaffected."""
    name = "tcp-conn-limit"
    conns = []
    try:
        for i in range(a.max_conns):
            c = connect_retry(a.host, a.port, a.local)
            conns.append(c)
            r = c.cmd("version")
            if not r.startswith(b"VERSION"):
                return FAIL(name, f"connection {i + 1} of {a.max_conns}: version gave {r[:60]!r}")
        c0 = conns[0]
        c0.send(b"stats\r\n")
        st = b""
        while not st.endswith(b"END\r\n"):
            st += c0.reply()                # one STAT line at a time
        m = re.search(rb"STAT curr_connections (\d+)", st)
        if not m or int(m.group(1)) != a.max_conns:
            return FAIL(name, f"stats curr_connections is {m.group(1) if m else None} with {a.max_conns} open")
        # Refused either way: reset once established (usual), or reset
        # before connect() returns (when the reset overtakes the handshake's
        # last step on a loaded host).
        extra = None
        try:
            extra = Conn(a.host, a.port, a.local)
            extra.send(b"version\r\n")
            how, dt = extra.wait_closed(5)
        except Closed:
            how, dt = "reset", 0
        finally:
            if extra:
                extra.close()
        if how not in ("reset", "eof"):
            return FAIL(name, f"connection {a.max_conns + 1} over the limit was not refused ({how})")
        other = connect_retry(a.host, a.port + 1, a.local)
        r = other.cmd("version")
        other.close()
        if not r.startswith(b"VERSION"):
            return FAIL(name, f"the other instance (port {a.port + 1}) gave {r[:60]!r}")
        conns.pop().close()
        deadline = time.monotonic() + 5
        while True:                         # the instance frees the slot once it sees the FIN
            c = connect_retry(a.host, a.port, a.local)
            try:
                r = c.cmd("version", timeout=2)
                conns.append(c)
                break
            except (Closed, Timeout):
                c.close()
                if time.monotonic() > deadline:
                    return FAIL(name, "no connection was served again after one was closed")
                time.sleep(0.2)
        if not r.startswith(b"VERSION"):
            return FAIL(name, f"after closing one: version gave {r[:60]!r}")
        note(f"{a.max_conns} connections served, connection {a.max_conns + 1} refused ({how} after {dt:.2f} s)")
        return PASS(name)
    except (Closed, Timeout, ValueError) as e:
        return FAIL(name, str(e))
    finally:
        for c in conns:
            c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("group")
    ap.add_argument("--host", default="10.77.0.2")
    ap.add_argument("--port", type=int, default=11211)
    ap.add_argument("--local", default="10.77.0.1", help="client A's address (ours on the TAP)")
    ap.add_argument("--other", default="10.77.0.3", help="client B's address (a second address on the TAP)")
    ap.add_argument("--iface", default="tap0")
    ap.add_argument("--mac", default="52:54:00:12:34:56", help="the guest's MAC")
    ap.add_argument("--serial", default="")
    ap.add_argument("--instances", type=int, default=2)
    ap.add_argument("--idle-ms", type=int, default=1500)
    ap.add_argument("--stall-ms", type=int, default=1500)
    ap.add_argument("--closed-port", type=int, default=9)
    ap.add_argument("--spoof", default="10.77.0.99", help="synflood: the address the SYNs claim")
    ap.add_argument("--spoof-mac", default="02:00:0a:4d:00:63")
    ap.add_argument("--syns", type=int, default=3000, help="synflood: at least this many SYNs")
    ap.add_argument("--flood-s", type=float, default=3.0, help="synflood: and for at least this long")
    ap.add_argument("--round-limit", type=float, default=5.0, help="synflood: seconds a client round may take")
    ap.add_argument("--conns", type=int, default=24, help="pool: connections")
    ap.add_argument("--max-conns", type=int, default=8, help="conn-limit: the instance's conns=")
    ap.add_argument("--stats-wait", type=float, default=10, help="how long to wait for a nic stats line (s)")
    ap.add_argument("--boot-timeout", type=float, default=120)
    ap.add_argument("--vm-pid", type=int, default=0)
    a = ap.parse_args()
    groups = {"wait": g_wait, "usernet": g_usernet, "isolation": g_isolation, "idle": g_idle,
              "client-reset": g_client_reset, "crash": g_crash, "1mib": g_1mib, "pipeline": g_pipeline,
              "stall": g_stall, "malformed": g_malformed, "synflood": g_synflood, "pool": g_pool,
              "conn-limit": g_conn_limit}
    if a.group not in groups:
        ap.error(f"unknown group {a.group}")
    rc = groups[a.group](a)
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":
    sys.exit(main())
