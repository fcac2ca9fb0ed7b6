#!/usr/bin/env bash
# An arm64 UEFI machine boots from bootbox: qemu-system-aarch64 -M virt with
# Debian's AAVMF does PXE (option 93 = 11), gets Debian 13's ipxe-arm64.efi
# over TFTP (bookworm's ipxe has no arm64 build: the fallback directory that
# `make deps` unpacks), iPXE asks again and gets a Talos profile
# (`talos: true`) that names the arm64 artifacts, which come through the
# cache from a local TLS factory (talos.arches: [amd64, arm64]); the arm64
# test node (bookworm's arm64 cloud kernel + busybox) calls back. TCG: slow.
set -u
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/lib_tls.sh"
DEPS=${BOOTBOX_DEPS_DIR:-/var/cache/bootbox-deps}
command -v qemu-system-aarch64 >/dev/null || { echo "skip: no qemu-system-aarch64 (make deps)"; exit 77; }
[ -f /usr/share/AAVMF/AAVMF_CODE.fd ] || { echo "skip: no AAVMF (make deps)"; exit 77; }
[ -f "$DEPS/ipxe-trixie/usr/lib/ipxe/ipxe-arm64.efi" ] || { echo "skip: no ipxe-arm64.efi (make deps)"; exit 77; }
bash "$ROOT/images/testnode/build_arm64.sh" "$ROOT/$BUILD/testnode-arm64" >/dev/null || exit 1
MAC=52:54:00:a6:40:01
SCH=a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35
boot_setup
make_test_ca "$W"
IMG=$W/factory/image/$SCH/v1.10.4
mkdir -p "$IMG"
cp "$ROOT/$BUILD/testnode-arm64/vmlinuz" "$IMG/kernel-arm64"
cp "$ROOT/$BUILD/testnode-arm64/initramfs.cpio.gz" "$IMG/initramfs-arm64.xz"
cp "$ROOT/$BUILD/testnode/vmlinuz" "$IMG/kernel-amd64"
cp "$ROOT/$BUILD/testnode/initramfs.cpio.gz" "$IMG/initramfs-amd64.xz"
echo "talos.platform=metal console=ttyAMA0 bootbox.factory=arm64" > "$IMG/cmdline-metal-arm64"
echo "talos.platform=metal console=ttyS0" > "$IMG/cmdline-metal-amd64"
bg "$NS" "$W/factory.log" python3 "$ROOT/tests/integration/factory.py" --port 8443 \
	--root "$W/factory" --cert "$W/srv.pem" --key "$W/srv.key"
FPID=$BG_PID
boot_config "    - id: talos
      talos: true
      args: [panic=-1, bootbox.tag=arm64]
machines:
  - name: arm1
    mac: $MAC
    arch: arm64
    profile: talos
talos:
  factory: https://127.0.0.1:8443
  schematic: $SCH
  version: v1.10.4
  arches: [amd64, arm64]
  prefetch: true
  ca_bundle: $W/ca.pem"
wait_log "$W/factory.log" "factory ready" 10 || { bad "factory did not start"; finish; exit 1; }
boot_serve
wait_log "$BB_LOG" "v1.10.4/kernel-arm64 cached" 60 && wait_log "$BB_LOG" "v1.10.4/initramfs-amd64.xz cached" 60 \
	&& ok "talos.arches [amd64, arm64]: both arches prefetched" || bad "prefetch of both arches"

tap=tap$TAPS
TAPS=$((TAPS + 1))
ip -n "$NS" tuntap add "$tap" mode tap
ip -n "$NS" link set "$tap" master br0 up
QEMU_LOG=$W/arm1.console
cp /usr/share/AAVMF/AAVMF_VARS.fd "$W/arm1.vars"
bg "$NS" "$W/arm1.qemu" qemu-system-aarch64 -M virt -cpu cortex-a57 -m 768 -smp 1 \
	-display none -monitor none -serial "file:$QEMU_LOG" -no-reboot \
	-drive if=pflash,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd \
	-drive if=pflash,format=raw,file="$W/arm1.vars" \
	-netdev tap,id=n0,ifname="$tap",script=no,downscript=no \
	-device virtio-net-pci,netdev=n0,mac="$MAC",romfile=
QEMU_PID=$BG_PID
# TCG on a shared machine: firmware, iPXE and an arm64 kernel all emulated
T0=$(date +%s)
if boot_wait_callback arm1 "$MAC" 900; then
	ok "arm64 UEFI node booted to the callback ($(( $(date +%s) - T0 )) s)"
else bad "arm64 boot"; fi
grep -q "ipxe-arm64.efi" "$BB_LOG" && ok "DHCP offered ipxe-arm64.efi (option 93 = 11)" || bad "no ipxe-arm64.efi offer in the log"
grep -q "callback ok .*args=arm64" "$QEMU_LOG" && ok "the arm64 profile ran" || bad "profile"
grep -q "Kernel command line:.*talos.platform=metal console=ttyAMA0 bootbox.factory=arm64" "$QEMU_LOG" \
	&& ok "the arm64 kernel got the factory's cmdline-metal-arm64" || bad "arm64 cmdline"
[ "$(grep -c "kernel-arm64" "$W/factory/hits.log")" = 1 ] && ok "kernel-arm64 came through the cache (one upstream GET)" || bad "kernel-arm64 upstream GETs"
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null
finish
