#!/usr/bin/python3
"""Differential test: the same randomized request streams go to Debian's
memcached and to edgeos-memcached; the replies must be byte-identical, except
VERSION text, STAT values and timing-dependent numbers (remaining TTL, time
since last access), which are masked.

  difftest.py --ref PORT --ours PORT [--udp-ref PORT --udp-ours PORT]
              [--seed N] [--streams N] [--ops N]

TCP streams are split at random byte boundaries (with short pauses so the
server really sees partial reads). Every segment ends with an "mn" barrier,
so a failure points at one segment. The seed is printed; rerun with --seed
to replay. Exit status 0 = identical, 1 = a difference (printed).

Then the binary protocol (run_binary, run_binary_udp): random binary request
streams over TCP (split at random bytes, malformed requests at segment ends)
and UDP, compared packet by packet (version text and statistics masked).
"""
import argparse, base64, random, re, socket, struct, sys, time

KEYS = [b"k%d" % i for i in range(8)] + [b"n1", b"n2", b"x\x01y", b"K" * 250]
# incr/decr/ma go to the counter keys only: memcached rewrites a counter in
# place (space padded) unless its LRU maintainer thread happens to hold the
# item, and then stores a new unpadded item; appending to such a value would
# expose that timing, so append/prepend never touch the counters.
COUNTERS = [b"n1", b"n2"]
PLAIN = [k for k in KEYS if k not in COUNTERS]
B64KEYS = [b"YWJj", b"a2V5MQ==", b"Zm9vYmFy"]


