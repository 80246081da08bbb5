#!/usr/bin/python3
"""Client tests over TCP against a running memcached-compatible server (the
EdgeOS memcached service, or any memcached for comparison).

Usage: tcp_clients.py HOST PORT [PREFIX [RUNKEY]]
Prints PASS/FAIL/SKIP lines named PREFIX.<test> (PREFIX defaults to "tcp").
Every key starts with RUNKEY (default: made from the pid, the time and a
random number), so runs against a shared server do not collide. Nothing is
flushed. Exit status 0 when every test passed, 1 otherwise.

The server is expected to have a 1 MiB item size limit (memcached -I 1m);
the largest value it accepts (memcached's item size first, else by
bisection) must be within 1 KiB of 1 MiB.
Environment: TCP_CLIENTS_TIMEOUT = seconds per socket operation (default 30).
"""
import os
import random
import re
import socket
import sys
import time

if len(sys.argv) < 3:
    sys.exit(__doc__)
HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else "tcp"
RUN = (sys.argv[4] if len(sys.argv) > 4 and sys.argv[4]
       else "tc%d_%d_%04x_" % (os.getpid(), int(time.time()), random.getrandbits(16)))
TIMEOUT = float(os.environ.get("TCP_CLIENTS_TIMEOUT", "30"))
ITEM_MAX = 1024 * 1024

fails = 0


class Fail(Exception):
    pass


def expect(cond, why):
    if not cond:
        raise Fail(why)


def run(name, fn):
    """Runs one test; any exception is its failure reason."""
    global fails
    try:
        fn()
        print("PASS %s.%s" % (PREFIX, name), flush=True)
    except Exception as ex:     # a refused connection, a timeout or a Fail
        fails += 1
        why = str(ex) if isinstance(ex, Fail) else "%s: %s" % (type(ex).__name__, ex)
        print("FAIL %s.%s: %s" % (PREFIX, name, why.replace("\n", " ")[:400]), flush=True)


def skip(name, why):
    print("SKIP %s.%s: %s" % (PREFIX, name, why), flush=True)


class Raw:
    """A plain TCP connection speaking the text protocol."""

    def __init__(self):
        self.s = socket.create_connection((HOST, PORT), timeout=TIMEOUT)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        d = self.s.recv(65536)
        if not d:
            raise Fail("server closed the connection (had %r)" % self.buf[:80])
        self.buf += d

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def get(self, key):
        """get KEY -> value bytes or None."""
        self.send(b"get " + key + b"\r\n")
        ln = self.line()
        if ln == b"END":
            return None
        m = re.match(rb"VALUE (\S+) (\d+) (\d+)$", ln)
        expect(m and m.group(1) == key, "get %s: bad header %r" % (key, ln[:80]))
        val = self.exact(int(m.group(3)) + 2)[:-2]
        end = self.line()
        expect(end == b"END", "get %s: %r instead of END" % (key, end[:80]))
        return val

    def close(self):
        self.s.close()


def k(name):
    return (RUN + name).encode()


# ---- pymemcache ------------------------------------------------------------

