#!/usr/bin/env bash
# Builds the QEMU test node without root: Debian's cloud kernel and a
# busybox initramfs with virtio networking, into OUT/vmlinuz and
# OUT/initramfs.cpio.gz.
set -eu
OUT=${1:-build/testnode}
HERE=$(cd "$(dirname "$0")" && pwd)
# another arch (build_arm64.sh): a root with boot/, lib/modules/, bin/busybox
SYSROOT=${TESTNODE_SYSROOT:-}
ARCH=${TESTNODE_ARCH:-amd64}
KERNEL=$(ls "$SYSROOT"/boot/vmlinuz-*-cloud-"$ARCH" 2>/dev/null | sort -V | tail -1)
[ -n "$KERNEL" ] || { echo "testnode: no $SYSROOT/boot/vmlinuz-*-cloud-$ARCH (make deps)" >&2; exit 1; }
VER=${KERNEL#"$SYSROOT"/boot/vmlinuz-}
BUSYBOX=$SYSROOT/bin/busybox
[ -x "$BUSYBOX" ] || { echo "testnode: no busybox-static" >&2; exit 1; }
mkdir -p "$OUT"
if [ "$OUT/initramfs.cpio.gz" -nt "$HERE/init" ] && [ "$OUT/vmlinuz" -nt "$KERNEL" ] \
	&& [ "$OUT/initramfs.cpio.gz" -nt "$HERE/build.sh" ]; then
	exit 0
fi
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$BUSYBOX" "$STAGE/bin/busybox"
ln -s busybox "$STAGE/bin/sh"
install -m 0755 "$HERE/init" "$STAGE/init"
install -m 0755 "$HERE/udhcpc.sh" "$STAGE/udhcpc.sh"
for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
	failover net_failover virtio_net; do
	f=$(find "$SYSROOT/lib/modules/$VER/kernel" -name "$m.ko*" | head -1)
	[ -n "$f" ] || continue
	case $f in
	*.xz) xz -dc "$f" > "$STAGE/lib/modules/$m.ko" ;;
	*.zst) zstd -dqc "$f" > "$STAGE/lib/modules/$m.ko" ;;
	*) cp "$f" "$STAGE/lib/modules/$m.ko" ;;
	esac
done
(cd "$STAGE" && find . | sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -9 > "$OUT/initramfs.cpio.gz"
cp "$KERNEL" "$OUT/vmlinuz"
chmod 0644 "$OUT/vmlinuz"
echo "testnode: $OUT/vmlinuz ($VER) + $OUT/initramfs.cpio.gz"