class Gen:
    def __init__(self, rnd):
        self.r = rnd

    def key(self):
        r = self.r.random()
        if r < 0.02:
            return b"L" * 251
        return self.r.choice(KEYS)

    def value(self):
        r = self.r.random()
        if r < 0.25:
            return b"%d" % self.r.choice([0, 1, 9, 99, 100, 18446744073709551615, 12345678901234567890])
        if r < 0.30:
            return self.r.choice([b"", b" 5", b"12 3", b"-5", b"abc", b"7" * 22])
        if r < 0.33:
            return bytes(self.r.choice(b"abcdefgh") for _ in range(self.r.randint(1300, 3000)))
        return bytes(self.r.choice(b"abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(self.r.randint(0, 40)))

    def num(self, kind):
        r = self.r
        if kind == "flags":
            return r.choice([b"0", b"0", b"1", b"42", b"4294967295", b"4294967296", b"-1", b"x", b"+3", b"18446744073709551615"])
        if kind == "exp":
            return r.choice([b"0", b"0", b"0", b"1000", b"100000", b"-1", b"2592001", b"4000000000", b"abc", b"-0"])
        if kind == "delta":
            return r.choice([b"1", b"1", b"5", b"100", b"18446744073709551615", b"-1", b"x", b"0"])
        if kind == "cas":
            return r.choice([b"0", b"1", b"%d" % r.randint(1, 300), b"abc", b"-1"])
        raise ValueError(kind)

    def noreply(self):
        return b" noreply" if self.r.random() < 0.2 else b""

    def storage(self):
        r = self.r
        cmd = r.choice([b"set", b"set", b"set", b"add", b"replace", b"append", b"prepend", b"cas"])
        k = self.key()
        if cmd in (b"append", b"prepend") and k in COUNTERS:
            k = r.choice(PLAIN)
        v = self.value()
        flags = self.num("flags")
        exp = self.num("exp")
        if len(k) > 250:
            v = v[:40]       # memcached may close on a long unterminated line
        line = b"%s %s %s %s %d" % (cmd, k, flags, exp, len(v))
        if cmd == b"cas":
            line += b" " + self.num("cas")
        line += self.noreply()
        data = v + b"\r\n"
        if r.random() < 0.04:
            data = v + b"XY\r\n"          # bad data chunk: longer than declared
        if r.random() < 0.01:
            line = b"%s %s 0 0 %d%s" % (cmd, r.choice(KEYS[:8]), 1048600, b" 1" if cmd == b"cas" else b"")
            data = b"z" * 1048600 + b"\r\n"
        return line + b"\r\n" + data

    def retrieval(self):
        r = self.r
        cmd = r.choice([b"get", b"get", b"gets", b"gat", b"gats"])
        n = r.choice([1, 1, 1, 2, 3, 30])
        keys = b" ".join(r.choice(KEYS) for _ in range(n))
        if cmd in (b"gat", b"gats"):
            return b"%s %s %s\r\n" % (cmd, self.num("exp"), keys)
        return b"%s %s\r\n" % (cmd, keys)

    def misc(self):
        r = self.r
        k = self.key()
        c = r.randint(0, 11)
        if c == 0:
            k = r.choice(COUNTERS + [b"L" * 251])
            return b"%s %s %s%s\r\n" % (r.choice([b"incr", b"decr"]), k, self.num("delta"), self.noreply())
        if c == 1:
            return b"delete %s%s\r\n" % (k, r.choice([b"", b" 0", b" noreply", b" 0 noreply", b" 1", b" x noreply"]))
        if c == 2:
            return b"touch %s %s%s\r\n" % (k, self.num("exp"), self.noreply())
        if c == 3:
            return r.choice([b"flush_all\r\n", b"flush_all 0\r\n", b"flush_all noreply\r\n", b"flush_all x\r\n",
                             b"flush_all -1\r\n", b"flush_all 1 2 3\r\n", b"flush_all 100000 noreply\r\n"]) if r.random() < 0.3 else b"version\r\n"
        if c == 4:
            return r.choice([b"verbosity 1\r\n", b"verbosity\r\n", b"verbosity x\r\n", b"verbosity 0 noreply\r\n",
                             b"version\r\n", b"stats foo\r\n", b"stats detail\r\n", b"stats detail x\r\n",
                             b"shutdown\r\n", b"cache_memlimit x\r\n", b"cache_memlimit 2\r\n"])
        if c == 5:
            return r.choice([b"\r\n", b"x\r\n", b"GET a\r\n", b"get\r\n", b"set\r\n", b"set a 0 0\r\n", b"get\tk1\r\n",
                             b"  get   k1  \r\n", b"get k1\n", b"get k1\r\r\n", b"incr\r\n", b"touch k1\r\n", b"cas k1 0 0 1\r\n",
                             b"mx\r\n", b"m\r\n", b"delete\r\n", b"decr k1\r\n", b"get k1 \x00 k2\r\n", b"\x00\r\n",
                             b"sets k1\r\n", b"gett k1\r\n", b"a\r\n", b"add\r\n", b"me\r\n", b"mg\r\n", b"ms\r\n"])
        return None

    def meta_flags(self, pool, nmax=5):
        r = self.r
        fl = r.sample(pool, r.randint(0, min(nmax, len(pool))))
        if r.random() < 0.05:
            fl.append(r.choice(pool))        # duplicate
        if r.random() < 0.03:
            fl.append(r.choice([b"x", b"E5", b"Z", b"9"]))
        if r.random() < 0.01:
            fl = [b"v"] * 0 + [bytes([65 + i]) for i in range(19)]
        return fl

    def meta(self):
        r = self.r
        c = r.randint(0, 5)
        binary = r.random() < 0.08
        k = r.choice(B64KEYS) if binary else self.key()
        extra = [b"b"] if binary else []
        if c <= 1:
            pool = [b"v", b"k", b"s", b"f", b"t", b"c", b"q", b"O%d" % r.randint(0, 999), b"h", b"l", b"u",
                    b"T%s" % self.num("exp"), b"N%s" % r.choice([b"0", b"1000", b"-1"]), b"R%s" % r.choice([b"30", b"1000000"]),
                    b"O" + b"9" * 40]
            return b" ".join([b"mg", k] + extra + self.meta_flags(pool)) + b"\r\n"
        if c == 2:
            v = self.value()
            pool = [b"F%s" % self.num("flags"), b"T%s" % self.num("exp"), b"C%s" % self.num("cas"), b"I", b"q",
                    b"O%d" % r.randint(0, 99), b"k", b"c", b"M%s" % r.choice([b"E", b"A", b"P", b"R", b"S", b"X", b"s", b"EE"]),
                    b"s", b"f"]
            fl = self.meta_flags(pool)
            if k in COUNTERS and any(f in (b"MA", b"MP") for f in fl):
                k = r.choice(PLAIN)          # no append/prepend to counters
            line = b" ".join([b"ms", k, r.choice([b"%d" % len(v)] * 8 + [b"x", b"-1"])] + extra + fl)
            data = v + (b"\r\n" if r.random() > 0.04 else b"XY\r\n")
            return line + b"\r\n" + data
        if c == 3:
            pool = [b"q", b"C%s" % self.num("cas"), b"I", b"T%s" % self.num("exp"), b"O%d" % r.randint(0, 9), b"k"]
            return b" ".join([b"md", k] + extra + self.meta_flags(pool)) + b"\r\n"
        if c == 4:
            if not binary:
                k = r.choice(COUNTERS)
            pool = [b"N%s" % r.choice([b"0", b"1000"]), b"J%s" % self.num("delta"), b"D%s" % self.num("delta"),
                    # (no T: whether ma applies it depends on the same timing)
                    b"M%s" % r.choice([b"I", b"D", b"+", b"-", b"x", b"i", b"d"]), b"q",
                    b"O%d" % r.randint(0, 9), b"k", b"v", b"t", b"c"]
            return b" ".join([b"ma", k] + extra + self.meta_flags(pool)) + b"\r\n"
        if r.random() < 0.5:
            return b"me %s\r\n" % self.key()
        return b"mn\r\n"

    def command(self):
        r = self.r.random()
        if r < 0.28:
            return self.storage()
        if r < 0.50:
            return self.retrieval()
        if r < 0.62:
            m = self.misc()
            if m is not None:
                return m
        return self.meta()


MASKS = [
    (re.compile(rb"^(VERSION) .*$", re.M), rb"\1 *"),
    (re.compile(rb"^(STAT \S+) .*$", re.M), rb"\1 *"),
    (re.compile(rb"^((?:HD|VA|EN|NF|NS|EX)[^\r\n]*) t(?!-1)\d+", re.M), rb"\1 t*"),
    (re.compile(rb"^((?:HD|VA)[^\r\n]*) l\d+", re.M), rb"\1 l*"),
    # "fetched" depends on whether a counter update was in place (see COUNTERS)
    (re.compile(rb"^((?:HD|VA)[^\r\n]*) h[01]", re.M), rb"\1 h*"),
    (re.compile(rb"^(ME \S+) exp=-?\d+ la=\d+ (cas=\d+) fetch=\w+", re.M), rb"\1 exp=* la=* \2 fetch=*"),
    (re.compile(rb"^(ME n[12] .*) cls=\d+ size=\d+", re.M), rb"\1 cls=* size=*"),
]


NUMVAL = re.compile(rb"(VALUE \S+ \d+ |VA )(\d+)([^\r\n]*\r\n)(\d+) +\r\n")


def _numval(m):
    return m.group(1) + b"%d" % len(m.group(4)) + m.group(3) + m.group(4) + b"\r\n"


def normalize(b, drop_stats=False):
    # incr/decr rewrite a number in place (space padded) unless memcached's
    # LRU maintainer holds a reference to the item at that moment, in which
    # case it stores a new, unpadded item: timing-dependent, so compare the
    # number only.
    b = NUMVAL.sub(_numval, b)
    if drop_stats:
        b = re.sub(rb"STAT [^\r\n]*\r\n", b"", b)
    for rx, rep in MASKS:
        for _ in range(4):   # repeated flags on one line
            b2 = rx.sub(rep, b)
            if b2 == b:
                break
            b = b2
    return b


def recv_until(s, marker, timeout=10.0):
    s.settimeout(timeout)
    buf = b""
    while not buf.endswith(marker):
        try:
            d = s.recv(1 << 20)
        except socket.timeout:
            return buf + b"<TIMEOUT>"
        if not d:
            return buf + b"<EOF>"
        buf += d
    return buf


def send_split(s, data, rnd):
    i = 0
    while i < len(data):
        n = rnd.choice([1, 2, 3, 7, 50, 500, 5000, 100000])
        s.sendall(data[i:i + n])
        i += n
        if rnd.random() < 0.02:
            time.sleep(0.0005)


def run_tcp(args, seed):
    rnd = random.Random(seed)
    g = Gen(rnd)
    for si in range(args.streams):
        conns = [socket.create_connection(("127.0.0.1", p)) for p in (args.ref, args.ours)]
        for c in conns:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        nseg = rnd.randint(3, 8)
        for seg in range(nseg):
            drop = False
            if rnd.random() < 0.06:
                # stats family alone (memcached drops unsent replies on some
                # errors, so keep order-sensitive cases at a segment start)
                cmds = [rnd.choice([b"stats\r\n", b"stats settings\r\n", b"stats items\r\n", b"stats slabs\r\n",
                                    b"stats sizes\r\n", b"stats reset\r\n", b"stats detail dump\r\n",
                                    b"get k1 " + b"L" * 251 + b" k2\r\n"])]
                drop = cmds[0] != b"stats\r\n"
            else:
                cmds = [g.command() for _ in range(rnd.randint(1, args.ops))]
            tag = b"%d" % rnd.randint(1, 1 << 30)
            data = b"".join(cmds) + b"mg __sync O" + tag + b"\r\n"
            outs = []
            if args.dump:
                args.dump.write(b"=== stream %d segment %d\n" % (si, seg) + data)
            for ci, c in enumerate(conns):
                try:
                    send_split(c, data, random.Random(rnd.random()))
                except OSError as ex:
                    report("tcp-send", seed, si, seg, data, b"", ("%s: connection %d (0=memcached, 1=ours)" % (ex, ci)).encode())
                    return False
            for c in conns:
                outs.append(recv_until(c, b"EN O" + tag + b"\r\n"))
            a, b = normalize(outs[0], drop), normalize(outs[1], drop)
            if a != b:
                report("tcp", seed, si, seg, data, outs[0], outs[1])
                return False
        if rnd.random() < 0.2:
            for c in conns:
                c.sendall(b"version\r\nquit\r\nversion\r\n")
            outs = [recv_until(c, b"<never>", 5) for c in conns]
            if normalize(outs[0]) != normalize(outs[1]):
                report("tcp-quit", seed, si, -1, b"version\r\nquit\r\n", outs[0], outs[1])
                return False
        for c in conns:
            c.close()
    return True


def udp_cmd(g):
    r = g.r
    while True:
        c = g.command()
        if b"L" * 251 in c or c.startswith(b"stats") or c.startswith(b"quit") or c.startswith(b"set K") and False:
            continue
        if len(c) > 60000:
            continue
        return c


def flush_both(args):
    """Starts from an empty cache on both sides, so nothing timing-dependent
    from an earlier phase carries over."""
    for p in (args.ref, args.ours):
        c = socket.create_connection(("127.0.0.1", p))
        c.sendall(b"flush_all\r\n")
        recv_until(c, b"OK\r\n")
        c.close()


def udp_sockets(args):
    socks = []
    for p in (args.udp_ref, args.udp_ours):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.connect(("127.0.0.1", p))
        s.settimeout(5)
        socks.append(s)
    return socks


def udp_exchange(s, dgram):
    """Sends one request datagram, then an "mn" barrier datagram; returns
    the reply datagrams that came before the barrier's reply."""
    s.send(dgram)
    s.send(struct.pack(">HHHH", 65535, 0, 1, 0) + b"mn\r\n")
    got = []
    while True:
        try:
            d = s.recv(65536)
        except socket.timeout:
            got.append(b"<TIMEOUT>")
            return got
        if d[:2] == b"\xff\xff" and d[8:] == b"MN\r\n":
            return got
        got.append(d)


def run_udp(args, seed):
    rnd = random.Random(seed ^ 0x5eed)
    g = Gen(rnd)
    socks = udp_sockets(args)
    flush_both(args)
    n = args.streams * args.ops
    for i in range(n):
        rid = rnd.randint(0, 65000)
        payload = b"".join(udp_cmd(g) for _ in range(rnd.choice([1, 1, 1, 2, 3])))
        hdr = struct.pack(">HHHH", rid, rnd.choice([0, 0, 3]), 1, rnd.choice([0, 0, 7]))
        if rnd.random() < 0.02:
            hdr = struct.pack(">HHHH", rid, 0, 2, 0)     # multi-datagram request: dropped
        outs = [udp_exchange(s, hdr + payload) for s in socks]
        a = [d[:8] + normalize(d[8:]) for d in outs[0]]
        b = [d[:8] + normalize(d[8:]) for d in outs[1]]
        if a != b:
            report("udp", seed, i, 0, hdr + payload, b"\n".join(map(repr_b, outs[0])), b"\n".join(map(repr_b, outs[1])))
            return False
    return True


# ---- binary protocol ---------------------------------------------------------
# Random binary request streams (memcached decides per connection on the first
# byte; 0x80 = binary), compared packet by packet. Each segment ends with a
# Noop carrying a fresh opaque, the barrier. A segment may end with a malformed
# request instead; then both servers must answer the same and close.

B_OPS = {"get": 0x00, "set": 0x01, "add": 0x02, "replace": 0x03, "delete": 0x04, "incr": 0x05,
         "decr": 0x06, "quit": 0x07, "flush": 0x08, "getq": 0x09, "noop": 0x0a, "version": 0x0b,
         "getk": 0x0c, "getkq": 0x0d, "append": 0x0e, "prepend": 0x0f, "stat": 0x10, "setq": 0x11,
         "addq": 0x12, "replaceq": 0x13, "deleteq": 0x14, "incrq": 0x15, "decrq": 0x16,
         "quitq": 0x17, "flushq": 0x18, "appendq": 0x19, "prependq": 0x1a, "verbosity": 0x1b,
         "touch": 0x1c, "gat": 0x1d, "gatq": 0x1e, "sasl_list": 0x20, "gatk": 0x23, "gatkq": 0x24}


def bpkt(op, key=b"", ext=b"", val=b"", opaque=0, cas=0, magic=0x80, keylen=None, extlen=None, bodylen=None):
    kl = len(key) if keylen is None else keylen
    el = len(ext) if extlen is None else extlen
    bl = len(key) + len(ext) + len(val) if bodylen is None else bodylen
    return struct.pack(">BBHBBHIIQ", magic, op, kl, el, 0, 0, bl, opaque, cas) + ext + key + val


class BinGen:
    def __init__(self, g):
        self.g = g
        self.r = g.r

    def key(self):
        # a key over 250 bytes closes the connection: only in malformed()
        return self.r.choice(KEYS)

    def cas(self):
        r = self.r.random()
        return 0 if r < 0.7 else self.r.randint(1, 400)

    def exp(self):
        return self.r.choice([0, 0, 0, 1000, 100000, 2592001, 4000000000])

    def command(self):
        r, g = self.r, self.g
        o = r.randint(0, 1 << 32 - 1)
        x = r.random()
        if x < 0.30:
            name = r.choice(["set", "setq", "add", "addq", "replace", "replaceq", "append", "appendq",
                             "prepend", "prependq"])
            if name.startswith(("append", "prepend")):
                k, ext = r.choice(PLAIN), b""
            else:
                k = self.key() if r.random() < 0.95 else r.choice(COUNTERS)
                ext = struct.pack(">II", r.choice([0, 0, 1, 42, 4294967295]), self.exp())
            v = g.value()
            if k in COUNTERS:
                # counters stay below 2^63: for larger values memcached's
                # incr/decr scans item memory past the value for a '-' and
                # sometimes answers Non-numeric (depends on what follows)
                v = b"%d" % r.choice([0, 1, 99, 1 << 62])
            if r.random() < 0.01:
                v = b"z" * (1100 * 1024)
            return bpkt(B_OPS[name], k, ext, v, o, self.cas())
        if x < 0.55:
            name = r.choice(["get", "getq", "getk", "getkq", "get", "getk"])
            return bpkt(B_OPS[name], self.key(), opaque=o)
        if x < 0.65:
            name = r.choice(["touch", "gat", "gatq", "gatk", "gatkq"])
            return bpkt(B_OPS[name], self.key(), struct.pack(">I", self.exp()), opaque=o)
        if x < 0.75:
            name = r.choice(["incr", "decr", "incrq", "decrq"])
            ext = struct.pack(">QQI", r.choice([0, 1, 5, 100]), r.choice([0, 7, 1 << 62]),
                              r.choice([0, 1000, 0xffffffff, 0xffffffff]))
            k = r.choice(COUNTERS) if r.random() < 0.9 else r.choice(PLAIN)
            return bpkt(B_OPS[name], k, ext, opaque=o, cas=self.cas() if r.random() < 0.3 else 0)
        if x < 0.83:
            name = r.choice(["delete", "deleteq"])
            return bpkt(B_OPS[name], self.key(), opaque=o, cas=self.cas() if r.random() < 0.3 else 0)
        name = r.choice(["noop", "version", "verbosity", "sasl_list", "flush", "flushq", "unknown",
                         "stat", "noop", "getq"])
        if name in ("flush", "flushq"):
            if r.random() < 0.7:
                return bpkt(B_OPS["noop"], opaque=o)
            return bpkt(B_OPS[name], ext=r.choice([b"", struct.pack(">I", 0)]), opaque=o)
        # memcached answers opcodes it does not know with "Unknown command"
        # and then discards bodylen bytes after the extras and key it has
        # already read: 4 bytes of padding keep the stream in step
        if name == "verbosity":
            return bpkt(B_OPS[name], ext=struct.pack(">I", 1), opaque=o) + b"\0\0\0\0"
        if name == "unknown":
            if r.random() < 0.3:
                return bpkt(0x21, b"PLAIN", val=b"\0u\0p", opaque=o)     # SASL auth
            return bpkt(r.choice([0x30, 0x3f, 0x50, 0xfe, 0x25]), opaque=o)
        if name == "stat":
            return bpkt(B_OPS[name], r.choice([b"bogus", b"conns", b"detail x", b"settings", b"items", b"slabs",
                                                b"sizes"]), opaque=o)
        if name == "getq":
            return bpkt(B_OPS["getq"], self.key(), opaque=o)
        return bpkt(B_OPS[name], opaque=o)

    def malformed(self):
        r = self.r
        o = r.randint(0, 1 << 31)
        return r.choice([
            bpkt(0x00, b"k1", opaque=o, magic=0x81),                    # bad magic
            bpkt(0x00, b"k1", ext=b"abcd", opaque=o),                   # get with extras
            bpkt(0x00, b"k1", opaque=o, bodylen=1),                     # key longer than body
            bpkt(0x01, b"k1", b"\0" * 8, b"v", opaque=o, extlen=8, bodylen=9),   # ext+key > body
            bpkt(0x00, b"M" * 251, opaque=o),                           # key too long
            bpkt(0x01, b"k1", b"\0" * 4, b"vv", opaque=o),              # set with short extras
            bpkt(0x05, b"n1", b"\0" * 8, opaque=o),                     # incr with short extras
            bpkt(0x0b, b"x", opaque=o),                                 # version with a key
            bpkt(0x07, opaque=o),                                       # quit
            bpkt(0x17, opaque=o),                                       # quitq
            bpkt(0x10, b"k", b"\0" * 4, opaque=o),                      # stat with extras
        ])


def bin_parse(buf):
    """Splits a byte string into response packets; returns (packets, rest)."""
    out = []
    while len(buf) >= 24:
        bl = struct.unpack(">I", buf[8:12])[0]
        if len(buf) < 24 + bl:
            break
        out.append(buf[:24 + bl])
        buf = buf[24 + bl:]
    return out, buf


COUNTER_VAL = re.compile(rb"^(\d+) +$")


def bin_normalize(pkts):
    res = []
    for p in pkts:
        if p.startswith(b"<"):
            res.append(p)                   # <EOF>, <TIMEOUT>, <PARTIAL>
            continue
        magic, op, kl, el, dt, st, bl, opq, cas = struct.unpack(">BBHBBHIIQ", p[:24])
        body = p[24:]
        if op == 0x0b and st == 0:
            body = b"*"
        if op == 0x10 and st == 0 and kl > 0:
            continue                        # statistics differ in name sets and values
        if st == 0 and el == 4 and op in (0x00, 0x09, 0x0c, 0x0d, 0x1d, 0x1e, 0x23, 0x24):
            v = body[4 + kl:]
            m = COUNTER_VAL.match(v)        # counter padded in place or not (see COUNTERS)
            if m:
                body = body[:4 + kl] + m.group(1)
        res.append((magic, op, kl, el, st, opq, cas, body))
    return res


def bin_recv(s, opaque=None, timeout=10.0):
    """Reads packets until a Noop reply with this opaque (None: until EOF)."""
    s.settimeout(timeout)
    buf, pkts = b"", []
    while True:
        try:
            d = s.recv(1 << 20)
        except socket.timeout:
            return pkts + [b"<TIMEOUT>" + buf]
        if not d:
            return pkts + ([b"<PARTIAL>" + buf] if buf else []) + [b"<EOF>"]
        buf += d
        got, buf = bin_parse(buf)
        pkts += got
        if opaque is not None and got and got[-1][1] == 0x0a and struct.unpack(">I", got[-1][12:16])[0] == opaque:
            return pkts


def bin_show(pkts):
    return b"\n".join(repr(p[:24].hex() + " " + repr(p[24:80])).encode() if not p.startswith(b"<") else p[:40]
                      for p in pkts)


def run_binary(args, seed):
    rnd = random.Random(seed ^ 0xb1)
    bg = BinGen(Gen(rnd))
    flush_both(args)
    for si in range(args.streams):
        conns = [socket.create_connection(("127.0.0.1", p)) for p in (args.ref, args.ours)]
        for c in conns:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        nseg = rnd.randint(2, 6)
        for seg in range(nseg):
            cmds = [bg.command() for _ in range(rnd.randint(1, args.ops))]
            last = seg == nseg - 1 and rnd.random() < 0.5
            tag = rnd.randint(1, 1 << 30)
            # before a malformed request a Noop makes memcached transmit what
            # it has (it drops untransmitted replies when it hangs up)
            data = b"".join(cmds) + bpkt(0x0a, opaque=tag) + (bg.malformed() if last else b"")
            for ci, c in enumerate(conns):
                try:
                    send_split(c, data, random.Random(rnd.random()))
                except OSError as ex:
                    # a server may already have closed after a malformed request
                    if not last:
                        report("bin-send", seed, si, seg, data, b"", ("%s: connection %d" % (ex, ci)).encode())
                        return False
            outs = [bin_recv(c, None if last else tag, 5 if last else 10) for c in conns]
            if bin_normalize(outs[0]) != bin_normalize(outs[1]):
                report("binary", seed, si, seg, data, bin_show(outs[0]), bin_show(outs[1]))
                return False
            if last:
                break
        for c in conns:
            c.close()
    return True


def run_binary_udp(args, seed):
    rnd = random.Random(seed ^ 0xb2)
    bg = BinGen(Gen(rnd))
    socks = udp_sockets(args)
    for i in range(args.streams * args.ops):
        rid = rnd.randint(0, 65000)
        cmds = []
        for _ in range(rnd.choice([1, 1, 1, 2, 3])):
            c = bg.command()
            if len(c) < 20000 and c[1] != 0x10:     # no statistics (sizes differ)
                cmds.append(c)
        payload = b"".join(cmds)
        hdr = struct.pack(">HHHH", rid, 0, 1, 0)
        outs = [udp_exchange(s, hdr + payload) for s in socks]
        norm = lambda ds: [(d[:8], bin_normalize(bin_parse(d[8:])[0]), bin_parse(d[8:])[1]) for d in ds]
        if norm(outs[0]) != norm(outs[1]):
            report("binary-udp", seed, i, 0, hdr + payload, b"\n".join(map(repr_b, outs[0])),
                   b"\n".join(map(repr_b, outs[1])))
            return False
    return True


def repr_b(d):
    return repr(d).encode()


def report(kind, seed, si, seg, data, ref, ours):
    print("DIFF (%s) seed=%d stream=%d segment=%d" % (kind, seed, si, seg))
    short = lambda b: re.sub(rb"([A-Za-z])\1{20,}", lambda m: b"%s{x%d}" % (m.group(1), len(m.group(0))), b)
    print("request:  %r" % short(data)[:1500])
    print("memcached: %r" % short(ref)[:1500])
    print("ours:      %r" % short(ours)[:1500])
    # locate the first differing byte
    for i in range(min(len(ref), len(ours))):
        if ref[i] != ours[i]:
            print("first difference at byte %d: ...%r... vs ...%r..." % (i, short(ref[max(0, i - 60):i + 60]), short(ours[max(0, i - 60):i + 60])))
            break


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", type=int, required=True)
    ap.add_argument("--ours", type=int, required=True)
    ap.add_argument("--udp-ref", type=int)
    ap.add_argument("--udp-ours", type=int)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--streams", type=int, default=30)
    ap.add_argument("--ops", type=int, default=12)
    ap.add_argument("--only", choices=["tcp", "udp", "binary"], default=None)
    ap.add_argument("--dump", type=argparse.FileType("wb"), help="write every TCP segment sent")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.SystemRandom().randint(1, 1 << 30)
    print("difftest seed=%d (replay with --seed %d)" % (seed, seed))
    ok = True
    if a.only in (None, "tcp"):
        ok = run_tcp(a, seed) and ok
    if ok and a.udp_ref and a.only in (None, "udp"):
        ok = run_udp(a, seed) and ok
    if ok and a.only in (None, "binary"):
        ok = run_binary(a, seed) and ok
    if ok and a.udp_ref and a.only in (None, "binary"):
        ok = run_binary_udp(a, seed) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
