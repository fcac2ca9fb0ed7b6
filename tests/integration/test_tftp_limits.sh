#!/usr/bin/env bash
# TFTP under hostile and odd clients (issue 11, findings 2, 6, 12, 13;
# issue 10's TFTP bind), in namespaces: the server's loopback (MTU 65536)
# and two veth links at MTU 1500 and 9000.
# - the one-packet hang: blksize 65000 on loopback, then the server still
#   answers and is not spinning;
# - blksize 8..65464 over each path with windowsize 16 (GSO trains) and
#   lock-step: each completes, byte-identical, from the address asked;
# - 4200 RRQs (timeout 255) from one socket and from 64 hold a few slots
#   and fds, a second client still gets its file;
# - a request nobody acknowledges gets its block twice, not 6 times;
# - an aborted transfer logs the bytes acknowledged;
# - the default listener is the appliance's address only; a transfer
#   ends at max_transfer_time.
set -u
BUILD=${BUILD:-build}
BB=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
GET=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/tools/tftp_get
HERE=$(cd "$(dirname "$0")" && pwd)
PROBE=$HERE/tftp_probe.py
. "$HERE/lib_netns.sh"
need_root
[ -x "$GET" ] || { echo "skip: no $GET"; exit 77; }
S=bbts-$$ C=bbtc-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" s1500 "$C" c1500
ns_link "$S" s9000 "$C" c9000
ip -n "$S" link set s9000 mtu 9000; ip -n "$C" link set c9000 mtu 9000
ns_addr "$S" s1500 10.77.1.2/24
ns_addr "$C" c1500 10.77.1.5/24
ns_addr "$C" c1500 10.77.1.6/24
ns_addr "$S" s9000 10.77.2.2/24
ns_addr "$C" c9000 10.77.2.5/24
D=$NS_TMP
mkdir -p "$D/root"
head -c 300000 /dev/urandom > "$D/root/sweep.bin"
head -c 100000 /dev/urandom > "$D/root/small.bin"
head -c 4000000 /dev/urandom > "$D/root/big.bin"
cat > "$D/any.yaml" <<YAML
appliance: {name: t, interface: s1500, address: 10.77.1.2, state_dir: $D/state}
tftp: {root: $D/root, listen: "0.0.0.0:69"}
YAML
bg "$S" "$D/bb.log" "$BB" serve -c "$D/any.yaml"
BBPID=$BG_PID
wait_log "$D/bb.log" "tftp: serving" 10 || { bad "start"; finish; exit; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# percent of one CPU the server used over 2 s
cpu_pct() {
	local a b
	a=$(cpu_ticks "$BBPID"); sleep 2; b=$(cpu_ticks "$BBPID")
	echo $(( (b - a) * 100 / (2 * $(getconf CLK_TCK)) ))
}
in_s() { ip netns exec "$S" timeout "$@"; }
in_c() { ip netns exec "$C" timeout "$@"; }

# finding 2: the exact reproduction, with a hard limit
out=$(in_s 30 python3 "$PROBE" big-block 127.0.0.1 69 small.bin 65000)
[ "$out" = "100000 65000 127.0.0.1" ] && ok "blksize 65000 over loopback completes ($out)" || bad "blksize 65000: $out"
out=$(in_s 30 python3 "$PROBE" big-block 127.0.0.1 69 small.bin 65464)
[ "$out" = "100000 65464 127.0.0.1" ] && ok "blksize 65464 over loopback completes" || bad "blksize 65464: $out"
pct=$(cpu_pct)
[ "$pct" -lt 20 ] && ok "idle after it: ${pct}% CPU" || bad "server busy after the big blocks: ${pct}% CPU"
in_c 10 "$GET" -T 5 10.77.1.2 69 small.bin >/dev/null && ok "and still answers" || bad "no answer after the big blocks"

# blksize sweep: loopback, MTU 1500, MTU 9000; windowsize 16 and 1
sweep_fail=()
n=0
for b in 8 512 1428 1468 8192 8968 9000 32768 64996 64997 65000 65464; do
	for path in "$S 127.0.0.1" "$C 10.77.1.2" "$C 10.77.2.2"; do
		set -- $path
		for w in 16 1; do
			[ "$b" = 8 ] && [ "$w" = 1 ] && [ "$1" = "$C" ] && continue # 37500 round trips: loopback is enough
			rm -f "$D/o"
			if ip netns exec "$1" timeout 30 "$GET" -T 25 -b "$b" -w "$w" -o "$D/o" "$2" 69 sweep.bin >/dev/null 2>"$D/get.err" &&
				cmp -s "$D/o" "$D/root/sweep.bin"; then
				n=$((n + 1))
			else
				sweep_fail+=("$b@$2/w$w:$(head -c 80 "$D/get.err")")
			fi
		done
	done
done
[ ${#sweep_fail[@]} = 0 ] && ok "blksize sweep: $n transfers identical (lo, MTU 1500, MTU 9000)" || bad "blksize sweep: ${sweep_fail[*]}"
curl_ok=0
for b in 512 1468 65000; do
	in_s 30 curl -s --tftp-blksize "$b" -o "$D/c$b" "tftp://127.0.0.1/sweep.bin" && cmp -s "$D/c$b" "$D/root/sweep.bin" && curl_ok=$((curl_ok + 1))
done
[ $curl_ok = 3 ] && ok "curl blksize 512/1468/65000 over loopback" || bad "curl sweep: $curl_ok/3"
# a reply leaves from the address the client sent to (listen 0.0.0.0)
out=$(in_c 30 python3 "$PROBE" big-block 10.77.2.2 69 small.bin 8000)
[ "$out" = "100000 8000 10.77.2.2" ] && ok "reply from the address asked (10.77.2.2, MTU 9000)" || bad "reply source: $out"
pct=$(cpu_pct)
[ "$pct" -lt 20 ] && ok "idle after the sweep: ${pct}% CPU" || bad "busy after the sweep: ${pct}% CPU"

# finding 6: 4200 RRQs with timeout 255 from one socket are one transfer
# (the client's own repeats); from 64 sockets, the per-address cap
out=$(in_c 60 python3 "$PROBE" flood 10.77.1.2 69 big.bin 4200)
[ "$out" = "0 1" ] && ok "4200 RRQs from one socket: one transfer" || bad "flood, one socket: $out"
out=$(in_c 60 python3 "$PROBE" flood 10.77.1.2 69 big.bin 4200 64)
set -- $out
[ "${1:-0}" -ge 1000 ] && [ "${2:-99}" -le 8 ] && ok "4200 RRQs from 64 sockets: ${1} refused, ${2:-?} answered" || bad "flood, 64 sockets: $out"
fds=$(ls "/proc/$BBPID/fd" | wc -l)
[ "$fds" -lt 64 ] && ok "fds bounded under the flood: $fds" || bad "fds under the flood: $fds"
rm -f "$D/o2"
# the second client: the same link, source 10.77.1.6
ip -n "$C" route replace 10.77.1.2/32 dev c1500 src 10.77.1.6
in_c 20 "$GET" -T 15 -b 1468 -w 8 -o "$D/o2" 10.77.1.2 69 big.bin >/dev/null && cmp -s "$D/o2" "$D/root/big.bin" &&
	ok "a second client still gets its file" || bad "second client refused"
ip -n "$C" route del 10.77.1.2/32 2>/dev/null

# finding 12: a spoofable RRQ (no options, never acknowledged)
out=$(in_c 20 python3 "$PROBE" silent 10.77.2.2 69 small.bin 6)
[ "$out" = 2 ] && ok "an unacknowledged first block is sent twice, not 6 times" || bad "unproven resends: $out"

# finding 13: an aborted transfer logs what was acknowledged
in_c 20 python3 "$PROBE" abort 10.77.2.2 69 big.bin 3 >/dev/null
wait_log "$D/bb.log" "big.bin 1536 bytes in [0-9]+ ms: ended by the client" 5 &&
	ok "aborted transfer logs 1536 bytes acknowledged" || bad "abort log: $(grep big.bin "$D/bb.log" | tail -2)"

# the default: only the appliance's address; max_transfer_time ends it
kill "$BBPID"; wait "$BBPID" 2>/dev/null
cat > "$D/addr.yaml" <<YAML
appliance: {name: t, interface: s1500, address: 10.77.1.2, state_dir: $D/state}
tftp: {root: $D/root, max_transfer_time: 2s}
YAML
bg "$S" "$D/bb2.log" "$BB" serve -c "$D/addr.yaml"
BBPID=$BG_PID
wait_log "$D/bb2.log" "tftp: serving .* on 10.77.1.2:69" 10 && ok "listens on appliance.address:69 by default" || bad "default listen: $(tail -2 "$D/bb2.log")"
in_c 10 "$GET" -T 3 10.77.1.2 69 small.bin >/dev/null && ok "served on 10.77.1.2" || bad "not served on 10.77.1.2"
in_c 10 "$GET" -T 3 10.77.2.2 69 small.bin >/dev/null 2>&1 && bad "answered on 10.77.2.2" || ok "nothing on the other address"
out=$(in_c 20 python3 "$PROBE" slow 10.77.1.2 69 big.bin 8)
[ "$out" = "transfer took too long" ] && ok "max_transfer_time ends a slow transfer" || bad "lifetime: $out"
finish
