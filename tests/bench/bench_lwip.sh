#!/usr/bin/env bash
# The lwIP board beside the Linux board, in the same run, same load, same
# shape of segment: the server's namespace has a bridge joined to the
# client's by a veth; the Linux board serves on that bridge (it carries the
# address), bootbox-lwip on a TAP in the bridge (the bridge has no host
# address). Figures per board:
#   DHCP   perfdhcp as a relay, DORA/s and the server's CPU per exchange
#          (/proc/PID/stat utime+stime before and after)
#   TFTP   tests/tools/tftp_get, windowsize 16, blksize 1468, 32 MiB: MiB/s
#   HTTP   16 curl at once, 64 MiB each: MiB/s in all; wrk on a 1 KiB file
#          over 16 keep-alive connections: requests/s
#   RAM    peak RSS (VmHWM); for lwIP, its own peaks (heap, pools: the
#          board logs them at stop) after 64 HTTP clients at once, in bytes
#          from each pool's element size in the binary, and the static
#          reservation (lwIP heap + pools + bootbox's tables, nm)
# Targets: lwIP >= 0.5x Linux on each throughput; lwIP pools + heap +
# bootbox's own tables <= 1 MiB while serving 64 clients.
set -u
. "$(dirname "$0")/lib_bench.sh"
LW=$BUILD/bootbox-lwip
[ -x "$LW" ] || { echo "skip: no $LW (make firmware)"; exit 0; }
[ -c /dev/net/tun ] || { echo "skip: no /dev/net/tun"; exit 0; }
need_cmds perfdhcp curl wrk
SECS=${BENCH_SECONDS:-10}
RATE=${BENCH_RATE:-5000}
MIB=${BENCH_TFTP_MIB:-32}
HMIB=${BENCH_HTTP_MIB:-64}
D=$NS_TMP
chmod 755 "$D"
mkdir -p "$D/root" "$D/assets"
head -c $((MIB << 20)) /dev/urandom >"$D/root/big"
head -c $((HMIB << 20)) /dev/urandom >"$D/assets/big"
head -c 1024 /dev/urandom >"$D/assets/k1"
head -c $((1 << 20)) /dev/urandom >"$D/assets/m1"
[ -n "${BENCH_DEBUG:-}" ] && set -x

# namespaces per board: S$b (server, bridge br0) and C$b (client cli0)
topo() { # board
	local s=bbw$1s-$$ c=bbw$1c-$$
	ns_add "$s"; ns_add "$c"
	ns_link "$s" up0 "$c" cli0
	ip -n "$s" link add br0 type bridge
	ip -n "$s" link set up0 master br0
	if [ "$1" = lwip ]; then
		ip -n "$s" tuntap add dev tap0 mode tap
		ip -n "$s" link set tap0 master br0
		ip -n "$s" link set tap0 up
	else
		ip -n "$s" addr add 10.13.0.2/16 dev br0
	fi
	ip -n "$s" link set br0 up
	ns_addr "$c" cli0 10.13.0.5/16
}
conf() { # interface
	cat <<YAML
appliance: {name: bench, interface: $1, address: 10.13.0.2, state_dir: $D/state-$1}
dhcp:
  lease_time: 1h
  subnets:
    - {subnet: 10.13.0.0/16, pools: [10.13.1.0-10.13.250.255]}
tftp: {root: $D/root}
http: {listen: 10.13.0.2:8080, max_connections: 100}
boot: {assets_dir: $D/assets}
YAML
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null; }
declare -A R

