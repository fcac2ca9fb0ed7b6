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
#   RAM    peak RSS (VmHWM); for lwIP, its own peaks (the board logs them
#          at stop: heap, pools, its malloc count, and lwIP's failed
#          allocations), for the whole run and for a fresh start that
#          serves 64 clients at once (64 leases, then 64 HTTP downloads of
#          1 MiB): pools peak (bytes from each pool's element size in the
#          binary) + heap peak + malloc peak + static tables (.data+.bss
#          from size(1), less lwIP's heap and pools, counted by their peaks)
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
conf() { # interface [state dir]
	cat <<YAML
appliance: {name: bench, interface: $1, address: 10.13.0.2, state_dir: $D/${2:-state-$1}}
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

serve_in() { # board binary config log: started (BG_PID), and answering
	local i
	bg "bbw$1s-$$" "$4" env BOOTBOX_LOG=info BOOTBOX_NO_ACCESS_LOG=1 "$2" serve -c "$3"
	for i in $(seq 100); do
		ip netns exec "bbw$1c-$$" curl -s -o /dev/null --max-time 1 "http://10.13.0.2:8080/assets/k1" && break
		sleep 0.1
	done
}

bench_board() { # board binary interface
	local b=$1 bin=$2 ifc=$3 c=bbw$1c-$$ pid i t0 t1 out rate n w0 w1 ps=()
	topo "$b"
	conf "$ifc" >"$D/$b.yaml"
	serve_in "$b" "$bin" "$D/$b.yaml" "$D/$b.log"
	pid=$BG_PID
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

# A fresh bootbox-lwip (empty lease table) serving 64 clients at once: 64
# leases, then 64 HTTP downloads of 1 MiB at once; its peaks are in mem.log
mem_board() {
	local c=bbwlwipc-$$ pid i ps=()
	conf tap0 state-mem >"$D/mem.yaml"
	serve_in lwip "$LW" "$D/mem.yaml" "$D/mem.log"
	pid=$BG_PID
	echo "# lwip: 64 clients at once, fresh start" >&2
	# 65 asked: perfdhcp counts its very first OFFER lost, whichever board
	# answers (the server logs 64 OFFERs for 64 asked, and so does Linux)
	ip netns exec "$c" timeout 60 perfdhcp -4 -l cli0 -r 65 -R 65 -n 65 -p 10 10.13.0.2 >"$D/mem.perfdhcp" 2>&1
	# slow readers (2 s each), so the 64 overlap with full send buffers
	for i in $(seq 64); do
		ip netns exec "$c" timeout 120 curl -s -o /dev/null --limit-rate 512k -w '%{size_download}\n' \
			"http://10.13.0.2:8080/assets/m1" >"$D/mem.h$i" & ps+=($!)
	done
	for i in "${ps[@]}"; do wait "$i"; done
	R[mem.http]=$(cat "$D"/mem.h* | awk '$1 == 1048576 {n++} END {print n + 0}')
	R[mem.leases]=$(awk '/REQUEST-ACK/ {p = 1} p && /received packets:/ {print $3; exit}' "$D/mem.perfdhcp")
	kill "$pid"; wait "$pid" 2>/dev/null
}

bench_board linux "$BB" br0
bench_board lwip "$LW" tap0
mem_board

printf '%-8s %9s %7s %9s %11s %12s %9s %9s\n' board "DORA/s" drops "CPU us/x" "TFTP MiB/s" "HTTP MiB/s" "1K req/s" "RSS KiB"
for b in linux lwip; do
	printf '%-8s %9s %7s %9s %11s %12s %9s %9s\n' "$b" "${R[$b.dora]}" "${R[$b.drops]}" "${R[$b.dhcp_us]}" \
		"${R[$b.tftp]:-0}" "${R[$b.http]}" "${R[$b.rps]:-0}" "${R[$b.rss]}"
done
# lwIP's own peaks in bytes: a pool's element size is its static array
# over its count
nm -S --size-sort "$LW" | awk 'NF == 4 {print $2, $4}' >"$D/nm"
python3 - "$D/nm" "$D/lwip.log" "$D/mem.log" "$(size "$LW" | awk 'NR == 2 {print $2 + $3}')" \
	"${R[mem.leases]:-0}" "${R[mem.http]:-0}" \
	"${R[linux.dhcp_us]}" "${R[lwip.dhcp_us]}" "${R[linux.tftp]:-0}" "${R[lwip.tftp]:-0}" \
	"${R[linux.http]}" "${R[lwip.http]}" "${R[linux.rps]:-0}" "${R[lwip.rps]:-0}" <<'PY'
import re, sys
sym = {}
for l in open(sys.argv[1]):
    p = l.split()
    if len(p) == 2:
        sym[p[1]] = int(p[0], 16)
static_lwip = sym.get("ram_heap", 0) + sum(v for k, v in sym.items() if k.startswith("memp_memory_"))
data_bss = int(sys.argv[4])
tables = data_bss - static_lwip

def peaks(path):
    log = open(path, errors="replace").read()
    heap = re.search(r"heap used max (\d+) of (\d+) bytes, err (\d+)", log)
    pools = perr = 0
    for name, used, avail, err in re.findall(r"pool (\S+) used max (\d+) of (\d+), err (\d+)", log):
        pools += sym.get("memp_memory_%s_base" % name, 0) * int(used) // max(int(avail), 1)
        perr += int(err)
    m = re.search(r"malloc held \d+, max (\d+) bytes", log)
    return (int(heap.group(1)) if heap else 0, int(heap.group(3)) if heap else -1,
            pools, perr, int(m.group(1)) if m else -1)

heap, herr, pools, perr, mall = peaks(sys.argv[2])
print("lwIP, whole run: heap peak %d B (err %d), pools %d B (err %d), malloc peak %d KiB" %
      (heap, herr, pools, perr, mall >> 10))
heap, herr, pools, perr, mall = peaks(sys.argv[3])
print("64 clients at once (fresh start; %s of 64 leases, %s of 64 HTTP 1 MiB downloads whole): "
      "heap peak %d B (err %d), pools peak %d B (err %d), malloc peak %d B, static tables %d B" %
      (sys.argv[5], sys.argv[6], heap, herr, pools, perr, mall, tables))
used = heap + pools + max(mall, 0) + tables
print("lwIP pools + heap + bootbox malloc (peaks) + static tables: %d KiB (target <= 1024 KiB): %s; "
      "with lwIP's whole heap and pools reserved (.data+.bss %d KiB): %d KiB" %
      (used >> 10, "met" if used <= 1 << 20 and mall >= 0 else "MISSED",
       data_bss >> 10, (data_bss + max(mall, 0)) >> 10))
f = [float(x or 0) for x in sys.argv[7:15]]
r = lambda a, b: a / b if b else 0
names = ["DHCP per core (CPU/x)", "TFTP w16", "HTTP 16x64MiB", "HTTP 1KiB req/s"]
vals = [r(f[0], f[1]), r(f[3], f[2]), r(f[5], f[4]), r(f[7], f[6])]
print("ratio lwIP/Linux: " + "   ".join("%s %.2fx %s" % (n, v, "ok" if v >= 0.5 else "MISSED") for n, v in zip(names, vals)) +
      "   (target >= 0.5x each)")
PY
grep "lwip:" "$D/lwip.log" | sed 's/^/  whole run: /'
grep "lwip:" "$D/mem.log" | sed 's/^/  64 clients: /'
