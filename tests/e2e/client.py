#!/usr/bin/env python3
"""HTTP clients for Steer's end-to-end tests (stdlib only).

  client.py many --plan JSON [--count N] [--concurrency C] [--hold]
                 [--sources A-B] [--url http://IP:PORT]
      N requests, each on a new connection, request i following
      plan[i % len(plan)] = {"path": "/", "headers": {"k": "v"},
                             "expect": ["web-a", "web-b"], "port": 80}
      ("port" overrides the URL's; "Host" in headers replaces the default).
      --hold opens all connections first and only then sends the requests,
      so C connections are really open at once through the router.
      --sources 198.18.0.10-20 binds the connections round-robin to those
      client addresses (a router may hash on the client address only).
      Prints one JSON summary; exit 0 when every request got a 2xx from an
      expected server.

  client.py load --out FILE [--new N] [--keepalive K] [--ka-requests R]
                 [--ka-gap S] [--header NAME:VALUE] [--share F]
                 [--duration S] [--stop-file PATH] [--sources A-B]
      Steady load until --duration passes or --stop-file exists: N tasks
      that each send one request per new connection ("Connection: close"),
      and K tasks that each open a keep-alive connection and send R requests
      on it, --ka-gap seconds apart. A share F of the connections (every
      one of its requests) carries the header NAME: VALUE. Writes one JSON
      line per request to FILE: conn id, kind ("new"/"ka"), request index,
      hdr (bool), t_open (wall clock before connect), t0 and t1 (request
      sent / response read), status, served_by, error (e.g. a reset); a
      connection whose close fails (reset, or bytes after the last
      response) adds a line with "close": true.
      Prints a JSON summary.

  client.py raw --data STR [--host IP] [--port P] [--wait S]
      Sends STR (Python escapes such as \\r\\n are decoded; {A*N} expands to
      N letters 'A') on one connection, then reads until the peer closes or
      S seconds pass. Prints JSON {"status", "elapsed", "closed", ...}.
      For the router's own 400/408/431 answers.
"""

import argparse
import asyncio
import codecs
import ipaddress
import json
import os
import re
import socket
import sys
import time

DEFAULT_URL = "http://198.18.0.1:80"


def parse_url(url):
    m = re.match(r"^http://([^/:]+)(?::(\d+))?(/.*)?$", url)
    if not m:
        raise SystemExit("bad url %r" % url)
    return m.group(1), int(m.group(2) or 80), m.group(3) or "/"


def parse_sources(spec):
    """'198.18.0.10-20' or '198.18.0.10,198.18.0.11' -> list of addresses."""
    if not spec:
        return [None]
    out = []
    for part in spec.split(","):
        if "-" in part:
            first, last = part.split("-")
            prefix, lo = first.rsplit(".", 1)
            out += ["%s.%d" % (prefix, k) for k in range(int(lo), int(last) + 1)]
        else:
            out.append(part)
    for ip in out:
        ipaddress.IPv4Address(ip)   # fail early on a typo
    return out


async def read_response(reader):
    """Status, headers (lower-case names) and body length of one response."""
    line = await reader.readline()
    if not line:
        raise ConnectionError("closed before a status line")
    parts = line.decode("latin-1").split(" ", 2)
    status = int(parts[1])
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n"):
            break
        if not line:
            raise ConnectionError("closed inside the response header")
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    body = await reader.readexactly(n) if n else b""
    return status, headers, body


class Result:
    def __init__(self, i, entry):
        self.i = i
        self.entry = entry
        self.status = None
        self.served_by = None
        self.error = None

    def ok(self):
        return (self.error is None and self.status is not None
                and 200 <= self.status < 300
                and self.served_by in self.entry.get("expect", [self.served_by]))


async def one(i, entry, host, port, src, connected, go, timeout):
    r = Result(i, entry)
    writer = None
    try:
        local = (src, 0) if src else None
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, entry.get("port", port),
                                    local_addr=local), timeout)
        if connected is not None:
            connected()
            await go.wait()
        hdrs = {"Host": "%s" % host, "User-Agent": "steer-e2e",
                "Connection": "close"}
        hdrs.update(entry.get("headers", {}))
        req = "GET %s HTTP/1.1\r\n" % entry.get("path", "/")
        req += "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
        writer.write(req.encode("latin-1"))
        await writer.drain()
        status, headers, _ = await asyncio.wait_for(read_response(reader), timeout)
        r.status = status
        r.served_by = headers.get("x-served-by")
    except Exception as e:  # noqa: BLE001 - every failure is a result
        r.error = "%s: %s" % (type(e).__name__, e)
        if connected is not None and not go.is_set():
            connected()   # count it, so the barrier does not wait forever
            await go.wait()
    finally:
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except Exception:  # noqa: BLE001
                pass
    return r


