#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the benchmarks
# need. Idempotent; run as root (CI) or with sudo.
set -eu
pkgs=(
	# build
	build-essential clang libclang-rt-14-dev pkg-config dpkg-dev
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
)
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	$SUDO bash "$(dirname "$0")/deps_private.sh"
	$SUDO bash "$(dirname "$0")/lwip_src.sh"
	exit 0
fi
echo "deps: installing ${missing[*]}"
$SUDO apt-get update -q
# services that a package would start (dnsmasq, kea, nginx, tftpd) must not
# start here: tests start their own on loopback or in namespaces
printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
$SUDO chmod +x /usr/sbin/policy-rc.d
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
$SUDO rm -f /usr/sbin/policy-rc.d
$SUDO bash "$(dirname "$0")/deps_private.sh"
# lwIP for the lwIP board (make firmware): Debian's source package
$SUDO bash "$(dirname "$0")/lwip_src.sh"
