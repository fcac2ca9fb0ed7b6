#!/usr/bin/env bash
# OVMF UEFI HTTP boot (client arch 16, vendor class HTTPClient): with no
# TFTP configured, EDK2's PXE attempt gets no boot file and the firmware
# falls through to HTTP boot -> http://…/ipxe.efi -> iPXE -> HTTP.
set -u
. "$(dirname "$0")/lib.sh"
boot_setup
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || { echo "skip: no OVMF"; exit 77; }
boot_config "machines:
  - name: http1
    mac: 52:54:00:be:ef:16
    profile: testnode"
# HTTP boot fetches ipxe.efi from the HTTP root: serve Debian's binary there
sed -i '/^tftp:/,/^  root:/d' "$W/bootbox.yaml"
ln -s /usr/lib/ipxe/snponly.efi "$W/assets/snponly.efi"
cp /boot/ipxe.efi "$W/assets/ipxe.efi" 2>/dev/null || cp /usr/lib/ipxe/ipxe.efi "$W/assets/ipxe.efi"
sed -i 's|^dhcp:|dhcp:\n  efi64_file: assets/ipxe.efi|' "$W/bootbox.yaml"
boot_serve
boot_qemu http1 52:54:00:be:ef:16 uefi romfile=
if boot_wait_callback http1 52:54:00:be:ef:16 300; then
	ok "UEFI HTTP boot -> ipxe.efi over HTTP -> iPXE -> HTTP boots and calls back"
else
	bad "UEFI HTTP boot"
fi
grep -q "GET /assets/ipxe.efi 200" "$BB_LOG" && ok "the firmware fetched ipxe.efi over HTTP" || bad "no HTTP fetch of ipxe.efi"
grep -q "GET /boot.ipxe" "$BB_LOG" && ok "iPXE asked for /boot.ipxe (no chain loop)" || bad "no /boot.ipxe"
finish
