# Network namespaces for tests: every name carries the test's PID, every
# process started is remembered and killed by PID, and everything is removed
# on exit. Traffic stays inside the namespaces created here.
#   ns_add NAME                 create namespace $NAME (lo up)
#   ns_link NS1 IF1 NS2 IF2     a veth pair between two namespaces
#   ns_addr NS IF CIDR          address + up
#   bg NS LOG CMD...            start CMD in NS in the background; sets $BG_PID
#   wait_log FILE REGEX SECS    wait for a line in a log
NS_LIST=()
BG_PIDS=()
NS_TMP=$(mktemp -d)

ns_cleanup() {
	local p n
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for n in "${NS_LIST[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$NS_TMP"
}
trap ns_cleanup EXIT

need_root() {
	if [ "$(id -u)" != 0 ] || ! ip netns add "bb-probe-$$" 2>/dev/null; then
		echo "skip: needs root and network namespaces"
		exit 77
	fi
	ip netns del "bb-probe-$$"
}

ns_add() {
	ip netns add "$1" && NS_LIST+=("$1")
	ip -n "$1" link set lo up
}

ns_link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

ns_addr() {
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" link set "$2" up
}

bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

wait_log() {
	local i
	for i in $(seq $(( $3 * 10 ))); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timeout waiting for /$2/ in $1:"; tail -5 "$1"
	return 1
}

T_PASS=0 T_FAIL=0
ok() { T_PASS=$((T_PASS + 1)); echo "ok - $1"; }
bad() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $1"; }
finish() { echo "# $T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" = 0 ]; }

# The board under test: BOARD=linux (default: build/bootbox on a veth that
# carries the server's address) or BOARD=lwip (build/bootbox-lwip on a TAP
# in a bridge without a host address, joined to the client by a veth).
#   board_bin                   the serving binary, or skip (exit 77)
#   board_link S IF C CIF CIDR  the server's side of the segment to C:
#                               linux: veth IF with CIDR; lwip: veth into
#                               bridge br0 with TAP IF (lwIP takes CIDR)
#   board_lacks FEATURE         true (and says so) when $BOARD cannot do
#                               FEATURE: growing, linkfarm...
BOARD=${BOARD:-linux}
board_bin() {
	local name=bootbox
	[ "$BOARD" = lwip ] && name=bootbox-lwip
	BOARD_BIN=$(cd "$(dirname "${BUILD:-build}/$name")" && pwd)/$name
	[ -x "$BOARD_BIN" ] || { echo "skip: no $BOARD_BIN"; exit 77; }
	[ "$BOARD" != lwip ] || [ -c /dev/net/tun ] || { echo "skip: no /dev/net/tun"; exit 77; }
}

board_link() {
	if [ "$BOARD" != lwip ]; then
		ns_link "$1" "$2" "$3" "$4"
		ns_addr "$1" "$2" "$5"
		return
	fi
	ns_link "$1" "up-$2" "$3" "$4"
	ip -n "$1" link add br0 type bridge
	ip -n "$1" tuntap add dev "$2" mode tap
	ip -n "$1" link set "$2" master br0
	ip -n "$1" link set "up-$2" master br0
	ip -n "$1" link set "$2" up
	ip -n "$1" link set br0 up
}

# features the lwIP board does not have yet (README: bootbox-lwip)
board_lacks() {
	[ "$BOARD" = lwip ] || return 1
	case $1 in
	growing | linkfarm) echo "skip - $2 (not on the lwIP board)"; return 0 ;;
	esac
	return 1
}

# For the tests that run the Linux board on loopback: with BOARD=lwip, a
# server namespace (board_link) and a client one instead. Sets A (server
# address), CA (client address), SX and X (command prefixes: run in the
# server's / client's namespace) and IFC (the appliance.interface entry,
# inline-map form). The caller's EXIT trap must call ns_cleanup.
board_segment() {
	local s=bbbs-$$ c=bbbc-$$
	ns_add "$s"; ns_add "$c"
	board_link "$s" srv0 "$c" cli0 192.168.7.2/24
	ns_addr "$c" cli0 192.168.7.5/24
	A=192.168.7.2 CA=192.168.7.5 IFC=" interface: srv0,"
	SX="ip netns exec $s" X="ip netns exec $c"
}
