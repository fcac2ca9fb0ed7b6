#!/usr/bin/env python3
"""A misbehaving cfssl API on 127.0.0.1 for tests only (plain HTTP).
--mode:
  garbage     200 with bytes that are not JSON
  truncated   200 with a cfssl success envelope cut in the middle
  otherkey    a valid envelope carrying --cert (issued for another key)
  wrongsans   signs the CSR it gets with --ca/--ca-key, for DNS:evil.test
  stranger    signs the CSR with --ca/--ca-key (a CA nobody trusts)
  hang        reads the request and never answers
  silent      accepts TCP connections and never reads or writes (a TLS
              handshake that never completes)
Signing is done by the openssl command line."""
import argparse, base64, http.server, json, os, socketserver, subprocess, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--mode", required=True)
ap.add_argument("--cert"); ap.add_argument("--ca"); ap.add_argument("--ca-key")
a = ap.parse_args()

def envelope(cert):
    return json.dumps({"success": True, "result": {"certificate": cert},
                       "errors": [], "messages": []}).encode()

def sign(csr_pem, san):
    with tempfile.TemporaryDirectory() as d:
        csr, ext, out = (os.path.join(d, n) for n in ("r.csr", "x.ext", "c.pem"))
        open(csr, "w").write(csr_pem)
        open(ext, "w").write("subjectAltName=%s\nextendedKeyUsage=serverAuth\n" % san)
        subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", a.ca, "-CAkey", a.ca_key,
                        "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", out],
                       check=True, capture_output=True)
        return open(out).read()

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if a.mode == "hang":
            time.sleep(30); return
        if self.path.endswith("/info"):
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        if a.mode == "garbage":
            return self.reply(b"<html>this is not the PKI</html>")
        if a.mode == "truncated":
            return self.reply(envelope(open(a.cert).read())[:40])
        if a.mode == "otherkey":
            return self.reply(envelope(open(a.cert).read()))
        req = json.loads(base64.b64decode(json.loads(body)["request"]))
        csr = req["certificate_request"]
        if a.mode == "wrongsans":
            return self.reply(envelope(sign(csr, "DNS:evil.test")))
        if a.mode == "stranger":
            san = ",".join(("IP:" if h[0].isdigit() else "DNS:") + h for h in req["hosts"])
            return self.reply(envelope(sign(csr, san)))
        self.send_response(500); self.send_header("Content-Length", "0"); self.end_headers()

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

if a.mode == "silent":
    import socket
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port)); ls.listen(16)
    held = []
    while True:
        held.append(ls.accept()[0])
S(("127.0.0.1", a.port), H).serve_forever()
