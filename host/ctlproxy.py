"""The host end of EdgeOS's control channel (docs/control.md).

host/edgeos-run --ctl-socket PATH listens on a Unix socket; every client
connection (host/edgeosctl, a script) is multiplexed onto the single byte
stream of the guest's virtio console, in frames:

    u32 magic 0x46534f45 ("EOSF")  u16 connection id  u16 type  u32 length  payload

type 1 OPEN (a client connected), 2 DATA (bytes, 1..65536), 3 CLOSE.

CtlProxy does no blocking I/O and starts no threads: the launcher's select
loop asks it which descriptors to watch (read_fds, write_fds) and hands the
ready ones back (handle). Every socket is non-blocking and each direction
has its own buffer, so a client that does not read its replies or a guest
that does not read its console never stalls the serial relay; what is
buffered is bounded (a client is not read while CLIENT_IN_LIMIT bytes of
it wait for the guest; a client that lets CLIENT_OUT_LIMIT bytes of replies
pile up is disconnected). Sends use MSG_NOSIGNAL: a vanished peer is an
error to handle, never a SIGPIPE (the launcher keeps SIGPIPE's default).
"""
import errno, os, select, socket, stat, struct, sys, time

MAGIC = 0x46534f45
MAGIC_BYTES = struct.pack("<I", MAGIC)           # b"EOSF"
HEADER = struct.Struct("<IHHI")
OPEN, DATA, CLOSE = 1, 2, 3
MAX_PAYLOAD = 65536
MAX_CLIENTS = 64
MAX_ID = 65535

CLIENT_IN_LIMIT = 1 << 20        # a client's bytes waiting for the guest before it is no longer read
GUEST_OUT_LIMIT = 256 << 10      # framed bytes queued for the guest before more client data is framed
ACCEPT_LIMIT = 2 * GUEST_OUT_LIMIT   # no new clients while this much is queued for the guest
CLIENT_OUT_LIMIT = 16 << 20      # replies queued for a client that does not read them
RECV_SIZE = 256 << 10
SUN_PATH_MAX = 107               # sockaddr_un.sun_path less its terminating NUL

RESYNC_MESSAGE = "edgeos-run: ctl stream out of step, resynchronising"


class CtlSocketError(Exception):
    """The control socket cannot be created; the message says why."""


def _sun_path(path, dir_fds):
    """An address for bind/connect that names PATH even when PATH is longer
    than sun_path: the directory is opened and reached through /proc/self/fd.
    The opened descriptor is appended to dir_fds for the caller to close."""
    if len(os.fsencode(path)) <= SUN_PATH_MAX:
        return path
    parent, name = os.path.split(path)
    fd = os.open(parent or ".", os.O_RDONLY | os.O_DIRECTORY)
    dir_fds.append(fd)
    short = "/proc/self/fd/%d/%s" % (fd, name)
    if len(os.fsencode(short)) > SUN_PATH_MAX:
        raise CtlSocketError("socket name too long: " + path)
    return short


