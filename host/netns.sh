#!/bin/bash
# Creates or deletes a network namespace holding one TAP device for EdgeOS
# network tests and benchmarks. Nothing outside the namespace is touched: the
# TAP device lives only inside it, so the guest can only ever talk to
# processes started with `ip netns exec NAME ...`.
#
#   host/netns.sh up NAME      namespace NAME, lo up, TAP tap0 = 10.77.0.1/24 up
#   host/netns.sh down NAME    delete namespace NAME (and its tap0)
#   host/netns.sh check        exit 0 if this host can create namespaces and TAPs
#
# Both `up` and `down` are idempotent. Variables: NETNS_TAP (tap0),
# NETNS_ADDR (10.77.0.1/24). Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN).
set -u
TAP=${NETNS_TAP:-tap0}
ADDR=${NETNS_ADDR:-10.77.0.1/24}

die() { echo "netns.sh: $*" >&2; exit 1; }

need_tools() {
    command -v ip >/dev/null 2>&1 || die "'ip' (iproute2) is not installed"
    [ "$(id -u)" = 0 ] || die "needs root (creating namespaces and TAP devices)"
    [ -c /dev/net/tun ] || die "/dev/net/tun is missing (no TUN/TAP support)"
}

valid_name() {
    [[ "$1" =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || die "bad namespace name '$1' (letters, digits, _ . -)"
}

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$1"; }

ns_up() {
    local ns=$1
    ns_exists "$ns" || ip netns add "$ns" || die "cannot create namespace $ns"
    ip -n "$ns" link set lo up || die "cannot bring up lo in $ns"
    if ! ip -n "$ns" link show "$TAP" >/dev/null 2>&1; then
        ip -n "$ns" tuntap add dev "$TAP" mode tap || die "cannot create TAP $TAP in $ns"
    fi
    # replace, not add: idempotent when the address is already there
    ip -n "$ns" addr replace "$ADDR" dev "$TAP" || die "cannot set $ADDR on $TAP in $ns"
    # no IPv6 on the test link: router solicitations and MLD reports would
    # be extra traffic the guest has to classify and drop
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=1" 2>/dev/null
    ip -n "$ns" link set "$TAP" up || die "cannot bring up $TAP in $ns"
}

ns_down() {
    local ns=$1
    ns_exists "$ns" || return 0
    # the TAP goes with the namespace; a QEMU still holding it keeps the
    # device alive until it exits, which is harmless
    ip netns del "$ns" || die "cannot delete namespace $ns"
}

case "${1:-}" in
up)   [ $# -eq 2 ] || die "usage: netns.sh up NAME"; valid_name "$2"; need_tools; ns_up "$2" ;;
down) [ $# -eq 2 ] || die "usage: netns.sh down NAME"; valid_name "$2"; need_tools; ns_down "$2" ;;
check)
    need_tools
    probe="edgeos-probe-$$"
    trap 'ip netns del "$probe" 2>/dev/null' EXIT
    ip netns add "$probe" 2>/dev/null || die "cannot create network namespaces here"
    ip -n "$probe" tuntap add dev "$TAP" mode tap 2>/dev/null || die "cannot create TAP devices here"
    ;;
*) echo "usage: host/netns.sh up NAME | down NAME | check" >&2; exit 2 ;;
esac
