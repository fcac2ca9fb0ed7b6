#!/usr/bin/env bash
# The Incus/LXC image: build/images/bootbox-incus.tar.xz, a unified tarball
# (metadata.yaml, rootfs/, templates/), and the same root in the form LXC's
# local template takes: bootbox-lxc-meta.tar.xz (config, templates,
# create-message) and bootbox-lxc-rootfs.tar.xz. A Debian 12 root from the cached
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
LXC_META=$OUT/bootbox-lxc-meta.tar.xz LXC_ROOTFS=$OUT/bootbox-lxc-rootfs.tar.xz
[ "$(id -u)" = 0 ] || { echo "images: run as root (the root file system is root's)" >&2; exit 1; }
[ -x "$BUILD/bootbox" ] || { echo "images: no $BUILD/bootbox (make)" >&2; exit 1; }

# systemd as init; libcjson1 (bootbox links cJSON dynamically); ipxe for
# tftp.root /usr/lib/ipxe; the CA store for the Talos factory
BASE=$(img_base incus systemd systemd-sysv libcjson1 ipxe ca-certificates)
inputs=("$BASE" "$BUILD/bootbox" "$HERE"/* "$HERE"/lxc/* images/lib.sh images/systemd/* docs/example/bootbox.yaml Makefile)
if img_fresh "$IMG" "${inputs[@]}" && img_fresh "$LXC_META" "${inputs[@]}" &&
	img_fresh "$LXC_ROOTFS" "${inputs[@]}"; then
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

# LXC: the same root; its template writes the container's name where the
# root says LXC_NAME (the files Incus fills from hostname.tpl, hosts.tpl)
for t in hostname hosts; do
	sed 's/{{ instance.name }}/LXC_NAME/' "$HERE/$t.tpl" > "$R/etc/$t"
done
XZ_OPT=${XZ_OPT:--6 -T2} tar -C "$HERE/lxc" -cJf "$LXC_META.tmp" config templates create-message
XZ_OPT=${XZ_OPT:--6 -T2} tar -C "$R" --numeric-owner --xattrs -cJf "$LXC_ROOTFS.tmp" .
mv "$LXC_META.tmp" "$LXC_META"
mv "$LXC_ROOTFS.tmp" "$LXC_ROOTFS"
echo "images: $LXC_META, $LXC_ROOTFS $(du -m "$LXC_ROOTFS" | cut -f1) MiB compressed"
