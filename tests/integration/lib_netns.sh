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
