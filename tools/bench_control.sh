#!/usr/bin/env bash
# Benchmark: how long a rule change takes to reach the traffic.
#
# For each size N (default 1, 1000, 100000) steerd runs in the end-to-end
# topology (tests/e2e/topo.sh) on config/demo.conf plus N exact-value
# intercepts (x-telepresence-intercept-id: <hex>:bench-<i> -> bob). Then,
# per repetition: a client in st-client opens a new connection every ~1 ms,
# each carrying the header value of an intercept that does not exist yet;
# `steerctl intercept add` creates it; the client reports the first
# connection served by the tunnel (bob). Printed per size:
#
#   add_ms    how long the `steerctl intercept add` command took (fork to
#             exit: dump + load + compile of the whole ruleset, publish,
#             RCU grace period, reply)
#   first_ms  from `steerctl intercept add` starting to the request of the
#             first flow routed by the new intercept being sent (the flow's
#             decision is made when that request arrives)
#   gap_ms    the same from `steerctl intercept add` returning: the number
#             asked for. The client's ~1 ms pacing is the resolution; a
#             negative value means flows were already routed by it before
#             steerctl had exited (steerd answers after publishing).
#   late      connections opened after add returned but still served by
#             the cluster (should be 0: the reply comes after publication)
#   remove_ms how long `steerctl intercept remove` took (the rep's cleanup)
#
# A program that prints numbers; it asserts nothing (docs/performance.md,
# "Control: rule changes", has results and the exact commands).
#
# Usage (root; the st-* topology must be free):
#   sudo tools/bench_control.sh [--sizes 1,1000,100000] [--reps N]
#        [--interval-ms 1]
# STEERD and STEERCTL name the binaries (default: build/dataplane/steerd
# and build/ctrl/steerctl under the source root).
set -euo pipefail

SIZES=1,1000,100000
REPS=5
INTERVAL_MS=1
while [ $# -gt 0 ]; do
	case $1 in
	--sizes) SIZES=$2; shift 2 ;;
	--reps) REPS=$2; shift 2 ;;
	--interval-ms) INTERVAL_MS=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench_control: unknown argument '$1' (--help)" >&2; exit 2 ;;
	esac
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
export STEER_SRC=$SRC
export STEERD=${STEERD:-$SRC/build/dataplane/steerd}
export STEERCTL=${STEERCTL:-$SRC/build/ctrl/steerctl}
. "$SRC/tests/e2e/lib.sh"
[ -x "$STEERCTL" ] || { echo "bench_control: no steerctl at $STEERCTL (set STEERCTL)" >&2; exit 2; }
e2e_begin bench_control

# The client: a new connection every INTERVAL ms (asyncio, at most 200 in
# flight), GET / with the header; one JSON line per connection, flushed at
# once; on SIGTERM it stops opening connections and lets those in flight
# finish.
cat >"$E2E_TMP/bench_client.py" <<'PY'
import asyncio, json, signal, sys, time

HOST, PORT = "198.18.0.1", 80
value, interval = sys.argv[1], float(sys.argv[2]) / 1000
req = ("GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
       "x-telepresence-intercept-id: %s\r\n\r\n" % value).encode()

async def one(sem):
    async with sem:
        t_open = time.time()
        try:
            r, w = await asyncio.open_connection(HOST, PORT)
            t_sent = time.time()
            w.write(req)
            head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)
            t_done = time.time()
            w.close()
        except Exception as e:  # noqa: BLE001
            print(json.dumps({"error": str(e), "t_open": t_open}), flush=True)
            return
        by = None
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("x-served-by:"):
                by = line.split(":", 1)[1].strip()
        print(json.dumps({"by": by, "t_open": t_open, "t_sent": t_sent,
                          "t_done": t_done}), flush=True)

async def main():
    sem = asyncio.Semaphore(200)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(json.dumps({"ready": time.time()}), flush=True)
    nxt = time.monotonic()
    tasks = set()
    while not stop.is_set():
        t = asyncio.ensure_future(one(sem))
        tasks.add(t)
        t.add_done_callback(tasks.discard)
        nxt += interval
        await asyncio.sleep(max(0, nxt - time.monotonic()))
    # SIGTERM: no new connections; let those in flight finish.
    if tasks:
        await asyncio.wait(tasks, timeout=5)

asyncio.run(main())
PY

# One repetition: prints "add_ms first_ms gap_ms late remove_ms
# conns_before errors drops" (drops: the reasons that moved during the rep).
cat >"$E2E_TMP/bench_rep.py" <<'PY'
import json, subprocess, sys, threading, time

steerctl, sock, client, py, name, interval, dump = sys.argv[1:8]
value = "bench:" + name
def drops():
    r = subprocess.run([steerctl, "--socket", sock, "--json", "stats"],
                       capture_output=True, text=True)
    try:
        return json.loads(r.stdout).get("drops", {})
    except ValueError:
        return {}

d0 = drops()
cl = subprocess.Popen(["ip", "netns", "exec", "st-client", py, client, value, interval],
                      stdout=subprocess.PIPE, text=True, bufsize=1)
lines = []
ready, bob_seen = threading.Event(), threading.Event()

# Drain the client's output all the time: a pipe left unread while
# steerctl runs (seconds at 100 000 intercepts) fills up and stalls the
# client, which would then measure itself.
def reader():
    for line in cl.stdout:
        l = json.loads(line)
        lines.append(l)
        if "ready" in l:
            ready.set()
        elif l.get("by") == "bob":
            bob_seen.set()

