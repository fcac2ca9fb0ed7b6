#!/usr/bin/env bash
# The boot-box disk image, in QEMU. VM 1 boots bootbox-disk.img (SeaBIOS)
# with its NIC on a QEMU socket netdev (loopback only) to VM 2, a test node
# that PXE-boots from VM 1 to the callback. Then VM 1 loses power (kill -9
# of its QEMU), its bootbox.yaml is broken from "a laptop" (mtools on the
# BOOTBOX partition) after a re-flash (the image dd'ed over the disk again),
# and it boots under OVMF: the console shows the error, the box serves the
# last good config, the lease and the machine are still on the state
# partition. A new box whose first config is bad serves nothing and says
# why. Plus the image checks (units, files).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
command -v sgdisk >/dev/null && command -v mcopy >/dev/null && command -v debugfs >/dev/null ||
	{ echo "skip: no sgdisk/mtools/debugfs (make deps)"; exit 77; }
boot_setup
cd "$ROOT"
bash images/disk/build.sh "$BUILD" || { echo "image build failed"; exit 1; }
IMG=$ROOT/$BUILD/images/bootbox-disk.img
echo "# bootbox-disk.img: $(du -m --apparent-size "$IMG" | cut -f1) MiB ($(du -m "$IMG" | cut -f1) MiB allocated)"
part_start() { sgdisk -i "$1" "$2" | sed -n 's/^First sector: \([0-9]*\).*/\1/p'; }
MAC=52:54:00:d1:5c:$(printf %02x $(($$ % 256)))
PORT=$((20000 + $$ % 20000))

# --- image checks on the system partition, read without mounting it
P4=$(part_start 4 "$IMG")
dd if="$IMG" of="$W/sys.part" bs=1M skip=$((P4 / 2048)) status=none conv=sparse
mkdir -p "$W/sysroot"
debugfs -R "rdump / $W/sysroot" "$W/sys.part" >/dev/null 2>&1
rm -f "$W/sys.part"
R=$W/sysroot
[ -x "$R/usr/local/bin/bootbox" ] && [ -f "$R/boot/grub/grub.cfg" ] && ok "system part holds bootbox and grub.cfg" ||
	{ bad "system part unreadable or incomplete"; finish; exit 1; }
if out=$(systemd-analyze verify --root="$R" bootbox.service bootbox-state.service \
	bootbox-config.service bootbox-console.service 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify of the units in the system part"
else
	bad "systemd-analyze verify: $out"
fi
if out=$(bash images/check_root.sh "$R" images/incus/allow.txt images/disk/allow.txt); then
	ok "every file in the system part is a package's or on the allow lists"
else
	bad "files no package installed: $out"
fi
rm -rf "$R"

# --- the operator's copy: a bigger disk, bootbox.yaml and assets put on BOOTBOX
cp --sparse=always "$IMG" "$W/disk.img"
truncate -s 3G "$W/disk.img"
FAT="$W/disk.img@@$(( $(part_start 3 "$IMG") * 512 ))"
boot_config ""
sed -i "s#interface: br0#interface: eth0#; s#$W/state#/var/lib/bootbox#; /assets_dir:/d" "$W/bootbox.yaml"
sed -i 's#^  profiles:#  profiles:#; $a\  groups:\n    - id: all\n      profile: testnode' "$W/bootbox.yaml"
mcopy -o -i "$FAT" "$W/bootbox.yaml" ::/bootbox.yaml
mcopy -o -i "$FAT" "$W/assets/vmlinuz" "$W/assets/initramfs.cpio.gz" ::/assets/

vm1() {
	local fw=$1 fwargs=()
	if [ "$fw" = uefi ]; then
		cp /usr/share/OVMF/OVMF_VARS_4M.fd "$W/vm1.vars"
		fwargs=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
			-drive if=pflash,format=raw,file="$W/vm1.vars")
	fi
	VM1_LOG=$W/vm1-$fw.console
	qemu-system-x86_64 $KVM -M q35 -m 1024 -smp 1 -display none -monitor none \
		-serial "file:$VM1_LOG" "${fwargs[@]}" \
		-drive file="$W/disk.img",format=raw,if=virtio \
		-netdev socket,id=n0,listen=127.0.0.1:$PORT -device virtio-net-pci,netdev=n0 \
		>"$W/vm1-$fw.qemu" 2>&1 &
	VM1_PID=$!
	BG_PIDS+=("$VM1_PID")
}
wait_console() { # FILE REGEX SECS
	local i
	for i in $(seq "$3"); do
		grep -qaE "$2" "$1" 2>/dev/null && return 0
		kill -0 "$VM1_PID" 2>/dev/null || return 1
		sleep 1
	done
	return 1
}
show() { echo "--- $1 (tail) ---"; tr -d '\r' < "$1" | grep -av "^\[ *[0-9]" | tail -${2:-30}; }

