#!/usr/bin/env python3
"""make bench-isolation: how well one tenant is protected from another.

Tenant a runs memcached (UDP) under a steady open-loop load from
build/loadgen/mcload; its latency (p50/p99/p99.9) is measured while tenant b

  idle      exists and does nothing;
  spin20    spins on every CPU with a 20 % CPU budget;
  spin100   spins on every CPU with no budget;
  forkbomb  forks copies of itself until its memory quota stops it (32 MiB;
            the copies spin, 20 % budget);
  flood     is flooded with datagrams on its own port (echo service, 20 %);

tenant a alone is also measured at a light load (ISO_LIGHT_RATE, 100/s);
then the deploy latency: from the deploy command to the first answered
request (and to the last instance answering), for 1, 100 and 1000 instances.

Three systems, in one run, with the same load:
  edgeos  EdgeOS in QEMU (TCG here), tenants through host/edgeosctl's protocol;
  linux   a Linux guest in the same QEMU shape (bench/linux-peer), tenants as
          cgroups (cpu.max, memory.max), memcached 1.6.18 (Debian);
  host    the same on this host natively (cgroup v1), a conservative reference.

    isolation.py [--systems edgeos,linux,host] [--rate R] [--duration S] [--warmup S]
                 [--deploy 1,100,1000] [--csv FILE]
Environment: ISO_SYSTEMS, ISO_RATE, ISO_LIGHT_RATE, ISO_DURATION, ISO_WARMUP, ISO_CASES, ISO_DEPLOY,
ISO_FLOOD_RATE.
"""
import argparse, csv, os, re, signal, socket, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "net"))
sys.path.insert(0, os.path.join(ROOT, "tests", "tenants"))
from mcudp import McUdp, Timeout  # noqa: E402
from tenanttests import Ctl  # noqa: E402

MCLOAD = os.path.join(ROOT, "build", "loadgen", "mcload")
U = os.path.join(ROOT, "build", "user")
T = os.path.join(U, "test")
CASES = ["idle", "spin20", "spin100", "forkbomb", "flood"]
FIELDS = ["system", "accel", "case", "rate", "completed", "timeouts", "p50_us", "p99_us", "p999_us", "max_us",
          "b_cpu_pct", "detail"]


def say(msg):
    print(msg, flush=True)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_answer(port, timeout, key="key:1", every=0.05):
    """Seconds until a memcached on 127.0.0.1:port answers a get, or None."""
    t0 = time.monotonic()
    c = McUdp("127.0.0.1", port, timeout=every if every > 0.02 else 0.02)
    try:
        while time.monotonic() - t0 < timeout:
            try:
                c.get(key)
                return time.monotonic() - t0
            except Timeout:
                continue
            except OSError:
                time.sleep(every)
        return None
    finally:
        c.close()


def mcload(port, a, label, rate=None):
    """Runs mcload against 127.0.0.1:port (at a.rate, or rate); its CSV row as a dict."""
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as f:
        path = f.name
    os.unlink(path)
    cmd = [MCLOAD, "--proto", "udp", "--host", "127.0.0.1", "--port", str(port), "--instances", "1",
           "--rate", str(rate or a.rate), "--duration", str(a.duration), "--warmup", str(a.warmup), "--keys", "100",
           "--timeout-ms", "1000", "--csv", path, "--label", label]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=a.duration + a.warmup + 60, check=False)
    try:
        with open(path) as f:
            rows = list(csv.DictReader(f))
        os.unlink(path)
        return rows[-1] if rows else None
    except OSError:
        return None


class Flood:
    """Sends 64-byte datagrams to 127.0.0.1:port at `rate` per second from
    a child process until stopped."""

    def __init__(self, port, rate):
        self.proc = subprocess.Popen([sys.executable, __file__, "--flood", str(port), str(rate)])

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def flood_main(port, rate):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payload = b"x" * 64
    t0 = time.monotonic()
    sent = 0
    while True:
        due = int((time.monotonic() - t0) * rate)
        while sent < due:
            try:
                s.sendto(payload, ("127.0.0.1", port))
            except OSError:
                pass
            sent += 1
        time.sleep(0.001)


