#!/usr/bin/env bash
# Start-up: exec -> UDP 67 bound, and exec -> the first OFFER, for bootbox
# with a 1,000-machine inventory, with an empty journal and with a
# 100,000-record journal (the difference is the replay), against dnsmasq
# and kea-dhcp4 on the same subnet. tests/tools/startup execs the server in
# the server's namespace and sends a relayed DISCOVER every millisecond
# from the client's. The journal's leases sit above the pool's first
# addresses, so the first OFFER measures readiness, not a scan of a full
# pool. The replay runs before the bind: its cost is the difference of the
# two bind times. Best of BENCH_RUNS (5). dnsmasq runs with --no-ping
# (by default it pings an address for 3 s before offering it).
set -u
. "$(dirname "$0")/lib_bench.sh"
need_cmds dnsmasq kea-dhcp4
[ -x "$BUILD/tools/startup" ] || make -s BUILD="$BUILD" "$BUILD/tools/startup" >/dev/null || exit 1
RUNS=${BENCH_RUNS:-5}
RECORDS=${BENCH_STARTUP_RECORDS:-100000}
MACHINES=${BENCH_STARTUP_MACHINES:-1000}
S=bbus-$$ C=bbuc-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" srv0 "$C" cli0
ns_addr "$S" srv0 10.12.0.2/14
ns_addr "$C" cli0 10.12.0.5/14
D=$NS_TMP
mkdir -p "$D/kea-run"
{
	cat <<YAML
appliance: {name: startup, interface: srv0, address: 10.12.0.2, state_dir: STATE}
dhcp:
  lease_time: 1d
  subnets:
    - subnet: 10.12.0.0/14
      pools: [10.13.64.0-10.15.255.250]
      router: 10.12.0.1
machines:
YAML
	for i in $(seq 0 $((MACHINES - 1))); do
		printf '  - {name: m%d, mac: "52:54:01:00:%02x:%02x", ip: 10.12.%d.%d, role: worker}\n' \
			"$i" $((i >> 8)) $((i & 255)) $((1 + i / 250)) $((1 + i % 250))
	done
} > "$D/bb.tmpl"
mkdir -p "$D/state-empty/dhcp" "$D/state-full/dhcp"
sed "s|STATE|$D/state-empty|" "$D/bb.tmpl" > "$D/empty.yaml"
sed "s|STATE|$D/state-full|" "$D/bb.tmpl" > "$D/full.yaml"
JOURNAL=$(BB_J=1 "$BB" leases -c "$D/full.yaml" --journal-path 2>/dev/null)
JOURNAL=$D/state-full/dhcp/leases.journal
"$BUILD/tools/startup" journal "$D/records.journal" "$RECORDS" || exit 1
cat > "$D/kea.conf" <<JSON
{"Dhcp4": {"interfaces-config": {"interfaces": ["srv0"], "dhcp-socket-type": "udp"},
 "lease-database": {"type": "memfile", "persist": true, "name": "$D/kea.leases", "lfc-interval": 0},
 "subnet4": [{"subnet": "10.12.0.0/14", "id": 1, "pools": [{"pool": "10.13.64.0 - 10.15.255.250"}]}],
 "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "$D/kea.log"}], "severity": "WARN"}]}}
JSON
best() { # label cmd...: the smallest bind and offer times of RUNS runs
	local label=$1 r out b o bb=999999 bo=999999
	shift
	for r in $(seq "$RUNS"); do
		[ "$label" = bootbox-journal ] && cp "$D/records.journal" "$JOURNAL"
		rm -f "$D/kea.leases" "$D/dnsmasq.leases"
		out=$(ip netns exec "$C" "$BUILD/tools/startup" measure -n "$S" -s 10.12.0.2 -g 10.12.0.5 -- "$@" 2>&1)
		b=$(echo "$out" | sed -n 's/.*bind_ms=\([0-9.-]*\).*/\1/p')
		o=$(echo "$out" | sed -n 's/.*offer_ms=\([0-9.-]*\).*/\1/p')
		bb=$(awk -v a="$bb" -v b="${b:-999999}" 'BEGIN {print (b >= 0 && b < a) ? b : a}')
		bo=$(awk -v a="$bo" -v b="${o:-999999}" 'BEGIN {print (b >= 0 && b < a) ? b : a}')
	done
	printf '%-34s %10s %10s\n' "$label" "$bb" "$bo"
	eval "BIND_${label//-/_}=$bb OFFER_${label//-/_}=$bo"
}
echo "Start-up, exec to bound / first OFFER (ms, best of $RUNS); $MACHINES machines; journal $RECORDS records"
printf '%-34s %10s %10s\n' server bind_ms offer_ms
best bootbox env BOOTBOX_LOG=warn "$BB" serve -c "$D/empty.yaml"
best bootbox-journal env BOOTBOX_LOG=warn "$BB" serve -c "$D/full.yaml"
best dnsmasq dnsmasq -d -k --port=0 -i srv0 --bind-interfaces --dhcp-range=10.13.64.0,10.15.255.250,255.252.0.0,1d \
	--no-ping --dhcp-leasefile="$D/dnsmasq.leases" --pid-file="$D/dnsmasq.pid" --log-facility=-
best kea env KEA_PIDFILE_DIR="$D/kea-run" KEA_LOCKFILE_DIR="$D/kea-run" kea-dhcp4 -c "$D/kea.conf"
awk -v e="$BIND_bootbox" -v j="$BIND_bootbox_journal" -v n="$RECORDS" -v b="$BIND_bootbox" 'BEGIN {
	d = j - e
	printf "replay: %d records in %.1f ms = %.2f M records/s (target >= 1 M/s); bootbox bind %.1f ms (target <= 20 ms)\n",
		n, d, (d > 0 ? n / d / 1000 : 0), b }'