# --- BIOS: first boot creates the state partition, serves, a node boots
t0=$(date +%s)
vm1 bios
if wait_console "$VM1_LOG" "bootbox serving;" 600; then
	ok "BIOS boot to bootbox serving in $(( $(date +%s) - t0 )) s"
else
	bad "BIOS boot never served"; show "$VM1_LOG" 60; finish; exit 1
fi
grep -qa "configuration ok" "$VM1_LOG" && ok "bootbox check ran at boot: configuration ok" || bad "no config check on the console"
grep -qa "made a new state file system" "$VM1_LOG" "$W"/vm1-bios.console && ok "state partition made on the first boot" ||
	echo "# (state partition message not on the serial console)"
BOOT_NETDEV="socket,id=n0,connect=127.0.0.1:$PORT" boot_qemu node "$MAC" bios
booted=
for _ in $(seq 400); do
	if grep -qa "BOOTBOX-TESTNODE: callback ok" "$W/node.console" 2>/dev/null &&
		tr -d '\r' < "$VM1_LOG" | grep -ai "$MAC" | grep -qwE "booted|up"; then
		booted=1
		break
	fi
	kill -0 "$VM1_PID" 2>/dev/null || break
	sleep 1
done
if [ -n "$booted" ]; then
	ok "node PXE-booted from the disk image to the callback; the box's console shows it booted"
else
	bad "node did not boot from the box"; show "$W/node.console" 20; show "$VM1_LOG" 40
fi

# --- power cut, a re-flash, a broken bootbox.yaml from the laptop, UEFI boot
kill -9 "$VM1_PID"; wait "$VM1_PID" 2>/dev/null
kill "$QEMU_PID" 2>/dev/null
dd if="$IMG" of="$W/disk.img" bs=4M conv=notrunc status=none
sgdisk -i 5 "$W/disk.img" | grep -q bbstate && bad "the re-flash left the state partition in the table"
printf 'appliance:\n  name: broken\n  address: 192.168.2.300\n' > "$W/bad.yaml"
mcopy -o -i "$FAT" "$W/bad.yaml" ::/bootbox.yaml
t0=$(date +%s)
vm1 uefi
if wait_console "$VM1_LOG" "bootbox serving;" 900; then
	ok "UEFI boot to bootbox serving in $(( $(date +%s) - t0 )) s"
else
	bad "UEFI boot never served"; show "$VM1_LOG" 60; finish; exit 1
fi
grep -qa "CONFIGURATION ERROR" "$VM1_LOG" && grep -qa "bootbox.yaml:3:" "$VM1_LOG" &&
	ok "the bad bootbox.yaml is shown on the console with its line" || bad "no clear config error on the console"
grep -qa "serving the last good configuration" "$VM1_LOG" && ok "the box serves the last good configuration" ||
	bad "last good configuration not served"
sleep 6
grep -qa "kept the state file system" "$VM1_LOG" && ok "the re-flashed box found its state partition again" ||
	bad "state partition not found again after the re-flash"
tr -d '\r' < "$VM1_LOG" | grep -ai "$MAC" | grep -qwE "booted|up" && ok "machine state kept across the power cut" ||
	bad "machine state lost"
tr -d '\r' < "$VM1_LOG" | grep -aiE "^192\.168\.2\.[0-9]+ +$MAC +bound" -q && ok "lease kept across the power cut" ||
	bad "lease lost"
show "$VM1_LOG" 12

# --- a new box whose first bootbox.yaml is bad: a clear message, nothing served
kill -9 "$VM1_PID"; wait "$VM1_PID" 2>/dev/null
cp --sparse=always "$IMG" "$W/disk.img"
truncate -s 3G "$W/disk.img"
mcopy -o -i "$FAT" "$W/bad.yaml" ::/bootbox.yaml
vm1 bios
if wait_console "$VM1_LOG" "bootbox NOT serving;" 600; then
	grep -qa "serving NOTHING until it is fixed" "$VM1_LOG" && grep -qa "bootbox.yaml:3:" "$VM1_LOG" &&
		ok "a bad first config: the console says why and nothing is served" || bad "no clear message for a bad first config"
else
	bad "a box with a bad first config: no status"; show "$VM1_LOG" 30
fi
finish
