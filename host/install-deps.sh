#!/bin/sh
# Installs the Debian packages EdgeOS needs to build, run, test and benchmark.
# Idempotent: only missing packages are installed. Needs root for apt-get.
set -e
# perl (with Test::More and prove): memcached's own t/*.t files, tests/lib/memcached-t.sh
# gnuplot-nox: the SVG plots of make bench-report (bench/report/report.py)
PKGS="gcc make clang llvm qemu-system-x86 musl-tools memcached libmemcached-tools python3-pymemcache
libpcap-dev tcpdump runc iproute2 dpkg-dev perl gnuplot-nox"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing Debian packages:$missing (run as root to install them)" >&2
    exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
