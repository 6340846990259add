#!/usr/bin/env bash
# Active health checks (issue 9): service web checks GET /healthz on
# web-a and web-b every 500 ms (fall 3, rise 2). web-a starts failing its
# check (500) while still answering requests: within fall x interval_ms
# it gets no new flows (all go to web-b), `steerctl backend list` and the
# metrics say it is down with its last failure; once it passes again it
# gets its Maglev share back after rise x interval_ms.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "health checks"
needs_steerctl
e2e_begin health

hf="$E2E_TMP/web-a.health"
echo ok >"$hf"
server_restart web-a --health-file "$hf" || die "restart web-a with a health file"
cfg=$(e2e_config 's|{ name = "web"; backends = (|{ name = "web"; health = { path = "/healthz"; interval_ms = 500; timeout_ms = 250; rise = 2; fall = 3; }; backends = (|')
grep -q 'path = "/healthz"' "$cfg" || die "config edit failed"
start_steerd "$cfg"
sleep 1.5                 # the first checks pass

spread() {                # spread: the served_by counts of 40 new connections
	local sum
	sum=$(client_many --count 40 --concurrency 8 --sources 198.18.0.10-20 \
		--plan '{"path": "/", "expect": ["web-a", "web-b"]}')
	json_get "$sum" served_by
}
by_a() { "$E2E_PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1].replace("'"'"'", "\"")).get("web-a", 0))' "$1" 2>/dev/null || echo "?"; }

s=$(spread)
a=$(by_a "$s")
if [ "$a" != "?" ] && [ "$a" -ge 5 ]; then
	pass "both backends healthy: web-a serves $a of 40 ($s)"
else
	fail "both healthy, yet web-a served '$a' of 40 ($s)"
fi

echo fail >"$hf"
sleep 2                   # fall x interval_ms = 1.5 s, and a check's timeout
s=$(spread)
a=$(by_a "$s")
if [ "$a" = 0 ]; then
	pass "web-a failing its check: no new flow reaches it ($s)"
else
	fail "web-a failing its check still got '$a' of 40 new flows ($s)"
fi
bl=$(steerctl_run backend list 2>&1 || true)
say "$(printf '%s\n' "$bl" | sed 's/^/      /')"
if printf '%s\n' "$bl" | grep '198.18.1.10:8080' | grep -qw down; then
	pass "backend list: web-a is down"
else
	fail "backend list does not show web-a down"
fi
if printf '%s\n' "$bl" | grep '198.18.1.10:8080' | grep -q 'status 500'; then
	pass "backend list: its last failure is status 500"
else
	fail "backend list does not give web-a's last failure (status 500)"
fi
m=$(curl -s --max-time 5 "http://$STEER_METRICS/metrics" || true)
if printf '%s\n' "$m" | grep '^steer_backend_up{' | grep '198.18.1.10:8080' | grep -q ' 0$'; then
	pass "metrics: steer_backend_up is 0 for web-a"
else
	fail "metrics: no steer_backend_up 0 for web-a: $(printf '%s\n' "$m" | grep '^steer_backend_up' | head -3)"
fi

echo ok >"$hf"
sleep 1.5                 # rise x interval_ms = 1 s
s=$(spread)
a=$(by_a "$s")
if [ "$a" != "?" ] && [ "$a" -ge 5 ]; then
	pass "web-a passing again: it serves $a of 40 new flows ($s)"
else
	fail "web-a passing again, yet it served '$a' of 40 ($s)"
fi
stats=$(stats_json)
check_counter "$stats" counters.health_checks -ge 10 "checks made"
e2e_end
