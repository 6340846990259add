#!/usr/bin/env python3
"""Seed inputs for the packet-path fuzzer (tests/fuzz/packet_fuzz.c).

Each seed is a sequence of operations in the fuzzer's own encoding, so
that from the first run the fuzzer has connections that are established,
decided, spliced and closed, per connection and per request, to cluster
backends and both tunnels. The dictionaries are read from packet_dict.c,
so a word's index here is its index there.

  tests/fuzz/gen_packet_corpus.py OUTDIR
"""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def c_strings(text, name):
    """The string literals of the C array NAME in TEXT, unescaped."""
    body = re.search(name + r"\[\] = \{(.*?)\n\};", text, re.S).group(1)
    out = []
    for line in body.splitlines():
        lits = re.findall(r'"((?:[^"\\]|\\.)*)"', line.split("/*")[0])
        if lits:
            out.append("".join(lits).encode().decode("unicode_escape").encode("latin-1"))
    return out


DICT = open(os.path.join(HERE, "packet_dict.c")).read()
REQ = c_strings(DICT, "req_words")
RESP = c_strings(DICT, "resp_words")

# flag table indexes (client_flags / backend_flags in packet_fuzz.c)
C_SYN, C_ACK, C_PSH, C_FIN, C_RST = 0, 1, 2, 5, 6
B_SYNACK, B_ACK, B_PSH, B_FIN, B_RST = 0, 1, 2, 4, 5

# options: MSS 1460, WS 7, SACK-permitted (item bytes with bit 7 set take
# the common value without more bytes)
LINUX_OPTS = bytes([3, 0x80, 0x81, 0x02])
NO_OPTS = bytes([0])


def words(table, *items):
    """A payload: dictionary words (str) or raw bytes (bytes)."""
    if not items:
        return bytes([0])
    out = bytearray([128 + len(items)])
    for it in items:
        if isinstance(it, bytes):
            out += bytes([0xe0, len(it)]) + it
        elif it == "FILL":
            out.append(0xff)
        else:
            w = it.encode("latin-1")
            out.append(table.index(w))
    return bytes(out)


def client(flow, flags, *payload, opts=NO_OPTS, isn=0x1000, new=False, mut=None,
           seq=None, other_worker=False, win0=False):
    sel = flow | (8 if new else 0) | (16 if other_worker else 0)
    fl = flags | ((seq[0] << 4) if seq else 0)
    out = bytearray([0, sel, fl, 8 if win0 else 0])
    if flags == C_SYN:
        out += struct.pack(">I", isn)
    elif seq:
        out += seq[1]
    out += opts + words(REQ, *payload)
    out += bytes([0]) if mut is None else bytes([208 + mut[0] - 1, mut[1]])
    return bytes(out)


KNOWN = set()   # legs that got a SYN-ACK in the seed being built


def backend(leg, flags, *payload, opts=NO_OPTS, isn=0x5000, mut=None, win0=False):
    """A backend segment on the LEG-th leg the router opened; the first
    SYN-ACK of a leg gives the backend's ISN."""
    out = bytearray([5, leg, flags, 8 if win0 else 0])
    if flags == B_SYNACK and leg & 15 not in KNOWN:
        KNOWN.add(leg & 15)
        out += struct.pack(">I", isn)
    out += opts + words(RESP, *payload)
    out += bytes([0]) if mut is None else bytes([208 + mut[0] - 1, mut[1]])
    return bytes(out)


def start(routing):
    """A seed's first byte: the routing knobs (routing_pick())."""
    KNOWN.clear()
    return bytes(routing)


