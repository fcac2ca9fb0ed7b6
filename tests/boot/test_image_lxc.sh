#!/usr/bin/env bash
# The image as LXC takes it (Debian's lxc 5.0), the operator's flow from the
# README: lxc-create -t local from bootbox-lxc-meta.tar.xz and
# bootbox-lxc-rootfs.tar.xz with the NIC on the bootstrap bridge, the config
# put in the container's root, lxc-start, bootbox check; a DHCP client
# (udhcpc, in a namespace on that bridge) gets its lease and fetches iPXE
# over TFTP and /boot.ipxe over HTTP; bootbox machines and leases show it;
# a hard stop (lxc-stop -k) loses no lease. The QEMU node that boots from
# the same root is test_image_incus's.
# The bridge (bbl<pid>) has no address and no uplink: nothing leaves it. The
# container lives in the test's own lxcpath, removed at the end.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
need_root
command -v lxc-create >/dev/null && [ -x /usr/share/lxc/templates/lxc-local ] ||
	{ echo "skip: no lxc (make deps)"; exit 77; }
# what a system container needs from the kernel, as lxc measures it
missing=$(lxc-checkconfig 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' |
	grep -E '^(Namespaces|(Utsname|Ipc|Pid|Network|Cgroup) namespace|Cgroups|Veth pair device|Bridges): ' |
	grep -v ': enabled$')
[ -z "$missing" ] || { echo "skip: lxc cannot run here: $missing"; exit 77; }
cd "$ROOT"
bash images/incus/build.sh "$BUILD" || { echo "image build failed"; exit 1; }
META=$ROOT/$BUILD/images/bootbox-lxc-meta.tar.xz
FSTREE=$ROOT/$BUILD/images/bootbox-lxc-rootfs.tar.xz
echo "# bootbox-lxc-rootfs.tar.xz: $(du -m "$FSTREE" | cut -f1) MiB"

