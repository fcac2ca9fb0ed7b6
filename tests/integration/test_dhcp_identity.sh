#!/usr/bin/env bash
# A reserved machine keeps its address whatever client identifier its DHCP
# client sends (none, 01:mac, RFC 4361 IAID+DUID, a string): busybox udhcpc
# with -C / default / -x 0x3d:..., ISC dhclient with send
# dhcp-client-identifier. A no-reply is counted by reason in /metrics and
# logged. One instance per state dir and per DHCP port: a second bootbox
# serve on either refuses to start, naming why, and the first keeps serving.
set -u
BUILD=${BUILD:-build}
BB=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_netns.sh"
need_root
[ -x "$BB" ] || { echo "skip: no $BB"; exit 77; }
command -v udhcpc >/dev/null || { echo "skip: no udhcpc"; exit 77; }
S=bbs-$$ C=bbc-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" srv0 "$C" cli0
ns_addr "$S" srv0 192.168.2.2/24
D=$NS_TMP
RES_MAC=52:54:00:12:34:56
conf() { # state_dir
	cat <<YAML
appliance:
  name: test
  interface: srv0
  address: 192.168.2.2
  state_dir: $1
dhcp:
  lease_time: 10m
  known_only: true
  subnets:
    - subnet: 192.168.2.0/24
      pools: [192.168.2.100-192.168.2.150]
http:
  listen: 127.0.0.1:18080
machines:
  - name: cp1
    mac: $RES_MAC
    ip: 192.168.2.3
YAML
}
conf "$D/state" > "$D/bootbox.yaml"
conf "$D/state2" | sed 's/18080/18081/' > "$D/other.yaml"
cat > "$D/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip hostname=$hostname" >> "$OUT"
exit 0
SH
chmod +x "$D/udhcpc.sh"

bg "$S" "$D/bb.log" "$BB" serve -c "$D/bootbox.yaml"
BBPID=$BG_PID
wait_log "$D/bb.log" "dhcp: serving" 10 || { bad "bootbox started"; finish; exit; }

ip -n "$C" link set cli0 address "$RES_MAC"
# the firmware chain's identifiers: PXE ROM (none), iPXE (01:mac), an OS
# with RFC 4361 type 255 IAID+DUID, and a configured string
n=0
for args in "-C" "" "-x 0x3d:ffa1b2c3d4000200000000ab1122334455" "-x 0x3d:0063703120736f6d65"; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	OUT=$D/u$n timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 $args -s "$D/udhcpc.sh" >/dev/null 2>&1
	grep -q "ip=192.168.2.3 hostname=cp1" "$D/u$n" 2>/dev/null \
		&& ok "udhcpc ${args:-(01:mac)}: the reservation" || bad "udhcpc ${args:-(01:mac)}: $(cat "$D/u$n" 2>/dev/null)"
done
# the OS's INIT-REBOOT (option 50) with yet another id is ACKed too
OUT=$D/u5 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -r 192.168.2.3 -x 0x3d:00726562 -s "$D/udhcpc.sh" >/dev/null 2>&1
grep -q "ip=192.168.2.3 " "$D/u5" 2>/dev/null && ok "udhcpc -r with a new id: the reservation" || bad "udhcpc -r: $(cat "$D/u5" 2>/dev/null)"

if command -v dhclient >/dev/null; then
	cat > "$D/dhclient.sh" <<SH
#!/bin/sh
case "\$reason" in BOUND|RENEW|REBOOT) echo "ip=\$new_ip_address" >> $D/dh ;; esac
exit 0
SH
	chmod +x "$D/dhclient.sh"
	printf 'send dhcp-client-identifier "cp1-installed";\n' > "$D/dhclient.conf"
	timeout 30 ip netns exec "$C" dhclient -1 -v -cf "$D/dhclient.conf" -sf "$D/dhclient.sh" -lf "$D/dh.leases" -pf "$D/dh.pid" cli0 >"$D/dh.log" 2>&1
	[ -f "$D/dh.pid" ] && kill "$(cat "$D/dh.pid")" 2>/dev/null
	grep -q "ip=192.168.2.3" "$D/dh" 2>/dev/null \
		&& ok "dhclient with send dhcp-client-identifier: the reservation" || bad "dhclient: $(tail -3 "$D/dh.log")"
