#!/usr/bin/env bash
# Cold artifact fetch throughput: `bootbox cache fetch` (mbedTLS, sha256 as
# the bytes land, fdatasync, atomic publish) against curl (OpenSSL) writing
# the same file, from the same local HTTPS server (nginx, sendfile off for
# TLS) on loopback, in the same run. Median of BENCH_RUNS runs each. The
# target is mbedTLS's own ceiling: tests/tools/tls_ceiling measures, in the
# same run, the decryption rate on one core of the AEAD of the cipher suite
# the fetch negotiated (which the fetch reports).
# Then DHCP latency while `bootbox serve` makes the same cold fetch (TLS
# decryption must not stall its loop): tests/tools/storm's machines DHCP
# through a relay address from a client namespace during the fetch.
# Then warm serving: 16 parallel downloads of the cached artifact from
# `bootbox serve` (its /assets/talos/ route) against nginx (sendfile on)
# serving the same file over plain HTTP.
set -u
cd "$(dirname "$0")/../.."
BB=$PWD/build/bootbox
[ -x "$BB" ] && [ -x build/tools/tls_ceiling ] && [ -x build/tools/storm ] || make -s >/dev/null
command -v nginx >/dev/null || { echo "skip: no nginx"; exit 0; }
. tests/integration/lib_tls.sh
RUNS=${BENCH_RUNS:-3}
MIB=${BENCH_FETCH_MIB:-256}
T=$(mktemp -d)
NPID= BPID=
cleanup() {
	[ -n "$NPID" ] && kill "$NPID" 2>/dev/null
	[ -n "$BPID" ] && kill "$BPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${BENCH_DEBUG:-}" ] && set -x
make_test_ca "$T"
chmod 755 "$T" # nginx's workers read the files as another user
SCH=a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35
mkdir -p "$T/www/image/$SCH/v1.10.4" "$T/logs"
head -c $((MIB << 20)) /dev/urandom > "$T/www/image/$SCH/v1.10.4/kernel-amd64"
# bootbox fetches both artifacts of the arch: the second is tiny
head -c 4096 /dev/urandom > "$T/www/image/$SCH/v1.10.4/initramfs-amd64.xz"
echo "talos.platform=metal" > "$T/www/image/$SCH/v1.10.4/cmdline-metal-amd64"
PORT=$(free_port)
HPORT=$(free_port)
cat > "$T/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $T/srv.pem;
    ssl_certificate_key $T/srv.key;
    root $T/www;
  }
  server {
    listen 127.0.0.1:$HPORT;
    sendfile on;
    root $T/www;
  }
}
NGX
nginx -p "$T" -c "$T/nginx.conf" &
NPID=$!
wait_port "$PORT" || { echo "nginx did not start"; exit 1; }
cat > "$T/bootbox.yaml" <<YAML
appliance:
  name: bench
  interface: lo
  address: 127.0.0.1
  state_dir: $T/state
talos:
  factory: https://127.0.0.1:$PORT
  schematic: $SCH
  version: v1.10.4
  arches: [amd64]
  ca_bundle: $T/ca.pem
YAML
URL=https://127.0.0.1:$PORT/image/$SCH/v1.10.4/kernel-amd64
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); awk "BEGIN {print $t1 - $t0}"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bb_one() {
	rm -rf "$T/state"; mkdir -p "$T/state"
	local t0 t1
	t0=$(date +%s.%N)
	"$BB" cache fetch -c "$T/bootbox.yaml" > "$T/bb.out" 2>&1
	t1=$(date +%s.%N)
	awk "BEGIN {print $t1 - $t0}"
}
curl_one() { rm -f "$T/out"; secs curl -s --cacert "$T/ca.pem" -o "$T/out" "$URL"; }
bb=$(for i in $(seq "$RUNS"); do bb_one; done | median)
cu=$(for i in $(seq "$RUNS"); do curl_one; done | median)
# sanity: both really fetched the file
cmp -s "$T/out" "$T/www/image/$SCH/v1.10.4/kernel-amd64" || { echo "curl fetch failed"; exit 1; }
cmp -s "$T/state/cache/talos/$SCH/v1.10.4/kernel-amd64" "$T/www/image/$SCH/v1.10.4/kernel-amd64" ||
	{ echo "bootbox fetch failed"; exit 1; }
