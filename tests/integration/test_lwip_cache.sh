#!/usr/bin/env bash
# The Talos artifact cache of bootbox-lwip, filled over lwIP + mbedTLS from
# the local TLS factory (tests/integration/factory.py), which sits behind
# the bridge in a client namespace at 192.168.2.9 (the lwIP board has no
# resolver: talos.factory is an IPv4 literal, verified against the
# certificate's IP SAN). The host has no address on the segment. The
# prefetch's kernel is cut at half once and resumed with Range; after a
# reload to another version the factory redirects every artifact; each
# artifact in the cache is byte-identical to the factory's and curl gets
# it from bootbox-lwip over HTTP; a factory whose certificate is from
# another CA is refused; a fetch through an HTTP CONNECT proxy; while an
# artifact is still arriving, boot scripts have the node wait; a
# talos.customization is turned into its id by a POST over lwIP.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BOARD=lwip
. "$HERE/lib_netns.sh"
. "$HERE/lib_tls.sh"
board_bin
BB=$BOARD_BIN
need_root
S=bbcs-$$ C=bbcc-$$
ns_add "$S"; ns_add "$C"
board_link "$S" tap0 "$C" cli0
ns_addr "$C" cli0 192.168.2.9/24
D=$NS_TMP
make_test_ca "$D" 192.168.2.9
SCH=376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba
for v in v1.10.4 v1.11.0; do
	mkdir -p "$D/root/image/$SCH/$v"
	head -c $((6 << 20)) /dev/urandom >"$D/root/image/$SCH/$v/kernel-amd64"
	head -c 1500000 /dev/urandom >"$D/root/image/$SCH/$v/initramfs-amd64.xz"
	echo "talos.platform=metal console=ttyS0 $v" >"$D/root/image/$SCH/$v/cmdline-metal-amd64"
done
# three factories on one root: a cut (once per path), a redirect to /r/,
# and one whose certificate no configured CA signed
bg "$C" "$D/f1.log" python3 "$HERE/factory.py" --bind 192.168.2.9 --port 8443 \
	--root "$D/root" --cert "$D/srv.pem" --key "$D/srv.key" --fault cut
bg "$C" "$D/f2.log" python3 "$HERE/factory.py" --bind 192.168.2.9 --port 8444 \
	--root "$D/root" --cert "$D/srv.pem" --key "$D/srv.key" --fault redirect
bg "$C" "$D/f3.log" python3 "$HERE/factory.py" --bind 192.168.2.9 --port 8445 \
	--root "$D/root" --cert "$D/other.pem" --key "$D/other.key"
for l in f1 f2 f3; do wait_log "$D/$l.log" "factory ready" 10 || bad "factory $l started"; done

config() { # FACTORY-PORT VERSION [PROXY]
	cat >"$D/bootbox.yaml" <<YAML
appliance:
  name: lwip
  interface: tap0
  address: 192.168.2.2
  state_dir: $D/state
http:
  listen: 192.168.2.2:8080
boot:
  profiles:
    - id: talos
      kernel: /assets/talos/kernel-amd64
      initrd: [/assets/talos/initramfs-amd64.xz]
  groups:
    - id: all
      profile: talos
talos:
  factory: https://192.168.2.9:$1
  schematic: $SCH
  version: $2
  arches: [amd64]
  prefetch: true
  ca_bundle: $D/ca.pem
${3:+  proxy: $3}
YAML
}

# same ARTIFACT VERSION: the cached copy equals the factory's
same() {
	cmp -s "$D/state/cache/talos/$SCH/$2/$1" "$D/root/image/$SCH/$2/$1"
}

[ -z "$(ip -n "$S" -4 addr show dev br0 | grep inet)" ] &&
	[ -z "$(ip -n "$S" -4 addr show dev tap0 | grep inet)" ] &&
	ok "the TAP and the bridge have no host address" || bad "host addresses present"
config 8443 v1.10.4
t0=$(date +%s.%N)
bg "$S" "$D/bb.log" env BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$D/bootbox.yaml"
BBPID=$BG_PID
wait_log "$D/bb.log" "serving as" 10 || { bad "bootbox-lwip started"; cat "$D/bb.log"; finish; exit; }
ok "bootbox-lwip started on tap0"

