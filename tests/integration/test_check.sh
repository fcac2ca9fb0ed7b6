#!/usr/bin/env bash
# bootbox check, like kea-dhcp4 -t / nginx -t: exit 0 on a good config,
# exit 1 with every problem as file:line:col: key.path: message, and serve
# refuses to start on it. Beyond the file: paths that must exist and be of
# the right kind, the interface and its address, the matchbox data; across
# sections: reservations on the router or on us, boot: without http:;
# "did you mean" for typos, tabs named as such, --syntax and --dump.
set -u
BUILD=${BUILD:-build}
BB=$BUILD/bootbox
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
# expect NAME RC PATTERN FILE [ARGS...]: check's exit code and output
expect() {
	local name=$1 want=$2 pat=$3 f=$4 out rc
	shift 4
	out=$("$BB" check "$@" -c "$f" 2>&1); rc=$?
	[ "$rc" = "$want" ] && [[ $out == *"$pat"* ]] && ok "$name" || bad "$name (rc $rc): $out"
}

expect "the example passes --syntax (the file alone)" 0 "configuration ok" docs/example/bootbox.yaml --syntax
sed 's/mac: 52:54:00:12:34:56/mac: 52:54:00:12:34:zz/' docs/example/bootbox.yaml > "$T/bad.yaml"
expect "a bad MAC is reported at file:line:col" 1 \
	"$T/bad.yaml:40:10: machines[0].mac: '52:54:00:12:34:zz' is not a MAC address" "$T/bad.yaml" --syntax
out=$(timeout 10 "$BB" serve -c "$T/bad.yaml" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"not starting"* ]] && ok "serve refuses a bad config" || bad "serve (rc $rc): $out"
expect "a missing file is reported" 1 "missing.yaml:1:1: (file): cannot open" "$T/missing.yaml"

# the example on a host that has none of it: every missing thing, placed
out=$("$BB" check -c docs/example/bootbox.yaml 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"bootbox.yaml:27:15: boot.assets_dir: '/var/lib/bootbox/assets': No such file or directory"* ]] \
	&& [[ $out == *"pki.auth_key_file: '/etc/bootbox/auth.key'"* ]] && [[ $out == *"pki.ca_bundle:"* ]] \
	&& [[ $out == *"talos.ca_bundle:"* ]] && [[ $out == *"appliance.interface: no interface 'eth1' on this host"* ]] \
	&& ok "the example on this host: missing paths and interface" || bad "example on this host (rc $rc): $out"

# a config whose paths exist, on lo
mkdir -p "$T/assets" "$T/tftp" "$T/mb/groups" "$T/mb/profiles"
touch "$T/auth.key" "$T/bundle.crt" "$T/afile"
base() {
	cat <<YAML
appliance:
  name: t
  interface: ${IFACE:-lo}
  address: ${ADDR:-127.0.0.1}
  state_dir: $T/state
tftp:
  root: ${TFTP:-$T/tftp}
http:
  listen: 127.0.0.1:8080
boot:
  assets_dir: ${ASSETS:-$T/assets}
  matchbox_dir: $T/mb
  profiles:
    - id: p1
      kernel: /assets/k
pki:
  endpoint: https://127.0.0.1:8000
  auth_key_file: ${AUTH:-$T/auth.key}
  ca_bundle: $T/bundle.crt
  cn: t
YAML
}
base > "$T/good.yaml"
expect "paths that exist, lo with its address: ok" 0 "configuration ok" "$T/good.yaml"
ASSETS=$T/nowhere base > "$T/c1.yaml"
expect "a missing assets_dir" 1 "$T/c1.yaml:11:15: boot.assets_dir: '$T/nowhere': No such file or directory" "$T/c1.yaml"
ASSETS=$T/afile base > "$T/c2.yaml"
expect "assets_dir that is a file" 1 "boot.assets_dir: '$T/afile' is not a directory" "$T/c2.yaml"
TFTP=$T/nowhere base > "$T/c3.yaml"
expect "a missing tftp.root" 1 "$T/c3.yaml:7:9: tftp.root:" "$T/c3.yaml"
AUTH=$T/assets base > "$T/c4.yaml"
expect "auth_key_file that is a directory" 1 "pki.auth_key_file: '$T/assets' is not a regular file" "$T/c4.yaml"
IFACE=nosuch0 base > "$T/c5.yaml"
expect "an interface that does not exist" 1 "$T/c5.yaml:3:14: appliance.interface: no interface 'nosuch0' on this host" "$T/c5.yaml"
ADDR=192.168.77.1 base > "$T/c6.yaml"
out=$("$BB" check -c "$T/c6.yaml" 2>&1); rc=$?
[ $rc = 0 ] && [[ $out == *"$T/c6.yaml:4:12: appliance.address: warning: lo does not carry 192.168.77.1 yet (serve adds it)"* ]] \
	&& [[ $out == *"configuration ok (with warnings)"* ]] && ok "the interface without the address: a warning" || bad "address warning (rc $rc): $out"