class Results:
    def __init__(self, path):
        self.path = path
        self.rows = []

    def add(self, system, accel, case, rate, m, b_cpu=None, detail=""):
        r = {"system": system, "accel": accel, "case": case, "rate": rate, "b_cpu_pct":
             "" if b_cpu is None else f"{b_cpu:.2f}", "detail": detail}
        if m:
            for k_out, k_in in (("completed", "completed"), ("timeouts", "timeouts"), ("p50_us", "p50_us"),
                                ("p99_us", "p99_us"), ("p999_us", "p999_us"), ("max_us", "max_us")):
                r[k_out] = m.get(k_in, "")
        self.rows.append(r)
        lat = (f"p50 {float(m['p50_us']) / 1000:.2f} ms  p99 {float(m['p99_us']) / 1000:.2f} ms  "
               f"p99.9 {float(m['p999_us']) / 1000:.2f} ms  completed {m['completed']} timeouts {m['timeouts']}"
               if m else "no measurement")
        say(f"  {system:6} {case:9} {lat}" + (f"  b {b_cpu:.2f} % of the machine" if b_cpu is not None else "")
            + (f"  [{detail}]" if detail else ""))
        with open(self.path, "w", newline="") as f:
            w = csv.DictWriter(f, FIELDS)
            w.writeheader()
            for row in self.rows:
                w.writerow(row)


# ------------------------------------------------------------------ EdgeOS

class EdgeOS:
    name = "edgeos"

    def __init__(self, a, tmp):
        self.a = a
        self.tmp = tmp
        self.sock = os.path.join(tmp, "ctl.sock")
        self.serial = os.path.join(tmp, "edgeos.serial")
        self.gports = [11211, 7007, 7008, 7009] + sorted({12000 + n - 1 for n in a.deploy} | {12000})
        self.ports = {g: free_udp_port() for g in self.gports}
        fwd = ",".join(f"hostfwd=udp:127.0.0.1:{h}-:{g}" for g, h in self.ports.items())
        self.vm = subprocess.Popen(
            [os.path.join(ROOT, "host", "edgeos-run"), "--smp", "2", "--mem", "2G", "--timeout", "7200",
             "--ctl-socket", self.sock, "--user-net", fwd, "--append", "halt=never",
             "build/user/ctl.elf @root @mem=192M", "build/user/nic.elf @root",
             "build/user/memcached.elf @image=memcached", "build/user/echo.elf @image=echo"],
            cwd=ROOT, stdout=open(self.serial, "w"), stderr=subprocess.STDOUT, start_new_session=True)
        self.accel = "?"
        self.ctl = Ctl(self.sock)
        t0 = time.monotonic()
        while True:
            try:
                self.ctl.connect()
                break
            except Exception:
                if time.monotonic() - t0 > 90 or self.vm.poll() is not None:
                    raise RuntimeError("EdgeOS's control plane did not come up; see " + self.serial)
                time.sleep(0.5)
        m = re.search(r"accelerator (\w+)", open(self.serial, errors="replace").read())
        self.accel = m.group(1) if m else "?"
        self.ctl.ok("tenant", "create", "a", "--mem", "64M", "--cpu", "100")
        self.ctl.ok("deploy", "a", "mc", "--builtin", "memcached", "--proto", "udp", "--port", "11211",
                    "--mode", "shared:1", "--", "preload=100")
        if wait_answer(self.ports[11211], 30) is None:
            raise RuntimeError("tenant a's memcached does not answer")

    def b_share(self, s0, s1):
        return 100.0 * (int(s1["cpu_ns"]) - int(s0["cpu_ns"])) / (
            (int(s1["now_ns"]) - int(s0["now_ns"])) * int(s1["ncpus"]))

    def stats_b(self):
        return [r for r in self.ctl.kv("stats", "b") if r.get("tenant") == "b"][0]

    def deploy_b(self, svc, program, port, mode="shared:1"):
        self.ctl.ok("deploy", "b", svc, "--program", program, "--proto", "udp", "--port", str(port), "--mode", mode,
                    files=[program])

    def run_case(self, case, res):
        a = self.a
        cpu = {"spin100": "100"}.get(case, "20")
        self.ctl.ok("tenant", "create", "b", "--mem", "32M", "--cpu", cpu)
        detail = ""
        flood = None
        try:
            if case in ("spin20", "spin100"):
                self.deploy_b("burn", f"{T}/burn.elf", 7009)
            elif case == "forkbomb":
                self.deploy_b("bomb", f"{T}/bomb.elf", 7008)
                c = McUdp("127.0.0.1", self.ports[7008], timeout=30)
                try:
                    c.send_raw(b"go")
                    reply = c.sock.recv(2048).decode(errors="replace")
                except (socket.timeout, OSError):
                    reply = "no answer"
                c.close()
                st = self.stats_b()
                detail = (f"bomb: {reply.strip()}; b holds {int(st['mem_used']) >> 10} KiB of "
                          f"{int(st['mem_quota']) >> 10} KiB in {st['fwps']} FWPs")
            elif case == "flood":
                self.deploy_b("echo", f"{U}/echo.elf", 7007)
                flood = Flood(self.ports[7007], a.flood_rate)
            time.sleep(1.0)
            s0 = self.stats_b()
            m = mcload(self.ports[11211], a, f"edgeos-{case}")
            s1 = self.stats_b()
            if case == "idle" and a.light_rate:
                res.add(self.name, self.accel, "idle-light", a.light_rate,
                        mcload(self.ports[11211], a, "edgeos-idle-light", a.light_rate), None)
            share = self.b_share(s0, s1)
            if flood:
                flood.stop()
                flood = None
                row = [r for r in self.ctl.kv("stats", "b") if r.get("service") == "b/echo"]
                if row:
                    detail = f"b's echo: rx {row[0]['rx']} tx {row[0]['tx']} drops {row[0]['drops']}"
            res.add(self.name, self.accel, case, a.rate, m, share, detail)
        finally:
            if flood:
                flood.stop()
            t0 = time.monotonic()
            self.ctl.ok("tenant", "delete", "b", timeout=600)
            if case == "forkbomb":
                say(f"         tenant delete after the fork bomb: {1000 * (time.monotonic() - t0):.0f} ms")

    def deploy(self, n):
        self.ctl.ok("tenant", "create", "d", "--mem", "1536M", "--cpu", "100")
        try:
            firsts = []
            t0 = time.monotonic()
            # the first port is polled while the deploy is still in progress
            poll = threading.Thread(target=lambda: firsts.append(
                None if wait_answer(self.ports[12000], 120, every=0.005) is None else time.monotonic() - t0))
            poll.start()
            self.ctl.ok("deploy", "d", f"d{n}", "--builtin", "memcached", "--proto", "udp", "--port", "12000",
                        "--mode", f"shared:{n}", "--", "preload=100", timeout=1200)
            t_cmd = time.monotonic() - t0
            poll.join()
            t_first = firsts[0] if firsts else None
            last = wait_answer(self.ports[12000 + n - 1], 60)
            t_last = time.monotonic() - t0 if last is not None else None
            t1 = time.monotonic()
            self.ctl.ok("undeploy", "d", f"d{n}", timeout=1200)
            t_undeploy = time.monotonic() - t1
        finally:
            self.ctl.ok("tenant", "delete", "d", timeout=1200)
        return t_cmd, t_first, t_last, t_undeploy

    def close(self):
        try:
            os.killpg(self.vm.pid, signal.SIGTERM)
        except OSError:
            pass
        try:
            self.vm.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.vm.pid, signal.SIGKILL)
            self.vm.wait()