fi
grep -q "DHCPACK 192.168.2.3 to $RES_MAC (cp1)" "$D/bb.log" && ! grep -q "no reply .*cp1" "$D/bb.log" \
	&& ok "the reserved machine was never left unanswered" || bad "log: $(grep 'no reply' "$D/bb.log" | head -3)"

# a stranger with known_only: no reply, but counted and logged once
ip -n "$C" link set cli0 address 52:54:00:aa:bb:cc
OUT=$D/u6 timeout 10 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 3 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
m=$(ip netns exec "$S" curl -s http://127.0.0.1:18080/metrics)
cnt=$(echo "$m" | awk '/^bootbox_dhcp_ignored_total\{reason="unknown-client"\}/ {print $2}')
[ "${cnt:-0}" -ge 3 ] && ok "a stranger's DISCOVERs counted as unknown-client ($cnt)" || bad "metrics: $m"
[ "$(grep -c "no reply to DHCPDISCOVER from 52:54:00:aa:bb:cc: unknown-client" "$D/bb.log")" = 1 ] \
	&& ok "and logged once" || bad "log lines: $(grep "no reply" "$D/bb.log")"

# a second serve on the same state dir refuses, naming the holder
timeout 10 ip netns exec "$S" "$BB" serve -c "$D/bootbox.yaml" >"$D/second.log" 2>&1
rc=$?
[ "$rc" != 0 ] && grep -q "in use by another bootbox (PID $BBPID)" "$D/second.log" \
	&& ok "a second serve on the same state dir refuses (rc $rc)" || bad "second serve: rc $rc $(cat "$D/second.log")"
# another state dir, same DHCP port: the bind fails, nothing answers twice
timeout 10 ip netns exec "$S" "$BB" serve -c "$D/other.yaml" >"$D/third.log" 2>&1
rc=$?
[ "$rc" != 0 ] && grep -q "cannot listen on srv0 port 67: Address already in use" "$D/third.log" \
	&& ok "a second serve on the same DHCP port refuses (rc $rc)" || bad "same port: rc $rc $(cat "$D/third.log")"
# dnsmasq already on the port: bootbox refuses to start beside it
if command -v dnsmasq >/dev/null; then
	kill "$BBPID"; wait "$BBPID" 2>/dev/null
	bg "$S" "$D/dnsmasq.log" dnsmasq -k -u root -p 0 -i srv0 --bind-interfaces -C /dev/null \
		--dhcp-range=192.168.2.200,192.168.2.210 --dhcp-leasefile="$D/dnsmasq.leases" --pid-file="$D/dnsmasq.pid"
	DMPID=$BG_PID
	sleep 1
	timeout 10 ip netns exec "$S" "$BB" serve -c "$D/other.yaml" >"$D/fourth.log" 2>&1
	rc=$?
	[ "$rc" != 0 ] && grep -q "port 67: Address already in use" "$D/fourth.log" \
		&& ok "beside a running dnsmasq bootbox refuses to start" || bad "beside dnsmasq: rc $rc $(cat "$D/fourth.log")"
	kill "$DMPID"; wait "$DMPID" 2>/dev/null
	bg "$S" "$D/bb2.log" "$BB" serve -c "$D/bootbox.yaml"
	BBPID=$BG_PID
	wait_log "$D/bb2.log" "dhcp: serving" 10
fi
# the first (or the restarted one) keeps serving
ip -n "$C" link set cli0 address "$RES_MAC"
OUT=$D/u7 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
grep -q "ip=192.168.2.3 " "$D/u7" 2>/dev/null && kill -0 "$BBPID" \
	&& ok "the running bootbox keeps serving" || bad "after the refusals: $(cat "$D/u7" 2>/dev/null)"
kill "$BBPID"; wait "$BBPID" 2>/dev/null
finish
