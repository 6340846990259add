#!/usr/bin/env bash
# Slowloris (issue 9): 3000 connections from 198.18.0.11-20 that trickle
# one header line a second and reconnect when cut off, while a real client
# on 198.18.0.10 sends 200 requests. The worker has 2048 header buffers:
# once they are taken, the slowest first headers held for over a second
# are answered 408 and lose theirs (header_evicted), so >= 99 % of the
# real requests are answered. steerd's memory stays what it was.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "header-buffer eviction"
e2e_begin slowloris
cfg=$(e2e_config)
start_steerd "$cfg"

rss() { awk '/^VmRSS/ {print $2}' "/proc/$STEERD_PID/status"; }
rss0=$(rss)
out="$E2E_TMP/slowloris.json"
(ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
 exec ip netns exec st-client "$E2E_PYTHON" "$E2E_DIR/slowloris.py" \
	--conns 3000 --seconds 22 --sources 198.18.0.11-20 >"$out" 2>"$E2E_TMP/slowloris.err") &
slow=$!
e2e_on_exit "kill $slow 2>/dev/null"
sleep 6                   # the attack is at full strength

sum=$(client_many --count 200 --concurrency 10 --sources 198.18.0.10-10 --timeout 10 \
	--plan '{"path": "/", "expect": ["web-a", "web-b"]}')
ok=$(json_get "$sum" ok)
if [ "${ok:-0}" -ge 198 ]; then
	pass "$ok/200 real requests answered during the slowloris ($(json_get "$sum" elapsed_s) s)"
else
	fail "only ${ok:-0}/200 real requests answered; first failures: $(json_get "$sum" failures)"
fi
stats=$(stats_json)
rss1=$(rss)
wait "$slow" || true
say "      slowloris: $(cat "$out" 2>/dev/null || echo none) $(tail -n 2 "$E2E_TMP/slowloris.err" 2>/dev/null)"
peak=$(json_get "$(cat "$out" 2>/dev/null || echo '{}')" peak)
if [ "${peak:-0}" -ge 2048 ]; then
	pass "the slowloris held $peak connections at once (more than the 2048 header buffers)"
else
	fail "the slowloris held only ${peak:-0} connections at once; the test did not press the buffers"
fi
check_counter "$stats" counters.header_evicted -ge 1 "slow headers evicted under pressure"
say "      drops: $("$E2E_PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]).get("drops",{}); print({k:v for k,v in d.items() if v} or "none")' "$stats")"
if [ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt 102400 ]; then
	pass "steerd's RSS ${rss0} -> ${rss1} kB (less than 100 MB more)"
else
	fail "steerd's RSS grew ${rss0} -> ${rss1} kB"
fi
e2e_end
