#!/usr/bin/env bash
# The artifact cache inside `bootbox serve`, against a local TLS factory:
# 50 clients ask at once for an uncached 64 MiB artifact -> one upstream
# fetch, 50 identical bodies, first bytes to clients within 300 ms of the
# upstream's; then a warm serve with the factory gone; an uncached artifact
# with the factory down gets an iPXE script that says why (no hang); the
# short form /assets/talos/<artifact> names the configured image.
set -u
BUILD=${BUILD:-build}
BB=$BUILD/bootbox
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$BB" ] || { echo "skip: $BB not built"; exit 77; }
. "$HERE/lib_tls.sh"
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }

make_test_ca "$T"
SCH=a78ca499dd99112bd2c2730b1b8a50375d8fa3af36f1a10b30a2fa83cc8c0d35
IMG=$T/root/image/$SCH/v1.10.4
mkdir -p "$IMG"
head -c $((64 << 20)) /dev/urandom > "$IMG/kernel-amd64"
head -c 3000000 /dev/urandom > "$IMG/initramfs-amd64.xz"
echo "talos.platform=metal console=tty0 slab_nomerge pti=on" > "$IMG/cmdline-metal-amd64"
FPORT=$(free_port)
HPORT=$(free_port)
# 64 MiB at 64 MiB/s after 0.5 s: every client waits, then streams
python3 "$HERE/factory.py" --port "$FPORT" --root "$T/root" --cert "$T/srv.pem" \
	--key "$T/srv.key" --rate $((64 << 20)) --delay 0.5 >/dev/null 2>&1 &
FPID=$!; pids+=($FPID)
wait_port "$FPORT" || { bad "factory did not start"; exit 1; }
cat > "$T/bootbox.yaml" <<YAML
appliance:
  name: test
  interface: lo
  address: 127.0.0.1
  state_dir: $T/state
http:
  listen: 127.0.0.1:$HPORT
boot:
  profiles:
    - id: talos
      kernel: /assets/talos/kernel-amd64
      initrd: [/assets/talos/initramfs-amd64.xz]
      args: [talos.platform=metal]
    - id: future
      kernel: /assets/talos/$SCH/v1.11.0/kernel-amd64
      initrd: [/assets/talos/$SCH/v1.11.0/initramfs-amd64.xz]
  groups:
    - id: all
      profile: talos
    - id: next
      profile: future
      selector: { os: next }
talos:
  factory: https://127.0.0.1:$FPORT
  schematic: $SCH
  version: v1.10.4
  arches: [amd64]
  prefetch: false
  ca_bundle: $T/ca.pem
YAML
BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$T/bootbox.yaml" > "$T/bb.log" 2>&1 &
BBPID=$!; pids+=($BBPID)
wait_port "$HPORT" || { bad "bootbox did not start"; cat "$T/bb.log"; exit 1; }

P=/assets/talos/$SCH/v1.10.4/kernel-amd64
# the fetch's progress as the API shows it, sampled while it runs
( for i in $(seq 40); do curl -s --max-time 1 "http://127.0.0.1:$HPORT/api/v1/cache" >> "$T/progress"; echo >> "$T/progress"; sleep 0.1; done ) &
PROG=$!
timeout 120 python3 "$HERE/stampede.py" 127.0.0.1 "$HPORT" "$P" 50 > "$T/stampede.json"
wait "$PROG"
python3 - "$T/progress" <<'PY' && ok "/api/v1/cache showed the fetch in flight with its progress" || bad "no progress seen: $(head -c 600 "$T/progress")"
import json, sys
seen = [f for l in open(sys.argv[1]) if l.strip() for f in json.loads(l).get("fetching", [])]
assert any(f["artifact"] == "kernel-amd64" and 0 < f["have"] and f["total"] == 64 << 20 for f in seen), seen[:3]
PY
want=$(sha256sum "$IMG/kernel-amd64" | cut -d' ' -f1)
python3 - "$T/stampede.json" "$want" "$T/root/first_byte.log" "$P" > "$T/verdict" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); want = sys.argv[2]
ok = [c for c in r if c and c["status"] == 200 and c["sha256"] == want and c["length"] == 64 << 20]
up = [float(l.split()[1]) for l in open(sys.argv[3]) if "kernel-amd64" in l]
lag = max(c["first"] for c in ok) - min(up) if ok and up else 99
print(len(ok), "%.0f" % (lag * 1000))
PY
read -r nok lag < "$T/verdict"
[ "$nok" = 50 ] && ok "50 clients got identical, complete bytes (sha256)" || bad "only $nok of 50 clients got the right bytes"
# one fetch: one GET, and (a large body) one range GET for its second half
hits=$(grep "kernel-amd64" "$T/root/hits.log" | grep -vc " range=")
parts=$(grep "kernel-amd64" "$T/root/hits.log" | grep -c " range=")
[ "$hits" = 1 ] && [ "$parts" -le 1 ] && ok "exactly one upstream fetch for 50 clients ($parts range GET)" || bad "$hits upstream fetches, $parts range GETs"
[ "${lag:-999}" -le 300 ] && ok "first bytes reached every client ${lag} ms after upstream's" || bad "first bytes lag ${lag} ms"
grep -q "cache: v1.10.4/kernel-amd64 cached" "$T/bb.log" && ok "the artifact is in the cache" || bad "not cached"

