#!/usr/bin/env bash
# Certificate renewal and the hand-off on the lwIP board (bootbox-lwip),
# over lwIP + mbedTLS with no host address on the segment. The PKI, the
# importer and the management node sit behind the bridge in a client
# namespace (the board has no resolver: every URL names an IPv4 literal,
# and multirootca's certificate carries it as an IP SAN).
# - renewal: the PKI is down at start, the renewal is retried with a
#   growing backoff; once multirootca (TLS, a CA from `bootbox pki init`)
#   is up, the certificate is obtained on the loop, chains to the root,
#   has the hosts asked for and matches the key; the HTTPS listener (over
#   lwIP) serves it, and a certificate renewed beside it (bootbox cert
#   renew --force) to new connections without a restart;
# - hand-off: the management node leases over lwIP's DHCP, its tcp:50000
#   listener, an http: /readyz and an https: /readyz (TLS over lwIP,
#   verified against handoff.ca_bundle; first a certificate from another
#   CA, refused) answer the probes, /api/v1/handoff shows the hand-off with
#   the DHCP stand-down, the export is POSTed as JSON to the importer (the
#   board's outbound request), the hook is logged as not supported, and
#   a new DHCP client gets no answer.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BOARD=lwip
. "$HERE/lib_netns.sh"
. "$HERE/lib_tls.sh"
board_bin
BB=$BOARD_BIN
HOSTBB=$(cd "$(dirname "${BUILD:-build}/bootbox")" && pwd)/bootbox
for t in multirootca cfssl cfssljson openssl python3 udhcpc; do
	command -v $t >/dev/null || { echo "skip: $t not installed"; exit 77; }
done
[ -x "$HOSTBB" ] || { echo "skip: no $HOSTBB (pki init)"; exit 77; }
need_root
S=bbps-$$ C=bbpc-$$
ns_add "$S"; ns_add "$C"
board_link "$S" tap0 "$C" cli0
ip -n "$C" link set cli0 address 02:00:00:00:00:01 # the management node
ns_addr "$C" cli0 192.168.2.9/24
D=$NS_TMP

export PKI_COUNTRY=FR PKI_STATE=IDF PKI_LOCATION=Paris PKI_ORG="My Cloud" PKI_ORG_UNIT="CA Services"
P=$D/dist
"$HOSTBB" pki init --out "$P" >/dev/null || { bad "pki init"; finish; exit; }
echo '{"CN":"pki.test","hosts":["192.168.2.9"],"key":{"algo":"ecdsa","size":256}}' >"$D/pki-csr.json"
(cd "$D" && cfssl gencert -ca "$P/intermediate-ca.pem" -ca-key "$P/intermediate-ca-key.pem" \
	-config "$P/config.json" -profile host pki-csr.json 2>/dev/null | cfssljson -bare pki-srv)
cat "$D/pki-srv.pem" "$P/intermediate-ca.pem" >"$D/pki-srv-chain.pem"
make_test_ca "$D"
mkdir -p "$D/out" "$D/assets"
echo kernel >"$D/assets/k"

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
http:
  listen: 192.168.2.2:8080
  tls_listen: 192.168.2.2:8443
boot:
  assets_dir: $D/assets
  profiles:
    - {id: p, kernel: /assets/k, args: [console=ttyS0]}
machines:
  - {name: mgmt, mac: '02:00:00:00:00:01', profile: p}
handoff:
  management: mgmt
  probes: ["tcp:50000", "http:8081/readyz", "https:6443/readyz"]
  ca_bundle: $D/ca.pem
  actions: [dhcp-standdown, export, hook]
  export_url: http://192.168.2.9:50080/import
  interval: 1s
  timeout: 1s
  confirm: 1
  hook: "true"
pki:
  endpoint: https://192.168.2.9:8888
  ca_bundle: $P/bundle.crt
  auth_key_file: $P/auth.key
  label: microcloud
  profile: host
  cn: lwip.ring0.lan
  hosts: [lwip, 192.168.2.2]
  names: {C: FR, O: Ring0}
  retry: 1s
YAML

bg "$S" "$D/bb.log" "$BB" serve -c "$D/bootbox.yaml"
BBPID=$BG_PID
wait_log "$D/bb.log" "serving as" 10 || { bad "bootbox-lwip started"; cat "$D/bb.log"; finish; exit; }
ok "bootbox-lwip started with pki: and handoff:"

