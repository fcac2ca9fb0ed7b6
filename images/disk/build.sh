#!/usr/bin/env bash
# The boot-box disk image: build/images/bootbox-disk.img, raw GPT, to dd
# onto a small x86-64 box's SSD or USB stick. No loop device: each file
# system is made in a file (mkfs.ext4 -d, mkfs.vfat + mtools) and copied
# to its offset; GRUB's images are made with grub-mkimage and put in place
# as grub-install would (boot.img in the MBR, core.img in the BIOS boot
# partition, BOOTX64.EFI on the ESP).
#   1 BIOS boot   1 MiB   GRUB core.img (SeaBIOS / legacy BIOS)
#   2 ESP        64 MiB   FAT, /EFI/BOOT/BOOTX64.EFI (UEFI)
#   3 BOOTBOX   256 MiB   FAT labelled BOOTBOX: bootbox.yaml, assets/
#   4 bbsys               ext4, the system, mounted read-only
#   5 bbstate             made on the first boot at 2 GiB (state.sh)
# Run as root (the root's files are root's); rebuilt only when an input
# is newer than the image.
#   images/disk/build.sh [BUILD]
set -eu
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/images/lib.sh"
cd "$ROOT"
OUT=$BUILD/images
IMG=$OUT/bootbox-disk.img
[ "$(id -u)" = 0 ] || { echo "images: run as root (the root file system is root's)" >&2; exit 1; }
[ -x "$BUILD/bootbox" ] || { echo "images: no $BUILD/bootbox (make)" >&2; exit 1; }
for t in grub-mkimage sgdisk mkfs.vfat mcopy mkfs.ext4; do
	command -v "$t" >/dev/null || { echo "images: no $t (make deps)" >&2; exit 1; }
done

