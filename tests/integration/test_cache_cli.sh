#!/usr/bin/env bash
# bootbox cache fetch|list|verify against a local TLS factory: a cold fetch,
# a fetch that is cut and resumed, a warm run that fetches nothing, verify
# catching a corrupted file, an upstream whose bytes changed refused, and an
# untrusted factory refused with nothing left in the cache.
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
head -c 2500000 /dev/urandom > "$IMG/kernel-amd64"
head -c 4000000 /dev/urandom > "$IMG/initramfs-amd64.xz"
echo "talos.platform=metal console=tty0 init_on_alloc=1 slab_nomerge pti=on" > "$IMG/cmdline-metal-amd64"

start_factory() { # fault [cert key]
	[ -n "${FPID:-}" ] && kill "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	PORT=$(free_port)
	python3 "$HERE/factory.py" --port "$PORT" --root "$T/root" --cert "${2:-$T/srv.pem}" \
		--key "${3:-$T/srv.key}" --fault "$1" --rate "${FRATE:-0}" >/dev/null 2>&1 &
	FPID=$!; pids+=($FPID)
	wait_port "$PORT"
	write_config
}
write_config() {
	cat > "$T/bootbox.yaml" <<YAML
appliance:
  name: test
  interface: lo
  address: 127.0.0.1
  state_dir: $T/state
talos:
  factory: https://127.0.0.1:$PORT
  schematic: $SCH
  version: v1.10.4
  arches: [amd64]
  ca_bundle: $T/ca.pem
YAML
}
CACHED=$T/state/cache/talos/$SCH/v1.10.4

start_factory cut
out=$(timeout 120 "$BB" cache fetch -c "$T/bootbox.yaml" 2>&1)
if [ $? = 0 ] && cmp -s "$CACHED/kernel-amd64" "$IMG/kernel-amd64" && cmp -s "$CACHED/initramfs-amd64.xz" "$IMG/initramfs-amd64.xz"; then
	ok "cold fetch, cut mid-body and resumed, identical bytes"
else bad "cold fetch with a cut: $out"; fi
[ "$(grep -c kernel-amd64 "$T/root/hits.log")" -ge 2 ] && ok "the cut fetch was resumed (2 upstream GETs)" || bad "no resume seen in hits.log"
ls "$CACHED"/*.part >/dev/null 2>&1 && bad "a .part file was left behind" || ok "no .part left"

: > "$T/root/hits.log"
out=$(timeout 60 "$BB" cache fetch -c "$T/bootbox.yaml" 2>&1)
[ $? = 0 ] && [ ! -s "$T/root/hits.log" ] && [[ $out == *"cached"* ]] && ok "warm run fetches nothing" || bad "warm run: $out"

out=$(timeout 60 "$BB" cache list -c "$T/bootbox.yaml" 2>&1)
[[ $out == *"kernel-amd64"*"in use"* ]] && ok "list shows the artifacts in use" || bad "list: $out"
out=$(timeout 60 "$BB" cache verify -c "$T/bootbox.yaml" 2>&1)
[ $? = 0 ] && [[ $out == *"3 artifacts checked, all good"* ]] && ok "verify: all good" || bad "verify: $out"

printf 'X' | dd of="$CACHED/kernel-amd64" bs=1 seek=1000 conv=notrunc 2>/dev/null
out=$(timeout 60 "$BB" cache verify -c "$T/bootbox.yaml" 2>&1)
[ $? = 1 ] && [[ $out == *"kernel-amd64: CORRUPT"* ]] && ok "verify catches a corrupted byte" || bad "verify after corruption: $out"

# the upstream changes the bytes of a pinned version: refused
rm -f "$CACHED/kernel-amd64"
head -c 2500000 /dev/urandom > "$IMG/kernel-amd64"
start_factory none
out=$(timeout 60 "$BB" cache fetch -c "$T/bootbox.yaml" 2>&1)
[ $? = 1 ] && [[ $out == *"differs from the one recorded"* ]] && [ ! -e "$CACHED/kernel-amd64" ] \
	&& ok "changed upstream bytes refused, nothing published" || bad "changed upstream: $out"

# an untrusted factory: clear error, nothing written
rm -rf "$T/state"
start_factory none "$T/other.pem" "$T/other.key"
out=$(timeout 60 "$BB" cache fetch -c "$T/bootbox.yaml" 2>&1)
[ $? = 1 ] && [[ $out == *"certificate refused"* ]] && ! ls "$CACHED"/* >/dev/null 2>&1 \
	&& ok "untrusted factory refused, cache empty" || bad "untrusted factory: $out"

# a large body on two connections, each at 8 MiB/s: killed after 1 s, part
# b's bytes lie past a gap in part a's half
rm -rf "$T/state"
head -c $((40 << 20)) /dev/urandom > "$IMG/kernel-amd64"
FRATE=$((8 << 20)) start_factory none
"$BB" cache fetch -c "$T/bootbox.yaml" >/dev/null 2>&1 &
KPID=$!; pids+=($KPID)
sleep 1
kill -9 "$KPID"; wait "$KPID" 2>/dev/null
out=$(timeout 120 "$BB" cache fetch -c "$T/bootbox.yaml" 2>&1)
[ $? = 0 ] && cmp -s "$CACHED/kernel-amd64" "$IMG/kernel-amd64" \
	&& ok "a split fetch killed mid-body resumes to identical bytes" || bad "resume after a kill: $out"

# two fetches of the same artifacts at once (an operator's second shell, a
# cron job): the second waits on the first's locked .part, then finds the
# artifacts published; the factory sends each artifact once
rm -rf "$T/state"
FRATE=$((8 << 20)) start_factory none
: > "$T/root/hits.log"
"$BB" cache fetch -c "$T/bootbox.yaml" > "$T/first.out" 2>&1 &
APID=$!; pids+=($APID)
for i in $(seq 50); do ls "$CACHED"/kernel-amd64.part >/dev/null 2>&1 && break; sleep 0.1; done
out=$(timeout 120 "$BB" cache fetch -c "$T/bootbox.yaml" 2>&1); rc=$?
wait "$APID"; arc=$?
if [ $rc = 0 ] && [ $arc = 0 ] && cmp -s "$CACHED/kernel-amd64" "$IMG/kernel-amd64"; then
	ok "two concurrent fetches of one artifact both succeed, identical bytes"
else bad "concurrent fetches (rc $arc, $rc): $(cat "$T/first.out") / $out"; fi
[[ $out == *"kernel-amd64: another process is fetching it"* ]] && [[ $out == *"kernel-amd64: fetched (by another process"* ]] &&
	ok "the second one says it waits for the first, then that the first fetched it" || bad "second fetch's output: $out"
[ "$(grep -c 'kernel-amd64' "$T/root/hits.log")" -le 2 ] && ok "the factory sent the large artifact once (its 2 halves)" ||
	bad "the factory was asked $(grep -c kernel-amd64 "$T/root/hits.log") times: $(cat "$T/root/hits.log")"
ls "$CACHED"/*.part >/dev/null 2>&1 && bad "a .part left after concurrent fetches" || ok "no .part left after concurrent fetches"
"$BB" cache verify -c "$T/bootbox.yaml" >/dev/null 2>&1 && ok "the index written by both verifies" || bad "verify after concurrent fetches"

echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
