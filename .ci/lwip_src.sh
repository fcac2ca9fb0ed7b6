#!/usr/bin/env bash
# Fetches Debian's lwip source package (the upstream lwIP tree that the
# lwIP board builds against) with apt's own tooling, through a private
# sources list built from the mirror this machine already uses. The
# system's sources, lists and caches are left alone.
# Usage: lwip_src.sh [DEST]   (default /var/cache/bootbox-deps/lwip)
set -eu
dest=${1:-/var/cache/bootbox-deps/lwip}
suite=${LWIP_SUITE:-bookworm}
if [ -f "$dest/src/include/lwip/init.h" ]; then
	echo "deps: lwIP source present in $dest"
	exit 0
fi
command -v dpkg-source >/dev/null || apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends dpkg-dev
# the first Debian archive URI of the system's sources (deb822 or one-line)
mirror=$(
	{ grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
	  grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'
	} | grep -v -e security -e '^$' | grep '/debian/*$' | head -1)
[ -n "$mirror" ] || { echo "deps: no Debian mirror in /etc/apt/sources.list*" >&2; exit 1; }
work=$(mktemp -d /var/tmp/bootbox-lwip.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt's download sandbox user writes the partial dirs
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/dl"
chown _apt "$work/lists/partial" "$work/cache/archives/partial" "$work/dl" 2>/dev/null || true
printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
	"$mirror" "$suite" >"$work/sources.list"
apt_priv=(-o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts=-
	-o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache"
	-o APT::Get::List-Cleanup=0 -o DPkg::Lock::Timeout=900)
apt-get "${apt_priv[@]}" update -q
(cd "$work/dl" && apt-get "${apt_priv[@]}" source --download-only -q lwip)
dsc=$(ls "$work"/dl/lwip_*.dsc | head -1)
rm -rf "$dest.new"
mkdir -p "$(dirname "$dest")"
dpkg-source --no-check -x "$dsc" "$dest.new" >/dev/null
rm -rf "$dest"
mv "$dest.new" "$dest"
echo "deps: lwIP source $(basename "$dsc" .dsc) in $dest"
