#!/usr/bin/env bash
# Talos end to end against a local TLS factory (issue 12): machine configs
# under /assets/talos/ beside the cache (200 from the machine's reserved
# address, 403 from another), artifacts through the cache; the factory's
# cmdline in /ipxe with the required args once each (the reference matchbox
# talos.json unchanged, and a `talos: true` profile); a pinned version
# cached and booted; `cache import` of a runbook-style assets/talos/ (verified
# online, unverified offline, a wrong size refused); wget'd artifacts served
# without import; talos.customization -> POST /schematics -> id used offline.
set -u
BUILD=${BUILD:-build}
BB=$BUILD/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$BB" ] || { echo "skip: $BB not built"; exit 77; }
. "$HERE/lib_tls.sh"
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
once() { [ "$(tr ' ' '\n' <<<"$1" | grep -cx -- "$2")" = 1 ]; }

make_test_ca "$T"
SCH=a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35
for v in v1.10.4 v1.11.0; do
	mkdir -p "$T/root/image/$SCH/$v"
	head -c 300000 /dev/urandom > "$T/root/image/$SCH/$v/kernel-amd64"
	head -c 200000 /dev/urandom > "$T/root/image/$SCH/$v/initramfs-amd64.xz"
	echo "talos.platform=metal console=tty0 init_on_alloc=1 slab_nomerge pti=on talos.environment=FACTORY_$v" \
		> "$T/root/image/$SCH/$v/cmdline-metal-amd64"
done
mkdir -p "$T/assets/talos" "$T/matchbox/profiles"
echo "machine: {type: controlplane}  # management's secrets" > "$T/assets/talos/management.yaml"
echo "an extra file" > "$T/assets/talos/extra.txt"
FPORT=$(free_port)
HPORT=$(free_port)
start_factory() {
	python3 "$HERE/factory.py" --port "$FPORT" --root "$T/root" --cert "$T/srv.pem" \
		--key "$T/srv.key" >/dev/null 2>&1 &
	FPID=$!; pids+=($FPID)
	wait_port "$FPORT" || bad "factory did not start"
}
stop_factory() { kill "$FPID"; wait "$FPID" 2>/dev/null; }
# the reference profile, as matchbox has it (args with initrd= and the
# required ones already there)
cat > "$T/matchbox/profiles/talos.json" <<JSON
{
  "id": "talos",
  "name": "Talos Linux (metal) network boot",
  "boot": {
    "kernel": "/assets/talos/kernel-amd64",
    "initrd": ["/assets/talos/initramfs-amd64.xz"],
    "args": [
      "initrd=initramfs-amd64.xz", "talos.platform=metal",
      "talos.config=http://127.0.0.1:$HPORT/assets/talos/\${hostname}.yaml",
      "console=tty0", "console=ttyS0", "init_on_alloc=1", "slab_nomerge", "pti=on",
      "consoleblank=0", "nvme_core.io_timeout=4294967295", "printk.devkmsg=on",
      "ima_template=ima-ng", "ima_appraise=fix", "ima_hash=sha512", "selinux=1"
    ]
  }
}
JSON
talos_section() { # extra lines for talos:
	cat <<YAML
talos:
  factory: https://127.0.0.1:$FPORT
  version: v1.10.4
  arches: [amd64]
  ca_bundle: $T/ca.pem
$1
YAML
}
write_config() { # state_dir, talos: extra
	cat > "$T/bootbox.yaml" <<YAML
appliance:
  name: test
  interface: lo
  address: 127.0.0.1
  state_dir: $1
http:
  listen: 127.0.0.1:$HPORT
boot:
  matchbox_dir: $T/matchbox
  assets_dir: $T/assets
  profiles:
    - id: short
      talos: true
      args: ["talos.config=http://127.0.0.1:$HPORT/assets/talos/\${hostname}.yaml"]
machines:
  - name: management
    mac: 52:54:00:12:34:56
    ip: 127.0.0.2
    profile: talos
  - name: worker1
    mac: 52:54:00:12:34:57
    ip: 127.0.0.3
    profile: short
    talos_version: v1.11.0
YAML
	talos_section "$2" >> "$T/bootbox.yaml"
}
serve() { # log
	BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$T/bootbox.yaml" > "$1" 2>&1 &
	BBPID=$!; pids+=($BBPID)
	wait_port "$HPORT" || { bad "bootbox did not start"; cat "$1"; }
}
stop_serve() { kill "$BBPID"; wait "$BBPID" 2>/dev/null; }
get() { curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "$@"; }

