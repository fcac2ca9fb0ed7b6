#!/usr/bin/env bash
# The BIOS iPXE boot of test_bios_ipxe.sh, served by bootbox-lwip: lwIP
# owns a TAP joined to the node's bridge, and neither the bridge nor the
# TAP has a host address. A veth port on the bridge (192.168.2.250, a
# client like the node) lets the test read the machine's state.
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
finish
