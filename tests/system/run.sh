#!/bin/bash
# The default system, as `make run` starts it: host/edgeos-system boots
# EdgeOS with its control plane and applies host/default.manifest; then
# ordinary clients use it through the host's port forwards: memcached over
# TCP (libmemcached-tools, pymemcache) and UDP sharing one cache, the echo
# service over UDP; tenant a's memcached is behind the firewall NF, which
# drops UDP from source port 11211 and counts it. Suite protocol:
# tests/run-all.sh.
#   SYSTEM_TIMEOUT=180   seconds the system may take to come up and apply
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TMP=$(mktemp -d /tmp/edgeos-system.XXXXXX)
TIMEOUT=${SYSTEM_TIMEOUT:-180}
SYS_PID=
cleanup() {
    [ -n "$SYS_PID" ] && kill -- -"$SYS_PID" 2>/dev/null
    [ -n "$SYS_PID" ] && wait "$SYS_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
free_port() { $PY -c 'import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass'; }
TESTS=(system-up system-tcp-memccat system-tcp-pymemcache system-tcp-udp-one-cache system-echo-udp system-tcp-memcping
       system-stats-tcp-conns system-firewall)
if [ ! -f build/user/ctl.elf ] || [ ! -f build/user/nic.elf ] || [ ! -f build/kernel/edgeos.bin ]; then
    for t in "${TESTS[@]}"; do fail "$t" "not built (make all)"; done
    exit 0
fi
PORT=$(free_port)
ECHO=$(free_port)
while [ "$ECHO" = "$PORT" ]; do ECHO=$(free_port); done
SOCK=$TMP/ctl.sock
CONSOLE=$TMP/console.log
setsid host/edgeos-system --seconds $((TIMEOUT + 120)) --port "$PORT" --echo-port "$ECHO" --socket "$SOCK" \
    --console "$CONSOLE" >"$TMP/system.out" 2>&1 &
SYS_PID=$!
up=0
for _ in $(seq $((TIMEOUT * 2))); do
    if grep -q "From another shell" "$TMP/system.out"; then up=1; break; fi
    kill -0 "$SYS_PID" 2>/dev/null || break
    sleep 0.5
done
if [ $up = 1 ] && ! grep -q "manifest was refused" "$TMP/system.out"; then
    pass system-up
else
    fail system-up "the default system did not come up and apply its manifest: $(grep -m1 -iE 'refused|error|did not' "$TMP/system.out")"
    sed 's/^/  | /' "$TMP/system.out" | tail -n 15
    for t in "${TESTS[@]:1}"; do fail "$t" "no system"; done
    exit 0
fi
# memccat of a pre-loaded key, over TCP
out=$(timeout 20 memccat --servers=127.0.0.1:$PORT key:1 2>&1)
[ "$out" = "value:1" ] && pass system-tcp-memccat || fail system-tcp-memccat "memccat key:1 gave '$out'"
if timeout 20 memcping --servers=127.0.0.1:$PORT >/dev/null 2>&1; then
    pass system-tcp-memcping
else
    fail system-tcp-memcping "memcping failed"
fi
timeout 60 $PY - "$PORT" <<'PYEOF'
import sys
sys.path.insert(0, "tests/net")
from pymemcache.client.base import Client
from mcudp import McUdp, Timeout
port = int(sys.argv[1])
c = Client(("127.0.0.1", port), timeout=10, connect_timeout=10)
try:
    big = bytes(range(256)) * 2048              # 512 KiB
    ok = c.set("sys-greeting", "hello") and c.get("sys-greeting") == b"hello" and c.set("sys-big", big) \
        and c.get("sys-big") == big and c.get("key:2") == b"value:2"
    print("PASS system-tcp-pymemcache" if ok else "FAIL system-tcp-pymemcache: a set/get round trip differed")
except Exception as e:
    print(f"FAIL system-tcp-pymemcache: {e!r}")
try:
    c.set("sys-shared", "via-tcp")
    u = McUdp("127.0.0.1", port, timeout=2.0)
    r = b""
    for _ in range(3):                              # UDP: a lost datagram is retried
        try:
            r = u.request(b"get sys-shared\r\n")
            break
        except Timeout:
            pass
    print("PASS system-tcp-udp-one-cache" if b"via-tcp" in r else f"FAIL system-tcp-udp-one-cache: UDP get gave {r!r}")
except Exception as e:
    print(f"FAIL system-tcp-udp-one-cache: {e!r}")
PYEOF
out=$(timeout 20 $PY - "$ECHO" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for _ in range(5):
    s.sendto(b"ping-edgeos", ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recv(2048).decode(errors="replace")); break
    except socket.timeout:
        pass
PYEOF
)
case $out in *ping-edgeos*) pass system-echo-udp ;; *) fail system-echo-udp "echo gave '$out'" ;; esac
# edgeosctl stats counts the service's open TCP connections, and forgets
# them once they are closed
timeout 60 $PY - "$PORT" "$SOCK" <<'PYEOF'
import re, socket, subprocess, sys, time
port, sock = int(sys.argv[1]), sys.argv[2]
def conns():
    out = subprocess.run(["host/edgeosctl", "--socket", sock, "-o", "kv", "stats"], capture_output=True,
                         text=True, timeout=30).stdout
    m = re.search(r"^service=a/mc .*\btcp_conns=(\d+)", out, re.M)
    return int(m.group(1)) if m else None
def wait_for(want, within=15):
    deadline = time.monotonic() + within
    while True:
        n = conns()
        if n == want or time.monotonic() > deadline:
            return n
        time.sleep(0.5)
base = wait_for(0)
cs = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
for c in cs:
    c.sendall(b"version\r\n")
    c.recv(100)
open_n = wait_for(3)
for c in cs:
    c.close()
closed_n = wait_for(0)
ok = base == 0 and open_n == 3 and closed_n == 0
print("PASS system-stats-tcp-conns" if ok else
      f"FAIL system-stats-tcp-conns: tcp_conns {base} before, {open_n} with 3 open, {closed_n} after closing")
PYEOF
# the firewall in front of tenant a's memcached (host/edgeos-system): the
# traffic above passed through it; UDP from source port 11211 is dropped
# and counted on the nic's "nf" stats line
timeout 60 $PY - "$PORT" "$CONSOLE" <<'PYEOF'
import re, sys, time
sys.path.insert(0, "tests/net")
from mcudp import McUdp, Timeout
port, console = int(sys.argv[1]), sys.argv[2]
def fw():
    m = re.findall(r"^nic: nf a/mc/11211\[0\] \S+ in=(\d+) out=(\d+) dropped=(\d+)", open(console, errors="replace").read(), re.M)
    return tuple(map(int, m[-1])) if m else None
try:
    before = fw() or (0, 0, 0)
    got = None
    with McUdp("127.0.0.1", port, 11211, 1.0) as c:
        for _ in range(3):
            try:
                got = c.get("key:1")
                break
            except Timeout:
                pass
    deadline = time.monotonic() + 10
    while (fw() or (0, 0, 0))[2] < before[2] + 3 and time.monotonic() < deadline:
        time.sleep(0.5)
    after = fw()
    ok = got is None and after and after[0] > 0 and after[1] > 0 and after[2] >= before[2] + 3
    print("PASS system-firewall" if ok else
          f"FAIL system-firewall: from source port 11211 got {got!r}; firewall in/out/dropped {before} -> {after}")
except OSError as e:
    print(f"FAIL system-firewall: {e!r}")
PYEOF
exit 0
