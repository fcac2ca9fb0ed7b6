#!/bin/sh
# bootbox-state: mounts the state partition (leases, cache, certs) on
# /var/lib/bootbox. On the first boot, and after a re-flash (which writes a
# partition table without it), it is (re)created at a fixed start, 2 GiB
# into the disk, taking the rest of it; a file system already there is kept
# (a re-flash loses nothing), a blank one is made only when there is none.
set -eu
MNT=/var/lib/bootbox
START_MIB=2048
say() { echo "bootbox-state: $*"; }
udevadm settle -t 20 || :
sys=$(blkid -t PARTLABEL=bbsys -o device | head -1)
[ -n "$sys" ] || { say "no system partition (PARTLABEL=bbsys)"; exit 1; }
disk=/dev/$(lsblk -no PKNAME "$sys" | head -1)
nr=$(( $(cat "/sys/class/block/${sys##*/}/partition") + 1 ))
part=$(blkid -t PARTLABEL=bbstate -o device | head -1 || :)
if [ -z "$part" ]; then
	say "creating the state partition $nr on $disk"
	# the image's backup GPT sits at the image's end, not the disk's
	sfdisk -q --lock=no --no-reread --no-tell-kernel --relocate gpt-bak-std "$disk" || :
	echo "start=$((START_MIB * 2048)), type=linux, name=bbstate" |
		sfdisk -q --lock=no --append --no-reread --no-tell-kernel "$disk"
	partx --add --nr "$nr" "$disk" 2>/dev/null || partx --update --nr "$nr" "$disk"
	udevadm settle -t 20 || :
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		part=$(blkid -t PARTLABEL=bbstate -o device | head -1 || :)
		[ -n "$part" ] && break
		sleep 0.5
	done
	[ -n "$part" ] || { say "the new partition did not show up"; exit 1; }
	if [ "$(blkid -p -s LABEL -o value "$part" 2>/dev/null)" = bbstate ]; then
		say "kept the state file system found on $part (a re-flash)"
	else
		mkfs.ext4 -q -L bbstate "$part"
		say "made a new state file system on $part"
	fi
fi
e2fsck -p "$part" >/dev/null 2>&1 || [ $? -le 1 ] || say "e2fsck found problems on $part"
mount -o noatime "$part" "$MNT"
resize2fs "$part" >/dev/null 2>&1 || :
say "state on $part ($(df -h "$MNT" | awk 'NR==2 {print $2}'))"
