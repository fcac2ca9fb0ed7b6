#!/usr/bin/env bash
# bootbox-lwip (the lwIP board) owning a TAP that has no host address: the
# TAP and a veth end are joined by a bridge without an address in one
# namespace, the clients sit behind the veth in another. udhcpc gets a
# pool lease and a reservation, tftp-hpa and curl fetch over TFTP, curl
# over HTTP (boot routes, assets, half-close, pipelining, 64 clients);
# ISC dhclient too; the lease journal survives a restart and reads with
# bootbox leases.
set -u
BUILD=${BUILD:-build}
BB=$(cd "$(dirname "$BUILD/bootbox-lwip")" && pwd)/bootbox-lwip
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_netns.sh"
[ -x "$BB" ] || { echo "skip: no $BB (make firmware, after make deps)"; exit 77; }
need_root
[ -c /dev/net/tun ] || { echo "skip: no /dev/net/tun"; exit 77; }
S=bbls-$$ C=bblc-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" up0 "$C" cli0
ip -n "$S" link add br0 type bridge
ip -n "$S" tuntap add dev tap0 mode tap
ip -n "$S" link set tap0 master br0
ip -n "$S" link set up0 master br0
ip -n "$S" link set tap0 up
ip -n "$S" link set br0 up
D=$NS_TMP
mkdir -p "$D/tftp" "$D/assets"
head -c 3000000 /dev/urandom >"$D/tftp/undionly.kpxe"
head -c 200000 /dev/urandom >"$D/assets/kernel"
cat >"$D/bootbox.yaml" <<YAML
appliance:
  name: lwip
  interface: tap0
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
tftp:
  root: $D/tftp
  # one client address below runs 16 at once (the default is 8)
  max_per_client: 16
http:
  listen: 192.168.2.2:8080
boot:
  assets_dir: $D/assets
  profiles:
    - id: p
      kernel: /assets/kernel
      args: [console=ttyS0]
  groups:
    - id: all
      profile: p
machines:
  - name: management
    mac: 52:54:00:12:34:56
    ip: 192.168.2.3
YAML
cat >"$D/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip hostname=$hostname domain=$domain router=$router dns=$dns serverid=$serverid lease=$lease" >> "$OUT"
exit 0
SH
chmod +x "$D/udhcpc.sh"

[ -z "$(ip -n "$S" -4 addr show dev tap0 | grep inet)" ] && [ -z "$(ip -n "$S" -4 addr show dev br0 | grep inet)" ] &&
	ok "the TAP and the bridge have no host address" || bad "host addresses present"
bg "$S" "$D/bb.log" "$BB" serve -c "$D/bootbox.yaml"
BBPID=$BG_PID
wait_log "$D/bb.log" "serving as" 10 || { bad "bootbox-lwip started"; cat "$D/bb.log"; finish; exit; }
ok "bootbox-lwip started on tap0"

OUT=$D/u1 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
if grep -qE "ip=192\.168\.2\.1[0-4][0-9] .*domain=ring0.lan router=192.168.2.1 dns=192.168.2.2 serverid=192.168.2.2 lease=600" "$D/u1"; then
	ok "udhcpc over lwIP: a pool lease with router, dns, domain, lease time"
else bad "udhcpc pool lease: $(cat "$D/u1" 2>/dev/null)"; fi

ip -n "$C" link set cli0 address 52:54:00:12:34:56
OUT=$D/u2 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
grep -q "ip=192.168.2.3 hostname=management domain=ring0.lan" "$D/u2" &&
	ok "udhcpc over lwIP: the reservation with hostname and domain" || bad "reservation: $(cat "$D/u2" 2>/dev/null)"

