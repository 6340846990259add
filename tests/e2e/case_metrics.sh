#!/usr/bin/env bash
# The Prometheus endpoint (control.metrics, 127.0.0.1:9870 in the demo
# config): every name steer_-prefixed, drops by reason, per-intercept
# decision counts that move after an intercepted request, flows_active,
# and the three latency histograms (steer_header_seconds,
# steer_decision_seconds, steer_connect_seconds) with cumulative buckets,
# +Inf = count, and a sum that fits the buckets; a header that takes longer
# than the largest finite bucket (13.4 s) is counted in +Inf only.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "the metrics endpoint is steerd's"
e2e_begin metrics
# header_ms above the largest finite bucket, for the slow header below.
cfg=$(e2e_config 's/header_ms = [0-9]*/header_ms = 20000/')
start_steerd "$cfg"

# metrics_py MODE TEXT_FILE [ARGS]: the checks are Python over the
# exposition text; each prints "ok ..." or "FAIL ...", turned into
# pass/fail here.
metrics_py() {
	"$E2E_PYTHON" - "$@" <<'PY'
import math, re, sys

def parse(path):
    """{(name, frozenset(labels)): value}, {name: type}, [bad lines]"""
    samples, types, bad = {}, {}, []
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)$')
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if line.startswith("#"):
            continue
        m = line_re.match(line)
        if not m:
            bad.append(line)
            continue
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
        try:
            samples[(m.group(1), labels)] = float(m.group(4))
        except ValueError:
            bad.append(line)
    return samples, types, bad

def get(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))

mode = sys.argv[1]
s, types, bad = parse(sys.argv[2])

if mode == "format":
    names = {n for n, _ in s}
    if bad:
        print("FAIL %d unparsable sample lines, first: %r" % (len(bad), bad[0]))
    else:
        print("ok every sample line parses (%d samples, %d names)" % (len(s), len(names)))
    other = sorted(n for n in names | set(types) if not n.startswith("steer_"))
    print("FAIL names without the steer_ prefix: %s" % other[:5] if other
          else "ok every metric name starts with steer_")
    untyped = sorted({re.sub(r'_(bucket|sum|count)$', '', n) for n in names} - set(types))
    untyped = [n for n in untyped if n not in types]
    print("FAIL samples without a # TYPE: %s" % untyped[:5] if untyped
          else "ok every metric has a # TYPE line")
    reasons = {dict(l).get("reason") for n, l in s if n == "steer_drops_total"}
    want = {"tcp_no_flow", "tcp_csum", "ip_not_local", "flow_table_full"}
    if want <= reasons and types.get("steer_drops_total") == "counter":
        print("ok steer_drops_total{reason=...} is a counter with %d reasons (%s ...)"
              % (len(reasons), ", ".join(sorted(want))))
    else:
        print("FAIL steer_drops_total reasons %s (type %s), missing %s"
              % (sorted(reasons)[:5], types.get("steer_drops_total"), sorted(want - reasons)))
    fa = get(s, "steer_flows_active")
    if fa is not None and types.get("steer_flows_active") == "gauge":
        print("ok steer_flows_active is a gauge (%d now)" % fa)
    else:
        print("FAIL steer_flows_active %r, type %r" % (fa, types.get("steer_flows_active")))

elif mode == "hist":
    for h in sys.argv[3:]:
        name = "steer_%s_seconds" % h
        if types.get(name) != "histogram":
            print("FAIL %s: # TYPE is %r, not histogram" % (name, types.get(name)))
            continue
        buckets = sorted((float(dict(l)["le"].replace("+Inf", "inf")), v)
                         for (n, l), v in s.items() if n == name + "_bucket")
        total = get(s, name + "_count")
        hsum = get(s, name + "_sum")
        problems = []
        if not buckets or buckets[-1][0] != math.inf:
            problems.append("no +Inf bucket")
        if any(b[1] > a[1] for b, a in zip(buckets, buckets[1:])):
            problems.append("buckets not cumulative")
        if total is None or hsum is None:
            problems.append("no _sum or _count")
        elif buckets and buckets[-1][1] != total:
            problems.append("+Inf bucket %d != count %d" % (buckets[-1][1], total))
        if not problems and total < 1:
            problems.append("count is 0 after requests")
        if not problems:
            # The mean lies between the lower edge of the first non-empty
            # bucket and the upper edge of the bucket where the count is
            # reached (a sum in other units, or buckets from another
            # histogram, would not).
            prev, lo, hi = 0.0, None, None
            for le, cum in buckets:
                if lo is None and cum > 0:
                    lo = prev
                if hi is None and cum == total:
                    hi = le
                prev = le
            mean = hsum / total
            if not (lo <= mean <= hi):
                problems.append("mean %.3g s outside the buckets' [%.3g, %.3g]" % (mean, lo, hi))
        if problems:
            print("FAIL %s: %s" % (name, "; ".join(problems)))
        else:
            print("ok %s: %d buckets, count %d = +Inf bucket, mean %.3g s fits the buckets"
                  % (name, len(buckets), total, hsum / total))

