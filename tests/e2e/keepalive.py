#!/usr/bin/env python3
"""Keep-alive clients for case_keepalive.sh (stdlib only).

  keepalive.py SCENARIO [--host IP] [--port P] [--client IP]

Each scenario opens ONE connection to the router and sends several requests
on it whose rules send them to different destinations. It prints one line
per check, for the case to turn into its verdict:

  ok MESSAGE       a check passed
  FAIL MESSAGE     a check failed
  info MESSAGE     context
  requests N       how many requests the scenario sent (the case sums them)
  wait TOKEN       (scenario rules) it waits for one line on stdin, which
                   the case writes once it has changed the rules

Scenarios:
  sequence  cluster, alice (intercept header), cluster, bob (x-user + /api/),
            bob (baggage), cluster: each from the server its rules name, the
            cluster ones from one backend, on one client port
  preview   4 browser-like requests with Host alice-7f3a.preview.example.test:
            alice each time, each with the injected intercept header and
            X-Forwarded-For exactly once; then a plain host gets neither
  pipeline  3 requests in one send() (plain, alice, plain), 3 responses read
            in order
  post      POST Content-Length 100 KB -> cluster, GET -> alice, POST chunked
            -> cluster, GET -> alice, POST chunked -> alice, GET -> cluster
  big       GET 3 MB from the cluster, GET -> alice, GET 3 MB from alice,
            GET -> cluster (sha256 over server.py's pattern)
  rules     GET plain; wait add; GET x-dave: 1 -> bob; wait remove;
            GET x-dave: 1 -> cluster

Every request goes to /headers unless said otherwise, so the checks see what
the router injected into each request.
"""

import argparse
import hashlib
import http.client
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server import pattern_chunks, pattern_sha256  # noqa: E402

CLUSTER = {"web-a", "web-b"}
ALICE_H = {"x-telepresence-intercept-id": "7f3a:alice-web"}
PREVIEW = "alice-7f3a.preview.example.test"
IID = "x-telepresence-intercept-id"
TIMEOUT = 15

A = None          # parsed arguments
SENT = [0]        # requests sent (a list: scenarios add to it)


def out(kind, msg):
    print("%s %s" % (kind, msg), flush=True)


def check(cond, msg):
    out("ok" if cond else "FAIL", msg)
    return cond


class Resp:
    def __init__(self, status, headers, body, port, will_close):
        self.status = status
        self.headers = headers          # lower-case names
        self.body = body
        self.port = port                # client port the request left from
        self.will_close = will_close
        self.served_by = headers.get("x-served-by")
        self.json = None
        try:
            self.json = json.loads(body)
        except ValueError:
            pass

    def sent_headers(self):
        """The request's header lines as the server received them."""
        return (self.json or {}).get("headers") or []

    def sent(self, name):
        """Values of header NAME the server received (every occurrence)."""
        return [v for k, v in self.sent_headers() if k.lower() == name]


class Conn:
    """One http.client connection; every request must stay on it."""

    def __init__(self):
        self.c = http.client.HTTPConnection(A.host, A.port, timeout=TIMEOUT)
        self.c.connect()
        self.sock = self.c.sock
        self.port = self.sock.getsockname()[1]
        self.first_cluster = None

    def req(self, method, path, headers=None, body=None, chunked=False,
            sha=False):
        h = {"User-Agent": "steer-e2e-keepalive"}
        h.update(headers or {})
        self.c.request(method, path, body=body, headers=h,
                       encode_chunked=chunked)
        SENT[0] += 1
        # http.client opens a new socket by itself once the old one was
        # closed; the socket object and its port say whether it did.
        same = self.c.sock is self.sock
        port = self.c.sock.getsockname()[1]
        r = self.c.getresponse()
        if sha:
            d, n = hashlib.sha256(), 0
            while True:
                piece = r.read(65536)
                if not piece:
                    break
                d.update(piece)
                n += len(piece)
            data = json.dumps({"sha256": d.hexdigest(), "length": n}).encode()
        else:
            data = r.read()
        resp = Resp(r.status, {k.lower(): v for k, v in r.getheaders()},
                    data, port if same else -1, r.will_close)
        return resp

    def step(self, desc, resp, expect, iid=None, xff=True):
        """Check one response: 2xx, served by EXPECT ("cluster": web-a or
        web-b, the same one for the whole connection), on this connection;
        for /headers, the intercept header the server saw (IID: value, or
        None: absent) and X-Forwarded-For exactly once with our address."""
        problems = []
        if not 200 <= resp.status < 300:
            problems.append("HTTP %d" % resp.status)
        by = resp.served_by
        if expect == "cluster":
            if self.first_cluster is None and by in CLUSTER:
                self.first_cluster = by
            want = self.first_cluster or "web-a|web-b"
            if by != self.first_cluster:
                problems.append("served by %s, expected %s" % (by, want))
        elif by != expect:
            problems.append("served by %s, expected %s" % (by, expect))
        if (resp.json is not None and "served_by" in resp.json
                and resp.json["served_by"] != by):
            problems.append("body says served by %s"
                            % resp.json.get("served_by"))
        if resp.port != self.port:
            problems.append("left from port %s, the connection's is %d"
                            % (resp.port if resp.port >= 0 else "(new socket)",
                               self.port))
        if resp.will_close:
            problems.append("response closes the connection")
        if resp.json is not None and "headers" in resp.json:
            got = resp.sent(IID)
            if iid is None and got:
                problems.append("%s: %s reached the server (not sent, not "
                                "injected)" % (IID, got))
            elif iid is not None and got != [iid]:
                problems.append("%s received as %s, expected [%r]"
                                % (IID, got, iid))
            x = resp.sent("x-forwarded-for")
            if xff and (len(x) != 1 or A.client not in x[0]):
                problems.append("X-Forwarded-For received as %s, expected "
                                "one with %s" % (x, A.client))
        check(not problems, "%s -> %s%s" % (
            desc, by, (": " + "; ".join(problems)) if problems else
            " (port %d)" % self.port))
        return not problems


