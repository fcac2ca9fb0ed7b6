#!/usr/bin/env bash
# The PKI bootstrap and the cfssl client against the real peers, on
# 127.0.0.1 only: bootbox pki init -> multirootca (TLS, with a server
# certificate cfssl issues from the new CA) -> bootbox cert request; a CA
# from `cfssl gencert -initca` behind `cfssl serve`; and every failure the
# client must refuse with one clear line and nothing written.
set -u
BUILD=${BUILD:-build}
BB=$(realpath "$BUILD/bootbox")
HERE=$(cd "$(dirname "$0")" && pwd)
for t in multirootca cfssl cfssljson openssl python3; do
	command -v $t >/dev/null || { echo "skip: $t not installed"; exit 77; }
done
[ -x "$BB" ] || { echo "skip: $BB not built"; exit 77; }
. "$HERE/lib_tls.sh"
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
# expect NAME REGEX CMD...: the command's output (stdout+stderr) matches
expect() {
	local name=$1 want=$2 got; shift 2
	got=$(timeout 30 "$@" 2>&1)
	if [[ $got =~ $want ]]; then ok "$name"; else bad "$name: got '$got' want /$want/"; fi
}
# start NAME PORT CMD...: a server in the background, waited for (10 s)
start() {
	local name=$1 port=$2; shift 2
	"$@" >"$T/$name.log" 2>&1 &
	pids+=($!)
	wait_port "$port" || bad "$name did not start: $(tail -3 "$T/$name.log")"
}
# mkcfg NAME ENDPOINT BUNDLE [extra pki: lines]: a config with its own state dir
mkcfg() {
	local name=$1 ep=$2 bundle=$3; shift 3
	mkdir -p "$T/$name"
	{
		printf 'appliance:\n  name: bootstrap\n  interface: lo\n  address: 127.0.0.1\n'
		printf '  state_dir: %s\n' "$T/$name/state"
		printf 'pki:\n  endpoint: %s\n  ca_bundle: %s\n  cn: bootstrap.ring0.lan\n' "$ep" "$bundle"
		printf '  hosts: [bootstrap, matchbox, 127.0.0.1]\n  names: {C: FR, O: Ring0}\n'
		for l in "$@"; do printf '  %s\n' "$l"; done
	} > "$T/$name/bootbox.yaml"
	echo "$T/$name/bootbox.yaml"
}
nothing_written() { # NAME
	[ ! -e "$T/$1/state/certs/bootbox.key" ] && [ ! -e "$T/$1/state/certs/bootbox.crt" ]
}
refused() { # NAME CONFIG REGEX: exit 1, the message, nothing written
	local name=$1 cfg=$2 want=$3 got rc
	got=$(timeout 30 "$BB" cert request -c "$cfg" 2>&1); rc=$?
	if [ $rc = 1 ] && [[ $got =~ $want ]] && nothing_written "$(basename "$(dirname "$cfg")")"; then
		ok "$name"
	else
		bad "$name: rc $rc, got '$got' want /$want/ and nothing written"
	fi
}

export PKI_COUNTRY=FR PKI_STATE=IDF PKI_LOCATION=Paris PKI_ORG="My Cloud" PKI_ORG_UNIT="CA Services"
D=$T/dist

# --- pki init -------------------------------------------------------------
expect "pki init makes a CA" "^CA created in" "$BB" pki init --out "$D"
for f in root-ca.pem intermediate-ca.pem intermediate-ca-key.pem intermediate-fullchain.pem \
	bundle.crt auth.key config.json multiroot-profile.ini; do
	[ -s "$D/$f" ] || bad "pki init: $f missing"
done
[ "$(stat -c %a "$D/intermediate-ca-key.pem")" = 600 ] && [ "$(stat -c %a "$D/auth.key")" = 600 ] \
	&& ok "keys and the auth key are 0600" || bad "key modes: $(stat -c '%n %a' "$D"/*key*)"