elif mode == "value":
    # value NAME [label=value ...]: the sample's value, or "" if absent
    labels = dict(a.split("=", 1) for a in sys.argv[4:])
    v = get(s, sys.argv[3], **labels)
    print("" if v is None else int(v))
PY
}

report() {
	local line
	while IFS= read -r line; do
		case $line in
		ok\ *) pass "${line#ok }" ;;
		FAIL\ *) fail "${line#FAIL }" ;;
		*) say "      $line" ;;
		esac
	done
}

m0="$E2E_TMP/metrics0.txt"
if metrics_scrape >"$m0" && [ -s "$m0" ]; then
	pass "GET http://$STEER_METRICS/metrics answers ($(wc -l <"$m0") lines)"
else
	die "GET http://$STEER_METRICS/metrics"
fi
hdr=$(curl -sS --max-time 5 -D - -o /dev/null "http://$STEER_METRICS/metrics" | tr -d '\r')
if grep -qi '^content-type: text/plain; version=0.0.4' <<<"$hdr"; then
	pass "content type is the Prometheus text format 0.0.4"
else
	fail "content type: $(grep -i '^content-type' <<<"$hdr")"
fi
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://$STEER_METRICS/nope" || true)
if [ "$code" = 404 ]; then
	pass "another path gets 404"
else
	fail "GET /nope -> HTTP $code, expected 404"
fi

before=$(metrics_py value "$m0" steer_intercept_decisions_total intercept=alice-web)
before_bob=$(metrics_py value "$m0" steer_intercept_decisions_total intercept=bob-api)
hc0=$(metrics_py value "$m0" steer_header_seconds_count)
dc0=$(metrics_py value "$m0" steer_decision_seconds_count)
cc0=$(metrics_py value "$m0" steer_connect_seconds_count)
if [ -n "$before" ]; then
	pass "steer_intercept_decisions_total{intercept=\"alice-web\"} present ($before)"
else
	fail "no steer_intercept_decisions_total{intercept=\"alice-web\"}"
fi

# A few requests: 3 intercepted by alice-web, 1 by bob-api, 2 plain; then
# one keep-alive connection held open, which flows_active must see once
# the others have lingered out (linger_ms 2000).
for i in 1 2 3; do
	check_route "alice-web request $i" alice -H 'x-telepresence-intercept-id: 7f3a:alice-web'
done
check_route "bob-api request" bob -H 'x-user: bob9' "http://$ROUTER/api/v"
check_route "plain request 1" 'web-a|web-b'
check_route "plain request 2" 'web-a|web-b'
ip netns exec st-client "$E2E_PYTHON" -c '
import socket, time
s = socket.create_connection(("198.18.0.1", 80))
s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
s.recv(4096)
time.sleep(30)' &
held=$!
e2e_on_exit "kill $held"
sleep 3

m1="$E2E_TMP/metrics1.txt"
metrics_scrape >"$m1" || die "second scrape"
report < <(metrics_py format "$m1")
after=$(metrics_py value "$m1" steer_intercept_decisions_total intercept=alice-web)
after_bob=$(metrics_py value "$m1" steer_intercept_decisions_total intercept=bob-api)
if [ -n "$after" ] && [ $((after - ${before:-0})) = 3 ]; then
	pass "alice-web decisions moved by 3 ($before -> $after)"
else
	fail "alice-web decisions $before -> $after, expected +3"
fi
if [ -n "$after_bob" ] && [ $((after_bob - ${before_bob:-0})) = 1 ]; then
	pass "bob-api decisions moved by 1 ($before_bob -> $after_bob)"
else
	fail "bob-api decisions $before_bob -> $after_bob, expected +1"