# ------------------------------------------------------------- Linux guest

class LinuxGuest:
    """One boot of bench/linux-peer per case (the case is set at boot)."""
    name = "linux"

    def __init__(self, a, tmp):
        self.a = a
        self.tmp = tmp
        self.accel = "tcg"
        self.vm = None

    def boot(self, case, flood_port=None):
        self.port = free_udp_port()
        self.serial = os.path.join(self.tmp, f"linux-{case}.serial")
        cmd = [os.path.join(ROOT, "bench", "linux-peer", "boot.sh"), case, "--port", str(self.port)]
        if flood_port:
            cmd += ["--flood-port", str(flood_port)]
        self.out = open(self.serial, "w")
        self.vm = subprocess.Popen(cmd, cwd=ROOT, stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 600:
            text = open(self.serial, errors="replace").read()
            if "PEER READY" in text:
                m = re.search(r"accelerator (\w+)|-accel (\w+)", text)
                if m:
                    self.accel = m.group(1) or m.group(2)
                return text
            if self.vm.poll() is not None:
                break
            time.sleep(0.5)
        raise RuntimeError(f"the Linux guest ({case}) did not get ready; see {self.serial}")

    def stat_b(self):
        """(b's CPU µs, guest ms) from the last PEER STAT line."""
        lines = re.findall(r"PEER STAT b_usage_usec=(\d+) .*?t_ms=(\d+)", open(self.serial, errors="replace").read())
        return (int(lines[-1][0]), int(lines[-1][1])) if lines else None

    def run_case(self, case, res):
        a = self.a
        flood_port = free_udp_port() if case == "flood" else None
        try:
            self.boot(case, flood_port)
            flood = Flood(flood_port, a.flood_rate) if flood_port else None
            time.sleep(3.0)
            s0 = self.stat_b()
            m = mcload(self.port, a, f"linux-{case}")
            time.sleep(2.5)             # one more PEER STAT line
            s1 = self.stat_b()
            if case == "idle" and a.light_rate:
                res.add(self.name, self.accel, "idle-light", a.light_rate,
                        mcload(self.port, a, "linux-idle-light", a.light_rate), None)
            if flood:
                flood.stop()
            share = None
            if s0 and s1 and s1[1] > s0[1]:
                share = 100.0 * (s1[0] - s0[0]) / 1000.0 / ((s1[1] - s0[1]) * 2)
            detail = ""
            if case == "forkbomb":
                ooms = re.findall(r"b_oom_kills=(\d+)", open(self.serial, errors="replace").read())
                detail = f"OOM kills in b: {ooms[-1] if ooms else '?'}"
            res.add(self.name, self.accel, case, a.rate, m, share, detail)
        finally:
            self.stop()

    def deploy(self, n):
        try:
            text = self.boot(f"deploy:{n}")
            t0 = time.monotonic()
            while time.monotonic() - t0 < 900:
                mm = re.search(r"PEER DEPLOY n=(\d+) first_ms=([\d.]+) last_ms=([\d.]+)", text)
                if mm:
                    return None, float(mm.group(2)) / 1000, float(mm.group(3)) / 1000, None
                time.sleep(1)
                text = open(self.serial, errors="replace").read()
            return None, None, None, None
        finally:
            self.stop()

    def stop(self):
        if self.vm:
            try:
                os.killpg(self.vm.pid, signal.SIGKILL)
            except OSError:
                pass
            self.vm.wait()
            self.vm = None

    def close(self):
        self.stop()


# ------------------------------------------------------------------ host

class Host:
    """This host natively: tenants as cgroup v1 groups (cpu, memory, pids)."""
    name = "host"

    def __init__(self, a, tmp):
        self.a = a
        self.tmp = tmp
        self.accel = "native"
        self.procs = []
        self.port = free_udp_port()
        self.cg = {c: f"/sys/fs/cgroup/{c}/edgeos-bench-{os.getpid()}" for c in ("cpu", "memory", "pids")}
        for path in self.cg.values():
            os.makedirs(path, exist_ok=True)
        self.a_proc = self.memcached(self.port)
        if wait_answer(self.port, 10) is None:
            raise RuntimeError("host memcached does not answer")
        self.bomb = os.path.join(ROOT, "build", "bench", "host-bomb")

    def memcached(self, port, mem=64):
        args = ["memcached", "-U", str(port), "-p", "0", "-l", "127.0.0.1", "-t", "1", "-m", str(mem)]
        if os.geteuid() == 0:
            args += ["-u", "root"]
        return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def put(self, pid):
        for path in self.cg.values():
            with open(os.path.join(path, "cgroup.procs"), "w") as f:
                f.write(str(pid))

    def set_limits(self, cpu_pct, mem):
        q = -1 if cpu_pct >= 100 else int(10000 * 2 * cpu_pct / 100)
        open(os.path.join(self.cg["cpu"], "cpu.cfs_period_us"), "w").write("10000")
        open(os.path.join(self.cg["cpu"], "cpu.cfs_quota_us"), "w").write(str(q))
        open(os.path.join(self.cg["memory"], "memory.limit_in_bytes"), "w").write(str(mem))
        open(os.path.join(self.cg["pids"], "pids.max"), "w").write("512")

    def usage_ns(self):
        return int(open(os.path.join(self.cg["cpu"].replace("/cpu/", "/cpuacct/"), "cpuacct.usage")).read()) \
            if os.path.exists(self.cg["cpu"].replace("/cpu/", "/cpuacct/")) else None

    def b_cpu_ns(self, pids):
        total = 0
        for p in pids:
            try:
                f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
                total += (int(f[11]) + int(f[12])) * (1_000_000_000 // os.sysconf("SC_CLK_TCK"))
            except (OSError, IndexError):
                pass
        return total

    def start_b(self, argv):
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             preexec_fn=lambda: self.put(os.getpid()))
        self.procs.append(p)
        return p

    def run_case(self, case, res):
        a = self.a
        self.set_limits(100 if case == "spin100" else 20, 32 << 20)
        flood = None
        detail = ""
        try:
            if case in ("spin20", "spin100"):
                for _ in range(os.cpu_count() or 2):
                    self.start_b(["sh", "-c", "while :; do :; done"])
            elif case == "forkbomb":
                if os.path.exists(self.bomb):
                    self.start_b([self.bomb])
                else:
                    detail = "no fork bomb program (build/bench/host-bomb)"
            elif case == "flood":
                fport = free_udp_port()
                p = self.start_b(["memcached", "-U", str(fport), "-p", "0", "-l", "127.0.0.1", "-t", "1"]
                                 + (["-u", "root"] if os.geteuid() == 0 else []))
                wait_answer(fport, 10)
                flood = Flood(fport, a.flood_rate)
            time.sleep(1.0)
            pids = [p.pid for p in self.procs]
            c0, t0 = self.b_cpu_ns(pids), time.monotonic()
            m = mcload(self.port, a, f"host-{case}")
            c1, t1 = self.b_cpu_ns(pids), time.monotonic()
            if case == "idle" and a.light_rate:
                res.add(self.name, self.accel, "idle-light", a.light_rate,
                        mcload(self.port, a, "host-idle-light", a.light_rate), None)
            share = 100.0 * (c1 - c0) / ((t1 - t0) * 1e9 * (os.cpu_count() or 2)) if case != "forkbomb" else None
            if case == "forkbomb":
                try:
                    ev = open(os.path.join(self.cg["memory"], "memory.oom_control")).read()
                    kills = re.search(r"oom_kill (\d+)", ev)
                    detail = f"OOM kills in b: {kills.group(1) if kills else '?'}"
                except OSError:
                    pass
            res.add(self.name, self.accel, case, a.rate, m, share, detail)
        finally:
            if flood:
                flood.stop()
            self.kill_b()

    def kill_b(self):
        for _ in range(50):
            pids = open(os.path.join(self.cg["pids"], "cgroup.procs")).read().split()
            if not pids:
                break
            for p in pids:
                try:
                    os.kill(int(p), signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.1)
        for p in self.procs:
            p.wait()
        self.procs = []

    def deploy(self, n):
        base = 33000
        firsts = []
        t0 = time.monotonic()
        # the first port is polled while the others are still being started
        poll = threading.Thread(target=lambda: firsts.append(
            None if wait_answer(base, 60, every=0.001) is None else time.monotonic() - t0))
        poll.start()
        procs = [self.memcached(base + i, mem=2) for i in range(n)]
        poll.join()
        t_first = firsts[0] if firsts else None
        last = wait_answer(base + n - 1, 60, every=0.001)
        t_last = time.monotonic() - t0 if last is not None else None
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
        return None, t_first, t_last, None

    def close(self):
        self.kill_b()
        self.a_proc.kill()
        self.a_proc.wait()
        for path in self.cg.values():
            try:
                os.rmdir(path)
            except OSError:
                pass


def ms(x):
    return "-" if x is None else f"{1000 * x:.1f} ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--systems", default=os.environ.get("ISO_SYSTEMS", "edgeos,linux,host"))
    ap.add_argument("--rate", type=int, default=int(os.environ.get("ISO_RATE", "300")))
    ap.add_argument("--duration", type=int, default=int(os.environ.get("ISO_DURATION", "5")))
    ap.add_argument("--warmup", type=int, default=int(os.environ.get("ISO_WARMUP", "1")))
    ap.add_argument("--light-rate", type=int, default=int(os.environ.get("ISO_LIGHT_RATE", "100")),
                    help="tenant a alone is also measured at this rate (0: not)")
    ap.add_argument("--flood-rate", type=int, default=int(os.environ.get("ISO_FLOOD_RATE", "20000")))
    ap.add_argument("--deploy", default=os.environ.get("ISO_DEPLOY", "1,100,1000"))
    ap.add_argument("--cases", default=os.environ.get("ISO_CASES", ",".join(CASES)))
    ap.add_argument("--csv", default=os.path.join(ROOT, "build", "bench", "isolation.csv"))
    a = ap.parse_args()
    a.deploy = [int(x) for x in a.deploy.split(",") if x]
    cases = [c for c in a.cases.split(",") if c]
    os.makedirs(os.path.dirname(a.csv), exist_ok=True)
    res = Results(a.csv)
    deploys = []
    tmp = tempfile.mkdtemp(prefix="edgeos-isolation.")
    say(f"bench-isolation: tenant a's memcached at {a.rate} requests/s (UDP, GET:SET 9:1 by mcload, "
        f"{a.duration} s per case after {a.warmup} s warm-up); flood {a.flood_rate} datagrams/s")
    for name in a.systems.split(","):
        cls = {"edgeos": EdgeOS, "linux": LinuxGuest, "host": Host}[name]
        say(f"== {name}")
        sysobj = None
        try:
            sysobj = cls(a, tmp)
            for case in cases:
                try:
                    sysobj.run_case(case, res)
                except Exception as e:          # one failed case does not end the run
                    say(f"  {name} {case}: failed: {e}")
            for n in a.deploy:
                try:
                    t_cmd, t_first, t_last, t_undeploy = sysobj.deploy(n)
                except Exception as e:
                    say(f"  {name} deploy {n}: failed: {e}")
                    continue
                deploys.append((name, sysobj.accel, n, t_cmd, t_first, t_last, t_undeploy))
                say(f"  {name:6} deploy {n:4}: first answer {ms(t_first)}, last instance answers {ms(t_last)}"
                    + (f", command returned {ms(t_cmd)}" if t_cmd is not None else "")
                    + (f", undeploy {ms(t_undeploy)}" if t_undeploy is not None else ""))
        except Exception as e:
            say(f"  {name}: cannot run: {e}")
        finally:
            if sysobj:
                sysobj.close()
    # Summary: EdgeOS against the Linux guest (same accelerator), host beside.
    say("\nsummary (latency of tenant a's memcached; ratio = EdgeOS / Linux guest, same accelerator)")
    say(f"{'case':9} {'system':7} {'accel':6} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'lost':>6} {'b CPU %':>8}")
    by = {(r["system"], r["case"]): r for r in res.rows}
    for case in cases + (["idle-light"] if "idle" in cases and a.light_rate else []):
        for s in ("edgeos", "linux", "host"):
            r = by.get((s, case))
            if not r or not r.get("p50_us"):
                continue
            say(f"{case:9} {s:7} {r['accel']:6} {float(r['p50_us']) / 1000:8.2f} {float(r['p99_us']) / 1000:8.2f} "
                f"{float(r['p999_us']) / 1000:9.2f} {r['timeouts']:>6} {r['b_cpu_pct'] or '-':>8}")
        e, l_ = by.get(("edgeos", case)), by.get(("linux", case))
        if e and l_ and e.get("p50_us") and l_.get("p50_us") and float(l_["p50_us"]) > 0:
            say(f"{'':9} ratio   p50 {float(e['p50_us']) / float(l_['p50_us']):.2f}  "
                f"p99 {float(e['p99_us']) / max(float(l_['p99_us']), 1e-9):.2f}  "
                f"p99.9 {float(e['p999_us']) / max(float(l_['p999_us']), 1e-9):.2f}")
    say("\ndeploy latency (to the first answered request / the last instance answering)")
    for name, accel, n, t_cmd, t_first, t_last, _ in deploys:
        say(f"  {name:6} {accel:6} n={n:4}  first {ms(t_first):>10}  last {ms(t_last):>10}")
    with open(a.csv.replace(".csv", "-deploy.csv"), "w") as f:
        f.write("system,accel,instances,command_ms,first_ms,last_ms,undeploy_ms\n")
        for name, accel, n, t_cmd, t_first, t_last, t_und in deploys:
            f.write(",".join([name, accel, str(n)] + ["" if x is None else f"{1000 * x:.1f}"
                                                      for x in (t_cmd, t_first, t_last, t_und)]) + "\n")
    say(f"results: {a.csv}, {a.csv.replace('.csv', '-deploy.csv')}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--flood":
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        flood_main(int(sys.argv[2]), int(sys.argv[3]))
    sys.exit(main())
