#!/usr/bin/env bash
# Real DHCP clients against bootbox serve, in namespaces this test creates:
# busybox udhcpc from the pool and from a reservation (hostname, domain),
# ISC dhclient, leases surviving a restart, SIGHUP with a bad and a good
# config. BOARD=lwip: the same against bootbox-lwip (lib_netns.sh).
set -u
BUILD=${BUILD:-build}
BB=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_netns.sh"
need_root
[ -x "$BB" ] || { echo "skip: no $BB"; exit 77; }
board_bin
S=bbs-$$ C=bbc-$$
ns_add "$S"; ns_add "$C"
board_link "$S" srv0 "$C" cli0 192.168.2.2/24
D=$NS_TMP
cat > "$D/bootbox.yaml" <<YAML
appliance:
  name: test
  interface: srv0
  address: 192.168.2.2
  state_dir: $D/state
dhcp:
  lease_time: 10m
  subnets:
    - subnet: 192.168.2.0/24
      pools: [192.168.2.100-192.168.2.150]
      router: 192.168.2.1
      dns: [192.168.2.2]
      domain: ring0.lan
machines:
  - name: management
    mac: 52:54:00:12:34:56
    ip: 192.168.2.3
YAML
cat > "$D/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip hostname=$hostname domain=$domain router=$router dns=$dns serverid=$serverid lease=$lease" >> "$OUT"
exit 0
SH
chmod +x "$D/udhcpc.sh"

bg "$S" "$D/bb.log" "$BOARD_BIN" serve -c "$D/bootbox.yaml"
BBPID=$BG_PID
wait_log "$D/bb.log" "dhcp: serving" 10 || { bad "bootbox started"; finish; exit; }

# a stranger gets a pool address with the subnet's options
OUT=$D/u1 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
if grep -qE "ip=192\.168\.2\.1[0-4][0-9] .*domain=ring0.lan router=192.168.2.1 dns=192.168.2.2 serverid=192.168.2.2 lease=600" "$D/u1"; then
	ok "udhcpc: a pool lease with router, dns, domain, lease time"
else bad "udhcpc pool lease: $(cat "$D/u1" 2>/dev/null)"; fi
POOL_IP=$(sed -n 's/^ip=\([0-9.]*\).*/\1/p' "$D/u1" | tail -1)

# the reserved machine gets its address and its name
ip -n "$C" link set cli0 address 52:54:00:12:34:56
OUT=$D/u2 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
grep -q "ip=192.168.2.3 hostname=management domain=ring0.lan" "$D/u2" \
	&& ok "udhcpc: the reservation with hostname and domain" || bad "reservation: $(cat "$D/u2" 2>/dev/null)"

# ISC dhclient, with its own lease file and a script that records the env
ip -n "$C" link set cli0 address 52:54:00:aa:bb:cc
cat > "$D/dhclient.sh" <<SH
#!/bin/sh
case "\$reason" in BOUND|RENEW|REBOOT) echo "ip=\$new_ip_address mask=\$new_subnet_mask domain=\$new_domain_name" >> $D/dh ;; esac
exit 0
SH
chmod +x "$D/dhclient.sh"
timeout 30 ip netns exec "$C" dhclient -1 -v -sf "$D/dhclient.sh" -lf "$D/dh.leases" -pf "$D/dh.pid" cli0 >"$D/dh.log" 2>&1
[ -f "$D/dh.pid" ] && kill "$(cat "$D/dh.pid")" 2>/dev/null
grep -qE "ip=192\.168\.2\.1[0-4][0-9] mask=255.255.255.0 domain=ring0.lan" "$D/dh" 2>/dev/null \
	&& ok "dhclient: a pool lease" || bad "dhclient: $(tail -3 "$D/dh.log")"

# every ACK logged was on disk first: the table shows them
"$BB" leases -c "$D/bootbox.yaml" > "$D/leases1"
grep -q "192.168.2.3 .*52:54:00:12:34:56 .*bound.*management" "$D/leases1" \
	&& grep -q "$POOL_IP" "$D/leases1" && ok "bootbox leases lists the leases" || bad "leases: $(cat "$D/leases1")"

# restart: leases are kept, the stranger renews the same address
kill "$BBPID"; wait "$BBPID" 2>/dev/null
bg "$S" "$D/bb2.log" "$BOARD_BIN" serve -c "$D/bootbox.yaml"
BBPID=$BG_PID
wait_log "$D/bb2.log" "dhcp: serving" 10
grep -q "lease records replayed" "$D/bb2.log" && ok "the journal is replayed at start" || bad "no replay: $(head -3 "$D/bb2.log")"
MAC1=$(awk -v ip="$POOL_IP" '$1 == ip {print $2}' "$D/leases1")
ip -n "$C" link set cli0 address "$MAC1"
OUT=$D/u3 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -r "$POOL_IP" -s "$D/udhcpc.sh" >/dev/null 2>&1
grep -q "ip=$POOL_IP " "$D/u3" && ok "after a restart the client keeps its address" || bad "after restart: $(cat "$D/u3" 2>/dev/null)"

# SIGHUP with a broken config: refused, still serving; then a good one
if ! board_lacks reload "SIGHUP reload"; then
cp "$D/bootbox.yaml" "$D/good.yaml"
sed -i 's/lease_time: 10m/lease_time: 10x/' "$D/bootbox.yaml"
kill -HUP "$BBPID"
wait_log "$D/bb2.log" "reload refused" 5 && ok "SIGHUP with a bad config is refused" || bad "bad reload"
sed 's/lease_time: 10m/lease_time: 20m/' "$D/good.yaml" > "$D/bootbox.yaml"
kill -HUP "$BBPID"
wait_log "$D/bb2.log" "reloaded" 5
OUT=$D/u4 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
grep -q "lease=1200" "$D/u4" && kill -0 "$BBPID" && ok "SIGHUP takes a good config, leases kept" || bad "good reload: $(cat "$D/u4" 2>/dev/null)"
fi
kill "$BBPID"; wait "$BBPID" 2>/dev/null
finish
