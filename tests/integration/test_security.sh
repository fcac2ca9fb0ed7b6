#!/usr/bin/env bash
# Trust and privileges of a running `bootbox serve` (issue 11 findings 3, 8,
# 10, 11; issue 15), in namespaces this test creates: a bridge with the
# appliance, the management node (udhcpc, a Talos-like listener on 50000)
# and an attacker with a static address on the same boot network.
# - serve drops root for appliance.user (Uid, CapEff, NoNewPrivs from
#   /proc/PID/status), the state dir is that user's, the hook runs as it;
#   DHCP (unicast to a client without an address), TFTP, HTTP and a SIGHUP
#   that moves the HTTP listener to port 80 still work after the drop.
# - the attacker claiming the management node's MAC (/ipxe?mac=,
#   /api/v1/booted?mac=) is refused and counted, never probed, and DHCP
#   does not stand down; the node's own lease is what gets probed.
# - cp1.ring0.yaml goes only to cp1.ring0's reservation (not to cp1).
# - state changes need the token (curl), the CLI uses it and refuses an
#   appliance of another name.
# - a state dir the user cannot reach makes serve refuse to run.
set -u
BUILD=${BUILD:-build}
BB=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_netns.sh"
need_root
[ -x "$BB" ] || { echo "skip: no $BB"; exit 77; }
command -v udhcpc >/dev/null && command -v python3 >/dev/null && command -v curl >/dev/null ||
	{ echo "skip: needs udhcpc, python3, curl"; exit 77; }
