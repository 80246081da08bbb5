#!/usr/bin/env python3
"""Client side of tests/nfchain: run inside the test namespace. Prints one
`PASS name` / `FAIL name: why` line per test.

  nfchain.py wait   --host H --port P --boot-timeout S
  nfchain.py chains --host H --serial LOG
Services in the guest (tests/nfchain/run.sh): 11211 behind one NF (nfc, a
Counter, --allow-fault), 11212 behind three (nfc -> nffw -> nfc, nffw the
make-run firewall), 11213 with no NF."""
import argparse, os, re, socket, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "net"))
from mcudp import McUdp, Timeout  # noqa: E402

BLOCKED_SRC = "192.0.2.7"         # in the firewall's blocked range 192.0.2.0/24


def out(s):
    print(s, flush=True)


def PASS(n):
    out(f"PASS {n}")


def FAIL(n, why):
    out(f"FAIL {n}: {why}")


def udp_get(host, port, key, tries=4, timeout=1.0, sport=0, bind=""):
    with McUdp(host, port, sport, timeout, bind) as c:
        for _ in range(tries):
            try:
                return c.get(key)
            except Timeout:
                pass
    return "timeout"


def udp_set(host, port, key, value, tries=4):
    with McUdp(host, port, 0, 1.0) as c:
        for _ in range(tries):
            try:
                return c.set(key, value)
            except Timeout:
                pass
    return "timeout"


def tcp_cmd(host, port, data, want, timeout=5.0, bind=None):
    s = socket.socket()
    s.settimeout(timeout)
    try:
        if bind:
            s.bind((bind, 0))
        s.connect((host, port))
        s.sendall(data)
        got = b""
        while want not in got:
            b = s.recv(4096)
            if not b:
                break
            got += b
        return got
    except OSError as e:
        return repr(e).encode()
    finally:
        s.close()


def tcp_set_get(host, port, key, value):
    r = tcp_cmd(host, port, f"set {key} 0 0 {len(value)}\r\n{value}\r\nget {key}\r\n".encode(), b"END\r\n")
    return f"VALUE {key} 0 {len(value)}\r\n{value}\r\nEND".encode() in r, r


def nf_lines(serial):
    """The last nic 'nf' stats line per (port, index): dict of counters."""
    try:
        text = open(serial, errors="replace").read()
    except OSError:
        return {}
    d = {}
    for m in re.finditer(r"^nic: nf \S+/(\d+)\[(\d+)\] (\S+) (.*)$", text, re.M):
        d[(int(m.group(1)), int(m.group(2)))] = dict(kv.split("=") for kv in m.group(4).split())
    return d


def wait_nf(serial, pred, within=12.0):
    deadline = time.monotonic() + within
    while True:
        d = nf_lines(serial)
        if pred(d) or time.monotonic() > deadline:
            return d
        time.sleep(0.5)


def g_wait(a):
    deadline = time.monotonic() + a.boot_timeout
    while time.monotonic() < deadline:
        if udp_get(a.host, a.port, "key:1", tries=1, timeout=0.5) == b"value:1":
            return 0
        if a.vm_pid and not os.path.exists(f"/proc/{a.vm_pid}"):
            break
    return 1