bench_board() { # board binary interface
	local b=$1 bin=$2 ifc=$3 c=bbw$1c-$$ s=bbw$1s-$$ pid i t0 t1 out rate n w0 w1 ps=()
	topo "$b"
	conf "$ifc" >"$D/$b.yaml"
	bg "$s" "$D/$b.log" env BOOTBOX_LOG=info BOOTBOX_NO_ACCESS_LOG=1 "$bin" serve -c "$D/$b.yaml"
	pid=$BG_PID
	for i in $(seq 100); do
		ip netns exec "$c" curl -s -o /dev/null --max-time 1 "http://10.13.0.2:8080/assets/k1" && break
		sleep 0.1
	done
	inc() { ip netns exec "$c" timeout 120 "$@"; }
	echo "# $b: DHCP" >&2
	t0=$(ticks "$pid")
	out=$(inc perfdhcp -4 -l cli0 -r "$RATE" -R 60000 -p "$SECS" 10.13.0.2 2>&1)
	t1=$(ticks "$pid")
	rate=$(echo "$out" | sed -n 's/.*Rate: \([0-9.]*\) 4-way.*/\1/p' | head -1)
	R[$b.dora]=${rate:-0}
	R[$b.drops]=$(echo "$out" | awk '/drops:/ {s += $2} END {print s + 0}')
	R[$b.dhcp_us]=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v r="${rate:-0}" -v s="$SECS" \
		'BEGIN { n = r * s; printf "%.1f", n ? t / hz * 1e6 / n : 0 }')
	echo "# $b: TFTP" >&2
	R[$b.tftp]=$(for i in 1 2 3; do
		inc "$BUILD/tools/tftp_get" -T 100 -b 1468 -w 16 -o /dev/null 10.13.0.2 69 big |
			awk -v m="$MIB" '$1 == m * 1048576 && $2 > 0 {printf "%.1f\n", $1 / 1048576 / $2}'
	done | sort -g | tail -1)
	inc "$BUILD/tools/tftp_get" -T 100 -b 1468 -w 16 -o "$D/$b.tftp" 10.13.0.2 69 big >/dev/null
	cmp -s "$D/$b.tftp" "$D/root/big" || echo "  ($b: the TFTP file differs)"
	echo "# $b: HTTP 16 x $HMIB MiB" >&2
	w0=$(date +%s.%N)
	for i in $(seq 16); do
		inc curl -s -o /dev/null -w '%{size_download}\n' "http://10.13.0.2:8080/assets/big" >"$D/$b.h$i" & ps+=($!)
	done
	for i in "${ps[@]}"; do wait "$i"; done
	ps=()
	w1=$(date +%s.%N)
	n=$(cat "$D/$b".h* | awk '{s += $1} END {print s + 0}')
	R[$b.http]=$(awk -v n="$n" -v a="$w0" -v z="$w1" 'BEGIN {printf "%.1f", n / 1048576 / (z - a)}')
	[ "$n" = $((16 * HMIB << 20)) ] || echo "  ($b: HTTP got $n bytes of $((16 * HMIB << 20)))"
	# 1 KiB requests/s over 16 keep-alive connections
	out=$(inc wrk -t1 -c16 -d"${SECS}s" "http://10.13.0.2:8080/assets/k1" 2>&1)
	R[$b.rps]=$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
	# 64 clients at once (1 MiB each), for the peaks
	for i in $(seq 64); do
		inc curl -s -o /dev/null "http://10.13.0.2:8080/assets/m1" & ps+=($!)
	done
	for i in "${ps[@]}"; do wait "$i"; done
	R[$b.rss]=$(hwm "$pid")
	kill "$pid"; wait "$pid" 2>/dev/null
}

bench_board linux "$BB" br0
bench_board lwip "$LW" tap0

printf '%-8s %9s %7s %9s %11s %12s %9s %9s\n' board "DORA/s" drops "CPU us/x" "TFTP MiB/s" "HTTP MiB/s" "1K req/s" "RSS KiB"
for b in linux lwip; do
	printf '%-8s %9s %7s %9s %11s %12s %9s %9s\n' "$b" "${R[$b.dora]}" "${R[$b.drops]}" "${R[$b.dhcp_us]}" \
		"${R[$b.tftp]:-0}" "${R[$b.http]}" "${R[$b.rps]:-0}" "${R[$b.rss]}"
done
# lwIP's own peaks in bytes: a pool's element size is its static array over
# its count; plus the static reservation of heap, pools and our tables
nm -S --size-sort "$LW" | awk 'NF == 4 {print $2, $4}' >"$D/nm"
python3 - "$D/nm" "$D/lwip.log" "${R[linux.dhcp_us]}" "${R[lwip.dhcp_us]}" "${R[linux.tftp]:-0}" "${R[lwip.tftp]:-0}" \
	"${R[linux.http]}" "${R[lwip.http]}" "${R[linux.rps]:-0}" "${R[lwip.rps]:-0}" <<'PY'
import re, sys
sym = {}
for l in open(sys.argv[1]):
    p = l.split()
    if len(p) == 2:
        sym[p[1]] = int(p[0], 16)
log = open(sys.argv[2], errors="replace").read()
heap = re.search(r"heap used max (\d+) of (\d+)", log)
peak = int(heap.group(1)) if heap else 0
pools = 0
for name, used, avail in re.findall(r"pool (\S+) used max (\d+) of (\d+)", log):
    size = sym.get("memp_memory_%s_base" % name, 0)
    pools += size * int(used) // max(int(avail), 1)
static_lwip = sym.get("ram_heap", 0) + sum(v for k, v in sym.items() if k.startswith("memp_memory_"))
tables = sum(v for k, v in sym.items() if k.startswith("the_"))
print("lwIP peaks after 64 clients: heap %d B, pools %d B; static: lwIP heap+pools %d KiB, bootbox tables (the_*) %d KiB" %
      (peak, pools, static_lwip >> 10, tables >> 10))
used = peak + pools + tables
print("lwIP pools + heap (peak) + bootbox tables: %d KiB (target <= 1024 KiB): %s; static reservation %d KiB" %
      (used >> 10, "met" if used <= 1 << 20 else "MISSED", (static_lwip + tables) >> 10))
f = [float(x or 0) for x in sys.argv[3:11]]
r = lambda a, b: a / b if b else 0
names = ["DHCP per core (CPU/x)", "TFTP w16", "HTTP 16x64MiB", "HTTP 1KiB req/s"]
vals = [r(f[0], f[1]), r(f[3], f[2]), r(f[5], f[4]), r(f[7], f[6])]
print("ratio lwIP/Linux: " + "   ".join("%s %.2fx %s" % (n, v, "ok" if v >= 0.5 else "MISSED") for n, v in zip(names, vals)) +
      "   (target >= 0.5x each)")
PY
grep "lwip:" "$D/lwip.log" | sed 's/^/  /'
