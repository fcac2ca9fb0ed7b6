#!/usr/bin/env bash
# The way in from the runbook: bootbox import kea on the runbook's own
# kea-dhcp4.conf (validated by Debian's kea-dhcp4 -t first), import
# kea-leases on a lease file that Debian's kea-dhcp4 wrote for a real
# udhcpc client (the client then keeps its address from bootbox), and import
# netbox against a local server with NetBox v4's JSON shapes.
set -u
BUILD=${BUILD:-build}
BB=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_netns.sh"
need_root
[ -x "$BB" ] || { echo "skip: no $BB"; exit 77; }
command -v kea-dhcp4 >/dev/null || { echo "skip: no kea-dhcp4"; exit 77; }
D=$NS_TMP

appliance() {
	cat <<YAML
appliance:
  name: import-test
  interface: srv0
  address: 192.168.2.2
  state_dir: $D/state
YAML
}

# --- kea-dhcp4.conf: the runbook's, with its variables filled in --------
cat > "$D/kea-runbook.conf" <<'JSON'
// written by debian-bootstrap-cloud-init.sh install_kea
{"Dhcp4": {
"valid-lifetime":4000,"renew-timer":1000,"rebind-timer":2000,
"interfaces-config":{"interfaces":["eth1"]},
"lease-database":{"type":"memfile","persist":true,"name":"/var/lib/kea/dhcp4.leases"},
"client-classes":[
 {"name":"XClient_iPXE","test":"substring(option[77].hex,0,4) == 'iPXE'",
  "boot-file-name":"http://192.168.2.2:8080/boot.ipxe"},
 {"name":"HTTPClient","test":"option[93].hex == 0x0010",
  "option-data":[{"name":"vendor-class-identifier","data":"HTTPClient"}],
  "boot-file-name":"http://192.168.2.2:8080/assets/ipxe.efi"}],
"subnet4":[{"subnet":"192.168.2.0/24", "id": 1,
  "pools":[{"pool":"192.168.2.100 - 192.168.2.150",
    "option-data":[{"name":"ntp-servers","data":"192.168.2.2"},{"name":"log-servers","data":"192.168.2.2"}]}],
  "reservations":[]}]
}}
JSON
# kea -t checks that the interface exists: give it an eth1 of its own
K=bbik-$$
ns_add "$K"
ip -n "$K" link add eth1 type veth peer name eth1p
if ip netns exec "$K" kea-dhcp4 -t "$D/kea-runbook.conf" >"$D/kea-t.log" 2>&1; then
	ok "kea-dhcp4 -t accepts the runbook's configuration"
else bad "kea-dhcp4 -t: $(tail -3 "$D/kea-t.log")"; fi
"$BB" import kea "$D/kea-runbook.conf" >"$D/imp1.yaml" 2>"$D/imp1.err"
rc=$?
if [ $rc = 0 ] && grep -q "pools: \[192.168.2.100-192.168.2.150\]" "$D/imp1.yaml" &&
	grep -q "ntp: \[192.168.2.2\]" "$D/imp1.yaml" &&
	grep -qE "code: 7, type: ipv4, value: \"192.168.2.2\"" "$D/imp1.yaml" &&
	grep -q "lease_time: 1h6m40s" "$D/imp1.yaml"; then
	ok "import kea: pool, ntp, log-servers (option 7), valid-lifetime"
else bad "import kea: rc=$rc $(cat "$D/imp1.yaml" "$D/imp1.err")"; fi
grep -q "client-classes (2) not imported" "$D/imp1.err" && grep -q "renew-timer" "$D/imp1.err" &&
	ok "import kea: what has no counterpart is named" || bad "import kea notes: $(cat "$D/imp1.err")"
{ appliance; cat "$D/imp1.yaml"; } > "$D/bb1.yaml"
if "$BB" check --syntax -c "$D/bb1.yaml" >"$D/c1.log" 2>&1; then ok "bootbox check accepts the imported runbook config"
else bad "check of imported config: $(cat "$D/c1.log")"; fi

