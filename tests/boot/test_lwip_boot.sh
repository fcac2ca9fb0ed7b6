#!/usr/bin/env bash
# The boots of test_bios_ipxe.sh and test_uefi_pxe.sh, served by
# bootbox-lwip: lwIP owns a TAP joined to the nodes' bridge, and neither
# the bridge nor the TAP has a host address. A veth port on the bridge
# (192.168.2.250, a client like the nodes) lets the test read the
# machines' states. BIOS: the iPXE ROM, DHCP -> HTTP. UEFI: EDK2's own
# PXE -> TFTP ipxe.efi -> iPXE -> HTTP. Both are machines of the
# inventory; the UEFI node has an address reservation, which holds from
# EDK2's DHCP to iPXE's (the reservation belongs to the MAC). The Talos
# artifact cache's cold fetch runs over lwIP + mbedTLS from the local TLS
# factory on the veth port (an IP literal: the board has no resolver); a
# third node boots the cached kernel and initramfs with the factory's
# cmdline.
set -u
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/lib_tls.sh"
BBL=$(cd "$ROOT/$BUILD" 2>/dev/null && pwd)/bootbox-lwip
[ -x "$BBL" ] || { echo "skip: no $BBL (make firmware, after make deps)"; exit 77; }
need_root
command -v qemu-system-x86_64 >/dev/null || { echo "skip: no qemu-system-x86_64"; exit 77; }
bash "$ROOT/images/testnode/build.sh" "$ROOT/$BUILD/testnode" >/dev/null || exit 1
mkdir -p "$W/assets" "$W/state"
cp "$ROOT/$BUILD/testnode/vmlinuz" "$ROOT/$BUILD/testnode/initramfs.cpio.gz" "$W/assets/"
ns_add "$NS"
ip -n "$NS" link add br0 type bridge
ip -n "$NS" link set br0 up
ip -n "$NS" tuntap add dev tapbb mode tap
ip -n "$NS" link set tapbb master br0 up
ip -n "$NS" link add probe0 type veth peer name probe1
ip -n "$NS" link set probe1 master br0 up
ns_addr "$NS" probe0 192.168.2.250/24
KVM=
SCH=a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35
make_test_ca "$W" 192.168.2.250
IMG=$W/factory/image/$SCH/v1.10.4
mkdir -p "$IMG"
cp "$ROOT/$BUILD/testnode/vmlinuz" "$IMG/kernel-amd64"
cp "$ROOT/$BUILD/testnode/initramfs.cpio.gz" "$IMG/initramfs-amd64.xz"
echo "talos.platform=metal console=ttyS0 bootbox.factory=cmdline" >"$IMG/cmdline-metal-amd64"
bg "$NS" "$W/factory.log" python3 "$ROOT/tests/integration/factory.py" --bind 192.168.2.250 \
	--port 8443 --root "$W/factory" --cert "$W/srv.pem" --key "$W/srv.key"
wait_log "$W/factory.log" "factory ready" 10 || bad "the factory started"
boot_config "    - id: talos
      kernel: /assets/talos/kernel-amd64
      initrd: [/assets/talos/initramfs-amd64.xz]
      args: [console=ttyS0, panic=-1, bootbox.tag=talos-cache]
talos:
  factory: https://192.168.2.250:8443
  schematic: $SCH
  version: v1.10.4
  arches: [amd64]
  prefetch: true
  ca_bundle: $W/ca.pem
machines:
  - name: talos1
    mac: 52:54:00:be:ef:31
    profile: talos
  - name: node1
    mac: 52:54:00:be:ef:01
    profile: testnode
  - name: uefi1
    mac: 52:54:00:be:ef:07
    ip: 192.168.2.77
    profile: testnode"
sed -i 's/interface: br0/interface: tapbb/' "$W/bootbox.yaml"
BB_LOG=$W/bootbox.log
bg "$NS" "$BB_LOG" "$BBL" serve -c "$W/bootbox.yaml"
BB_PID=$BG_PID
wait_log "$BB_LOG" "serving as" 10 || { bad "bootbox-lwip started"; cat "$BB_LOG"; finish; exit; }
[ -z "$(ip -n "$NS" -4 addr show dev br0 | grep inet)$(ip -n "$NS" -4 addr show dev tapbb | grep inet)" ] &&
	ok "bridge and TAP carry no host address" || bad "host address on the segment"
