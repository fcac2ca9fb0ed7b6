#!/usr/bin/env bash
# HTTP: bootbox against nginx (sendfile on, keep-alive, one worker: bootbox
# is one event loop), both up at once on the same address (ports 8080 and
# 8081) across a veth pair between two namespaces, measured in alternation
# (bootbox, nginx, bootbox, ...) so that a noisy neighbour hits both:
#   - 16 parallel curl downloads of a 64 MiB asset (total MiB/s),
#   - wrk on a 1 KiB asset (requests/s),
#   - wrk on /ipxe?mac=... (bootbox renders a machine's iPXE script from
#     its group and profile; nginx serves the same bytes as a static file),
#   - wrk on the 1 KiB asset through an absolute symlink inside the root
#     (matchbox asset dirs and /usr/lib/ipxe are full of links; bootbox's
#     confinement takes its slower path for one),
# each wrk figure in two layouts: free (any CPU for anyone) and pinned
# (the servers on CPU 0, wrk on CPU 1: no fight for the core).
# Access logs off in both. BENCH_SECONDS per wrk run (5); the best of
# BENCH_RUNS rounds (3; 1 when BENCH_SECONDS is under 5).
set -u
. "$(dirname "$0")/lib_bench.sh"
need_cmds nginx wrk curl
SECS=${BENCH_SECONDS:-5}
RUNS=${BENCH_RUNS:-$([ "$SECS" -lt 5 ] && echo 1 || echo 3)}
MIB=${BENCH_HTTP_MIB:-64}
PAR=16
S=bbhs-$$ C=bbhc-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" srv0 "$C" cli0
ns_addr "$S" srv0 10.12.0.2/24
ns_addr "$C" cli0 10.12.0.5/24
D=$NS_TMP
chmod 755 "$D" # nginx's worker reads the files as nobody
mkdir -p "$D/www/assets" "$D/logs"
head -c $((MIB << 20)) /dev/urandom > "$D/www/assets/large.bin"
head -c 1024 /dev/urandom > "$D/www/assets/small.bin"
ln -s "$D/www/assets/small.bin" "$D/www/assets/link.bin"
MAC=52:54:00:12:34:56
cat > "$D/bootbox.yaml" <<YAML
appliance: {name: bench, interface: srv0, address: 10.12.0.2, state_dir: $D/bb}
http: {listen: 10.12.0.2:8080, max_connections: 4096}
boot:
  assets_dir: $D/www/assets
  profiles:
    - id: talos
      kernel: /assets/talos/kernel-amd64
      initrd: [/assets/talos/initramfs-amd64.xz]
      args: [talos.platform=metal, console=ttyS0, "talos.config=http://10.12.0.2:8080/assets/talos/\${hostname}.yaml"]
  groups:
    - {id: node1, profile: talos, selector: {mac: "$MAC"}}
YAML
cat > "$D/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 60s;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server {
    listen 10.12.0.2:8081;
    root $D/www;
    location = /ipxe { default_type text/plain; }
  }
}
NGX
[ -n "${BENCH_DEBUG:-}" ] && set -x
ulimit -n "$(ulimit -Hn)" 2>/dev/null
IPXE="/ipxe?mac=$MAC"
declare -A PORT=([bootbox]=8080 [nginx]=8081) PID R
CPUS=$(nproc)
PIN="" # the layout: "" free, "taskset -c 1" for wrk when pinned
inc() { ip netns exec "$C" "$@"; }
ready() { # port
	local i
	for i in $(seq 50); do
		inc curl -sf -o /dev/null --max-time 1 "http://10.12.0.2:$1/assets/small.bin" && return 0
		sleep 0.1
	done
	return 1
}
# PAR downloads at once; prints total MiB/s, nothing when one failed
large() { # url
	local i t0 t1 pids=() bad=0
	t0=$(date +%s.%N)
	for i in $(seq $PAR); do
		inc timeout 120 curl -sf -o /dev/null "$1" & pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || bad=1; done
	t1=$(date +%s.%N)
	[ $bad = 0 ] && awk -v a="$t0" -v b="$t1" -v n=$((PAR * MIB)) 'BEGIN {print n / (b - a)}'
}
wrk_rps() { # url
	inc timeout $((SECS + 30)) $PIN wrk -t2 -c64 -d"${SECS}s" "$1" 2>&1 |
		awk '/Non-2xx/ {bad = 1} /^Requests\/sec:/ {r = $2} END {print bad ? 0 : r + 0}'
}
keep() { # key value: the best so far
	R[$1]=$(awk -v a="${R[$1]:-0}" -v b="${2:-0}" 'BEGIN {print (b > a ? b : a)}')
}
start() { # name cmd...
	local name=$1
	shift
	bg "$S" "$D/$name.log" "$@"
	PID[$name]=$BG_PID
	ready "${PORT[$name]}" && return 0
	echo "$name did not answer:"; tail -5 "$D/$name.log" | sed 's/^/  /'
	exit 1
}
start bootbox env BOOTBOX_LOG=warn BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$D/bootbox.yaml"
start nginx nginx -p "$D" -c "$D/nginx.conf"
# nginx serves the very script bootbox renders
inc curl -sf -o "$D/www/ipxe" "http://10.12.0.2:8080$IPXE" && grep -q '^kernel ' "$D/www/ipxe" ||
	{ echo "bootbox /ipxe did not render a script: $(head -c 200 "$D/www/ipxe" 2>/dev/null)"; exit 1; }