grep -qxE '[0-9a-f]{32}' "$D/auth.key" && [ "$(wc -c < "$D/auth.key")" = 32 ] \
	&& ok "auth.key is 32 hex characters without a newline" || bad "auth.key: $(od -c "$D/auth.key" | head -2)"
expect "the intermediate chains to the root" ": OK$" openssl verify -CAfile "$D/root-ca.pem" "$D/intermediate-ca.pem"
txt=$(openssl x509 -in "$D/intermediate-ca.pem" -noout -text)
[[ $txt == *"CA:TRUE, pathlen:1"* && $txt == *"Certificate Sign, CRL Sign"* && \
   $txt == *"Subject: C = FR, ST = IDF, L = Paris, O = My Cloud, OU = CA Services, CN = Intermediate Certificate Authority"* ]] \
	&& ok "intermediate: CA:TRUE pathlen 1, keyCertSign+cRLSign, subject from PKI_*" || bad "intermediate: $txt"
openssl x509 -in "$D/root-ca.pem" -noout -text | grep -q 'NIST CURVE: P-256' && ok "ECDSA P-256" || bad "root key type"
sum=$(cat "$D"/* | sha256sum)
expect "a second init refuses and names what exists" "already holds a CA \(root-ca.pem, .*auth.key" "$BB" pki init --out "$D"
[ "$sum" = "$(cat "$D"/* | sha256sum)" ] && ok "the existing CA is left as it was" || bad "pki init changed an existing CA"
expect "a missing PKI_* variable is named" "PKI_ORG_UNIT is not set" env -u PKI_ORG_UNIT "$BB" pki init --out "$T/dist2"
[ ! -e "$T/dist2/root-ca.pem" ] && ok "nothing made without PKI_ORG_UNIT" || bad "dist2 written"
expect "flags stand in for the environment" "^CA created" env -u PKI_ORG_UNIT "$BB" pki init --out "$T/dist3" --org-unit Ops --templates pki

# --- multirootca with TLS, server certificate from the new CA via cfssl ----
echo '{"CN":"pki.test","hosts":["127.0.0.1"],"key":{"algo":"ecdsa","size":256}}' > "$T/pki-csr.json"
(cd "$T" && cfssl gencert -ca "$D/intermediate-ca.pem" -ca-key "$D/intermediate-ca-key.pem" \
	-config "$D/config.json" -profile host pki-csr.json 2>/dev/null | cfssljson -bare pki-srv)
[ -s "$T/pki-srv.pem" ] || bad "cfssl could not issue the PKI server certificate"
cat "$T/pki-srv.pem" "$D/intermediate-ca.pem" > "$T/pki-srv-chain.pem"
MP=$(free_port)
start multirootca "$MP" multirootca -a "127.0.0.1:$MP" -l microcloud -roots "$D/multiroot-profile.ini" \
	-tls-cert "$T/pki-srv-chain.pem" -tls-key "$T/pki-srv-key.pem"
EP=https://127.0.0.1:$MP
good=$(mkcfg good "$EP" "$D/bundle.crt" "auth_key_file: $D/auth.key" "label: microcloud" "profile: host")
expect "cert request over TLS to multirootca" "^certificate for bootstrap.ring0.lan \(3 names\) valid until" \
	"$BB" cert request -c "$good"
C=$T/good/state/certs
expect "openssl verify chains it to the root" ": OK$" openssl verify -CAfile "$D/root-ca.pem" -untrusted "$D/intermediate-ca.pem" "$C/bootbox.crt"
txt=$(openssl x509 -in "$C/bootbox.crt" -noout -text)
[[ $txt == *"DNS:bootstrap, DNS:matchbox, IP Address:127.0.0.1"* ]] && ok "SANs: the hosts asked for" || bad "SANs: $txt"
[[ $txt == *"Digital Signature, Key Encipherment"* && $txt == *"TLS Web Server Authentication, TLS Web Client Authentication"* \
   && $txt == *"CA:FALSE"* ]] && ok "usages: host profile" || bad "usages: $txt"
[[ $txt == *"Subject: C = FR, O = Ring0, CN = bootstrap.ring0.lan"* ]] && ok "subject from pki.cn and pki.names" || bad "subject: $txt"
[ "$(stat -c %a "$C/bootbox.key")" = 600 ] && ok "bootbox.key is 0600" || bad "key mode $(stat -c %a "$C/bootbox.key")"
[ "$(openssl pkey -in "$C/bootbox.key" -pubout)" = "$(openssl x509 -in "$C/bootbox.crt" -noout -pubkey)" ] \
	&& ok "the key matches the certificate" || bad "key/cert mismatch"
[ "$(grep -c 'BEGIN CERTIFICATE' "$C/chain.pem")" = 2 ] && ok "chain.pem: leaf + intermediate" || bad "chain.pem: $(grep -c BEGIN "$C/chain.pem") certs"
before=$(sha256sum "$C/bootbox.crt")
expect "renew before 2/3 of the lifetime does nothing" "^certificate still good: renewal due" "$BB" cert renew -c "$good"
[ "$before" = "$(sha256sum "$C/bootbox.crt")" ] && ok "renew left the certificate alone" || bad "renew replaced it"
expect "renew --force gets a new one" "^certificate for" "$BB" cert renew --force -c "$good"
[ "$before" != "$(sha256sum "$C/bootbox.crt")" ] && ok "renew --force replaced it" || bad "renew --force kept it"
[ "$(openssl pkey -in "$C/bootbox.key" -pubout)" = "$(openssl x509 -in "$C/bootbox.crt" -noout -pubkey)" ] \
	&& [ ! -e "$C.new" ] && [ "$(stat -c %a "$C/bootbox.key")" = 600 ] \
	&& ok "renewal published key and certificate together (no staging left, key 0600)" \
	|| bad "after renewal: $(ls -la "$C" "$C.new" 2>&1)"

# --- refusals: one line, exit 1, nothing written ----------------------------
printf '0123456789abcdef0123456789abcdef' > "$T/wrong.key"
refused "wrong auth key: multirootca says invalid token" \
	"$(mkcfg wrongkey "$EP" "$D/bundle.crt" "auth_key_file: $T/wrong.key" "label: microcloud")" \
	"^bootbox cert: PKI refused /api/v1/cfssl/authsign: invalid token \(code [0-9]+, HTTP 400\)$"
cp -a "$C" "$T/certs-before"
sed -i "s|auth_key_file: .*|auth_key_file: $T/wrong.key|" "$good"
"$BB" cert renew --force -c "$good" >/dev/null 2>&1
diff -r "$C" "$T/certs-before" >/dev/null && ok "a refused renewal keeps the old certificate and key" || bad "old cert changed"
sed -i "s|auth_key_file: .*|auth_key_file: $D/auth.key|" "$good"
refused "unknown profile" \
	"$(mkcfg noprofile "$EP" "$D/bundle.crt" "auth_key_file: $D/auth.key" "label: microcloud" "profile: nosuch")" \
	"^bootbox cert: PKI refused .*: invalid profile"
refused "unknown label" \
	"$(mkcfg nolabel "$EP" "$D/bundle.crt" "auth_key_file: $D/auth.key" "label: nosuch")" \
	"^bootbox cert: PKI refused .*: bad (label|request)"
DOWN=$(free_port)
refused "PKI down" "$(mkcfg down "https://127.0.0.1:$DOWN" "$D/bundle.crt" "auth_key_file: $D/auth.key")" \
	"^bootbox cert: PKI unreachable: 127.0.0.1:$DOWN: cannot connect: Connection refused$"
make_test_ca "$T"
refused "PKI certificate not trusted" \
	"$(mkcfg untrusted "$EP" "$T/other.pem" "auth_key_file: $D/auth.key" "label: microcloud")" \
	"^bootbox cert: PKI unreachable: 127.0.0.1:$MP: server certificate not trusted"
refused "auth key file that is not hex" \
	"$(mkcfg badkeyfile "$EP" "$D/bundle.crt" "auth_key_file: $D/config.json")" \
	"config.json: expected 32 hex characters"

# a misbehaving PKI (python3), plain http: each reply refused
echo '{"CN":"x","hosts":["bootstrap","matchbox","127.0.0.1"],"key":{"algo":"ecdsa","size":256}}' > "$T/other-csr.json"
(cd "$T" && cfssl gencert -ca "$D/intermediate-ca.pem" -ca-key "$D/intermediate-ca-key.pem" \
	-config "$D/config.json" -profile host other-csr.json 2>/dev/null | cfssljson -bare otherkey)
fake() { # MODE REGEX [timeout]
	local port; port=$(free_port)
	start "fake-$1" "$port" python3 "$HERE/fake_cfssl.py" --port "$port" --mode "$1" --cert "$T/otherkey.pem" \
		--ca "${FAKE_CA:-$D/intermediate-ca.pem}" --ca-key "${FAKE_KEY:-$D/intermediate-ca-key.pem}"
	refused "fake PKI, $1" "$(mkcfg "fake-$1" "http://127.0.0.1:$port" "$D/bundle.crt" \
		"auth_key_file: $D/auth.key" "timeout: ${3:-10s}")" "$2"
}
fake garbage "^bootbox cert: .*PKI reply \(HTTP 200\) is not a cfssl answer: not valid JSON"
fake truncated "PKI reply \(HTTP 200\) is not a cfssl answer: not valid JSON \(truncated"
fake otherkey "certificate refused: it is for another key than the one we sent"
fake wrongsans "certificate refused: its subjectAltNames \(1\) are not the hosts asked for \(3\)"
FAKE_CA=$T/other.pem FAKE_KEY=$T/other.key fake stranger "certificate refused: it does not chain to .*bundle.crt"
fake hang "PKI unreachable: 127.0.0.1:[0-9]+: no reply within 1000 ms" 1s
SIL=$(free_port)
start fake-silent "$SIL" python3 "$HERE/fake_cfssl.py" --port "$SIL" --mode silent
refused "a TLS handshake that never completes times out" \
	"$(mkcfg silent "https://127.0.0.1:$SIL" "$D/bundle.crt" "auth_key_file: $D/auth.key" "timeout: 1s")" \
	"PKI unreachable: 127.0.0.1:$SIL: TLS handshake timed out$"

# --- the other direction: cfssl gencert -initca + cfssl serve ---------------
mkdir -p "$T/cf"
echo '{"CN":"cfssl test CA","key":{"algo":"ecdsa","size":256},"names":[{"C":"FR","O":"Test"}]}' > "$T/cf/ca-csr.json"
(cd "$T/cf" && cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca)
KEY=$(cat "$D/auth.key")
cat > "$T/cf/config.json" <<JSON
{"signing":{"default":{"expiry":"8760h"},"profiles":{
 "host":{"usages":["signing","key encipherment","server auth","client auth"],"expiry":"8760h","auth_key":"default"},
 "open":{"usages":["signing","key encipherment","server auth"],"expiry":"720h"}}},
 "auth_keys":{"default":{"key":"$KEY","type":"standard"}}}
JSON
CP=$(free_port)
start cfssl-serve "$CP" cfssl serve -address 127.0.0.1 -port "$CP" -ca "$T/cf/ca.pem" -ca-key "$T/cf/ca-key.pem" -config "$T/cf/config.json"
cf=$(mkcfg cfauth "http://127.0.0.1:$CP" "$T/cf/ca.pem" "auth_key_file: $D/auth.key" "profile: host")
expect "cfssl serve: authsign" "certificate for bootstrap.ring0.lan \\(3 names\\)" "$BB" cert request -c "$cf"
expect "cfssl serve: openssl verify" ": OK$" openssl verify -CAfile "$T/cf/ca.pem" "$T/cfauth/state/certs/bootbox.crt"
cf=$(mkcfg cfsign "http://127.0.0.1:$CP" "$T/cf/ca.pem" "profile: open")
expect "cfssl serve: sign without an auth key" "certificate for bootstrap.ring0.lan" "$BB" cert request -c "$cf"
refused "cfssl serve: sign refuses a profile that needs the auth key" \
	"$(mkcfg cfneedauth "http://127.0.0.1:$CP" "$T/cf/ca.pem" "profile: host")" \
	"bootbox cert: PKI refused /api/v1/cfssl/sign: authentication required \(code 400, HTTP 400\)$"
expect "plain http is warned about" "warning: pki.endpoint is plain http" "$BB" cert request -c "$cf"

# --- bootbox serve: renewal with backoff, HTTPS with the new certificate ---
wait_log() { # FILE REGEX SECONDS
	local i
	for i in $(seq $(($3 * 10))); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
serial_of() { # PORT: the serial the HTTPS listener presents
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" 2>/dev/null | openssl x509 -noout -serial 2>/dev/null
}
SP=$(free_port) HP=$(free_port) HS=$(free_port)
sv=$(mkcfg serve "http://127.0.0.1:$SP" "$D/bundle.crt" "auth_key_file: $D/auth.key" "label: microcloud" "retry: 1s")
printf 'http:\n  listen: 127.0.0.1:%s\n  tls_listen: 127.0.0.1:%s\n' "$HP" "$HS" >> "$sv"
"$BB" serve -c "$sv" > "$T/serve.log" 2>&1 &
pids+=($!)
wait_port "$HS" || bad "serve: no HTTPS listener"
wait_log "$T/serve.log" "renewal failed; next attempt in 2s" 10 \
	&& ok "serve: PKI down, renewal retried with a growing backoff" || bad "serve: no backoff: $(cat "$T/serve.log")"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$D/root-ca.pem" "https://127.0.0.1:$HS/")
[ "$code" = 000 ] && ok "serve: no HTTPS answer before there is a certificate" || bad "serve: HTTPS answered $code without a certificate"
start multirootca-late "$SP" multirootca -a "127.0.0.1:$SP" -l microcloud -roots "$D/multiroot-profile.ini"
wait_log "$T/serve.log" "cert: certificate renewed" 40 && ok "serve: certificate obtained once the PKI is up" \
	|| bad "serve: no certificate: $(tail -5 "$T/serve.log")"
wait_log "$T/serve.log" "https: serving certificate serial" 15 || bad "serve: HTTPS did not take the certificate"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$D/root-ca.pem" "https://127.0.0.1:$HS/")
[ "$code" = 200 ] && ok "serve: HTTPS verified against the root CA" || bad "serve: HTTPS answered $code"
grep -q "http: 127.0.0.1 GET / 200" "$T/serve.log" && ok "serve: HTTPS requests reach the routes with the client address" \
	|| bad "serve: no access log line for the HTTPS request"
s1=$(serial_of "$HS")
"$BB" cert renew --force -c "$sv" >/dev/null 2>&1
s2=$(openssl x509 -in "$T/serve/state/certs/bootbox.crt" -noout -serial)
for i in $(seq 100); do [ "$(serial_of "$HS")" = "$s2" ] && break; sleep 0.1; done
[ -n "$s1" ] && [ "$s1" != "$s2" ] && [ "$(serial_of "$HS")" = "$s2" ] \
	&& ok "serve: a renewed certificate is served to new connections without a restart" \
	|| bad "serve: still serving $s1 (wanted $s2)"

echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
