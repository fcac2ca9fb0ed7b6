#!/usr/bin/env bash
# The HTTP server against curl and raw sockets on loopback: files, HEAD,
# Range, 416, conditional 304, keep-alive reuse, pipelining, smuggling
# attempts, 405, 414/431, traversal, header timeout, connection limit;
# and issue 11: POST bodies around the buffer sizes, 5000 pipelined,
# slowloris, 64 slow connections, conformance, the drain after a 431.
set -u
BUILD=${BUILD:-build}
BB=$BUILD/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_tls.sh"
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
PORT=$(free_port)
mkdir -p "$T/assets/sub"
head -c 3000000 /dev/urandom > "$T/assets/big.bin"
printf 'hello\n' > "$T/assets/a.txt"
ln -s /etc/passwd "$T/assets/sub/esc" && chown -h nobody "$T/assets/sub/esc" 2>/dev/null
cat > "$T/c.yaml" <<YAML
appliance: {name: t, address: 127.0.0.1, state_dir: $T/state}
http: {listen: 127.0.0.1:$PORT, header_timeout: 2s, max_connections: 64}
boot: {assets_dir: $T/assets}
YAML
"$BB" serve -c "$T/c.yaml" 2>"$T/log" & PID=$!
wait_port "$PORT" || { echo "bootbox did not start"; cat "$T/log"; exit 1; }
U=http://127.0.0.1:$PORT

curl -sf -o "$T/o" "$U/assets/big.bin" && cmp -s "$T/o" "$T/assets/big.bin" && ok "GET a 3 MB file (sendfile), identical" || bad "GET big"
h=$(curl -sI "$U/assets/a.txt")
[[ $h == *"HTTP/1.1 200"* && $h == *"Content-Length: 6"* && $h == *"ETag: "* && $h == *"Accept-Ranges: bytes"* ]] && ok "HEAD: length, ETag, ranges" || bad "HEAD: $h"
[ "$(curl -s -r 1-3 "$U/assets/a.txt")" = ell ] && [ "$(curl -s -o /dev/null -w '%{http_code}' -r 1-3 "$U/assets/a.txt")" = 206 ] && ok "Range: 206 with the bytes" || bad "range"
[ "$(curl -s -o /dev/null -w '%{http_code}' -r 100-200 "$U/assets/a.txt")" = 416 ] && ok "unsatisfiable Range: 416" || bad "416"
etag=$(curl -sI "$U/assets/a.txt" | sed -n 's/^ETag: \(.*\)\r$/\1/p')
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$U/assets/a.txt")" = 304 ] && ok "If-None-Match: 304" || bad "304 ($etag)"
v=$(curl -sv "$U/assets/a.txt" "$U/assets/a.txt" 2>&1)
[[ $v == *"Re-using existing connection"* ]] && ok "keep-alive: the connection is reused" || bad "keep-alive"
raw() { python3 - "$PORT" "$1" "${2:-3}" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
s.settimeout(float(sys.argv[3])); out = b""
try:
    while True:
        d = s.recv(65536)
        if not d: break
        out += d
except socket.timeout: pass
sys.stdout.write(out.decode("latin-1"))
PY
}
r=$(raw 'GET /assets/a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
[[ $r == "HTTP/1.1 200"*"hello"*"HTTP/1.1 404"* ]] && ok "pipelining: two answers in order" || bad "pipelining: $r"
for req in 'GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n' \
	'POST /api/v1/x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc' \
	'GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n' 'GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost : a\r\n\r\n'; do
	r=$(raw "$req")
	[[ $r == "HTTP/1.1 400"*"Connection: close"* ]] && ok "smuggling attempt refused: ${req:0:40}" || bad "smuggling: $req -> ${r:0:60}"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$U/assets/a.txt")" = 405 ] && ok "POST on a file: 405" || bad "405"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$U/$(head -c 9000 /dev/zero | tr '\0' a)")" = 414 ] && ok "a 9 KB target: 414" || bad "414"
r=$(raw "GET / HTTP/1.1\r\n$(for i in $(seq 60); do printf 'X-%d: a\\r\\n' $i; done)\r\n")
[[ $r == "HTTP/1.1 431"* ]] && ok "60 headers: 431" || bad "431: ${r:0:40}"
for p in /assets/../../etc/passwd /assets/%2e%2e/%2e%2e/etc/passwd /assets/sub/esc; do
	c=$(curl -s --path-as-is -o "$T/t" -w '%{http_code}' "$U$p")
	[ "$c" != 200 ] && ! grep -q root: "$T/t" && ok "traversal $p: $c" || bad "traversal $p served"
done
t0=$SECONDS
r=$(raw 'GET /assets/a.txt HTTP/1.1\r\nHost: slow' 5)
[[ $r == "HTTP/1.1 408"* ]] && [ $((SECONDS - t0)) -le 4 ] && ok "an unfinished request gets 408 after header_timeout" || bad "slowloris: ${r:0:40}"
python3 - "$PORT" > "$T/limit" <<'PY'
import socket, sys
# requests whose bodies never come are not given up for a newcomer
import time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(64)]
for s in socks:
    s.sendall(b"POST /api/v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n")
time.sleep(0.5)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(3)
print(s.recv(100).decode())
PY
grep -q "503" "$T/limit" && ok "over max_connections (all busy): 503" || bad "limit: $(cat "$T/limit")"
python3 - "$PORT" > "$T/idle" <<'PY' &
import socket, sys, time
# idle keep-alive connections fill every slot and stay open
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(64)]
print("open", flush=True)
time.sleep(4)
PY
IP=$!
for _ in $(seq 50); do grep -q open "$T/idle" 2>/dev/null && break; sleep 0.1; done
c=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$U/assets/a.txt")
[ "$c" = 200 ] && ok "at max_connections an idle keep-alive slot is reclaimed" || bad "reclaim: $c"
kill $IP 2>/dev/null; wait $IP 2>/dev/null
P="python3 $HERE/http_probe.py"
$P posts "$PORT" > "$T/probe"
$P pipeline "$PORT" 5000 >> "$T/probe"
$P slowloris "$PORT" 2 >> "$T/probe"
$P slow_many "$PORT" 64 "$U/assets/a.txt" >> "$T/probe"
$P conformance "$PORT" >> "$T/probe"
$P drain431 "$PORT" >> "$T/probe"
cat "$T/probe"
pass=$((pass + $(grep -c '^ok' "$T/probe"))) fail=$((fail + $(grep -c '^not ok' "$T/probe")))
kill -0 $PID && ok "still serving" || bad "died"
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
