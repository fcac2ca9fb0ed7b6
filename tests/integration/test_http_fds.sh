#!/usr/bin/env bash
# Issue 11 finding 5: bootbox serve under `ulimit -n 64`, in namespaces this
# test creates. Downloads in progress, then a flood of connections that ask
# for a file and never read (each holds a socket and a file: the fds run
# out). The loop must not spin, DHCP must keep answering, the downloads
# must finish whole, and once the flood is gone new clients are served.
set -u
BUILD=${BUILD:-build}
BB=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_netns.sh"
need_root
[ -x "$BB" ] || { echo "skip: no $BB"; exit 77; }
command -v udhcpc >/dev/null || { echo "skip: no udhcpc"; exit 77; }
S=bbfs-$$ C=bbfc-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" srv0 "$C" cli0
ns_addr "$S" srv0 192.168.2.2/24
ns_addr "$C" cli0 192.168.2.50/24
D=$NS_TMP
mkdir -p "$D/assets"
head -c 16000000 /dev/urandom > "$D/assets/big.bin"
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
http:
  listen: 192.168.2.2:8080
boot:
  assets_dir: $D/assets
YAML
cat > "$D/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip" >> "$OUT"
exit 0
SH
chmod +x "$D/udhcpc.sh"
U=http://192.168.2.2:8080

bg "$S" "$D/bb.log" bash -c "ulimit -n 64 && exec \"$BB\" serve -c \"$D/bootbox.yaml\""
BBPID=$BG_PID
wait_log "$D/bb.log" "http: listening" 10 || { bad "bootbox started"; finish; exit; }
sleep 0.3
grep -q "^Max open files *64 " /proc/$BBPID/limits && ok "running with 64 fds" \
	|| bad "limit: $(grep 'open files' /proc/$BBPID/limits)"

# three downloads in progress, read slowly (about 8 s each)
for i in 1 2 3; do
	ip netns exec "$C" curl -s --limit-rate 2M -m 60 -o "$D/dl$i" "$U/assets/big.bin" &
	BG_PIDS+=($!)
	eval "DL$i=$!"
done
sleep 1

# the flood: 120 connections, each asking for the big file, never reading
ip netns exec "$C" python3 - "$D/flood.ready" <<'PY' &
import socket, sys, time
socks = []
for _ in range(120):
    try:
        s = socket.create_connection(("192.168.2.2", 8080), timeout=2)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /assets/big.bin HTTP/1.1\r\nHost: f\r\n\r\n")
        socks.append(s)
    except OSError:
        pass
open(sys.argv[1], "w").write("%d\n" % len(socks))
time.sleep(12)
PY
FLOOD=$!
BG_PIDS+=($FLOOD)
for _ in $(seq 100); do [ -s "$D/flood.ready" ] && break; sleep 0.1; done
sleep 1
fds=$(ls /proc/$BBPID/fd | wc -l)
echo "# flood: $(cat "$D/flood.ready" 2>/dev/null) connections opened, bootbox holds $fds fds"

# CPU over 3 s: the listener must not spin on EMFILE
cpu() { awk '{print $14 + $15}' /proc/$BBPID/stat; }
t0=$(cpu); sleep 3; t1=$(cpu)
hz=$(getconf CLK_TCK)
pct=$(( (t1 - t0) * 100 / (3 * hz) ))
[ "$pct" -lt 10 ] && ok "no spin while out of fds: ${pct}% CPU" || bad "spinning: ${pct}% CPU"

# DHCP keeps answering
OUT=$D/u1 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
grep -q "ip=192.168.2.1" "$D/u1" 2>/dev/null && ok "DHCP answers while HTTP is out of fds" \
	|| bad "DHCP: $(cat "$D/u1" 2>/dev/null)"
ip -n "$C" addr add 192.168.2.50/24 dev cli0 2>/dev/null

# the downloads that were running finish whole
for i in 1 2 3; do
	eval "p=\$DL$i"
	wait "$p"
	cmp -s "$D/dl$i" "$D/assets/big.bin" && ok "download $i finished whole" \
		|| bad "download $i: $(stat -c %s "$D/dl$i" 2>/dev/null) bytes"
done

kill "$FLOOD" 2>/dev/null; wait "$FLOOD" 2>/dev/null
sleep 0.5
c=$(ip netns exec "$C" curl -s -m 5 -o /dev/null -w '%{http_code}' "$U/assets/big.bin")
[ "$c" = 200 ] && ok "after the flood a new client is served" || bad "after the flood: $c"
kill -0 "$BBPID" && ok "still running" || bad "died"
finish
