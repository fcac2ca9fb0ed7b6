#!/usr/bin/env python3
"""N clients GET one URL at the same instant (a barrier); prints one JSON
object: each client's status, length, sha256 and the unix time its first
body byte arrived. For the single-flight test."""
import hashlib, json, socket, sys, threading, time

host, port, path, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
barrier = threading.Barrier(n)
out = [None] * n

def client(i):
    s = socket.create_connection((host, port), timeout=60)
    barrier.wait()
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d: break
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else 0
    first = time.time() if body else None
    h = hashlib.sha256(body); total = len(body)
    while True:
        d = s.recv(1 << 20)
        if not d: break
        if first is None: first = time.time()
        h.update(d); total += len(d)
    s.close()
    out[i] = {"status": status, "length": total, "sha256": h.hexdigest(), "first": first}

ts = [threading.Thread(target=client, args=(i,)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join(120)
print(json.dumps(out))
