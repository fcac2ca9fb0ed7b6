#!/usr/bin/env bash
# SeaBIOS + QEMU's iPXE ROM: DHCP with user class iPXE -> /boot.ipxe ->
# /ipxe -> kernel + initrd over HTTP -> the node calls back. A pool machine,
# then a reserved one that must come up on its reserved address (one
# set-up, in sequence).
set -u
. "$(dirname "$0")/lib.sh"
boot_setup
boot_config "machines:
  - name: node1
    mac: 52:54:00:be:ef:01
    profile: testnode
  - name: node2
    mac: 52:54:00:be:ef:02
    ip: 192.168.2.9
    profile: testnode"
boot_serve
boot_qemu node1 52:54:00:be:ef:01 bios
if boot_wait_callback node1 52:54:00:be:ef:01 150; then
	ok "BIOS + iPXE ROM boots over HTTP and calls back"
else
	bad "BIOS + iPXE ROM boot"
fi
grep -q "DHCPACK 192.168.2.[0-9]* to 52:54:00:be:ef:01 (node1)" "$BB_LOG" && ok "leased by bootbox" || bad "no DHCPACK logged"
grep -q "node1 fetched its kernel" "$BB_LOG" && grep -q "node1 fetched its initrd" "$BB_LOG" \
	&& ok "kernel and initrd states recorded" || bad "kernel/initrd states"
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null

boot_qemu node2 52:54:00:be:ef:02 bios
if boot_wait_callback node2 52:54:00:be:ef:02 150; then
	ok "reserved: BIOS + iPXE ROM boots over HTTP and calls back"
else
	bad "reserved: BIOS + iPXE ROM boot"
fi
grep -q "BOOTBOX-TESTNODE: lease 192.168.2.9 hostname=node2" "$W/node2.console" \
	&& ok "the node came up on its reserved address 192.168.2.9" || bad "node2 lease: $(grep 'BOOTBOX-TESTNODE: lease' "$W/node2.console")"
acks=$(grep -c "DHCPACK 192.168.2.9 to 52:54:00:be:ef:02 (node2)" "$BB_LOG")
[ "$acks" -ge 2 ] && ! grep -q "no reply .*52:54:00:be:ef:02" "$BB_LOG" \
	&& ok "iPXE and the node's client both ACKed the reservation ($acks), none unanswered" || bad "node2: $acks ACKs; $(grep 'no reply' "$BB_LOG" | head -3)"
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null
finish