fi
fa=$(metrics_py value "$m1" steer_flows_active)
if [ "$fa" = 1 ]; then
	pass "steer_flows_active = 1: the keep-alive connection held open"
else
	fail "steer_flows_active = '$fa' with one connection open (the others closed > linger_ms ago)"
fi
report < <(metrics_py hist "$m1" header decision connect)
hc1=$(metrics_py value "$m1" steer_header_seconds_count)
dc1=$(metrics_py value "$m1" steer_decision_seconds_count)
cc1=$(metrics_py value "$m1" steer_connect_seconds_count)
# 7 requests, 7 connections: each has one header, one decision, one
# connect (nothing here is retried).
if [ $((hc1 - hc0)) = 7 ] && [ $((dc1 - dc0)) = 7 ] && [ $((cc1 - cc0)) = 7 ]; then
	pass "7 requests: +7 in each histogram's count"
else
	fail "histogram counts moved by header +$((hc1 - hc0)), decision +$((dc1 - dc0)), connect +$((cc1 - cc0)); expected +7 each"
fi

# The counters in /metrics and in `stats` come from one sum.
stats=$(stats_json)
fc=$(json_get "$stats" counters.flows_created)
mfc=$(metrics_py value "$m1" steer_flows_created_total)
if [ -n "$mfc" ] && [ -n "$fc" ] && [ "$mfc" -le "$fc" ] && [ "$mfc" -ge 8 ]; then
	pass "steer_flows_created_total = $mfc, stats says $fc (later)"
else
	fail "steer_flows_created_total = '$mfc', stats flows_created = '$fc'"
fi

kill "$held" 2>/dev/null || true
wait "$held" 2>/dev/null || true

sleep 3
fa=$(metrics_scrape >"$m1" && metrics_py value "$m1" steer_flows_active)
if [ "$fa" = 0 ]; then
	pass "steer_flows_active = 0 after it closed and lingered"
else
	fail "steer_flows_active = '$fa' after every connection closed > linger_ms ago"
	# what is left, for the log
	[ -n "${STEERCTL:-}" ] && [ -x "$STEERCTL" ] && {
		steerctl_run flows 2>&1 | sed 's/^/      /'
		steerctl_run stats 2>&1 | sed 's/^/      /'
	}
fi

# A header that takes 14 s: above the largest finite bucket (le=13.42 s =
# 100 ns * 2^27), so only +Inf may count it (Prometheus: le is an upper
# bound, inclusive).
slow_out="$E2E_TMP/slow.json"
ip netns exec st-client "$E2E_PYTHON" -c '
import json, socket, time
s = socket.create_connection(("198.18.0.1", 80))
s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")
time.sleep(14)
s.sendall(b"Connection: close\r\n\r\n")
s.settimeout(10)
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
print(json.dumps({"head": data.split(b"\r\n\r\n")[0].decode("latin-1")}))' >"$slow_out" 2>&1 &
slow=$!
e2e_on_exit "kill $slow"

wait "$slow" || true
m2="$E2E_TMP/metrics2.txt"
metrics_scrape >"$m2" || die "third scrape"
if grep -qi '^x-served-by: web-' <(json_get "$(cat "$slow_out")" head | tr -d '\r'); then
	pass "a header sent over 14 s (header_ms 20000) is served"
else
	fail "the slow header: $(head -c 300 "$slow_out")"
fi
hc2=$(metrics_py value "$m2" steer_header_seconds_count)
top=$(metrics_py value "$m2" steer_header_seconds_bucket le=13.4217728)
report < <(metrics_py hist "$m2" header)
if [ -n "$top" ] && [ "$hc2" = $((hc1 + 1)) ] && [ "$top" = "$hc1" ]; then
	pass "the 14 s header is in +Inf only: bucket le=13.4217728 = $top, count = $hc2"
else
	fail "after a 14 s header: bucket le=13.4217728 = '$top', count '$hc2' (before: count $hc1); the largest finite bucket must not count it"
fi

# Loopback only by default (docs/configuration.md).
listen=$(ss -Hltn "sport = :${STEER_METRICS##*:}" | awk '{print $4}' | sort -u | tr '\n' ' ')
if [ "$listen" = "$STEER_METRICS " ]; then
	pass "metrics listener is $STEER_METRICS only"
else
	fail "metrics listeners on port ${STEER_METRICS##*:}: '$listen'"
fi
e2e_end
