#!/bin/sh
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$router" ] && ip route add default via "${router%% *}"
	echo "ip=$ip serverid=$serverid hostname=$hostname" > /tmp/lease
	;;
esac
exit 0