def pymemcache_tests():
    try:
        from pymemcache.client.base import Client
        from pymemcache.exceptions import MemcacheServerError
    except ImportError as ex:
        for t in ("set-get", "get-many", "gets-cas", "incr-decr", "delete", "add", "replace",
                  "append", "prepend", "touch", "version", "max-value", "over-limit"):
            skip("pymemcache-" + t, "python3-pymemcache not installed (%s)" % ex)
        return

    c = Client((HOST, PORT), connect_timeout=TIMEOUT, timeout=TIMEOUT,
               key_prefix=RUN.encode(), default_noreply=False)

    def set_get():
        expect(c.set("sg", b"hello world", flags=0) is True, "set did not return True")
        got = c.get("sg")
        expect(got == b"hello world", "get returned %r" % got)
        expect(c.get("sg-missing") is None, "get of a missing key is not None")
        binval = bytes(range(256)) * 3 + b"\r\nEND\r\n"
        c.set("sg-bin", binval)
        expect(c.get("sg-bin") == binval, "binary value with CR LF inside did not round-trip")

    def get_many():
        vals = {"gm%d" % i: b"value-%d" % i for i in range(40)}
        failed = c.set_many(vals)
        expect(not failed, "set_many failed for %r" % failed)
        got = c.get_many(list(vals) + ["gm-missing"])
        expect(got == vals, "get_many returned %d of 40 keys, mismatches %r" %
               (len(got), [x for x in vals if got.get(x) != vals[x]][:5]))

    def gets_cas():
        c.set("cas", b"one")
        v, cas = c.gets("cas")
        expect(v == b"one" and cas is not None, "gets returned %r %r" % (v, cas))
        expect(c.cas("cas", b"two", cas) is True, "cas with the current unique failed")
        expect(c.cas("cas", b"three", cas) is False, "cas with a stale unique was not EXISTS")
        expect(c.cas("cas-missing", b"x", cas) is None, "cas on a missing key was not NOT_FOUND")
        v2, cas2 = c.gets("cas")
        expect(v2 == b"two" and cas2 != cas, "after cas: %r unique %r (was %r)" % (v2, cas2, cas))

    def incr_decr():
        c.set("num", b"10")
        expect(c.incr("num", 5) == 15, "incr 5 != 15")
        expect(c.decr("num", 3) == 12, "decr 3 != 12")
        expect(c.decr("num", 100) == 0, "decr below zero did not stop at 0")
        expect(c.incr("num-missing", 1) is None, "incr of a missing key was not NOT_FOUND")
        c.set("num64", b"18446744073709551615")
        r = c.incr("num64", 2)
        expect(r == 1, "incr past 2^64-1 gave %r, not 1 (wrap)" % r)
        c.set("notnum", b"abc")
        try:
            c.incr("notnum", 1)
            raise Fail("incr of a non-numeric value was accepted")
        except Fail:
            raise
        except Exception as ex:    # pymemcache raises MemcacheClientError
            expect("numeric" in str(ex) or "CLIENT_ERROR" in str(ex) or "invalid" in str(ex),
                   "unexpected error for incr of non-numeric: %s" % ex)

    def delete():
        c.set("del", b"x")
        expect(c.delete("del") is True, "delete of an existing key not DELETED")
        expect(c.get("del") is None, "key still readable after delete")
        expect(c.delete("del") is False, "second delete not NOT_FOUND")

    def add():
        expect(c.add("add", b"first") is True, "add of a new key failed")
        expect(c.add("add", b"second") is False, "add of an existing key not NOT_STORED")
        expect(c.get("add") == b"first", "add overwrote the value")

    def replace():
        expect(c.replace("rep", b"x") is False, "replace of a missing key not NOT_STORED")
        expect(c.get("rep") is None, "replace of a missing key created it")
        c.set("rep", b"old")
        expect(c.replace("rep", b"new") is True, "replace of an existing key failed")
        expect(c.get("rep") == b"new", "replace did not change the value")

    def append():
        c.set("app", b"abc")
        expect(c.append("app", b"def") is True, "append failed")
        expect(c.get("app") == b"abcdef", "after append: %r" % c.get("app"))
        expect(c.append("app-missing", b"x") is False, "append to a missing key not NOT_STORED")

    def prepend():
        c.set("pre", b"abc")
        expect(c.prepend("pre", b"xyz") is True, "prepend failed")
        expect(c.get("pre") == b"xyzabc", "after prepend: %r" % c.get("pre"))
        expect(c.prepend("pre-missing", b"x") is False, "prepend to a missing key not NOT_STORED")

    def touch():
        c.set("touch", b"t", expire=2)
        c.set("notouch", b"n", expire=2)
        expect(c.touch("touch", 100) is True, "touch of an existing key not TOUCHED")
        expect(c.touch("touch-missing", 100) is False, "touch of a missing key not NOT_FOUND")
        time.sleep(3.2)
        expect(c.get("notouch") is None, "an item with a 2 s expiry was still there after 3 s")
        expect(c.get("touch") == b"t", "touched item expired with its old 2 s expiry")

    def version():
        v = c.version()
        expect(re.match(rb"^\d+\.\d+\.\d+", v), "version %r" % v)

    run("pymemcache-set-get", set_get)
    run("pymemcache-get-many", get_many)
    run("pymemcache-gets-cas", gets_cas)
    run("pymemcache-incr-decr", incr_decr)
    run("pymemcache-delete", delete)
    run("pymemcache-add", add)
    run("pymemcache-replace", replace)
    run("pymemcache-append", append)
    run("pymemcache-prepend", prepend)
    run("pymemcache-touch", touch)
    run("pymemcache-version", version)

    # the largest value the item limit accepts for this key, found over a raw
    # connection, then stored and read back through pymemcache
    largest = {}

    def max_value():
        key = "max"
        pkey = k(key)
        r = Raw()
        filler = os.urandom(ITEM_MAX + 1)

        def accepted(n):
            r.send(b"set " + pkey + b" 0 0 %d\r\n" % n + filler[:n] + b"\r\n")
            ln = r.line()
            if ln == b"STORED":
                return True
            expect(ln.startswith(b"SERVER_ERROR"), "set of %d bytes: %r" % (n, ln[:80]))
            return False

        # first try memcached's item size (48-byte header, 8-byte CAS, key and
        # NUL, CR LF; flags 0): two probes when the server counts the same
        guess = ITEM_MAX - (48 + 8 + len(pkey) + 1 + 2)
        if accepted(guess) and not accepted(guess + 1):
            lo = hi = None
        else:
            lo, hi = ITEM_MAX - 1024, ITEM_MAX + 1
            expect(accepted(lo), "a value of %d bytes (1 MiB - 1 KiB) was refused" % lo)
            expect(not accepted(hi), "a value of %d bytes (over 1 MiB) was accepted" % hi)
        while lo is not None and hi - lo > 1:
            mid = (lo + hi) // 2
            if accepted(mid):
                lo = mid
            else:
                hi = mid
        r.close()
        if lo is None:
            lo = guess
        largest["n"] = lo
        print("%s: largest value stored with a %d-byte key: %d bytes (1 MiB - %d)"
              % (PREFIX, len(pkey), lo, ITEM_MAX - lo), flush=True)
        val = os.urandom(lo)
        expect(c.set(key, val) is True, "pymemcache set of %d bytes failed" % lo)
        got = c.get(key)
        expect(got == val, "read back %s bytes, not the %d stored" %
               (None if got is None else len(got), lo))

    def over_limit():
        n = largest.get("n")
        expect(n is not None, "largest size unknown (max-value failed)")
        try:
            c.set("over", b"v" * (n + 1))
            raise Fail("pymemcache set of %d bytes was accepted" % (n + 1))
        except MemcacheServerError as ex:
            expect("too large" in str(ex), "error %r" % str(ex))
        # the server must swallow the refused value and keep the connection
        r = Raw()
        for size in (n + 1, 2 * ITEM_MAX):
            r.send(b"set " + k("over") + b" 0 0 %d\r\n" % size + b"w" * size + b"\r\n")
            ln = r.line()
            expect(ln == b"SERVER_ERROR object too large for cache",
                   "set of %d bytes answered %r" % (size, ln[:80]))
            expect(r.get(k("over")) is None, "refused value is readable")
            r.send(b"version\r\n")
            ln = r.line()
            expect(ln.startswith(b"VERSION "), "connection broken after a refused "
                   "%d-byte set: %r" % (size, ln[:80]))
        r.send(b"set " + k("over") + b" 0 0 2\r\nok\r\n")
        expect(r.line() == b"STORED", "a small set after the refused ones failed")
        expect(r.get(k("over")) == b"ok", "small value not readable after the refused ones")
        r.close()

    run("pymemcache-max-value", max_value)
    run("pymemcache-over-limit", over_limit)
    c.close()


