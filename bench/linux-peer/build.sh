#!/bin/sh
# Builds the Linux peer guest of the isolation benchmark:
#   build/peer/vmlinuz        Debian's linux-image-6.1.0-*-amd64 kernel
#   build/peer/initramfs.gz   busybox-static, virtio modules, memcached with its
#                             shared libraries, probe/spin/bomb, the start-up
#                             benchmark (startup-peers, startup-true),
#                             icount_peers, /init
#
# Idempotent: the kernel package is downloaded and unpacked once (kept under
# build/peer/deb and build/peer/kernel); the static helpers are recompiled
# when a source is newer; the initramfs is repacked only when the
# checksum of everything that goes into it changes. Progress goes to stderr.
#
# Environment:
#   PEER_OUT=DIR              build into DIR instead of build/peer (boot.sh
#                             takes the same variable)
#   PEER_KERNEL_DEB=FILE      use this linux-image .deb instead of downloading
#   PEER_KERNEL_REFRESH=1     ask apt again which kernel linux-image-amd64
#                             depends on (otherwise a cached .deb is reused)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${PEER_OUT:-$ROOT/build/peer}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

say() { echo "linux-peer build: $*" >&2; }
die() { echo "linux-peer build: ERROR: $*" >&2; exit 1; }

# Virtio modules the guest needs (their dependencies are added in load order).
MODULES="virtio_mmio virtio_net"

# ---- host tools -------------------------------------------------------------

need_pkgs=""
command -v musl-gcc >/dev/null 2>&1 || need_pkgs="$need_pkgs musl-tools"
command -v cpio >/dev/null 2>&1 || need_pkgs="$need_pkgs cpio"
command -v gzip >/dev/null 2>&1 || need_pkgs="$need_pkgs gzip"
command -v xz >/dev/null 2>&1 || need_pkgs="$need_pkgs xz-utils"
command -v strings >/dev/null 2>&1 || need_pkgs="$need_pkgs binutils"
[ -x /usr/bin/memcached ] || need_pkgs="$need_pkgs memcached"
# the initramfs needs a statically linked busybox
if ! [ -x /bin/busybox ] || ! ldd /bin/busybox 2>&1 | grep -q 'not a dynamic executable'; then
    need_pkgs="$need_pkgs busybox-static"
fi
if [ -n "$need_pkgs" ]; then
    [ "$(id -u)" = 0 ] || die "missing packages:$need_pkgs (install them, or run this script as root)"
    say "installing$need_pkgs"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need_pkgs >&2; then
        apt-get update -q >&2 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need_pkgs >&2 ||
            die "apt-get install$need_pkgs failed"
    fi
fi
ldd /bin/busybox 2>&1 | grep -q 'not a dynamic executable' ||
    die "/bin/busybox is not statically linked (install busybox-static)"

mkdir -p "$OUT/deb" "$OUT/bin" "$OUT/kernel"

# ---- kernel package -----------------------------------------------------------

if [ -n "${PEER_KERNEL_DEB:-}" ]; then
    [ -f "$PEER_KERNEL_DEB" ] || die "PEER_KERNEL_DEB=$PEER_KERNEL_DEB does not exist"
    DEB=$PEER_KERNEL_DEB
