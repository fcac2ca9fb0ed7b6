# QEMU boot tests: a namespace with a bridge and a tap (the test's own
# network), bootbox serving on the bridge, QEMU booting the test node.
#   boot_setup            namespace, bridge br0 192.168.2.2/24, test node
#   boot_config EXTRA     writes $W/bootbox.yaml (EXTRA: more YAML)
#   boot_serve            starts bootbox; $BB_LOG
#   boot_qemu NAME MAC FIRMWARE [QEMU ARGS...]  boots a node; $QEMU_LOG
#                         (BOOT_NETDEV=SPEC: that -netdev, id n0, from the
#                         host namespace, instead of a tap on br0)
#   boot_wait_callback NAME MAC SECS   waits for the node's callback and
#                         for bootbox to show the machine "booted"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/integration/lib_netns.sh"
BUILD=${BUILD:-build}
BB=$(cd "$ROOT/$BUILD" 2>/dev/null && pwd)/bootbox
[ -x "$BB" ] || BB=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
W=$NS_TMP
NS=bb-boot-$$
TAPS=0

boot_setup() {
	need_root
	command -v qemu-system-x86_64 >/dev/null || { echo "skip: no qemu-system-x86_64"; exit 77; }
	bash "$ROOT/images/testnode/build.sh" "$ROOT/$BUILD/testnode" >/dev/null || exit 1
	mkdir -p "$W/assets" "$W/state"
	cp "$ROOT/$BUILD/testnode/vmlinuz" "$ROOT/$BUILD/testnode/initramfs.cpio.gz" "$W/assets/"
	ns_add "$NS"
	ip -n "$NS" link add br0 type bridge
	ns_addr "$NS" br0 192.168.2.2/24
	# TCG by default: on some hosts /dev/kvm accepts a guest and then
	# resets it mid-boot (nested virtualisation), which looks like a boot
	# failure; BOOTBOX_TEST_KVM=1 opts in where KVM is known to be sound
	KVM=
	if [ "${BOOTBOX_TEST_KVM:-0}" = 1 ] && [ -w /dev/kvm ]; then
		KVM="-enable-kvm -cpu host"
	fi
}

boot_config() {
	cat > "$W/bootbox.yaml" <<YAML
appliance:
  name: boot-test
  interface: br0
  address: 192.168.2.2
  state_dir: $W/state
dhcp:
  lease_time: 1h
  subnets:
    - subnet: 192.168.2.0/24
      pools: [192.168.2.100-192.168.2.150]
      router: 192.168.2.1
      dns: [192.168.2.2]
      domain: ring0.lan
tftp:
  root: /usr/lib/ipxe
http:
  listen: 0.0.0.0:8080
boot:
  assets_dir: $W/assets
  profiles:
    - id: testnode
      kernel: /assets/vmlinuz
      initrd: [/assets/initramfs.cpio.gz]
      args: [console=ttyS0, panic=-1, bootbox.tag=default]
$1
YAML
}

boot_serve() {
	BB_LOG=$W/bootbox.log
	bg "$NS" "$BB_LOG" "$BB" serve -c "$W/bootbox.yaml"
	BB_PID=$BG_PID
	wait_log "$BB_LOG" "serving as" 10 || { echo "bootbox did not start"; cat "$BB_LOG"; exit 1; }
}

# boot_qemu NAME MAC bios|uefi [extra qemu args]
boot_qemu() {
	local name=$1 mac=$2 fw=$3 tap=tap$TAPS netdev=${BOOT_NETDEV:-}
	shift 3
	TAPS=$((TAPS + 1))
	if [ -z "$netdev" ]; then
		ip -n "$NS" tuntap add "$tap" mode tap
		ip -n "$NS" link set "$tap" master br0 up
		netdev="tap,id=n0,ifname=$tap,script=no,downscript=no"
	fi
	QEMU_LOG=$W/$name.console
	local fwargs=()
	if [ "$fw" = uefi ]; then
		cp /usr/share/OVMF/OVMF_VARS_4M.fd "$W/$name.vars"
		fwargs=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
			-drive if=pflash,format=raw,file="$W/$name.vars")
	fi
	local qemu=(qemu-system-x86_64 $KVM -M q35 -m 512 -smp 1
		-display none -monitor none -serial "file:$QEMU_LOG" -no-reboot
		"${fwargs[@]}" -netdev "$netdev"
		-device virtio-net-pci,netdev=n0,mac="$mac","$@" -boot n)
	if [ -n "${BOOT_NETDEV:-}" ]; then
		"${qemu[@]}" >"$W/$name.qemu" 2>&1 &
		BG_PID=$!
		BG_PIDS+=("$BG_PID")
	else
		bg "$NS" "$W/$name.qemu" "${qemu[@]}"
	fi
	QEMU_PID=$BG_PID
}

boot_wait_callback() {
	local name=$1 mac=$2 secs=$3 i state
	for i in $(seq "$secs"); do
		if grep -q "BOOTBOX-TESTNODE: callback ok" "$W/$name.console" 2>/dev/null; then
			state=$(ip netns exec "$NS" curl -s "http://192.168.2.2:8080/api/v1/machines" |
				python3 -c "import json,sys; print([m['state'] for m in json.load(sys.stdin) if m['mac']=='$mac'][0])" 2>/dev/null)
			[ "$state" = booted ] && return 0
		fi
		kill -0 "$QEMU_PID" 2>/dev/null || break
		sleep 1
	done
	echo "--- $name console ---"; grep -v "^\[ *[0-9]" "$W/$name.console" 2>/dev/null | tail -40 | tr -d '\r'
	echo "--- $name qemu ---"; tail -5 "$W/$name.qemu" 2>/dev/null
	echo "--- bootbox log (tail) ---"; tail -15 "$BB_LOG"
	return 1
}
