#!/usr/bin/env bash
# The operator's view of a running appliance, in namespaces this test
# creates: the status page in headless Chromium (a machine made known by a
# udhcpc lease, its phase changing without a reload, a screenshot kept
# under build/test-logs/), the page without JavaScript, the read API,
# /metrics through promtool (counters kept across SIGHUP) and the log
# format (RFC 3339 dates; <N> priorities under journald; BOOTBOX_LOG).
set -u
BUILD=${BUILD:-build}
BB=$(cd "$(dirname "$BUILD/bootbox")" && pwd)/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
ART=$(cd "$BUILD" && pwd)/test-logs
PY=/usr/bin/python3
. "$HERE/lib_netns.sh"
need_root
[ -x "$BB" ] || { echo "skip: no $BB"; exit 77; }
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
finish() { echo "# $pass passed, $fail failed"; [ "$fail" = 0 ]; }
mkdir -p "$ART"

S=bbps-$$ C=bbpc-$$
ns_add "$S"; ns_add "$C"
ns_link "$S" srv0 "$C" cli0
ns_addr "$S" srv0 192.168.2.2/24
D=$NS_TMP
mkdir -p "$D/assets" "$D/tftp"
echo kernel > "$D/assets/vmlinuz"
echo initrd > "$D/assets/initrd.img"
cat > "$D/bootbox.yaml" <<YAML
appliance:
  name: status-test
  interface: srv0
  address: 192.168.2.2
  state_dir: $D/state
dhcp:
  lease_time: 10m
  subnets:
    - subnet: 192.168.2.0/24
      pools: [192.168.2.100-192.168.2.150]
      router: 192.168.2.1
tftp:
  root: $D/tftp
http:
  listen: 0.0.0.0:8080
boot:
  assets_dir: $D/assets
  profiles:
    - id: debian
      kernel: /assets/vmlinuz
      initrd: [/assets/initrd.img]
      args: [console=ttyS0]
machines:
  - name: node1
    mac: 52:54:00:be:ef:01
    ip: 192.168.2.3
    profile: debian
  - name: mgmt
    mac: 52:54:00:be:ef:02
    ip: 192.168.2.4
handoff:
  management: mgmt
  probes: ["tcp:50000"]
  actions: [export]
  interval: 1s
pki:
  endpoint: https://127.0.0.1:9
  ca_bundle: $D/state/certs/bootbox.crt
  cn: bootstrap.ring0.lan
YAML
# a certificate in place (the PKI itself is another test's): 30 days
mkdir -p "$D/state/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=bootstrap.ring0.lan \
	-keyout "$D/state/certs/bootbox.key" -out "$D/state/certs/bootbox.crt" >/dev/null 2>&1
NOT_AFTER=$(date -d "$(openssl x509 -in "$D/state/certs/bootbox.crt" -noout -enddate | cut -d= -f2)" +%s)
U=http://192.168.2.2:8080
get() { ip netns exec "$C" curl -s -m 5 "$@"; }

# logs: an unknown BOOTBOX_LOG is refused; --help names it
out=$(BOOTBOX_LOG=loud "$BB" serve -c "$D/bootbox.yaml" 2>&1); rc=$?
[ $rc = 2 ] && [[ $out == *"BOOTBOX_LOG='loud'"* ]] && ok "BOOTBOX_LOG=loud is an error" || bad "BOOTBOX_LOG=loud (rc $rc): $out"
"$BB" serve --help | grep -q "BOOTBOX_LOG=error|warn|info|debug" && ok "serve --help documents BOOTBOX_LOG" || bad "serve --help"

bg "$S" "$D/bb.log" "$BB" serve -c "$D/bootbox.yaml"
BBPID=$BG_PID
wait_log "$D/bb.log" "dhcp: serving" 10 || { bad "bootbox started: $(cat "$D/bb.log")"; finish; exit; }
grep -qE '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z info: ' "$D/bb.log" \
	&& ok "log lines start with an RFC 3339 timestamp" || bad "log format: $(head -2 "$D/bb.log")"

