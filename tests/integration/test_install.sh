#!/usr/bin/env bash
# make install into a DESTDIR (as the images do): the binary, the unit with
# ExecStart under PREFIX, the example config, the bootbox system user; a
# second install keeps the operator's edited config.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
command -v systemd-sysusers >/dev/null || { echo "skip: no systemd-sysusers"; exit 77; }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
inst() { make -s -C "$ROOT" install BUILD="$BUILD" DESTDIR="$D" PREFIX=/opt/bb >"$D.log" 2>&1; }
inst && ok "make install DESTDIR PREFIX" || bad "make install: $(cat "$D.log")"
[ -x "$D/opt/bb/bin/bootbox" ] && ok "binary" || bad "no binary"
grep -qx "ExecStart=/opt/bb/bin/bootbox serve -c /etc/bootbox/bootbox.yaml" "$D/opt/bb/lib/systemd/system/bootbox.service" &&
	ok "unit's ExecStart under PREFIX" || bad "unit ExecStart"
cmp -s "$ROOT/docs/example/bootbox.yaml" "$D/etc/bootbox/bootbox.yaml" && ok "example config installed" || bad "config"
grep -q "^bootbox:x:[0-9]*:[0-9]*:.*:/var/lib/bootbox:/usr/sbin/nologin$" "$D/etc/passwd" && ok "bootbox system user" ||
	bad "user: $(cat "$D/etc/passwd" 2>/dev/null)"
echo "# edited" >> "$D/etc/bootbox/bootbox.yaml"
inst && tail -1 "$D/etc/bootbox/bootbox.yaml" | grep -qx "# edited" && ok "reinstall keeps the operator's config" || bad "config overwritten"
[ "$(grep -c '^bootbox:' "$D/etc/passwd")" = 1 ] && ok "user created once" || bad "user doubled"
rm -f "$D.log"
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