# the short form names the primary image; cached now: served as a file
code=$(curl -s -o "$T/k" -w '%{http_code}' "http://127.0.0.1:$HPORT/assets/talos/kernel-amd64")
[ "$code" = 200 ] && cmp -s "$T/k" "$IMG/kernel-amd64" && ok "short form /assets/talos/kernel-amd64 served from the cache" || bad "short form: $code"
rm -f "$T/k"
curl -s -o /dev/null "http://127.0.0.1:$HPORT/assets/talos/initramfs-amd64.xz"
curl -s -o /dev/null "http://127.0.0.1:$HPORT/assets/talos/cmdline-metal-amd64"

# offline: the factory is gone; cached artifacts still serve
kill "$FPID"; wait "$FPID" 2>/dev/null
code=$(curl -s -o "$T/k" -w '%{http_code}' -r 1000-1999 "http://127.0.0.1:$HPORT$P")
[ "$code" = 206 ] && [ "$(stat -c %s "$T/k")" = 1000 ] && ok "offline: cached artifact served (Range too)" || bad "offline serve: $code"
script=$(curl -s "http://127.0.0.1:$HPORT/ipxe?mac=52-54-00-00-00-01")
echo "$script" | grep -q "^kernel /assets/talos/kernel-amd64 .*|| goto bootbox_failed" && ok "offline: cached profile boots" || bad "offline script: $script"

# an uncached version with the factory down: a clear iPXE error, no hang
curl -s --max-time 5 "http://127.0.0.1:$HPORT/ipxe?mac=52-54-00-00-00-02&os=next" >/dev/null
sleep 1
script=$(curl -s --max-time 5 "http://127.0.0.1:$HPORT/ipxe?mac=52-54-00-00-00-02&os=next")
if echo "$script" | grep -q "cannot boot now: v1.11.0/kernel-amd64 is not cached" && echo "$script" | grep -q "chain --replace --autofree /boot.ipxe"; then
	ok "uncached + factory down: iPXE says why and retries"
else bad "uncached + factory down: $script"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$HPORT/assets/talos/$SCH/v1.11.0/kernel-amd64")
[ "$code" = 502 ] && ok "the artifact itself: 502 at once, not a hang" || bad "uncached artifact: $code"
ls "$T/state/cache/talos/$SCH/v1.11.0/"*.part >/dev/null 2>&1 && bad "a .part of a failed fetch was left" || ok "nothing half-written left"

# what the operator sees: the cached artifacts, the failure, the counters
curl -s "http://127.0.0.1:$HPORT/api/v1/cache" | python3 -c '
import json, sys
d = json.load(sys.stdin)
a = {(x["version"], x["artifact"]): x["length"] for x in d["artifacts"]}
assert a[("v1.10.4", "kernel-amd64")] == 64 << 20, a
assert any(e["version"] == "v1.11.0" and e["message"] for e in d["errors"]), d["errors"]
assert not d["fetching"], d["fetching"]' && ok "/api/v1/cache: artifacts and the last error" || bad "/api/v1/cache: $(curl -s "http://127.0.0.1:$HPORT/api/v1/cache")"
curl -s "http://127.0.0.1:$HPORT/metrics" > "$T/metrics"
hits=$(sed -n 's/^bootbox_cache_hits_total //p' "$T/metrics")
errs=$(sed -n 's/^bootbox_cache_fetch_errors_total //p' "$T/metrics")
fb=$(sed -n 's/^bootbox_cache_fetched_bytes_total //p' "$T/metrics")
[ "${hits:-0}" -ge 2 ] && [ "${errs:-0}" -ge 1 ] && [ "${fb:-0}" -ge $((64 << 20)) ] \
	&& ok "metrics: cache hits $hits, fetch errors $errs, fetched bytes $fb" || bad "cache metrics: $(grep bootbox_cache "$T/metrics")"

