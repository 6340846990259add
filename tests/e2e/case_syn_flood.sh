#!/usr/bin/env bash
# A spoofed SYN flood (issue 9): synflood.py writes SYNs from random
# addresses in 198.19.128.0/17 onto the client link for 12 s (their
# SYN-ACKs go back to that link's MAC and die in the client namespace)
# while a real client sends 200 requests. Past syn_backlog half-open flows
# the worker answers with SYN cookies and keeps nothing, so >= 99 % of
# the real requests are answered, the flow table stays bounded and
# steerd's memory stays what it was.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "SYN cookies"
e2e_begin syn_flood
cfg=$(e2e_config)
start_steerd "$cfg"

rss() { awk '/^VmRSS/ {print $2}' "/proc/$STEERD_PID/status"; }
rss0=$(rss)
mac=$(cat /sys/class/net/st-edge0/address)
out="$E2E_TMP/synflood.json"
ip netns exec st-client "$E2E_PYTHON" "$E2E_DIR/synflood.py" --iface st-edge1 \
	--mac "$mac" --seconds 12 >"$out" 2>"$E2E_TMP/synflood.err" &
flood=$!
e2e_on_exit "kill $flood 2>/dev/null"
sleep 2

sum=$(client_many --count 200 --concurrency 10 --sources 198.18.0.10-20 --timeout 10 \
	--plan '{"path": "/", "expect": ["web-a", "web-b"]}')
ok=$(json_get "$sum" ok)
if [ "${ok:-0}" -ge 198 ]; then
	pass "$ok/200 real requests answered during the flood ($(json_get "$sum" elapsed_s) s)"
else
	fail "only ${ok:-0}/200 real requests answered; first failures: $(json_get "$sum" failures)"
fi
stats=$(stats_json)
rss1=$(rss)
wait "$flood" || true
say "      flood: $(cat "$out" 2>/dev/null || echo none) $(tail -n 2 "$E2E_TMP/synflood.err" 2>/dev/null)"
sent=$(json_get "$(cat "$out" 2>/dev/null || echo '{}')" sent)
if [ "${sent:-0}" -ge 20000 ]; then
	pass "the flood sent $sent SYNs"
else
	fail "the flood sent only ${sent:-0} SYNs: the test did not press the router"
fi
check_counter "$stats" counters.syn_cookies_sent -ge 1000 "SYNs answered with cookies"
check_counter "$stats" counters.flows_active -le 1300 "flow table bounded (syn_backlog 1024 + real flows)"
say "      drops: $("$E2E_PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]).get("drops",{}); print({k:v for k,v in d.items() if v} or "none")' "$stats")"
if [ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt 102400 ]; then
	pass "steerd's RSS ${rss0} -> ${rss1} kB (less than 100 MB more)"
else
	fail "steerd's RSS grew ${rss0} -> ${rss1} kB"
fi
e2e_end
