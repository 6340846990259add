#!/usr/bin/env python3
"""One measured run of tools/compare_haproxy, and the table at the end.

  measure.py run --router steer|haproxy --pid PID [--stats-file F]
                 [--prefix cmp-] --backend NAME=NS,PID,URL ... --label L
                 --mode M -- WRK ARGS...
      Snapshots (router CPU, steerd's counters via SIGUSR1, backends' CPU and
      request/connection counts, the machine's CPU), runs wrk inside
      PREFIXclient (st-client with --prefix st-) with the given arguments,
      snapshots again, prints one JSON object on stdout.

  measure.py table FILE [--json]
      FILE holds one JSON object per line (the runs); prints the table (or,
      with --json, one JSON document with every run).

Stdlib only. Everything it reads is local (/proc, steerd's stats file, the
backends' own status pages inside the test namespaces).
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- /proc -----------------------------------------------------------------

def proc_cpu_us(pid):
    """(utime, stime) of a process (all its threads), seconds."""
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime/stime are fields 14/15.
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def proc_cpu_s(pid):
    """utime + stime of a process (all its threads), seconds."""
    return sum(proc_cpu_us(pid))


def all_cpu():
    """{pid: (comm, utime+stime s)} of every process on the machine (kernel
    threads included), to name what else used the CPU during a run."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        out[int(d)] = (comm, (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return out


def ns_tcp_counters(ns):
    """TCP counters of a namespace (/proc/net/snmp and netstat, as read
    from inside it): what the client's kernel saw go wrong."""
    want = {"Tcp": ("ActiveOpens", "AttemptFails", "EstabResets", "RetransSegs",
                    "InErrs", "OutRsts"),
            "TcpExt": ("TCPSynRetrans", "TCPTimeouts", "TCPAbortOnData",
                       "ListenDrops", "ListenOverflows")}
    out = {}
    try:
        text = subprocess.run(["ip", "netns", "exec", ns, "cat",
                               "/proc/net/snmp", "/proc/net/netstat"],
                              capture_output=True, text=True,
                              timeout=10).stdout
    except (subprocess.SubprocessError, OSError):
        return out
    lines = text.splitlines()
    for i in range(0, len(lines) - 1):
        h, v = lines[i].split(), lines[i + 1].split()
        if not h or not v or h[0] != v[0] or h[0].rstrip(":") not in want:
            continue
        if not v[1].lstrip("-").isdigit():
            continue
        grp = h[0].rstrip(":")
        for k, x in zip(h[1:], v[1:]):
            if k in want[grp]:
                out[k] = int(x)
    return out


def link_packets(ns, dev):
    """(rx, tx) packets of an interface inside a namespace."""
    try:
        j = json.loads(subprocess.run(["ip", "-n", ns, "-s", "-j", "link",
                                       "show", "dev", dev],
                                      capture_output=True, text=True,
                                      timeout=10).stdout)
        st = j[0]["stats64"]
        return st["rx"]["packets"], st["tx"]["packets"]
    except (subprocess.SubprocessError, OSError, ValueError, KeyError,
            IndexError):
        return None


def thread_sched(pid):
    """{tid: (name, run_ns, wait_ns)} from /proc/PID/task/*/schedstat."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for t in tids:
        try:
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                name = f.read().strip()
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                run, wait = [int(x) for x in f.read().split()[:2]]
            with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                s = f.read()
            fields = s[s.rindex(")") + 2:].split()
            cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, ValueError):
            continue
        out[t] = (name, run, wait, cpu)
    return out


def machine_idle_s():
    """Idle + iowait seconds of all CPUs from /proc/stat. With a tickless
    kernel these two are measured, while the busy fields are tick samples
    (biased when work runs in step with timer ticks), so busy time is taken
    as CPUs x wall time - idle."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (v[3] + (v[4] if len(v) > 4 else 0)) / CLK_TCK


def tsc_mhz_cpuinfo():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1])
    except OSError:
        pass
    return None


# --- steerd ----------------------------------------------------------------

