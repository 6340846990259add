#!/usr/bin/env bash
# A dead cluster backend costs no request: with web-a's server killed
# (connect -> RST) and then its address gone (connect -> timeout,
# connect_ms 2000), every request is answered by web-b.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "the stand-in has no backend retry"
e2e_begin dead_backend
cfg=$(e2e_config)
start_steerd "$cfg"

check_route "before: plain request" 'web-a|web-b'
server_kill web-a
say "      killed web-a's server (198.18.1.10:8080 now answers SYN with RST)"
sum=$(client_many --count 30 --concurrency 1 --sources 198.18.0.10-20 --timeout 15 \
	--plan '{"path": "/", "expect": ["web-b"]}')
ok=$(json_get "$sum" ok)
if [ "$ok" = 30 ]; then
	pass "30/30 requests answered by web-b"
else
	fail "${ok:-0}/30 requests answered by web-b: $(json_get "$sum" served_by) $(json_get "$sum" failures)"
fi

# Now nothing answers at all at 198.18.1.10: SYNs vanish, the router must
# give up after connect_ms and try the next backend.
ip -n st-be addr del 198.18.1.10/24 dev st-be0
say "      removed 198.18.1.10 (SYNs to it go unanswered)"
sum=$(client_many --count 10 --concurrency 5 --sources 198.18.0.10-20 --timeout 20 \
	--plan '{"path": "/", "expect": ["web-b"]}')
ok=$(json_get "$sum" ok)
if [ "$ok" = 10 ]; then
	pass "10/10 requests answered by web-b in $(json_get "$sum" elapsed_s) s"
else
	fail "${ok:-0}/10 requests answered by web-b: $(json_get "$sum" served_by) $(json_get "$sum" failures)"
fi

stats=$(stats_json)
check_counter "$stats" counters.backend_retries -ge 1 "retries counted"
e2e_end
