#!/usr/bin/env python3
"""Backend / developer-machine HTTP server for Steer's end-to-end tests.

Stdlib only, one thread per connection, HTTP/1.1 keep-alive. Every response
names the server (header X-Served-By and the body) so a test can tell where
the router sent a request.

  GET  /bytes/N   N deterministic bytes (pattern below), with Content-Length
  GET  /headers   the request headers as received (JSON), to see what the
                  router injected
  GET  /stats     how many requests this server has answered (JSON)
  GET  anything   {"served_by": NAME, "path": ..., "client": ...}
  POST anything   reads a Content-Length or chunked body and answers
                  {"served_by": NAME, "sha256": HEX, "length": N}

The byte pattern is shared with the client side (client.py imports it, and
`server.py --pattern N` writes it to stdout) so a test can compare sha256
sums without shipping the data around.
"""

import argparse
import hashlib
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Period of the byte pattern: a prime, so the pattern never lines up with
# segment sizes, MSS or buffer sizes; a router that drops, repeats or shifts
# bytes changes the sum.
PATTERN_PERIOD = 1048573
CHUNK = 65536


def _pattern_block():
    """One period of the pattern: a sha256 chain seeded with a fixed string."""
    out = bytearray()
    h = hashlib.sha256(b"steer-e2e pattern").digest()
    while len(out) < PATTERN_PERIOD:
        out += h
        h = hashlib.sha256(h).digest()
    block = bytes(out[:PATTERN_PERIOD])
    # Doubled so any CHUNK-long window starting inside the first period is one
    # contiguous slice.
    return memoryview(block + block[:CHUNK])


_BLOCK = None
_BLOCK_LOCK = threading.Lock()


def pattern_chunks(n):
    """Yield the first n bytes of the pattern, in slices of at most CHUNK."""
    global _BLOCK
    with _BLOCK_LOCK:
        if _BLOCK is None:
            _BLOCK = _pattern_block()
    off = 0
    while off < n:
        k = min(CHUNK, n - off)
        start = off % PATTERN_PERIOD
        yield _BLOCK[start:start + k]
        off += k


def pattern_sha256(n):
    h = hashlib.sha256()
    for c in pattern_chunks(n):
        h.update(c)
    return h.hexdigest()


class Counter:
    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()

    def inc(self):
        with self.lock:
            self.n += 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive unless the client says close
    server_version = "steer-e2e"
    # An idle keep-alive connection's thread goes away after this long.
    timeout = 120

    # -- plumbing ---------------------------------------------------------
    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s %s\n" % (self.server.name, fmt % args))

    def log_error(self, fmt, *args):
        # Client aborts and timeouts are normal in these tests; keep one line.
        sys.stderr.write("%s error: %s\n" % (self.server.name, fmt % args))

    def _send(self, code, body, ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = (json.dumps(body, indent=None) + "\n").encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("X-Served-By", self.server.name)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _client(self):
        return "%s:%d" % (self.client_address[0], self.client_address[1])

    # -- GET --------------------------------------------------------------
    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if self.server.delay and path != "/stats":
            time.sleep(self.server.delay)   # a slow backend (--delay-ms)
        if path == self.server.health_path:
            return self._health()
        if path != "/stats":
            # /stats is how tests look at the count, so it does not count.
            self.server.requests.inc()
        if path.startswith("/bytes/"):
            return self._bytes(path[len("/bytes/"):])
        if path == "/headers":
            return self._send(200, {
                "served_by": self.server.name,
                "client": self._client(),
                "request_line": self.requestline,
                # A list keeps duplicates and order; the dict (lower-case
                # names, last value wins) is what tests usually want.
                "headers": [[k, v] for k, v in self.headers.items()],
                "h": {k.lower(): v for k, v in self.headers.items()},
            })
        if path == "/stats":
            return self._send(200, {"served_by": self.server.name,
                                    "requests": self.server.requests.n})
        return self._send(200, {"served_by": self.server.name,
                                "path": self.path,
                                "client": self._client()})

    def _bytes(self, arg):
        try:
            n = int(arg)
            if n < 0:
                raise ValueError
        except ValueError:
            return self._send(400, {"served_by": self.server.name,
                                    "error": "bad length"})
        self.send_response(200)
        self.send_header("X-Served-By", self.server.name)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        for c in pattern_chunks(n):
            self.wfile.write(c)

    # -- POST -------------------------------------------------------------
    def do_POST(self):
        self.server.requests.inc()
        h = hashlib.sha256()
        length = 0
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            for piece in self._chunks():
                h.update(piece)
                length += len(piece)
        else:
            left = int(self.headers.get("Content-Length", "0") or 0)
            while left > 0:
                piece = self.rfile.read(min(CHUNK, left))
                if not piece:
                    # Body cut short: answer nothing, drop the connection.
                    self.close_connection = True
                    return
                h.update(piece)
                length += len(piece)
                left -= len(piece)
        self._send(200, {"served_by": self.server.name,
                         "sha256": h.hexdigest(), "length": length,
                         "path": self.path})

    def _chunks(self):
        """RFC 9112 section 7.1 chunked body, trailers skipped."""
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise ConnectionError("chunked body cut short")
            size = int(line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                    pass
                return
            left = size
            while left > 0:
                piece = self.rfile.read(min(CHUNK, left))
                if not piece:
                    raise ConnectionError("chunk cut short")
                left -= len(piece)
                yield piece
            self.rfile.readline(8)   # CRLF after the chunk

    do_PUT = do_POST

    def _health(self):
        """The health endpoint: 200, or 500 while the --health-file says
        "fail" (a test flips it to make this backend sick)."""
        status = 200
        try:
            with open(self.server.health_file) as f:
                if f.read().strip() == "fail":
                    status = 500
        except (OSError, TypeError):
            pass
        body = (b"ok\n" if status == 200 else b"sick\n")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True        # a stuck client never blocks exit
    allow_reuse_address = True
    request_queue_size = 4096    # 1000+ connections may arrive at once


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--name", default=socket.gethostname())
    ap.add_argument("--pidfile")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--backlog", type=int, default=4096,
                    help="listen backlog (a small one overflows under a burst)")
    ap.add_argument("--delay-ms", type=int, default=0,
                    help="wait this long before answering a GET")
    ap.add_argument("--health-path", default="/healthz")
    ap.add_argument("--health-file",
                    help="the health path answers 500 while this file says 'fail'")
    ap.add_argument("--pattern", type=int, metavar="N",
                    help="write N pattern bytes to stdout and exit")
    ap.add_argument("--pattern-sha256", type=int, metavar="N",
                    help="print the sha256 of N pattern bytes and exit")
    a = ap.parse_args()

    if a.pattern is not None:
        out = sys.stdout.buffer
        for c in pattern_chunks(a.pattern):
            out.write(c)
        out.flush()
        return 0
    if a.pattern_sha256 is not None:
        print(pattern_sha256(a.pattern_sha256))
        return 0

    Server.request_queue_size = a.backlog
    srv = Server((a.bind, a.port), Handler)
    srv.name = a.name
    srv.delay = a.delay_ms / 1000.0
    srv.health_path = a.health_path
    srv.health_file = a.health_file
    srv.verbose = a.verbose
    srv.requests = Counter()
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    sys.stderr.write("%s listening on %s:%d\n" % (a.name, a.bind, a.port))
    try:
        srv.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
