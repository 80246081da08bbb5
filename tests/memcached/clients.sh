#!/bin/bash
# Real clients against edgeos-memcached: libmemcached-tools and pymemcache.
# Usage: clients.sh PORT   (a server must listen on 127.0.0.1:PORT, TCP)
port=$1
srv="--servers=127.0.0.1:$port"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

if memcping "$srv" >/dev/null 2>&1; then pass libmemcached-memcping; else fail libmemcached-memcping "memcping failed"; fi

head -c 200000 /dev/urandom > "$tmp/blob.bin"
cp "$tmp/blob.bin" "$tmp/expect.bin"; echo >> "$tmp/expect.bin"     # memccat adds a newline
if memccp "$srv" "$tmp/blob.bin" >/dev/null 2>&1 && memccat "$srv" blob.bin > "$tmp/out.bin" 2>/dev/null &&
   cmp -s "$tmp/expect.bin" "$tmp/out.bin"; then
    pass libmemcached-memccp-memccat
else
    fail libmemcached-memccp-memccat "copied file does not read back identically"
fi
if memcrm "$srv" blob.bin >/dev/null 2>&1 && ! memccat "$srv" blob.bin >/dev/null 2>&1; then
    pass libmemcached-memcrm
else
    fail libmemcached-memcrm "key still readable after memcrm"
fi
out=$(timeout 60 memcslap "$srv" --concurrency=4 --execute-number=2000 --test=set 2>&1; \
      timeout 60 memcslap "$srv" --concurrency=4 --execute-number=2000 --test=get 2>&1)
if [ $? -eq 0 ] && ! grep -qi 'error\|fail' <<<"$out"; then
    pass libmemcached-memcslap
else
    fail libmemcached-memcslap "$(echo "$out" | tr '\n' ' ' | cut -c1-200)"
fi
/usr/bin/python3 "$(dirname "$0")/clients.py" "$port"