# a cache-only appliance (talos: and no boot:) serves its artifacts too
kill "$BBPID"; wait "$BBPID" 2>/dev/null
sed -i '/^boot:/,/^talos:/{/^talos:/!d}' "$T/bootbox.yaml"
BOOTBOX_NO_ACCESS_LOG=1 "$BB" serve -c "$T/bootbox.yaml" > "$T/bb2.log" 2>&1 &
BBPID=$!; pids+=($BBPID)
wait_port "$HPORT" || { bad "cache-only bootbox did not start"; cat "$T/bb2.log"; }
code=$(curl -s -o "$T/k2" -w '%{http_code}' "http://127.0.0.1:$HPORT$P")
[ "$code" = 200 ] && cmp -s "$T/k2" "$IMG/kernel-amd64" && ok "cache-only (no boot:): the artifact is served" \
	|| bad "cache-only: $code $(grep -c . "$T/bootbox.yaml") lines of config"

# `bootbox cache fetch` refetching an artifact while serve is asked for it:
# serve waits on the CLI's locked .part, then serves what the CLI published
# (one upstream fetch, not two writers on one file)
python3 "$HERE/factory.py" --port "$FPORT" --root "$T/root" --cert "$T/srv.pem" \
	--key "$T/srv.key" --rate $((16 << 20)) >/dev/null 2>&1 &
FPID=$!; pids+=($FPID)
wait_port "$FPORT"
rm -f "$T/state/cache/talos/$SCH/v1.10.4/kernel-amd64"
: > "$T/root/hits.log"
"$BB" cache fetch -c "$T/bootbox.yaml" > "$T/cli.out" 2>&1 &
CPID=$!; pids+=($CPID)
for i in $(seq 50); do [ -s "$T/state/cache/talos/$SCH/v1.10.4/kernel-amd64.part" ] && break; sleep 0.1; done
code=$(curl -s -o "$T/k3" -w '%{http_code}' --max-time 60 "http://127.0.0.1:$HPORT$P")
wait "$CPID"; crc=$?
[ "$crc" = 0 ] && [ "$code" = 200 ] && cmp -s "$T/k3" "$IMG/kernel-amd64" && ok "serve during a CLI fetch of the same artifact: identical bytes" \
	|| bad "serve during a CLI fetch: HTTP $code, CLI rc $crc: $(cat "$T/cli.out")"
grep -q "kernel-amd64: another process is fetching it" "$T/bb2.log" && ok "serve says it waits for the other process" || bad "no waiting line in serve's log"
hits=$(grep "kernel-amd64" "$T/root/hits.log" | grep -vc " range=")
[ "$hits" = 1 ] && ok "one upstream fetch between the CLI and serve" || bad "$hits upstream fetches between the CLI and serve"
# the CLI is killed in the middle of that fetch (an operator's ^C, or
# kill -9): its lock goes with it, and serve, waiting on the .part, takes
# the fetch over and still answers with the right bytes
rm -f "$T/state/cache/talos/$SCH/v1.10.4/kernel-amd64"
"$BB" cache fetch -c "$T/bootbox.yaml" > "$T/cli2.out" 2>&1 &
CPID=$!; pids+=($CPID)
for i in $(seq 50); do [ -s "$T/state/cache/talos/$SCH/v1.10.4/kernel-amd64.part" ] && break; sleep 0.1; done
curl -s -o "$T/k4" -w '%{http_code}' --max-time 60 "http://127.0.0.1:$HPORT$P" > "$T/k4.code" &
QPID=$!; pids+=($QPID)
sleep 0.5
kill -9 "$CPID"; wait "$CPID" 2>/dev/null
wait "$QPID"
code=$(cat "$T/k4.code")
[ "$code" = 200 ] && cmp -s "$T/k4" "$IMG/kernel-amd64" && ok "the CLI killed mid-fetch: serve takes over, identical bytes" \
	|| bad "the CLI killed mid-fetch: HTTP $code, $(stat -c %s "$T/k4" 2>/dev/null) bytes: $(tail -3 "$T/bb2.log")"
[ -f "$T/state/cache/talos/$SCH/v1.10.4/kernel-amd64" ] && ok "and the artifact is cached after it" || bad "not cached after the takeover"
echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