start_factory
write_config "$T/state" "  schematic: $SCH
  prefetch: true"
"$BB" check -c "$T/bootbox.yaml" >/dev/null || bad "check refuses the config"
serve "$T/bb.log"
U=http://127.0.0.1:$HPORT

# 1. one namespace, two sources
code=$(get --interface 127.0.0.2 "$U/assets/talos/management.yaml")
[ "$code" = 200 ] && cmp -s "$T/body" "$T/assets/talos/management.yaml" \
	&& ok "management.yaml: 200 from management's reserved address" || bad "management.yaml from its address: $code"
code=$(get --interface 127.0.0.3 "$U/assets/talos/management.yaml")
[ "$code" = 403 ] && ok "management.yaml: 403 from another machine's address" || bad "from another: $code"
code=$(get "$U/assets/talos/management.yaml")
[ "$code" = 403 ] && ok "management.yaml: 403 from a stranger" || bad "from a stranger: $code"
code=$(get "$U/assets/talos/extra.txt")
[ "$code" = 200 ] && ok "an extra file under /assets/talos/ is served from assets_dir" || bad "extra file: $code"
code=$(get "$U/assets/talos/nothing.yaml")
[ "$code" = 404 ] && ok "a missing file: 404" || bad "missing file: $code"
for i in $(seq 1 100); do
	[ -e "$T/state/cache/talos/$SCH/v1.11.0/cmdline-metal-amd64" ] && \
	[ -e "$T/state/cache/talos/$SCH/v1.10.4/cmdline-metal-amd64" ] && break; sleep 0.1
done
code=$(get "$U/assets/talos/kernel-amd64")
[ "$code" = 200 ] && cmp -s "$T/body" "$T/root/image/$SCH/v1.10.4/kernel-amd64" && \
	grep -qx "/image/$SCH/v1.10.4/kernel-amd64" "$T/root/hits.log" \
	&& ok "kernel-amd64 still comes through the cache (fetched from the factory)" || bad "kernel through the cache: $code"
code=$(get "$U/assets/talos/initramfs-amd64.xz")
[ "$code" = 200 ] && cmp -s "$T/body" "$T/root/image/$SCH/v1.10.4/initramfs-amd64.xz" && ok "initramfs too" || bad "initramfs: $code"
ls "$T/state/cache/talos/$SCH/v1.11.0/kernel-amd64" >/dev/null 2>&1 && ok "the pinned version v1.11.0 is prefetched too" || bad "pinned version not cached"

# 3. the factory's cmdline in /ipxe
s=$(curl -s "$U/ipxe?mac=52-54-00-12-34-56")
k=$(grep '^kernel ' <<<"$s")
if [[ $k == "kernel /assets/talos/kernel-amd64 "* ]] && once "$k" talos.environment=FACTORY_v1.10.4 && once "$k" init_on_alloc=1 \
	&& once "$k" talos.platform=metal && once "$k" slab_nomerge && once "$k" pti=on && once "$k" initrd=initramfs-amd64.xz \
	&& once "$k" "talos.config=http://127.0.0.1:$HPORT/assets/talos/\${hostname}.yaml" && once "$k" console=ttyS0; then
	ok "reference talos.json: factory cmdline + profile args, required ones exactly once"
else bad "reference profile kernel line: $k"; fi
s=$(curl -s "$U/ipxe?mac=52-54-00-12-34-57")
k=$(grep '^kernel ' <<<"$s")
if [[ $k == "kernel /assets/talos/$SCH/v1.11.0/kernel-amd64 "* ]] && once "$k" talos.environment=FACTORY_v1.11.0 \
	&& once "$k" talos.platform=metal && once "$k" slab_nomerge && once "$k" pti=on && once "$k" initrd=initramfs-amd64.xz \
	&& grep -q "^initrd /assets/talos/$SCH/v1.11.0/initramfs-amd64.xz " <<<"$s"; then
	ok "talos: true + talos_version pin: the pinned image and its cmdline"
else bad "talos: true profile: $s"; fi

