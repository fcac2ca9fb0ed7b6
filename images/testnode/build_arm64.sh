#!/usr/bin/env bash
# The arm64 QEMU test node: build.sh on bookworm's arm64 cloud kernel and
# busybox-static, which `make deps` unpacks (.ci/deps_private.sh), into
# OUT/vmlinuz (an EFI-stub Image) and OUT/initramfs.cpio.gz.
set -eu
OUT=${1:-build/testnode-arm64}
DEPS=${BOOTBOX_DEPS_DIR:-/var/cache/bootbox-deps}
[ -f "$DEPS/arm64/ok" ] || { echo "testnode-arm64: no $DEPS/arm64 (make deps)" >&2; exit 1; }
TESTNODE_SYSROOT=$DEPS/arm64 TESTNODE_ARCH=arm64 exec bash "$(dirname "$0")/build.sh" "$OUT"