# a fuller kea config: routers, dns, domain, a hex option, reservations
cat > "$D/kea-full.conf" <<'JSON'
{"Dhcp4": {
  # kea's own comment styles
  /* all three */
  "valid-lifetime": 3600,
  "option-data": [{"name": "domain-name-servers", "data": "192.168.2.2, 192.168.2.4"}],
  "subnet4": [{"subnet": "192.168.2.0/24", "id": 1,
    "pools": [{"pool": "192.168.2.96/27"}],
    "option-data": [{"name": "routers", "data": "192.168.2.1"},
                    {"name": "domain-name", "data": "ring0.lan"},
                    {"code": 43, "data": "060108ff", "csv-format": false},
                    {"code": 224, "data": "0a0b0c", "csv-format": false, "always-send": true},
                    {"name": "interface-mtu", "data": "9000"}],
    "reservations": [
      {"hw-address": "52:54:00:12:34:56", "ip-address": "192.168.2.3", "hostname": "management"},
      {"hw-address": "52:54:00:aa:bb:cc", "ip-address": "192.168.2.4"},
      {"client-id": "01:11:22:33:44:55:66", "ip-address": "192.168.2.5"}]}]
}}
JSON
ip netns exec "$K" kea-dhcp4 -t "$D/kea-full.conf" >"$D/kea-t2.log" 2>&1 && ok "kea-dhcp4 -t accepts the fuller config" \
	|| bad "kea-dhcp4 -t full: $(tail -3 "$D/kea-t2.log")"
"$BB" import kea "$D/kea-full.conf" >"$D/imp2.yaml" 2>"$D/imp2.err"
if grep -q "pools: \[192.168.2.96-192.168.2.127\]" "$D/imp2.yaml" && grep -q "router: 192.168.2.1" "$D/imp2.yaml" &&
	grep -q "dns: \[192.168.2.2, 192.168.2.4\]" "$D/imp2.yaml" && grep -q 'domain: "ring0.lan"' "$D/imp2.yaml" &&
	grep -q 'code: 224, type: hex, value: "0a0b0c", always_send: true' "$D/imp2.yaml" && grep -q 'code: 26, type: uint16, value: "9000"' "$D/imp2.yaml" &&
	grep -q 'name: "management"' "$D/imp2.yaml" && grep -q "ip: 192.168.2.3" "$D/imp2.yaml" &&
	grep -q 'name: "host-525400aabbcc"' "$D/imp2.yaml"; then
	ok "import kea: CIDR pool, routers, dns, domain, typed and hex options, reservations"
else bad "import kea full: $(cat "$D/imp2.yaml")"; fi
grep -q "option 43 (by code) not imported: bootbox sets it" "$D/imp2.err" && ok "import kea: an option bootbox owns is named, not emitted" \
	|| bad "option 43 note: $(cat "$D/imp2.err")"
grep -q "not by hw-address" "$D/imp2.err" && ok "import kea: a client-id reservation is named, not dropped silently" \
	|| bad "client-id reservation note: $(cat "$D/imp2.err")"
{ appliance; cat "$D/imp2.yaml"; } > "$D/bb2.yaml"
"$BB" check --syntax -c "$D/bb2.yaml" >"$D/c2.log" 2>&1 && ok "bootbox check accepts the fuller import" \
	|| bad "check full import: $(cat "$D/c2.log")"
echo '{"Dhcp4": {"subnet4": [' > "$D/broken.conf"
"$BB" import kea "$D/broken.conf" >/dev/null 2>"$D/imp3.err"
[ $? = 1 ] && grep -qE "broken.conf:[0-9]+: not valid JSON" "$D/imp3.err" && ok "import kea: broken JSON is file:line" \
	|| bad "broken kea: $(cat "$D/imp3.err")"