# --- scenarios -------------------------------------------------------------

def sequence():
    k = Conn()
    k.step("plain GET", k.req("GET", "/headers"), "cluster")
    k.step("plain GET again (same leg)", k.req("GET", "/headers"), "cluster")
    k.step("intercept header", k.req("GET", "/headers", ALICE_H), "alice",
           iid=ALICE_H[IID])
    k.step("plain GET after alice (same backend as the first)",
           k.req("GET", "/headers"), "cluster")
    k.step("x-user: bob + /api/", k.req("GET", "/api/orders",
                                        {"x-user": "bob"}), "bob")
    k.step("baggage: devid=carol (bob's tunnel again)",
           k.req("GET", "/headers", {"baggage": "devid=carol"}), "bob")
    k.step("plain GET last", k.req("GET", "/headers"), "cluster")


def preview():
    k = Conn()
    for i in range(4):
        r = k.req("GET", "/headers", {"Host": PREVIEW,
                                      "Accept": "text/html",
                                      "Cookie": "session=%d" % i})
        k.step("preview request %d of 4" % (i + 1), r, "alice",
               iid=ALICE_H[IID])
        host = (r.json or {}).get("h", {}).get("host")
        if host != PREVIEW:
            check(False, "preview request %d: Host arrived as %r"
                  % (i + 1, host))
    k.step("then Host: www.example.test (no injected header)",
           k.req("GET", "/headers", {"Host": "www.example.test"}), "cluster")


def read_response(f):
    line = f.readline()
    if not line:
        raise ConnectionError("closed before a status line")
    status = int(line.split(b" ", 2)[1])
    headers = {}
    while True:
        line = f.readline()
        if line in (b"\r\n", b"\n"):
            break
        if not line:
            raise ConnectionError("closed inside a response header")
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    body = f.read(n)
    if len(body) != n:
        raise ConnectionError("body cut short: %d of %d" % (len(body), n))
    return status, headers, body


def pipeline():
    plan = [("plain", {}, "cluster", None),
            ("intercept header", ALICE_H, "alice", ALICE_H[IID]),
            ("plain", {}, "cluster", None)]
    data = b""
    for i, (_, h, _, _) in enumerate(plan):
        lines = ["GET /headers?n=%d HTTP/1.1" % i, "Host: %s" % A.host,
                 "User-Agent: steer-e2e-pipeline"]
        lines += ["%s: %s" % kv for kv in h.items()]
        data += ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    s = socket.create_connection((A.host, A.port), timeout=TIMEOUT)
    port = s.getsockname()[1]
    sent = s.send(data)
    SENT[0] += len(plan)
    check(sent == len(data), "3 requests (%d bytes) written in one send()"
          % len(data))
    f = s.makefile("rb")
    first = None
    for i, (desc, _, expect, iid) in enumerate(plan):
        status, headers, body = read_response(f)
        r = Resp(status, headers, body, port, False)
        problems = []
        by = r.served_by
        if expect == "cluster":
            first = first or by
            if by not in CLUSTER or by != first:
                problems.append("expected %s" % (first if first in CLUSTER
                                                 else "web-a|web-b"))
        elif by != expect:
            problems.append("expected %s" % expect)
        line = (r.json or {}).get("request_line", "")
        if "?n=%d " % i not in line:
            problems.append("answers %r (out of order)" % line)
        got = r.sent(IID)
        if got != ([iid] if iid else []):
            problems.append("%s received as %s" % (IID, got))
        x = r.sent("x-forwarded-for")
        if len(x) != 1 or A.client not in x[0]:
            problems.append("X-Forwarded-For received as %s" % x)
        check(not problems, "pipelined response %d (%s) -> %s%s"
              % (i + 1, desc, by,
                 (": " + "; ".join(problems)) if problems else ""))
    # Nothing after the third response, and the connection is still open.
    s.settimeout(0.5)
    try:
        extra = s.recv(4096)
        check(False, "after 3 responses: %s" % (
            "%d unexpected bytes" % len(extra) if extra else "router closed"))
    except socket.timeout:
        check(True, "after 3 responses the connection stays open and quiet")
    s.close()