boot_qemu node1 52:54:00:be:ef:01 bios
if boot_wait_callback node1 52:54:00:be:ef:01 240; then
	ok "BIOS + iPXE ROM boots from bootbox-lwip over HTTP and calls back"
else
	bad "BIOS + iPXE ROM boot over lwIP"
fi
grep -q "DHCPACK 192.168.2.[0-9]* to 52:54:00:be:ef:01 (node1)" "$BB_LOG" && ok "leased by bootbox-lwip" || bad "no DHCPACK logged"
grep -q "node1 fetched its kernel" "$BB_LOG" && grep -q "node1 fetched its initrd" "$BB_LOG" &&
	ok "kernel and initrd states recorded" || bad "kernel/initrd states"
kill "$QEMU_PID" 2>/dev/null
if [ -f /usr/share/OVMF/OVMF_CODE_4M.fd ]; then
	boot_qemu uefi1 52:54:00:be:ef:07 uefi romfile=
	if boot_wait_callback uefi1 52:54:00:be:ef:07 300; then
		ok "UEFI PXE -> TFTP ipxe.efi -> iPXE -> HTTP from bootbox-lwip, calls back"
	else
		bad "UEFI PXE boot over lwIP"
	fi
	l=$(grep "tftp: .*ipxe.efi" "$BB_LOG" | tail -1)
	[[ $l == *": ok" ]] && ok "ipxe.efi came over TFTP on lwIP (${l#*tftp: })" || bad "TFTP of ipxe.efi: $l"
	grep -q "DHCPACK 192.168.2.[0-9]* to 52:54:00:be:ef:07 (uefi1)" "$BB_LOG" && ok "uefi1 leased as a known machine" || bad "no DHCPACK for uefi1"
	a=$(grep -o "DHCPACK [0-9.]* to 52:54:00:be:ef:07" "$BB_LOG" | awk '{print $2}' | sort -u | tr '\n' ' ')
	[ "$a" = "192.168.2.77 " ] && ok "uefi1 on its reserved address in EDK2 and in iPXE ($(grep -c "DHCPACK 192.168.2.77 to 52:54:00:be:ef:07" "$BB_LOG") ACKs)" ||
		bad "uefi1 addresses: $a"
	kill "$QEMU_PID" 2>/dev/null
fi
# the cache: filled over lwIP at start (prefetch), then served to a node
for a in kernel-amd64 initramfs-amd64.xz cmdline-metal-amd64; do
	wait_log "$BB_LOG" "cache: v1.10.4/$a cached" 120 >/dev/null || break
done
if grep -q "cache: v1.10.4/cmdline-metal-amd64 cached" "$BB_LOG" && grep -q "cache: v1.10.4/kernel-amd64 cached" "$BB_LOG" &&
	grep -q "cache: v1.10.4/initramfs-amd64.xz cached" "$BB_LOG"; then
	ok "the cold fetch ran over lwIP + mbedTLS from the TLS factory ($(grep -o 'kernel-amd64 cached.*' "$BB_LOG"))"
else
	bad "the cache filled over lwIP: $(grep 'cache:' "$BB_LOG" | tail -3)"
fi
cmp -s "$W/state/cache/talos/$SCH/v1.10.4/kernel-amd64" "$IMG/kernel-amd64" &&
	cmp -s "$W/state/cache/talos/$SCH/v1.10.4/initramfs-amd64.xz" "$IMG/initramfs-amd64.xz" &&
	ok "the cached kernel and initramfs are the factory's bytes" || bad "cached bytes differ"
boot_qemu talos1 52:54:00:be:ef:31 bios
if boot_wait_callback talos1 52:54:00:be:ef:31 240; then
	ok "a node boots the cached Talos kernel and initramfs from bootbox-lwip"
else
	bad "boot from the lwIP cache"
fi
grep -q "callback ok .*args=talos-cache" "$W/talos1.console" && ok "the node ran the cached kernel's profile" || bad "profile"
grep -q "Kernel command line:.*talos.platform=metal console=ttyS0 bootbox.factory=cmdline " "$W/talos1.console" &&
	ok "the kernel line starts with the factory's cmdline (cached over lwIP)" || bad "factory cmdline not on the kernel line"
[ "$(grep -c "/image/$SCH/v1.10.4/kernel-amd64" "$W/factory/hits.log")" = 1 ] &&
	ok "one upstream fetch of the kernel" || bad "kernel fetched $(grep -c kernel-amd64 "$W/factory/hits.log") times"
finish