if wait_log "$D/bb.log" "v1.10.4/kernel-amd64 cached" 120; then
	t1=$(date +%s.%N)
	ok "the prefetch filled kernel-amd64 over lwIP + mbedTLS ($(grep -o 'v1.10.4/kernel-amd64 cached.*' "$D/bb.log"))"
	echo "# cold fetch over lwIP, 6 MiB kernel with one cut and resume: $(echo "$t1 - $t0" | bc) s from start"
else
	bad "kernel-amd64 cached"; tail -20 "$D/bb.log"; finish; exit
fi
wait_log "$D/bb.log" "v1.10.4/initramfs-amd64.xz cached" 60 && wait_log "$D/bb.log" "v1.10.4/cmdline-metal-amd64 cached" 60 &&
	ok "initramfs and cmdline cached too" || bad "all three artifacts cached"
n=$(grep -c "^/image/$SCH/v1.10.4/kernel-amd64$" "$D/root/hits.log")
[ "$n" = 2 ] && grep -q "v1.10.4/kernel-amd64" "$D/bb.log" &&
	ok "the cut kernel was resumed: 2 upstream GETs" || bad "resume: $n GETs of the kernel"
same kernel-amd64 v1.10.4 && same initramfs-amd64.xz v1.10.4 && same cmdline-metal-amd64 v1.10.4 &&
	ok "the cached artifacts are byte-identical to the factory's" || bad "cached bytes differ"
want=$(sha256sum <"$D/root/image/$SCH/v1.10.4/kernel-amd64" | cut -d' ' -f1)
grep -q "^$SCH v1.10.4 kernel-amd64 $((6 << 20)) $want " "$D/state/cache/index" &&
	ok "the index records the kernel's length and sha256" || bad "index: $(head -3 "$D/state/cache/index")"

timeout 60 ip netns exec "$C" curl -s -o "$D/k1" "http://192.168.2.2:8080/assets/talos/kernel-amd64" &&
	cmp -s "$D/k1" "$D/root/image/$SCH/v1.10.4/kernel-amd64" &&
	ok "curl gets the cached kernel from bootbox-lwip, identical" || bad "serve the cached kernel"
s=$(timeout 20 ip netns exec "$C" curl -s "http://192.168.2.2:8080/ipxe?mac=52:54:00:aa:bb:cc")
grep -q "assets/talos/kernel-amd64" <<<"$s" && ok "the boot script names the cached kernel" || bad "script: $s"

# a reload to another version through the redirecting factory
config 8444 v1.11.0
kill -HUP "$BBPID"
if wait_log "$D/bb.log" "v1.11.0/kernel-amd64 cached" 120 && wait_log "$D/bb.log" "v1.11.0/initramfs-amd64.xz cached" 60; then
	ok "after a reload, v1.11.0 fetched through the factory's redirects"
else
	bad "v1.11.0 cached"; tail -20 "$D/bb.log"
fi
# (the factory logs /r/<path> as <path>: the 302 and the follow)
n=$(grep -c "^/image/$SCH/v1.11.0/kernel-amd64$" "$D/root/hits.log")
[ "$n" = 2 ] && same kernel-amd64 v1.11.0 &&
	ok "the redirected kernel (2 GETs: the 302, then /r/) is identical" || bad "redirected kernel: $n GETs"
timeout 60 ip netns exec "$C" curl -s -o "$D/k2" "http://192.168.2.2:8080/assets/talos/$SCH/v1.11.0/initramfs-amd64.xz" &&
	cmp -s "$D/k2" "$D/root/image/$SCH/v1.11.0/initramfs-amd64.xz" &&
	ok "curl gets the redirected initramfs from bootbox-lwip" || bad "serve the v1.11.0 initramfs"

# a factory with a certificate from another CA: refused, nothing cached
rm -rf "$D/root/image/$SCH/v1.12.0"; cp -r "$D/root/image/$SCH/v1.11.0" "$D/root/image/$SCH/v1.12.0"
config 8445 v1.12.0
kill -HUP "$BBPID"
wait_log "$D/bb.log" "v1.12.0/kernel-amd64: .*certificate refused" 30 &&
	[ ! -e "$D/state/cache/talos/$SCH/v1.12.0/kernel-amd64" ] &&
	ok "a certificate from another CA is refused ($(grep -o 'certificate refused.*' "$D/bb.log" | head -1))" ||
	bad "stranger certificate: $(grep v1.12.0 "$D/bb.log" | head -3)"

