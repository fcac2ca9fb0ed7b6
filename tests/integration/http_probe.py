#!/usr/bin/env python3
"""Hostile and edge-case HTTP clients for test_http.sh (issue 11).

Each subcommand prints one "ok - ..." or "not ok - ..." line per check.
Every loop is bounded in count and time; sockets time out. With TLS_CA set
(a CA file), every connection is HTTPS verified against it (test_https.sh)."""
import os
import random
import socket
import ssl
import subprocess
import sys
import threading
import time

HOST = os.environ.get("HTTP_HOST", "127.0.0.1")
TLS_CA = os.environ.get("TLS_CA")
MB = 1 << 20
random.seed(11)


def report(good, what):
    print(("ok - " if good else "not ok - ") + what, flush=True)


def conn(port, timeout=10):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if TLS_CA:
        ctx = ssl.create_default_context(cafile=TLS_CA)
        s = ctx.wrap_socket(s, server_hostname="factory.test")
    return s


def read_answer(s, limit=1 << 20):
    """One response head + its Content-Length body."""
    buf = b""
    while b"\r\n\r\n" not in buf and len(buf) < limit:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(rest) < length:
        d = s.recv(65536)
        if not d:
            break
        rest += d
    return head.decode("latin-1"), rest


def status_of(head):
    parts = head.split(" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def posts(port):
    sizes = [0, 1, 16383, 16384, 16385, 17000, 65536, 100000,
             MB - 1, MB, MB + 1]
    for n in sizes:
        body = bytes(random.getrandbits(8) for _ in range(min(n, 4096)))
        body = (body * (n // max(len(body), 1) + 1))[:n]
        req = (b"POST /api/v1/none HTTP/1.1\r\nHost: t\r\n"
               b"Content-Length: %d\r\n\r\n" % n) + body
        for split in (False, True):
            try:
                s = conn(port)
                if split:
                    off = 0
                    while off < len(req):
                        k = random.randint(1, 20000)
                        s.sendall(req[off:off + k])
                        off += k
                else:
                    s.sendall(req)
                head, _ = read_answer(s)
                st = status_of(head)
                s.close()
            except OSError as e:
                st, head = 0, str(e)
            want = st == 413 if n > MB else st not in (0, 400, 413, 500)
            report(want, "POST body of %d bytes%s: %d"
                   % (n, " in random splits" if split else "", st))


def pipeline(port, n):
    req = b"GET /assets/a.txt HTTP/1.1\r\nHost: t\r\n\r\n"
    s = conn(port, 20)
    # one TLS object is not to be used by two threads: send all first
    t = threading.Thread(target=s.sendall, args=(req * n,))
    if TLS_CA:
        s.sendall(req * n)
        t = threading.Thread(target=lambda: None)
    t.start()
    got, buf, t0 = 0, b"", time.time()
    try:
        while got < n and time.time() - t0 < 30:
            d = s.recv(1 << 20)
            if not d:
                break
            buf += d
            got += d.count(b"HTTP/1.1 200")
            buf = buf[-16:]  # a status line cut between two reads
    except OSError:
        pass
    t.join(5)
    report(got == n, "%d pipelined requests answered: %d in %.1f s"
           % (n, got, time.time() - t0))


def slowloris(port, header_timeout):
    req = b"GET /assets/a.txt HTTP/1.1\r\nHost: slow\r\nX-Pad: aaaaaaaaaa\r\n"
    s = conn(port)
    s.settimeout(0.05)
    t0, out = time.time(), b""
    for c in req:
        try:
            s.send(bytes([c]))
        except OSError:
            break
        try:
            out += s.recv(4096)
        except socket.timeout:
            pass
        except OSError:
            break
        if out:
            break
        time.sleep(0.95)
    dt = time.time() - t0
    report(out.startswith(b"HTTP/1.1 408") and dt <= header_timeout + 1.5,
           "slowloris at 1 byte/s: %s after %.1f s (header_timeout %d s)"
           % (out[:12].decode("latin-1") or "nothing", dt, header_timeout))


def slow_many(port, n, url):
    stop = threading.Event()
    socks = []
    for _ in range(n):
        try:
            socks.append(conn(port))
        except OSError:
            break

    def drip():
        msg = b"GET /assets/a.txt HTTP/1.1\r\nHost: slow\r\n"
        i = 0
        while not stop.is_set() and i < len(msg):
            for s in socks:
                try:
                    s.send(msg[i:i + 1])
                except OSError:
                    pass
            i += 1
            stop.wait(0.5)

    t = threading.Thread(target=drip)
    t.start()
    time.sleep(1)
    t0 = time.time()
    r = subprocess.run(["curl", "-s", "-m", "3", "-o", "/dev/null", "-w",
                        "%{http_code}", url], capture_output=True, text=True)
    dt = time.time() - t0
    stop.set()
    t.join(5)
    for s in socks:
        s.close()
    report(r.stdout == "200" and dt < 1.0,
           "%d slow connections held, curl answered %s in %.2f s"
           % (len(socks), r.stdout, dt))


def conformance(port):
    cases = [
        (b"GET /assets/a.txt HTTP/1.1\r\n\r\n", 400, "HTTP/1.1 without Host"),
        (b"get /assets/a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 400,
         "lowercase get"),
        (b"PUT /api/v1/status HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
         405, "PUT on a GET route"),
        (b"DELETE /api/v1/machines HTTP/1.1\r\nHost: t\r\n\r\n", 405,
         "DELETE on a GET route"),
        (b"PATCH /api/v1/status HTTP/1.1\r\nHost: t\r\n\r\n", 405,
         "PATCH on a GET route"),
    ]
    for req, want, what in cases:
        s = conn(port)
        s.sendall(req)
        head, _ = read_answer(s)
        s.close()
        allow = want != 405 or "\r\nAllow: " in head
        report(status_of(head) == want and allow,
               "%s: %s" % (what, head.split("\r\n")[0]))
    # Connection is a token list: "close, foo" closes after the answer
    s = conn(port)
    s.sendall(b"GET /assets/a.txt HTTP/1.1\r\nHost: t\r\n"
              b"Connection: close, foo\r\n\r\n")
    head, _ = read_answer(s)
    s.settimeout(3)
    try:
        eof = s.recv(100) == b""
    except OSError:
        eof = False
    s.close()
    report(status_of(head) == 200 and "Connection: close" in head and eof,
           "Connection: close, foo closes after the answer")


def drain431(port):
    """A head too large, sent whole before reading: the client must read
    the 431, not get a reset because we closed with its bytes unread."""
    big = (b"GET / HTTP/1.1\r\nHost: t\r\n" + b"X-Filler: %s\r\n" % (b"a" * 100)
           * 300 + b"\r\n")
    good = 0
    for _ in range(20):
        s = conn(port)
        try:
            s.sendall(big)
            time.sleep(0.05)
            head, _ = read_answer(s)
            good += status_of(head) == 431
        except OSError:
            pass
        s.close()
    report(good == 20, "431 read by the client in %d/20 tries, no reset" % good)


if __name__ == "__main__":
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "posts":
        posts(port)
    elif cmd == "pipeline":
        pipeline(port, int(sys.argv[3]))
    elif cmd == "slowloris":
        slowloris(port, int(sys.argv[3]))
    elif cmd == "slow_many":
        slow_many(port, int(sys.argv[3]), sys.argv[4])
    elif cmd == "conformance":
        conformance(port)
    elif cmd == "drain431":
        drain431(port)
