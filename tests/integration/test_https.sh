#!/usr/bin/env bash
# The HTTPS listener (http.tls_listen: firmware/serve/serve_http.c running
# services/http/tls_session.c on the board's streams) against curl,
# openssl and python ssl: a 3 MB download and 8 at once, identical; Range;
# keep-alive; pipelining; POST bodies around the buffer sizes, whole and
# in random splits; slowloris, conformance and the drain after a 431, all
# through TLS; and the ways a connection must end: a silent client and
# one dripping its ClientHello both closed at the handshake deadline (fixed,
# not moved by each byte), garbage closed at once.
# BOARD=lwip: the same against bootbox-lwip over a TAP and a bridge
# (lib_netns.sh board_segment); on loopback otherwise.
set -u
BUILD=${BUILD:-build}
BB=$BUILD/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$BB" ] || { echo "skip: no $BB"; exit 77; }
command -v openssl >/dev/null && command -v python3 >/dev/null && command -v curl >/dev/null ||
	{ echo "skip: needs openssl, python3 and curl"; exit 77; }
. "$HERE/lib_tls.sh"
A=127.0.0.1 CA=127.0.0.1 X= SX= IFC=
if [ "${BOARD:-linux}" = lwip ]; then
	. "$HERE/lib_netns.sh"
	need_root; board_bin; BB=$BOARD_BIN; board_segment
	wait_port() { # the listener, from the client's namespace
		local i
		for i in $(seq 100); do
			$X python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()' "$A" "$1" 2>/dev/null && return 0
			sleep 0.1
		done
		return 1
	}
fi
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; [ -z "$X" ] || ns_cleanup' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }

make_test_ca "$T"
mkdir -p "$T/state/certs" "$T/assets"
cat "$T/srv.pem" "$T/ca.pem" > "$T/state/certs/chain.pem"
cp "$T/srv.pem" "$T/state/certs/bootbox.crt"
install -m 0600 "$T/srv.key" "$T/state/certs/bootbox.key"
head -c 3000000 /dev/urandom > "$T/assets/big.bin"
printf 'hello\n' > "$T/assets/a.txt"
HP=$(free_port) HS=$(free_port) DEAD=$(free_port)
cat > "$T/c.yaml" <<YAML
appliance: {name: t,$IFC address: $A, state_dir: $T/state}
pki:
  endpoint: http://127.0.0.1:$DEAD
  ca_bundle: $T/ca.pem
  cn: factory.test
  hosts: [factory.test, 127.0.0.1]
http: {listen: $A:$HP, tls_listen: $A:$HS, header_timeout: 2s}
boot: {assets_dir: $T/assets}
YAML
$SX "$BB" serve -c "$T/c.yaml" 2>"$T/log" & PID=$!
wait_port "$HS" || { echo "bootbox did not start"; cat "$T/log"; exit 1; }
for _ in $(seq 50); do grep -q "https: serving certificate" "$T/log" && break; sleep 0.1; done
# the certificate names factory.test (and 127.0.0.1)
U=https://factory.test:$HS
C=($X curl -s --cacert "$T/ca.pem" --resolve "factory.test:$HS:$A")

"${C[@]}" -f -o "$T/o" "$U/assets/big.bin" && cmp -s "$T/o" "$T/assets/big.bin" &&
	ok "GET a 3 MB file over TLS, identical" || bad "GET big: $(tail -3 "$T/log")"
cp=()
for i in 1 2 3 4 5 6 7 8; do "${C[@]}" -m 60 -f -o "$T/o$i" "$U/assets/big.bin" & cp+=($!); done
wait "${cp[@]}"
same=0
for i in 1 2 3 4 5 6 7 8; do cmp -s "$T/o$i" "$T/assets/big.bin" && same=$((same + 1)); done
[ "$same" = 8 ] && ok "8 downloads at once, all identical" || bad "parallel: $same/8 identical"
[ "$("${C[@]}" -r 1-3 "$U/assets/a.txt")" = ell ] && ok "Range over TLS" || bad "range"
v=$("${C[@]}" -v "$U/assets/a.txt" "$U/assets/a.txt" 2>&1)
[[ $v == *"Re-using existing connection"* ]] && ok "keep-alive over TLS" || bad "keep-alive"
grep -q "http: $CA GET /assets/a.txt 200" "$T/log" && ok "access log has the client's address" || bad "no access log line"

P="$X env HTTP_HOST=$A python3 $HERE/http_probe.py"
TLS_CA=$T/ca.pem $P posts "$HS" > "$T/probe"
TLS_CA=$T/ca.pem $P pipeline "$HS" 500 >> "$T/probe"
TLS_CA=$T/ca.pem $P slowloris "$HS" 2 >> "$T/probe"
TLS_CA=$T/ca.pem $P conformance "$HS" >> "$T/probe"
TLS_CA=$T/ca.pem $P drain431 "$HS" >> "$T/probe"
cat "$T/probe"
pass=$((pass + $(grep -c '^ok' "$T/probe"))) fail=$((fail + $(grep -c '^not ok' "$T/probe")))

# the ways it ends: elapsed seconds until the server closes
$X python3 - "$A" "$HS" > "$T/ends" <<'PY'
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
def until_closed(send, limit=8):
    s = socket.create_connection((host, port)); s.settimeout(0.25)
    t0 = time.time()
    for b in send(s):
        pass
    while time.time() - t0 < limit:
        try:
            d = s.recv(4096)
            if not d:
                return time.time() - t0
        except socket.timeout:
            pass
        except OSError:
            return time.time() - t0
    return -1
def silent(s):
    return []
def drip(s):
    hello = bytes.fromhex("16030100a5010000a10303") + bytes(32) + b"\x00"
    for b in hello:
        try:
            s.send(bytes([b]))
        except OSError:
            return
        time.sleep(0.2)
        yield b
def garbage(s):
    s.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    return []
print("silent %.1f" % until_closed(silent))
print("drip %.1f" % until_closed(drip, 12))
print("garbage %.1f" % until_closed(garbage))
PY
s=$(awk '/^silent/ {print $2}' "$T/ends") d=$(awk '/^drip/ {print $2}' "$T/ends") g=$(awk '/^garbage/ {print $2}' "$T/ends")
awk -v v="$s" 'BEGIN {exit !(v >= 1.5 && v <= 4)}' && ok "a silent client is closed at the handshake deadline ($s s)" || bad "silent: $s"
# 44 bytes at 0.2 s would take 8.8 s: the deadline is the first one
awk -v v="$d" 'BEGIN {exit !(v >= 1.5 && v <= 4)}' && ok "a dripping ClientHello does not move the deadline ($d s)" || bad "drip: $d"
awk -v v="$g" 'BEGIN {exit !(v >= 0 && v <= 1)}' && ok "plain HTTP on the TLS port is closed at once ($g s)" || bad "garbage: $g"
"${C[@]}" -f -o /dev/null "$U/assets/a.txt" && ok "still serving HTTPS" || bad "HTTPS died"
kill -0 $PID && ok "still running" || bad "died"
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