rate() { awk "BEGIN {print $MIB / $1}"; }
# "kernel-amd64: fetched (N bytes from HOST, SUITE[, 2 connections])"
suite=$(sed -n 's/.*kernel-amd64: fetched (.* bytes from [^,]*, \(TLS-[A-Z0-9-]*\).*/\1/p' "$T/bb.out")
conns=$(grep -q "kernel-amd64: fetched.*2 connections" "$T/bb.out" && echo 2 || echo 1)
ceil=$(build/tools/tls_ceiling -m 1000 "${suite:-chacha20-poly1305}" | awk '{print $5}')
printf '%-28s %8s %10s\n' "fetch ($MIB MiB over TLS)" "seconds" "MiB/s"
printf '%-28s %8.2f %10.0f\n' "curl (OpenSSL)" "$cu" "$(rate "$cu")"
printf '%-28s %8.2f %10.0f\n' "bootbox cache fetch" "$bb" "$(rate "$bb")"
printf 'negotiated: %s, %s connection(s); mbedTLS ceiling (its AEAD decrypting on one core): %s MiB/s\n' \
	"${suite:-?}" "$conns" "${ceil:-?}"
printf 'ratio bootbox/ceiling: %.2f (target >= 0.85); bootbox/curl: %.2f\n' \
	"$(awk -v c="${ceil:-0}" "BEGIN {print c > 0 ? $MIB / $bb / c : 0}")" "$(awk "BEGIN {print $cu / $bb}")"

# --- warm serving --------------------------------------------------------
BPORT=$(free_port)
TPORT=$(free_port)
cat >> "$T/bootbox.yaml" <<YAML
http:
  listen: 127.0.0.1:$BPORT
tftp:
  port: $TPORT
YAML
BOOTBOX_LOG=warn BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$T/bootbox.yaml" >"$T/serve.log" 2>&1 &
BPID=$!
wait_port "$BPORT" || { echo "bootbox serve did not start"; cat "$T/serve.log"; exit 1; }
para() { # url: 16 parallel downloads, seconds for all
	local t0 t1 i
	t0=$(date +%s.%N)
	for i in $(seq 16); do curl -s -o /dev/null "$1" & done
	wait $(jobs -p | grep -v -e "^$NPID$" -e "^$BPID$") 2>/dev/null
	t1=$(date +%s.%N)
	awk "BEGIN {print $t1 - $t0}"
}
# the cache holds it: bootbox must not fetch (nor fail)
curl -sf -o /dev/null "http://127.0.0.1:$BPORT/assets/talos/$SCH/v1.10.4/kernel-amd64" ||
	{ echo "bootbox does not serve the cached artifact:"; curl -s -o /dev/null -w "HTTP %{http_code}\n" "http://127.0.0.1:$BPORT/assets/talos/$SCH/v1.10.4/kernel-amd64"; tail -5 "$T/serve.log"; exit 1; }
bw=$(for i in $(seq "$RUNS"); do para "http://127.0.0.1:$BPORT/assets/talos/$SCH/v1.10.4/kernel-amd64"; done | median)
nw=$(for i in $(seq "$RUNS"); do para "http://127.0.0.1:$HPORT/image/$SCH/v1.10.4/kernel-amd64"; done | median)
printf '%-28s %8s %10s\n' "warm 16 x $MIB MiB (HTTP)" "seconds" "MiB/s"
printf '%-28s %8.2f %10.0f\n' "nginx (sendfile)" "$nw" "$(awk "BEGIN {print 16 * $MIB / $nw}")"
printf '%-28s %8.2f %10.0f\n' "bootbox /assets/talos/" "$bw" "$(awk "BEGIN {print 16 * $MIB / $bw}")"
printf 'ratio bootbox/nginx warm: %.2f (target >= 1.0, as the HTTP benchmark)\n' "$(awk "BEGIN {print $nw / $bw}")"
