#!/usr/bin/env bash
# Boot storm: a rack powering on at once. tests/tools/storm plays N
# machines (N = 200 and 1000, BENCH_STORM_N) that all start within one
# second and each do DHCP (through a relay address), GET /boot.ipxe,
# GET /ipxe?mac=..., then a 32 MiB kernel and a 32 MiB initrd
# (BENCH_STORM_MIB each), against bootbox and against the anchor stack the
# runbook used: kea-dhcp4 (memfile) + nginx (one worker, sendfile) serving
# the very scripts bootbox renders as static files. Prints DHCP and script
# latency percentiles, failures, throughput, bootbox's peak RSS, ratios.
# BENCH_STORM_ANCHOR=0 runs bootbox alone (to compare two builds: BUILD=).
# BENCH_STORM_OUT=PREFIX keeps each machine's times (PREFIX.STACK.N).
# Beside the storm's own (client) figures, bootbox's: its /metrics before
# and after the storm give the DHCP reply latency from the kernel's
# receive time to the send (OFFER; ACK after its lease is durable) and
# the part of it queued in the socket, p50/p99 read from the buckets as
# Prometheus' histogram_quantile does, max exact: what is left of the
# client's figure is the load tool's and the scheduler's. The load tool
# splits its own the same way (dhcp_net: kernel stamps on its socket).
set -u
. "$(dirname "$0")/lib_bench.sh"
need_cmds kea-dhcp4 nginx
[ -x "$BUILD/tools/storm" ] || make -s BUILD="$BUILD" "$BUILD/tools/storm" >/dev/null || exit 1
NS_LIST_N=${BENCH_STORM_N:-200 1000}
MIB=${BENCH_STORM_MIB:-32}
S=bbss-$$ C=bbsc-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" srv0 "$C" cli0
ns_addr "$S" srv0 10.13.0.2/16
ns_addr "$C" cli0 10.13.0.5/16
D=$NS_TMP
chmod 755 "$D"
mkdir -p "$D/www/assets" "$D/logs" "$D/kea-run"
head -c $((MIB << 20)) /dev/urandom > "$D/www/assets/kernel"
head -c $((MIB << 20)) /dev/urandom > "$D/www/assets/initrd"
# written back now, not under the storm's lease commits
sync
ulimit -n "$(ulimit -Hn)" 2>/dev/null
bb_config() { # state dir
	cat <<YAML
appliance: {name: storm, interface: srv0, address: 10.13.0.2, state_dir: $1}
dhcp:
  lease_time: 1h
  subnets:
    - subnet: 10.13.0.0/16
      pools: [10.13.16.0-10.13.31.255]
      router: 10.13.0.1
http: {listen: 10.13.0.2:8080, max_connections: 4096}
boot:
  assets_dir: $D/www/assets
  profiles:
    - id: node
      kernel: /assets/kernel
      initrd: [/assets/initrd]
      args: [console=ttyS0]
  groups:
    - {id: all, profile: node}
YAML
}
cat > "$D/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/logs/error.log;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 60s;
  default_type application/octet-stream;
  server {
    listen 10.13.0.2:8080;
    root $D/www;
    location = /ipxe { default_type text/plain; }
    location = /boot.ipxe { default_type text/plain; }
  }
}
NGX
kea_config() { # lease file
	cat <<JSON
{"Dhcp4": {"valid-lifetime": 3600,
 "interfaces-config": {"interfaces": ["srv0"], "dhcp-socket-type": "udp"},
 "lease-database": {"type": "memfile", "persist": true, "name": "$1", "lfc-interval": 0},
 "subnet4": [{"subnet": "10.13.0.0/16", "id": 1, "pools": [{"pool": "10.13.16.0 - 10.13.31.255"}],
   "option-data": [{"name": "routers", "data": "10.13.0.1"}]}],
 "client-classes": [{"name": "XClient_iPXE", "test": "substring(option[77].hex,0,4) == 'iPXE'",
   "boot-file-name": "http://10.13.0.2:8080/boot.ipxe"}],
 "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "$D/logs/kea.log"}], "severity": "WARN"}]}}
JSON
}
# BENCH_STORM_SERVER_CPU / BENCH_STORM_CLIENT_CPU pin the servers and the
# load tool (taskset lists); unset, the scheduler places them
pin() { # cpus
	[ -n "$1" ] && echo taskset -c "$1"
}
SPIN=$(pin "${BENCH_STORM_SERVER_CPU:-}") CPIN=$(pin "${BENCH_STORM_CLIENT_CPU:-}")
inc() { ip netns exec "$C" "$@"; }
up() { # wait for HTTP
	local i
	for i in $(seq 100); do
		inc curl -sf -o /dev/null --max-time 1 "http://10.13.0.2:8080/boot.ipxe" && return 0
		sleep 0.1
	done
	return 1
}
declare -A R
run_bootbox() { # n run
	bb_config "$D/bb-$2" > "$D/bb-$2.yaml"
	bg "$S" "$D/bb-$2.log" $SPIN env BOOTBOX_LOG=warn BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$D/bb-$2.yaml"
	local pid=$BG_PID
	up || { echo "bootbox did not answer"; tail -5 "$D/bb-$2.log"; return; }
	# the anchor serves the very scripts bootbox renders
	inc curl -sf -o "$D/www/boot.ipxe" http://10.13.0.2:8080/boot.ipxe
	inc curl -sf -o "$D/www/ipxe" "http://10.13.0.2:8080/ipxe?mac=02:0b:00:00:00:01"
	inc curl -sf -o "$D/metrics-$2-before" http://10.13.0.2:8080/metrics
	R[bootbox,$1]=$(inc $CPIN "$BUILD/tools/storm" -s 10.13.0.2 -g 10.13.0.5 -n "$1" -m "$2" -t 300 ${BENCH_STORM_RCVBUF:+-r "$BENCH_STORM_RCVBUF"} ${BENCH_STORM_OUT:+-o "$BENCH_STORM_OUT.bootbox.$1"})
	inc curl -sf -o "$D/metrics-$2-after" http://10.13.0.2:8080/metrics
	# a build without the latency histograms prints "-"
	R[bootbox-srv,$1]=$(server_side "$1" "$2")
	R[bootbox-rss,$1]=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
	kill "$pid"; wait "$pid" 2>/dev/null
}
run_anchor() { # n run
	kea_config "$D/kea-$2.leases" > "$D/kea-$2.conf"
	KEA_PIDFILE_DIR=$D/kea-run KEA_LOCKFILE_DIR=$D/kea-run bg "$S" "$D/kea-$2.out" $SPIN kea-dhcp4 -c "$D/kea-$2.conf"
	local kpid=$BG_PID
	bg "$S" "$D/nginx-$2.log" $SPIN nginx -p "$D" -c "$D/nginx.conf"
	local npid=$BG_PID
	up || { echo "nginx did not answer"; return; }
	sleep 1 # kea opens its sockets
	R[anchor,$1]=$(inc $CPIN "$BUILD/tools/storm" -s 10.13.0.2 -g 10.13.0.5 -n "$1" -m "$2" -t 300 ${BENCH_STORM_RCVBUF:+-r "$BENCH_STORM_RCVBUF"} ${BENCH_STORM_OUT:+-o "$BENCH_STORM_OUT.anchor.$1"})
	kill "$kpid" "$npid"; wait "$kpid" "$npid" 2>/dev/null
}
# q-quantile in ms of histogram $3 (a label filter, e.g. type="ack") of
# $2 between the scrapes in files $4 (before) and $5 (after), at most $6
# (the max: interpolation in a bucket may pass it)
hq() { # q name filter before after max_ms
	awk -v q="$1" -v name="$2" -v want="$3" -v max="${6:-}" '
	function le_of(l) { sub(/.*le="/, "", l); sub(/".*/, "", l); return l }
	index($1, name "_bucket{") == 1 && (want == "" || index($1, want)) {
		l = le_of($1); if (FILENAME == ARGV[1]) { b[l] = $2; next }
		n++; les[n] = l; cum[n] = $2 - b[l]
	}
	END {
		if (!n || cum[n] <= 0) { print "-"; exit }
		r = q * cum[n]; lo = 0; c0 = 0
		for (i = 1; i <= n; i++) {
			if (cum[i] >= r) {
				if (les[i] == "+Inf") { printf ">%g\n", lo * 1e3; exit }
				v = (lo + (les[i] - lo) * (cum[i] > c0 ? (r - c0) / (cum[i] - c0) : 1)) * 1e3
				printf "%.2f\n", (max != "" && v > max + 0 ? max : v)
				exit
			}
			lo = les[i]; c0 = cum[i]
		}
	}' "$4" "$5"
}
gauge_ms() { # name-with-labels file
	awk -v k="$1" '$1 == k {printf "%.2f\n", $2 * 1e3}' "$2"
}
# bootbox's figures of run $2 (N=$1): offer, ack and socket wait p50/p99/max
server_side() { # n run
	local b=$D/metrics-$2-before a=$D/metrics-$2-after t m out=
	for t in offer ack; do
		m=$(gauge_ms "bootbox_dhcp_reply_latency_max_seconds{type=\"$t\"}" "$a")
		out+=" srv_${t}_p50_ms=$(hq 0.5 bootbox_dhcp_reply_latency_seconds "type=\"$t\"" "$b" "$a" "$m")"
		out+=" srv_${t}_p99_ms=$(hq 0.99 bootbox_dhcp_reply_latency_seconds "type=\"$t\"" "$b" "$a" "$m")"
		out+=" srv_${t}_max_ms=${m:--}"
	done
	m=$(gauge_ms bootbox_dhcp_receive_wait_max_seconds "$a")
	out+=" srv_wait_p50_ms=$(hq 0.5 bootbox_dhcp_receive_wait_seconds "" "$b" "$a" "$m")"
	out+=" srv_wait_p99_ms=$(hq 0.99 bootbox_dhcp_receive_wait_seconds "" "$b" "$a" "$m")"
	out+=" srv_wait_max_ms=${m:--}"
	m=$(gauge_ms bootbox_dhcp_journal_commit_max_seconds "$a")
	out+=" srv_commit_p50_ms=$(hq 0.5 bootbox_dhcp_journal_commit_seconds "" "$b" "$a" "$m")"
	out+=" srv_commit_p99_ms=$(hq 0.99 bootbox_dhcp_journal_commit_seconds "" "$b" "$a" "$m")"
	out+=" srv_commit_max_ms=${m:--}"
	echo "$out"
}
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
k=10
for n in $NS_LIST_N; do
	run_bootbox "$n" $k; k=$((k + 1))
	[ "${BENCH_STORM_ANCHOR:-1}" = 0 ] || run_anchor "$n" $k
	k=$((k + 1))