def clock(ms):
    if ms < 256:
        return bytes([9, 0, ms - 1])
    if ms < 65536:
        return bytes([9, 4]) + struct.pack(">H", ms)
    return bytes([9, 6]) + struct.pack(">H", (ms - 30000) // 4)


def arp_answer():
    return bytes([11, 0])


def reload(routing):
    return bytes([13, routing])


def other(mode, *rest):
    return bytes([12, mode]) + bytes(rest)


GET = ("GET / HTTP/1.1\r\n", "Host: web.example.test\r\n", "\r\n")
OK = ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",)


def handshake(flow, **kw):
    return client(flow, C_SYN, opts=LINUX_OPTS, isn=0x1000 + flow * 0x100, **kw) + \
        client(flow, C_ACK)


def exchange(flow, leg, req=GET, resp=OK, synack=True):
    """A request on an open connection to a spliced response."""
    out = client(flow, C_PSH, *req)
    if synack:
        out += backend(leg, B_SYNACK, opts=LINUX_OPTS) + backend(leg, B_ACK)
    out += backend(leg, B_PSH, *resp) + client(flow, C_ACK)
    return out


def close(flow, leg):
    return client(flow, C_FIN) + backend(leg, B_FIN) + client(flow, C_ACK) + clock(600)


SEEDS = {
    "get-spliced-closed": start([0]) + handshake(0) + exchange(0, 0) + close(0, 0),
    "get-backend-closes-first": start([0]) + handshake(0) + exchange(0, 0) +
    backend(0, B_FIN) + client(0, C_FIN) + backend(0, B_ACK) + clock(600),
    "per-request-two-targets": start([1]) + handshake(0) + exchange(0, 0) +
    exchange(0, 1, req=("GET /a?q=1 HTTP/1.1\r\n", "Host: api.example.test\r\n", "\r\n")) +
    close(0, 1),
    "per-request-keepalive": start([1]) + handshake(0) + exchange(0, 0) +
    exchange(0, 0, synack=False) + close(0, 0),
    "pipelined": start([1]) + handshake(0) +
    client(0, C_PSH, *GET, *GET, "HEAD / HTTP/1.1\r\n", "Host: web.example.test\r\n", "\r\n") +
    backend(0, B_SYNACK, opts=LINUX_OPTS) + backend(0, B_ACK) +
    backend(0, B_PSH, *OK, *OK, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n") +
    close(0, 0),
    "vxlan-alice": start([0]) + handshake(0) +
    client(0, C_PSH, "GET / HTTP/1.1\r\n", "Host: web.example.test\r\n",
           "x-telepresence-intercept-id: 7f3a:alice-web\r\n", "\r\n") +
    arp_answer() + clock(5) + backend(0, B_SYNACK, opts=LINUX_OPTS) + backend(0, B_ACK) +
    backend(0, B_PSH, *OK) + client(0, C_ACK) + close(0, 0),
    "preview-bob": start([0]) + handshake(0) +
    exchange(0, 0, req=("GET / HTTP/1.1\r\n", "Host: bob-b0b.preview.example.test\r\n", "\r\n")) +
    close(0, 0),
    "baggage-alice": start([1]) + handshake(0) +
    client(0, C_PSH, "GET / HTTP/1.1\r\n", "Host: web.example.test\r\n",
           "baggage: a=1, x-telepresence-intercept-id=7f3a:alice-web\r\n", "\r\n") +
    arp_answer() + backend(0, B_SYNACK, opts=LINUX_OPTS) + backend(0, B_RST) + clock(2100) +
    clock(2100),
    "post-chunked": start([1]) + handshake(0) +
    exchange(0, 0, req=("POST /upload HTTP/1.1\r\n", "Host: web.example.test\r\n",
                        "Transfer-Encoding: chunked\r\n", "\r\n", "5\r\nhello\r\n0\r\n\r\n")) +
    close(0, 0),
    "post-length-split": start([0]) + handshake(0) +
    client(0, C_PSH, "POST /upload HTTP/1.1\r\n", "Host: web.example.test\r\n") +
    client(0, C_PSH, "Content-Length: 5\r\n", "\r\n") +
    backend(0, B_SYNACK, opts=LINUX_OPTS) + client(0, C_PSH, "hello") + backend(0, B_ACK) +
    backend(0, B_PSH, *OK) + close(0, 0),
    "upgrade": start([1]) + handshake(0) +
    exchange(0, 0, req=("GET / HTTP/1.1\r\n", "Host: web.example.test\r\n",
                        "Connection: Upgrade\r\nUpgrade: websocket\r\n", "\r\n"),
             resp=("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",)) +
    client(0, C_PSH, b"\x81\x05hello") + backend(0, B_PSH, b"\x81\x02hi") + close(0, 0),
    "big-both-ways": start([0]) + handshake(0) +
    exchange(0, 0, req=("POST /upload HTTP/1.1\r\n", "Host: web.example.test\r\n",
                        "Content-Length: 2000\r\n", "\r\n", "FILL")) +
    client(0, C_PSH, "FILL") + backend(0, B_PSH, "FILL") + backend(0, B_PSH, "FILL") +
    client(0, C_ACK) + close(0, 0),
    "three-flows": start([0]) + handshake(0) + handshake(1) + handshake(2) +
    client(0, C_PSH, *GET) + client(1, C_PSH, *GET) + client(2, C_PSH, "GET / HTTP/1.1\r\n") +
    backend(0, B_SYNACK, opts=LINUX_OPTS) + backend(1, B_SYNACK, opts=LINUX_OPTS) +
    backend(0, B_ACK) + backend(1, B_ACK) + backend(0, B_PSH, *OK) + backend(1, B_RST) +
    client(2, C_PSH, "Host: web.example.test\r\n", "\r\n") + close(0, 0) + clock(3000),
    "cookies": start([0]) + b"".join(client(i, C_SYN, opts=LINUX_OPTS, isn=0x100 * i)
                                    for i in range(6)) +
    b"".join(client(i, C_ACK) for i in range(6)) + client(5, C_PSH, *GET) +
    backend(0, B_SYNACK, opts=LINUX_OPTS) + backend(0, B_ACK) + clock(3500),
    "header-buffers-run-out": start([0]) + b"".join(handshake(i) for i in range(8)) +
    b"".join(client(i, C_PSH, "GET / HTTP/1.1\r\n") + clock(200) for i in range(8)) +
    client(7, C_PSH, "Host: web.example.test\r\n", "\r\n") + clock(2000),
    "out-of-order-header": start([0]) + handshake(0) +
    client(0, C_PSH, "Host: web.example.test\r\n", "\r\n", seq=(11, bytes([15]))) +
    client(0, C_PSH, "Host: web.example.test\r\n", seq=(11, bytes([15]))) +
    client(0, C_PSH, "GET / HTTP/1.1\r\n") + backend(0, B_SYNACK, opts=LINUX_OPTS) +
    backend(0, B_ACK) + clock(100),
    "malformed-400": start([0]) + handshake(0) + client(0, C_PSH, "Bad Header\r\n", "\r\n") +
    client(0, C_ACK) + clock(300) + client(0, C_FIN),
    "oversized-431": start([0]) + handshake(0) + client(0, C_PSH, "GET / HTTP/1.1\r\n", "FILL") +
    client(0, C_PSH, "FILL") + client(0, C_ACK),
    "slow-header-408": start([0]) + handshake(0) + client(0, C_PSH, "GET / HTTP/1.1\r\n") +
    clock(3100) + clock(1000) + clock(2000),
    "idle-spliced": start([0]) + handshake(0) + exchange(0, 0) + clock(31000),
    "connect-timeouts": start([0]) + handshake(0) + client(0, C_PSH, *GET) + clock(2100) +
    clock(2100) + clock(2100),
    "refused-then-other": start([0]) + handshake(0) + client(0, C_PSH, *GET) +
    backend(0, B_RST) + backend(1, B_SYNACK, opts=LINUX_OPTS) + backend(1, B_ACK) +
    backend(1, B_PSH, *OK) + close(0, 1),
    "reload-moves-listener": start([0]) + handshake(0) + exchange(0, 0) + reload(2) +
    client(0, C_PSH, b"more") + backend(0, B_ACK) + close(0, 0),
    "reload-per-request": start([0]) + handshake(0) + client(0, C_PSH, "GET / HTTP/1.1\r\n") +
    reload(1 | 8) + client(0, C_PSH, "Host: web.example.test\r\n", "\r\n") +
    backend(0, B_SYNACK, opts=LINUX_OPTS) + backend(0, B_ACK) + backend(0, B_PSH, *OK) +
    close(0, 0),
    # four flows: at least two reach the same worker, whose share of
    # max_conns = 1 is one connection
    "max-conns-queue": start([0x90 | 1]) + b"".join(handshake(i) for i in range(4)) +
    b"".join(client(i, C_PSH, *GET) for i in range(4)) +
    backend(0, B_SYNACK, opts=LINUX_OPTS) + backend(0, B_ACK) + backend(0, B_PSH, *OK) +
    close(0, 0) + backend(1, B_SYNACK, opts=LINUX_OPTS) + backend(1, B_RST) + clock(400),
    "reload-while-queued": start([0x90]) + b"".join(handshake(i) for i in range(4)) +
    b"".join(client(i, C_PSH, *GET) for i in range(4)) + reload(0x10) +
    backend(0, B_RST) + backend(1, B_RST) + clock(300) + clock(2100),
    "per-request-body-later": start([1]) + handshake(0) +
    exchange(0, 0, req=("POST /upload HTTP/1.1\r\n", "Host: web.example.test\r\n",
                        "Content-Length: 5\r\n", "\r\n")) +
    client(0, C_PSH, "hello") + backend(0, B_ACK) + exchange(0, 0, synack=False) +
    client(0, C_PSH, "POST /upload HTTP/1.1\r\n", "Host: web.example.test\r\n",
           "Transfer-Encoding: chunked\r\n", "\r\n") +
    client(0, C_PSH, b"5\r\nhel") + client(0, C_PSH, b"lo\r\n") +
    client(0, C_PSH, "0\r\n\r\n", *GET) + backend(0, B_PSH, *OK) + client(0, C_ACK) +
    backend(0, B_ACK) + backend(0, B_PSH, *OK) + client(0, C_ACK) + close(0, 0),
    "unresolved-backend": start([0x18]) + handshake(0) + handshake(1) + client(0, C_PSH, *GET) +
    client(1, C_PSH, *GET) + clock(1100) + arp_answer() + clock(5) + backend(0, B_SYNACK) +
    clock(3100),
    "broken-frames": start([0]) + handshake(0) + client(0, C_PSH, *GET, mut=(2, 1)) +
    client(0, C_PSH, *GET, mut=(7, 30)) + client(0, C_PSH, *GET, mut=(9, 3)) +
    client(0, C_PSH, *GET, mut=(1, 10)) + backend(0, B_SYNACK, mut=(3, 0)) +
    backend(0, B_SYNACK, opts=LINUX_OPTS) + backend(0, B_PSH, *OK, mut=(2, 4)) + close(0, 0),
    "other-frames": start([0]) + other(0, 0, 1, 0, 1, 16) + other(1 | 8 | 16, 3, b"a"[0], b"b"[0],
                                                             b"c"[0], 0, 1) +
    other(56, 0, 0x04, 0x00, 0x12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) +
    bytes([11, 2]) + bytes([11, 9]) + bytes([11, 4, 0x11, 0x22, 1]),
    "rst-and-retransmits": start([0]) + handshake(0) + client(0, C_SYN, isn=0x1000) +
    exchange(0, 0) + client(0, C_PSH, b"x", seq=(10, b"\x05")) + client(0, C_RST, seq=(11, b"\x01")) +
    client(0, C_RST) + clock(600),
    # backend shift 3 against the client's 7; SACK blocks both ways
    "sack-and-windows": start([0]) + handshake(0) + client(0, C_PSH, *GET) +
    backend(0, B_SYNACK, opts=bytes([3, 0x80, 0x01, 0x03, 0x02])) + backend(0, B_ACK) +
    backend(0, B_PSH, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "hello") +
    client(0, C_ACK, opts=bytes([1, 3, 0, 0xff, 0xd8, 0, 20])) +
    backend(0, B_PSH, "hello", opts=bytes([1, 3, 1, 0xff, 0xf0, 0, 8, 0x00, 0x10, 0, 4])) +
    client(0, C_ACK) + close(0, 0),
    "zero-window-synack": start([0]) + handshake(0) + client(0, C_PSH, *GET) +
    backend(0, B_SYNACK, opts=LINUX_OPTS, win0=True) + clock(300) + clock(600) +
    backend(0, B_ACK) + backend(0, B_PSH, *OK) + close(0, 0),
    "challenge-ack": start([0]) + handshake(0) + exchange(0, 0) +
    client(0, C_RST, seq=(11, bytes([4]))) + backend(0, B_PSH, *OK) + client(0, C_ACK) +
    bytes([5, 0, B_RST | (11 << 4), 0, 9, 0, 0, 0]) + close(0, 0),
    "client-zero-window": start([0]) + handshake(0) + exchange(0, 0) +
    client(0, C_ACK, win0=True) + backend(0, B_PSH, "FILL") + clock(500) + client(0, C_ACK) +
    close(0, 0),
    # regression (UBSan): a segment 2^31 before the header buffer
    "header-half-space-away": start([0]) + handshake(0) +
    client(0, C_PSH, b"x", seq=(14, b"")) + client(0, C_PSH, *GET),
    "hand-off": start([0]) + handshake(0, other_worker=True) +
    client(0, C_PSH, *GET, other_worker=True) + backend(16, B_SYNACK, opts=LINUX_OPTS) +
    backend(0, B_ACK) +
    backend(0, B_PSH, *OK) + close(0, 0),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "packet")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(SEEDS), out))


if __name__ == "__main__":
    main()
