#!/usr/bin/env bash
# The operator's documentation: make install puts bootbox(8) and the bash
# completion in place, the man page renders without warnings and names
# every command and environment variable, and the completion completes
# commands, options and machine names.
set -u
BUILD=${BUILD:-build}
BB=$BUILD/bootbox
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
[ -x "$BB" ] || { echo "skip: no $BB"; exit 77; }

make --no-print-directory -s install BUILD="$BUILD" DESTDIR="$T/root" PREFIX=/usr >"$T/install.log" 2>&1
M=$T/root/usr/share/man/man8/bootbox.8
C=$T/root/usr/share/bash-completion/completions/bootbox
[ -x "$T/root/usr/bin/bootbox" ] && [ -f "$M" ] && [ -f "$C" ] \
	&& ok "make install: binary, man page, completion" || bad "install: $(cat "$T/install.log"; find "$T/root")"
if command -v man >/dev/null && command -v groff >/dev/null; then
	MANWIDTH=80 man --warnings -l "$M" >"$T/man.txt" 2>"$T/man.err"
	[ -s "$T/man.txt" ] && [ ! -s "$T/man.err" ] && ok "bootbox(8) renders without warnings" || bad "man: $(head -5 "$T/man.err")"
	miss=
	for w in serve check leases machines status cache pki cert --syntax --dump BOOTBOX_LOG JOURNAL_STREAM \
		/api/v1/leases /api/v1/events /healthz /metrics; do
		grep -q -- "$w" "$T/man.txt" || miss="$miss $w"
	done
	[ -z "$miss" ] && ok "bootbox(8) names every command, option and variable" || bad "man lacks:$miss"
else
	echo "# no man/groff: rendering not checked"
fi
for c in $("$BB" --help | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
	grep -q "$c" "$C" || bad "completion lacks $c"
done
cat > "$T/b.yaml" <<'YAML'
appliance:
  interface: lo
  address: 127.0.0.1
machines:
  - name: alpha
    mac: 52:54:00:00:00:01
  - name: beta
    mac: 52:54:00:00:00:02
YAML
out=$(bash -c '. "$1"; comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _bootbox; echo "${COMPREPLY[*]}"; }
	comp bootbox ch; comp bootbox check --d; comp bootbox machines -c "$2" reinstall ""' _ "$C" "$T/b.yaml")
[ "$(sed -n 1p <<<"$out")" = check ] && [ "$(sed -n 2p <<<"$out")" = --dump ] && [ "$(sed -n 3p <<<"$out")" = "alpha beta" ] \
	&& ok "bash completion: commands, options, machine names" || bad "completion: $out"
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
