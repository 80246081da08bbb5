"""A stand-in for the guest's ctl FWP, for testing the host side of the
control channel without QEMU: it reads the console stream's frames, decodes
each connection's requests (with its own decoder, written from
docs/control.md independently of host/edgeosctl) and answers them.

Commands it knows (argv after an optional "-o FORMAT"):
    ping              -> 0 "pong"
    fail ERRNO TEXT   -> ERRNO TEXT
    echo ...          -> 0, a JSON object: argv, blobs (name, size, sha256)
    pair TAG          -> 0 "TAG conn=ID", sent only once two pair requests wait
    shutdown STATUS   -> 0 "bye"; .shutdown is set to STATUS
anything else     -> 22 "unknown command"
"""
import hashlib, json, select, socket, struct

MAGIC = 0x46534f45
HDR = struct.Struct("<IHHI")
OPEN, DATA, CLOSE = 1, 2, 3


def decode_request(buf):
    """(length consumed, argv list of bytes, [(name, data)]) or None while
    BUF does not yet hold a whole request. Raises ValueError if malformed."""
    if len(buf) < 8:
        return None
    if bytes(buf[:4]) != b"EOC1":
        raise ValueError("bad request magic %r" % bytes(buf[:4]))
    (body,) = struct.unpack_from("<I", buf, 4)
    if len(buf) < 8 + body:
        return None
    p = 8
    end = 8 + body

    def take(n):
        nonlocal p
        if p + n > end:
            raise ValueError("field runs past the body")
        v = bytes(buf[p:p + n])
        p += n
        return v

    (argc,) = struct.unpack("<H", take(2))
    argv = []
    for _ in range(argc):
        (n,) = struct.unpack("<H", take(2))
        argv.append(take(n))
    (nblobs,) = struct.unpack("<H", take(2))
    blobs = []
    for _ in range(nblobs):
        (n,) = struct.unpack("<H", take(2))
        name = take(n)
        (size,) = struct.unpack("<I", take(4))
        blobs.append((name, take(size)))
    if p != end:
        raise ValueError("%d bytes left over in the body" % (end - p))
    return end, argv, blobs


def response(status, text):
    body = struct.pack("<i", status) + text.encode()
    return b"EOR1" + struct.pack("<I", len(body)) + body


class FakeCtl:
    def __init__(self, sock):
        self.sock = sock
        self.inbuf = bytearray()
        self.conns = {}          # id -> bytes of the unfinished request
        self.raw = {}            # id -> every byte received on that connection
        self.events = []         # ("open"|"data"|"close", id, length) in arrival order
        self.requests = []       # (id, argv, blobs)
        self.errors = []
        self.pairs = []
        self.shutdown = None

    def send_frame(self, cid, ftype, payload=b""):
        self.sock.sendall(HDR.pack(MAGIC, cid, ftype, len(payload)) + payload)

    def reply(self, cid, status, text):
        data = response(status, text)
        # split, so the client has to reassemble the response
        for piece in (data[:5], data[5:]):
            if piece:
                self.send_frame(cid, DATA, piece)

    def poll(self, timeout):
        """Handles what arrives within TIMEOUT; False once the stream ended."""
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return True
        data = self.sock.recv(1 << 18)
        if not data:
            return False
        self.inbuf += data
        while len(self.inbuf) >= HDR.size:
            magic, cid, ftype, length = HDR.unpack_from(self.inbuf)
            if magic != MAGIC or length > 65536 or ftype not in (OPEN, DATA, CLOSE):
                self.errors.append("bad frame header %r" % bytes(self.inbuf[:12]))
                self.inbuf.clear()
                break
            if len(self.inbuf) < HDR.size + length:
                break
            payload = bytes(self.inbuf[HDR.size:HDR.size + length])
            del self.inbuf[:HDR.size + length]
            self.frame(cid, ftype, payload)
        return True

    def frame(self, cid, ftype, payload):
        if ftype == OPEN:
            self.events.append(("open", cid, len(payload)))
            if cid in self.conns:
                self.errors.append("OPEN of open connection %d" % cid)
            self.conns[cid] = bytearray()
            self.raw[cid] = bytearray()
        elif ftype == CLOSE:
            self.events.append(("close", cid, len(payload)))
            if self.conns.pop(cid, None) is None:
                self.errors.append("CLOSE of unknown connection %d" % cid)
            self.pairs = [p for p in self.pairs if p[0] != cid]
        else:
            self.events.append(("data", cid, len(payload)))
            if cid not in self.conns:
                self.errors.append("DATA for unknown connection %d" % cid)
                return
            if not 1 <= len(payload) <= 65536:
                self.errors.append("DATA of %d bytes" % len(payload))
            self.conns[cid] += payload
            self.raw[cid] += payload
            try:
                while True:
                    got = decode_request(self.conns[cid])
                    if got is None:
                        break
                    used, argv, blobs = got
                    del self.conns[cid][:used]
                    self.requests.append((cid, argv, blobs))
                    self.answer(cid, argv, blobs)
            except ValueError as e:
                self.errors.append("connection %d: %s" % (cid, e))
                self.reply(cid, 22, "malformed request: %s" % e)
                self.send_frame(cid, CLOSE)
                self.conns.pop(cid, None)

    def answer(self, cid, argv, blobs):
        words = [w.decode("utf-8", "replace") for w in argv]
        if words[:1] == ["-o"]:
            words = words[2:]
        cmd = words[0] if words else ""
        if cmd == "ping":
            self.reply(cid, 0, "pong\n")
        elif cmd == "fail":
            self.reply(cid, int(words[1]), " ".join(words[2:]) + "\n")
        elif cmd == "echo" or cmd in ("deploy", "apply"):
            self.reply(cid, 0, json.dumps({
                "argv": words,
                "blobs": [[n.decode("utf-8", "surrogateescape"), len(d), hashlib.sha256(d).hexdigest()]
                          for n, d in blobs]}) + "\n")
        elif cmd == "pair":
            self.pairs.append((cid, words[1]))
            if len(self.pairs) == 2:
                for pcid, tag in self.pairs:
                    self.reply(pcid, 0, "%s conn=%d\n" % (tag, pcid))
                self.pairs = []
        elif cmd == "shutdown":
            self.reply(cid, 0, "bye\n")
            self.shutdown = int(words[1])
        else:
            self.reply(cid, 22, "unknown command\n")
