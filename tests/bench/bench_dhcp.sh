#!/usr/bin/env bash
# DHCP: perfdhcp (as a relay, in its own namespace) against bootbox,
# kea-dhcp4 (memfile, persist=true) and dnsmasq (lease file), one after the
# other on the same link, same /16 pool, same load; DORA exchanges/s,
# drops and RSS, with ratios. Leases are persisted by all three. dnsmasq
# runs with --no-ping: its ping-before-offer check waits for each address in
# turn, which would measure the check and not the server (neither bootbox
# nor kea pings).
# On a small machine perfdhcp itself is the limit (its socket overflows:
# see "client rcvbuf drops"), so the table also gives each server's CPU
# time per exchange during the run and the exchanges per second one core
# would carry at that cost ("per core"): the ratio that does not depend on
# the load generator.
set -u
. "$(dirname "$0")/lib_bench.sh"
need_cmds perfdhcp kea-dhcp4 dnsmasq
SECS=${BENCH_SECONDS:-10}
RATE=${BENCH_RATE:-20000}
S=bbs-$$ P=bbp-$$
ns_add "$S"; ns_add "$P"
ns_link "$S" srv0 "$P" perf0
ns_addr "$S" srv0 10.10.0.2/16
ns_addr "$P" perf0 10.10.0.5/16
D=$NS_TMP
cat > "$D/bootbox.yaml" <<YAML
appliance: {name: bench, interface: srv0, address: 10.10.0.2, state_dir: $D/bb}
dhcp:
  lease_time: 1h
  subnets:
    - {subnet: 10.10.0.0/16, pools: [10.10.1.0-10.10.250.255]}
YAML
cat > "$D/kea.json" <<JSON
{"Dhcp4": {"interfaces-config": {"interfaces": ["srv0"], "dhcp-socket-type": "udp"},
 "lease-database": {"type": "memfile", "persist": true, "name": "$D/kea.leases"},
 "valid-lifetime": 3600, "control-socket": {"socket-type": "unix", "socket-name": "$D/kea.sock"},
 "subnet4": [{"id": 1, "subnet": "10.10.0.0/16", "pools": [{"pool": "10.10.1.0 - 10.10.250.255"}]}],
 "loggers": [{"name": "kea-dhcp4", "severity": "WARN", "output_options": [{"output": "stderr"}]}]}}
JSON
# CPU ticks (user + system, all threads) of a process
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# UDP receive-buffer overflows in the client namespace
rcvbuf_errs() { ip netns exec "$P" awk '/^Udp:/ {n++; if (n == 2) print $6}' /proc/net/snmp; }
run() { # name cmd...
	local name=$1 pid rss idle out rate drops t0 t1 e0 e1 us core
	shift
	bg "$S" "$D/$name.log" "$@"
	pid=$BG_PID
	sleep 1.5
	idle=$(ps -o rss= -p "$pid" | tr -d ' ')
	t0=$(ticks "$pid") e0=$(rcvbuf_errs)
	out=$(ip netns exec "$P" timeout $((SECS + 15)) perfdhcp -4 -l perf0 -r "$RATE" -R 60000 -p "$SECS" 10.10.0.2 2>&1)
	t1=$(ticks "$pid") e1=$(rcvbuf_errs)
	rss=$(ps -o rss= -p "$pid" | tr -d ' ')
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	rate=$(echo "$out" | sed -n 's/.*Rate: \([0-9.]*\) 4-way.*/\1/p' | head -1)
	drops=$(echo "$out" | awk '/drops:/ {s += $2} END {print s + 0}')
	read -r us core < <(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v r="${rate:-0}" -v s="$SECS" \
		'BEGIN { n = r * s; u = n ? t / hz * 1e6 / n : 0; printf "%.1f %.0f\n", u, u ? 1e6 / u : 0 }')
	printf '%-10s %10s %8s %9s %10s %10s %9s %9s\n' "$name" "${rate:-0}" "$drops" "$((e1 - e0))" \
		"$idle" "$rss" "$us" "$core"
	eval "RATE_$name=${rate:-0} CORE_$name=$core"
	echo "$out" > "$D/$name.perf"
	[ "${rate:-0}" = 0 ] && { echo "  ($name log:)"; tail -3 "$D/$name.log" | sed "s/^/  /"; tail -3 "$D/$name.perf" | sed "s/^/  /"; }
}
printf '%-10s %10s %8s %9s %10s %10s %9s %9s\n' server "DORA/s" drops "rcvbuf" \
	"idle KiB" "RSS KiB" "CPU us/x" "per core"
run bootbox env BOOTBOX_LOG=warn BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$D/bootbox.yaml"
run kea env KEA_PIDFILE_DIR="$D" KEA_LOCKFILE_DIR="$D" kea-dhcp4 -c "$D/kea.json"
run dnsmasq dnsmasq -d -k -p0 --interface=srv0 --dhcp-authoritative --quiet-dhcp --no-ping \
	--dhcp-range=10.10.1.0,10.10.250.255,255.255.0.0,1h --dhcp-leasefile="$D/dnsmasq.leases" --dhcp-lease-max=100000
python3 - "$RATE_bootbox" "$RATE_kea" "$RATE_dnsmasq" "$CORE_bootbox" "$CORE_kea" "$CORE_dnsmasq" <<'PY'
import sys
b, k, d, cb, ck, cd = (float(x or 0) for x in sys.argv[1:7])
r = lambda x, y: x / y if y else 0
print("ratio bootbox/kea-dhcp4: %.2fx   bootbox/dnsmasq: %.2fx   (DORA/s under this client)" % (r(b, k), r(b, d)))
print("ratio bootbox/kea-dhcp4: %.2fx   bootbox/dnsmasq: %.2fx   (per core, CPU per exchange)" % (r(cb, ck), r(cb, cd)))
PY
