#!/usr/bin/python3
"""Real-client test: python3-pymemcache against edgeos-memcached.
Usage: clients.py PORT. Prints PASS/FAIL lines."""
import sys
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheClientError

port = int(sys.argv[1])
c = Client(("127.0.0.1", port), connect_timeout=5, timeout=5)
fails = 0


def check(name, cond, why=""):
    global fails
    if cond:
        print("PASS %s" % name)
    else:
        fails += 1
        print("FAIL %s: %s" % (name, why))


c.flush_all()
c.set("a", b"hello", expire=0)
check("pymemcache-set-get", c.get("a") == b"hello", repr(c.get("a")))
check("pymemcache-add", c.add("a", b"x", noreply=False) is False and c.add("b", b"bee", noreply=False) is True)
check("pymemcache-replace", c.replace("a", b"world", noreply=False) is True and c.replace("zz", b"x", noreply=False) is False)
c.append("a", b"!")
c.prepend("a", b"<")
check("pymemcache-append-prepend", c.get("a") == b"<world!", repr(c.get("a")))
v, cas = c.gets("a")
ok1 = c.cas("a", b"new", cas, noreply=False)
ok2 = c.cas("a", b"newer", cas, noreply=False)
check("pymemcache-gets-cas", v == b"<world!" and ok1 is True and ok2 is False, "%r %r %r" % (v, ok1, ok2))
c.set("n", b"10")
check("pymemcache-incr-decr", c.incr("n", 5) == 15 and c.decr("n", 20) == 0 and c.incr("missing", 1) is None)
check("pymemcache-delete", c.delete("n", noreply=False) is True and c.delete("n", noreply=False) is False and c.get("n") is None)
check("pymemcache-touch", c.touch("a", 100, noreply=False) is True and c.touch("nope", 100, noreply=False) is False)
c.set_many({"m%d" % i: b"v%d" % i for i in range(50)})
got = c.get_many(["m%d" % i for i in range(50)] + ["absent"])
check("pymemcache-many", len(got) == 50 and got["m7"] == b"v7", "%d keys" % len(got))
big = bytes(range(256)) * 4000      # ~1 MB minus a bit, binary data
c.set("big", big)
check("pymemcache-large-binary-value", c.get("big") == big)
try:
    c.set("toolarge", b"x" * (1024 * 1024 + 10), noreply=False)
    check("pymemcache-too-large", False, "no error")
except Exception as ex:   # pymemcache raises MemcacheServerError
    check("pymemcache-too-large", "too large" in str(ex), str(ex))
st = c.stats()
check("pymemcache-stats", st.get(b"curr_items", 0) >= 50 and b"evictions" in st, repr(list(st.items())[:5]))
check("pymemcache-version", c.version().startswith(b"1.6"), repr(c.version()))
c.set("exp", b"x", expire=-1)
check("pymemcache-negative-ttl", c.get("exp") is None)
try:
    c.set("bad key", b"x")
    check("pymemcache-client-key-check", False, "accepted a key with a space")
except MemcacheClientError:
    check("pymemcache-client-key-check", True)
c.close()
sys.exit(1 if fails else 0)
