#!/usr/bin/env bash
# OVMF with the NIC's option ROM removed (romfile=): EDK2's own PXE (client
# arch 7) -> TFTP ipxe.efi -> iPXE asks again (user class iPXE) -> HTTP.
set -u
. "$(dirname "$0")/lib.sh"
boot_setup
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || { echo "skip: no OVMF"; exit 77; }
boot_config "machines:
  - name: uefi1
    mac: 52:54:00:be:ef:07
    profile: testnode"
boot_serve
boot_qemu uefi1 52:54:00:be:ef:07 uefi romfile=
if boot_wait_callback uefi1 52:54:00:be:ef:07 240; then
	ok "UEFI PXE (EDK2) -> TFTP ipxe.efi -> iPXE -> HTTP boots and calls back"
else
	bad "UEFI PXE boot"
fi
l=$(grep "tftp: .*ipxe.efi" "$BB_LOG" | tail -1); [ -n "$l" ] && ok "ipxe.efi came over TFTP (${l#*tftp: })" || bad "no TFTP transfer of ipxe.efi logged"
grep -q "GET /boot.ipxe" "$BB_LOG" && ok "iPXE asked for /boot.ipxe (no chain loop)" || bad "no /boot.ipxe"
[ "$T_FAIL" != 0 ] && { echo "--- bootbox log ---"; grep -vE "GET /(api|assets)" "$BB_LOG" | tail -25; }
finish