def g_chains(a):
    h = a.host
    # 1-NF and 3-NF chains, UDP and TCP; a service with no NF
    for port, name in ((11211, "nf1"), (11212, "nf3"), (11213, "nonf")):
        v = udp_get(h, port, "key:7")
        r = udp_set(h, port, f"{name}-k", f"{name}-udp")
        v2 = udp_get(h, port, f"{name}-k")
        if v == b"value:7" and r == "STORED" and v2 == f"{name}-udp".encode():
            PASS(f"{name}-udp")
        else:
            FAIL(f"{name}-udp", f"get key:7 -> {v!r}, set -> {r!r}, get -> {v2!r}")
        ok, r = tcp_set_get(h, port, f"{name}-t", f"{name}-tcp")
        if ok:
            PASS(f"{name}-tcp")
        else:
            FAIL(f"{name}-tcp", f"set/get over TCP gave {r[:80]!r}")
    # the firewall (middle of the 3-NF chain): a blocked source range and a
    # blocked UDP source port get nothing; allowed traffic passes
    before = nf_lines(a.serial).get((11212, 1), {})
    v = udp_get(h, 11212, "key:3", tries=3, bind=BLOCKED_SRC)
    t = tcp_cmd(h, 11212, b"get key:3\r\n", b"END\r\n", timeout=3.0, bind=BLOCKED_SRC)
    if v == "timeout" and b"VALUE" not in t:
        PASS("fw-blocked-source")
    else:
        FAIL("fw-blocked-source", f"from {BLOCKED_SRC}: UDP {v!r}, TCP {t[:60]!r}")
    v = udp_get(h, 11212, "key:4", tries=3, sport=11211)
    if v == "timeout":
        PASS("fw-blocked-port")
    else:
        FAIL("fw-blocked-port", f"UDP from source port 11211 got {v!r}")
    v = udp_get(h, 11212, "key:5")
    ok, r = tcp_set_get(h, 11212, "fw-k", "fw-v")
    if v == b"value:5" and ok:
        PASS("fw-allowed-passes")
    else:
        FAIL("fw-allowed-passes", f"UDP {v!r}, TCP {r[:60]!r}")
    # at least 3 + 1 + 3 frames dropped by the firewall, none by the counters
    b0 = int(before.get("dropped", 0))
    d = wait_nf(a.serial, lambda d: int(d.get((11212, 1), {}).get("dropped", 0)) >= b0 + 7)
    fw, c0, c2 = d.get((11212, 1), {}), d.get((11212, 0), {}), d.get((11212, 2), {})
    if int(fw.get("dropped", 0)) >= b0 + 7 and c0.get("dropped") == "0" and c2.get("dropped") == "0" \
            and int(c2.get("in", 0)) > 0:
        PASS("fw-counted")
    else:
        FAIL("fw-counted", f"firewall {fw}, first {c0}, last {c2}")
    # a crashing NF is replaced and the chain goes on
    with McUdp(h, 11211, 0, 1.0) as c:
        c.send_raw(b"EOS-NF-FAULT 0")
    d = wait_nf(a.serial, lambda d: d.get((11211, 0), {}).get("nf_restarted") == "1")
    v = udp_get(h, 11211, "nf1-k", tries=6)
    ok, r = tcp_set_get(h, 11211, "after-crash", "still-here")
    text = open(a.serial, errors="replace").read()
    crashed = re.search(r"^fwp \d+ \(nfc\) ended: page fault", text, re.M)
    if d.get((11211, 0), {}).get("nf_restarted") == "1" and crashed and v == b"nf1-udp" and ok:
        PASS("nf-crash-restarted")
    else:
        FAIL("nf-crash-restarted", f"stats {d.get((11211, 0))}, kernel line {bool(crashed)}, "
             f"UDP {v!r}, TCP {r[:60]!r}")
    # figure: median round trip of a UDP get with 0, 1 and 3 NFs in front
    med = {}
    for port in (11213, 11211, 11212):
        rtts = []
        with McUdp(h, port, 0, 1.0) as c:
            for _ in range(40):
                t0 = time.monotonic()
                try:
                    c.get("key:9")
                    rtts.append(time.monotonic() - t0)
                except Timeout:
                    pass
        rtts.sort()
        med[port] = rtts[len(rtts) // 2] * 1e6 if rtts else float("nan")
    out(f"figure nfchain-udp-get-median-us none={med[11213]:.0f} nf1={med[11211]:.0f} nf3={med[11212]:.0f}")
    # the service with no NF: unaffected, no NF line for it
    v = udp_get(h, 11213, "nonf-k")
    if v == b"nonf-udp" and not any(p == 11213 for p, _ in nf_lines(a.serial)):
        PASS("nonf-unaffected")
    else:
        FAIL("nonf-unaffected", f"get -> {v!r}")
    # a boot service whose chain comes from the nic's nf=TEMPLATE:... argument
    v = udp_get(h, 11214, "key:4")
    d = wait_nf(a.serial, lambda d: int(d.get((11214, 0), {}).get("out", 0)) >= 1)
    st = d.get((11214, 0), {})
    if v == b"value:4" and int(st.get("in", 0)) >= 1 and int(st.get("out", 0)) >= 1:
        PASS("boot-binding")
    else:
        FAIL("boot-binding", f"get -> {v!r}, NF stats {st}")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("group")
    ap.add_argument("--host", default="10.77.0.2")
    ap.add_argument("--port", type=int, default=11213)
    ap.add_argument("--boot-timeout", type=float, default=120)
    ap.add_argument("--serial", default="")
    ap.add_argument("--vm-pid", type=int, default=0)
    a = ap.parse_args()
    return {"wait": g_wait, "chains": g_chains}[a.group](a)


if __name__ == "__main__":
    sys.exit(main())
