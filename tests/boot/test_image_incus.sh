#!/usr/bin/env bash
# The Incus image, as an operator runs it: import, launch with a NIC on the
# bootstrap bridge, push a config, bootbox check, restart; a QEMU node on
# that bridge PXE-boots from the container to the callback, `bootbox
# machines` shows it booted; a hard stop during the lease loses nothing.
# Plus the image checks: the unit verifies, every file in the root is a
# Debian package's or written on purpose, and the sizes.
# The bridge (bbi<pid>) has no address and no uplink: nothing leaves it.
# incusd is started by hand when none answers (PID 1 here is not systemd),
# with a dead local proxy so its update checks never reach the network.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
command -v incus >/dev/null && [ -x /usr/libexec/incus/incusd ] || { echo "skip: no incus (make deps)"; exit 77; }
boot_setup
cd "$ROOT"
bash images/incus/build.sh "$BUILD" || { echo "image build failed"; exit 1; }
IMG=$ROOT/$BUILD/images/bootbox-incus.tar.xz
echo "# bootbox-incus.tar.xz: $(du -m "$IMG" | cut -f1) MiB"

BR=bbi$$ TAP=bbt$$ C=bbc-$$ POOL=bbpool-$$ ALIAS=bootbox-test-$$
MAC=52:54:00:be:ef:$(printf %02x $(($$ % 256)))
INCUSD_PID=
incus_cleanup() {
	incus delete --force "$C" >/dev/null 2>&1
	incus image delete "$ALIAS" >/dev/null 2>&1
	incus storage delete "$POOL" >/dev/null 2>&1
	ip link del "$TAP" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	if [ -n "$INCUSD_PID" ]; then
		kill "$INCUSD_PID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$INCUSD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$INCUSD_PID" 2>/dev/null
	fi
	ns_cleanup
}
trap incus_cleanup EXIT
in_c() { timeout 60 incus exec "$C" -- "$@"; }

# --- image checks on the unpacked root
mkdir -p "$W/unpacked"
tar -C "$W/unpacked" --numeric-owner -xJf "$IMG"
R=$W/unpacked/rootfs
for f in metadata.yaml templates/hostname.tpl rootfs/usr/local/bin/bootbox; do
	[ -e "$W/unpacked/$f" ] || bad "image has $f"
