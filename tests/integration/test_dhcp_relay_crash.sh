#!/usr/bin/env bash
# A relayed request (ISC dhcrelay in a namespace between the client's link
# and bootbox's) gets a lease in the relayed subnet; then perfdhcp (as a
# relay, giaddr) loads bootbox, bootbox is killed with SIGKILL mid-run, and
# after a restart every lease whose ACK bootbox logged is in the table.
set -u
BUILD=${BUILD:-build}
BB=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_netns.sh"
need_root
S=bbs-$$ R=bbr-$$ C=bbc-$$ P=bbp-$$
ns_add "$S"; ns_add "$R"; ns_add "$C"; ns_add "$P"
ns_link "$S" srv0 "$R" up0
ns_link "$R" down0 "$C" cli0
ns_link "$S" srv1 "$P" perf0
ns_addr "$S" srv0 192.168.2.2/24
ns_addr "$R" up0 192.168.2.1/24
ns_addr "$R" down0 10.9.0.1/24
ns_addr "$S" srv1 192.168.3.2/24
ns_addr "$P" perf0 192.168.3.50/24
ip -n "$S" route add 10.9.0.0/24 via 192.168.2.1
D=$NS_TMP
cat > "$D/bootbox.yaml" <<YAML
appliance: {name: t, interface: srv0, address: 192.168.2.2, state_dir: $D/state}
dhcp:
  lease_time: 1h
  subnets:
    - {subnet: 192.168.2.0/24, pools: [192.168.2.100-192.168.2.150]}
    - {subnet: 10.9.0.0/24, pools: [10.9.0.100-10.9.0.150], router: 10.9.0.1}
YAML
bg "$S" "$D/bb.log" env BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$D/bootbox.yaml"
wait_log "$D/bb.log" "dhcp: serving" 10 || { bad "start"; finish; exit; }
bg "$R" "$D/relay.log" dhcrelay -d -4 -a -iu up0 -id down0 192.168.2.2
sleep 1
cat > "$D/u.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip router=$router" >> "$OUT"
exit 0
SH
chmod +x "$D/u.sh"
OUT=$D/u1 timeout 30 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 2 -s "$D/u.sh" >/dev/null 2>&1
grep -qE "ip=10\.9\.0\.1[0-5][0-9] router=10.9.0.1" "$D/u1" 2>/dev/null \
	&& ok "relayed client leased in the relay's subnet ($(cat "$D/u1"))" || bad "relay: $(cat "$D/u1" 2>/dev/null) $(tail -2 "$D/relay.log")"

# the load: perfdhcp acts as a relay (giaddr 192.168.3.50); serve that
# subnet on the second link
cat > "$D/bootbox.yaml" <<YAML
appliance: {name: t, interface: srv1, address: 192.168.3.2, state_dir: $D/state2}
dhcp:
  lease_time: 1h
  subnets:
    - {subnet: 192.168.3.0/24, pools: [192.168.3.60-192.168.3.250]}
YAML
for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.5
BG_PIDS=()
bg "$S" "$D/bb2.log" "$BB" serve -c "$D/bootbox.yaml"
BB2=$BG_PID
wait_log "$D/bb2.log" "dhcp: serving" 10
bg "$P" "$D/perf.log" perfdhcp -4 -l perf0 -r 100 -R 150 -p 6 192.168.3.2
sleep 2.5
kill -9 "$BB2"
sleep 0.2
acked=$(grep -c "DHCPACK" "$D/bb2.log")
bg "$S" "$D/bb3.log" "$BB" serve -c "$D/bootbox.yaml"
wait_log "$D/bb3.log" "dhcp: serving" 10
"$BB" leases -c "$D/bootbox.yaml" > "$D/table"
missing=0
while read -r ip mac; do
	grep -q "^$ip  *$mac " "$D/table" || { missing=$((missing + 1)); echo "  lost: $ip $mac"; }
done < <(sed -n 's/.*DHCPACK \([0-9.]*\) to \([0-9a-f:]*\).*/\1 \2/p' "$D/bb2.log")
if [ "$acked" -gt 10 ] && [ "$missing" = 0 ]; then
	ok "kill -9 under load: all $acked acknowledged leases are in the table after restart"
else
	bad "kill -9: $missing of $acked acknowledged leases lost"
fi
finish
