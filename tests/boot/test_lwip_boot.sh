#!/usr/bin/env bash
# The boots of test_bios_ipxe.sh and test_uefi_pxe.sh, served by
# bootbox-lwip: lwIP owns a TAP joined to the nodes' bridge, and neither
# the bridge nor the TAP has a host address. A veth port on the bridge
# (192.168.2.250, a client like the nodes) lets the test read the
# machines' states. BIOS: the iPXE ROM, DHCP -> HTTP. UEFI: EDK2's own
# PXE -> TFTP ipxe.efi -> iPXE -> HTTP. Both are machines of the
# inventory; the UEFI node has an address reservation, which holds from
# EDK2's DHCP to iPXE's (the reservation belongs to the MAC).
set -u
. "$(dirname "$0")/lib.sh"
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
boot_config "machines:
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
fi
finish