else
    DEB=$(ls "$OUT"/deb/linux-image-*.deb 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$DEB" ] || [ "${PEER_KERNEL_REFRESH:-0}" = 1 ]; then
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
              sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
        if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
            say "apt-get update (to find the kernel package)"
            apt-get update -q >&2 || true
            pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
                  sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
        fi
        [ -n "$pkg" ] || die "cannot tell which kernel linux-image-amd64 depends on (apt-cache depends linux-image-amd64); set PEER_KERNEL_DEB=FILE"
        old=$(ls "$OUT"/deb/"$pkg"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
        if [ -n "$old" ] && [ "${PEER_KERNEL_REFRESH:-0}" != 1 ]; then
            DEB=$old
        else
            say "downloading $pkg"
            # -o APT::Sandbox::User=root: the _apt user may not write into build/
            (cd "$OUT/deb" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
                die "apt-get download $pkg failed (no network or no apt sources?); set PEER_KERNEL_DEB=FILE"
            DEB=$(ls "$OUT"/deb/"$pkg"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
            [ -n "$DEB" ] || die "apt-get download $pkg produced no .deb in $OUT/deb"
        fi
    fi
fi

# ---- unpack vmlinuz and the modules we need -----------------------------------

KTAG=$(basename "$DEB" .deb)
KDIR=$OUT/kernel/$KTAG
if ! [ -f "$KDIR/.done" ]; then
    say "unpacking $(basename "$DEB")"
    rm -rf "$KDIR" "$OUT/kernel/.x"
    mkdir -p "$KDIR/modules" "$OUT/kernel/.x"
    dpkg-deb -x "$DEB" "$OUT/kernel/.x" || die "dpkg-deb -x $DEB failed"
    X=$OUT/kernel/.x
    vml=$(ls "$X"/boot/vmlinuz-* 2>/dev/null | head -n 1)
    [ -n "$vml" ] || die "$DEB has no boot/vmlinuz-*"
    cp "$vml" "$KDIR/vmlinuz"
    mdir=$(ls -d "$X"/lib/modules/*/kernel 2>/dev/null | head -n 1)
    [ -n "$mdir" ] || die "$DEB has no lib/modules/*/kernel"

    # Copies a module (found by name; '-' and '_' are the same in module
    # names), uncompressed (busybox insmod is not relied on to decompress),
    # and writes its dependencies (from its modinfo section)
    # to NAME.deps.
    take_mod() {
        f=$(find "$mdir" \( -name "$1.ko*" -o -name "$(echo "$1" | tr _ -).ko*" \) | head -n 1)
        [ -n "$f" ] || die "module $1 not found in $DEB"
        case "$f" in
            *.ko.xz)  xz -dc "$f" > "$KDIR/modules/$1.ko" ;;
            *.ko.zst) command -v zstd >/dev/null || die "$f is zstd-compressed: install zstd"
                      zstd -qdc "$f" > "$KDIR/modules/$1.ko" ;;
            *.ko.gz)  gzip -dc "$f" > "$KDIR/modules/$1.ko" ;;
            *.ko)     cp "$f" "$KDIR/modules/$1.ko" ;;
            *)        die "unknown module file type: $f" ;;
        esac
        strings "$KDIR/modules/$1.ko" | sed -n 's/^depends=//p' | head -n 1 | tr , ' ' > "$KDIR/modules/$1.deps"
    }
    # Depth-first: dependencies before the module that needs them.
    : > "$KDIR/modules/order"
    add_mod() {
        if grep -qx "$1" "$KDIR/modules/order"; then return 0; fi
        take_mod "$1"
        for d in $(cat "$KDIR/modules/$1.deps"); do
            add_mod "$d"
        done
        grep -qx "$1" "$KDIR/modules/order" || echo "$1" >> "$KDIR/modules/order"
    }
    for m in $MODULES; do add_mod "$m"; done
    rm -rf "$X"
    touch "$KDIR/.done"
    say "modules in load order: $(tr '\n' ' ' < "$KDIR/modules/order")"
fi

# ---- static helpers -------------------------------------------------------------

# helper NAME "SOURCES" "OTHER DEPENDENCIES" [COMPILER FLAGS...]: compiles
# $OUT/bin/NAME statically with musl when it is missing or older than a
# source, a dependency or this script.
helper() {
    name=$1 srcs=$2 deps=$3
    shift 3
    stale=0
    [ -x "$OUT/bin/$name" ] || stale=1
    for f in $srcs $deps "$HERE/build.sh"; do
        [ "$f" -nt "$OUT/bin/$name" ] && stale=1
    done
    [ $stale = 1 ] || return 0
    say "compiling $name"
    musl-gcc -static -O2 -std=c11 -Wall -Wextra -Werror "$@" -o "$OUT/bin/$name" $srcs ||
        die "compiling $name ($srcs) failed"
}
helper probe "$HERE/probe.c $HERE/say.c" "$HERE/say.h"
for p in spin bomb; do
    helper $p "$HERE/$p.c" ""
