#!/usr/bin/env python3
"""Host side of the control channel, without QEMU: host/ctlproxy.py driven
by a fake guest on a socketpair, host/edgeosctl against a fake ctl
(fakectl.py) reached through the real proxy, and host/edgeos-run with a
fake QEMU (fake-qemu/). Prints one PASS/FAIL line per test (tests/run-all.sh)."""
import hashlib, json, os, select, shutil, signal, socket, stat, struct, subprocess, sys
import tempfile, threading, time, traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "host"))
sys.path.insert(0, HERE)
import ctlproxy   # noqa: E402
import fakectl    # noqa: E402

EDGEOSCTL = os.path.join(ROOT, "host", "edgeosctl")
EDGEOS_RUN = os.path.join(ROOT, "host", "edgeos-run")
MAGIC = 0x46534f45
HDR = struct.Struct("<IHHI")
OPEN, DATA, CLOSE = 1, 2, 3
TEST_SECONDS = 20


class Fail(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Fail(why)


def wait_for(pred, timeout=5.0, what="condition"):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise Fail("timed out waiting for " + what)
        time.sleep(0.01)


def frame(cid, ftype, payload=b""):
    return HDR.pack(MAGIC, cid, ftype, len(payload)) + payload


class Harness:
    """A CtlProxy on a fresh socket, run by a select loop in a background
    thread (as edgeos-run's loop runs it); self.guest is the guest end."""

    def __init__(self, path):
        self.path = path
        host, self.guest = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.logs = []
        self.proxy = ctlproxy.CtlProxy(path, host, log=self.logs.append)
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        self.ctl = None

    def _loop(self):
        while not self.stopping:
            with self.lock:
                r, w = self.proxy.read_fds(), self.proxy.write_fds()
            r, w, _ = select.select(r, w, [], 0.02)
            with self.lock:
                self.proxy.handle(r, w)

    def serve_fake_ctl(self):
        """Answers requests with fakectl in another thread."""
        self.ctl = fakectl.FakeCtl(self.guest)

        def run():
            while not self.stopping and self.ctl.poll(0.02):
                pass
        self.ctl_thread = threading.Thread(target=run, daemon=True)
        self.ctl_thread.start()
        return self.ctl

    def close(self):
        self.stopping = True
        self.thread.join(2)
        if self.ctl:
            self.ctl_thread.join(2)
        self.proxy.close()
        self.guest.close()


class GuestStream:
    """The test's own reader of frames on the guest end."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def frames(self, until, timeout=5.0):
        got = []
        end = time.monotonic() + timeout
        while True:
            while len(self.buf) >= HDR.size:
                magic, cid, ftype, length = HDR.unpack_from(self.buf)
                check(magic == MAGIC, "host sent a frame with magic %#x" % magic)
                check(length <= 65536, "host sent a frame of %d bytes" % length)
                if len(self.buf) < HDR.size + length:
                    break
                got.append((cid, ftype, bytes(self.buf[HDR.size:HDR.size + length])))
                del self.buf[:HDR.size + length]
            if until(got):
                return got
            left = end - time.monotonic()
            if left <= 0:
                raise Fail("timed out waiting for frames; got %s" % summary(got))
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                data = self.sock.recv(1 << 18)
                check(data, "guest stream ended")
                self.buf += data

    def _collect(self, seconds):
        """The frames that arrive within SECONDS."""
        got = []
        try:
            self.frames(lambda g: got.extend(g) or False, seconds)
        except Fail:
            pass
        return got


def summary(frames):
    names = {OPEN: "OPEN", DATA: "DATA", CLOSE: "CLOSE"}
    return ", ".join("%s(%d,%d)" % (names.get(t, t), c, len(p)) for c, t, p in frames[:20])


def client(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def recv_all(sock, timeout=5.0):
    sock.settimeout(timeout)
    data = bytearray()
    while True:
        chunk = sock.recv(1 << 16)
        if not chunk:
            return bytes(data)
        data += chunk


def ctl(args, cwd=None, env=None, timeout=15):
    return subprocess.run([sys.executable, EDGEOSCTL] + args, capture_output=True, cwd=cwd,
                          env=env, timeout=timeout)


def opens(ctlobj):
    return [e for e in ctlobj.events if e[0] == "open"]


# ---- tests ------------------------------------------------------------------------------

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def socket_mode_0600_and_removed(tmp):
    path = os.path.join(tmp, "new", "dir", "ctl.sock")       # parent missing
    old = os.umask(0o022)
    chmod = os.chmod
    os.chmod = lambda *a, **k: None      # the mode must come from bind itself (no wider window)
    try:
        h = Harness(path)
        os.chmod = chmod
        st = os.lstat(path)
        check(stat.S_ISSOCK(st.st_mode), "not a socket")
        check(stat.S_IMODE(st.st_mode) == 0o600, "mode %o" % stat.S_IMODE(st.st_mode))
        check(os.umask(0o022) == 0o022, "umask not restored")
        h.close()
    finally:
        os.chmod = chmod
        os.umask(old)
    check(not os.path.exists(path), "socket file left behind after close")


@test
def socket_stale_replaced_others_refused(tmp):
    path = os.path.join(tmp, "ctl.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()                                                 # a stale socket file
    h = Harness(path)
    try:
        try:
            ctlproxy.CtlProxy(path, socket.socketpair()[0], log=lambda m: None)
            raise Fail("a second proxy took over a live socket")
        except ctlproxy.CtlSocketError as e:
            check("in use" in str(e), "unexpected message: %s" % e)
    finally:
        h.close()
    plain = os.path.join(tmp, "plain")
    with open(plain, "w") as f:
        f.write("keep me")
    try:
        ctlproxy.CtlProxy(plain, socket.socketpair()[0], log=lambda m: None)
        raise Fail("a regular file was replaced")
    except ctlproxy.CtlSocketError as e:
        check("not a socket" in str(e), "unexpected message: %s" % e)
    check(open(plain).read() == "keep me", "regular file changed")


@test
def frames_open_data_close_one_client(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    try:
        g = GuestStream(h.guest)
        c = client(h.path)
        f = g.frames(lambda f: len(f) >= 1)
        check(f[0][1] == OPEN and f[0][2] == b"", "first frame not an empty OPEN: " + summary(f))
        cid = f[0][0]
        check(1 <= cid <= 65535, "connection id %d" % cid)
        c.sendall(b"hello, ctl")
        f = g.frames(lambda f: sum(len(p) for _, _, p in f) >= 10)
        check(all(x[:2] == (cid, DATA) for x in f), "expected DATA frames: " + summary(f))
        check(b"".join(p for _, _, p in f) == b"hello, ctl", "payload differs")
        c.close()
        f = g.frames(lambda f: len(f) >= 1)
        check(f == [(cid, CLOSE, b"")], "expected CLOSE: " + summary(f))
    finally:
        h.close()


@test
def request_encoding_argv_and_two_blobs(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    ctlobj = h.serve_fake_ctl()
    try:
        work = os.path.join(tmp, "work")
        os.makedirs(work)
        manifest = b"tenant a mem=64M\nservice a/s program=p.elf proto=udp port=7 mode=shared:1\n"
        prog = bytes(range(256)) * 3
        with open(os.path.join(work, "site.manifest"), "wb") as f:
            f.write(manifest)
        with open(os.path.join(work, "p.elf"), "wb") as f:
            f.write(prog)
        r = ctl(["--socket", h.path, "-o", "kv", "apply", "site.manifest", "--prune"], cwd=work)
        check(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr.decode()))
        check(len(ctlobj.requests) == 1, "%d requests" % len(ctlobj.requests))
        cid = ctlobj.requests[0][0]
        # built here by hand from docs/control.md
        words = [b"-o", b"kv", b"apply", b"site.manifest", b"--prune"]
        blobs = [(b"site.manifest", manifest), (b"p.elf", prog)]
        body = struct.pack("<H", len(words)) + b"".join(struct.pack("<H", len(w)) + w for w in words)
        body += struct.pack("<H", len(blobs)) + b"".join(
            struct.pack("<H", len(n)) + n + struct.pack("<I", len(d)) + d for n, d in blobs)
        expected = b"EOC1" + struct.pack("<I", len(body)) + body
        raw = bytes(ctlobj.raw[cid])
        check(raw == expected, "request bytes differ from the specified encoding (%d vs %d bytes)"
              % (len(raw), len(expected)))
        used, argv, got_blobs = fakectl.decode_request(raw)
        check(used == len(raw) and argv == words and got_blobs == blobs, "decoded request differs")
        check(not ctlobj.errors, "; ".join(ctlobj.errors))
    finally:
        h.close()


@test
def response_status_zero_stdout_exit0(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    h.serve_fake_ctl()
    try:
        r = ctl(["--socket", h.path, "ping"])
        check(r.returncode == 0, "exit %d" % r.returncode)
        check(r.stdout == b"pong\n" and r.stderr == b"", "stdout %r stderr %r" % (r.stdout, r.stderr))
    finally:
        h.close()


@test
def response_status_nonzero_stderr_exit1(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    h.serve_fake_ctl()
    try:
        r = ctl(["--socket", h.path, "fail", "17", "tenant", "a", "exists"])
        check(r.returncode == 1, "exit %d" % r.returncode)
        check(r.stdout == b"" and r.stderr == b"edgeosctl: tenant a exists\n",
              "stdout %r stderr %r" % (r.stdout, r.stderr))
        env = dict(os.environ, EDGEOS_CTL_SOCKET=h.path)      # the socket from the environment
        r = ctl(["bogus"], env=env)
        check(r.returncode == 1 and r.stderr == b"edgeosctl: unknown command\n",
              "unknown command: exit %d stderr %r" % (r.returncode, r.stderr))
    finally:
        h.close()


@test
def connection_error_exit2(tmp):
    r = ctl(["--socket", os.path.join(tmp, "none.sock"), "ping"])
    check(r.returncode == 2, "exit %d" % r.returncode)
    check(b"cannot connect to" in r.stderr and b"No such file" in r.stderr, "stderr %r" % r.stderr)
    # a server that answers garbage
    path = os.path.join(tmp, "junk.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    def answer():
        c, _ = srv.accept()
        c.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
        c.close()
    t = threading.Thread(target=answer, daemon=True)
    t.start()
    r = ctl(["--socket", path, "ping"])
    srv.close()
    check(r.returncode == 2 and b"malformed response" in r.stderr, "exit %d stderr %r" % (r.returncode, r.stderr))


@test
def two_clients_get_their_own_replies(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    ctlobj = h.serve_fake_ctl()
    try:
        # the fake ctl answers "pair" only once both requests are in
        procs = [subprocess.Popen([sys.executable, EDGEOSCTL, "--socket", h.path, "pair", tag],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for tag in ("one", "two")]
        outs = [p.communicate(timeout=10) for p in procs]
        for tag, p, (out, err) in zip(("one", "two"), procs, outs):
            check(p.returncode == 0, "%s: exit %d %r" % (tag, p.returncode, err))
            check(out.startswith(tag.encode() + b" conn="), "%s got %r" % (tag, out))
        ids = {o.split(b"conn=")[1] for o, _ in outs}
        check(len(ids) == 2, "both replies name one connection")
        check(len(opens(ctlobj)) == 2, "%d OPENs" % len(opens(ctlobj)))
    finally:
        h.close()


@test
def disconnect_mid_upload_close_after_data(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    try:
        g = GuestStream(h.guest)
        c = client(h.path)
        # the guest reads nothing at first, so the proxy still holds part of
        # the upload when it sees the client go
        sent = b"EOC1" + struct.pack("<I", 2 << 20) + os.urandom(1200 << 10)
        c.sendall(sent)
        c.close()
        time.sleep(0.3)
        f = g.frames(lambda f: any(t == CLOSE for _, t, _ in f))
        check(f[0][1] == OPEN, "first frame: " + summary(f))
        cid = f[0][0]
        check(f[-1] == (cid, CLOSE, b""), "last frame not CLOSE: " + summary(f[-3:]))
        data = f[1:-1]
        check(all(x[0] == cid and x[1] == DATA and 1 <= len(x[2]) <= 65536 for x in data),
              "between OPEN and CLOSE: " + summary(data))
        check(b"".join(p for _, _, p in data) == sent, "the DATA frames do not carry what was sent")
        check(g._collect(0.2) == [], "frames after CLOSE")
    finally:
        h.close()


@test
def guest_garbage_skipped_next_frame_delivered(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    try:
        g = GuestStream(h.guest)
        c = client(h.path)
        cid = g.frames(lambda f: len(f) >= 1)[0][0]
        h.guest.sendall(frame(cid + 100, DATA, b"for nobody"))   # unknown connection: dropped
        h.guest.sendall(b"garbage, not a frame")
        time.sleep(0.05)
        h.guest.sendall(HDR.pack(MAGIC, cid, DATA, 70000) + b"xx")  # length over 65536
        time.sleep(0.05)
        h.guest.sendall(b"EO" + frame(cid, DATA, b"hello") + frame(cid, DATA, b" again"))
        c.settimeout(5)
        got = b""
        while len(got) < 11:
            chunk = c.recv(100)
            check(chunk, "client closed")
            got += chunk
        check(got == b"hello again", "client got %r" % got)
        check(h.logs == [ctlproxy.RESYNC_MESSAGE], "log lines: %r" % h.logs)
        check(ctlproxy.RESYNC_MESSAGE == "edgeos-run: ctl stream out of step, resynchronising", "message text")
        h.guest.sendall(b"\xff" * 10 + frame(cid, CLOSE))
        check(recv_all(c) == b"", "client not closed after CLOSE")
        check(len(h.logs) == 2, "second out-of-step stretch not logged once: %r" % h.logs)
    finally:
        h.close()


@test
def large_upload_4mib_intact(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    ctlobj = h.serve_fake_ctl()
    try:
        prog = os.urandom(4 << 20)
        path = os.path.join(tmp, "big.elf")
        with open(path, "wb") as f:
            f.write(prog)
        r = ctl(["--socket", h.path, "deploy", "a", "big", "--program", path, "--proto", "udp",
                 "--port", "7", "--mode", "shared:1", "--", "--program", "not-attached"])
        check(r.returncode == 0, "exit %d %r" % (r.returncode, r.stderr))
        reply = json.loads(r.stdout)
        check(reply["blobs"] == [[path, len(prog), hashlib.sha256(prog).hexdigest()]],
              "blobs %r" % reply["blobs"])
        check(reply["argv"][-2:] == ["--program", "not-attached"], "argv %r" % reply["argv"])
        check(not ctlobj.errors, "; ".join(ctlobj.errors))
    finally:
        h.close()


@test
def missing_file_exit2_nothing_sent(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    ctlobj = h.serve_fake_ctl()
    try:
        r = ctl(["--socket", h.path, "deploy", "a", "s", "--program", "no/such.elf", "--proto", "udp"])
        check(r.returncode == 2, "deploy: exit %d" % r.returncode)
        check(b"no/such.elf" in r.stderr and b"No such file" in r.stderr, "deploy: stderr %r" % r.stderr)
        with open(os.path.join(tmp, "m.manifest"), "w") as f:
            f.write("service a/s program=missing.elf proto=udp port=1 mode=shared:1\n")
        r = ctl(["--socket", h.path, "apply", os.path.join(tmp, "m.manifest")])
        check(r.returncode == 2 and b"missing.elf" in r.stderr, "apply: exit %d stderr %r" % (r.returncode, r.stderr))
        r = ctl(["--socket", h.path, "apply", os.path.join(tmp, "absent.manifest")])
        check(r.returncode == 2 and b"absent.manifest" in r.stderr, "apply without manifest: exit %d" % r.returncode)
        os.makedirs(os.path.join(tmp, "x", "x"))                 # x/m twice: here and beside the manifest
        with open(os.path.join(tmp, "x", "m"), "w") as f:
            f.write("service a/s program=x/m proto=udp port=1 mode=shared:1\n")
        with open(os.path.join(tmp, "x", "x", "m"), "w") as f:
            f.write("another file")
        r = ctl(["--socket", h.path, "apply", "x/m"], cwd=tmp)
        check(r.returncode == 2 and b"two different files" in r.stderr,
              "name clash: exit %d stderr %r" % (r.returncode, r.stderr))
        time.sleep(0.2)
        check(ctlobj.events == [], "something reached the guest: %r" % ctlobj.events[:4])
    finally:
        h.close()


@test
def apply_attaches_manifest_and_programs(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    h.serve_fake_ctl()
    try:
        conf = os.path.join(tmp, "conf")
        os.makedirs(os.path.join(conf, "bin"))
        os.makedirs(os.path.join(conf, "my progs"))
        one, two = b"\x7fELF one", b"\x7fELF two"
        with open(os.path.join(conf, "bin", "one.elf"), "wb") as f:
            f.write(one)
        with open(os.path.join(conf, "my progs", "two.elf"), "wb") as f:
            f.write(two)
        manifest = (
            "# program=commented.elf\n"
            "tenant a mem=64M cpu=50\n"
            "service a/one program=bin/one.elf proto=udp port=7 mode=shared:1\n"
            "service a/two program=\"my progs/two.elf\" proto=udp port=8 mode=pool:2 # program=c.elf\n"
            "service a/three builtin=memcached proto=udp port=9 mode=shared:1 -- program=arg.elf\n"
            "service a/four \"program=bin/one.elf\" proto=udp port=10 mode=shared:1\n").encode()
        with open(os.path.join(conf, "site.manifest"), "wb") as f:
            f.write(manifest)
        r = ctl(["--socket", h.path, "apply", "conf/site.manifest"], cwd=tmp)
        check(r.returncode == 0, "exit %d %r" % (r.returncode, r.stderr))
        blobs = json.loads(r.stdout)["blobs"]
        sha = lambda b: hashlib.sha256(b).hexdigest()
        want = [["conf/site.manifest", len(manifest), sha(manifest)],
                ["bin/one.elf", len(one), sha(one)], ["my progs/two.elf", len(two), sha(two)]]
        check(blobs == want, "attached %r" % [b[0] for b in blobs])
    finally:
        h.close()


@test
def guest_close_flushes_queued_data(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    try:
        g = GuestStream(h.guest)
        c = client(h.path)
        cid = g.frames(lambda f: len(f) >= 1)[0][0]
        reply = os.urandom(700 << 10)
        h.guest.sendall(b"".join(frame(cid, DATA, reply[i:i + 65536]) for i in range(0, len(reply), 65536))
                        + frame(cid, CLOSE))
        time.sleep(0.3)                    # the proxy holds most of it meanwhile
        check(recv_all(c) == reply, "client did not get every byte before the close")
        c.close()
        check(g._collect(0.2) == [], "host answered the guest's CLOSE")
        wait_for(lambda: not h.proxy.clients, what="the connection to be forgotten")
    finally:
        h.close()


@test
def client_limit_64(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    try:
        g = GuestStream(h.guest)
        cs = [client(h.path) for _ in range(64)]
        f = g.frames(lambda f: len(f) >= 64)
        ids = [x[0] for x in f]
        check(all(x[1] == OPEN for x in f) and len(set(ids)) == 64, "64 OPENs with distinct ids")
        extra = client(h.path)
        check(recv_all(extra, 3) == b"", "65th client not closed")
        check(g._collect(0.1) == [], "OPEN for the 65th client")
        cs[0].close()
        g.frames(lambda f: f == [(ids[0], CLOSE, b"")])
        again = client(h.path)
        f = g.frames(lambda f: len(f) >= 1)
        check(f[0][1] == OPEN and f[0][0] not in ids[1:], "new client: " + summary(f))
        for s in cs[1:] + [again, extra]:
            s.close()
    finally:
        h.close()


@test
def guest_not_reading_buffers_bounded(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    try:
        g = GuestStream(h.guest)
        c = client(h.path)
        data = os.urandom(4 << 20)
        t = threading.Thread(target=lambda: c.sendall(data), daemon=True)
        t.start()
        time.sleep(0.5)                    # the guest reads nothing meanwhile
        with h.lock:
            held = sum(len(x.inbuf) for x in h.proxy.clients.values()) + len(h.proxy.guest_out)
        bound = ctlproxy.CLIENT_IN_LIMIT + ctlproxy.GUEST_OUT_LIMIT + 2 * ctlproxy.RECV_SIZE
        check(held <= bound, "the proxy holds %d bytes (bound %d)" % (held, bound))
        other = client(h.path)             # the loop still serves others
        f = g.frames(lambda f: sum(len(p) for c_, t_, p in f if t_ == DATA) >= len(data)
                     and any(t_ == OPEN and c_ != f[0][0] for c_, t_, p in f), 10)
        cid = f[0][0]
        got = b"".join(p for c_, t_, p in f if c_ == cid and t_ == DATA)
        check(got == data, "4 MiB arrived altered (%d bytes)" % len(got))
        c.close()
        other.close()
    finally:
        h.close()


@test
def client_not_reading_disconnected(tmp):
    h = Harness(os.path.join(tmp, "ctl.sock"))
    try:
        g = GuestStream(h.guest)
        c = client(h.path)
        cid = g.frames(lambda f: len(f) >= 1)[0][0]
        chunk = frame(cid, DATA, b"r" * 65536)
        total = ctlproxy.CLIENT_OUT_LIMIT + (4 << 20)
        t = threading.Thread(target=lambda: h.guest.sendall(chunk * (total // 65536)), daemon=True)
        t.start()
        f = g.frames(lambda f: (cid, CLOSE, b"") in f, 10)
        t.join(5)
        check(any("does not read" in m for m in h.logs), "no log line: %r" % h.logs)
        c.close()
    finally:
        h.close()


def fake_env(tmp):
    env = dict(os.environ)
    env["PATH"] = os.path.join(HERE, "fake-qemu") + os.pathsep + env.get("PATH", "")
    env["FAKE_QEMU_ARGS"] = os.path.join(tmp, "qemu-args.json")
    env["EDGEOS_ACCEL"] = "tcg"
    return env


@test
def edgeos_run_ctl_socket_end_to_end(tmp):
    env = fake_env(tmp)
    path = os.path.join(tmp, "run", "ctl.sock")
    # started first: --wait keeps trying until the launcher's socket accepts
    waiter = subprocess.Popen([sys.executable, EDGEOSCTL, "--socket", path, "--wait", "10", "ping"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.3)
    run = subprocess.Popen([EDGEOS_RUN, "--quiet", "--timeout", "15", "--ctl-socket", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        wait_for(lambda: os.path.exists(path), what="the control socket")
        check(stat.S_IMODE(os.lstat(path).st_mode) == 0o600, "socket mode")
        out, err = waiter.communicate(timeout=10)
        check(waiter.returncode == 0 and out == b"pong\n", "--wait ping: exit %d %r" % (waiter.returncode, err))
        r = ctl(["shutdown", "3"], env=dict(env, EDGEOS_CTL_SOCKET=path))
        check(r.returncode == 0 and r.stdout == b"bye\n", "shutdown: exit %d %r" % (r.returncode, r.stderr))
        out, err = run.communicate(timeout=10)
        check(run.returncode == 3, "edgeos-run exit %d (guest status 3): %r" % (run.returncode, err))
        check(out == b"EdgeOS (fake QEMU)\nkernel: entering user mode\nkernel: powering off\n",
              "serial relay: %r" % out)
        check(not os.path.exists(path), "socket left behind")
        args = json.load(open(env["FAKE_QEMU_ARGS"]))
        joined = " ".join(args)
        for want in ("-device virtio-serial-device,bus=virtio-mmio-bus.15,max_ports=1",
                     "-device virtconsole,chardev=ctl", "-global virtio-mmio.force-legacy=false"):
            check(want in joined, "QEMU arguments lack %r" % want)
    finally:
        for p in (run, waiter):
            if p.poll() is None:
                p.kill()
                p.wait()


@test
def edgeos_run_sigterm_removes_socket(tmp):
    env = fake_env(tmp)
    path = os.path.join(tmp, "ctl.sock")
    run = subprocess.Popen([EDGEOS_RUN, "--quiet", "--timeout", "15", "--ctl-socket", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        wait_for(lambda: os.path.exists(path), what="the control socket")
        run.send_signal(signal.SIGTERM)
        run.communicate(timeout=5)
        check(run.returncode == -signal.SIGTERM, "exit %d, not killed by SIGTERM" % run.returncode)
        check(not os.path.exists(path), "socket left behind")
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


@test
def edgeos_run_without_ctl_unchanged(tmp):
    env = fake_env(tmp)
    env["FAKE_QEMU_STATUS"] = "5"
    r = subprocess.run([EDGEOS_RUN, "--quiet", "--timeout", "15", "--user-net", "hostfwd=udp:127.0.0.1:1-:1"],
                       capture_output=True, env=env, timeout=15)
    check(r.returncode == 5, "exit %d, want the guest's 5" % r.returncode)
    args = json.load(open(env["FAKE_QEMU_ARGS"]))
    joined = " ".join(args)
    check("virtio-net-device,netdev=n0,mac=52:54:00:12:34:56,bus=virtio-mmio-bus.23" in joined,
          "NIC not on virtio-mmio-bus.23: " + joined)
    check("virtconsole" not in joined and "-chardev" not in joined, "control console without --ctl-socket")
    check(joined.count("virtio-mmio.force-legacy=false") == 1, "force-legacy given %d times"
          % joined.count("virtio-mmio.force-legacy=false"))


def main():
    only = sys.argv[1:]
    for fn in TESTS:
        name = fn.__name__.replace("_", "-")
        if only and name not in only:
            continue
        tmp = tempfile.mkdtemp(prefix="edgeos-ctlhost.")

        def expired(signum, frame):
            raise Fail("took more than %d s" % TEST_SECONDS)
        signal.signal(signal.SIGALRM, expired)
        signal.alarm(TEST_SECONDS)
        try:
            fn(tmp)
            print("PASS ctlhost." + name, flush=True)
        except Fail as e:
            print("FAIL ctlhost.%s: %s" % (name, e), flush=True)
        except Exception as e:
            where = traceback.extract_tb(e.__traceback__)[-1]
            print("FAIL ctlhost.%s: %s: %s (line %d)" % (name, type(e).__name__, e, where.lineno), flush=True)
        finally:
            signal.alarm(0)
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