async def many(a):
    host, port, _ = parse_url(a.url)
    plan = json.loads(a.plan)
    if isinstance(plan, dict):
        plan = [plan]
    sources = parse_sources(a.sources)
    sem = asyncio.Semaphore(a.concurrency)
    go = asyncio.Event()
    ready = 0
    t0 = time.monotonic()

    def connected():
        nonlocal ready
        ready += 1
        if ready == a.count:
            go.set()

    async def run(i):
        async with sem:
            return await one(i, plan[i % len(plan)], host, port,
                             sources[i % len(sources)],
                             connected if a.hold else None, go, a.timeout)

    results = await asyncio.gather(*(run(i) for i in range(a.count)))
    elapsed = time.monotonic() - t0
    by = {}
    for r in results:
        key = r.served_by if r.error is None else "error"
        by[key] = by.get(key, 0) + 1
    bad = [r for r in results if not r.ok()]
    per_entry = []
    for k, e in enumerate(plan):
        rs = [r for r in results if r.i % len(plan) == k]
        seen = {}
        for r in rs:
            key = r.served_by if r.error is None else "error"
            seen[key] = seen.get(key, 0) + 1
        per_entry.append({"entry": e, "requests": len(rs),
                          "ok": sum(r.ok() for r in rs), "served_by": seen})
    summary = {
        "requests": a.count, "ok": a.count - len(bad), "failed": len(bad),
        "elapsed_s": round(elapsed, 3), "served_by": by, "plan": per_entry,
        "failures": [{"i": r.i, "status": r.status, "served_by": r.served_by,
                      "error": r.error, "expect": r.entry.get("expect")}
                     for r in bad[:10]],
    }
    print(json.dumps(summary, indent=1))
    return 0 if not bad else 1


async def load(a):
    host, port, path = parse_url(a.url)
    sources = parse_sources(a.sources)
    hname, _, hvalue = a.header.partition(":")
    deadline = time.monotonic() + a.duration
    out = open(a.out, "w")
    ids = {"conn": 0}
    summary = {"requests": 0, "errors": 0, "connections": 0,
               "served_by": {}}

    def running():
        return (time.monotonic() < deadline and
                not (a.stop_file and os.path.exists(a.stop_file)))

    def next_conn():
        ids["conn"] += 1
        c = ids["conn"]
        # Deterministic share: connection c carries the header when the
        # running fraction of such connections is below --share.
        hdr = int(c * a.share) != int((c - 1) * a.share)
        return c, hdr

    def record(rec):
        out.write(json.dumps(rec) + "\n")
        summary["requests"] += not rec.get("close")
        key = rec["served_by"] if rec["error"] is None else "error"
        summary["served_by"][key] = summary["served_by"].get(key, 0) + 1
        if rec["error"] is not None:
            summary["errors"] += 1

    async def request(reader, writer, hdr, close):
        hdrs = {"Host": host, "User-Agent": "steer-e2e-load"}
        if close:
            hdrs["Connection"] = "close"
        if hdr:
            hdrs[hname.strip()] = hvalue.strip()
        req = "GET %s HTTP/1.1\r\n" % path
        req += "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
        writer.write(req.encode("latin-1"))
        await writer.drain()
        status, headers, _ = await asyncio.wait_for(read_response(reader),
                                                    a.timeout)
        return status, headers.get("x-served-by")

    async def connection(kind, n_req):
        c, hdr = next_conn()
        summary["connections"] += 1
        src = sources[c % len(sources)]
        t_open = time.time()
        writer = None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port,
                                        local_addr=(src, 0) if src else None),
                a.timeout)
        except Exception as e:  # noqa: BLE001 - every failure is a result
            record({"c": c, "kind": kind, "i": 0, "hdr": hdr,
                    "t_open": t_open, "t0": t_open, "t1": time.time(),
                    "status": None, "served_by": None,
                    "error": "connect: %s: %s" % (type(e).__name__, e)})
            return
        try:
            failed = False
            for i in range(n_req):
                if i and a.ka_gap:
                    await asyncio.sleep(a.ka_gap)
                rec = {"c": c, "kind": kind, "i": i, "hdr": hdr,
                       "t_open": t_open, "t0": time.time(), "t1": None,
                       "status": None, "served_by": None, "error": None}
                try:
                    status, by = await request(reader, writer, hdr,
                                               close=(i == n_req - 1))
                    rec["status"], rec["served_by"] = status, by
                    if not 200 <= status < 300:
                        rec["error"] = "HTTP %d" % status
                except Exception as e:  # noqa: BLE001
                    rec["error"] = "%s: %s" % (type(e).__name__, e)
                rec["t1"] = time.time()
                record(rec)
                if rec["error"] is not None:
                    failed = True
                    break
            if not failed:
                # The last request said "Connection: close": wait for the
                # server's FIN, so the close is orderly on both sides and a
                # reset at the end is seen too.
                try:
                    rest = await asyncio.wait_for(reader.read(), a.timeout)
                    if rest:
                        raise ValueError("%d bytes after the last response"
                                         % len(rest))
                except Exception as e:  # noqa: BLE001
                    record({"c": c, "kind": kind, "i": n_req, "hdr": hdr,
                            "t_open": t_open, "t0": time.time(),
                            "t1": time.time(), "status": None,
                            "served_by": None, "close": True,
                            "error": "close: %s: %s" % (type(e).__name__, e)})
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except Exception:  # noqa: BLE001
                pass

    async def worker(kind, n_req):
        while running():
            await connection(kind, n_req)

    t0 = time.monotonic()
    await asyncio.gather(
        *[worker("new", 1) for _ in range(a.new)],
        *[worker("ka", a.ka_requests) for _ in range(a.keepalive)])
    out.close()
    summary["elapsed_s"] = round(time.monotonic() - t0, 3)
    print(json.dumps(summary))
    return 0 if summary["errors"] == 0 else 1