done
# The start-up benchmark (bench/startup) and the instruction-count program;
# the markers come from the EdgeOS uapi header.
SU=$ROOT/bench/startup
helper startup-true "$SU/true.c" ""
helper startup-peers "$SU/peers.c $SU/stats.c $SU/bundle.c" "$SU/stats.h $SU/bundle.h" -D_GNU_SOURCE -pthread
helper icount_peers "$HERE/icount_peers.c $HERE/say.c" "$HERE/say.h $ROOT/kernel/include/uapi/eos_icount.h" \
    -I"$ROOT/kernel/include/uapi"
HELPERS="probe spin bomb startup-true startup-peers icount_peers"

# ---- initramfs ------------------------------------------------------------------

# memcached's shared libraries (and the dynamic loader) as ldd reports them
LIBS=$(ldd /usr/bin/memcached | sed -n 's/.*=> \(\/[^ ]*\) (.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p')
[ -n "$LIBS" ] || die "ldd /usr/bin/memcached found no libraries"
# glibc loads libgcc_s at thread cancellation; harmless to carry along
for extra in /lib/x86_64-linux-gnu/libgcc_s.so.1; do
    [ -f "$extra" ] && LIBS="$LIBS $extra"
done

INPUTS="$HERE/init.sh $HERE/build.sh $(for p in $HELPERS; do echo "$OUT/bin/$p"; done) /bin/busybox
/usr/bin/memcached $LIBS $(sed "s|^|$KDIR/modules/|; s|\$|.ko|" "$KDIR/modules/order")"
KEY=$( (echo "$INPUTS"; cat $INPUTS) | sha256sum | cut -d' ' -f1)

if [ -f "$OUT/initramfs.gz" ] && [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/.initramfs.key" ] &&
   [ "$(cat "$OUT/.initramfs.key")" = "$KEY" ] && ! [ "$KDIR/vmlinuz" -nt "$OUT/vmlinuz" ]; then
    say "up to date ($OUT/vmlinuz, $OUT/initramfs.gz)"
    exit 0
fi

say "packing initramfs"
S=$OUT/root
rm -rf "$S"
mkdir -p "$S/bin" "$S/sbin" "$S/usr/bin" "$S/usr/sbin" "$S/etc" "$S/dev" "$S/proc" "$S/sys" \
         "$S/tmp" "$S/run" "$S/root" "$S/lib/modules"
cp /bin/busybox "$S/bin/busybox"
for a in $(/bin/busybox --list-full); do
    [ -e "$S/$a" ] || ln -s /bin/busybox "$S/$a"
done
for p in $HELPERS; do cp "$OUT/bin/$p" "$S/bin/"; done
cp /usr/bin/memcached "$S/usr/bin/memcached"
for l in $LIBS; do
    mkdir -p "$S$(dirname "$l")"
    cp -L "$l" "$S$l"
done
cp "$KDIR/modules/order" "$S/lib/modules/order"
for m in $(cat "$KDIR/modules/order"); do cp "$KDIR/modules/$m.ko" "$S/lib/modules/"; done
cp "$HERE/init.sh" "$S/init"
chmod 755 "$S/init"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$S/etc/passwd"
printf 'root:x:0:\n' > "$S/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files\n' > "$S/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n' > "$S/etc/hosts"
# the kernel's built-in initramfs has /dev/console too; this is for clarity
[ "$(id -u)" = 0 ] && mknod -m 600 "$S/dev/console" c 5 1 2>/dev/null || true

(cd "$S" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 > "$OUT/initramfs.gz.tmp" ||
    die "cpio/gzip failed"
mv "$OUT/initramfs.gz.tmp" "$OUT/initramfs.gz"
cp "$KDIR/vmlinuz" "$OUT/vmlinuz"
echo "$KEY" > "$OUT/.initramfs.key"
say "done: $OUT/vmlinuz ($KTAG), $OUT/initramfs.gz ($(du -k "$OUT/initramfs.gz" | cut -f1) KiB)"
