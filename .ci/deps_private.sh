#!/usr/bin/env bash
# Packages the system's own sources do not give, fetched with apt's own
# tooling into private directories (the system's sources stay as they are):
#   $DEPS/ipxe-trixie/   Debian 13's ipxe (architecture all): ipxe-arm64.efi
#                        and a 2025 iPXE, where bookworm has only x86 builds
#   $DEPS/arm64/         bookworm arm64 debs for the arm64 QEMU test node:
#                        the cloud kernel and busybox-static, extracted
# The mirror is the one /etc/apt/sources.list* already uses. Idempotent.
set -eu
DEPS=${BOOTBOX_DEPS_DIR:-/var/cache/bootbox-deps}
mirror() {
	local m
	m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1)
	[ -n "$m" ] || m=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		grep -v security | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}')
	echo "${m%/}"
}
# private_apt DIR ARCH SUITE: apt-get with its own sources, lists and cache
private_apt_init() {
	local d=$1 arch=$2 suite=$3
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc"
	echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $suite main" \
		> "$d/etc/sources.list"
	APT=(apt-get -q -o Dir::Etc::sourcelist="$d/etc/sources.list" -o Dir::Etc::sourceparts=/nonexistent
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o Dir::State::status=/dev/null
		-o APT::Architecture="$arch" -o APT::Architectures="$arch" -o Debug::NoLocking=1
		-o APT::Sandbox::User=root)
	APTC=(apt-cache -o Dir::Etc::sourcelist="$d/etc/sources.list" -o Dir::Etc::sourceparts=/nonexistent
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o Dir::State::status=/dev/null
		-o APT::Architecture="$arch" -o APT::Architectures="$arch")
	# a mirror in mid-sync answers a wrong size now and then: try again
	local i
	for i in 1 2 3; do
		"${APT[@]}" update >/dev/null && return 0
		sleep 10
	done
	return 1
}
MIRROR=$(mirror)
[ -n "$MIRROR" ] || { echo "deps: no Debian mirror in /etc/apt/sources.list*" >&2; exit 1; }

if [ ! -f "$DEPS/ipxe-trixie/usr/lib/ipxe/ipxe-arm64.efi" ]; then
	echo "deps: trixie's ipxe into $DEPS/ipxe-trixie"
	# an arch: all package is listed in every arch's index too
	private_apt_init "$DEPS/apt-trixie" amd64 trixie
	rm -rf "$DEPS/dl" && mkdir -p "$DEPS/dl"
	(cd "$DEPS/dl" && "${APT[@]}" download ipxe >/dev/null)
	rm -rf "$DEPS/ipxe-trixie.new"
	dpkg-deb -x "$DEPS"/dl/ipxe_*.deb "$DEPS/ipxe-trixie.new"
	rm -rf "$DEPS/ipxe-trixie" && mv "$DEPS/ipxe-trixie.new" "$DEPS/ipxe-trixie"
fi

if [ ! -f "$DEPS/arm64/ok" ]; then
	echo "deps: bookworm arm64 kernel + busybox into $DEPS/arm64"
	private_apt_init "$DEPS/apt-arm64" arm64 bookworm
	kpkg=$("${APTC[@]}" depends linux-image-cloud-arm64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	[ -n "$kpkg" ] || { echo "deps: no arm64 cloud kernel package" >&2; exit 1; }
	rm -rf "$DEPS/dl" "$DEPS/arm64" && mkdir -p "$DEPS/dl" "$DEPS/arm64"
	(cd "$DEPS/dl" && "${APT[@]}" download "$kpkg" busybox-static >/dev/null)
	for f in "$DEPS"/dl/*.deb; do dpkg-deb -x "$f" "$DEPS/arm64"; done
	touch "$DEPS/arm64/ok"
fi
rm -rf "$DEPS/dl"