ip -n "$C" link set cli0 address 52:54:00:aa:bb:cc
cat >"$D/dhclient.sh" <<SH
#!/bin/sh
case "\$reason" in BOUND|RENEW|REBOOT) echo "ip=\$new_ip_address mask=\$new_subnet_mask domain=\$new_domain_name" >> $D/dh ;; esac
exit 0
SH
chmod +x "$D/dhclient.sh"
if command -v dhclient >/dev/null; then
	timeout 30 ip netns exec "$C" dhclient -1 -v -sf "$D/dhclient.sh" -lf "$D/dh.leases" -pf "$D/dh.pid" cli0 >"$D/dh.log" 2>&1
	[ -f "$D/dh.pid" ] && kill "$(cat "$D/dh.pid")" 2>/dev/null
	grep -qE "ip=192\.168\.2\.1[0-4][0-9] mask=255.255.255.0 domain=ring0.lan" "$D/dh" 2>/dev/null &&
		ok "ISC dhclient over lwIP: a pool lease" || bad "dhclient: $(tail -3 "$D/dh.log")"
fi
ip -n "$C" addr add 192.168.2.3/24 dev cli0
timeout 10 ip netns exec "$C" ping -c 1 -W 2 192.168.2.2 >/dev/null 2>&1 &&
	ok "lwIP answers ARP and ICMP echo at 192.168.2.2" || bad "ping"
(cd "$D" && timeout 60 ip netns exec "$C" tftp -m binary 192.168.2.2 -c get undionly.kpxe t1) &&
	cmp -s "$D/t1" "$D/tftp/undionly.kpxe" && ok "tftp-hpa over lwIP: 3 MB, identical" || bad "tftp-hpa"
timeout 60 ip netns exec "$C" curl -s --tftp-blksize 1468 -o "$D/t2" tftp://192.168.2.2/undionly.kpxe &&
	cmp -s "$D/t2" "$D/tftp/undionly.kpxe" && ok "curl tftp:// blksize 1468 over lwIP, identical" || bad "curl tftp"
G=$(cd "$(dirname "$BUILD/tools/tftp_get")" 2>/dev/null && pwd)/tftp_get
if [ -x "$G" ]; then
	timeout 60 ip netns exec "$C" "$G" -b 1468 -w 16 -o "$D/t3" 192.168.2.2 69 undionly.kpxe >/dev/null &&
		cmp -s "$D/t3" "$D/tftp/undionly.kpxe" && ok "TFTP windowsize 16 over lwIP, identical" || bad "windowsize 16"
fi
tp=()
for k in $(seq 16); do
	timeout 60 ip netns exec "$C" curl -s --tftp-blksize 1468 -o "$D/tp$k" tftp://192.168.2.2/undionly.kpxe & tp+=($!)
done
for p in "${tp[@]}"; do wait "$p"; done
good=0; for k in $(seq 16); do cmp -s "$D/tp$k" "$D/tftp/undionly.kpxe" && good=$((good + 1)); done
[ $good = 16 ] && ok "16 TFTP transfers at once" || bad "parallel tftp $good/16"
timeout 20 ip netns exec "$C" curl -s -o /dev/null tftp://192.168.2.2/missing; [ $? = 68 ] &&
	ok "TFTP missing file: file-not-found" || bad "tftp missing"

if grep -q "http: listening" "$D/bb.log"; then
	b=$(timeout 20 ip netns exec "$C" curl -s "http://192.168.2.2:8080/boot.ipxe")
	[[ $b == "#!ipxe"* ]] && ok "HTTP /boot.ipxe over lwIP" || bad "boot.ipxe: $b"
	i=$(timeout 20 ip netns exec "$C" curl -s "http://192.168.2.2:8080/ipxe?mac=52:54:00:12:34:56")
	[[ $i == *"kernel"*"/assets/kernel"* ]] && ok "HTTP /ipxe renders the profile" || bad "ipxe: $i"
	timeout 30 ip netns exec "$C" curl -s -o "$D/h1" "http://192.168.2.2:8080/assets/kernel" &&
		cmp -s "$D/h1" "$D/assets/kernel" && ok "HTTP asset over lwIP, identical" || bad "asset"
	c=$(timeout 20 ip netns exec "$C" curl -s -o /dev/null -w '%{http_code}' "http://192.168.2.2:8080/assets/none")
	[ "$c" = 404 ] && ok "HTTP 404 for a missing asset" || bad "missing asset: $c"
	cat >"$D/raw.py" <<'PY'
