#!/usr/bin/env bash
# Hand-off probes against real servers on loopback: a TLS /readyz server
# (python3 ssl) with a test CA made by openssl, a plain HTTP one, closed
# ports and a server that never answers.
set -u
BUILD=${BUILD:-build}
PROBE=$BUILD/tools/probe
[ -x "$PROBE" ] || { echo "skip: $PROBE not built"; exit 77; }
command -v openssl >/dev/null && command -v python3 >/dev/null || { echo "skip: needs openssl and python3"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_tls.sh"
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass=0 fail=0
check() { # name expected-regex cmd...
	local name=$1 want=$2; shift 2
	local got
	got=$(timeout 20 "$@" 2>&1)
	if [[ $got =~ $want ]]; then pass=$((pass + 1)); echo "ok - $name"
	else fail=$((fail + 1)); echo "not ok - $name: got '$got', want /$want/"; fi
}

# a CA, a server certificate for 127.0.0.1 / factory.test-less names, a stranger CA
make_test_ca "$T"

cat > "$T/srv.py" <<'PY'
import http.server, ssl, sys
port, tls, mode = int(sys.argv[1]), sys.argv[2] == "tls", sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code, body = (200, b"ok") if mode == "ready" else (500, b"[-]etcd failed")
        if self.path != "/readyz": code, body = 404, b"no"
        self.send_response(code); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", port), H)
if tls:
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[4], sys.argv[5])
    s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
P1=$(free_port); python3 "$T/srv.py" "$P1" tls ready "$T/srv.pem" "$T/srv.key" & pids+=($!)
P2=$(free_port); python3 "$T/srv.py" "$P2" tls notready "$T/srv.pem" "$T/srv.key" & pids+=($!)
P3=$(free_port); python3 "$T/srv.py" "$P3" plain ready & pids+=($!)
P4=$(free_port); python3 -c "import socket,time;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('127.0.0.1',$P4));s.listen(8);c=[s.accept() for _ in range(4)];time.sleep(60)" & pids+=($!)
CLOSED=$(free_port)
for p in $P1 $P2 $P3 $P4; do wait_port "$p"; done

check "tcp open" '^ok$' "$PROBE" 127.0.0.1 "tcp:$P1"
check "tcp closed" 'fail: connect: Connection refused' "$PROBE" 127.0.0.1 "tcp:$CLOSED"
check "https ready, verified" '^ok$' "$PROBE" 127.0.0.1 "https:$P1/readyz" "$T/ca.pem" factory.test
check "https ready, no CA given" '^ok$' "$PROBE" 127.0.0.1 "https:$P1/readyz"
check "https untrusted CA fails closed" 'fail: TLS handshake: certificate not trusted' "$PROBE" 127.0.0.1 "https:$P1/readyz" "$T/other.pem" factory.test
check "https wrong name fails closed" 'fail: TLS handshake: certificate not trusted' "$PROBE" 127.0.0.1 "https:$P1/readyz" "$T/ca.pem" elsewhere.test
check "https not ready (500)" 'fail: answered, not ready' "$PROBE" 127.0.0.1 "https:$P2/readyz" "$T/ca.pem" factory.test
check "http ready" '^ok$' "$PROBE" 127.0.0.1 "http:$P3/readyz"
check "http wrong path (404)" 'fail: answered, not ready' "$PROBE" 127.0.0.1 "http:$P3/other"
check "https to a plain server" 'fail: TLS handshake' "$PROBE" 127.0.0.1 "https:$P3/readyz"
check "handshake timeout" 'fail: TLS handshake timed out' "$PROBE" 127.0.0.1 "https:$P4/readyz" - - 700
check "http answer timeout" 'fail: no answer in time' "$PROBE" 127.0.0.1 "http:$P4/readyz" - - 700
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
