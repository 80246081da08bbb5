#!/bin/bash
# Client tests over TCP against a running memcached-compatible server (the
# EdgeOS memcached service, or any memcached for comparison):
# libmemcached-tools (memcping, memccp + memccat, memcrm, memcslap) here, then
# python3-pymemcache and raw-socket protocol tests (tcp_clients.py).
#
# Usage: tests/tcp/tcp_clients.sh HOST PORT [PREFIX]
# Prints PASS/FAIL/SKIP lines named PREFIX.<test> (PREFIX defaults to "tcp").
# Keys carry a per-run prefix, so runs against a shared server do not collide;
# nothing is flushed. memcslap's own keys are random (it has no key prefix
# option); it writes several hundred small items.
# Exit status 0 when every test passed (or was skipped), 1 otherwise.
# Environment: TCP_CLIENTS_TIMEOUT seconds per operation (default 30),
#              TCP_CLIENTS_SLAP_TIMEOUT seconds per memcslap run (default 120).
host=$1 port=$2 prefix=${3:-tcp}
if [ -z "$host" ] || [ -z "$port" ]; then
    echo "usage: $0 HOST PORT [PREFIX]" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
to=${TCP_CLIENTS_TIMEOUT:-30}
slap_to=${TCP_CLIENTS_SLAP_TIMEOUT:-120}
srv="--servers=$host:$port"
run="tc$$_$(date +%s)_$RANDOM"_
tmp=$(mktemp -d /tmp/tcp-clients.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS $prefix.$1"; }
fail() { echo "FAIL $prefix.$1: $2"; failed=1; }
skip() { echo "SKIP $prefix.$1: $2"; }
oneline() { tr '\n\r' '  ' | cut -c1-300; }

# server_stat NAME: one field of `stats` over a plain TCP connection ('' if none)
server_stat() {
    local name=$1
    timeout "$to" bash -c '
        exec 3<>"/dev/tcp/$1/$2" || exit 1
        printf "stats\r\n" >&3
        while IFS= read -r line <&3; do
            line=${line%$'"'"'\r'"'"'}
            [ "$line" = END ] && break
            case $line in "STAT $3 "*) echo "${line#STAT $3 }";; esac
        done
        printf "quit\r\n" >&3' _ "$host" "$port" "$name" 2>/dev/null | head -n 1
}

if ! command -v memcping >/dev/null 2>&1; then
    for t in memcping memccp-memccat memcrm memcslap-set memcslap-get memcslap-mget; do
        skip "libmemcached-$t" "libmemcached-tools not installed"
    done
else
    # memcping: connects and checks the server answers
    out=$(timeout "$to" memcping "$srv" 2>&1); rc=$?
    if [ $rc -eq 0 ]; then
        pass libmemcached-memcping
    else
        fail libmemcached-memcping "memcping exited $rc: $(echo "$out" | oneline)"
    fi

    # memccp stores a file under its base name; memccat --file writes the
    # value back byte for byte (to standard output it adds a newline)
    f=${run}blob.bin
    head -c 300000 /dev/urandom >"$tmp/$f"
    out=$(cd "$tmp" && timeout "$to" memccp "$srv" "$f" 2>&1); rc=$?
    if [ $rc -ne 0 ]; then
        fail libmemcached-memccp-memccat "memccp exited $rc: $(echo "$out" | oneline)"
    else
        out=$(timeout "$to" memccat "$srv" --file="$tmp/back.bin" "$f" 2>&1); rc=$?
        if [ $rc -ne 0 ]; then
            fail libmemcached-memccp-memccat "memccat exited $rc: $(echo "$out" | oneline)"
        elif ! cmp -s "$tmp/$f" "$tmp/back.bin"; then
            fail libmemcached-memccp-memccat "memccat gave back $(wc -c <"$tmp/back.bin" 2>/dev/null || echo no) bytes that differ from the 300000 copied"
        elif ! timeout "$to" memccat "$srv" "$f" 2>/dev/null | head -c 300000 | cmp -s - "$tmp/$f"; then
            fail libmemcached-memccp-memccat "memccat to standard output differs"
        else
            pass libmemcached-memccp-memccat
        fi
    fi

    # memcrm deletes it; memccat of a missing key exits non-zero
    out=$(timeout "$to" memcrm "$srv" "$f" 2>&1); rc=$?
    if [ $rc -ne 0 ]; then
        fail libmemcached-memcrm "memcrm exited $rc: $(echo "$out" | oneline)"
    elif timeout "$to" memccat "$srv" "$f" >/dev/null 2>&1; then
        fail libmemcached-memcrm "key still readable after memcrm"
    else
        pass libmemcached-memcrm
    fi

    # memcslap: 4 threads x 200 operations of each kind; the gets must hit
    # (memcslap loads its keys first), seen in the server's get_hits
    for t in set get mget; do
        before=$(server_stat get_hits)
        out=$(timeout "$slap_to" memcslap "$srv" --concurrency=4 --execute-number=200 --test=$t 2>&1)
        rc=$?
        after=$(server_stat get_hits)
        if [ $rc -ne 0 ]; then
            fail "libmemcached-memcslap-$t" "memcslap --test=$t exited $rc: $(echo "$out" | oneline)"
        elif grep -qi 'error\|fail' <<<"$out"; then
            fail "libmemcached-memcslap-$t" "$(grep -i -m1 'error\|fail' <<<"$out" | oneline)"
        elif [ $t != set ] && { [ -z "$before" ] || [ -z "$after" ] || [ $((after - before)) -lt 800 ]; }; then
            fail "libmemcached-memcslap-$t" "get_hits went from '$before' to '$after', expected +800 or more"
        else
            pass "libmemcached-memcslap-$t"
        fi
    done
fi

TCP_CLIENTS_TIMEOUT=$to /usr/bin/python3 "$here/tcp_clients.py" "$host" "$port" "$prefix" "$run" || failed=1
exit $failed