done
echo "Boot storm: N machines within 1 s, each DHCP + /boot.ipxe + /ipxe + ${MIB} MiB kernel + ${MIB} MiB initrd"
printf '%-8s %5s %6s %9s %9s %9s %10s %10s %9s %9s\n' stack N failed dhcp_p50 dhcp_p99 dhcp_max script_p50 script_p99 MiB/s RSS_KiB
for n in $NS_LIST_N; do
	for s in bootbox anchor; do
		l=${R[$s,$n]:-}
		printf '%-8s %5s %6s %9s %9s %9s %10s %10s %9s %9s\n' "$s" "$n" "$(field "$l" failed)" \
			"$(field "$l" dhcp_p50_ms)" "$(field "$l" dhcp_p99_ms)" "$(field "$l" dhcp_max_ms)" \
			"$(field "$l" script_p50_ms)" "$(field "$l" script_p99_ms)" "$(field "$l" MiBps)" \
			"$([ $s = bootbox ] && echo "${R[bootbox-rss,$n]:-?}" || echo -)"
	done
	l=${R[bootbox-srv,$n]:-}
	echo "bootbox's own DHCP reply latency N=$n (kernel receive to send, ms):" \
		"OFFER p50/p99/max $(field "$l" srv_offer_p50_ms)/$(field "$l" srv_offer_p99_ms)/$(field "$l" srv_offer_max_ms)," \
		"ACK $(field "$l" srv_ack_p50_ms)/$(field "$l" srv_ack_p99_ms)/$(field "$l" srv_ack_max_ms);" \
		"of it queued in the socket $(field "$l" srv_wait_p50_ms)/$(field "$l" srv_wait_p99_ms)/$(field "$l" srv_wait_max_ms);" \
		"a journal commit (per batch) $(field "$l" srv_commit_p50_ms)/$(field "$l" srv_commit_p99_ms)/$(field "$l" srv_commit_max_ms)"
	for s in bootbox anchor; do
		l=${R[$s,$n]:-}
		[ -n "$l" ] && echo "$s N=$n: DORA from the load tool's sends to the replies' arrival in its socket" \
			"(what is left of dhcp_p* is the load tool's own wait) p50/p99/max" \
			"$(field "$l" dhcp_net_p50_ms)/$(field "$l" dhcp_net_p99_ms)/$(field "$l" dhcp_net_max_ms) ms"
		[ -n "$l" ] && echo "$s N=$n: a machine's download done, from the storm's start, p50/p99/max" \
			"$(field "$l" done_p50_ms)/$(field "$l" done_p99_ms)/$(field "$l" done_max_ms) ms"
	done
	a=$(field "${R[bootbox,$n]:-}" MiBps) b=$(field "${R[anchor,$n]:-}" MiBps)
	echo "ratio bootbox/anchor N=$n: throughput $(awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN {printf "%.2fx", (b > 0 ? a / b : 0)}')" \
		"(target >= 1.0); targets at N=1000: 0 failed, dhcp p99 < 10 ms, script p99 < 20 ms"
done