# the browser, in the client namespace, with its own empty profile
CH=$D/chromium
mkdir -p "$CH/home"
bg "$C" "$D/chromium.log" env HOME="$CH/home" chromium --headless --no-sandbox --disable-gpu \
	--disable-quic --no-first-run --disable-background-networking --disable-component-update \
	--disable-sync --disable-dev-shm-usage --user-data-dir="$CH/profile" \
	--remote-debugging-address=127.0.0.1 --remote-debugging-port=9222 about:blank
CHPID=$BG_PID
cdp() { timeout 60 ip netns exec "$C" "$PY" "$HERE/cdp.py" 9222 "$@"; }

# a machine becomes known: its lease
# a stranger whose hostname is markup: shown as text, never run
ip -n "$C" link set cli0 address 52:54:00:66:66:66
OUT=$D/u0 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -x 'hostname:<img/src=x/onerror=alert(1)>' -s "$D/udhcpc.sh" >/dev/null 2>&1
ip -n "$C" link set cli0 address 52:54:00:be:ef:01
cat > "$D/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip" >> "$OUT"
exit 0
SH
chmod +x "$D/udhcpc.sh"
OUT=$D/u1 timeout 20 ip netns exec "$C" udhcpc -i cli0 -n -q -f -t 5 -T 1 -s "$D/udhcpc.sh" >/dev/null 2>&1
grep -q "ip=192.168.2.3" "$D/u1" 2>/dev/null && ok "node1 leased 192.168.2.3" || bad "lease: $(cat "$D/u1" 2>/dev/null)"
ip -n "$C" addr add 192.168.2.3/24 dev cli0
grep -q "DHCPACK .* mac=52:54:00:be:ef:01 ip=192.168.2.3 machine=node1" "$D/bb.log" \
	&& ok "the DHCP log line carries mac=, ip=, machine=" || bad "dhcp log fields: $(grep DHCPACK "$D/bb.log" | tail -1)"

# the read API
get "$U/api/v1/leases" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); l=[x for x in d["leases"] if x["ip"]=="192.168.2.3"]; s=d["subnets"][0]; assert l and l[0]["machine"]=="node1" and l[0]["state"]=="bound", d; assert s["pool_size"]==51 and s["subnet"]=="192.168.2.0/24", s' \
	&& ok "/api/v1/leases: the lease and the pool" || bad "/api/v1/leases: $(get "$U/api/v1/leases")"
[ "$(get "$U/healthz")" = ok ] && ok "/healthz" || bad "/healthz"
get "$U/api/v1/cache" | grep -q '"enabled":false' && ok "/api/v1/cache (no talos:)" || bad "/api/v1/cache: $(get "$U/api/v1/cache")"
get "$U/api/v1/certs" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["subject"]=="CN=bootstrap.ring0.lan" and d["not_after"]=='"$NOT_AFTER"' and d["next_renewal"]>d["not_after"]-30*86400, d' \
	&& ok "/api/v1/certs: subject, not_after, next renewal" || bad "/api/v1/certs: $(get "$U/api/v1/certs")"

# it boots: its script is served
get "$U/ipxe?mac=52:54:00:be:ef:01" | grep -q vmlinuz || bad "ipxe script"
grep -q "boot: node1 is booting profile debian .* mac=52:54:00:be:ef:01 ip=192.168.2.3 machine=node1$" "$D/bb.log" \
	&& ok "the boot log line carries mac=, ip=, machine=" || bad "boot log fields: $(grep 'is booting' "$D/bb.log")"
get "$U/api/v1/machines" | grep -q '"lifecycle":"booting"' && ok "/api/v1/machines: lifecycle booting" || bad "machines: $(get "$U/api/v1/machines")"