def json_last(path):
    """The last complete JSON object in a file (steerd rewrites or appends)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    dec = json.JSONDecoder()
    i, last = 0, None
    while True:
        j = text.find("{", i)
        if j < 0:
            break
        try:
            obj, end = dec.raw_decode(text, j)
        except ValueError:
            i = j + 1
            continue
        if isinstance(obj, dict):
            last = obj
        i = end
    return last


def steer_stats(pid, path):
    """SIGUSR1, then the fresh stats object; (object, wall time of signal)."""
    try:
        with open(path, "rb") as f:
            before = f.read()
    except OSError:
        before = b""
    t = time.time()
    os.kill(pid, signal.SIGUSR1)
    for _ in range(100):
        time.sleep(0.02)
        try:
            with open(path, "rb") as f:
                now = f.read()
        except OSError:
            continue
        if now != before:
            obj = json_last(path)
            if obj is not None:
                return obj, t
    return json_last(path), t


# --- backends --------------------------------------------------------------

def backend_counts(ns, url):
    """(requests, connections) a backend has served, from its own status
    page, fetched from inside its namespace. nginx: stub_status; server.py:
    /stats (requests only). The fetch itself is subtracted by the caller."""
    try:
        out = subprocess.run(["ip", "netns", "exec", ns, "curl", "-s",
                              "--max-time", "3", url],
                             capture_output=True, text=True, timeout=10).stdout
    except (subprocess.SubprocessError, OSError):
        return None, None
    m = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s*$", out, re.M)
    if m:                                   # nginx stub_status
        return int(m.group(3)), int(m.group(1))
    try:
        return int(json.loads(out)["requests"]), None
    except (ValueError, KeyError, TypeError):
        return None, None


# --- wrk -------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * _UNIT_MS[m.group(2)] if m else None


def parse_wrk(out):
    r = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", out)
    if m:
        r["requests"] = int(m.group(1))
        r["duration_s"] = _ms(m.group(2) + m.group(3)) / 1000.0
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        r["rps"] = float(m.group(1))
    for p in ("50", "75", "90", "99"):
        m = re.search(r"^\s+%s%%\s+(\S+)" % p, out, re.M)
        if m:
            r["p%s_ms" % p] = _ms(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", out)
    r["errors"] = ({k: int(v) for k, v in zip(
        ("connect", "read", "write", "timeout"), m.groups())} if m else
        {"connect": 0, "read": 0, "write": 0, "timeout": 0})
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["non_2xx"] = int(m.group(1)) if m else 0
    return r


def parse_mixed(out):
    """The line tools/compare/mixed.lua prints: how many responses of each
    kind of request came from which server."""
    m = re.search(r"^mixed: plain (\d+) \(web-a (\d+), web-b (\d+), other (\d+)\), "
                  r"intercepted (\d+) \(alice (\d+), other (\d+)\), wrong (\d+), "
                  r"unanswered (\d+)$", out, re.M)
    if not m:
        return None
    v = [int(x) for x in m.groups()]
    return {"line": m.group(0), "plain": v[0], "web_a": v[1], "web_b": v[2],
            "plain_other": v[3], "intercepted": v[4], "alice": v[5],
            "intercepted_other": v[6], "wrong": v[7], "unanswered": v[8]}


# --- one run ---------------------------------------------------------------

def snapshot(a, backends):
    s = {"t": time.time(), "idle": machine_idle_s(), "all": all_cpu()}
    if a.router == "steer":
        s["stats"], s["stats_t"] = steer_stats(a.pid, a.stats_file)
    s["router_cpu"] = proc_cpu_us(a.pid)
    p = a.prefix
    s["client_tcp"] = ns_tcp_counters(p + "client")
    # The router's packets, counted on the far ends of its two veths (the
    # same interfaces for both routers).
    s["pkts"] = [link_packets(p + "client", p + "edge1"),
                 link_packets(p + "sw", p + "inner1")]
    s["threads"] = thread_sched(a.pid)
    s["backends"] = {}
    for name, (ns, pid, url) in backends.items():
        req, conn = backend_counts(ns, url)
        try:
            cpu = proc_cpu_s(pid) + sum(
                proc_cpu_s(int(c)) for c in children(pid))
        except OSError:
            cpu = None
        s["backends"][name] = (req, conn, cpu)
    return s


def children(pid):
    """Pids of PID's direct children (nginx's worker under its master)."""
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += f.read().split()
    except OSError:
        pass
    return out


def flat_delta(a, b, key):
    x, y = (a or {}).get(key) or {}, (b or {}).get(key) or {}
    return {k: y[k] - x.get(k, 0) for k in y
            if isinstance(y[k], (int, float)) and y[k] - x.get(k, 0)}


def cmd_run(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="measure.py run")
    ap.add_argument("--router", required=True, choices=("steer", "haproxy"))
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--stats-file")
    ap.add_argument("--prefix", default="st-",
                    help="the topology's name prefix (namespaces, veths)")
    ap.add_argument("--backend", action="append", default=[],
                    help="NAME=NS,PID,STATUS_URL")
    ap.add_argument("--label", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--log", help="append wrk's output here")
    ap.add_argument("--perf-out", help="also sample the router with perf "
                    "record -e cpu-clock into this file (skews its CPU)")
    ap.add_argument("wrk", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    wrk = a.wrk[1:] if a.wrk[:1] == ["--"] else a.wrk
    backends = {}
    for b in a.backend:
        name, rest = b.split("=", 1)
        ns, pid, url = rest.split(",", 2)
        backends[name] = (ns, int(pid), url)

    s0 = snapshot(a, backends)
    perf = None
    if a.perf_out:
        perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock",
                                 "-F", "1999", "-p", str(a.pid),
                                 "-o", a.perf_out],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    child = subprocess.Popen(["ip", "netns", "exec", a.prefix + "client", "wrk"] + wrk,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    while True:
        chunk = child.stdout.read()
        if not chunk:
            break
        out += chunk
    _, status, ru = os.wait4(child.pid, 0)
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    s1 = snapshot(a, backends)
    out = out.decode(errors="replace")
    if a.log:
        with open(a.log, "a") as f:
            f.write("### %s %s: wrk %s\n%s\n" % (a.label, a.mode,
                                                 " ".join(wrk), out))

    r = {"router": a.router, "label": a.label, "mode": a.mode,
         "wrk_args": wrk, "wrk_status": os.waitstatus_to_exitcode(status)}
    r.update(parse_wrk(out))
    mixed = parse_mixed(out)
    if mixed:
        r["mixed"] = mixed
    wall = s1["t"] - s0["t"]
    n = r.get("requests") or 0
    ncpu = os.cpu_count() or 1
    busy = max(0.0, ncpu * wall - (s1["idle"] - s0["idle"]))
    r["wall_s"] = round(wall, 3)
    r["machine_busy_pct"] = round(100.0 * busy / wall, 1)
    if n:
        r["machine_us_per_req"] = round(1e6 * busy / n, 1)
    r["wrk_cpu_pct"] = round(100.0 * (ru.ru_utime + ru.ru_stime) / wall, 1)
    ut = s1["router_cpu"][0] - s0["router_cpu"][0]
    sy = s1["router_cpu"][1] - s0["router_cpu"][1]
    router_cpu = ut + sy
    r["router_cpu_s"] = round(router_cpu, 3)
    r["router_utime_s"] = round(ut, 3)
    r["router_stime_s"] = round(sy, 3)
    r["client_tcp"] = {k: v - s0["client_tcp"].get(k, 0)
                       for k, v in s1["client_tcp"].items()
                       if v - s0["client_tcp"].get(k, 0)}
    if None not in s0["pkts"] + s1["pkts"]:
        d = [(b[0] - a_[0], b[1] - a_[1]) for a_, b in zip(s0["pkts"], s1["pkts"])]
        # What the client and the switch sent towards the router.
        r["pkts_to_router"] = d[0][1] + d[1][1]
        r["pkts_from_router"] = d[0][0] + d[1][0]
        if n:
            r["router_pkts_per_req"] = round(
                (r["pkts_to_router"] + r["pkts_from_router"]) / n, 2)
    r["router_cpu_pct"] = round(100.0 * router_cpu / wall, 1)
    r["router_cpu_us_per_req"] = round(1e6 * router_cpu / n, 2) if n else None

    # Per thread: CPU and time spent runnable but waiting for a CPU.
    th = {}
    for tid, (name, run, wait, cpu) in s1["threads"].items():
        if tid in s0["threads"]:
            _, run0, wait0, cpu0 = s0["threads"][tid]
            th[name + "/" + tid] = {"run_s": round((run - run0) / 1e9, 3),
                                    "runq_wait_s": round((wait - wait0) / 1e9, 3)}
    r["router_threads"] = th

    # Backends: requests, connections and CPU over the run. Each status
    # fetch counts itself as one request (and, for nginx, one connection).
    be = {}
    be_cpu = 0.0
    for name in backends:
        q0, c0, u0 = s0["backends"][name]
        q1, c1, u1 = s1["backends"][name]
        d = {}
        if q0 is not None and q1 is not None:
            # nginx counts its stub_status fetch; server.py's /stats does
            # not count itself.
            d["requests"] = q1 - q0 - (1 if c1 is not None else 0)
        if c0 is not None and c1 is not None:
            d["connections"] = c1 - c0 - 1
        if u0 is not None and u1 is not None:
            d["cpu_s"] = round(u1 - u0, 3)
            be_cpu += u1 - u0
        be[name] = d
    r["backends"] = be
    r["backends_cpu_pct"] = round(100.0 * be_cpu / wall, 1)
    # Who else ran: every process's CPU over the run but ours (router,
    # backends, wrk, this script).
    ours = {a.pid, child.pid, os.getpid()}
    for _, pid, _ in backends.values():
        ours.add(pid)
        ours.update(int(c) for c in children(pid))
    others = []
    for pid, (comm, cpu) in s1["all"].items():
        if pid in ours:
            continue
        d = cpu - s0["all"].get(pid, (comm, 0.0))[1]
        if pid not in s0["all"]:
            d = cpu          # started during the run
        if d >= 0.05:
            others.append((round(d, 2), comm, pid))
    others.sort(reverse=True)
    r["other_processes"] = [{"comm": c, "pid": p, "cpu_s": d}
                            for d, c, p in others[:6]]
    if r["machine_busy_pct"] is not None:
        # CPU used by none of router, client and backends: other work on
        # this shared machine (and softirq time charged to no task).
        r["other_cpu_pct"] = round(r["machine_busy_pct"] - r["router_cpu_pct"]
                                   - r["wrk_cpu_pct"] - r["backends_cpu_pct"], 1)
    conns = [d.get("connections") for d in be.values()]
    if n and conns and None not in conns:
        r["backend_conns_per_req"] = round(sum(conns) / n, 3)

    if a.router == "steer":
        st0, st1 = s0.get("stats") or {}, s1.get("stats") or {}
        c = flat_delta(st0, st1, "counters")
        r["steer_counters"] = c
        r["steer_drops"] = flat_delta(st0, st1, "drops")
        r["steer_intercepts"] = flat_delta(st0, st1, "intercepts")
        rx = sum((p.get("rx_packets", 0) for p in
                  ((st1.get("ports") or {}).values())), 0) - sum(
            (p.get("rx_packets", 0) for p in
             ((st0.get("ports") or {}).values())), 0)
        if "pkts_to_router" in r:
            # Frames the veths delivered that steerd's ports never read:
            # lost in af_packet's receive ring (full while the worker was
            # not running).
            r["steer_rx_lost"] = r["pkts_to_router"] - rx
        mhz = tsc_mhz_cpuinfo()
        r["tsc_mhz_cpuinfo"] = mhz
        dt = s1["stats_t"] - s0["stats_t"]
        cyc = c.get("busy_cycles", 0) + c.get("idle_cycles", 0)
        # The worker counts every loop iteration as busy or idle (sleeps
        # included), so their sum over the wall time between the two
        # SIGUSR1s is the TSC rate (a check on the cpuinfo figure).
        r["tsc_mhz_measured"] = round(cyc / dt / 1e6, 1) if dt > 0 else None
        hz = (mhz or r["tsc_mhz_measured"] or 0) * 1e6
        busy = c.get("busy_cycles", 0)
        r["steer_busy_s"] = round(busy / hz, 3) if hz else None
        r["steer_busy_pct"] = round(100.0 * busy / hz / dt, 1) if hz and dt else None
        r["steer_busy_cycles_per_req"] = round(busy / n) if n else None
        r["steer_busy_us_per_req"] = (round(1e6 * busy / hz / n, 2)
                                      if n and hz else None)
        # What the issue compares: busy cycles for Steer.
        r["cpu_us_per_req"] = r["steer_busy_us_per_req"]
    else:
        r["cpu_us_per_req"] = r["router_cpu_us_per_req"]
    print(json.dumps(r))
    return 0


# --- the table -------------------------------------------------------------

def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def cmd_table(argv):
    path = argv[0]
    as_json = "--json" in argv[1:]
    runs = []
    meta = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            o = json.loads(line)
            if o.get("meta"):
                meta = o
            else:
                runs.append(o)
    if as_json:
        print(json.dumps({"meta": meta, "runs": runs}, indent=2))
        return 0

    hdr = ("router", "mode", "req/s", "p50 ms", "p99 ms", "errors",
           "CPU us/req", "proc us/req", "be conn/req", "router%", "wrk%",
           "backends%", "other%", "machine us/req")
    rows = []
    for r in runs:
        e = r.get("errors", {})
        errs = sum(e.values()) + r.get("non_2xx", 0)
        rows.append((r["label"], r["mode"], fmt(r.get("rps"), ".0f"),
                     fmt(r.get("p50_ms"), ".2f"), fmt(r.get("p99_ms"), ".2f"),
                     str(errs), fmt(r.get("cpu_us_per_req"), ".1f"),
                     fmt(r.get("router_cpu_us_per_req"), ".1f"),
                     fmt(r.get("backend_conns_per_req"), ".3f"),
                     fmt(r.get("router_cpu_pct"), ".0f"),
                     fmt(r.get("wrk_cpu_pct"), ".0f"),
                     fmt(r.get("backends_cpu_pct"), ".0f"),
                     fmt(r.get("other_cpu_pct"), ".0f"),
                     fmt(r.get("machine_us_per_req"), ".0f")))
    w = [max(len(h), *(len(x[i]) for x in rows)) if rows else len(h)
         for i, h in enumerate(hdr)]
    line = lambda cells: "  ".join(c.rjust(w[i]) if i > 1 else c.ljust(w[i])
                                   for i, c in enumerate(cells)).rstrip()
    print(line(hdr))
    for x in rows:
        print(line(x))
    print()
    print("CPU us/req: Steer = worker busy cycles (idle polls excluded) / TSC "
          "rate / requests;\n            HAProxy = utime+stime of the haproxy "
          "process / requests.")
    print("proc us/req: utime+stime of the router process (steerd: all "
          "threads, idle polling\n            and back-off included) / "
          "requests.")
    print("router%%, wrk%%, backends%%: CPU time over wall time (100 = one "
          "core, %d cores here);\n            other%%: the machine's busy "
          "time minus those three (other work on the\n            machine, "
          "softirq charged to no task).\n"
          "machine us/req: all CPU time of the machine (client, backends, "
          "router, anything\n            else running) / requests."
          % os.cpu_count())

    # Details that explain the numbers.
    print()
    for r in runs:
        e = r.get("errors", {})
        be = ", ".join("%s %s req/%s conn" % (k, v.get("requests", "?"),
                                             v.get("connections", "?"))
                       for k, v in r.get("backends", {}).items())
        bits = ["%s %s: %s requests in %.1f s" % (r["label"], r["mode"],
                                                   r.get("requests"),
                                                   r.get("duration_s") or 0)]
        bad = {k: v for k, v in e.items() if v}
        if bad or r.get("non_2xx"):
            bits.append("errors %s non-2xx %d" % (bad, r.get("non_2xx", 0)))
        bits.append("backends: " + be)
        if r.get("mixed"):
            bits.append("responses by request kind (mixed.lua): " +
                        r["mixed"]["line"][len("mixed: "):])
        bits.append("router process: utime %s s, stime %s s; %s packets/req "
                    "through the router%s; client TCP: %s"
                    % (r.get("router_utime_s"), r.get("router_stime_s"),
                       r.get("router_pkts_per_req"),
                       ("" if r.get("steer_rx_lost") is None else
                        " (%d sent to steerd never read by it)"
                        % r["steer_rx_lost"]),
                       ", ".join("%s %d" % kv for kv in
                                 sorted(r.get("client_tcp", {}).items()))))
        if r["router"] == "steer":
            c = r.get("steer_counters", {})
            keys = ("flows_created", "requests", "requests_same_leg",
                    "requests_held", "rebinds", "legs_closed",
                    "legs_backend_closed", "backend_connects",
                    "backend_retries", "decisions_default",
                    "decisions_intercept", "fail_opens", "closed_fin",
                    "closed_rst_client", "closed_rst_backend",
                    "closed_connect_failed", "closed_error", "retransmits",
                    "rst_sent", "http_502", "http_503")
            bits.append("steerd: " + ", ".join("%s %d" % (k, c[k])
                                               for k in keys if c.get(k)))
            if r.get("steer_drops"):
                bits.append("drops " + json.dumps(r["steer_drops"]))
            bits.append("busy %s%% of the worker, %s cycles/req, TSC %s MHz "
                        "(cpuinfo) / %s MHz (cycles over wall)"
                        % (r.get("steer_busy_pct"),
                           r.get("steer_busy_cycles_per_req"),
                           r.get("tsc_mhz_cpuinfo"),
                           r.get("tsc_mhz_measured")))
        if r.get("other_processes"):
            bits.append("other CPU users: " + ", ".join(
                "%s[%d] %.2f s" % (o["comm"], o["pid"], o["cpu_s"])
                for o in r["other_processes"]))
        th = r.get("router_threads", {})
        if th:
            bits.append("threads: " + ", ".join(
                "%s run %.2f s runq-wait %.2f s" % (k, v["run_s"],
                                                   v["runq_wait_s"])
                for k, v in sorted(th.items()) if v["run_s"] > 0.01))
        print("- " + "\n    ".join(bits))
    return 0


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "table"):
        print(__doc__, file=sys.stderr)
        return 2
    if sys.argv[1] == "run":
        return cmd_run(sys.argv[2:])
    return cmd_table(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