# --- renewal ---------------------------------------------------------------
wait_log "$D/bb.log" "renewal failed; next attempt in 2s" 15 &&
	ok "PKI down: the renewal is retried with a growing backoff" || bad "no backoff"
grep -q "PKI unreachable: 192.168.2.9: connect refused" "$D/bb.log" &&
	ok "the failure says the PKI is unreachable" || bad "failure line: $(grep 'cert:' "$D/bb.log" | head -3)"
bg "$C" "$D/mrca.log" timeout 120 multirootca -a 192.168.2.9:8888 -l microcloud \
	-roots "$P/multiroot-profile.ini" -tls-cert "$D/pki-srv-chain.pem" -tls-key "$D/pki-srv-key.pem"
if wait_log "$D/bb.log" "cert: certificate renewed" 60; then
	ok "certificate obtained over lwIP + mbedTLS once the PKI is up ($(grep -o 'renewed: .*' "$D/bb.log" | head -1))"
else
	bad "no certificate"; tail -5 "$D/bb.log"
fi
CD=$D/state/certs
openssl verify -CAfile "$P/root-ca.pem" -untrusted "$P/intermediate-ca.pem" "$CD/bootbox.crt" 2>&1 | grep -q ": OK$" &&
	ok "it chains to the root" || bad "verify: $(openssl verify -CAfile "$P/root-ca.pem" -untrusted "$P/intermediate-ca.pem" "$CD/bootbox.crt" 2>&1)"
txt=$(openssl x509 -in "$CD/bootbox.crt" -noout -text 2>/dev/null)
[[ $txt == *"DNS:lwip, IP Address:192.168.2.2"* && $txt == *"CN = lwip.ring0.lan"* ]] &&
	ok "SANs and subject as asked" || bad "cert: $txt"
[ "$(openssl pkey -in "$CD/bootbox.key" -pubout 2>/dev/null)" = "$(openssl x509 -in "$CD/bootbox.crt" -noout -pubkey 2>/dev/null)" ] &&
	[ "$(stat -c %a "$CD/bootbox.key")" = 600 ] && ok "the key matches it and is 0600" || bad "key"
n=$(grep -c "cert: certificate renewed" "$D/bb.log")
sleep 2
[ "$(grep -c "cert: certificate renewed" "$D/bb.log")" = "$n" ] && ok "a fresh certificate is not renewed again" ||
	bad "renewed again: $(grep -c 'renewed' "$D/bb.log")"

serial_of() { # the serial bootbox-lwip's HTTPS listener presents
	echo | timeout 10 ip netns exec "$C" openssl s_client -connect 192.168.2.2:8443 2>/dev/null |
		openssl x509 -noout -serial 2>/dev/null
}
wait_log "$D/bb.log" "https: serving certificate serial" 15 >/dev/null || bad "HTTPS did not take the certificate"
code=$(timeout 20 ip netns exec "$C" curl -s -o /dev/null -w '%{http_code}' --cacert "$P/root-ca.pem" "https://192.168.2.2:8443/")
[ "$code" = 200 ] && ok "HTTPS over lwIP with the renewed certificate, verified against the root" || bad "HTTPS answered $code"
s1=$(serial_of)
ip netns exec "$C" "$HOSTBB" cert renew --force -c "$D/bootbox.yaml" >"$D/renew.log" 2>&1
s2=$(openssl x509 -in "$CD/bootbox.crt" -noout -serial)
for i in $(seq 100); do [ "$(serial_of)" = "$s2" ] && break; sleep 0.2; done
[ -n "$s1" ] && [ "$s1" != "$s2" ] && [ "$(serial_of)" = "$s2" ] &&
	ok "a certificate renewed beside it is served to new connections without a restart" ||
	bad "still serving $s1 (wanted $s2): $(cat "$D/renew.log")"

# --- hand-off --------------------------------------------------------------
cat >"$D/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && { ip addr add "$ip/24" dev "$interface"; echo "$ip" >"$OUT"; }
exit 0
SH
chmod +x "$D/udhcpc.sh"
bg "$C" "$D/importer.log" timeout 60 python3 -c "
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers['Content-Length'])
        open('$D/out/post', 'wb').write(self.headers['Content-Type'].encode() + b'\n' + self.rfile.read(n))
        self.send_response(204); self.end_headers()
