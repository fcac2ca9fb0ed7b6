#!/usr/bin/env bash
# DHCP: perfdhcp (as a relay, in its own namespace) against bootbox,
# kea-dhcp4 (memfile, persist=true) and dnsmasq (lease file), one after the
# other on the same link, same /16 pool, same load; DORA exchanges/s,
# drops and RSS, with ratios. Leases are persisted by all three. dnsmasq
# runs with --no-ping: its ping-before-offer check waits for each address in
# turn, which would measure the check and not the server (neither bootbox
# nor kea pings).
set -u
BUILD=${BUILD:-build}
BB=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
. tests/integration/lib_netns.sh
need_root
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
run() { # name cmd...
	local name=$1 pid rss idle out rate drops
	shift
	bg "$S" "$D/$name.log" "$@"
	pid=$BG_PID
	sleep 1.5
	idle=$(ps -o rss= -p "$pid" | tr -d ' ')
	out=$(ip netns exec "$P" timeout $((SECS + 15)) perfdhcp -4 -l perf0 -r "$RATE" -R 60000 -p "$SECS" 10.10.0.2 2>&1)
	rss=$(ps -o rss= -p "$pid" | tr -d ' ')
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	rate=$(echo "$out" | sed -n 's/.*Rate: \([0-9.]*\) 4-way.*/\1/p' | head -1)
	drops=$(echo "$out" | awk '/drops:/ {s += $2} END {print s + 0}')
	printf '%-10s %12s %8s %10s %10s\n' "$name" "${rate:-0}" "$drops" "$idle" "$rss"
	eval "RATE_$name=${rate:-0}"
	echo "$out" > "$D/$name.perf"
	[ "${rate:-0}" = 0 ] && { echo "  ($name log:)"; tail -3 "$D/$name.log" | sed "s/^/  /"; tail -3 "$D/$name.perf" | sed "s/^/  /"; }
}
printf '%-10s %12s %8s %10s %10s\n' server "DORA/s" drops "idle KiB" "RSS KiB"
run bootbox env BOOTBOX_LOG=warn BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$D/bootbox.yaml"
run kea env KEA_PIDFILE_DIR="$D" KEA_LOCKFILE_DIR="$D" kea-dhcp4 -c "$D/kea.json"
run dnsmasq dnsmasq -d -k -p0 --interface=srv0 --dhcp-authoritative --quiet-dhcp --no-ping \
	--dhcp-range=10.10.1.0,10.10.250.255,255.255.0.0,1h --dhcp-leasefile="$D/dnsmasq.leases" --dhcp-lease-max=100000
python3 - "$RATE_bootbox" "$RATE_kea" "$RATE_dnsmasq" <<'PY'
import sys
b, k, d = (float(x or 0) for x in sys.argv[1:4])
print("ratio bootbox/kea-dhcp4: %.2fx   bootbox/dnsmasq: %.2fx" % (b / k if k else 0, b / d if d else 0))
PY