# --- kea-leases: a lease file Debian's kea-dhcp4 wrote -------------------
S=bbis-$$ C=bbic-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" srv0 "$C" cli0
ns_addr "$S" srv0 192.168.2.2/24
ip -n "$C" link set cli0 address 52:54:00:77:66:55
mkdir -p "$D/kea-run"
cat > "$D/kea.conf" <<JSON
{"Dhcp4": {"valid-lifetime": 3600,
 "interfaces-config": {"interfaces": ["srv0"], "dhcp-socket-type": "raw"},
 "lease-database": {"type": "memfile", "persist": true, "name": "$D/kea.leases", "lfc-interval": 0},
 "subnet4": [{"subnet": "192.168.2.0/24", "id": 1, "pools": [{"pool": "192.168.2.120 - 192.168.2.130"}]}],
 "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "stdout"}], "severity": "INFO"}]}}
JSON
cat > "$D/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip serverid=$serverid opt7=$opt7" >> "$OUT"
exit 0
SH
chmod +x "$D/udhcpc.sh"
KEA_PIDFILE_DIR=$D/kea-run KEA_LOCKFILE_DIR=$D/kea-run bg "$S" "$D/kea.log" kea-dhcp4 -c "$D/kea.conf"
KEAPID=$BG_PID
sleep 1
OUT=$D/k1 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
KEA_IP=$(sed -n 's/^ip=\([0-9.]*\).*/\1/p' "$D/k1" | tail -1)
kill "$KEAPID" 2>/dev/null; wait "$KEAPID" 2>/dev/null
if [ -n "$KEA_IP" ] && grep -q "$KEA_IP,52:54:00:77:66:55" "$D/kea.leases"; then
	ok "kea-dhcp4 leased $KEA_IP to udhcpc and wrote its memfile"
else bad "kea lease: ip=$KEA_IP $(cat "$D/kea.leases" 2>/dev/null | head -3) $(tail -5 "$D/kea.log")"; fi
cat > "$D/bb3.yaml" <<YAML
$(appliance)
dhcp:
  subnets:
    - subnet: 192.168.2.0/24
      pools: [192.168.2.100-192.168.2.150]
      options:
        - {code: 7, type: ipv4, value: 192.168.2.2}   # the runbook's log-servers
YAML
"$BB" import kea-leases -c "$D/bb3.yaml" "$D/kea.leases" >"$D/il.log" 2>&1
"$BB" leases -c "$D/bb3.yaml" --json >"$D/leases.json" 2>&1
if [ -n "$KEA_IP" ] && python3 -c "
import json,sys
l=json.load(open('$D/leases.json'))
sys.exit(0 if any(x['ip']=='$KEA_IP' and x['mac']=='52:54:00:77:66:55' and x['state']=='bound' for x in l) else 1)"; then
	ok "import kea-leases: bootbox leases shows kea's lease"
else bad "kea-leases import: $(cat "$D/il.log" "$D/leases.json")"; fi
bg "$S" "$D/bb.log" "$BB" serve -c "$D/bb3.yaml"
BBPID=$BG_PID
wait_log "$D/bb.log" "dhcp: serving" 10
OUT=$D/k2 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -O 7 -s "$D/udhcpc.sh" >/dev/null 2>&1
if [ -n "$KEA_IP" ] && grep -q "ip=$KEA_IP serverid=192.168.2.2" "$D/k2"; then
	ok "the client keeps kea's address from bootbox"
else bad "address after switch: $(cat "$D/k2" 2>/dev/null) (kea gave $KEA_IP)"; fi
grep -q "opt7=c0a80202" "$D/k2" && ok "dhcp.options: udhcpc asked for log-servers and got it" \
	|| bad "log-servers option: $(cat "$D/k2" 2>/dev/null)"
printf 'address,hwaddr\n1.2.3.4\n' > "$D/bad.leases"
"$BB" import kea-leases -c "$D/bb3.yaml" "$D/bad.leases" >/dev/null 2>"$D/bad.err"
[ $? = 1 ] && grep -q "not a kea lease file" "$D/bad.err" && ok "import kea-leases: a foreign file is refused" \
	|| bad "bad leases file: $(cat "$D/bad.err")"

# --- netbox --------------------------------------------------------------
N=bbin-$$
ns_add "$N"
TOKEN=0123456789abcdef0123456789abcdef01234567
echo "$TOKEN" > "$D/token"
bg "$N" "$D/nb.log" python3 "$HERE/fake_netbox.py" 127.0.0.1 8765 "$TOKEN"
for i in $(seq 50); do ip netns exec "$N" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8765' 2>/dev/null && break; sleep 0.1; done
ip netns exec "$N" "$BB" import netbox --endpoint http://127.0.0.1:8765 --token-file "$D/token" \
	--site ring0 --role controlplane >"$D/nb.yaml" 2>"$D/nb.err"
rc=$?
if [ $rc = 0 ] && python3 - "$D/nb.yaml" <<'PY'
import sys, yaml
m = {x["name"]: x for x in yaml.safe_load(open(sys.argv[1]))["machines"]}
assert set(m) == {"cp1", "cp2", "cp3"}, m
assert m["cp1"] == {"name": "cp1", "mac": "52:54:00:00:01:01", "ip": "192.168.2.10", "role": "controlplane", "arch": "amd64"}, m["cp1"]
assert m["cp2"]["mac"] == "52:54:00:00:02:02" and m["cp2"]["ip"] == "192.168.2.11" and m["cp2"]["arch"] == "arm64", m["cp2"]
assert "ip" not in m["cp3"] and m["cp3"]["mac"] == "52:54:00:00:03:01", m["cp3"]
PY
then ok "import netbox: paginated devices, the primary interface's MAC, the primary IPv4, role, arch"
else bad "import netbox: rc=$rc $(cat "$D/nb.yaml" "$D/nb.err")"; fi
grep -q "cp3: no primary IPv4" "$D/nb.err" && ok "import netbox: a device without a primary IP is named" \
	|| bad "netbox notes: $(cat "$D/nb.err")"
{ appliance; echo "dhcp:"; echo "  subnets:"; echo "    - subnet: 192.168.2.0/24"; echo "      pools: [192.168.2.100-192.168.2.150]"; cat "$D/nb.yaml"; } > "$D/bb4.yaml"
ip netns exec "$S" "$BB" check -c "$D/bb4.yaml" >"$D/c4.log" 2>&1 && ok "bootbox check accepts the NetBox inventory" \
	|| bad "check netbox import: $(cat "$D/c4.log")"
# records NetBox keeps but the configuration would refuse are left out,
# named, so that what is printed (or merged by serve) still loads
ip netns exec "$N" "$BB" import netbox --endpoint http://127.0.0.1:8765 --token-file "$D/token" \
	--role odd >"$D/nb3.yaml" 2>"$D/nb3.err"
rc=$?
{ appliance; echo "dhcp:"; echo "  subnets:"; echo "    - subnet: 192.168.2.0/24"; echo "      pools: [192.168.2.100-192.168.2.150]"; cat "$D/nb3.yaml"; } > "$D/bb4b.yaml"
if [ $rc = 0 ] && grep -q "name: \"o2\"" "$D/nb3.yaml" && ! grep -q "odd one\|o3\|o4" "$D/nb3.yaml" &&
	grep -q "a device whose name is not" "$D/nb3.err" && grep -q "o3: its MAC is o2's too: skipped" "$D/nb3.err" &&
	grep -q "o4: whose primary_ip4 is not an IPv4" "$D/nb3.err" &&
	ip netns exec "$S" "$BB" check -c "$D/bb4b.yaml" >"$D/c4b.log" 2>&1
then ok "import netbox: a refused name, a second MAC, a bad address are named and left out; check accepts the rest"
else bad "import netbox odd: rc=$rc $(cat "$D/nb3.yaml" "$D/nb3.err" "$D/c4b.log" 2>/dev/null)"; fi
ip netns exec "$N" "$BB" import netbox --endpoint http://127.0.0.1:8765 --token-file "$D/token" \
	--role evil >/dev/null 2>"$D/nb4.err"
[ $? = 1 ] && grep -q "not a page of the same list" "$D/nb4.err" && ok "import netbox: a \"next\" off the list ends the import" \
	|| bad "evil next: $(cat "$D/nb4.err")"
echo wrongtoken > "$D/bad-token"
ip netns exec "$N" "$BB" import netbox --endpoint http://127.0.0.1:8765 --token-file "$D/bad-token" >/dev/null 2>"$D/nb2.err"
[ $? = 1 ] && grep -q "HTTP 403 (is the token valid?)" "$D/nb2.err" && ok "import netbox: a bad token is a clear error" \
	|| bad "bad token: $(cat "$D/nb2.err")"

# --- serve refreshes the inventory from NetBox, keeps the last good copy --
kill "$BBPID" 2>/dev/null; wait "$BBPID" 2>/dev/null
bg "$S" "$D/nb2.log" python3 "$HERE/fake_netbox.py" 127.0.0.1 8766 "$TOKEN"
NBPID=$BG_PID
for i in $(seq 50); do ip netns exec "$S" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8766' 2>/dev/null && break; sleep 0.1; done
cat > "$D/bb5.yaml" <<YAML
$(appliance | sed "s|$D/state|$D/state5|")
dhcp:
  subnets:
    - subnet: 192.168.2.0/24
      pools: [192.168.2.100-192.168.2.150]
machines:
  - name: cp1                  # the operator's own entry wins over NetBox's
    mac: "52:54:00:00:01:01"
    ip: 192.168.2.50
inventory:
  netbox:
    endpoint: http://127.0.0.1:8766
    token_file: $D/token
    role: controlplane
YAML
ip netns exec "$S" "$BB" check -c "$D/bb5.yaml" >"$D/c5.log" 2>&1 && ok "check accepts inventory.netbox" || bad "check inventory: $(cat "$D/c5.log")"
bg "$S" "$D/bb5.log" "$BB" serve -c "$D/bb5.yaml"
BBPID=$BG_PID
if wait_log "$D/bb5.log" "inventory: new machines from NetBox" 10 && wait_log "$D/bb5.log" "^.*reloaded" 10; then
	ok "serve: NetBox's machines fetched and reloaded"
else bad "serve inventory: $(tail -5 "$D/bb5.log")"; fi
grep -q "cp1.*skipped\|skipped.*cp1" "$D/bb5.log" && ok "serve: the operator's entry for cp1 wins over NetBox's" \
	|| bad "cp1 override: $(grep -i skipped "$D/bb5.log")"
ip -n "$C" link set cli0 address 52:54:00:00:02:02
OUT=$D/k5 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
grep -q "ip=192.168.2.11 " "$D/k5" && ok "serve: a NetBox machine (cp2) gets its reserved address" \
	|| bad "cp2 lease: $(cat "$D/k5" 2>/dev/null)"
kill "$BBPID" "$NBPID" 2>/dev/null; wait "$BBPID" "$NBPID" 2>/dev/null
bg "$S" "$D/bb6.log" "$BB" serve -c "$D/bb5.yaml"
BBPID=$BG_PID
wait_log "$D/bb6.log" "keeping the last good copy" 15 && ok "serve: NetBox unreachable is a warning, the last copy stays" \
	|| bad "netbox down: $(tail -5 "$D/bb6.log")"
rm -f "$D/k6"
OUT=$D/k6 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
grep -q "ip=192.168.2.11 " "$D/k6" && ok "serve: without NetBox, cp2 still gets its address" \
	|| bad "cp2 after netbox down: $(cat "$D/k6" 2>/dev/null)"
[ -n "${KEEP:-}" ] && { cat "$D/bb.log"; }
finish
