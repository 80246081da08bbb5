#!/bin/bash
# Click's own regression tests against the EdgeOS Click engine.
# Run from the repository root after `make all`:  tests/run-all.sh clicktest
#
# Click's test directory (with its clicktest script) is not part of this
# repository; it is looked for in $CLICK_TESTS, then ../shared/conformance/
# click-test and /work/shared/conformance/click-test. Every file listed in
# tests/clicktest/included.txt is run by clicktest with build/click/click
# first on PATH, one PASS/FAIL line each. excluded.txt lists the other files
# of the directories covered, each with the reason it is not run.
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
T=tests/clicktest
dir=""
for d in "${CLICK_TESTS:-}" ../shared/conformance/click-test /work/shared/conformance/click-test; do
    if [ -n "$d" ] && [ -f "$d/clicktest" ]; then dir=$(cd "$d" && pwd); break; fi
done
if [ -z "$dir" ]; then
    echo "SKIP clicktest: Click's test directory not found (set CLICK_TESTS)"
    exit 0
fi
if [ ! -x build/click/click ]; then
    echo "FAIL clicktest: build/click/click not built (run make all)"
    exit 1
fi
if ! command -v perl >/dev/null; then
    echo "SKIP clicktest: perl not installed"
    exit 0
fi
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
ln -s "$ROOT/build/click/click" "$bin/click"
# click-buildtool stand-in for "%require click-buildtool provides CLASS...":
# a class is provided when the click driver knows it (any message but
# "unknown element class" counts).
cat > "$bin/click-buildtool" <<'SH'
#!/bin/sh
[ "$1" = provides ] || exit 1
shift
dir=$(dirname "$0")
for c in "$@"; do
    "$dir/click" -e "x :: $c; DriverManager(stop)" 2>&1 | grep -q "unknown element class" && exit 1
done
exit 0
SH
chmod +x "$bin/click-buildtool"
# One clicktest run per file, several at a time.
grep -v '^\s*#' $T/included.txt | grep -v '^\s*$' | awk '{print $1}' |
    xargs -P 4 -I{} sh -c '
        f="$1"; dir="$2"; bin="$3"
        out=$(cd "$bin" && PATH="$bin:$PATH" perl "$dir/clicktest" -q "$dir/$f" 2>&1)
        rc=$?
        if [ $rc -eq 0 ]; then echo "PASS clicktest/$f"
        else echo "FAIL clicktest/$f: $(echo "$out" | grep -v "^\s*$" | head -3 | tr "\n" " " | cut -c1-300)"; fi
    ' _ {} "$dir" "$bin"

# Every file of the covered directories must be in exactly one of the lists.
missing=""
for f in $(cd "$dir" && ls ip/*.clicktest ethernet/*.clicktest IPRewriter/*.clicktest \
                              icmp/*.clicktest standard/*.clicktest compound/*.clicktest); do
    n=$(cat $T/included.txt $T/excluded.txt | grep -v '^#' | awk '{print $1}' | grep -cxF "$f")
    [ "$n" -eq 1 ] || missing="$missing $f($n)"
done
if [ -z "$missing" ]; then echo "PASS clicktest-lists"
else echo "FAIL clicktest-lists: not listed exactly once:$missing"; fi