http.server.HTTPServer(('192.168.2.9', 50080), H).serve_forever()"
bg "$C" "$D/listener.log" timeout 60 python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 50000)); s.listen(16)
while True: s.accept()[0].close()"
readyz() { # PORT [CERT KEY]: answers GET /readyz with "ok" (60 s at most)
	bg "$C" "$D/readyz-$1.log" timeout 60 python3 -c "
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = b'ok' if self.path == '/readyz' else b'no'
        self.send_response(200 if b == b'ok' else 404)
        self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
s = http.server.HTTPServer(('0.0.0.0', $1), H)
if len(sys.argv) > 1:
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[1], sys.argv[2])
    s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()" ${2:+"$2" "$3"}
}
readyz 8081
readyz 6443 "$D/other.pem" "$D/other.key"
STRANGER=$BG_PID
OUT=$D/lease timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >"$D/udhcpc.log" 2>&1
NIP=$(cat "$D/lease" 2>/dev/null)
[[ $NIP == 192.168.2.1[0-5][0-9] ]] && ok "the management node leased $NIP over lwIP" || bad "udhcpc: $(tail -3 "$D/udhcpc.log")"
API=http://192.168.2.2:8080
h=
for i in $(seq 50); do
	h=$(ip netns exec "$C" curl -s --max-time 5 "$API/api/v1/handoff")
	[[ $h == *"not trusted"* ]] && break
	sleep 0.2
done
[[ $h == *"not trusted"* && $h != *'"phase":"handed-off"'* ]] &&
	ok "https: probe over lwIP refuses a certificate from another CA" || bad "stranger: $h"
kill "$STRANGER"; wait "$STRANGER" 2>/dev/null
readyz 6443 "$D/srv.pem" "$D/srv.key"
for i in $(seq 100); do
	h=$(ip netns exec "$C" curl -s --max-time 5 "$API/api/v1/handoff")
	[[ $h == *'"phase":"handed-off"'* ]] && break
	sleep 0.2
done
[[ $h == *"\"address\":\"$NIP\""* && $h == *'"phase":"handed-off"'* && $h == *'"dhcp_standdown":true'* ]] &&
	ok "the node's lease is probed (tcp:, http:, https: over lwIP) and hands off with the DHCP stand-down" || bad "handoff: $h"
for i in $(seq 50); do [ -s "$D/out/post" ] && break; sleep 0.1; done
[ "$(head -1 "$D/out/post" 2>/dev/null)" = application/json ] && grep -q '"mgmt"' "$D/out/post" &&
	grep -q "export posted to http://192.168.2.9:50080/import" "$D/bb.log" &&
	ok "the export is POSTed as JSON over the board's outbound request" ||
	bad "export POST: $(cat "$D/out/post" "$D/importer.log" 2>&1 | head -5)"
grep -q "no processes on the lwIP board" "$D/bb.log" && ok "the hook is logged as not supported" ||
	bad "hook: $(grep -i hook "$D/bb.log" | head -3)"
grep -q "standdown" "$D/state/handoff.state" 2>/dev/null && ok "the stand-down is persisted" ||
	bad "handoff.state: $(cat "$D/state/handoff.state" 2>&1)"
ip -n "$C" link add cli1 link cli0 type macvlan mode bridge
ip -n "$C" link set cli1 up
OUT=$D/lease2 timeout 10 ip netns exec "$C" udhcpc -i cli1 -n -q -f -t 2 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
[ ! -s "$D/lease2" ] && ok "stood down: a new DHCP client gets no answer" || bad "leased after stand-down: $(cat "$D/lease2")"

# a clean stop (under BUILD=build-asan: no sanitizer report, no leak)
kill "$BBPID"; wait "$BBPID"; rc=$?
[ $rc = 0 ] && grep -q "stopping" "$D/bb.log" && ! grep -qE "AddressSanitizer|runtime error|LeakSanitizer" "$D/bb.log" &&
	ok "bootbox-lwip stops cleanly" || bad "stop: rc $rc, $(grep -E 'Sanitizer|runtime error' "$D/bb.log" | head -3)"

finish
