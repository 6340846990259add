#!/usr/bin/env python3
"""A spoofed SYN flood for Steer's end-to-end tests, run inside the client
namespace: Ethernet frames written on IFACE (an AF_PACKET socket) to the
router's MAC, from random addresses and ports in 198.19.128.0/17 to the
listener 198.18.0.1:80, for a bounded time. Refuses any other source block
or any destination outside 198.18.0.0/15. Prints one JSON line: frames
sent, seconds, rate.

  synflood.py --iface st-edge1 --mac ROUTER_MAC --seconds S [--rate N]
"""

import argparse
import ipaddress
import json
import os
import random
import socket
import struct
import time

SRC_BLOCK = ipaddress.ip_network("198.19.128.0/17")
DST_BLOCK = ipaddress.ip_network("198.18.0.0/15")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def syn_frame(dst_mac, src_mac, src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 6 << 4, 0x02, 64240, 0, 0)
    tcp += struct.pack("!BBH", 2, 4, 1460)                   # MSS
    pseudo = struct.pack("!4s4sBBH", src.packed, dst.packed, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16),
                     0, 64, 6, 0, src.packed, dst.packed)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--mac", required=True, help="the router's MAC")
    ap.add_argument("--dst", default="198.18.0.1")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--src", default=str(SRC_BLOCK))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=int, default=0, help="frames/s, 0: as fast as it goes")
    a = ap.parse_args()
    src_net = ipaddress.ip_network(a.src)
    dst = ipaddress.ip_address(a.dst)
    if not src_net.subnet_of(SRC_BLOCK) or dst not in DST_BLOCK:
        raise SystemExit("synflood: sources must lie in %s and the target in %s"
                         % (SRC_BLOCK, DST_BLOCK))
    assert 0 < a.seconds <= 120, "a bounded duration"
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    src_mac = s.getsockname()[4]
    dst_mac = bytes.fromhex(a.mac.replace(":", ""))
    hosts = src_net.num_addresses
    frames = [syn_frame(dst_mac, src_mac, src_net[random.randrange(1, hosts - 1)], dst,
                        random.randrange(1024, 65536), a.port, random.getrandbits(32))
              for _ in range(8192)]
    sent = 0
    t0 = time.monotonic()
    stop = t0 + a.seconds
    while True:
        now = time.monotonic()
        if now >= stop:
            break
        if a.rate and sent >= a.rate * (now - t0):
            time.sleep(0.001)
            continue
        for f in frames[sent % 8192:sent % 8192 + 64]:
            try:
                s.send(f)
                sent += 1
            except OSError:
                pass              # a full queue: try the next
    el = time.monotonic() - t0
    print(json.dumps({"sent": sent, "seconds": round(el, 2), "rate": int(sent / el)}), flush=True)


if __name__ == "__main__":
    main()
