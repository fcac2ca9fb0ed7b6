#!/usr/bin/env python3
"""A minimal HTTP CONNECT proxy on 127.0.0.1 (or the address given after
the port) for tests: tunnels to targets on loopback or that address only
and logs each CONNECT line to stdout."""
import select, socket, sys, threading

bind = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"

def pipe(c):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            d = c.recv(4096)
            if not d: return
            head += d
        line = head.split(b"\r\n")[0].decode()
        print(line, flush=True)
        verb, target, _ = line.split(" ")
        host, port = target.rsplit(":", 1)
        if verb != "CONNECT" or host not in ("127.0.0.1", "localhost", bind):
            c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"); return
        u = socket.create_connection((host if host == bind else "127.0.0.1", int(port)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        while True:
            r, _, _ = select.select([c, u], [], [], 30)
            if not r: return
            for s in r:
                d = s.recv(65536)
                if not d: return
                (u if s is c else c).sendall(d)
    finally:
        c.close()

l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((bind, int(sys.argv[1]))); l.listen(16)
print("proxy ready", flush=True)
while True:
    c, _ = l.accept()
    threading.Thread(target=pipe, args=(c,), daemon=True).start()
