#!/usr/bin/env bash
# HTTP idle keep-alive: RSS of bootbox and of nginx (master + its one
# worker) with 1000 keep-alive connections that each made one request and
# then stay open, across a veth pair between two namespaces, in the same
# run. Target: bootbox <= 16 MiB. BENCH_IDLE_CONNS to change the count;
# BENCH_SECONDS bounds how long the connections are held (at most 10 s).
set -u
. "$(dirname "$0")/lib_bench.sh"
need_cmds nginx python3
N=${BENCH_IDLE_CONNS:-1000}
SECS=${BENCH_SECONDS:-10}
[ "$SECS" -gt 10 ] && SECS=10
S=bbis-$$ C=bbic-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" srv0 "$C" cli0
ns_addr "$S" srv0 10.13.0.2/24
ns_addr "$C" cli0 10.13.0.5/24
D=$NS_TMP
chmod 755 "$D"
mkdir -p "$D/www/assets" "$D/logs"
head -c 1024 /dev/urandom > "$D/www/assets/small.bin"
# the limit must let N in, and both must have the descriptors for it
ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" -gt $((N + 100)) ] || { echo "skip: ulimit -n $(ulimit -n) is too low for $N connections"; exit 0; }
cat > "$D/bootbox.yaml" <<YAML
appliance: {name: bench, interface: srv0, address: 10.13.0.2, state_dir: $D/bb}
http: {listen: 10.13.0.2:8080, max_connections: $((N + 100)), idle_timeout: 120s}
boot: {assets_dir: $D/www/assets}
YAML
cat > "$D/nginx.conf" <<NGX
daemon off;
worker_processes 1;
worker_rlimit_nofile $((N + 200));
pid $D/nginx.pid;
error_log $D/logs/error.log;
events { worker_connections $((N + 100)); }
http {
  access_log off;
  sendfile on;
  keepalive_timeout 120s;
  server { listen 10.13.0.2:8081; root $D/www; }
}
NGX
cat > "$D/hold.py" <<'PY'
# Opens N connections, makes one keep-alive request on each, reads the
# answer, then holds them all until stdin closes or SECS pass.
import resource, select, socket, sys, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 100)), hard))
req = b"GET /assets/small.bin HTTP/1.1\r\nHost: bench\r\n\r\n"
socks, ok, deadline = [], 0, time.time() + 30
for i in range(n):
    s = socket.create_connection(("10.13.0.2", port), timeout=5)
    s.sendall(req)
    socks.append(s)
for s in socks:
    got = b""
    while b"\r\n\r\n" not in got or len(got) < got.index(b"\r\n\r\n") + 4 + 1024:
        if time.time() > deadline:
            break
        d = s.recv(4096)
        if not d:
            break
        got += d
    ok += got.startswith(b"HTTP/1.1 200")
print("ready %d" % ok, flush=True)
select.select([sys.stdin], [], [], secs)
PY
[ -n "${BENCH_DEBUG:-}" ] && set -x
declare -A PORT=([bootbox]=8080 [nginx]=8081) PID
rss() { ps -o rss= -p "$1" --ppid "$1" | awk '{s += $1} END {print s}'; }
start() { # name cmd...
	local name=$1 i
	shift
	bg "$S" "$D/$name.log" "$@"
	PID[$name]=$BG_PID
	for i in $(seq 50); do
		ip netns exec "$C" curl -sf -o /dev/null --max-time 1 "http://10.13.0.2:${PORT[$name]}/assets/small.bin" && return 0
		sleep 0.1
	done
	echo "$name did not answer:"; tail -5 "$D/$name.log" | sed 's/^/  /'
	exit 1
}
start bootbox env BOOTBOX_LOG=warn BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$D/bootbox.yaml"
start nginx nginx -p "$D" -c "$D/nginx.conf"
declare -A IDLE HELD OPEN
measure() { # name
	local name=$1 i hp
	IDLE[$name]=$(rss "${PID[$name]}")
	rm -f "$D/hold.out"
	# the holder's stdin is a FIFO we keep open; closing it lets it go
	mkfifo "$D/hold.in"
	ip netns exec "$C" timeout 60 python3 "$D/hold.py" "${PORT[$name]}" "$N" "$SECS" \
		<"$D/hold.in" >"$D/hold.out" 2>&1 &
	hp=$!
	exec 9>"$D/hold.in"
	for i in $(seq 400); do
		grep -q '^ready' "$D/hold.out" 2>/dev/null && break
		kill -0 "$hp" 2>/dev/null || break
		sleep 0.1
	done
	sleep 1
	OPEN[$name]=$(sed -n 's/^ready //p' "$D/hold.out")
	HELD[$name]=$(rss "${PID[$name]}")
	[ "${OPEN[$name]:-0}" = "$N" ] || { echo "  ($name: ${OPEN[$name]:-0} of $N answered:"; tail -3 "$D/hold.out" | sed 's/^/  /'; }
	exec 9>&-
	wait "$hp" 2>/dev/null
	rm -f "$D/hold.in"
}
measure bootbox
measure nginx
echo "HTTP idle keep-alive: $N connections, one request each, then held"
printf '%-8s %12s %14s %12s %12s\n' server "idle KiB" "held KiB" "answered" "KiB/conn"
for name in bootbox nginx; do
	printf '%-8s %12s %14s %12s %12.2f\n' "$name" "${IDLE[$name]}" "${HELD[$name]}" "${OPEN[$name]:-0}" \
		"$(awk -v a="${IDLE[$name]}" -v b="${HELD[$name]}" -v n="$N" 'BEGIN {print (b - a) / n}')"
done
awk -v b="${HELD[bootbox]}" -v n="${HELD[nginx]}" 'BEGIN {
	printf "bootbox held RSS %.1f MiB (target <= 16 MiB): %s; bootbox/nginx %.2fx\n", b / 1024,
		(b <= 16384 ? "met" : "MISSED"), (n > 0 ? b / n : 0) }'