get --interface 127.0.0.3 "$U/assets/talos/$SCH/v1.11.0/kernel-amd64" >/dev/null
sleep 0.2
grep -q "worker1 fetched its kernel" "$T/bb.log" && ok "the pinned kernel counts as worker1's kernel (boot state)" || bad "no kernel state for worker1"

# 6. which version each machine booted
m=$("$BB" machines -c "$T/bootbox.yaml" 2>&1)
grep -q "^management .* v1.10.4 " <<<"$m" && grep -q "^worker1 .* v1.11.0 " <<<"$m" \
	&& ok "bootbox machines shows the Talos version each one booted" || bad "machines: $m"
stop_serve

# 2. cache import of a runbook-style assets/talos/ (wget'd)
R=$T/runbook/assets/talos
mkdir -p "$R"
cp "$T/root/image/$SCH/v1.10.4/kernel-amd64" "$T/root/image/$SCH/v1.10.4/initramfs-amd64.xz" "$R/"
write_config "$T/state2" "  schematic: $SCH
  prefetch: false"
out=$("$BB" cache import -c "$T/bootbox.yaml" "$R" 2>&1)
[ $? = 0 ] && [ "$(grep -c "imported, verified" <<<"$out")" = 2 ] && ok "cache import (factory up): both verified against the factory's length" \
	|| bad "import online: $out"
out=$("$BB" cache list -c "$T/bootbox.yaml" 2>&1)
grep -q "kernel-amd64 .* verified" <<<"$out" && ok "cache list shows the import as verified" || bad "list: $out"
head -c 1000 /dev/urandom > "$T/kernel-amd64"
out=$("$BB" cache import -c "$T/bootbox.yaml" "$T/kernel-amd64" 2>&1)
[ $? = 1 ] && grep -q "REFUSED" <<<"$out" && ok "a file whose length differs from the factory's is refused" || bad "wrong size: $out"
stop_factory
write_config "$T/state3" "  schematic: $SCH
  prefetch: false"
out=$("$BB" cache import -c "$T/bootbox.yaml" "$R" 2>&1)
[ $? = 0 ] && [ "$(grep -c "imported, unverified" <<<"$out")" = 2 ] && ok "cache import (factory down): recorded as imported, unverified" \
	|| bad "import offline: $out"
out=$("$BB" cache list -c "$T/bootbox.yaml" 2>&1)
grep -q "initramfs-amd64.xz .* imported" <<<"$out" && ok "cache list shows it as imported" || bad "list offline: $out"
serve "$T/bb3.log"
code=$(get "$U/assets/talos/kernel-amd64")
[ "$code" = 200 ] && cmp -s "$T/body" "$R/kernel-amd64" && ok "offline: the imported kernel is served from the cache" || bad "imported serve: $code"
stop_serve

# wget'd artifacts in assets_dir/talos/ are used without an import
cp "$R/kernel-amd64" "$T/assets/talos/kernel-amd64"
mkdir -p "$T/matchbox/assets/talos"
cp "$R/initramfs-amd64.xz" "$T/matchbox/assets/talos/"
write_config "$T/state4" "  schematic: $SCH
  prefetch: false"
serve "$T/bb4.log"
code=$(get "$U/assets/talos/kernel-amd64")
[ "$code" = 200 ] && cmp -s "$T/body" "$R/kernel-amd64" && ok "offline, not imported: assets_dir/talos/kernel-amd64 is served" || bad "wget'd file: $code"
code=$(get "$U/assets/talos/initramfs-amd64.xz")
[ "$code" = 200 ] && cmp -s "$T/body" "$R/initramfs-amd64.xz" && ok "... and matchbox_dir/assets/talos/initramfs-amd64.xz" || bad "matchbox wget'd file: $code"
# the wget script never fetched the cmdline: offline, the node still boots
# on its profile's args (as before), with a warning
curl -s --max-time 5 "$U/ipxe?mac=52-54-00-12-34-56" >/dev/null
sleep 1
k=$(curl -s --max-time 5 "$U/ipxe?mac=52-54-00-12-34-56" | grep '^kernel ')
[[ $k == "kernel /assets/talos/kernel-amd64 "* ]] && once "$k" talos.platform=metal && once "$k" pti=on \
	&& grep -q "booting without the factory's kernel command line" "$T/bb4.log" \
	&& ok "no cmdline to be had: boots on the profile's args, with a warning" || bad "no cmdline: $k"
