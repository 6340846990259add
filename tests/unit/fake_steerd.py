#!/usr/bin/env python3
"""A stand-in for steerd's control socket (docs/control.md), for tests of
what runs steerctl without a dataplane: one JSON request line per
connection, one canned response line back.

usage: fake_steerd.py SOCKET LOG

Answers intercept.list, tunnel.list and backend.list with fixed lists
(shaped like tests/unit/cli_test.c's samples), anything else with an
error; appends each request's "cmd" to LOG. Runs until killed.
"""
import json
import os
import socket
import sys

RESPONSES = {
    "intercept.list": {"ok": True, "intercepts": [
        {"name": "alice-web", "service": "web", "tunnel": "alice",
         "headers": [{"name": "x-dev", "value": "alice"}],
         "preview": "alice", "decisions": 17},
        {"name": "bob-api", "service": "api", "tunnel": "bob",
         "headers": [{"baggage": "devid", "value": "bob"}],
         "path_prefix": "/api/", "preview": None, "decisions": 0},
        {"name": "all", "service": "search", "tunnel": "bob", "headers": [],
         "path_regex": "^/v[0-9]", "decisions": 2},
    ]},
    "tunnel.list": {"ok": True, "tunnels": [
        {"name": "alice", "type": "direct", "target": "198.18.1.20:9000",
         "remote": None, "vni": None, "source": None, "fail_open": True},
        {"name": "bob", "type": "vxlan", "target": "10.99.0.2:8080",
         "remote": "192.0.2.7", "vni": 42, "source": "10.99.0.1",
         "fail_open": False},
    ]},
    "backend.list": {"ok": True, "backends": [
        {"service": "web", "address": "198.18.1.10:8080", "weight": 1,
         "drain": False, "state": "up", "checked": True,
         "consecutive_failures": 0, "consecutive_successes": 3,
         "checks": 3, "last_failure": None},
        {"service": "web", "address": "198.18.1.11:8080", "weight": 2,
         "drain": True, "state": "down", "checked": True,
         "consecutive_failures": 3, "consecutive_successes": 0,
         "checks": 9, "last_failure": {"reason": "timeout", "ago_ms": 850}},
        {"service": "api", "address": "198.18.1.12:8080", "weight": 1,
         "drain": False, "state": "unchecked", "checked": False,
         "consecutive_failures": 0, "consecutive_successes": 0,
         "checks": 0, "last_failure": None},
    ]},
}


def main():
    path, log = sys.argv[1], sys.argv[2]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmp = path + ".tmp"
    srv.bind(tmp)
    srv.listen(16)
    os.rename(tmp, path)          # the socket appears ready to connect to
    while True:
        conn, _ = srv.accept()
        with conn:
            line = conn.makefile("rb").readline()
            try:
                cmd = json.loads(line).get("cmd", "")
            except ValueError:
                cmd = ""
            with open(log, "a") as f:
                f.write(cmd + "\n")
            resp = RESPONSES.get(cmd, {"ok": False,
                                       "error": "unknown command " + cmd})
            conn.sendall(json.dumps(resp).encode() + b"\n")


if __name__ == "__main__":
    main()
