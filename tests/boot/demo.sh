#!/usr/bin/env bash
# make demo: bootbox on the bundled example configuration
# (docs/example/bootbox.yaml, pointed at a private network namespace and a
# temporary state dir) PXE-boots one QEMU node. The node's serial console
# and bootbox's log are shown as they happen; everything is torn down at
# the end, on Ctrl-C too.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
if [ "$(id -u)" != 0 ]; then echo "make demo needs root (network namespaces, tap)"; exit 1; fi
bash .ci/deps.sh >/dev/null || { echo "demo: installing dependencies failed"; exit 1; }
BUILD=${BUILD:-build}
make --no-print-directory -s all testnode BUILD="$BUILD" || exit 1
. tests/boot/lib.sh
boot_setup
MAC=52:54:00:12:34:56 # the example's management machine

# The example as it stands, with the appliance moved into the namespace and
# its profile pointed at the test node (the Talos artifacts are not here).
python3 - "$W" <<'PY'
import re, sys
w = sys.argv[1]
y = open("docs/example/bootbox.yaml").read()
y = y.replace("interface: eth1", "interface: br0")
y = y.replace("state_dir: /var/lib/bootbox", "state_dir: %s/state" % w)
y = re.sub(r"\n  matchbox_dir: .*", "", y)
y = y.replace("assets_dir: /var/lib/bootbox/assets", "assets_dir: %s/assets" % w)
y = y.replace("  profiles:\n", "  profiles:\n    - id: testnode\n"
              "      kernel: /assets/vmlinuz\n      initrd: [/assets/initramfs.cpio.gz]\n"
              "      args: [console=ttyS0, panic=-1]\n", 1)
y = y.replace("    profile: talos           # shorthand", "    profile: testnode        # shorthand")
y = re.sub(r"\n  ca_bundle: /etc/bootbox/extra-ca.pem.*", "", y)
open(w + "/bootbox.yaml", "w").write(y)
PY
echo "== bootbox check"
"$BB" check --syntax -c "$W/bootbox.yaml" || exit 1  # the file: its PKI is not on this host
boot_serve
echo "== bootbox serving on br0 (192.168.2.2) inside namespace $NS; booting a QEMU node ($MAC)"
# the log followers end with the script (their pipelines are jobs that
# ns_cleanup must not wait for)
trap 'kill $(jobs -p) 2>/dev/null; ns_cleanup' EXIT
tail --pid=$$ -n +1 -f "$BB_LOG" | sed -u 's/^/[bootbox] /' &
boot_qemu node "$MAC" bios
sleep 0.5
tail --pid=$$ -n +1 -f "$QEMU_LOG" 2>/dev/null | tr -d '\r' | sed -u 's/^/[node]    /' &
if boot_wait_callback node "$MAC" 180 >/dev/null; then
	sleep 1
	echo
	echo "== the node booted from bootbox and called back:"
	ip netns exec "$NS" "$BB" machines -c "$W/bootbox.yaml"
	echo
	ip netns exec "$NS" "$BB" leases -c "$W/bootbox.yaml"
	echo "== demo ok"
	exit 0
fi
echo "== demo failed: the node did not call back"
exit 1