done
if out=$(systemd-analyze verify --root="$R" bootbox.service 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify bootbox.service in the root"
else
	bad "systemd-analyze verify: $out"
fi
if out=$(bash images/check_root.sh "$R" images/incus/allow.txt); then
	ok "every file in the root is a package's or on the allow list"
else
	bad "files no package installed: $out"
fi
rm -rf "$W/unpacked"

# --- incusd, a dir pool, the bridge
if ! timeout 10 incus info >/dev/null 2>&1; then
	https_proxy=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 \
		/usr/libexec/incus/incusd --group root >"$W/incusd.log" 2>&1 &
	INCUSD_PID=$!
	timeout 60 incus admin waitready --timeout 50 || { echo "incusd did not start"; tail "$W/incusd.log"; exit 1; }
fi
incus storage create "$POOL" dir >/dev/null || exit 1
ip link add "$BR" type bridge
sysctl -qw "net.ipv6.conf.$BR.disable_ipv6=1"
ip link set "$BR" up
incus image import "$IMG" --alias "$ALIAS" >/dev/null || { bad "incus image import"; finish; exit 1; }
ok "incus image import"

# --- launch with the example config (eth1 on the bridge): time to DHCP serving
t0=$(date +%s.%N)
{ incus init "$ALIAS" "$C" --no-profiles -s "$POOL" >/dev/null &&
	incus config device add "$C" eth1 nic nictype=bridged parent="$BR" name=eth1 >/dev/null &&
	incus start "$C"; } || { bad "incus launch"; finish; exit 1; }
served=
for _ in $(seq 150); do
	if in_c journalctl -u bootbox -o cat 2>/dev/null | grep -q "dhcp: serving"; then
		served=$(date +%s.%N)
		break
	fi
	sleep 0.2
done
if [ -n "$served" ]; then
	secs=$(echo "$served - $t0" | bc -l 2>/dev/null || python3 -c "print($served - $t0)")
	printf '# incus launch to DHCP serving: %.1f s\n' "$secs"
	python3 -c "import sys; sys.exit(0 if $secs <= 10 else 1)" && ok "launch to serving in <= 10 s" ||
		bad "launch to serving took $secs s"
else
	bad "bootbox never served in the container"
	in_c journalctl -b --no-pager | tail -30
	finish; exit 1
fi
in_c journalctl -u bootbox -o cat | grep -q "eth1 had no IPv4 address: added 192.168.2.2/24" &&
	ok "bootbox gave the bare eth1 192.168.2.2/24" || bad "eth1 was not given its address"
in_c systemctl is-enabled apt-daily.timer 2>/dev/null | grep -qx enabled && bad "apt timers enabled in the appliance"
in_c systemctl show bootbox -p User -p CapabilityBoundingSet | grep -q cap_net_bind_service &&
	ok "unit runs with the bounded capabilities" || bad "unit capabilities"

# --- the operator's flow: push a config and the node's files, check, restart
# the boot tests' config, with the container's paths and NIC
boot_config "  groups:
    - id: all
      profile: testnode"
sed -i "s#interface: br0#interface: eth1#; s#$W/state#/var/lib/bootbox#; s#$W/assets#/var/lib/bootbox/assets#" "$W/bootbox.yaml"
incus file push -q "$W/bootbox.yaml" "$C/etc/bootbox/bootbox.yaml" || bad "incus file push"
incus file push -q -p "$W/assets/vmlinuz" "$W/assets/initramfs.cpio.gz" "$C/var/lib/bootbox/assets/" || bad "push assets"
if in_c bootbox check -c /etc/bootbox/bootbox.yaml; then ok "bootbox check in the container"; else bad "bootbox check"; fi
in_c systemctl restart bootbox || bad "systemctl restart bootbox"
in_c systemctl is-active bootbox | grep -qx active && ok "bootbox active after the restart" || bad "bootbox not active"

# --- a QEMU node on the bridge boots from the container
ip tuntap add "$TAP" mode tap
ip link set "$TAP" master "$BR" up
BOOT_NETDEV="tap,id=n0,ifname=$TAP,script=no,downscript=no" boot_qemu node "$MAC" bios
booted=
for _ in $(seq 240); do
	if grep -q "BOOTBOX-TESTNODE: callback ok" "$W/node.console" 2>/dev/null &&
		in_c bootbox machines 2>/dev/null | grep -i "$MAC" | grep -qwE "booted|up"; then
		booted=1
		break
	fi
	kill -0 "$QEMU_PID" 2>/dev/null || break
	sleep 1
done
if [ -n "$booted" ]; then
	ok "QEMU node PXE-booted from the container to the callback; bootbox machines: booted"
else
	bad "node did not boot from the container"
	grep -v "^\[ *[0-9]" "$W/node.console" 2>/dev/null | tail -20 | tr -d '\r'
	in_c journalctl -u bootbox -o cat --no-pager | tail -20
fi
in_c bootbox machines
in_c bootbox leases | grep -qi "$MAC" && ok "the node's lease is in bootbox leases" || bad "no lease for $MAC"

# --- hard stop during the lease, start: the lease and the machine are still there
incus stop --force "$C" || bad "incus stop --force"
incus start "$C" || bad "incus start"
for _ in $(seq 100); do
	in_c systemctl is-active bootbox 2>/dev/null | grep -qx active && break
	sleep 0.2
done
in_c bootbox leases | grep -qi "$MAC" && ok "lease kept across incus stop --force" || bad "lease lost across a hard stop"
in_c bootbox machines | grep -i "$MAC" | grep -qwE "booted|up" && ok "machine state kept across the hard stop" ||
	bad "machine state lost: $(in_c bootbox machines)"
finish