stop_serve
rm -rf "$T/assets/talos/kernel-amd64" "$T/matchbox/assets"

# 5. UEFI HTTP boot of an arm64 client (option 93 = 19) asks for
# /ipxe-arm64.efi: tftp.root lacks it, the trixie iPXE dir has it
mkdir -p "$T/tftproot" "$T/ipxe-extra"
echo "arm64 ipxe" > "$T/ipxe-extra/ipxe-arm64.efi"
write_config "$T/state4" "  schematic: $SCH
  prefetch: false"
printf 'tftp:\n  root: %s\n  port: %s\n' "$T/tftproot" "$(free_port)" >> "$T/bootbox.yaml"
BOOTBOX_IPXE_EXTRA=$T/ipxe-extra serve "$T/bb7.log"
code=$(get "$U/ipxe-arm64.efi")
[ "$code" = 200 ] && grep -q "arm64 ipxe" "$T/body" && ok "HTTP boot file ipxe-arm64.efi from the fallback iPXE dir" || bad "ipxe-arm64.efi: $code"
out=$(curl -s --max-time 5 -w '%{http_code}' "tftp://127.0.0.1:$(sed -n 's/^  port: //p' "$T/bootbox.yaml")/ipxe-arm64.efi" -o "$T/tftp.out")
grep -q "arm64 ipxe" "$T/tftp.out" 2>/dev/null && ok "TFTP: ipxe-arm64.efi from the fallback too" || bad "tftp fallback: $out"
stop_serve

# 4. a schematic from its customization
start_factory
CUST="  customization:
    customization:
      extraKernelArgs: [net.ifnames=0, talos.dashboard.disabled=1]
      systemExtensions:
        officialExtensions: [siderolabs/iscsi-tools, siderolabs/util-linux-tools]
      meta:
        - key: 12
          value: \"machine-1\"
  prefetch: false"
write_config "$T/state5" "$CUST"
want=$(python3 -c 'import hashlib,json
b={"customization":{"extraKernelArgs":["net.ifnames=0","talos.dashboard.disabled=1"],
 "systemExtensions":{"officialExtensions":["siderolabs/iscsi-tools","siderolabs/util-linux-tools"]},
 "meta":[{"key":12,"value":"machine-1"}]}}
print(hashlib.sha256(json.dumps(b,sort_keys=True,separators=(",",":")).encode()).hexdigest())')
out=$("$BB" check -c "$T/bootbox.yaml" 2>&1)
[ $? = 0 ] && grep -q "not known yet" <<<"$out" && ok "check: customization accepted, id not known yet" || bad "check before: $out"
serve "$T/bb5.log"
# the factory is asked without holding the loop: its answer comes later
for i in $(seq 100); do grep -q "talos.customization is schematic" "$T/bb5.log" && break; sleep 0.1; done
grep -q "talos.customization is schematic $want" "$T/bb5.log" && ok "serve POSTed the customization: the factory's id ($want)" \
	|| bad "no id: $(grep customization "$T/bb5.log")"
stop_serve
posts=$(wc -l < "$T/root/schematics.log")
stop_factory
out=$("$BB" check -c "$T/bootbox.yaml" 2>&1)
grep -q "talos.customization: schematic $want" <<<"$out" && ok "check shows the recorded id" || bad "check after: $out"
serve "$T/bb6.log"
grep -q "talos.customization is schematic $want" "$T/bb6.log" && [ "$(wc -l < "$T/root/schematics.log")" = "$posts" ] \
	&& ok "offline restart: the recorded id is used, no POST" || bad "offline id: $(cat "$T/bb6.log")"
curl -s "$U/ipxe?mac=52-54-00-12-34-57" >/dev/null
sleep 1
s=$(curl -s "$U/ipxe?mac=52-54-00-12-34-57")
grep -q "v1.11.0/kernel-amd64 is not cached" <<<"$s" && grep -q "$want" "$T/bb6.log" \
	&& ok "the id names the image the nodes ask for" || bad "ipxe with customization: $s"
code=$(get "$U/assets/talos/$want/v1.10.4/kernel-amd64")
[ "$code" = 502 ] && ok "its artifacts go to the cache (502: factory down, not cached)" || bad "customized artifact: $code"
stop_serve
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