# the page without JavaScript: server-rendered tables, UTF-8, nothing external
get -D "$D/hdr" -o "$D/page.html" "$U/"
grep -qi '^content-type: text/html; charset=utf-8' "$D/hdr" && ok "/ is text/html; charset=utf-8" || bad "content-type: $(cat "$D/hdr")"
grep -q '<td>node1</td><td class="p-booting">booting</td><td>192.168.2.3</td>' "$D/page.html" \
	&& ok "the server-rendered table shows node1 booting" || bad "server table: $(grep -o '<table id="machines".*</table>' "$D/page.html" | head -c 600)"
if grep -qiE '(src|href)="(https?:)?//' "$D/page.html" || grep -qi '@import\|url(' "$D/page.html"; then
	bad "the page refers to something outside itself"
else ok "the page is self-contained"; fi
grep -q '<meta charset="utf-8">' "$D/page.html" && grep -q ' · ' "$D/page.html" && ok "UTF-8 declared and used" || bad "utf-8"

# in Chromium: node1 shows booting, then up without a reload
if cdp open "$U/" 2>"$D/cdp.err"; then
	cdp eval 'window.__bb_mark = 42; 1' >/dev/null
	cdp wait 'document.body.dataset.refreshed >= 1 && [...document.querySelectorAll("#machines tbody tr")].some(r => r.cells[0].textContent == "node1" && r.cells[1].textContent == "booting")' 15 \
		&& ok "chromium: node1 is booting" || bad "chromium booting: $(cdp eval 'document.querySelector("#machines").outerHTML')"
	get "$U/api/v1/booted?mac=52:54:00:be:ef:01" >/dev/null
	cdp wait '[...document.querySelectorAll("#machines tbody tr")].some(r => r.cells[0].textContent == "node1" && r.cells[1].textContent == "up")' 15 \
		&& ok "chromium: node1 turned up without a reload" || bad "chromium up: $(cdp eval 'document.querySelector("#machines").outerHTML')"
	[ "$(cdp eval 'window.__bb_mark')" = 42 ] && ok "chromium: the page was not reloaded" || bad "page reloaded"
	cdp eval '[...document.querySelectorAll("#leases tbody tr")].some(r => r.cells[0].textContent == "192.168.2.3" && r.cells[3].textContent == "node1")' | grep -q true \
		&& ok "chromium: the lease table lists node1" || bad "chromium leases"
	[ "$(cdp eval 'document.querySelectorAll("img").length')" = 0 ] && cdp eval 'document.getElementById("leases").textContent' | grep -q '<img/src=x' \
		&& ok "chromium: a hostile hostname is text, not markup" || bad "hostile hostname: $(cdp eval 'document.getElementById("leases").innerHTML')"
	cdp eval '[...document.querySelectorAll("#handoff tbody tr")].some(r => r.cells[0].textContent == "mgmt" && r.cells[1].textContent == "unseen" && r.cells[2].textContent == "tcp:50000" && r.cells[3].textContent == "no")' | grep -q true \
		&& ok "chromium: the hand-off probes" || bad "chromium handoff: $(cdp eval 'document.querySelector("#handoff") && document.querySelector("#handoff").outerHTML')"
	cdp shot "$ART/status_page.png" && [ -s "$ART/status_page.png" ] \
		&& ok "screenshot kept in $ART/status_page.png" || bad "screenshot"
else
	bad "chromium did not open the page: $(tail -3 "$D/cdp.err") $(tail -3 "$D/chromium.log")"
fi
kill "$CHPID" 2>/dev/null

# events: the warnings land in the ring (node1 asking for another MAC's
# script moves that machine nowhere: it stays unseen)
get "$U/ipxe?mac=52:54:00:00:00:99" >/dev/null
get "$U/api/v1/events" | grep -q 'no profile for mac' && get "$U/api/v1/events" | grep -q '"boot: node1 is up"' && ok "/api/v1/events: the last warning, node1's phases" || bad "events: $(get "$U/api/v1/events")"

