#!/usr/bin/env bash
# A node boots with its kernel and initramfs coming through the artifact
# cache: first boot cold (bootbox fetches from a local TLS "factory" while
# streaming to the node), second boot warm with the factory stopped. The
# node fetches its machine config from /assets/talos/<name>.yaml, as Talos
# does, beside the cache.
set -u
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/lib_tls.sh"
MAC=52:54:00:be:ef:31
SCH=a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35
boot_setup
make_test_ca "$W"
IMG=$W/factory/image/$SCH/v1.10.4
mkdir -p "$IMG"
cp "$ROOT/$BUILD/testnode/vmlinuz" "$IMG/kernel-amd64"
cp "$ROOT/$BUILD/testnode/initramfs.cpio.gz" "$IMG/initramfs-amd64.xz"
echo "talos.platform=metal console=ttyS0 bootbox.factory=cmdline" > "$IMG/cmdline-metal-amd64"
# the factory listens on the namespace's own loopback
bg "$NS" "$W/factory.log" python3 "$ROOT/tests/integration/factory.py" --port 8443 \
	--root "$W/factory" --cert "$W/srv.pem" --key "$W/srv.key"
FPID=$BG_PID
mkdir -p "$W/assets/talos"
echo "# node1's machine config" > "$W/assets/talos/node1.yaml"
boot_config "    - id: talos
      kernel: /assets/talos/kernel-amd64
      initrd: [/assets/talos/initramfs-amd64.xz]
      args:
        - console=ttyS0
        - panic=-1
        - bootbox.tag=talos-cache
        - talos.config=http://192.168.2.2:8080/assets/talos/\${hostname}.yaml
machines:
  - name: node1
    mac: $MAC
    profile: talos
talos:
  factory: https://127.0.0.1:8443
  schematic: $SCH
  version: v1.10.4
  arches: [amd64]
  prefetch: false
  ca_bundle: $W/ca.pem"
wait_log "$W/factory.log" "factory ready" 10 || { bad "factory did not start"; finish; exit 1; }
boot_serve
boot_qemu node1 "$MAC" bios
if boot_wait_callback node1 "$MAC" 150; then ok "cold boot through the cache"; else bad "cold boot"; fi
grep -q "callback ok .*args=talos-cache" "$W/node1.console" && ok "the node ran the cached kernel's profile" || bad "profile"
grep -q "machine config ok: # node1's machine config" "$W/node1.console" \
	&& ok "the node fetched its machine config from /assets/talos/node1.yaml" || bad "no machine config"
grep -q "Kernel command line:.*talos.platform=metal console=ttyS0 bootbox.factory=cmdline panic=-1 " "$W/node1.console" \
	&& ok "the kernel line starts with the factory's cmdline" || bad "factory cmdline not on the kernel line"
grep -q "cache: fetching v1.10.4/kernel-amd64" "$BB_LOG" && grep -q "cache: v1.10.4/initramfs-amd64.xz cached" "$BB_LOG" \
	&& ok "fetched from the factory on first use" || bad "no cold fetch in the log"
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null
kill "$FPID"; wait "$FPID" 2>/dev/null
hits=$(wc -l < "$W/factory/hits.log")
# warm: the factory is gone, the machine boots again from the cache
ip netns exec "$NS" "$BB" machines -c "$W/bootbox.yaml" reinstall node1 >/dev/null
mv "$W/node1.console" "$W/node1.cold.console"
boot_qemu node1 "$MAC" bios
if boot_wait_callback node1 "$MAC" 150; then ok "warm boot with the factory stopped"; else bad "warm boot"; fi
[ "$(wc -l < "$W/factory/hits.log")" = "$hits" ] && ok "no upstream request on the warm boot" || bad "warm boot went upstream"
finish
