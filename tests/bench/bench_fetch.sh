#!/usr/bin/env bash
# Cold artifact fetch throughput: `bootbox cache fetch` (mbedTLS, sha256 as
# the bytes land, fdatasync, atomic publish) against curl (OpenSSL) writing
# the same file, from the same local HTTPS server (nginx, sendfile off for
# TLS) on loopback, in the same run. Median of BENCH_RUNS runs each. The
# target is mbedTLS's own ceiling: tests/tools/tls_ceiling measures, in the
# same run, the decryption rate on one core of the AEAD of the cipher suite
# the fetch negotiated (which the fetch reports), best of three.
# Then DHCP latency while `bootbox serve` makes the same cold fetch (TLS
# decryption must not stall its loop): tests/tools/storm's machines DHCP
# through a relay address from a client namespace during the fetch.
# Then warm serving: 16 parallel downloads of the cached artifact from
# `bootbox serve` (its /assets/talos/ route) against nginx (sendfile on)
# serving the same file over plain HTTP.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
BB=$BUILD/bootbox
[ -x "$BB" ] && [ -x "$BUILD/tools/tls_ceiling" ] && [ -x "$BUILD/tools/storm" ] || make -s BUILD="$BUILD" >/dev/null
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
bb_one() { # prints wall seconds; its CPU seconds (user + sys) to bb.cpu
	rm -rf "$T/state"; mkdir -p "$T/state"
	local t0 t1 TIMEFORMAT='%U %S'
	t0=$(date +%s.%N)
	{ time "$BB" cache fetch -c "$T/bootbox.yaml" > "$T/bb.out" 2>&1; } 2>> "$T/bb.cpu"
	t1=$(date +%s.%N)
	awk "BEGIN {print $t1 - $t0}"
}
curl_one() { rm -f "$T/out"; secs curl -s --cacert "$T/ca.pem" -o "$T/out" "$URL"; }
# the origin's CPU (nginx's master and worker, clock ticks): on 2 cores
# it shares the machine with the fetch
ticks() {
	local p t=0
	for p in $NPID $(cat /proc/"$NPID"/task/*/children 2>/dev/null); do
		t=$((t + $(awk '{print $14 + $15}' /proc/"$p"/stat 2>/dev/null || echo 0)))
	done
	echo "$t"
}
n0=$(ticks)
bb=$(for i in $(seq "$RUNS"); do bb_one; done | median)
n1=$(ticks)
cu=$(for i in $(seq "$RUNS"); do curl_one; done | median)
# sanity: both really fetched the file
cmp -s "$T/out" "$T/www/image/$SCH/v1.10.4/kernel-amd64" || { echo "curl fetch failed"; exit 1; }
cmp -s "$T/state/cache/talos/$SCH/v1.10.4/kernel-amd64" "$T/www/image/$SCH/v1.10.4/kernel-amd64" ||
	{ echo "bootbox fetch failed"; exit 1; }
rate() { awk "BEGIN {print $MIB / $1}"; }
# "kernel-amd64: fetched (N bytes from HOST, SUITE[, 2 connections])"
suite=$(sed -n 's/.*kernel-amd64: fetched (.* bytes from [^,]*, \(TLS-[A-Z0-9-]*\).*/\1/p' "$T/bb.out")
conns=$(grep -q "kernel-amd64: fetched.*2 connections" "$T/bb.out" && echo 2 || echo 1)
# the best of three: the ceiling on an uncontended core
ceil=$(for i in 1 2 3; do "$BUILD/tools/tls_ceiling" -m 500 "${suite:-chacha20-poly1305}"; done |
	awk '$5 > m {m = $5} END {print m}')
printf '%-28s %8s %10s\n' "fetch ($MIB MiB over TLS)" "seconds" "MiB/s"
printf '%-28s %8.2f %10.0f\n' "curl (OpenSSL)" "$cu" "$(rate "$cu")"
printf '%-28s %8.2f %10.0f\n' "bootbox cache fetch" "$bb" "$(rate "$bb")"
printf 'negotiated: %s, %s connection(s); mbedTLS ceiling (its AEAD decrypting on one core): %s MiB/s\n' \
	"${suite:-?}" "$conns" "${ceil:-?}"
# CPU, which the machine's other load does not change: what the fetch
# spends against what the decryption alone costs at the ceiling
printf 'bootbox CPU per fetch (user+sys, median): %.2f s; the decryption alone at the ceiling: %.2f s\n' \
	"$(awk '{print $1 + $2}' "$T/bb.cpu" | median)" "$(awk -v c="${ceil:-0}" "BEGIN {print (c > 0 ? $MIB / c : 0)}")"
printf 'the origin (nginx) CPU per fetch: %.2f s (both share the 2 cores)\n' \
	"$(awk "BEGIN {print ($n1 - $n0) / $(getconf CLK_TCK) / $RUNS}")"
printf 'ratio bootbox/ceiling: %.2f (target >= 0.85); bootbox/curl: %.2f\n' \
	"$(awk -v c="${ceil:-0}" "BEGIN {print (c > 0 ? $MIB / $bb / c : 0)}")" "$(awk "BEGIN {print $cu / $bb}")"

# BENCH_FETCH_COLD_ONLY=1: only the cold fetch (for back-to-back pairs)
[ -n "${BENCH_FETCH_COLD_ONLY:-}" ] && exit 0

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

# --- DHCP while serve makes the cold fetch ------------------------------
if [ "$(id -u)" != 0 ] || ! ip netns add "bb-probe-$$" 2>/dev/null; then
	echo "DHCP during a cold fetch: skipped (needs root and network namespaces)"
	exit 0
fi
ip netns del "bb-probe-$$"
. tests/integration/lib_netns.sh
trap 'ns_cleanup; cleanup' EXIT
kill "$BPID" 2>/dev/null; wait "$BPID" 2>/dev/null; BPID=
S=bbfs-$$ C=bbfc-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" srv0 "$C" cli0
ns_addr "$S" srv0 10.14.0.2/16
ns_addr "$C" cli0 10.14.0.5/16
# the same factory, on the server namespace's loopback
cat > "$T/nginx-ns.conf" <<NGX
daemon off;
worker_processes 1;
pid $T/nginx-ns.pid;
error_log $T/logs/error-ns.log;
events { worker_connections 64; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $T/srv.pem;
    ssl_certificate_key $T/srv.key;
    root $T/www;
  }
}
NGX
bg "$S" "$T/nginx-ns.log" nginx -p "$T" -c "$T/nginx-ns.conf"
mkdir -p "$T/assets" "$T/state2"
head -c 4096 /dev/urandom > "$T/assets/k"
head -c 4096 /dev/urandom > "$T/assets/i"
cat > "$T/serve.yaml" <<YAML
appliance: {name: bench, interface: srv0, address: 10.14.0.2, state_dir: $T/state2}
dhcp:
  lease_time: 1h
  subnets:
    - subnet: 10.14.0.0/16
      pools: [10.14.16.0-10.14.31.255]
      router: 10.14.0.1
http: {listen: 10.14.0.2:8080}
boot:
  assets_dir: $T/assets
  profiles:
    - {id: node, kernel: /assets/k, initrd: [/assets/i], args: [console=ttyS0]}
  groups:
    - {id: all, profile: node}
talos:
  factory: https://127.0.0.1:$PORT
  schematic: $SCH
  version: v1.10.4
  arches: [amd64]
  prefetch: false
  ca_bundle: $T/ca.pem
YAML
bg "$S" "$T/serve2.log" env BOOTBOX_LOG=warn BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$T/serve.yaml"
inc() { ip netns exec "$C" "$@"; }
for i in $(seq 100); do
	inc curl -sf -o /dev/null --max-time 1 http://10.14.0.2:8080/boot.ipxe && break
	sleep 0.1
done
# machines spread over most of the fetch's expected duration
win=$(awk "BEGIN {print int($bb * 700)}")
storm() { inc "$BUILD/tools/storm" -s 10.14.0.2 -g 10.14.0.5 -n 200 -w "$win" -k /assets/k -i /assets/i -t 60 -m "$1"; }
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
idle=$(storm 20)
t0=$(date +%s.%N)
inc curl -s -o "$T/cold" "http://10.14.0.2:8080/assets/talos/$SCH/v1.10.4/kernel-amd64" &
CPID=$!
sleep 0.05
during=$(storm 21)
t1=$(date +%s.%N)
wait "$CPID"
t2=$(date +%s.%N)
cmp -s "$T/cold" "$T/www/image/$SCH/v1.10.4/kernel-amd64" || echo "the cold fetch through serve failed"
printf 'cold fetch inside serve: %.2f s, %.0f MiB/s; DHCP sampled for %.2f s of it (%s machines, %s failed)\n' \
	"$(awk "BEGIN {print $t2 - $t0}")" "$(awk "BEGIN {print $MIB / ($t2 - $t0)}")" \
	"$(awk "BEGIN {print $t1 - $t0}")" "$(field "$during" clients)" "$(field "$during" failed)"
printf 'DHCP DORA latency during the cold fetch: p50 %s p99 %s max %s ms (idle: p50 %s p99 %s max %s) (target p99 < 10 ms)\n' \
	"$(field "$during" dhcp_p50_ms)" "$(field "$during" dhcp_p99_ms)" "$(field "$during" dhcp_max_ms)" \
	"$(field "$idle" dhcp_p50_ms)" "$(field "$idle" dhcp_p99_ms)" "$(field "$idle" dhcp_max_ms)"
