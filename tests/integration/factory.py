#!/usr/bin/env python3
"""A local stand-in for the Talos Image Factory, for tests only: serves
<root>/image/<schematic>/<version>/<artifact> over TLS (or plain HTTP) on
127.0.0.1 (or --bind), with Range, and with faults on demand (--fault):
  none      normal
  cut       send half the body, then close (once per path; then normal)
  short     announce the full Content-Length, send 3/4, close (always)
  slow      send 64 KiB, then stall for 60 s
  norange   ignore Range (always 200 with the whole file)
  cutrange  send half of a bytes=a-b range, wait 3 s, close (once per path)
  404, 500  that status
  redirect  302 to the same path under /r/ (which serves normally)
  tohttp    302 to an http:// URL
  loop      302 to itself forever
Counts upstream GETs of each path in <root>/hits.log (one line per GET; a
closed range, bytes=a-b, as "path range=a-b": the second half of a fetch) and
logs when each body starts in <root>/first_byte.log ("path unixtime").
HEAD answers an image's length. POST /schematics takes a JSON body and
answers {"id": sha256 of its canonical form} (sorted keys, no spaces), as the
real factory derives an id from the schematic's content; each POST is
logged in <root>/schematics.log."""
import argparse, hashlib, http.server, json, os, socketserver, ssl, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--bind", default="127.0.0.1")
ap.add_argument("--root", required=True)
ap.add_argument("--cert"); ap.add_argument("--key")
ap.add_argument("--fault", default="none")
ap.add_argument("--rate", type=int, default=0, help="bytes/s cap, 0 = none")
ap.add_argument("--delay", type=float, default=0, help="seconds before a body starts")
a = ap.parse_args()
cut_done = set()
lock = threading.Lock()

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def send_body(self, f, start, n):
        f.seek(start)
        if a.delay: time.sleep(a.delay)
        sent, t0 = 0, time.time()
        with lock:
            open(os.path.join(a.root, "first_byte.log"), "a").write("%s %.6f\n" % (self.path, t0))
        while sent < n:
            chunk = f.read(min(65536, n - sent))
            if not chunk: break
            self.wfile.write(chunk); sent += len(chunk)
            if a.rate:
                ahead = sent / a.rate - (time.time() - t0)
                if ahead > 0: time.sleep(ahead)
        return sent
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        try:
            if self.path != "/schematics": raise ValueError("path")
            body = json.loads(raw)
            if not isinstance(body, dict): raise ValueError("not an object")
        except ValueError:
            self.send_response(400); self.send_header("Content-Length", "0"); self.end_headers(); return
        canon = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        sid = hashlib.sha256(canon).hexdigest()
        with lock:
            open(os.path.join(a.root, "schematics.log"), "a").write(sid + " " + canon.decode() + "\n")
        out = json.dumps({"id": sid}).encode()
        self.send_response(201); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.send_header("Connection", "close")
        self.end_headers(); self.wfile.write(out); self.close_connection = True
    def do_HEAD(self):
        fs = os.path.join(a.root, self.path.lstrip("/"))
        ok = ".." not in self.path and self.path.startswith("/image/") and os.path.isfile(fs)
        self.send_response(200 if ok else 404)
        self.send_header("Content-Length", str(os.path.getsize(fs) if ok else 0))
        self.send_header("Connection", "close"); self.end_headers(); self.close_connection = True
    def do_GET(self):
        path = self.path
        if path.startswith("/r/"): path = path[2:]; fault = "none"
        else: fault = a.fault
        rh = self.headers.get("Range") or ""
        part = " range=" + rh[6:] if rh.startswith("bytes=") and not rh.endswith("-") else ""
        with lock:
            open(os.path.join(a.root, "hits.log"), "a").write(path + part + "\n")
        if fault in ("404", "500"):
            body = b"nope\n"
            self.send_response(int(fault)); self.send_header("Content-Length", str(len(body)))
            self.end_headers(); self.wfile.write(body); return
        if fault in ("redirect", "tohttp", "loop"):
            loc = {"redirect": "/r" + path, "tohttp": "http://127.0.0.1:1" + path, "loop": path}[fault]
            self.send_response(302); self.send_header("Location", loc)
            self.send_header("Content-Length", "0"); self.end_headers(); return
        fs = os.path.join(a.root, path.lstrip("/"))
        if ".." in path or not path.startswith("/image/") or not os.path.isfile(fs):
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        size = os.path.getsize(fs)
        start, end = 0, size - 1
        rng = self.headers.get("Range")
        closed = False
        if rng and fault != "norange" and rng.startswith("bytes=") and "-" in rng:
            lo, hi = rng[6:].split("-", 1)
            start = int(lo)
            if hi: end, closed = min(int(hi), size - 1), True
        with open(fs, "rb") as f:
            if start or closed:
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
            else:
                self.send_response(200)
            n = end + 1 - start
            self.send_header("Content-Length", str(n))
            self.send_header("Connection", "close")
            self.end_headers()
            if fault == "cut":
                with lock:
                    first = path not in cut_done
                    cut_done.add(path)
                if first:
                    self.send_body(f, start, n // 2); self.close_connection = True; return
            if fault == "cutrange" and closed:
                with lock:
                    first = path not in cut_done
                    cut_done.add(path)
                if first:
                    self.send_body(f, start, n // 2); self.wfile.flush(); time.sleep(3)
                    self.close_connection = True; return
            if fault == "short":
                self.send_body(f, start, n * 3 // 4); self.close_connection = True; return
            if fault == "slow":
                self.send_body(f, start, min(n, 65536)); self.wfile.flush(); time.sleep(60); return
            self.send_body(f, start, n)
        self.close_connection = True

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

s = S((a.bind, a.port), H)
if a.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
print("factory ready", flush=True)
s.serve_forever()