# the CLI: a summary for a person, --json kept; one lifecycle column
out=$(ip netns exec "$S" "$BB" status -c "$D/bootbox.yaml" 2>&1)
[[ $out == *"bootbox 'status-test' up"* && $out == *"machines:  3 (up 1, unseen 2)"* && $out == *"hand-off:  mgmt is unseen, probes fail"* && $out == *"leases:    2 active;"* && $out == *"192.168.2.0/24 pool 1 of 51 in use"* && $out == *"cert:      CN=bootstrap.ring0.lan, expires "* && $out == *"last warning: "*"no profile for mac"* ]] \
	&& ok "bootbox status: a human summary" || bad "status: $out"
ip netns exec "$S" "$BB" status --json -c "$D/bootbox.yaml" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["name"]=="status-test" and "uptime" in d' \
	&& ok "bootbox status --json" || bad "status --json"
out=$(ip netns exec "$S" "$BB" machines -c "$D/bootbox.yaml" 2>&1)
[[ $(head -1 <<<"$out") == "NAME"*"PHASE"*"PROFILE"* && $(head -1 <<<"$out") != *STATE* ]] && grep -qE '^node1 +52:54:00:be:ef:01 +192.168.2.3 +up +debian +- +[0-9]+ s ago$' <<<"$out" \
	&& ok "bootbox machines: one PHASE column" || bad "machines: $out"
ip netns exec "$S" "$BB" machines --json -c "$D/bootbox.yaml" | "$PY" -c 'import json,sys; m=json.load(sys.stdin)[0]; assert all(k in m for k in ("name","mac","ip","state","phase","group","last_seen","lifecycle","profile","age")), m; assert m["lifecycle"]=="up" and m["state"]=="booted"' \
	&& ok "bootbox machines --json: old fields kept, lifecycle added" || bad "machines --json: $(ip netns exec "$S" "$BB" machines --json -c "$D/bootbox.yaml")"

# machine states are written off the loop (bb_write_file_bg), still at once
# for a lone machine's move
for i in $(seq 20); do grep -qi "52:54:00:be:ef:01" "$D/state/machines.state" 2>/dev/null && break; sleep 0.1; done
grep -qi "52:54:00:be:ef:01" "$D/state/machines.state" 2>/dev/null && ! ls "$D/state/"*.tmp.* >/dev/null 2>&1 \
	&& ok "machines.state written with node1, no temp file left" || bad "machines.state: $(ls "$D/state" | tr '\n' ' '; cat "$D/state/machines.state" 2>&1)"
# /metrics: promtool accepts it; counters survive SIGHUP
head -c 100000 /dev/urandom > "$D/tftp/first.bin"
ip netns exec "$C" curl -s -m 10 -o "$D/first.got" tftp://192.168.2.2/first.bin
cmp -s "$D/tftp/first.bin" "$D/first.got" || bad "tftp fetch"
get "$U/metrics" > "$D/m1"
grep -q '^bootbox_tftp_transfers_total{result="ok"} 1$' "$D/m1" && grep -q '^bootbox_tftp_sent_bytes_total 100000$' "$D/m1" \
	&& ok "metrics: the TFTP transfer counted" || bad "tftp metrics: $(grep tftp "$D/m1")"
grep -qE '^bootbox_dhcp_processing_seconds_count [1-9]' "$D/m1" && grep -qE '^bootbox_http_request_duration_seconds_count\{route="ipxe"\} [1-9]' "$D/m1" \
	&& grep -qE '^bootbox_http_request_duration_seconds_bucket\{route="ipxe",le="\+Inf"\} [1-9]' "$D/m1" \
	&& grep -qE '^bootbox_http_response_bytes_total\{route="status"\} [1-9][0-9]{3,}' "$D/m1" \
	&& grep -qE '^bootbox_dhcp_replies_total\{type="ack"\} [1-9]' "$D/m1" \
	&& ok "metrics: DHCP and per-route HTTP latency histograms, bytes, replies" || bad "histograms: $(grep -E 'count|route="status"' "$D/m1")"