BR=bbl$$ CV=bbcv$$ C=bbc-$$ CNS=bb-lxcc-$$ LP=$W/lxc
lx() { local cmd=$1; shift; timeout 60 "lxc-$cmd" -P "$LP" -n "$C" "$@"; }
in_c() { lx attach -- "$@"; }
lxc_cleanup() {
	local pid l
	pid=$(lxc-info -P "$LP" -n "$C" -p 2>/dev/null | awk "{print \$2}")
	timeout 30 lxc-stop -P "$LP" -n "$C" -k >/dev/null 2>&1
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	timeout 60 lxc-destroy -P "$LP" -n "$C" >/dev/null 2>&1
	# the container's host-side veth, if its netns outlived the stop
	for l in $(ip -o link show master "$BR" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		[ "$l" = "$CV" ] || ip link del "$l" 2>/dev/null
	done
	ip link del "$CV" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	ns_cleanup
}
trap lxc_cleanup EXIT
mkdir -p "$LP"

# --- the bridge, and a client namespace on it
ip link add "$BR" type bridge
sysctl -qw "net.ipv6.conf.$BR.disable_ipv6=1"
ip link set "$BR" up
ns_add "$CNS"
ip link add "$CV" type veth peer name cli0 netns "$CNS"
ip link set "$CV" master "$BR" up
ip -n "$CNS" link set cli0 up
MAC=$(ip -n "$CNS" -br link show cli0 | awk '{print $3}')

# --- lxc-create: the image's config brings the NIC (veth, eth1), the
# operator's file only the bridge (a type line there would start the NIC
# afresh, without the image's name for it)
echo "lxc.net.0.link = $BR" > "$W/nic.conf"
t0=$(date +%s.%N)
if lx create -f "$W/nic.conf" -t local -- --metadata "$META" --fstree "$FSTREE" >"$W/create.log" 2>&1; then
	printf '# lxc-create: %.1f s\n' "$(python3 -c "print($(date +%s.%N) - $t0)")"
	ok "lxc-create -t local from the meta and rootfs tarballs"
else
	bad "lxc-create: $(tail -5 "$W/create.log")"
	finish; exit 1
fi
R=$LP/$C/rootfs
[ "$(cat "$R/etc/hostname")" = "$C" ] && grep -q "127.0.1.1	$C" "$R/etc/hosts" &&
	ok "the template named the root after the container" || bad "hostname: $(cat "$R/etc/hostname")"
if out=$(bash images/check_root.sh "$R" images/incus/allow.txt images/incus/lxc/allow.txt); then
	ok "every file in the created root is a package's or on the allow lists"
else
	bad "files no package installed: $out"
fi

# --- the config and a boot file put in the container's root
boot_config "  groups:
    - id: all
      profile: testnode"
sed -i "s#interface: br0#interface: eth1#; s#$W/state#/var/lib/bootbox#; s#$W/assets#/var/lib/bootbox/assets#" "$W/bootbox.yaml"
cp "$W/bootbox.yaml" "$R/etc/bootbox/bootbox.yaml"
mkdir -p "$R/var/lib/bootbox/assets"
head -c 100000 /dev/urandom > "$R/var/lib/bootbox/assets/vmlinuz"

# --- lxc-start to DHCP serving (the journal from this start on: the
# container shares the host's boot id, so -b would take in older starts)
serving() {
	in_c journalctl -u bootbox -o cat --since "@$1" 2>/dev/null | grep -q "dhcp: serving"
}
since=$(date +%s.%N | cut -c1-17)
t0=$(date +%s.%N)
lx start -l INFO -o "$W/start.log" || { bad "lxc-start: $(tail -5 "$W/start.log")"; finish; exit 1; }
served=
for _ in $(seq 150); do
	if serving "$since"; then
		served=$(date +%s.%N)
		break
	fi
	sleep 0.2
done
if [ -z "$served" ]; then
	bad "bootbox never served in the container"
	in_c journalctl --no-pager --since "@$since" | tail -30
	finish; exit 1
fi
secs=$(python3 -c "print($served - $t0)")
printf '# lxc-start to DHCP serving: %.1f s\n' "$secs"
python3 -c "import sys; sys.exit(0 if $secs <= 10 else 1)" && ok "lxc-start to serving in <= 10 s" ||
	bad "lxc-start to serving took $secs s"
state=$(in_c systemctl is-system-running 2>/dev/null)
[ "$state" = running ] && ok "systemd in the container: running, no failed unit" ||
	bad "systemd: $state $(in_c systemctl --failed --no-legend --no-pager)"
in_c journalctl -u bootbox -o cat --since "@$since" | grep -q "eth1 had no IPv4 address: added 192.168.2.2/24" &&
	ok "bootbox gave the bare eth1 192.168.2.2/24" || bad "eth1 was not given its address"
if in_c bootbox check -c /etc/bootbox/bootbox.yaml; then ok "lxc-attach -- bootbox check"; else bad "bootbox check"; fi

# --- a DHCP client on the bridge: lease, then iPXE over TFTP, the script over HTTP
cat > "$W/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr flush dev "$interface"
ip addr add "$ip/$mask" dev "$interface"
echo "ip=$ip serverid=$serverid boot_file=$boot_file" >> "$OUT"
SH
chmod +x "$W/udhcpc.sh"
lease() { OUT=$1 timeout 20 ip netns exec "$CNS" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$W/udhcpc.sh" >/dev/null 2>&1; }
lease "$W/l1"
IP=$(sed -n 's/^ip=\([0-9.]*\) serverid=192.168.2.2 .*/\1/p' "$W/l1" | tail -1)
if [ -n "$IP" ]; then ok "udhcpc: lease $IP from the container"; else bad "no lease: $(cat "$W/l1" 2>/dev/null)"; fi
X="ip netns exec $CNS"
if timeout 20 $X tftp -m binary 192.168.2.2 -c get undionly.kpxe "$W/undionly.kpxe" 2>/dev/null &&
	cmp -s "$W/undionly.kpxe" "$R/usr/lib/ipxe/undionly.kpxe"; then
	ok "tftp: undionly.kpxe from the container"
else
	bad "tftp undionly.kpxe"
	in_c journalctl -u bootbox -o cat --since "@$since" | grep -i tftp | tail -5
fi
script=$(timeout 10 $X curl -sf http://192.168.2.2:8080/boot.ipxe)
mac_h=${MAC//:/-}
node=$(timeout 10 $X curl -sf "http://192.168.2.2:8080/ipxe?mac=$mac_h&arch=x86_64")
if [[ $script == "#!ipxe"* ]] && grep -q "^kernel /assets/vmlinuz" <<<"$node"; then
	ok "http: /boot.ipxe and the node's script (kernel /assets/vmlinuz)"
else
	bad "http scripts: $script / $node"
fi
timeout 10 $X curl -sf -o "$W/vmlinuz" http://192.168.2.2:8080/assets/vmlinuz &&
	cmp -s "$W/vmlinuz" "$R/var/lib/bootbox/assets/vmlinuz" && ok "http: the kernel asset" || bad "asset fetch"
in_c bootbox machines
in_c bootbox machines | grep -qi "$MAC" && ok "lxc-attach -- bootbox machines shows the client" ||
	bad "client not in bootbox machines"
in_c bootbox leases | grep -i "$MAC" | grep -q "$IP" && ok "the client's lease is in bootbox leases" ||
	bad "no lease for $MAC"

# --- hard stop during the lease, start: the lease and the machine are still there
lx stop -k || bad "lxc-stop -k"
since=$(date +%s.%N | cut -c1-17)
lx start -l INFO -o "$W/start.log" || bad "lxc-start again"
for _ in $(seq 150); do serving "$since" && break; sleep 0.2; done
in_c bootbox leases | grep -i "$MAC" | grep -q "$IP" && ok "lease kept across lxc-stop -k" ||
	bad "lease lost across a hard stop: $(in_c bootbox leases)"
in_c bootbox machines | grep -qi "$MAC" && ok "machine kept across the hard stop" ||
	bad "machine lost: $(in_c bootbox machines)"
lease "$W/l2"
grep -q "^ip=$IP " "$W/l2" && ok "the client gets $IP again after the restart" ||
	bad "after the restart: $(cat "$W/l2" 2>/dev/null)"

# --- a clean stop: systemd halts on the image's lxc.signal.halt
t0=$(date +%s.%N)
if lx stop -t 30 && lx info -sH | grep -qx STOPPED; then
	printf '# lxc-stop (clean): %.1f s\n' "$(python3 -c "print($(date +%s.%N) - $t0)")"
	ok "lxc-stop halts systemd in the container"
else
	bad "lxc-stop: $(lx info -sH)"
fi
finish
