#!/usr/bin/env bash
# SeaBIOS + QEMU's iPXE ROM: DHCP with user class iPXE -> /boot.ipxe ->
# /ipxe -> kernel + initrd over HTTP -> the node calls back.
set -u
. "$(dirname "$0")/lib.sh"
boot_setup
boot_config "machines:
  - name: node1
    mac: 52:54:00:be:ef:01
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
finish