# the reply latency from the kernel's receive stamp: counted, and sane
# (a clock mix-up would give zero or hours)
awk '$1 == "bootbox_dhcp_reply_latency_seconds_count{type=\"ack\"}" && $2 > 0 {n++}
	$1 == "bootbox_dhcp_reply_latency_seconds_count{type=\"offer\"}" && $2 > 0 {n++}
	$1 == "bootbox_dhcp_receive_wait_seconds_count" && $2 > 0 {n++}
	$1 == "bootbox_dhcp_reply_latency_max_seconds{type=\"ack\"}" && $2 > 0 && $2 < 5 {n++}
	END {exit n != 4}' "$D/m1" \
	&& ok "metrics: DHCP reply latency (OFFER, ACK) and receive wait from the kernel's stamp" \
	|| bad "reply latency: $(grep -E 'reply_latency|receive_wait' "$D/m1" | grep -v bucket)"
if command -v promtool >/dev/null; then
	promtool check metrics < "$D/m1" > "$D/promtool.out" 2>&1 \
		&& ok "promtool check metrics" || bad "promtool: $(head -20 "$D/promtool.out")"
else bad "promtool missing (package prometheus)"; fi
for f in bootbox_build_info bootbox_dhcp_pool_size bootbox_dhcp_pool_used bootbox_dhcp_leases \
	bootbox_machines bootbox_dhcp_replies_total bootbox_dhcp_processing_seconds \
	bootbox_dhcp_reply_latency_seconds bootbox_dhcp_receive_wait_seconds \
	bootbox_http_request_duration_seconds bootbox_http_response_bytes_total \
	bootbox_tftp_transfers_total bootbox_tftp_retransmits_total bootbox_cache_hits_total; do
	grep -q "^# TYPE $f " "$D/m1" || bad "metrics: no family $f"
done
grep -q "^bootbox_cert_not_after_timestamp_seconds $NOT_AFTER$" "$D/m1" && grep -q '^bootbox_cert_next_renewal_timestamp_seconds [0-9]*$' "$D/m1" \
	&& ok "metrics: cert not_after and next renewal as timestamps" || bad "cert metrics: $(grep cert "$D/m1")"
grep -q '^bootbox_handoff_phase{phase="discovered"} 1$' "$D/m1" && grep -q '^bootbox_handoff_reachable 0$' "$D/m1" \
	&& ok "metrics: hand-off probe state" || bad "handoff metrics: $(grep handoff "$D/m1")"
grep -q '^bootbox_machines{phase="up"} 1$' "$D/m1" && grep -q '^bootbox_dhcp_pool_size{subnet="192.168.2.0/24"} 51$' "$D/m1" \
	&& ok "metrics: machines by phase, pool size" || bad "metrics values: $(grep -E 'machines|pool' "$D/m1")"
before=$(sed -n 's/^bootbox_http_requests_total{route="ipxe"} //p' "$D/m1")
kill -HUP "$BBPID"
wait_log "$D/bb.log" "^.*reloaded$" 10
after=$(get "$U/metrics" | sed -n 's/^bootbox_http_requests_total{route="ipxe"} //p')
[ -n "$before" ] && [ "$before" -ge 2 ] && [ "$after" -ge "$before" ] \
	&& ok "HTTP counters survive SIGHUP ($before -> $after)" || bad "counters across SIGHUP: $before -> $after"
kill "$BBPID"; wait "$BBPID" 2>/dev/null

# under journald: <N> priority prefixes, no timestamp
JOURNAL_STREAM=8:1234 timeout 3 ip netns exec "$S" "$BB" serve -c "$D/bootbox.yaml" > "$D/j.log" 2>&1
grep -q '^<6>info: bootbox .* serving' "$D/j.log" && ! grep -qE '^<[0-9]>20[0-9]{2}-' "$D/j.log" \
	&& ok "JOURNAL_STREAM: <6> prefixes and no timestamp" || bad "journal format: $(head -3 "$D/j.log")"
finish