def expand(s):
    s = re.sub(r"\{A\*(\d+)\}", lambda m: "A" * int(m.group(1)), s)
    return codecs.decode(s, "unicode_escape").encode("latin-1")


def raw(a):
    data = expand(a.data)
    t0 = time.monotonic()
    out = {"sent": 0, "status": None, "closed": False, "error": None,
           "response_head": ""}
    buf = b""
    try:
        s = socket.create_connection((a.host, a.port), timeout=5)
        try:
            s.sendall(data)
            out["sent"] = len(data)
        except OSError as e:
            # A router may answer 431 and reset before taking every byte;
            # what it answered is still in our receive queue.
            out["error"] = "send: %s" % e
        s.settimeout(a.wait)
        while True:
            try:
                piece = s.recv(65536)
            except socket.timeout:
                break
            except OSError as e:
                out["error"] = "recv: %s" % e
                out["closed"] = True
                break
            if not piece:
                out["closed"] = True
                break
            buf += piece
        s.close()
    except OSError as e:
        out["error"] = "connect: %s" % e
    out["elapsed"] = round(time.monotonic() - t0, 3)
    head = buf.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    out["response_head"] = head[:500]
    m = re.match(r"HTTP/1\.[01] (\d{3})", head)
    if m:
        out["status"] = int(m.group(1))
    print(json.dumps(out))
    return 0


def main():
    ap = argparse.ArgumentParser(
        description="HTTP clients for Steer's end-to-end tests",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("many")
    m.add_argument("--url", default=DEFAULT_URL)
    m.add_argument("--plan", default='{"path": "/"}')
    m.add_argument("--count", type=int, default=1)
    m.add_argument("--concurrency", type=int, default=0,
                   help="default: --count")
    m.add_argument("--hold", action="store_true")
    m.add_argument("--sources")
    m.add_argument("--timeout", type=float, default=30)
    ld = sub.add_parser("load")
    ld.add_argument("--url", default=DEFAULT_URL)
    ld.add_argument("--out", required=True)
    ld.add_argument("--new", type=int, default=4)
    ld.add_argument("--keepalive", type=int, default=2)
    ld.add_argument("--ka-requests", type=int, default=20)
    ld.add_argument("--ka-gap", type=float, default=0.02)
    ld.add_argument("--header", default="x-load:1")
    ld.add_argument("--share", type=float, default=0.5)
    ld.add_argument("--duration", type=float, default=30)
    ld.add_argument("--stop-file")
    ld.add_argument("--sources")
    ld.add_argument("--timeout", type=float, default=10)
    r = sub.add_parser("raw")
    r.add_argument("--host", default="198.18.0.1")
    r.add_argument("--port", type=int, default=80)
    r.add_argument("--data", required=True)
    r.add_argument("--wait", type=float, default=5)
    a = ap.parse_args()
    if a.cmd == "many":
        if a.concurrency <= 0:
            a.concurrency = a.count
        if a.hold and a.concurrency < a.count:
            raise SystemExit("--hold needs --concurrency >= --count")
        return asyncio.run(many(a))
    if a.cmd == "load":
        return asyncio.run(load(a))
    return raw(a)


if __name__ == "__main__":
    sys.exit(main())