# through an HTTP CONNECT proxy (at an address too): TLS inside the tunnel
bg "$C" "$D/proxy.log" python3 "$HERE/connect_proxy.py" 3128 192.168.2.9
wait_log "$D/proxy.log" "proxy ready" 10 || bad "the proxy started"
cp -r "$D/root/image/$SCH/v1.11.0" "$D/root/image/$SCH/v1.13.0"
config 8444 v1.13.0 http://192.168.2.9:3128
kill -HUP "$BBPID"
wait_log "$D/bb.log" "v1.13.0/kernel-amd64 cached" 60 && grep -q "CONNECT 192.168.2.9:8444" "$D/proxy.log" &&
	same kernel-amd64 v1.13.0 && ok "through the CONNECT proxy: redirected, cached, identical" ||
	bad "proxy: $(tail -2 "$D/proxy.log") $(grep v1.13.0 "$D/bb.log" | tail -2)"

# while an artifact is arriving (a factory at 1 MB/s): the script names it
# and the node is streamed its bytes as they come
bg "$C" "$D/f4.log" python3 "$HERE/factory.py" --bind 192.168.2.9 --port 8446 \
	--root "$D/root" --cert "$D/srv.pem" --key "$D/srv.key" --rate 1000000
wait_log "$D/f4.log" "factory ready" 10 || bad "the slow factory started"
cp -r "$D/root/image/$SCH/v1.11.0" "$D/root/image/$SCH/v1.14.0"
config 8446 v1.14.0
kill -HUP "$BBPID"
wait_log "$D/bb.log" "cache: v1.14.0/kernel-amd64: [0-9]+ of" 20 >/dev/null
s=$(timeout 20 ip netns exec "$C" curl -s "http://192.168.2.2:8080/ipxe?mac=52:54:00:aa:bb:cc")
c=$(timeout 60 ip netns exec "$C" curl -s -o "$D/k4" -w '%{http_code}' "http://192.168.2.2:8080/assets/talos/kernel-amd64")
grep -q "assets/talos/kernel-amd64" <<<"$s" && [ "$c" = 200 ] && cmp -s "$D/k4" "$D/root/image/$SCH/v1.14.0/kernel-amd64" &&
	ok "mid-fetch: the script names the kernel and its bytes stream as they arrive, identical" ||
	bad "mid-fetch: $c $(head -3 <<<"$s")"
wait_log "$D/bb.log" "v1.14.0/kernel-amd64 cached" 60 >/dev/null && wait_log "$D/bb.log" "v1.14.0/initramfs-amd64.xz cached" 30 >/dev/null
s=$(timeout 20 ip netns exec "$C" curl -s "http://192.168.2.2:8080/ipxe?mac=52:54:00:aa:bb:cc")
grep -q "assets/talos/kernel-amd64" <<<"$s" && same kernel-amd64 v1.14.0 &&
	ok "once cached, the script names the kernel" || bad "after the slow fetch: $(head -3 <<<"$s")"

# a talos.customization: its id asked of the factory (POST /schematics
# over lwIP + mbedTLS, the board's outbound request) without a restart
config 8443 v1.14.0
sed -i "s|^  schematic: .*|  customization:\n    customization:\n      extraKernelArgs: [net.ifnames=0]|; s|^  prefetch: true|  prefetch: false|" "$D/bootbox.yaml"
want=$(python3 -c 'import hashlib,json
print(hashlib.sha256(json.dumps({"customization":{"extraKernelArgs":["net.ifnames=0"]}},sort_keys=True,separators=(",",":")).encode()).hexdigest())')
kill -HUP "$BBPID"
wait_log "$D/bb.log" "talos.customization is schematic $want" 30 >/dev/null && grep -q "^$want " "$D/root/schematics.log" &&
	ok "talos.customization POSTed to the factory over lwIP: its id" || bad "customization: $(grep -i customization "$D/bb.log" | tail -3)"

kill "$BBPID"
wait_log "$D/bb.log" "heap used max" 10 && grep "lwip: heap\|pool TCP_PCB " "$D/bb.log" | sed 's/^/# /'
! grep -qiE "asan|runtime error" "$D/bb.log" && ok "no sanitizer report" || bad "sanitizer: $(grep -iE 'asan|runtime error' "$D/bb.log" | head -3)"
finish