# the hand-off hook is a shell command: its program must be there
hook() { base; printf 'machines:\n  - name: m\n    mac: 52:54:00:00:00:09\nhandoff:\n  management: m\n  hook: %s\n' "$1"; }
hook "/bin/true --from-check" > "$T/h1.yaml"
expect "a hook whose program exists" 0 "configuration ok" "$T/h1.yaml"
hook "$T/nohook.sh --x" > "$T/h2.yaml"
expect "a hook whose program is missing" 1 "handoff.hook: '$T/nohook.sh': No such file or directory" "$T/h2.yaml"
hook "$T/afile" > "$T/h3.yaml"
expect "a hook that is not executable" 1 "handoff.hook: '$T/afile' is not executable" "$T/h3.yaml"

# matchbox data: JSON errors with file:line:col, profiles resolved
printf '{\n  "id": "g1",\n  "profile": "p1",\n  "selector": {"mac": "52:54:00:00:00:01",}\n}\n' > "$T/mb/groups/bad.json"
expect "broken matchbox JSON at file:line:col" 1 "$T/mb/groups/bad.json:4:44: boot.matchbox_dir: not valid JSON" "$T/good.yaml"
printf '{"id": "g2", "profile": "nosuch"}\n' > "$T/mb/groups/bad.json"
expect "a matchbox group naming an unknown profile" 1 "group 'g2' names profile 'nosuch'" "$T/good.yaml"
printf '{"id": "p2", "boot": {"kernel": "/assets/k"}}\n' > "$T/mb/profiles/p2.json"
printf '{"id": "g2", "profile": "p2"}\n' > "$T/mb/groups/bad.json"
expect "a matchbox group resolved against profiles/" 0 "configuration ok" "$T/good.yaml"
printf '  groups:\n    - id: g3\n      profile: nosuch\n' > "$T/groups.yaml"
sed "/^pki:/e cat $T/groups.yaml" "$T/good.yaml" > "$T/c7.yaml"
expect "a config group naming a profile found nowhere" 1 "c7.yaml:18:16: boot.groups[0].profile: no profile 'nosuch' in the config or in $T/mb/profiles" "$T/c7.yaml"
sed 's/profile: nosuch/profile: p2/' "$T/c7.yaml" > "$T/c8.yaml"
expect "a config group naming a matchbox profile" 0 "configuration ok" "$T/c8.yaml"

# across sections
cat > "$T/x.yaml" <<'YAML'
appliance:
  interface: eth1
  address: 192.168.2.2
dhcp:
  subnets:
    - subnet: 192.168.2.0/24
      pools: [192.168.2.100-192.168.2.150]
      router: 192.168.2.1
machines:
  - name: a
    mac: 52:54:00:00:00:01
    ip: 192.168.2.1
  - name: b
    mac: 52:54:00:00:00:02
    ip: 192.168.2.2
YAML
out=$("$BB" check --syntax -c "$T/x.yaml" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"x.yaml:12:9: machines[0].ip: the reservation is the router of dhcp.subnets[0]"* ]] \
	&& [[ $out == *"x.yaml:15:9: machines[1].ip: the reservation is the appliance's own address"* ]] \
	&& ok "reservations on the router and on our own address" || bad "reservations (rc $rc): $out"
printf 'appliance:\n  interface: lo\n  address: 127.0.0.1\nboot:\n  assets_dir: /tmp\n' > "$T/y.yaml"
expect "boot: without http:" 1 "y.yaml:5:3: boot: needs an http: section" "$T/y.yaml" --syntax

# typos and tabs
printf 'appliance:\n  interface: lo\n  adress: 127.0.0.1\nmachnes: []\n' > "$T/z.yaml"
out=$("$BB" check --syntax -c "$T/z.yaml" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"z.yaml:3:3: appliance.adress: unknown key 'adress' (did you mean 'address'?)"* ]] \
	&& [[ $out == *"z.yaml:4:1: machnes: unknown section 'machnes' (did you mean 'machines'?)"* ]] \
	&& ok "did you mean, for keys and sections" || bad "did you mean (rc $rc): $out"
printf 'appliance:\n\tinterface: lo\n' > "$T/tab.yaml"
expect "a tab is called a tab" 1 "tab.yaml:2:1: (yaml): a tab: YAML indents with spaces only" "$T/tab.yaml" --syntax

# --dump: the effective config, defaults in, accepted again
out=$("$BB" check --syntax --dump -c docs/example/bootbox.yaml 2>&1); rc=$?
printf '%s\n' "$out" > "$T/dump.yaml"
[ $rc = 0 ] && grep -q '^  lease_time: 3600$' "$T/dump.yaml" && grep -q '^  max_connections: 1024$' "$T/dump.yaml" \
	&& grep -q '^  port: 69$' "$T/dump.yaml" && "$BB" check --syntax -c "$T/dump.yaml" >/dev/null 2>&1 \
	&& ok "--dump prints the effective configuration, which check accepts" || bad "--dump (rc $rc): $out"
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
