#!/usr/bin/env bash
# make demo: the whole mission on the bundled example configuration
# (docs/example/bootbox.yaml), inside a private network namespace:
#   1. bootbox pki init, and Debian's multirootca serving the new CA at the
#      example's PKI address (192.168.2.4:8000);
#   2. a local TLS "factory" with the Image Factory's URL layout, serving a
#      test kernel, initramfs and command line;
#   3. bootbox check, cert request (the appliance's own certificate from
#      multirootca), cache fetch (the artifacts, verified);
#   4. bootbox serve, and a QEMU node (SeaBIOS + iPXE) that PXE-boots the
#      management machine's Talos profile through the cache, fetches its
#      machine config, listens like Talos and calls back;
#   5. the hand-off: bootbox sees the node up and hands off.
# What happens is printed step by step; the demo fails on any error line in
# bootbox's log. Nothing leaves the namespace; everything is torn down at
# the end, on Ctrl-C too.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
if [ "$(id -u)" != 0 ]; then echo "make demo needs root (network namespaces, tap)"; exit 1; fi
bash .ci/deps.sh >/dev/null || { echo "demo: installing dependencies failed"; exit 1; }
BUILD=${BUILD:-build}
make --no-print-directory -s all testnode BUILD="$BUILD" || exit 1
. tests/boot/lib.sh
. tests/integration/lib_tls.sh
boot_setup
MAC=52:54:00:12:34:56 # the example's management machine
SCH=a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35
VER=v1.10.4
API=http://192.168.2.2:8080
step() { echo; echo "== $*"; }
in_ns() { ip netns exec "$NS" "$@"; }
trap 'kill $(jobs -p) 2>/dev/null; ns_cleanup' EXIT
chmod 755 "$W" # serve drops to nobody: it must reach its files

step "1. PKI: bootbox pki init, then multirootca on 192.168.2.4:8000"
ip -n "$NS" addr add 192.168.2.4/24 dev br0
PKI_COUNTRY=FR PKI_STATE=IDF PKI_LOCATION=Paris PKI_ORG="Demo Cloud" PKI_ORG_UNIT=Ring0 \
	"$BB" pki init --out "$W/dist" | sed 's/^/   /' || exit 1
echo '{"CN":"pki.ring0.lan","hosts":["192.168.2.4"],"key":{"algo":"ecdsa","size":256}}' > "$W/pki-csr.json"
(cd "$W" && cfssl gencert -ca dist/intermediate-ca.pem -ca-key dist/intermediate-ca-key.pem \
	-config dist/config.json -profile host pki-csr.json 2>/dev/null | cfssljson -bare pki-srv) || exit 1
cat "$W/pki-srv.pem" "$W/dist/intermediate-ca.pem" > "$W/pki-chain.pem"
bg "$NS" "$W/multirootca.log" multirootca -a 192.168.2.4:8000 -l microcloud \
	-roots "$W/dist/multiroot-profile.ini" -tls-cert "$W/pki-chain.pem" -tls-key "$W/pki-srv-key.pem"
for i in $(seq 100); do in_ns bash -c 'exec 3<>/dev/tcp/192.168.2.4/8000' 2>/dev/null && break; sleep 0.1; done
echo "   multirootca serves label microcloud (intermediate CA from dist/)"

step "2. a local Image Factory (TLS, the factory's URL layout) on 127.0.0.1:9443"
make_test_ca "$W"
IMG=$W/factory/image/$SCH/$VER
mkdir -p "$IMG"
cp "$ROOT/$BUILD/testnode/vmlinuz" "$IMG/kernel-amd64"
cp "$ROOT/$BUILD/testnode/initramfs.cpio.gz" "$IMG/initramfs-amd64.xz"
echo "talos.platform=metal console=ttyS0 slab_nomerge pti=on" > "$IMG/cmdline-metal-amd64"
bg "$NS" "$W/factory.log" python3 tests/integration/factory.py --port 9443 \
	--root "$W/factory" --cert "$W/srv.pem" --key "$W/srv.key"
wait_log "$W/factory.log" "factory ready" 10 || { echo "the factory did not start"; exit 1; }
echo "   /image/$SCH/$VER/{kernel-amd64,initramfs-amd64.xz,cmdline-metal-amd64}"

