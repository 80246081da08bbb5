#!/usr/bin/env python3
"""Host side of the console echo test: connects to the Unix socket of QEMU's
virtio console and talks to tests/boot/progs/console_echo.c in the guest.

    echo_client.py SOCKET [--bytes N] [--prefix NAME] [--window N] [--timeout S]

Checks, printing one PASS/FAIL line each (suite protocol, tests/run-all.sh):
  NAME.short-line  a short line comes back;
  NAME.bulk        N pseudo-random bytes, written as fast as the socket takes
                   them (at most --window bytes ahead of the echo) while a
                   second thread reads, come back identical;
  NAME.quit-echo   a line "quit" comes back (the guest then ends).
Exit status 0 when all passed."""
import argparse, random, socket, sys, threading, time


def connect(path, deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def recv_exact(s, n, deadline):
    """Up to n bytes, fewer if the deadline passes or the peer closes."""
    out = bytearray()
    while len(out) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(min(left, 1.0))
        try:
            chunk = s.recv(min(1 << 16, n - len(out)))
        except socket.timeout:
            continue
        except OSError:                 # QEMU went away
            break
        if not chunk:
            break
        out += chunk
    return bytes(out)


def first_difference(a, b):
    for i in range(min(len(a), len(b))):
        if a[i] != b[i]:
            return i
    return min(len(a), len(b))


def bulk(s, data, window, timeout):
    """Writes data in 64 KiB pieces as fast as the socket takes them, never
    more than `window` bytes ahead of the echo, while a second thread reads
    the echo. Returns (echo, bytes sent, seconds)."""
    n = len(data)
    got = bytearray(n)
    done = [0]
    cv = threading.Condition()

    def reader():
        view = memoryview(got)
        try:
            while done[0] < n:
                k = s.recv_into(view[done[0]:])
                if not k:
                    break
                with cv:
                    done[0] += k
                    cv.notify()
        except OSError:
            pass
        with cv:
            done.append(None)           # the reader has ended
            cv.notify()

    s.settimeout(None)
    start = time.monotonic()
    deadline = start + timeout
    r = threading.Thread(target=reader, daemon=True)
    r.start()
    sent = 0
    try:
        while sent < n and time.monotonic() < deadline:
            with cv:
                while sent - done[0] >= window and len(done) == 1 and time.monotonic() < deadline:
                    cv.wait(0.2)
                room = window - (sent - done[0])
            if room <= 0:
                break
            sent += s.send(data[sent:sent + min(room, 1 << 16)])
    except OSError:
        pass
    r.join(max(0.0, deadline - time.monotonic()))
    secs = time.monotonic() - start
    if r.is_alive():                    # the echo stopped: unblock the reader
        s.shutdown(socket.SHUT_RD)
        r.join()
    return bytes(got[:done[0]]), sent, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--bytes", type=int, default=2 << 20)
    ap.add_argument("--prefix", default="console")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds for each check")
    # QEMU's virtconsole discards whatever output its character device
    # cannot take at once (a full socket buffer: the host reading too
    # slowly) rather than holding it back, so the host must keep its unread
    # echo below the socket's buffer (about 176 KiB of 4 KiB writes here).
    # 144 KiB still lets the host run ahead of all of the guest's receive
    # buffers (32 x 4 KiB), so the device also has to wait for the guest.
    ap.add_argument("--window", type=int, default=144 << 10, help="bytes sent ahead of the echo at most")
    args = ap.parse_args()
    p = args.prefix
    ok = True

    def result(name, good, why=""):
        nonlocal ok
        ok &= good
        print(f"PASS {p}.{name}" if good else f"FAIL {p}.{name}: {why}", flush=True)

    try:
        s = connect(args.socket, time.monotonic() + args.timeout)
    except OSError as e:
        for t in ("short-line", "bulk", "quit-echo"):
            result(t, False, f"cannot connect to {args.socket}: {e}")
        return 1

    line = b"hello, console\n"
    try:
        s.sendall(line)
    except OSError:
        pass
    got = recv_exact(s, len(line), time.monotonic() + args.timeout)
    result("short-line", got == line, f"sent {line!r}, got {got!r}")
    if got != line:                     # nothing echoes: the rest would only wait
        for t in ("bulk", "quit-echo"):
            result(t, False, "not run: the short line was not echoed")
        return 1

    # Pseudo-random bytes with no line "quit" in them (the guest would stop);
    # the short line ended a line, so the data starts one.
    data = b"\n" + random.Random(20240611).randbytes(args.bytes - 1)
    while b"\nquit\n" in data:
        data = data.replace(b"\nquit\n", b"\nquiT\n")
    echo, sent, secs = bulk(s, data, args.window, args.timeout)
    if echo == data:
        print(f"{p}: {len(data)} bytes echoed in {secs:.2f} s ({len(data) / secs / 1e6:.1f} MB/s), "
              f"at most {args.window} bytes unanswered")
        result("bulk", True)
    else:
        i = first_difference(echo, data)
        result("bulk", False, f"sent {sent} of {len(data)} bytes, got {len(echo)} back in {secs:.1f} s; "
                              f"first difference at byte {i}")

    try:
        s.sendall(b"\nquit\n")
    except OSError:
        pass
    got = recv_exact(s, 6, time.monotonic() + args.timeout)
    result("quit-echo", got == b"\nquit\n", f"got {got!r}")
    s.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
