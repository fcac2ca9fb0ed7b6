#!/usr/bin/env bash
# The cache's upstream fetcher against a local TLS "factory" with faults:
# each fault has its expected outcome (resume, clear error, nothing wrong
# left behind).
set -u
BUILD=${BUILD:-build}
FETCH=$BUILD/tools/fetch
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$FETCH" ] || { echo "skip: $FETCH not built"; exit 77; }
. "$HERE/lib_tls.sh"
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
expect() { # name regex cmd...
	local name=$1 want=$2 got; shift 2
	got=$(timeout 30 "$@" 2>&1)
	if [[ $got =~ $want ]]; then ok "$name"; else bad "$name: got '$got' want /$want/"; fi
}

make_test_ca "$T"
SCH=a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35
mkdir -p "$T/root/image/$SCH/v1.10.4"
head -c 3000000 /dev/urandom > "$T/root/image/$SCH/v1.10.4/kernel-amd64"
SUM=$(sha256sum "$T/root/image/$SCH/v1.10.4/kernel-amd64" | cut -d' ' -f1)
P=/image/$SCH/v1.10.4/kernel-amd64

start_factory() { # fault -> sets PORT
	PORT=$(free_port)
	python3 "$HERE/factory.py" --port "$PORT" --root "$T/root" --cert "$T/srv.pem" --key "$T/srv.key" --fault "$1" >/dev/null 2>&1 &
	pids+=($!)
	wait_port "$PORT"
}

start_factory none
expect "fetch over TLS, sha256 right" "^ok 3000000 $SUM\$" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f1" --ca "$T/ca.pem"
expect "fetch by name (resolved off the loop)" "^ok 3000000 $SUM\$" "$FETCH" "https://localhost:$PORT$P" "$T/f1b" --ca "$T/ca.pem"
expect "untrusted certificate fails closed" "^fail: 127.0.0.1: certificate refused" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f2" --ca "$T/other.pem"
[ ! -s "$T/f2" ] && ok "nothing written on a refused certificate" || bad "bytes written despite a refused certificate"
expect "missing artifact is a clear 404" "^fail: 127.0.0.1: HTTP 404" "$FETCH" "https://127.0.0.1:$PORT/image/$SCH/v9.9.9/kernel-amd64" "$T/f3" --ca "$T/ca.pem"
PROXY=$(free_port)
python3 "$HERE/connect_proxy.py" "$PROXY" > "$T/proxy.log" 2>&1 & pids+=($!)
wait_port "$PROXY"
expect "through a CONNECT proxy" "^ok 3000000 $SUM\$" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f4" --ca "$T/ca.pem" --proxy "http://127.0.0.1:$PROXY"
grep -q "CONNECT 127.0.0.1:$PORT" "$T/proxy.log" && ok "the proxy saw the CONNECT" || bad "the proxy saw no CONNECT"

NP=$(free_port)
python3 "$HERE/factory.py" --port "$NP" --root "$T/root" --cert "$T/name.pem" --key "$T/name.key" >/dev/null 2>&1 & pids+=($!)
wait_port "$NP"
expect "a trusted certificate for another name fails closed" "^fail: 127.0.0.1: certificate refused: .*(CN|Common Name)" "$FETCH" "https://127.0.0.1:$NP$P" "$T/f2b" --ca "$T/ca.pem"
expect "by name, for another name, fails closed" "^fail: localhost: certificate refused" "$FETCH" "https://localhost:$NP$P" "$T/f2c" --ca "$T/ca.pem"

start_factory 500
expect "server error is a clear error" "^fail: 127.0.0.1: HTTP 500" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f5" --ca "$T/ca.pem"
start_factory redirect
expect "redirect followed" "^ok 3000000 $SUM\$" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f6" --ca "$T/ca.pem"
start_factory tohttp
expect "https to http redirect refused" "refused redirect to 'http://" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f7" --ca "$T/ca.pem"
start_factory loop
expect "redirect loop bounded" "too many redirects" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f8" --ca "$T/ca.pem"

start_factory cut
expect "connection cut mid-body is resumable" "^fail resumable: .*connection cut at 1500000 of 3000000" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f9" --ca "$T/ca.pem"
expect "resume with Range completes, digest of the whole" "^ok 3000000 $SUM\$" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f9" --ca "$T/ca.pem" --resume
start_factory short
expect "wrong length (short body) is an error" "^fail resumable: .*connection cut at 2250000 of 3000000" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f10" --ca "$T/ca.pem"
start_factory norange
head -c 1000 "$T/root$P" > "$T/f11"; printf 'garbage' >> "$T/f11"
expect "a server ignoring Range restarts the file" "^ok 3000000 $SUM\$" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f11" --ca "$T/ca.pem" --resume
start_factory slow
expect "a stalled body times out" "^fail resumable: 127.0.0.1: no data for 800 ms" "$FETCH" "https://127.0.0.1:$PORT$P" "$T/f12" --ca "$T/ca.pem" --read-timeout-ms 800
expect "connection refused is a clear error" "^fail: 127.0.0.1: connect: Connection refused" "$FETCH" "https://127.0.0.1:$(free_port)$P" "$T/f13" --ca "$T/ca.pem"

# a large body comes in two halves over two connections (one core decrypts
# one stream); the digest is still of the whole, in order
head -c $((40 << 20)) /dev/urandom > "$T/root/image/$SCH/v1.10.4/big"
BSUM=$(sha256sum "$T/root/image/$SCH/v1.10.4/big" | cut -d' ' -f1)
B=/image/$SCH/v1.10.4/big
start_factory none
: > "$T/root/hits.log"
expect "a large body over two connections, sha256 right" "^ok 41943040 $BSUM\$" "$FETCH" "https://127.0.0.1:$PORT$B" "$T/b1" --ca "$T/ca.pem"
[ "$(grep -c "^$B\$" "$T/root/hits.log")" = 1 ] && [ "$(grep -c "^$B range=" "$T/root/hits.log")" = 1 ] &&
	ok "the large body took one GET and one range GET" || bad "the large body took these GETs: $(grep "^$B" "$T/root/hits.log" | tr '\n' ' ')"
cmp -s "$T/b1" "$T/root$B" && ok "the two halves make the file" || bad "the two halves do not make the file"
start_factory norange
expect "an origin without Range: one connection reads it all" "^ok 41943040 $BSUM\$" "$FETCH" "https://127.0.0.1:$PORT$B" "$T/b2" --ca "$T/ca.pem"
start_factory cutrange
expect "the second connection cut is resumable" "^fail resumable: 127.0.0.1: range connection cut" "$FETCH" "https://127.0.0.1:$PORT$B" "$T/b3" --ca "$T/ca.pem"
sz=$(stat -c %s "$T/b3")
[ "$sz" -ge $((20 << 20)) ] && [ "$sz" -lt $((40 << 20)) ] && ok "after the cut the file holds the hashed prefix only ($sz)" || bad "after the cut the file holds $sz bytes"
expect "resume after the cut completes, digest of the whole" "^ok 41943040 $BSUM\$" "$FETCH" "https://127.0.0.1:$PORT$B" "$T/b3" --ca "$T/ca.pem" --resume
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
