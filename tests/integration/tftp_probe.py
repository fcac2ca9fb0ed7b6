#!/usr/bin/env python3
"""Hostile and odd TFTP clients for test_tftp_limits.sh, raw UDP sockets.
Every mode has its own hard time limit and prints one result line.

  big-block HOST PORT FILE BLKSIZE   RRQ with blksize, ACK 0, fetch it all;
                                     prints "<bytes> <blksize> <src>"
  flood HOST PORT FILE COUNT [N]     COUNT RRQs (timeout 255) from N
                                     sockets (1); prints "<errors> <answers>"
  silent HOST PORT FILE SECS         RRQ without options, never ACK;
                                     prints the DATA packets received
  abort HOST PORT FILE BLOCKS        ACK BLOCKS blocks, then an ERROR
  slow HOST PORT FILE SECS           ACK a block every 0.4 s; prints the
                                     ERROR text that ends it, or "none"
"""
import select
import socket
import sys
import time


def rrq(name, **opts):
    b = b"\0\1" + name.encode() + b"\0octet\0"
    for k, v in opts.items():
        b += k.encode() + b"\0" + str(v).encode() + b"\0"
    return b


def ack(n):
    return bytes([0, 4, (n >> 8) & 255, n & 255])


def sock(timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.settimeout(timeout)
    return s


def big_block(host, port, name, blksize):
    s = sock(3)
    s.sendto(rrq(name, blksize=blksize), (host, port))
    pkt, peer = s.recvfrom(70000)
    if pkt[1] != 6:
        return "no-oack %r" % pkt[:40]
    f = pkt[2:].split(b"\0")
    got_blk = int(f[f.index(b"blksize") + 1])
    s.sendto(ack(0), peer)
    total, want, end = 0, 1, time.time() + 20
    while time.time() < end:
        pkt, p2 = s.recvfrom(70000)
        if p2 != peer or pkt[1] != 3:
            continue
        n = pkt[2] << 8 | pkt[3]
        if n != want & 0xFFFF:
            continue
        total += len(pkt) - 4
        s.sendto(ack(n), peer)
        want += 1
        if len(pkt) - 4 < got_blk:
            return "%d %d %s" % (total, got_blk, peer[0])
    return "timeout"


def flood(host, port, name, count, socks=1):
    ss = [sock(0.05) for _ in range(socks)]
    errors = answers = 0
    for i in range(count):
        ss[i % socks].sendto(rrq(name, timeout=255), (host, port))
        if i % 64 == 63:
            time.sleep(0.005)  # the listener reads 64 a wakeup
    end = time.time() + 3
    while time.time() < end:
        for s in select.select(ss, [], [], 0.2)[0]:
            pkt, _ = s.recvfrom(70000)
            if pkt[1] == 5:
                errors += 1
            else:
                answers += 1
    return "%d %d" % (errors, answers)


def silent(host, port, name, secs):
    s = sock(0.2)
    s.sendto(rrq(name), (host, port))
    data, end = 0, time.time() + secs
    while time.time() < end:
        try:
            pkt, _ = s.recvfrom(70000)
        except socket.timeout:
            continue
        data += pkt[1] == 3
    return str(data)


def abort(host, port, name, blocks):
    s = sock(3)
    s.sendto(rrq(name), (host, port))
    for n in range(1, blocks + 1):
        pkt, peer = s.recvfrom(70000)
        s.sendto(ack(n), peer)
    s.recvfrom(70000)
    s.sendto(b"\0\5\0\0stop\0", peer)
    return "sent"


def slow(host, port, name, secs):
    s = sock(2)
    s.sendto(rrq(name), (host, port))
    end = time.time() + secs
    while time.time() < end:
        pkt, peer = s.recvfrom(70000)
        if pkt[1] == 5:
            return pkt[4:-1].decode()
        time.sleep(0.4)
        s.sendto(ack(pkt[2] << 8 | pkt[3]), peer)
    return "none"


def main():
    mode, host, port, name, arg = sys.argv[1:6]
    more = [int(a) for a in sys.argv[6:]]
    fn = {"big-block": big_block, "flood": flood, "silent": silent,
          "abort": abort, "slow": slow}[mode]
    try:
        print(fn(host, int(port), name, int(arg), *more))
    except (socket.timeout, OSError) as e:
        print("failed: %s" % e)


main()