# ---- raw protocol ------------------------------------------------------------

def pipeline_100():
    """100 requests in one write; the answers must come back in order."""
    r = Raw()
    ctr = k("pipe-ctr")
    r.send(b"set " + ctr + b" 0 0 1\r\n0\r\n")
    expect(r.line() == b"STORED", "set of the counter failed")
    req, want = b"", b""
    for i in range(25):
        key = k("pipe%d" % i)
        val = b"value-%d-" % i + b"z" * (i * 37)
        req += b"set " + key + b" %d 0 %d\r\n" % (i, len(val)) + val + b"\r\n"
        want += b"STORED\r\n"
        req += b"get " + key + b"\r\n"
        want += b"VALUE " + key + b" %d %d\r\n" % (i, len(val)) + val + b"\r\nEND\r\n"
        req += b"incr " + ctr + b" 1\r\n"
        want += b"%d\r\n" % (i + 1)
        req += b"delete " + key + b"\r\n"
        want += b"DELETED\r\n"
    r.send(req)
    got = r.exact(len(want))
    if got != want:
        at = next(i for i in range(len(want)) if got[i] != want[i])
        raise Fail("answer differs at byte %d: got %r, expected %r"
                   % (at, got[max(0, at - 20):at + 40], want[max(0, at - 20):at + 40]))
    r.send(b"version\r\n")
    expect(r.line().startswith(b"VERSION "), "no version answer after the pipeline")
    expect(r.buf == b"", "extra bytes after the answers: %r" % r.buf[:80])
    r.close()