# read $(...) word by word: the package list is one line
# shellcheck disable=SC2046
BASE=$(img_base disk $(cat "$HERE/packages"))
inputs=("$BASE" "$BUILD/bootbox" "$HERE"/* images/lib.sh images/systemd/* docs/example/bootbox.yaml Makefile)
if img_fresh "$IMG" "${inputs[@]}"; then
	echo "images: $IMG is up to date ($(du -m --apparent-size "$IMG" | cut -f1) MiB)"
	exit 0
fi

STAGE=$(mktemp -d "${TMPDIR:-/var/tmp}/bootbox-disk.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
R=$STAGE/root
mkdir -p "$R"
img_root "$R" "$BASE" "$BUILD"
install -d "$R/usr/local/lib/bootbox" "$R/usr/local/lib/systemd/system/bootbox.service.d" "$R/bootbox" \
	"$R/var/lib/bootbox"
install -m 0755 "$HERE/state.sh" "$HERE/config.sh" "$HERE/console.sh" "$R/usr/local/lib/bootbox/"
install -m 0644 "$HERE"/bootbox-{state,config,console}.service "$R/usr/local/lib/systemd/system/"
install -m 0644 "$HERE/bootbox-disk.conf" "$R/usr/local/lib/systemd/system/bootbox.service.d/disk.conf"
systemctl --root="$R" enable bootbox-state.service bootbox-config.service bootbox-console.service >/dev/null 2>&1
install -m 0644 "$HERE/fstab" "$R/etc/fstab"
# /etc is read-only: no first-boot questions on the console
systemctl --root="$R" mask systemd-firstboot.service >/dev/null 2>&1
# the checked configuration (config.sh) is what serve reads
ln -sf /run/bootbox/bootbox.yaml "$R/etc/bootbox/bootbox.yaml"
# no sound, graphics, media, wireless or infiniband on a boot box
KVER=$(basename "$(ls -d "$R"/usr/lib/modules/* | sort -V | tail -1)")
for d in sound drivers/gpu drivers/media drivers/net/wireless drivers/infiniband drivers/staging \
	drivers/bluetooth net/wireless net/bluetooth drivers/iio drivers/input/joystick; do
	rm -rf "$R/usr/lib/modules/$KVER/kernel/$d"
done
depmod -b "$R" "$KVER"
mkdir -p "$R/boot/grub"
sed "s/@KVER@/$KVER/g" "$HERE/grub.cfg.in" > "$R/boot/grub/grub.cfg"

# --- file systems, each in its own file
SYS_MIB=$(( ($(du -sm "$R" | cut -f1) * 5 / 4 + 64) ))
# features GRUB 2.06 reads
mkfs.ext4 -q -F -L bbsys -O ^metadata_csum_seed,^orphan_file -d "$R" "$STAGE/sys.img" "${SYS_MIB}M"
GRUB_BIOS=(part_gpt biosdisk ext2 search search_label configfile normal linux echo test serial terminal sleep)
GRUB_EFI=(part_gpt fat ext2 search search_label configfile normal linux echo test serial terminal sleep efi_gop all_video)
grub-mkimage -O i386-pc -p /boot/grub -c "$HERE/early.cfg" -o "$STAGE/core.img" "${GRUB_BIOS[@]}"
grub-mkimage -O x86_64-efi -p /boot/grub -c "$HERE/early.cfg" -o "$STAGE/BOOTX64.EFI" "${GRUB_EFI[@]}"
mkfs.vfat -C -n EFI "$STAGE/esp.img" $((64 * 1024)) >/dev/null
mmd -i "$STAGE/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$STAGE/esp.img" "$STAGE/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mkfs.vfat -C -F 32 -n BOOTBOX "$STAGE/bootbox.img" $((256 * 1024)) >/dev/null
# the example, with the assets defaulting to this partition's assets/
sed 's|^  assets_dir: .*|  # assets_dir: (default: the assets/ folder of this BOOTBOX partition)|' \
	docs/example/bootbox.yaml > "$STAGE/bootbox.yaml"
mcopy -i "$STAGE/bootbox.img" "$STAGE/bootbox.yaml" ::/bootbox.yaml
mcopy -i "$STAGE/bootbox.img" "$HERE/BOOTBOX-README.txt" ::/README.txt
mmd -i "$STAGE/bootbox.img" ::/assets

# --- the disk: GPT, then each part at its offset (sectors of 512 bytes)
P2=4096 P3=$((4096 + 64 * 2048)) P4=$((4096 + 320 * 2048))
END=$((P4 + SYS_MIB * 2048))
[ "$END" -lt $((2048 * 2048)) ] || { echo "images: the system part reaches the state partition's start" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$IMG.tmp"
truncate -s $(( (END + 2048) * 512 )) "$IMG.tmp"
sgdisk -o \
	-n 1:2048:4095 -t 1:EF02 -c 1:bios \
	-n 2:$P2:$((P3 - 1)) -t 2:EF00 -c 2:EFI \
	-n 3:$P3:$((P4 - 1)) -t 3:0700 -c 3:BOOTBOX \
	-n 4:$P4:$((END - 1)) -t 4:8300 -c 4:bbsys "$IMG.tmp" >/dev/null
put() { dd if="$1" of="$IMG.tmp" bs=512 seek="$2" conv=notrunc,sparse status=none; }
put "$STAGE/esp.img" $P2
put "$STAGE/bootbox.img" $P3
put "$STAGE/sys.img" $P4
# BIOS: core.img at sector 2048; its first sector loads the rest (the
# blocklist at byte 500: start, sector count, segment 0x820); boot.img's
# first 440 bytes in the MBR point at sector 2048 (byte 0x5c) and skip
# the floppy check (0x66), the protective MBR's table stays
core_sectors=$(( ($(stat -c %s "$STAGE/core.img") + 511) / 512 ))
[ "$core_sectors" -le 2048 ] || { echo "images: core.img is larger than the BIOS boot partition" >&2; exit 1; }
python3 - "$STAGE/core.img" "/usr/lib/grub/i386-pc/boot.img" "$STAGE/mbr.bin" "$core_sectors" <<'PY'
import struct, sys
core, boot, mbr, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = bytearray(open(core, 'rb').read())
c[500:512] = struct.pack('<QHH', 2049, n - 1, 0x820)
open(core, 'wb').write(c)
b = bytearray(open(boot, 'rb').read()[:440])
b[0x5c:0x64] = struct.pack('<Q', 2048)
b[0x66:0x68] = b'\x90\x90'
open(mbr, 'wb').write(b)
PY
put "$STAGE/core.img" 2048
dd if="$STAGE/mbr.bin" of="$IMG.tmp" bs=440 count=1 conv=notrunc status=none
mv "$IMG.tmp" "$IMG"
echo "images: $IMG $(du -m --apparent-size "$IMG" | cut -f1) MiB ($(du -m "$IMG" | cut -f1) MiB allocated), system $SYS_MIB MiB"
