#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the benchmarks
# need. Idempotent; run as root (CI) or with sudo.
set -eu
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
pkgs=(
	# build
	build-essential clang clang-format libclang-rt-14-dev pkg-config dpkg-dev
	libyaml-dev libcjson-dev libmbedtls-dev
	# test peers and tools
	iproute2 procps psmisc kmod iputils-ping python3 python3-yaml curl openssl
	busybox-static udhcpc isc-dhcp-client isc-dhcp-relay
	tftp-hpa tftpd-hpa wrk nginx-light dnsmasq-base
	kea-dhcp4-server kea-admin golang-cfssl valgrind
	# the status page in a headless browser, /metrics through promtool
	chromium chromium-driver python3-websocket prometheus man-db
	# QEMU boots and the test node
	qemu-system-x86 qemu-utils ovmf ipxe ipxe-qemu cpio xz-utils
	linux-image-cloud-amd64
	# the arm64 boot test (AAVMF); its iPXE and node come from deps_private.sh
	qemu-system-arm qemu-efi-aarch64
	# images/: Incus and LXC root, disk image (partitions, FAT, GRUB for BIOS + UEFI)
	mmdebstrap lxc squashfs-tools dosfstools mtools gdisk e2fsprogs
	grub-pc-bin grub-efi-amd64-bin grub-common
)
# Incus (the image test) is only in bookworm-backports: that suite, on the
# mirror the system already uses, is the one source added to the system
bpo=(incus-base incus-client)
bpo_list=/etc/apt/sources.list.d/bootbox-backports.sources
if [ "$(. /etc/os-release; echo "${VERSION_CODENAME:-}")" = bookworm ] && [ ! -e "$bpo_list" ]; then
	mirror=$(grep -hoE '(deb|URIs:) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]+' | head -1)
	if [ -n "$mirror" ]; then
		printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			"$mirror" | ${SUDO:-} tee "$bpo_list" >/dev/null
	fi
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
bpo_missing=()
if [ -e "$bpo_list" ]; then
	for p in "${bpo[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || bpo_missing+=("$p")
	done
fi
if [ ${#missing[@]} -eq 0 ] && [ ${#bpo_missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	$SUDO bash "$(dirname "$0")/deps_private.sh"
	$SUDO bash "$(dirname "$0")/lwip_src.sh"
	exit 0
fi
echo "deps: installing ${missing[*]} ${bpo_missing[*]}"
$SUDO apt-get update -q
# services that a package would start (dnsmasq, kea, nginx, tftpd) must not
# start here: tests start their own on loopback or in namespaces
printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
$SUDO chmod +x /usr/sbin/policy-rc.d
[ ${#missing[@]} -eq 0 ] ||
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# incus-base without recommends: no AppArmor, no dnsmasq service (tests
# start incusd by hand and give it no managed network)
[ ${#bpo_missing[@]} -eq 0 ] ||
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
		-t bookworm-backports "${bpo_missing[@]}"
$SUDO rm -f /usr/sbin/policy-rc.d
$SUDO bash "$(dirname "$0")/deps_private.sh"
# lwIP for the lwIP board (make firmware): Debian's source package
$SUDO bash "$(dirname "$0")/lwip_src.sh"