def meta_ms_mg():
    r = Raw()
    key = k("meta")
    r.send(b"ms " + key + b" 5 F7 T0\r\nhello\r\n")
    ln = r.line()
    expect(ln == b"HD", "ms answered %r" % ln)
    r.send(b"mg " + key + b" v f t s\r\n")
    ln = r.line()
    expect(ln == b"VA 5 f7 t-1 s5", "mg v f t s header %r" % ln)
    expect(r.exact(7) == b"hello\r\n", "mg value wrong")
    r.send(b"mg " + key + b" k c O123\r\n")
    ln = r.line()
    m = re.match(rb"^HD k(\S+) c(\d+) O123$", ln)
    expect(m and m.group(1) == key, "mg k c O123 answered %r" % ln)
    cas = int(m.group(2))
    r.send(b"mg " + key + b"\r\n")
    expect(r.line() == b"HD", "mg without flags on a hit is not HD")
    r.send(b"mg " + k("meta-missing") + b" v\r\n")
    expect(r.line() == b"EN", "mg of a missing key is not EN")
    r.send(b"ms " + key + b" 3 C%d\r\nnew\r\n" % (cas + 1000000))
    expect(r.line() == b"EX", "ms with a wrong C (cas) is not EX")
    r.send(b"ms " + key + b" 3 C%d\r\nnew\r\n" % cas)
    expect(r.line() == b"HD", "ms with the right C (cas) is not HD")
    expect(r.get(key) == b"new", "get after ms C does not see the new value")
    r.send(b"ms " + key + b" 3 MA\r\nend\r\n")
    expect(r.line() == b"HD", "ms MA (append) is not HD")
    expect(r.get(key) == b"newend", "get after ms MA: not newend")
    r.close()


def meta_md():
    r = Raw()
    key = k("metadel")
    r.send(b"ms " + key + b" 1\r\nx\r\n")
    expect(r.line() == b"HD", "ms failed")
    r.send(b"md " + key + b"\r\n")
    expect(r.line() == b"HD", "md of an existing key is not HD")
    r.send(b"md " + key + b"\r\n")
    expect(r.line() == b"NF", "md of a deleted key is not NF")
    r.send(b"mg " + key + b" v\r\n")
    expect(r.line() == b"EN", "mg after md is not EN")
    r.close()


def meta_quiet_mn():
    r = Raw()
    key, gone = k("metaq"), k("metaq-del")
    r.send(b"ms " + gone + b" 1\r\nx\r\n")
    expect(r.line() == b"HD", "ms failed")
    # q hides HD (ms, md) and EN (mg) but not NF or a hit; mn ends the batch
    r.send(b"ms " + key + b" 2 q\r\nqq\r\n"
           b"mg " + k("metaq-missing") + b" v q\r\n"
           b"md " + gone + b" q\r\n"
           b"md " + gone + b" q\r\n"
           b"mg " + key + b" v q\r\n"
           b"mn\r\n")
    got = [r.line() for _ in range(4)]
    expect(got == [b"NF", b"VA 2", b"qq", b"MN"],
           "quiet batch answered %r, expected NF, VA 2, qq, MN" % got)
    r.close()


def quit_closes():
    r = Raw()
    r.send(b"quit\r\n")
    r.s.settimeout(min(TIMEOUT, 10))
    try:
        d = r.s.recv(100)
    except socket.timeout:
        raise Fail("connection still open %g s after quit" % min(TIMEOUT, 10))
    expect(d == b"", "quit answered %r instead of closing" % d[:80])
    r.close()


def raw_version():
    r = Raw()
    r.send(b"version\r\n")
    ln = r.line()
    expect(re.match(rb"^VERSION \d+\.\d+\.\d+", ln), "version answered %r" % ln)
    r.close()


def main():
    print("%s: server %s:%d, key prefix %s" % (PREFIX, HOST, PORT, RUN), flush=True)
    pymemcache_tests()
    run("raw-pipeline-100", pipeline_100)
    run("meta-ms-mg", meta_ms_mg)
    run("meta-md", meta_md)
    run("meta-quiet-mn", meta_quiet_mn)
    run("raw-quit", quit_closes)
    run("raw-version", raw_version)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