def body_chunks(n, sizes=(1, 7000, 333, 30011, 65536)):
    """N pattern bytes cut at odd sizes (a chunk per piece when chunked)."""
    data = b"".join(bytes(c) for c in pattern_chunks(n))
    off, i = 0, 0
    while off < n:
        k = min(sizes[i % len(sizes)], n - off)
        yield data[off:off + k]
        off += k
        i += 1


def post_step(k, desc, resp, expect, n):
    j = resp.json or {}
    ok = k.step(desc, resp, expect)
    want = pattern_sha256(n)
    check(j.get("sha256") == want and j.get("length") == n,
          "%s: the server got %s bytes, sha256 %s" % (
              desc, j.get("length"),
              "matches" if j.get("sha256") == want else
              "%s (want %s)" % (j.get("sha256"), want)))
    return ok


def post():
    n = 100 * 1024
    k = Conn()
    body = b"".join(body_chunks(n))
    post_step(k, "POST 100 KB (Content-Length)",
              k.req("POST", "/upload", {"Content-Type":
                                        "application/octet-stream"}, body),
              "cluster", n)
    k.step("GET for alice after the POST", k.req("GET", "/headers", ALICE_H),
           "alice", iid=ALICE_H[IID])
    post_step(k, "POST 100 KB chunked",
              k.req("POST", "/upload", {"Transfer-Encoding": "chunked"},
                    body_chunks(n), chunked=True),
              "cluster", n)
    k.step("GET for alice after the chunked POST",
           k.req("GET", "/headers", ALICE_H), "alice", iid=ALICE_H[IID])
    h = dict(ALICE_H, **{"Transfer-Encoding": "chunked"})
    post_step(k, "POST 100 KB chunked to alice",
              k.req("POST", "/upload", h, body_chunks(n), chunked=True),
              "alice", n)
    k.step("plain GET after alice's POST", k.req("GET", "/headers"),
           "cluster")


def big_step(k, desc, resp, expect, n):
    j = resp.json or {}
    k.step(desc, resp, expect)
    want = pattern_sha256(n)
    check(j.get("sha256") == want and j.get("length") == n,
          "%s: %s bytes, sha256 %s" % (
              desc, j.get("length"),
              "matches" if j.get("sha256") == want else
              "%s (want %s)" % (j.get("sha256"), want)))


def big():
    n = 3 * 1024 * 1024
    k = Conn()
    big_step(k, "GET 3 MB from the cluster",
             k.req("GET", "/bytes/%d" % n, sha=True), "cluster", n)
    k.step("GET for alice after 3 MB", k.req("GET", "/headers", ALICE_H),
           "alice", iid=ALICE_H[IID])
    big_step(k, "GET 3 MB from alice",
             k.req("GET", "/bytes/%d" % n, ALICE_H, sha=True), "alice", n)
    k.step("plain GET after alice's 3 MB", k.req("GET", "/headers"),
           "cluster")


def wait(token):
    out("wait", token)
    line = sys.stdin.readline()
    if line.strip() != "go":
        raise RuntimeError("case said %r after 'wait %s'" % (line, token))


def rules():
    k = Conn()
    dave = {"x-dave": "1"}
    k.step("plain GET", k.req("GET", "/headers"), "cluster")
    k.step("x-dave: 1 before the intercept exists",
           k.req("GET", "/headers", dave), "cluster")
    wait("add")
    k.step("x-dave: 1 after 'intercept add dave-web' (same connection)",
           k.req("GET", "/headers", dave), "bob")
    k.step("plain GET while dave-web exists", k.req("GET", "/headers"),
           "cluster")
    k.step("x-dave: 1 again", k.req("GET", "/headers", dave), "bob")
    wait("remove")
    k.step("x-dave: 1 after 'intercept remove dave-web' (same connection)",
           k.req("GET", "/headers", dave), "cluster")


SCENARIOS = {"sequence": sequence, "preview": preview, "pipeline": pipeline,
             "post": post, "big": big, "rules": rules}


def main():
    global A
    ap = argparse.ArgumentParser(
        description="keep-alive clients for case_keepalive.sh",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--host", default="198.18.0.1")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--client", default="198.18.0.10",
                    help="our address, expected in X-Forwarded-For")
    A = ap.parse_args()
    try:
        SCENARIOS[A.scenario]()
    except Exception as e:  # noqa: BLE001 - a broken connection is a result
        out("FAIL", "%s: stopped by %s: %s" % (A.scenario, type(e).__name__, e))
    out("requests", SENT[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
