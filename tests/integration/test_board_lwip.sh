#!/usr/bin/env bash
# The board-parameterised integration tests (DHCP clients, TFTP, HTTP) run
# again with BOARD=lwip against bootbox-lwip; their counts summed. Skips
# when bootbox-lwip is not built (make firmware, after make deps).
set -u
BUILD=${BUILD:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$BUILD/bootbox-lwip" ] || { echo "skip: no $BUILD/bootbox-lwip (make firmware)"; exit 77; }
pass=0 fail=0 ran=0
for t in test_dhcp_clients test_tftp test_http; do
	echo "## BOARD=lwip $t"
	out=$(BOARD=lwip BUILD=$BUILD timeout 600 bash "$HERE/$t.sh" 2>&1)
	rc=$?
	echo "$out"
	[ $rc = 77 ] && continue
	ran=$((ran + 1))
	p=$(echo "$out" | sed -n 's/^# \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/^# \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -1)
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0}))
	# a script that died without its count is a failure too
	[ $rc != 0 ] && [ "${f:-0}" = 0 ] && fail=$((fail + 1))
done
[ $ran = 0 ] && { echo "skip: every script skipped"; exit 77; }
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