rd = threading.Thread(target=reader, daemon=True)
rd.start()
ready.wait(10)
time.sleep(0.3)            # the load is running, all to the cluster
t0 = time.time()
add = subprocess.run([steerctl, "--socket", sock, "intercept", "add", name,
                      "--service", "web", "--tunnel", "bob",
                      "--header", "x-telepresence-intercept-id=" + value],
                     capture_output=True, text=True)
t1 = time.time()
if add.returncode != 0:
    cl.terminate()
    sys.exit("intercept add failed: " + add.stderr.strip())
found = bob_seen.wait(10)
time.sleep(0.05)
cl.terminate()
try:
    cl.wait(10)
except subprocess.TimeoutExpired:
    cl.kill()
    cl.wait()
rd.join(5)
t2 = time.time()
rm = subprocess.run([steerctl, "--socket", sock, "intercept", "remove", name],
                    capture_output=True, text=True)
t3 = time.time()
d1 = drops()
dd = ",".join("%s:%d" % (k, v - d0.get(k, 0)) for k, v in sorted(d1.items())
              if v != d0.get(k, 0)) or "-"
with open(dump, "w") as f:
    json.dump({"t0": t0, "t1": t1, "lines": lines}, f)
done = [l for l in lines if "by" in l]
bob = [l for l in done if l["by"] == "bob"]
first = min((l["t_sent"] for l in bob), default=None)
late = sum(1 for l in done if l["by"] != "bob" and l["t_open"] > t1)
errors = sum(1 for l in lines if "error" in l)
print("%.1f %s %s %d %.1f %d %d %s" % (
    (t1 - t0) * 1e3, "%.2f" % ((first - t0) * 1e3) if found else "none",
    "%.2f" % ((first - t1) * 1e3) if found else "none",
    late, (t3 - t2) * 1e3, sum(1 for l in done if l["t_open"] < t0), errors, dd))
PY

# config_with N: the run's config plus N exact-value intercepts.
config_with() {
	local n=$1 out="$E2E_TMP/bench-$1.conf"
	"$E2E_PYTHON" - "$(e2e_config)" "$n" "$out" <<'PY'
import sys
src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
extra = "".join(
    '  { name = "bench-%d"; service = "web"; tunnel = "bob"; '
    'headers = ( { name = "x-telepresence-intercept-id"; value = "%08x:bench-%d"; } ); },\n'
    % (i, (i * 2654435761) & 0xffffffff, i) for i in range(n))
with open(src) as f, open(out, "w") as o:
    for line in f:
        o.write(line)
        if line.startswith("intercepts = ("):
            o.write(extra)
print(out)
PY
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s..%s", lo, hi }'; }

say "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "date: $(date -u '+%Y-%m-%d %H:%M UTC'); steerd $STEERD; reps $REPS; client interval ${INTERVAL_MS} ms"
results="$E2E_TMP/results.txt"
: >"$results"
IFS=, read -r -a sizes <<<"$SIZES"
first_size=1
for n in "${sizes[@]}"; do
	cfg=$(config_with "$n")
	# A fresh network per size: the backends' TIME_WAIT entries from the
	# previous steerd (same address, same source ports again) would make
	# its first backend connects fail (see docs/performance.md).
	if [ "$first_size" = 0 ]; then
		topo_down
		topo_up || die "topology up"
		servers_up || die "servers up"
	fi
	first_size=0
	t0=$SECONDS
	start_steerd "$cfg" >/dev/null
	say "N=$n: steerd up in $((SECONDS - t0)) s ($(wc -c <"$cfg") bytes of config)"
	# ARP for bob and both backends before measuring (the first flow to
	# an unresolved next hop waits for a SYN retransmission).
	curl_from_client -o /dev/null -H 'x-user: bob1' "http://$ROUTER/api/" || true
	client_many --count 20 --sources 198.18.0.10-20 >/dev/null
	for r in $(seq "$REPS"); do
		line=$("$E2E_PYTHON" "$E2E_TMP/bench_rep.py" "$STEERCTL" "$STEER_SOCK" \
			"$E2E_TMP/bench_client.py" "$E2E_PYTHON" "new-$n-$r" "$INTERVAL_MS" \
			"$E2E_TMP/rep-$n-$r.json") ||
			line="fail - - - - - - -"
		say "  rep $r: add_ms first_ms gap_ms late remove_ms conns_before errors drops = $line"
		echo "$n $line" >>"$results"
	done
	stop_steerd 10
done

say ""
say "medians over the reps (range in brackets); late = sum over the reps"
printf '%10s  %-24s  %-24s  %-22s  %4s  %9s\n' intercepts add_ms first_ms gap_ms late remove_ms
for n in "${sizes[@]}"; do
	rows=$(awk -v n="$n" '$1 == n && $2 != "fail"' "$results")
	add=$(awk '{print $2}' <<<"$rows")
	first=$(awk '$3 != "none" {print $3}' <<<"$rows")
	gap=$(awk '$4 != "none" {print $4}' <<<"$rows")
	late=$(awk '{s += $5} END {print s + 0}' <<<"$rows")
	rm=$(awk '{print $6}' <<<"$rows")
	printf '%10s  %-24s  %-24s  %-22s  %4s  %9s\n' "$n" \
		"$(median <<<"$add") [$(range <<<"$add")]" \
		"$(median <<<"$first") [$(range <<<"$first")]" \
		"$(median <<<"$gap") [$(range <<<"$gap")]" "$late" "$(median <<<"$rm")"
done
E2E_CHECKS=1   # e2e_end's bookkeeping: this is a benchmark, not a test
say "== bench_control done"
