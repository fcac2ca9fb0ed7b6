#!/usr/bin/env bash
# TFTP: a 32 MiB file fetched from bootbox, dnsmasq and tftpd-hpa, one after
# the other on the same address (port 69) across a veth pair between two
# namespaces (MTU 1500), in the same run. First with curl (tftp://,
# --tftp-blksize 1468: lock-step, one ACK per block, as PXE ROMs do), then
# with tests/tools/tftp_get: the same lock-step against every server
# (windowsize 1, a "same client" comparison), and bootbox with windowsize 8
# and 16 (RFC 7440; dnsmasq and tftpd-hpa do not offer it). Best of
# BENCH_RUNS transfers each (5; BENCH_SECONDS under 10 means 1), the file
# checked byte for byte once per server. MiB/s and ratios.
# Two placements, as lock-step is all wake-ups: the server pinned to CPU 0
# and the client on CPU 0 too ("1 CPU": the cost of a packet decides), then
# on CPU 1 ("2 CPUs": a cross-CPU wake-up, tens of microseconds in a VM,
# decides, much like a LAN round trip). Unpinned, the scheduler picks one
# or the other from run to run.
set -u
. "$(dirname "$0")/lib_bench.sh"
GET=$BUILD/tools/tftp_get
need_cmds dnsmasq in.tftpd curl
SECS=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-$([ "$SECS" -lt 10 ] && echo 1 || echo 5)}
MIB=${BENCH_TFTP_MIB:-32}
S=bbts-$$ C=bbtc-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" srv0 "$C" cli0
ns_addr "$S" srv0 10.11.0.2/24
ns_addr "$C" cli0 10.11.0.5/24
D=$NS_TMP
chmod 755 "$D" # dnsmasq and tftpd-hpa read the files as nobody
mkdir -p "$D/root"
head -c $((MIB << 20)) /dev/urandom > "$D/root/big"
printf 'ready\n' > "$D/root/ready"
chmod -R a+rX "$D/root"
cat > "$D/bootbox.yaml" <<YAML
appliance: {name: bench, interface: srv0, address: 10.11.0.2, state_dir: $D/bb}
tftp: {root: $D/root, port: 69}
YAML
[ -n "${BENCH_DEBUG:-}" ] && set -x

CPUS="0 1"
[ "$(nproc)" -lt 2 ] && CPUS=0
CCPU=0
inc() { ip netns exec "$C" timeout 120 taskset -c "$CCPU" "$@"; }
# one transfer: prints "bytes seconds" or nothing
curl_one() {
	inc curl -s --tftp-blksize 1468 -o "${2:-/dev/null}" \
		-w '%{size_download} %{time_total}\n' "tftp://10.11.0.2/$1"
}
get_one() { # window [out]
	inc "$GET" -T 100 -b 1468 -w "$1" -o "${2:-/dev/null}" 10.11.0.2 69 big |
		awk '{print $1, $2}'
}
# best MiB/s over RUNS transfers of CMD...
best() {
	local i out
	for i in $(seq "$RUNS"); do
		out=$("$@")
		echo "$out" | awk -v m="$MIB" '$1 == m * 1048576 && $2 > 0 {print $1 / 1048576 / $2}'
	done | sort -g | tail -1
}
declare -A R
run() { # name cmd...
	local name=$1 pid i ok=0 r c
	shift
	bg "$S" "$D/$name.log" taskset -c 0 "$@"
	pid=$BG_PID
	for i in $(seq 50); do
		inc "$GET" -T 1 -r 100 10.11.0.2 69 ready >/dev/null 2>&1 && { ok=1; break; }
		sleep 0.1
	done
	if [ $ok = 0 ]; then
		echo "$name did not answer:"; tail -5 "$D/$name.log" | sed 's/^/  /'
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		return
	fi
	rm -f "$D/check1" "$D/check2"
	curl_one big "$D/check1" >/dev/null
	get_one 1 "$D/check2" >/dev/null
	cmp -s "$D/check1" "$D/root/big" && cmp -s "$D/check2" "$D/root/big" ||
		echo "  ($name: the fetched file differs)"
	rm -f "$D/check1" "$D/check2"
	for c in $CPUS; do
		CCPU=$c
		R[$name,curl,$c]=$(best curl_one big)
		R[$name,w1,$c]=$(best get_one 1)
		if [ "$name" = bootbox ]; then
			R[$name,w8,$c]=$(best get_one 8)
			R[$name,w16,$c]=$(best get_one 16)
		fi
	done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	for r in curl w1 w8 w16; do
		[ -n "${R[$name,$r,0]+x}" ] || continue
		printf '%-10s %-26s %10.1f %10.1f\n' "$name" "$(label $r)" "${R[$name,$r,0]:-0}" "${R[$name,$r,1]:-0}"
	done
}
label() {
	case $1 in
	curl) echo "curl blksize 1468" ;;
	w1) echo "tftp_get 1468, window 1" ;;
	w8) echo "tftp_get 1468, window 8" ;;
	w16) echo "tftp_get 1468, window 16" ;;
	esac
}
echo "TFTP, $MIB MiB over veth (MTU 1500), best of $RUNS; MiB/s with the client on the server's CPU / on another"
printf '%-10s %-26s %10s %10s\n' server client "1 CPU" "2 CPUs"
run bootbox env BOOTBOX_LOG=warn "$BB" serve -c "$D/bootbox.yaml"
run dnsmasq dnsmasq -d -k -p0 -C /dev/null --pid-file="$D/dnsmasq.pid" \
	--interface=srv0 --bind-interfaces --enable-tftp --tftp-root="$D/root"
run tftpd-hpa in.tftpd -L -a 10.11.0.2:69 -s "$D/root"
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN {printf "%.2fx", (b > 0 ? a / b : 0)}'; }
max() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN {print (a > b ? a : b)}'; }
line() { # label key(bootbox) key(others)|best
	local c t n a b
	printf '%-34s' "$1"
	for c in 0 1; do
		if [ "$3" = best ]; then
			t=$(max "${R[tftpd-hpa,curl,$c]:-}" "${R[tftpd-hpa,w1,$c]:-}")
			n=$(max "${R[dnsmasq,curl,$c]:-}" "${R[dnsmasq,w1,$c]:-}")
		else
			t=${R[tftpd-hpa,$3,$c]:-} n=${R[dnsmasq,$3,$c]:-}
		fi
		a=$(ratio "${R[bootbox,$2,$c]:-}" "$t") b=$(ratio "${R[bootbox,$2,$c]:-}" "$n")
		printf ' %9s %9s' "$a" "$b"
	done
	echo
}
printf '%-34s %19s %19s\n' "ratios: bootbox/tftpd-hpa, /dnsmasq" "1 CPU" "2 CPUs"
line "curl, lock-step" curl curl
line "tftp_get, lock-step (window 1)" w1 w1
line "bootbox window 8 / their best" w8 best
line "bootbox window 16 / their best" w16 best
echo "(targets: >= 2x tftpd-hpa, >= 1.2x dnsmasq; \"their best\" is the faster of curl and tftp_get lock-step, as neither offers windowsize)"