# The example as it stands, moved into the namespace: the interface, the
# directories, the factory (the real one is on the internet), the PKI's
# files from step 1, and Talos' 6443 probe over plain HTTP (the test node's
# stand-in for Talos is not TLS). The test node listens like Talos.
python3 - "$W" <<'PY'
import re, sys
w = sys.argv[1]
y = open("docs/example/bootbox.yaml").read()
y = y.replace("interface: eth1", "interface: br0")
y = y.replace("state_dir: /var/lib/bootbox", "state_dir: %s/state\n  user: nobody" % w)
y = re.sub(r"\n  matchbox_dir: .*", "", y)
y = y.replace("assets_dir: /var/lib/bootbox/assets", "assets_dir: %s/assets" % w)
y = y.replace("console=ttyS0, ", "console=ttyS0, panic=-1, bootbox.listen=1, ")
y = y.replace("factory: https://factory.talos.dev", "factory: https://127.0.0.1:9443")
y = re.sub(r"ca_bundle: /etc/bootbox/extra-ca.pem.*", "ca_bundle: %s/ca.pem" % w, y)
y = y.replace("auth_key_file: /etc/bootbox/auth.key", "auth_key_file: %s/dist/auth.key" % w)
y = y.replace("ca_bundle: /etc/bootbox/bundle.crt", "ca_bundle: %s/dist/bundle.crt" % w)
y = y.replace('"https:6443/readyz"]', '"http:6443/readyz"]\n  interval: 2s')
open(w + "/bootbox.yaml", "w").write(y)
PY
mkdir -p "$W/assets/talos" "$W/state"
# the management node's machine config: served to its address only
printf 'version: v1alpha1 # demo machine config for management\nmachine:\n  type: controlplane\n' \
	> "$W/assets/talos/management.yaml"
chown nobody "$W/dist/auth.key"

step "3. bootbox check, cert request, cache fetch"
in_ns "$BB" check -c "$W/bootbox.yaml" | sed 's/^/   /' || exit 1
in_ns "$BB" cert request -c "$W/bootbox.yaml" | sed 's/^/   /' || { tail -3 "$W/multirootca.log"; exit 1; }
in_ns "$BB" cache fetch -c "$W/bootbox.yaml" 2>&1 | sed 's/^/   /'
in_ns "$BB" cache list -c "$W/bootbox.yaml" | sed 's/^/   /'

step "4. bootbox serve on br0 (192.168.2.2), then a QEMU node ($MAC) PXE-boots"
boot_serve
tail --pid=$$ -n +1 -f "$BB_LOG" | sed -u 's/^/   [bootbox] /' &
FOLLOW=$!
boot_qemu node "$MAC" bios
sleep 0.5
tail --pid=$$ -n +1 -f "$QEMU_LOG" 2>/dev/null | tr -d '\r' | grep --line-buffered -E "BOOTBOX-TESTNODE|iPXE|Kernel command line" |
	sed -u 's/^/   [node]    /' &
FOLLOW="$FOLLOW $!"
if ! boot_wait_callback node "$MAC" 240 >/dev/null; then
	echo "== demo failed: the node did not call back"
	exit 1
fi

step "5. the hand-off: bootbox probes the node (tcp:50000, http:6443/readyz)"
phase=
for i in $(seq 60); do
	phase=$(in_ns curl -s "$API/api/v1/handoff" | python3 -c 'import json,sys; print(json.load(sys.stdin)["phase"])' 2>/dev/null)
	[ "$phase" = handed-off ] && break
	sleep 1
done
sleep 1
# the log followers only: the services stay up for the summary
pkill -P $$ tail 2>/dev/null
kill $FOLLOW 2>/dev/null
wait $FOLLOW 2>/dev/null
echo
echo "== what bootbox knows now"
in_ns "$BB" status -c "$W/bootbox.yaml" | sed 's/^/   /'
echo
in_ns "$BB" machines -c "$W/bootbox.yaml" | sed 's/^/   /'
echo
in_ns "$BB" leases -c "$W/bootbox.yaml" | sed 's/^/   /'
echo "   the node's kernel line: $(grep -m1 -o 'Kernel command line:.*' "$QEMU_LOG" | tr -d '\r')"
echo "   its machine config: $(grep -m1 -o 'machine config [a-z]*' "$QEMU_LOG" | head -1)"
echo "   the appliance's certificate: $(openssl x509 -in "$W/state/certs/bootbox.crt" -noout -subject -enddate | tr '\n' ' ')"
errors=$(grep -E '^[^ ]* (error|err): |^<[0-3]>' "$BB_LOG")
if [ "$phase" != handed-off ]; then
	echo "== demo failed: no hand-off (phase: ${phase:-?})"
	exit 1
fi
if [ -n "$errors" ]; then
	echo "== demo failed: bootbox logged errors:"
	echo "$errors" | sed 's/^/   /'
	exit 1
fi
echo "== demo ok: PKI, certificate, cache, PXE boot, machine config, hand-off; no error lines"
exit 0
