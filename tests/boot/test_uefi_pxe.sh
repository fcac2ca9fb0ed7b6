#!/usr/bin/env bash
# OVMF with the NIC's option ROM removed (romfile=): EDK2's own PXE (client
# arch 7, no client identifier) -> TFTP ipxe.efi -> iPXE asks again (user
# class iPXE, client-id 01:mac) -> HTTP -> the node's own DHCP client. A
# RESERVED machine must get its address at every stage and come up on it;
# then a pool machine boots the same way (one set-up, in sequence).
set -u
. "$(dirname "$0")/lib.sh"
boot_setup
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || { echo "skip: no OVMF"; exit 77; }
RES_MAC=52:54:00:be:ef:07 POOL_MAC=52:54:00:be:ef:17
boot_config "machines:
  - name: uefi1
    mac: $RES_MAC
    ip: 192.168.2.7
    profile: testnode
  - name: uefi2
    mac: $POOL_MAC
    profile: testnode"
boot_serve

boot_qemu uefi1 "$RES_MAC" uefi romfile=
if boot_wait_callback uefi1 "$RES_MAC" 300; then
	ok "reserved: UEFI PXE (EDK2) -> TFTP ipxe.efi -> iPXE -> HTTP boots and calls back"
else
	bad "reserved: UEFI PXE boot"
fi
grep -q "BOOTBOX-TESTNODE: lease 192.168.2.7 hostname=uefi1" "$W/uefi1.console" \
	&& ok "the node came up on its reserved address 192.168.2.7" || bad "node lease: $(grep 'BOOTBOX-TESTNODE: lease' "$W/uefi1.console")"
acks=$(grep -c "DHCPACK 192.168.2.7 to $RES_MAC (uefi1)" "$BB_LOG")
[ "$acks" -ge 3 ] && ok "EDK2, iPXE and the node's client were each ACKed the reservation ($acks ACKs)" || bad "ACKs of 192.168.2.7: $acks"
grep -q "no reply .*$RES_MAC" "$BB_LOG" && bad "a request went unanswered: $(grep "no reply .*$RES_MAC" "$BB_LOG" | head -3)" \
	|| ok "no request of the reserved machine went unanswered"
l=$(grep "tftp: .*ipxe.efi" "$BB_LOG" | tail -1); [ -n "$l" ] && ok "ipxe.efi came over TFTP (${l#*tftp: })" || bad "no TFTP transfer of ipxe.efi logged"
grep -q "GET /boot.ipxe" "$BB_LOG" && ok "iPXE asked for /boot.ipxe (no chain loop)" || bad "no /boot.ipxe"
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null

if [ "${BOOTBOX_TEST_UEFI_POOL:-1}" = 1 ]; then
	boot_qemu uefi2 "$POOL_MAC" uefi romfile=
	if boot_wait_callback uefi2 "$POOL_MAC" 300; then
		ok "pool: UEFI PXE boots and calls back"
	else
		bad "pool: UEFI PXE boot"
	fi
	ip=$(sed -n 's/.*BOOTBOX-TESTNODE: lease \([0-9.]*\) .*/\1/p' "$W/uefi2.console" | tr -d '\r')
	n=$(grep "DHCPACK .* to $POOL_MAC" "$BB_LOG" | awk '{print $4}' | sort -u | wc -l)
	[ -n "$ip" ] && [ "$n" = 1 ] && ok "one pool address ($ip) for the whole boot chain" || bad "pool addresses: $(grep "DHCPACK .* to $POOL_MAC" "$BB_LOG")"
	kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null
fi
[ "$T_FAIL" != 0 ] && { echo "--- bootbox log ---"; grep -vE "GET /(api|assets)" "$BB_LOG" | tail -25; }
finish
