#!/bin/bash
# Real clients against edgeos-memcached: libmemcached-tools (text and binary
# protocol) and pymemcache.
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
# the same tools over the binary protocol (-b / --binary)
bin=(--binary "$srv")
if memccp "${bin[@]}" "$tmp/blob.bin" >/dev/null 2>&1 && memccat "${bin[@]}" blob.bin > "$tmp/out.bin" 2>/dev/null &&
   cmp -s "$tmp/expect.bin" "$tmp/out.bin"; then
    pass libmemcached-binary-memccp-memccat
else
    fail libmemcached-binary-memccp-memccat "copied file does not read back identically over the binary protocol"
fi
if memctouch "${bin[@]}" --expire=1000 blob.bin >/dev/null 2>&1 && memcexist "${bin[@]}" blob.bin >/dev/null 2>&1 &&
   ! memctouch "${bin[@]}" --expire=1000 no-such-key >/dev/null 2>&1; then
    pass libmemcached-binary-memctouch-memcexist
else
    fail libmemcached-binary-memctouch-memcexist "touch/exist did not see the key (or saw a missing one)"
fi
if memcrm "${bin[@]}" blob.bin >/dev/null 2>&1 && ! memccat "${bin[@]}" blob.bin >/dev/null 2>&1; then
    pass libmemcached-binary-memcrm
else
    fail libmemcached-binary-memcrm "key still readable after memcrm --binary"
fi
memccp "${bin[@]}" "$tmp/blob.bin" >/dev/null 2>&1
if memcflush "${bin[@]}" >/dev/null 2>&1 && ! memccat "${bin[@]}" blob.bin >/dev/null 2>&1; then
    pass libmemcached-binary-memcflush
else
    fail libmemcached-binary-memcflush "key still readable after memcflush --binary"
fi
if out=$(memcstat "${bin[@]}" 2>&1) && grep -q "curr_items" <<<"$out"; then
    pass libmemcached-binary-memcstat
else
    fail libmemcached-binary-memcstat "$(echo "$out" | head -3 | tr '\n' ' ')"
fi
out=$(timeout 60 memcslap "${bin[@]}" --concurrency=4 --execute-number=2000 --test=set 2>&1; \
      timeout 60 memcslap "${bin[@]}" --concurrency=4 --execute-number=2000 --test=get 2>&1)
if [ $? -eq 0 ] && ! grep -qi 'error\|fail' <<<"$out"; then
    pass libmemcached-binary-memcslap
else
    fail libmemcached-binary-memcslap "$(echo "$out" | tr '\n' ' ' | cut -c1-200)"
fi
/usr/bin/python3 "$(dirname "$0")/clients.py" "$port"
