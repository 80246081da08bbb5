# memcached's own protocol test files (t/*.t of Debian's memcached 1.6.18
# source package) run against an already running memcached-compatible server,
# e.g. the EdgeOS memcached service or the Linux build of our engine.
# Sourced by suites (bash). Functions:
#
#   mct_fetch                  fetch + unpack the source into
#                              build/third_party/memcached-1.6.18 (cached) and
#                              build its timedrun helper. Returns non-zero with
#                              a message on stderr when apt/network fails.
#   mct_run HOST PORT LISTFILE run every t/NAME.t listed in LISTFILE (one name
#                              per line, '#' starts a comment) with
#                              T_MEMD_USE_DAEMON=HOST:PORT and print
#                              PASS mct.NAME.t / FAIL mct.NAME.t: <why> /
#                              SKIP mct.NAME.t: <why> (the file skipped itself).
#
# Settings (environment):
#   MCT_TIMEOUT  seconds allowed per file (default 300)
#   MCT_EXE      binary that t/lib/MemcachedTest.pm finds as ./memcached-debug
#                (default build/memcached/memcached-debug, see below)
#   MCT_NO_FLUSH set to 1 to not send flush_all before each file
#   MCT_PREFIX   name prefix of the result lines (default "mct")
#   MCT_LOGDIR   if set, the full TAP output of each file is kept there as
#                NAME.t.log
#
# How the harness is used: with T_MEMD_USE_DAEMON=HOST:PORT, new_memcached()
# connects to that server instead of starting one, but MemcachedTest.pm still
# insists that ./memcached-debug exists in the unpacked tree and runs
# `./memcached-debug -h` to probe optional features (SASL, extstore, TLS,
# proxy, unix sockets). mct_run makes ./memcached-debug a symlink to our Linux
# server build (MCT_EXE, default build/memcached/memcached-debug), so the
# probes see the features our engine has (none of those) and files for them
# skip themselves. The binary is only asked for its help text; the server
# under test is always HOST:PORT.
#
# Each file runs as `perl t/NAME.t` under `timeout`, from a private tree of
# links to the unpacked one (_mct_tree) whose ./memcached-debug is ours;
# Test::More's exit status decides (0: all assertions passed and the plan was
# met). perl is used rather than prove because Test::More flushes each result
# line, so a file that hangs still shows how far it got.
#
# Files share one long-running server. Before each file mct_run sends
# `flush_all` so that items left by the previous file are gone (statistics
# are not reset; files that need fresh statistics are in
# tests/tcp/mct-excluded.txt).

MCT_VERSION=1.6.18
MCT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MCT_DIR=$MCT_ROOT/build/third_party/memcached-$MCT_VERSION

mct_fetch() {
    if [ ! -f "$MCT_DIR/.unpacked" ] || [ ! -f "$MCT_DIR/t/lib/MemcachedTest.pm" ]; then
        if ! command -v apt-get >/dev/null 2>&1; then
            echo "mct_fetch: apt-get is not available; cannot fetch Debian's memcached source" >&2
            return 1
        fi
        local got
        if ! got=$("$MCT_ROOT/host/debian-source.sh" memcached "$MCT_VERSION"); then
            echo "mct_fetch: could not fetch Debian's memcached $MCT_VERSION source package (network or apt unavailable? see the messages above)" >&2
            return 1
        fi
        if [ "$got" != "$MCT_DIR" ]; then
            echo "mct_fetch: memcached source unpacked to $got, expected $MCT_DIR" >&2
            return 1
        fi
    fi
    if [ ! -x "$MCT_DIR/timedrun" ] || [ "$MCT_DIR/timedrun.c" -nt "$MCT_DIR/timedrun" ]; then
        if ! gcc -O2 -o "$MCT_DIR/timedrun" "$MCT_DIR/timedrun.c" 2>"$MCT_DIR/timedrun.log"; then
            echo "mct_fetch: building timedrun failed: $(head -n 3 "$MCT_DIR/timedrun.log")" >&2
            return 1
        fi
    fi
    return 0
}