getent passwd nobody >/dev/null || { echo "skip: no user nobody"; exit 77; }
S=bbs-$$ N=bbn-$$ A=bba-$$
ns_add "$S"; ns_add "$N"; ns_add "$A"
ip -n "$S" link add br0 type bridge
ns_addr "$S" br0 192.168.77.2/24
ns_link "$S" sn0 "$N" eth0
ns_link "$S" sa0 "$A" eth0
ip -n "$S" link set sn0 master br0
ip -n "$S" link set sa0 master br0
ip -n "$N" link set eth0 address 02:00:00:00:00:01
ns_addr "$A" eth0 192.168.77.66/24
# the user nobody reads the config, assets and TFTP root; the hook writes out/
D=$NS_TMP
chmod 755 "$D"
mkdir -p "$D/assets" "$D/tftp" "$D/out"
chmod 1777 "$D/out"
echo "talos secrets of cp1.ring0" >"$D/assets/cp1.ring0.yaml"
echo "kernel" >"$D/assets/k"
head -c 100000 /dev/urandom >"$D/tftp/boot.bin"
chmod -R a+rX "$D/assets" "$D/tftp"
conf() { # NAME PORT
	cat <<YAML
appliance:
  name: $1
  interface: br0
  address: 192.168.77.2
  state_dir: $D/state
  user: nobody
dhcp:
  lease_time: 10m
  subnets:
    - subnet: 192.168.77.0/24
      pools: [192.168.77.100-192.168.77.150]
tftp:
  root: $D/tftp
http:
  listen: 0.0.0.0:$2
boot:
  assets_dir: $D/assets
  profiles:
    - {id: p, kernel: /assets/k, args: [console=ttyS0]}
machines:
  - {name: mgmt, mac: '02:00:00:00:00:01', profile: p}
  - {name: cp1.ring0, mac: '02:00:00:00:00:02', ip: 192.168.77.5}
  - {name: cp1, mac: '02:00:00:00:00:03', ip: 192.168.77.6}
handoff:
  management: mgmt
  probes: ["tcp:50000"]
  actions: [dhcp-standdown, export, hook]
  export_url: http://127.0.0.1:50080/import
  interval: 1s
  timeout: 1s
  confirm: 1
  hook: "id -u >$D/out/hook; grep NoNewPrivs /proc/self/status >>$D/out/hook"
YAML
}
conf sec 8080 >"$D/bootbox.yaml"
conf other 8080 >"$D/other.yaml"
chmod 644 "$D"/*.yaml
listener() { # NS: a Talos-like apid on 50000 for 60 s at most
	bg "$1" "$D/l-$1.log" timeout 60 python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 50000)); s.listen(16)
while True: s.accept()[0].close()"
}
listener "$A"

bg "$S" "$D/bb.log" "$BB" serve -c "$D/bootbox.yaml"
BBPID=$BG_PID
wait_log "$D/bb.log" "privileges: running as nobody" 10 || { bad "serve dropped to nobody"; tail "$D/bb.log"; finish; exit; }
ok "serve logs the drop to nobody"

st=/proc/$BBPID/status
[ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "$st")" = 65534655346553465534 ] &&
	[ "$(awk '/^Gid:/ {print $2 $3 $4 $5}' "$st")" = 65534655346553465534 ] &&
	ok "Uid and Gid are nobody's (real, effective, saved, fs)" || bad "ids: $(grep -E '^(Uid|Gid)' "$st")"
# CAP_NET_BIND_SERVICE (10) and CAP_NET_ADMIN (12), nothing else
[ "$(awk '/^CapEff:/ {print $2}' "$st")" = 0000000000001400 ] && ok "CapEff: only NET_BIND_SERVICE and NET_ADMIN" || bad "$(grep ^CapEff "$st")"
[ "$(awk '/^CapPrm:/ {print $2}' "$st")" = 0000000000001400 ] && [ "$(awk '/^CapInh:/ {print $2}' "$st")" = 0000000000000000 ] &&
	ok "CapPrm the same, CapInh empty" || bad "$(grep -E '^Cap(Prm|Inh)' "$st")"
[ "$(awk '/^CapBnd:/ {print $2}' "$st")" = 0000000000001400 ] && ok "CapBnd: bounding set reduced" || bad "$(grep ^CapBnd "$st")"
[ "$(awk '/^NoNewPrivs:/ {print $2}' "$st")" = 1 ] && ok "NoNewPrivs: 1" || bad "$(grep ^NoNewPrivs "$st")"
# capabilities, the bounding set and no_new_privs are per thread: the DHCP
# lane (which parses the boot network's datagrams) must have dropped too
grep -qx bootbox-dhcp /proc/$BBPID/task/*/comm && ok "DHCP runs on its own thread (bootbox-dhcp)" || bad "no bootbox-dhcp thread: $(cat /proc/$BBPID/task/*/comm | tr '\n' ' ')"
threads_ok=1
for t in /proc/$BBPID/task/*/status; do
	[ "$(grep -E '^(Uid|Gid|CapEff|CapPrm|CapBnd|NoNewPrivs):' "$t")" = "$(grep -E '^(Uid|Gid|CapEff|CapPrm|CapBnd|NoNewPrivs):' "$st")" ] || { threads_ok=0; bad "thread $t: $(grep -E '^(Name|Uid|CapEff|CapBnd|NoNewPrivs):' "$t" | tr '\n' ' ')"; }
done
[ $threads_ok = 1 ] && ok "every thread has the main thread's ids, capabilities and NoNewPrivs"
[ -z "$(find "$D/state" ! -user nobody)" ] && ok "every file in the state dir is nobody's" || bad "not nobody's: $(find "$D/state" ! -user nobody)"
[ "$(stat -c %a "$D/state/api.token")" = 600 ] && ok "api.token is 0600" || bad "token mode $(stat -c %a "$D/state/api.token")"
TOKEN=$(cat "$D/state/api.token")
API=http://192.168.77.2:8080
acurl() { ip netns exec "$A" curl -s --max-time 5 "$@"; }

# the attacker claims the management node's MAC
acurl -o /dev/null "$API/ipxe?mac=02:00:00:00:00:01"
code=$(acurl -o /dev/null -w '%{http_code}' "$API/api/v1/booted?mac=02:00:00:00:00:01")
[ "$code" = 403 ] && ok "booted for another machine's MAC from a foreign host: 403" || bad "foreign booted: $code"
code=$(acurl -o /dev/null -w '%{http_code}' "$API/api/v1/booted?mac=02:00:00:00:00:09")
[ "$code" = 403 ] && ok "booted for an unknown MAC from a foreign host: 403" || bad "unknown booted: $code"
acurl "$API/metrics" | grep -q '^bootbox_api_refused_total 2$' && ok "refusals counted in /metrics" || bad "metrics: $(acurl "$API/metrics" | grep refused)"
sleep 3
h=$(acurl "$API/api/v1/handoff")
[[ $h == *'"address":"0.0.0.0"'* && $h == *'"dhcp_standdown":false'* && $h != *handed-off* ]] &&
	ok "the attacker's address is not the node's: nothing probed, no stand-down" || bad "handoff: $h"
! grep -q "probing mgmt at 192.168.77.66" "$D/bb.log" && ok "the attacker was never probed" || bad "probed the attacker"
m=$(acurl "$API/api/v1/machines/mgmt")
[[ $m != *'"last_ip":"192.168.77.66"'* && $m != *'"phase":"booting"'* ]] &&
	ok "a foreign /ipxe?mac= moves no machine state and records no address" || bad "machine after foreign ipxe: $m"
grep -q "standdown" "$D/state/handoff.state" 2>/dev/null && bad "stand-down persisted" || ok "no stand-down persisted"
code=$(acurl -o /dev/null -w '%{http_code}' -X POST "$API/api/v1/machines/mgmt/reinstall")
[ "$code" = 403 ] && ok "reinstall without the token: 403" || bad "reinstall no token: $code"

# secrets by whole name
code=$(acurl -o /dev/null -w '%{http_code}' "$API/assets/cp1.ring0.yaml")
[ "$code" = 403 ] && ok "cp1.ring0.yaml refused to a foreign host" || bad "secret to attacker: $code"
ip -n "$A" addr add 192.168.77.6/24 dev eth0
ip -n "$A" addr add 192.168.77.5/24 dev eth0
code=$(acurl -o /dev/null -w '%{http_code}' --interface 192.168.77.6 "$API/assets/cp1.ring0.yaml")
[ "$code" = 403 ] && ok "cp1.ring0.yaml refused to cp1's address" || bad "secret to cp1: $code"
[ "$(acurl --interface 192.168.77.5 "$API/assets/cp1.ring0.yaml")" = "talos secrets of cp1.ring0" ] &&
	ok "cp1.ring0.yaml served to cp1.ring0's reservation" || bad "secret to its owner"
ip -n "$A" addr del 192.168.77.5/24 dev eth0
ip -n "$A" addr del 192.168.77.6/24 dev eth0

# the real node: DHCP after the drop (unicast to a client without an address)
cat >"$D/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && { ip addr add "$ip/24" dev "$interface"; echo "$ip" >"$OUT"; }
exit 0
SH
chmod +x "$D/udhcpc.sh"
OUT=$D/lease timeout 20 ip netns exec "$N" udhcpc -i eth0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >"$D/udhcpc.log" 2>&1
NIP=$(cat "$D/lease" 2>/dev/null)
[[ $NIP == 192.168.77.1[0-5][0-9] ]] && ok "DHCP after the drop: the node leased $NIP" || bad "udhcpc: $(tail -3 "$D/udhcpc.log")"
ncurl() { ip netns exec "$N" curl -s --max-time 5 "$@"; }
ncurl -o "$D/tftp.out" tftp://192.168.77.2/boot.bin && cmp -s "$D/tftp.out" "$D/tftp/boot.bin" &&
	ok "TFTP after the drop" || bad "tftp"
[ "$(ncurl "$API/assets/k")" = kernel ] && ok "HTTP after the drop" || bad "http"
code=$(ncurl -o /dev/null -w '%{http_code}' "$API/api/v1/booted?mac=02:00:00:00:00:01")
[ "$code" = 200 ] && ok "booted from the node's own DHCP-bound address: 200" || bad "own booted: $code"
# the management cluster's importer, beside bootbox (for 60 s at most)
bg "$S" "$D/importer.log" timeout 60 python3 -c "
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers['Content-Length'])
        open('$D/out/post', 'wb').write(self.headers['Content-Type'].encode() + b'\n' + self.rfile.read(n))
        self.send_response(204); self.end_headers()
http.server.HTTPServer(('127.0.0.1', 50080), H).serve_forever()"
for i in $(seq 50); do ip netns exec "$S" bash -c ': </dev/tcp/127.0.0.1/50080' 2>/dev/null && break; sleep 0.1; done
listener "$N"
LPID=$BG_PID
for i in $(seq 100); do
	h=$(ncurl "$API/api/v1/handoff")
	[[ $h == *'"phase":"handed-off"'* ]] && break
	sleep 0.2
done
[[ $h == *"\"address\":\"$NIP\""* && $h == *'"phase":"handed-off"'* && $h == *'"dhcp_standdown":true'* ]] &&
	ok "the node's lease is probed and hands off" || bad "handoff: $h"
for i in $(seq 50); do [ -s "$D/out/hook" ] && break; sleep 0.1; done
[ "$(head -1 "$D/out/hook" 2>/dev/null)" = 65534 ] && grep -q 'NoNewPrivs:.1' "$D/out/hook" &&
	ok "the hook runs as nobody with NoNewPrivs" || bad "hook: $(cat "$D/out/hook" 2>/dev/null)"
for i in $(seq 50); do [ -s "$D/out/post" ] && break; sleep 0.1; done
[ "$(head -1 "$D/out/post" 2>/dev/null)" = application/json ] && grep -q '"mgmt"' "$D/out/post" &&
	grep -q "export posted to http://127.0.0.1:50080/import" "$D/bb.log" &&
	ok "the export is POSTed to handoff.export_url as JSON" || bad "export POST: $(cat "$D/out/post" "$D/importer.log" 2>&1 | head -5)"

# the CLI: the token from the state dir, and the appliance's name checked
if ip netns exec "$S" "$BB" status -c "$D/bootbox.yaml" | grep -q "^bootbox 'sec' up"; then
	ok "bootbox status talks to 'sec'"
else bad "status"; fi
out=$(ip netns exec "$S" "$BB" status -c "$D/other.yaml" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"is appliance 'sec', not 'other'"* ]] && ok "status refuses another appliance: $out" || bad "other status ($rc): $out"
out=$(ip netns exec "$S" "$BB" machines -c "$D/other.yaml" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"not 'other'"* ]] && ok "machines refuses another appliance" || bad "other machines ($rc): $out"
out=$(ip netns exec "$S" "$BB" machines -c "$D/other.yaml" reinstall mgmt 2>&1); rc=$?
h=$(ncurl "$API/api/v1/handoff")
[ $rc = 1 ] && [[ $h == *'"dhcp_standdown":true'* ]] && ok "reinstall refused on another appliance" || bad "other reinstall ($rc): $out $h"
out=$(ip netns exec "$S" setpriv --reuid=65533 --regid=65533 --clear-groups "$BB" machines -c "$D/bootbox.yaml" reinstall mgmt 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"api.token"* ]] && ok "reinstall without access to the token: clear error" || bad "no-token CLI ($rc): $out"
# the node goes down for its reinstall (else the kick hands off again at once)
kill "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null
ip netns exec "$S" "$BB" machines -c "$D/bootbox.yaml" reinstall mgmt >/dev/null &&
	[[ $(ncurl "$API/api/v1/handoff") == *'"dhcp_standdown":false'* ]] && ok "machines reinstall with the token lifts the stand-down" ||
	bad "reinstall: $(ncurl "$API/api/v1/handoff")"
code=$(acurl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$API/api/v1/booted?mac=02:00:00:00:00:03")
[ "$code" = 200 ] && ok "booted with the token from anywhere: 200" || bad "token booted: $code"

# SIGHUP moves HTTP to port 80: a bind that needs CAP_NET_BIND_SERVICE
conf sec 80 >"$D/bootbox.yaml"
kill -HUP "$BBPID"
wait_log "$D/bb.log" "^.*reloaded" 10 >/dev/null
for i in $(seq 30); do ncurl -o /dev/null http://192.168.77.2:80/ && break; sleep 0.1; done
[ "$(ncurl "http://192.168.77.2:80/assets/k")" = kernel ] && ok "SIGHUP after the drop: HTTP rebound to port 80" || bad "reload to :80: $(tail -3 "$D/bb.log")"
kill -0 "$BBPID" 2>/dev/null && [ "$(awk '/^Uid:/ {print $2}' "$st")" = 65534 ] && ok "still running as nobody after the reload" || bad "after reload"

# a state dir the user cannot reach: serve refuses to run, and says why
mkdir -m 700 "$D/private"
printf 'appliance: {name: p, address: 127.0.0.1, state_dir: %s, user: nobody}\nhttp: {listen: 127.0.0.1:8099}\n' \
	"$D/private/state" >"$D/private.yaml"
chmod 644 "$D/private.yaml"
out=$(timeout 10 ip netns exec "$S" "$BB" serve -c "$D/private.yaml" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"nobody cannot use the state dir"* ]] && ok "an unreachable state dir after the drop: refused, said why" ||
	bad "private state dir ($rc): $(echo "$out" | tail -2)"
finish
