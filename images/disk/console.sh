#!/bin/sh
# bootbox-console: what the box is doing, on the VGA and serial consoles,
# printed again whenever it changes: addresses, the configuration's state,
# the machines seen and their leases.
last=
while :; do
	st=$(cat /run/bootbox/status 2>/dev/null | head -1)
	if systemctl -q is-active bootbox.service; then
		run="bootbox serving"
	else
		run="bootbox NOT serving"
	fi
	now="$run; ${st:-no configuration}; addresses: $(hostname -I 2>/dev/null)
$(bootbox machines -c /run/bootbox/bootbox.yaml 2>/dev/null | head -20)
$(bootbox leases -c /run/bootbox/bootbox.yaml 2>/dev/null | head -20)"
	if [ "$now" != "$last" ]; then
		for t in /dev/tty1 /dev/ttyS0; do
			[ -w "$t" ] && printf '\n--- %s ---\n%s\n' "$(date -u +%H:%M:%S)" "$now" > "$t" 2>/dev/null
		done
		last=$now
	fi
	sleep 5
done
