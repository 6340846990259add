#!/usr/bin/env python3
"""One keep-alive client connection for case_owner.sh (stdlib only).

  owner_client.py --vip IP --src IP

Opens ONE TCP connection from SRC to VIP:80 and reads commands on stdin,
one per line, answering each with one line on stdout:

  req N         N GET /headers on the connection:
                "ok N MEDIAN_US P90_US SERVED_BY" or "FAIL why"
  expect_reset  one GET with a 10 s timeout: "reset" (the connection was
                reset), "timeout" (no answer: a black hole), "answered"
                or "closed" (the peer closed without a reset)
"""

import argparse
import socket
import sys
import time

TIMEOUT = 10


def recv(sock):
    # The backend writes header and body apart: Nagle holds the body
    # until our ACK, which a delayed ACK would hold 40 ms (and hide the
    # extra hop being measured). Quick ACK is cleared by the kernel after
    # use: set it before every read.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    return sock.recv(65536)


def request(sock, buf):
    sock.sendall(b"GET /headers HTTP/1.1\r\nHost: web.example.test\r\n\r\n")
    while b"\r\n\r\n" not in buf:
        d = recv(sock)
        if not d:
            raise EOFError("closed")
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 200"):
        raise ValueError("status: " + lines[0])
    n, served = 0, "-"
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        if k.lower() == "content-length":
            n = int(v)
        if k.lower() == "x-served-by":
            served = v.strip()
    while len(rest) < n:
        d = recv(sock)
        if not d:
            raise EOFError("closed in the body")
        rest += d
    return rest[n:], served


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vip", required=True)
    ap.add_argument("--src", required=True)
    a = ap.parse_args()
    s = socket.socket()
    s.bind((a.src, 0))
    s.settimeout(TIMEOUT)
    s.connect((a.vip, 80))
    print("connected %s:%d" % s.getsockname(), flush=True)
    buf = b""
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "req":
            times, served = [], "-"
            try:
                for _ in range(int(cmd[1])):
                    t0 = time.perf_counter()
                    buf, served = request(s, buf)
                    times.append(int((time.perf_counter() - t0) * 1e6))
            except Exception as e:  # noqa: BLE001 - reported to the case
                print("FAIL after %d: %s: %s" % (len(times), type(e).__name__, e),
                      flush=True)
                continue
            times.sort()
            print("ok %d %d %d %s" % (len(times), times[len(times) // 2],
                                      times[len(times) * 9 // 10], served),
                  flush=True)
        elif cmd[0] == "expect_reset":
            try:
                buf, _ = request(s, buf)
                print("answered", flush=True)
            except ConnectionResetError:
                print("reset", flush=True)
            except socket.timeout:
                print("timeout", flush=True)
            except (EOFError, OSError) as e:
                print("closed %s" % e, flush=True)
    s.close()


if __name__ == "__main__":
    main()