import socket, sys
# usage: raw.py MODE: "halfclose" (request, then FIN, as busybox wget does)
# or "pipeline" (two requests in one segment)
mode = sys.argv[1]
s = socket.create_connection(("192.168.2.2", 8080), timeout=10)
r = b"GET /boot.ipxe HTTP/1.1\r\nHost: x\r\n\r\n"
if mode == "halfclose":
    s.sendall(b"GET /boot.ipxe HTTP/1.0\r\n\r\n")
    s.shutdown(socket.SHUT_WR)
else:
    s.sendall(r + r.replace(b"Host: x", b"Host: x\r\nConnection: close"))
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except ConnectionResetError:
    print("reset"); sys.exit(1)
print(out.count(b"HTTP/1.1 200 OK"))
PY
	[ "$(timeout 20 ip netns exec "$C" python3 "$D/raw.py" halfclose)" = 1 ] &&
		ok "HTTP request then FIN: answered, closed without a reset" || bad "half-close"
	[ "$(timeout 20 ip netns exec "$C" python3 "$D/raw.py" pipeline)" = 2 ] &&
		ok "two pipelined requests: two responses, in order" || bad "pipelining"
	hp=()
	for k in $(seq 64); do
		timeout 60 ip netns exec "$C" curl -s -o "$D/hp$k" "http://192.168.2.2:8080/assets/kernel" & hp+=($!)
	done
	for p in "${hp[@]}"; do wait "$p"; done
	good=0; for k in $(seq 64); do cmp -s "$D/hp$k" "$D/assets/kernel" && good=$((good + 1)); done
	rss=$(awk '/VmHWM/ {print $2}' /proc/"$BBPID"/status)
	echo "# bootbox-lwip peak RSS ${rss} KiB"
	[ $good = 64 ] && ok "64 HTTP downloads at once (64 clients)" || bad "parallel http $good/64"
fi

kill -HUP "$BBPID"; wait_log "$D/bb.log" "reloaded" 5
kill -0 "$BBPID" 2>/dev/null && grep -q "reloaded" "$D/bb.log" && ok "SIGHUP reloads, still serving" || bad "SIGHUP"
# the lease survives a restart (journal replayed)
kill "$BBPID"; wait "$BBPID" 2>/dev/null
L=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
if [ -x "$L" ]; then
	"$L" leases -c "$D/bootbox.yaml" >"$D/leases" 2>&1
	grep -q "192.168.2.3 .*52:54:00:12:34:56 .*bound.*management" "$D/leases" &&
		ok "bootbox leases reads the lwIP board's journal" || bad "leases: $(cat "$D/leases")"
fi
bg "$S" "$D/bb2.log" "$BB" serve -c "$D/bootbox.yaml"
wait_log "$D/bb2.log" "serving as" 10 && grep -qE "dhcp: [1-9][0-9]* lease records replayed" "$D/bb2.log" &&
	ok "lease journal replayed at restart" || bad "journal: $(grep replayed "$D/bb2.log")"
grep -q "lwip: heap used max" "$D/bb.log" && ok "lwIP pool/heap peaks logged at stop" || bad "stats"
grep -qE "lwip: heap used max [0-9]+ of [0-9]+ bytes, err 0$" "$D/bb.log" && ! grep -q "lwip: pool .*err [1-9]" "$D/bb.log" &&
	ok "lwIP's heap and pools never ran out (64 clients at once among the rest)" ||
	bad "lwIP allocations failed: $(grep 'lwip: .*err [1-9]' "$D/bb.log")"
grep -qE "lwip: malloc (held [0-9]+, max [1-9][0-9]* bytes|not counted in this build)" "$D/bb.log" &&
	ok "the board's malloc peak logged at stop" || bad "no malloc count"
kill "$BG_PID"; wait "$BG_PID" 2>/dev/null
! grep -q "Sanitizer" "$D/bb.log" "$D/bb2.log" && ok "no sanitizer report" || { bad "sanitizer"; grep -A20 Sanitizer "$D/bb.log" "$D/bb2.log" | head -40; }
grep "lwip:" "$D/bb.log" | sed 's/^/# /'
finish