def _remove_stale(path):
    """Removes PATH when it is a socket nobody listens on; refuses to touch
    anything else (a regular file, a socket another launcher serves)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as e:
        raise CtlSocketError(f"cannot use {path}: {e.strerror}")
    if not stat.S_ISSOCK(st.st_mode):
        raise CtlSocketError(f"{path} exists and is not a socket; not replacing it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dir_fds = []
    try:
        probe.settimeout(1.0)
        probe.connect(_sun_path(path, dir_fds))
    except OSError:
        pass                                   # nobody listening: stale
    else:
        raise CtlSocketError(f"{path} is in use by another running EdgeOS")
    finally:
        probe.close()
        for fd in dir_fds:
            os.close(fd)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as e:
        raise CtlSocketError(f"cannot remove stale socket {path}: {e.strerror}")


def create_listener(path):
    """A non-blocking listening AF_UNIX socket at PATH, mode 0600 from the
    moment it exists (the umask is narrowed around bind). Creates the parent
    directory if missing and replaces a stale socket. Returns (socket, (st_dev, st_ino))."""
    parent = os.path.dirname(path)
    if parent:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as e:
            raise CtlSocketError(f"cannot create directory {parent}: {e.strerror}")
    _remove_stale(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dir_fds = []
    old_umask = os.umask(0o177)
    try:
        sock.bind(_sun_path(path, dir_fds))
    except OSError as e:
        sock.close()
        raise CtlSocketError(f"cannot create socket {path}: {e.strerror}")
    finally:
        os.umask(old_umask)
        for fd in dir_fds:
            os.close(fd)
    try:
        os.chmod(path, 0o600)
        st = os.stat(path)
        sock.listen(MAX_CLIENTS)
        sock.setblocking(False)
    except OSError as e:
        sock.close()
        raise CtlSocketError(f"cannot listen on {path}: {e.strerror}")
    return sock, (st.st_dev, st.st_ino)


def frame(cid, ftype, payload=b""):
    return HEADER.pack(MAGIC, cid, ftype, len(payload)) + payload


class _Client:
    __slots__ = ("sock", "fd", "cid", "inbuf", "outbuf", "eof", "guest_closed")

    def __init__(self, sock, cid):
        self.sock = sock
        self.fd = sock.fileno()
        self.cid = cid
        self.inbuf = bytearray()      # read from the client, not yet framed for the guest
        self.outbuf = bytearray()     # from the guest, not yet written to the client
        self.eof = False              # the client is gone: CLOSE goes to the guest once inbuf is framed
        self.guest_closed = False     # the guest sent CLOSE: the socket closes once outbuf is written


class CtlProxy:
    """Multiplexes the clients of a listening Unix socket onto one guest
    stream (a connected, non-blocking socket: the launcher's end of the
    socketpair whose other end is QEMU's console chardev)."""

    def __init__(self, path, guest_sock, log=None):
        self.path = path
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.listener, self._identity = create_listener(path)
        self.guest = guest_sock
        self.guest.setblocking(False)
        self.guest_in = bytearray()
        self.guest_out = bytearray()
        self.guest_dead = False
        self.out_of_step = False
        self.clients = {}             # connection id -> _Client, until its CLOSE went either way
        self.by_fd = {}               # client socket fd -> _Client, while the socket is open
        self.next_id = 1
        self.rr = 0                   # round-robin start for framing client data
        self.accept_paused_until = 0.0    # after running out of descriptors

    # ---- the select loop's interface -------------------------------------------------

    def read_fds(self):
        fds = []
        if (self.listener is not None and len(self.guest_out) < ACCEPT_LIMIT
                and time.monotonic() >= self.accept_paused_until):
            fds.append(self.listener.fileno())
        if not self.guest_dead:
            fds.append(self.guest.fileno())
        for c in self.by_fd.values():
            if not c.eof and not c.guest_closed and len(c.inbuf) < CLIENT_IN_LIMIT:
                fds.append(c.fd)
        return fds

    def write_fds(self):
        fds = []
        if self.guest_out and not self.guest_dead:
            fds.append(self.guest.fileno())
        for c in self.by_fd.values():
            if c.outbuf:
                fds.append(c.fd)
        return fds

    def handle(self, readable, writable):
        """Does the I/O select found ready; readable/writable may hold other
        objects (the launcher's own descriptors), which are ignored."""
        readable = set(readable)
        writable = set(writable)
        if not self.guest_dead and self.guest.fileno() in readable:
            self._read_guest()
        if self.listener is not None and self.listener.fileno() in readable:
            self._accept()
        for c in list(self.by_fd.values()):
            if c.fd in readable and c.fd in self.by_fd:
                self._read_client(c)
            if c.fd in writable and c.fd in self.by_fd:
                self._write_client(c)
        self._frame_clients()
        if not self.guest_dead and self.guest.fileno() in writable:
            self._write_guest()

    def close(self, flush_seconds=0.0):
        """Removes the socket file (if it is still the one this proxy created)
        and closes every socket. With FLUSH_SECONDS, first spends up to that
        long delivering what the guest had sent before its stream ended (a
        reply written just before QEMU exited)."""
        if self.listener is not None:
            self.listener.close()
            self.listener = None
            try:
                st = os.lstat(self.path)
                if (st.st_dev, st.st_ino) == self._identity:
                    os.unlink(self.path)
            except OSError:
                pass
        end = time.monotonic() + flush_seconds
        while self.by_fd and time.monotonic() < end:
            if not self.guest_dead:
                r = [self.guest.fileno()]
            else:
                r = []
                if not any(c.outbuf for c in self.by_fd.values()):
                    break
            try:
                r, w, _ = select.select(r, [c.fd for c in self.by_fd.values() if c.outbuf], [],
                                        max(0.0, end - time.monotonic()))
            except (OSError, ValueError):
                break
            self.handle(r, w)
        for c in list(self.by_fd.values()):
            self._close_socket(c)
        self.clients.clear()
        if self.guest is not None:
            self.guest.close()
            self.guest = None
            self.guest_dead = True

    # ---- clients ---------------------------------------------------------------------

    def _new_id(self):
        for _ in range(MAX_ID):
            cid = self.next_id
            self.next_id = cid % MAX_ID + 1
            if cid not in self.clients:
                return cid
        return None

    def _accept(self):
        for _ in range(MAX_CLIENTS):
            try:
                sock, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    # the client stays queued; try again in a while rather than spin
                    self.log(f"edgeos-run: ctl socket: cannot accept a client: {e.strerror}")
                    self.accept_paused_until = time.monotonic() + 1.0
                return          # ECONNABORTED and the like: the client gave up
            cid = None if self.guest_dead or len(self.clients) >= MAX_CLIENTS else self._new_id()
            if cid is None:
                sock.close()
                continue
            sock.setblocking(False)
            c = _Client(sock, cid)
            self.clients[cid] = c
            self.by_fd[c.fd] = c
            self.guest_out += frame(cid, OPEN)

    def _read_client(self, c):
        try:
            data = c.sock.recv(min(RECV_SIZE, CLIENT_IN_LIMIT - len(c.inbuf) + MAX_PAYLOAD))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            c.inbuf += data
        else:
            self._client_gone(c)

    def _write_client(self, c):
        try:
            n = c.sock.send(c.outbuf, socket.MSG_NOSIGNAL)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._client_gone(c)
            return
        del c.outbuf[:n]
        if not c.outbuf and c.guest_closed:
            self._close_socket(c)
            self.clients.pop(c.cid, None)

    def _client_gone(self, c):
        """The client disconnected (or failed): what it sent still goes to the
        guest, then CLOSE (from _frame_clients); replies for it are dropped."""
        self._close_socket(c)
        c.outbuf = bytearray()
        if c.guest_closed:
            self.clients.pop(c.cid, None)
        else:
            c.eof = True

    def _close_socket(self, c):
        if self.by_fd.get(c.fd) is c:
            del self.by_fd[c.fd]
            c.sock.close()

    def _frame_clients(self):
        """Moves client bytes into DATA frames for the guest, round robin, while
        the guest's queue is short; a departed client's CLOSE follows its last DATA."""
        if self.guest_dead:
            for c in list(self.clients.values()):
                if c.eof:
                    self.clients.pop(c.cid, None)
            return
        while len(self.guest_out) < GUEST_OUT_LIMIT:
            waiting = [c for c in self.clients.values() if c.inbuf and not c.guest_closed]
            if not waiting:
                break
            self.rr = (self.rr + 1) % len(waiting)
            for c in waiting[self.rr:] + waiting[:self.rr]:
                chunk = bytes(c.inbuf[:MAX_PAYLOAD])
                del c.inbuf[:MAX_PAYLOAD]
                self.guest_out += frame(c.cid, DATA, chunk)
                if len(self.guest_out) >= GUEST_OUT_LIMIT:
                    break
        for c in list(self.clients.values()):
            if c.eof and not c.inbuf:
                self.guest_out += frame(c.cid, CLOSE)
                del self.clients[c.cid]

    # ---- the guest stream ------------------------------------------------------------

    def _write_guest(self):
        try:
            n = self.guest.send(self.guest_out, socket.MSG_NOSIGNAL)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self._guest_gone()
            return
        del self.guest_out[:n]

    def _read_guest(self):
        try:
            data = self.guest.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self._guest_gone()
            return
        if not data:
            self._guest_gone()
            return
        self.guest_in += data
        self._parse_guest()

    def _guest_gone(self):
        """The console stream ended (QEMU exited): each client gets what the
        guest had sent it, then is closed; new clients are turned away."""
        if self.guest_dead:
            return
        self.guest_dead = True
        self.guest_out = bytearray()
        for c in list(self.clients.values()):
            c.inbuf = bytearray()
            if c.outbuf and self.by_fd.get(c.fd) is c:
                c.guest_closed = True
            else:
                self._close_socket(c)
                del self.clients[c.cid]

    def _resync(self, skip):
        """Drops SKIP bytes and everything up to the next magic; logs once per
        out-of-step stretch."""
        if not self.out_of_step:
            self.out_of_step = True
            self.log(RESYNC_MESSAGE)
        buf = self.guest_in
        i = buf.find(MAGIC_BYTES, skip)
        if i < 0:
            # keep a tail that may be the start of the next magic
            keep = 0
            for k in (3, 2, 1):
                if len(buf) >= k and buf[-k:] == MAGIC_BYTES[:k]:
                    keep = k
                    break
            del buf[:len(buf) - keep]
        else:
            del buf[:i]

    def _parse_guest(self):
        buf = self.guest_in
        while len(buf) >= 4:
            if buf[:4] != MAGIC_BYTES:
                self._resync(1)
                continue
            if len(buf) < HEADER.size:
                return
            _, cid, ftype, length = HEADER.unpack_from(buf)
            if length > MAX_PAYLOAD or ftype not in (OPEN, DATA, CLOSE) or cid == 0:
                self._resync(1)
                continue
            if len(buf) < HEADER.size + length:
                return
            payload = bytes(buf[HEADER.size:HEADER.size + length])
            del buf[:HEADER.size + length]
            self.out_of_step = False
            self._guest_frame(cid, ftype, payload)

    def _guest_frame(self, cid, ftype, payload):
        c = self.clients.get(cid)
        if c is None or c.eof or c.guest_closed:
            return                      # unknown (or closing) connection: dropped
        if ftype == DATA:
            c.outbuf += payload
            if len(c.outbuf) > CLIENT_OUT_LIMIT:
                self.log(f"edgeos-run: ctl client {cid} does not read its replies; disconnecting it")
                self._client_gone(c)
        elif ftype == CLOSE:
            c.guest_closed = True
            c.inbuf = bytearray()
            if not c.outbuf:
                self._close_socket(c)
                del self.clients[cid]
        # OPEN from the guest means nothing: dropped
