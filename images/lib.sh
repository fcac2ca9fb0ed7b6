# Shared by the image recipes: the Debian mirror the host already uses and
# a cached base root per package set.
#   img_mirror            prints the host's Debian mirror URL
#   img_base NAME PKGS... makes (once) $IMG_CACHE/NAME-<hash>.tar, a
#                         Debian 12 root with PKGS; prints its path
# The cache lives outside the work tree (CI clones afresh each run):
# BOOTBOX_IMAGE_CACHE, default /var/cache/bootbox-images.
IMG_CACHE=${BOOTBOX_IMAGE_CACHE:-/var/cache/bootbox-images}
IMG_SUITE=bookworm

img_mirror() {
	local m
	m=$(grep -hoE '(^deb|URIs:) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]+' | head -1)
	[ -n "$m" ] || { echo "images: no Debian mirror in /etc/apt/sources.list*" >&2; return 1; }
	echo "${m%/}"
}

img_base() {
	local name=$1 key tar mirror
	shift
	command -v mmdebstrap >/dev/null || { echo "images: no mmdebstrap (make deps)" >&2; return 1; }
	key=$( (printf '%s\n' "$IMG_SUITE" "$@"; declare -f img_base) | sha256sum | cut -c1-12)
	tar=$IMG_CACHE/$name-$key.tar
	if [ ! -s "$tar" ]; then
		mirror=$(img_mirror) || return 1
		mkdir -p "$IMG_CACHE"
		echo "images: building the $name base root (cached as $tar)" >&2
		# minbase without recommends: only what the packages named need;
		# no manuals, docs (copyrights stay) or translations; /usr merged by
		# the hook, not by the usrmerge package (and the perl it pulls in)
		mmdebstrap --variant=minbase --format=tar \
			--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
			--aptopt='APT::Install-Recommends "false"' \
			--dpkgopt='path-exclude=/usr/share/man/*' \
			--dpkgopt='path-exclude=/usr/share/doc/*' \
			--dpkgopt='path-include=/usr/share/doc/*/copyright' \
			--dpkgopt='path-exclude=/usr/share/locale/*' \
			--dpkgopt='path-exclude=/usr/share/info/*' \
			--include="$(IFS=,; echo "$*")" \
			"$IMG_SUITE" "$tar.tmp" \
			"deb $mirror $IMG_SUITE main" \
			"deb $mirror $IMG_SUITE-updates main" \
			"deb ${mirror%/debian}/debian-security $IMG_SUITE-security main" >&2 ||
			{ rm -f "$tar.tmp"; return 1; }
		# older bases of this name (another package set) go
		find "$IMG_CACHE" -maxdepth 1 -name "$name-*.tar" ! -name "${tar##*/}" -delete
		mv "$tar.tmp" "$tar"
	fi
	echo "$tar"
}

# img_fresh IMG INPUTS...: true when IMG exists and no input is newer
img_fresh() {
	local img=$1 f
	shift
	[ -s "$img" ] || return 1
	for f in "$@"; do [ "$f" -nt "$img" ] && return 1; done
	return 0
}

# img_root DIR BASE BUILD: the base unpacked in DIR, bootbox installed by
# `make install DESTDIR=` with its unit enabled, and what the base carries
# over from the build host (its name, its resolver) replaced
img_root() {
	local r=$1 base=$2 build=$3
	tar -C "$r" --numeric-owner -xf "$base"
	make --no-print-directory -s install BUILD="$build" DESTDIR="$(cd "$r" && pwd)" PREFIX=/usr/local >/dev/null
	systemctl --root="$r" enable bootbox.service >/dev/null 2>&1
	# an appliance on a network with no uplink: no apt or trim timers
	systemctl --root="$r" disable apt-daily.timer apt-daily-upgrade.timer \
		dpkg-db-backup.timer e2scrub_all.timer fstrim.timer e2scrub_reap.service >/dev/null 2>&1
	echo bootbox > "$r/etc/hostname"
	echo "# bootbox: no resolver on the bootstrap network (an uplink sets one)" > "$r/etc/resolv.conf"
	# each instance or box gets its own machine id at first boot
	: > "$r/etc/machine-id"
}
