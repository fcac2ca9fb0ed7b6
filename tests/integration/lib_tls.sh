# Test PKI for loopback TLS servers: make_test_ca DIR [IP] makes DIR/ca.pem,
# DIR/srv.pem + srv.key (SAN IP:127.0.0.1, DNS:localhost, DNS:factory.test,
# and IP:<IP> when given: a server in a namespace)
# DIR/name.pem + name.key (same CA, SAN DNS:elsewhere.test only) and a
# stranger CA DIR/other.pem. Sourced by tests.
make_test_ca() {
	local d=$1 extra=${2:+,IP:$2}
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=bootbox-test-ca -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=factory.test \
		-keyout "$d/srv.key" -out "$d/srv.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:factory.test%s\n' "$extra" > "$d/srv.ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/srv.ext" -out "$d/srv.pem" 2>/dev/null
	# the same CA, but a certificate for another name only
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=elsewhere.test \
		-keyout "$d/name.key" -out "$d/name.csr" 2>/dev/null
	printf 'subjectAltName=DNS:elsewhere.test\n' > "$d/name.ext"
	openssl x509 -req -in "$d/name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/name.ext" -out "$d/name.pem" 2>/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=stranger -keyout "$d/other.key" -out "$d/other.pem" 2>/dev/null
}

free_port() {
	python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# wait_port PORT: up to 10 s for a TCP listener on 127.0.0.1
wait_port() {
	local i
	for i in $(seq 100); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
