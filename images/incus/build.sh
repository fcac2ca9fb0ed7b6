#!/usr/bin/env bash
# The Incus/LXC image: build/images/bootbox-incus.tar.xz, a unified tarball
# (metadata.yaml, rootfs/, templates/). A Debian 12 root from the cached
# base (images/lib.sh), bootbox put in by `make install DESTDIR=`, its unit
# enabled, journald keeping the logs. Run as root (the root's files are
# root's). Rebuilt only when an input is newer than the image.
#   images/incus/build.sh [BUILD]
set -eu
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/images/lib.sh"
cd "$ROOT"
OUT=$BUILD/images
IMG=$OUT/bootbox-incus.tar.xz
[ "$(id -u)" = 0 ] || { echo "images: run as root (the root file system is root's)" >&2; exit 1; }
[ -x "$BUILD/bootbox" ] || { echo "images: no $BUILD/bootbox (make)" >&2; exit 1; }

# systemd as init; libcjson1 (bootbox links cJSON dynamically); ipxe for
# tftp.root /usr/lib/ipxe; the CA store for the Talos factory
BASE=$(img_base incus systemd systemd-sysv libcjson1 ipxe ca-certificates)
inputs=("$BASE" "$BUILD/bootbox" "$HERE"/* images/lib.sh images/systemd/* docs/example/bootbox.yaml Makefile)
if img_fresh "$IMG" "${inputs[@]}"; then
	echo "images: $IMG is up to date ($(du -m "$IMG" | cut -f1) MiB)"
	exit 0
fi

STAGE=$(mktemp -d "${TMPDIR:-/var/tmp}/bootbox-incus.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/rootfs" "$STAGE/templates"
R=$STAGE/rootfs
img_root "$R" "$BASE" "$BUILD"
# persistent journal: the logs of the boot before a crash stay readable
mkdir -p "$R/var/log/journal"
cp "$HERE/hostname.tpl" "$HERE/hosts.tpl" "$STAGE/templates/"
now=$(date +%s)
sed "s/@DATE@/$now/" "$HERE/metadata.yaml" > "$STAGE/metadata.yaml"

mkdir -p "$OUT"
XZ_OPT=${XZ_OPT:--6 -T2} tar -C "$STAGE" --numeric-owner --xattrs -cJf "$IMG.tmp" metadata.yaml templates rootfs
mv "$IMG.tmp" "$IMG"
echo "images: $IMG $(du -m "$IMG" | cut -f1) MiB compressed, $(du -sm "$R" | cut -f1) MiB unpacked"
