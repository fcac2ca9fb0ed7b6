#!/usr/bin/env bash
# Hand-off end to end: the management node (the test node, listening like
# Talos on 50000 and /readyz on 6443) installs from bootbox and comes up;
# bootbox reaches "handed-off" by itself (export written, hook run); a reboot
# of the node gets the local-boot script; after a reload that adds the DHCP
# stand-down its next DISCOVER gets no offer; the state survives a restart;
# `machines reinstall` starts over.
set -u
. "$(dirname "$0")/lib.sh"
MAC=52:54:00:be:ef:10
API=http://192.168.2.2:8080
boot_setup
handoff_yaml() {
	boot_config "machines:
  - name: mgmt
    mac: $MAC
    ip: 192.168.2.10
    role: management
    profile: testnode-listen
handoff:
  management: mgmt
  probes: [\"tcp:50000\", \"http:6443/readyz\"]
  interval: 1s
  timeout: 2s
  confirm: 2
  standdown: renewals
  scopes: [192.168.2.0/24]
  actions: [$1]
  export_dir: $W/export
  hook: echo \"hook \$BOOTBOX_HANDOFF_MACHINE \$BOOTBOX_HANDOFF_IP\" > $W/hook.out"
	# the node keeps running and listening after its callback
	sed -i 's/    - id: testnode$/    - id: testnode-listen/; s/bootbox.tag=default]/bootbox.tag=default, bootbox.listen=1]/' "$W/bootbox.yaml"
}
api() { ip netns exec "$NS" curl -s --max-time 3 "$API$1"; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>/dev/null; }
wait_phase() {
	local want=$1 secs=$2 i
	for i in $(seq "$secs"); do
		[ "$(api /api/v1/handoff | jget "d['phase']")" = "$want" ] && return 0
		sleep 1
	done
	api /api/v1/handoff; echo; tail -20 "$BB_LOG"
	return 1
}

handoff_yaml "local-boot, export, hook"
boot_serve
boot_qemu mgmt "$MAC" bios
if boot_wait_callback mgmt "$MAC" 150; then ok "management node installed and up"; else bad "management node boot"; fi
[ "$(api /api/v1/handoff | jget "d['phase']")" != discovered ] && ok "lifecycle moved past discovered" || bad "lifecycle"
if wait_phase handed-off 30; then ok "bootbox reaches handed-off on its own"; else bad "no hand-off"; fi
grep -q "handoff: mgmt is up" "$BB_LOG" && ok "node seen up by the probes" || bad "no up line"
[ "$(api /api/v1/machines/mgmt | jget "d['phase']")" = handed-off ] && ok "machines API shows handed-off" || bad "machines API phase"
ip netns exec "$NS" "$BB" machines -c "$W/bootbox.yaml" | grep -q "^mgmt .*handed-off" \
	&& ok "bootbox machines shows the phase" || bad "bootbox machines phase"
python3 - "$W/export/hardware.yaml" "$MAC" <<'PY' && ok "Hardware manifest parses (libyaml) with MAC and IP" || bad "Hardware manifest"
import sys, yaml
docs = [d for d in yaml.load_all(open(sys.argv[1]), Loader=yaml.CSafeLoader) if d]
hw = [d for d in docs if d["kind"] == "Hardware" and d["metadata"]["name"] == "mgmt"][0]
iface = hw["spec"]["interfaces"][0]
assert iface["dhcp"]["mac"] == sys.argv[2], iface
assert iface["dhcp"]["ip"]["address"] == "192.168.2.10", iface
PY
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert any(m['name']=='mgmt' and m['ip']=='192.168.2.10' for m in d['machines'])" "$W/export/machines.json" \
	&& ok "JSON export holds the machine" || bad "JSON export"
for i in $(seq 20); do [ -s "$W/hook.out" ] && break; sleep 0.2; done
grep -q "hook mgmt 192.168.2.10" "$W/hook.out" 2>/dev/null && ok "hook ran with the hand-off facts" || bad "hook"

# a reboot: the installed node now boots its disk
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null
boot_qemu mgmt "$MAC" bios
if wait_log "$BB_LOG" "mgmt is installed: it boots its local disk" 90; then ok "reboot gets the local-boot script"; else bad "no local-boot script"; fi
grep -q "callback ok" "$W/mgmt.console" && bad "the installer ran again" || ok "installer not run again"
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null

# the operator adds the stand-down: it runs once, after the hand-off
handoff_yaml "local-boot, export, hook, dhcp-standdown"
kill -HUP "$BB_PID"
if wait_log "$BB_LOG" "dhcp: stood down" 15; then ok "stand-down applied on reload"; else bad "no stand-down"; fi
offers() { grep -c "DHCPOFFER .* to $MAC" "$BB_LOG"; }
before=$(offers)
boot_qemu mgmt "$MAC" bios
# SeaBIOS + iPXE send several DISCOVERs within ~20 s
for i in $(seq 25); do grep -q "DHCP" "$W/mgmt.console" 2>/dev/null && break; sleep 1; done
sleep 12
[ "$(offers)" = "$before" ] && ok "stood-down scope: the node's DISCOVER gets no offer" || bad "an offer was sent in a stood-down scope"
ign=$(api /metrics | awk '/^bootbox_dhcp_ignored_total\{reason="standdown"\}/ {print $2}')
[ "${ign:-0}" -gt 0 ] && ok "its DISCOVERs are counted as ignored ($ign)" || bad "ignored counter"
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null

# a restart keeps every state, and repeats no action
kill "$BB_PID"; wait "$BB_PID" 2>/dev/null
rm -f "$W/hook.out"
mv "$BB_LOG" "$W/bootbox.1.log"
boot_serve
sleep 2
[ "$(api /api/v1/handoff | jget "d['phase']")" = handed-off ] && ok "restart: still handed-off" || bad "restart lost the phase"
[ "$(api /api/v1/handoff | jget "d['dhcp_standdown']")" = True ] && ok "restart: stand-down still in force" || bad "restart lost the stand-down"
[ "$(api /api/v1/machines/mgmt | jget "d['local_boot']")" = True ] && ok "restart: local boot kept" || bad "restart lost local boot"
sleep 3
[ ! -e "$W/hook.out" ] && ok "restart: no action repeated" || bad "an action ran again"

# reinstall: the operator starts over
if ip netns exec "$NS" "$BB" machines -c "$W/bootbox.yaml" reinstall mgmt >/dev/null; then
	ok "machines reinstall accepted"
else
	bad "machines reinstall"
fi
[ "$(api /api/v1/machines/mgmt | jget "d['local_boot']")" = False ] && ok "reinstall: local boot off" || bad "reinstall local boot"
[ "$(api /api/v1/handoff | jget "d['dhcp_standdown']")" = False ] && ok "reinstall: stand-down lifted" || bad "reinstall stand-down"
[ "$(api /ipxe?mac=$MAC | head -c 200 | grep -c kernel)" -ge 1 ] && ok "reinstall: installer script again" || bad "reinstall script"
ip -n "$NS" addr add 192.168.2.77/24 dev br0
code=$(ip netns exec "$NS" curl -s -o /dev/null -w '%{http_code}' --interface 192.168.2.77 -X POST "$API/api/v1/machines/mgmt/reinstall")
[ "$code" = 403 ] && ok "reinstall refused from the boot network" || bad "reinstall from the network: $code"
finish