for name in bootbox nginx; do
	U=http://10.12.0.2:${PORT[$name]}
	inc curl -sf "$U$IPXE" | cmp -s - "$D/www/ipxe" || echo "  ($name: /ipxe differs)"
	inc curl -sf "$U/assets/large.bin" | cmp -s - "$D/www/assets/large.bin" || echo "  ($name: large.bin differs)"
done
# the servers (nginx: master and worker) on cpus ("0", or "0-N" for free)
affinity() {
	local name p
	for name in bootbox nginx; do
		for p in ${PID[$name]} $(ps -o pid= --ppid "${PID[$name]}"); do
			taskset -a -p -c "$1" "$p" >/dev/null 2>&1
		done
	done
}
LAYOUTS=free
[ "$CPUS" -ge 2 ] && LAYOUTS="free pinned"
for r in $(seq "$RUNS"); do
	for lay in $LAYOUTS; do
		if [ $lay = pinned ]; then
			affinity 0
			PIN="taskset -c 1"
		else
			affinity "0-$((CPUS - 1))"
			PIN=""
		fi
		for name in bootbox nginx; do
			U=http://10.12.0.2:${PORT[$name]}
			[ $lay = free ] && keep "$name,large" "$(large "$U/assets/large.bin")"
			keep "$name,$lay,small" "$(wrk_rps "$U/assets/small.bin")"
			keep "$name,$lay,ipxe" "$(wrk_rps "$U$IPXE")"
			keep "$name,$lay,link" "$(wrk_rps "$U/assets/link.bin")"
		done
	done
done
affinity "0-$((CPUS - 1))"
echo "HTTP over veth, one core's worth of server each (nginx: 1 worker); wrk -t2 -c64 -d${SECS}s; best of $RUNS rounds"
echo "free: any CPU for anyone; pinned: the servers on CPU 0, wrk on CPU 1"
printf '%-8s %-7s %18s %12s %12s %14s %10s\n' server layout "$PAR x $MIB MiB MiB/s" "1 KiB req/s" "/ipxe req/s" "link req/s" "RSS KiB"
for name in bootbox nginx; do
	# nginx: master + worker
	rss=$(ps -o rss= -p "${PID[$name]}" --ppid "${PID[$name]}" | awk '{s += $1} END {print s}')
	for lay in $LAYOUTS; do
		printf '%-8s %-7s %18s %12.0f %12.0f %14.0f %10s\n' "$name" $lay \
			"$([ $lay = free ] && printf %.0f "${R[$name,large]:-0}" || echo -)" \
			"${R[$name,$lay,small]:-0}" "${R[$name,$lay,ipxe]:-0}" "${R[$name,$lay,link]:-0}" "${rss:-?}"
	done
done
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN {printf "%.2fx", (b > 0 ? a / b : 0)}'; }
echo "ratio bootbox/nginx: large $(ratio "${R[bootbox,large]:-}" "${R[nginx,large]:-}") (target >= 1.0)"
for lay in $LAYOUTS; do
	echo "  $lay: 1 KiB $(ratio "${R[bootbox,$lay,small]:-}" "${R[nginx,$lay,small]:-}")" \
		" /ipxe $(ratio "${R[bootbox,$lay,ipxe]:-}" "${R[nginx,$lay,ipxe]:-}")" \
		" 1 KiB through a link $(ratio "${R[bootbox,$lay,link]:-}" "${R[nginx,$lay,link]:-}") (targets >= 1.0)"
done
