#!/usr/bin/env bash
# bootbox check: exit 0 on the bundled example, exit 1 with file:line:col on
# a broken copy, and serve refuses to start on it.
set -u
BUILD=${BUILD:-build}
BB=$BUILD/bootbox
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }

out=$("$BB" check -c docs/example/bootbox.yaml 2>&1) && [[ $out == *"configuration ok"* ]] \
	&& ok "the example is accepted" || bad "example: $out"
sed 's/mac: 52:54:00:12:34:56/mac: 52:54:00:12:34:zz/' docs/example/bootbox.yaml > "$T/bad.yaml"
out=$("$BB" check -c "$T/bad.yaml" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == "$T/bad.yaml:40:10: machines[0].mac: '52:54:00:12:34:zz' is not a MAC address"* ]] \
	&& ok "a bad MAC is reported at file:line:col" || bad "bad MAC (rc $rc): $out"
out=$(timeout 10 "$BB" serve -c "$T/bad.yaml" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"not starting"* ]] && ok "serve refuses a bad config" || bad "serve (rc $rc): $out"
out=$("$BB" check -c "$T/missing.yaml" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"missing.yaml:1:1: (file): cannot open"* ]] && ok "a missing file is reported" || bad "missing: $out"
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
