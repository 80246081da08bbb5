#!/bin/sh
# Fetches and unpacks a Debian source package into build/third_party/ and
# prints the unpacked directory. Cached: a package already unpacked there is
# not fetched again. The system's apt configuration is not touched: a
# deb-src list is derived from it in a private directory.
#   host/debian-source.sh PACKAGE [VERSION-PREFIX [PATH...]]
# e.g. host/debian-source.sh lwip 2.1.3  ->  build/third_party/lwip-2.1.3
# With PATHs (relative to the source tree), only those files are taken from
# the upstream tarball (Debian's patches are not applied) into
# build/third_party/PACKAGE-VERSION-files/: for packages as large as qemu
# when a few headers are all that is needed.
set -e
pkg=$1 want=${2:-}
[ -n "$pkg" ] || { echo "usage: $0 PACKAGE [VERSION-PREFIX [PATH...]]" >&2; exit 2; }
shift; [ $# -gt 0 ] && shift
suffix=; [ $# -gt 0 ] && suffix=-files
root=$(cd "$(dirname "$0")/.." && pwd)
tp=$root/build/third_party
mkdir -p "$tp"
for d in "$tp/$pkg-$want"*"$suffix"; do
    case $d in *-files) [ -n "$suffix" ] || continue;; esac
    if [ -d "$d" ] && [ -f "$d/.unpacked" ]; then echo "$d"; exit 0; fi
done
work=$tp/.apt-$pkg
rm -rf "$work" "$tp/${pkg}_"*
mkdir -p "$work/lists/partial" "$work/dl"
src=$work/sources.list
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$work/debian.sources"
    src=$work/debian.sources
    opts="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$work"
    rm -f "$work/sources.list"
    mv "$work/debian.sources" "$work/src.sources"
else
    grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | sed 's/^deb /deb-src /' >"$src"
    opts="-o Dir::Etc::SourceList=$src -o Dir::Etc::SourceParts=/dev/null"
fi
aptopts="$opts -o Dir::State::Lists=$work/lists -o Debug::NoLocking=1"
if ! apt-get $aptopts update >"$work/update.log" 2>&1; then
    echo "debian-source: apt-get update for deb-src failed (see $work/update.log)" >&2
    exit 1
fi
if ! (cd "$work/dl" && apt-get $aptopts source --download-only "$pkg" >"$work/source.log" 2>&1); then
    echo "debian-source: cannot download the source of $pkg (see $work/source.log)" >&2
    exit 1
fi
dsc=$(ls "$work/dl"/*.dsc | head -1)
ver=$(sed -n 's/^Version: //p' "$dsc" | head -1 | sed 's/^[0-9]*://; s/-[^-]*$//')
case $ver in "$want"*) ;; *) echo "debian-source: $pkg is at version $ver, not $want" >&2; exit 1;; esac
dest=$tp/$pkg-$ver$suffix
rm -rf "$dest"
if [ -n "$suffix" ]; then
    mkdir -p "$dest"
    orig=$(ls "$work/dl"/*.orig.tar.* | head -1)
    top=$(tar -tf "$orig" | head -1 | cut -d/ -f1)
    members=
    for f in "$@"; do members="$members $top/$f"; done
    # shellcheck disable=SC2086   # one word per member
    if ! tar -xf "$orig" -C "$dest" --strip-components=1 $members 2>"$work/unpack.log"; then
        echo "debian-source: $pkg's tarball lacks one of: $* (see $work/unpack.log)" >&2
        exit 1
    fi
elif command -v dpkg-source >/dev/null 2>&1; then
    dpkg-source --no-check -x "$dsc" "$dest" >"$work/unpack.log" 2>&1
else
    mkdir -p "$dest" && tar -xf "$(ls "$work/dl"/*.orig.tar.* | head -1)" -C "$dest" --strip-components=1
fi
touch "$dest/.unpacked"
rm -rf "$work" "$tp/${pkg}_"*
echo "$dest"