# _mct_flush HOST PORT: flush_all over TCP; 0 when the server answered OK.
_mct_flush() {
    local reply
    reply=$(timeout 10 bash -c '
        exec 3<>"/dev/tcp/$1/$2" || exit 1
        printf "flush_all\r\n" >&3
        IFS= read -r line <&3
        printf "%s" "$line"
        printf "quit\r\n" >&3
        exec 3>&-' _ "$1" "$2" 2>/dev/null)
    [ "${reply%$'\r'}" = OK ]
}

# _mct_why LOG RC TIMEOUT: one line saying why a file failed.
_mct_why() {
    local log=$1 rc=$2 to=$3 line
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        line="timed out after ${to}s"
        local last
        last=$(grep -E '^(not )?ok [0-9]+' "$log" | tail -n 1)
        [ -n "$last" ] && line="$line (last result: $last)"
        echo "$line"
        return
    fi
    # the first failing assertion with its got/expected diagnostics
    line=$(awk '
        /^not ok [0-9]+/ && !found { found = 1; out = $0; next }
        found && /^[[:space:]]*$/ { next }
        found && /^#/ {
            if ($0 ~ /Failed test at /) sub(/Failed test /, "")
            else if ($0 ~ /Failed test/) next
            sub(/^# */, ""); out = out " | " $0; n++
            if (n >= 4) { print out; exit }
            next
        }
        found { print out; exit }
        END { if (found && n < 4) print out }' "$log" | head -n 1)
    if [ -z "$line" ]; then
        # no failing assertion: a die (its message is a line that is not
        # TAP), a wrong number of assertions, or a crash
        line=$(grep -m1 -vE '^(ok |not ok |1\.\.|#|[[:space:]]*$)' "$log")
        [ -z "$line" ] && line=$(grep -m1 '^# Looks like' "$log")
        [ -z "$line" ] && line=$(tail -n 1 "$log")
        line="exit status $rc after $(grep -c '^ok ' "$log") passed assertions: $line"
    fi
    echo "$line" | tr -d '\r' | cut -c1-400
}

# _mct_file PREFIX NAME LOG TIMEOUT DAEMON: runs t/NAME (against DAEMON
# HOST:PORT, or, when DAEMON is empty, against servers the harness starts
# from ./memcached-debug) and prints its PASS/FAIL/SKIP line; non-zero when
# it failed.
_mct_file() {
    local pfx=$1 f=$2 log=$3 to=$4 daemon=$5 rc=0
    local envs=(env -u SSL_TEST -u VALGRIND_TEST -u T_MEMD_USE_DAEMON)
    [ -n "$daemon" ] && envs+=(T_MEMD_USE_DAEMON="$daemon")
    (cd "${MCT_TREE:-$MCT_DIR}" && "${envs[@]}" timeout -k 5 "$to" perl "t/$f") >"$log" 2>&1 </dev/null || rc=$?
    if [ -n "${MCT_LOGDIR:-}" ]; then mkdir -p "$MCT_LOGDIR" && cp "$log" "$MCT_LOGDIR/"; fi
    if [ "$rc" -eq 0 ] && grep -qiE '^1\.\.0 # skip' "$log"; then
        echo "SKIP $pfx.$f: $(grep -m1 -iE '^1\.\.0 # skip' "$log" | sed -E 's/^1\.\.0 # [A-Za-z]+ *//' | tr -d '\r')"
    elif [ "$rc" -eq 0 ] && ! grep -q '^ok ' "$log"; then
        echo "FAIL $pfx.$f: exited 0 without a passing assertion: $(tail -n 1 "$log" | tr -d '\r' | cut -c1-200)"
        return 1
    elif [ "$rc" -eq 0 ]; then
        echo "PASS $pfx.$f"
    else
        echo "FAIL $pfx.$f: $(_mct_why "$log" "$rc" "$to")"
        return 1
    fi
    return 0
}

# _mct_tree DIR EXE: a private copy of the unpacked tree in DIR (symbolic
# links to every entry) whose ./memcached-debug is EXE. The harness takes
# the current directory as memcached's build directory, so runs with
# different servers at the same time do not share one memcached-debug.
_mct_tree() {
    local dir=$1 exe=$2 e
    mkdir -p "$dir" || return 1
    for e in "$MCT_DIR"/* "$MCT_DIR"/.[!.]*; do
        [ -e "$e" ] || continue
        [ "$(basename "$e")" = memcached-debug ] && continue
        ln -sfn "$e" "$dir/$(basename "$e")"
    done
    ln -sfn "$exe" "$dir/memcached-debug"
}

mct_run() {
    local host=$1 port=$2 list=$3
    local pfx=${MCT_PREFIX:-mct} to=${MCT_TIMEOUT:-300}
    if [ -z "$host" ] || [ -z "$port" ] || [ ! -f "$list" ]; then
        echo "usage: mct_run HOST PORT LISTFILE" >&2
        return 2
    fi
    local why
    if ! why=$(mct_fetch 2>&1); then
        echo "FAIL $pfx.fetch: $(echo "$why" | tr '\n' ' ')"
        return 1
    fi
    local tool
    for tool in perl timeout; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "FAIL $pfx.tools: $tool not installed (host/install-deps.sh)"
            return 1
        fi
    done
    local exe=${MCT_EXE:-$MCT_ROOT/build/memcached/memcached-debug}
    if [ ! -x "$exe" ]; then
        echo "FAIL $pfx.exe: $exe not built (run make all); t/lib/MemcachedTest.pm needs ./memcached-debug for its -h feature probes"
        return 1
    fi
    local tmp names f log rc failed=0 gone="" prev="(none)"
    tmp=$(mktemp -d /tmp/mct.XXXXXX)
    local MCT_TREE=$tmp/tree
    _mct_tree "$MCT_TREE" "$exe"
    names=$(sed 's/#.*//; s/[[:space:]]//g' "$list" | grep -v '^$' || true)
    for f in $names; do
        f=${f#t/}
        log=$tmp/$f.log
        if [ ! -f "$MCT_DIR/t/$f" ]; then
            echo "FAIL $pfx.$f: no such file t/$f in memcached $MCT_VERSION"
            failed=1
            continue
        fi
        if [ -n "$gone" ]; then
            echo "FAIL $pfx.$f: not run: $gone"
            continue
        fi
        # A server that stops answering fails the file that was running and
        # every later one at once (no time spent waiting on each).
        if [ "${MCT_NO_FLUSH:-0}" != 1 ] && ! _mct_flush "$host" "$port" && ! { sleep 5; _mct_flush "$host" "$port"; }; then
            gone="the server at $host:$port stopped answering (no reply to flush_all after $prev)"
            echo "FAIL $pfx.$f: $gone"
            failed=1
            continue
        fi
        prev=$f
        _mct_file "$pfx" "$f" "$log" "$to" "$host:$port" || failed=1
    done
    rm -rf "$tmp"
    return $failed
}

# mct_run_spawn LISTFILE: runs every t/NAME.t listed in LISTFILE the way
# memcached's own `make test` does: the harness starts its own servers from
# ./memcached-debug (MCT_EXE, default build/memcached/memcached-debug) with
# the options each file asks for. MCT_JOBS files run at once (default 2;
# each server takes free ports or its own UNIX socket).
mct_run_spawn() {
    local list=$1 pfx=${MCT_PREFIX:-mct} to=${MCT_TIMEOUT:-300}
    local why
    if ! why=$(mct_fetch 2>&1); then
        echo "FAIL $pfx.fetch: $(echo "$why" | tr '\n' ' ')"
        return 1
    fi
    local exe=${MCT_EXE:-$MCT_ROOT/build/memcached/memcached-debug}
    if [ ! -x "$exe" ]; then
        echo "FAIL $pfx.exe: $exe not built (run make all)"
        return 1
    fi
    local tmp names f
    tmp=$(mktemp -d /tmp/mct.XXXXXX)
    local MCT_TREE=$tmp/tree
    _mct_tree "$MCT_TREE" "$exe"
    names=$(sed 's/#.*//' "$list" | awk 'NF {print $1}')
    for f in $names; do
        [ -f "$MCT_DIR/t/${f#t/}" ] || echo "FAIL $pfx.${f#t/}: no such file t/${f#t/} in memcached $MCT_VERSION"
    done
    export MCT_DIR MCT_TREE MCT_LOGDIR
    export -f _mct_file _mct_why
    printf '%s\n' $names | sed 's|^t/||' | while read -r f; do [ -f "$MCT_DIR/t/$f" ] && echo "$f"; done |
        xargs -P "${MCT_JOBS:-2}" -I{} bash -c '_mct_file "$1" "$2" "$3/$2.log" "$4" ""' _ "$pfx" {} "$tmp" "$to" |
        tee "$tmp/results"
    local failed=0
    grep -q '^FAIL ' "$tmp/results" && failed=1
    rm -rf "$tmp"
    return $failed
}
