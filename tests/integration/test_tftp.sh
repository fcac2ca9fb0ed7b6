#!/usr/bin/env bash
# TFTP against curl, tftp-hpa and tests/tools/tftp_get on loopback:
# default and large blocks, windowsize 8 and 16 (sent as UDP GSO trains),
# byte-identical files, a file past 65535 blocks (wrap), tsize, missing
# files, traversal, a link planted out of the root, WRQ refused, netascii
# refused, 50 transfers at once. BOARD=lwip: the same against bootbox-lwip
# over a TAP and a bridge (lib_netns.sh board_segment).
set -u
BUILD=${BUILD:-build}
BB=$BUILD/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_tls.sh"
A=127.0.0.1 CA=127.0.0.1 X= SX= IFC=
if [ "${BOARD:-linux}" = lwip ]; then
	. "$HERE/lib_netns.sh"
	need_root; board_bin; BB=$BOARD_BIN; board_segment
fi
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; [ -z "$X" ] || ns_cleanup' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
PORT=$(python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p "$T/root/sub"
head -c 5000000 /dev/urandom > "$T/root/big"
head -c 40000000 /dev/urandom > "$T/root/huge"   # 78125 blocks of 512
ln -s /etc/passwd "$T/root/sub/esc" && chown -h nobody "$T/root/sub/esc"
ln -s /boot/ipxe.efi "$T/root/ipxe.efi"
cat > "$T/c.yaml" <<YAML
appliance: {name: t,$IFC address: $A, state_dir: $T/state}
tftp: {root: $T/root, port: $PORT, max_per_client: 64}
YAML
$SX "$BB" serve -c "$T/c.yaml" 2>"$T/log" & PID=$!
sleep 0.5
U=tftp://$A:$PORT
$X curl -s -o "$T/o1" "$U/big" && cmp -s "$T/o1" "$T/root/big" && ok "curl, 512-byte blocks" || bad "curl default"
$X curl -s --tftp-blksize 1468 -o "$T/o2" "$U/big" && cmp -s "$T/o2" "$T/root/big" && ok "curl, blksize 1468" || bad "curl 1468"
timeout 120 $X curl -s --tftp-no-options -o "$T/o3" "$U/huge" && cmp -s "$T/o3" "$T/root/huge" && ok "a file past 65535 blocks (block numbers wrap)" || bad "wrap"
(cd "$T" && timeout 30 $X tftp -m binary $A "$PORT" -c get big o4) && cmp -s "$T/o4" "$T/root/big" && ok "tftp-hpa client" || bad "tftp-hpa"
G=$BUILD/tools/tftp_get
if [ -x "$G" ]; then
	for w in 8 16; do
		timeout 60 $X "$G" -b 1468 -w "$w" -o "$T/w$w" $A "$PORT" big >/dev/null && cmp -s "$T/w$w" "$T/root/big" &&
			ok "windowsize $w (RFC 7440), identical" || bad "windowsize $w"
	done
	timeout 60 $X "$G" -b 512 -w 16 -o "$T/w512" $A "$PORT" huge >/dev/null && cmp -s "$T/w512" "$T/root/huge" &&
		ok "windowsize 16 past 65535 blocks" || bad "windowsize wrap"
fi
[ -f /boot/ipxe.efi ] && { $X curl -s -o "$T/o5" "$U/ipxe.efi" && cmp -s "$T/o5" /boot/ipxe.efi && ok "a root-owned link out of the root (Debian's ipxe.efi) is served" || bad "ipxe.efi link"; }
$X curl -s -o /dev/null "$U/missing"; [ $? = 68 ] && ok "missing file: TFTP file-not-found" || bad "missing"
$X curl -s -o /dev/null "$U/sub/esc"; [ $? = 69 ] && ok "a link planted by another user: access violation" || bad "planted link served"
$X curl -s -o /dev/null "$U/../etc/passwd"; rc=$?; [ $rc = 69 ] || [ $rc = 68 ] && ok "../ refused ($rc)" || bad "traversal rc $rc"
out=$(cd "$T" && printf 'put o1 up\n' | timeout 10 $X tftp -m binary $A "$PORT" 2>&1)
[[ $out == *"Error code 2"* || $out == *"not allowed"* ]] && [ ! -e "$T/root/up" ] && ok "write requests refused" || bad "WRQ: $out"
out=$(cd "$T" && timeout 10 $X tftp -m ascii $A "$PORT" -c get big o6 2>&1)
[[ $out == *"octet"* ]] && ok "netascii refused with a clear error" || bad "netascii: $out"
cps=()
for i in $(seq 50); do $X curl -s --tftp-blksize 1468 -o "$T/p$i" "$U/big" & cps+=($!); done
for p in "${cps[@]}"; do wait "$p"; done
good=0; for i in $(seq 50); do cmp -s "$T/p$i" "$T/root/big" && good=$((good + 1)); done
[ $good = 50 ] && ok "50 transfers at once, all identical" || bad "parallel: $good/50"
grep -q "tftp: $CA big 5000000 bytes" "$T/log" && ok "one log line per transfer" || bad "log"
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
