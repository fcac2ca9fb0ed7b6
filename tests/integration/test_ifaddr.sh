#!/usr/bin/env bash
# serve's interface bring-up, in a namespace: a bare interface gets
# appliance.address with its subnet's prefix and comes up; a second start
# finds it and says nothing; an interface with another address is left
# alone (with a warning); an address no subnet holds is not guessed at.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_netns.sh"
BUILD=${BUILD:-build}
BB=$(cd "$BUILD" && pwd)/bootbox
need_root
NS=bb-ifa-$$
ns_add "$NS"
ip -n "$NS" link add br0 type bridge
T=$NS_TMP
conf() { # ADDRESS SUBNET
	cat > "$T/c.yaml" <<YAML
appliance: {name: t, interface: br0, address: $1, state_dir: $T/state}
dhcp:
  subnets:
    - subnet: $2
      pools: [10.77.0.100-10.77.0.150]
YAML
}
serve_once() { # runs serve until it is serving, then stops it; log in $T/log
	bg "$NS" "$T/log" "$BB" serve -c "$T/c.yaml"
	wait_log "$T/log" "serving as" 10 >/dev/null
	kill "$BG_PID"; wait "$BG_PID" 2>/dev/null
}
conf 10.77.0.2 10.77.0.0/23
serve_once
ip -n "$NS" -4 -o addr show br0 | grep -q "inet 10.77.0.2/23 brd 10.77.1.255" && ok "bare br0 got 10.77.0.2/23 (the subnet's prefix)" ||
	bad "br0: $(ip -n "$NS" -4 -o addr show br0)"
ip -n "$NS" link show br0 | grep -q "<.*UP.*>" && ok "br0 set up" || bad "br0 still down"
grep -q "br0 had no IPv4 address: added 10.77.0.2/23, link up" "$T/log" && ok "logged" || bad "no log line: $(cat "$T/log")"
serve_once
! grep -qE "br0 (had|has) |cannot give" "$T/log" && ok "second start: quiet, address already there" ||
	bad "second start: $(grep br0 "$T/log")"
[ "$(ip -n "$NS" -4 -o addr show br0 | wc -l)" = 1 ] && ok "no second address" || bad "addresses doubled"
ip -n "$NS" addr flush dev br0
ip -n "$NS" addr add 10.99.0.1/24 dev br0
serve_once
grep -q "br0 has IPv4 addresses but not 10.77.0.2: left as it is" "$T/log" && ok "another address: left alone, warned" ||
	bad "other address: $(cat "$T/log")"
ip -n "$NS" -4 -o addr show br0 | grep -q 10.77.0.2 && bad "added beside the operator's address"
ip -n "$NS" addr flush dev br0
conf 10.88.0.2 10.77.0.0/23
serve_once
[ -z "$(ip -n "$NS" -4 -o addr show br0)" ] && ok "an address no subnet holds: not guessed" || bad "guessed a prefix"
finish
