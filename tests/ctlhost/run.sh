#!/bin/bash
# ctlhost suite: the host side of the control channel (docs/control.md)
# without QEMU: host/ctlproxy.py against a fake guest on a socketpair,
# host/edgeosctl against a fake ctl through the real proxy, host/edgeos-run
# with a fake QEMU (tests/ctlhost/fake-qemu). Prints PASS/FAIL lines; ~10 s.
#   tests/ctlhost/run.sh [TEST-NAME...]   runs only the named tests (without "ctlhost.")
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
exec "$PY" tests/ctlhost/ctltests.py "$@"
