#!/usr/bin/env bash
# 1000 connections open at once through the router (all connected before
# any request is sent), a mix of plain, header, path, baggage and listener
# route requests; every one must be answered by the server its rules name.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin concurrent_1000
cfg=$(e2e_config)
start_steerd "$cfg"

if standin; then
	# One stand-in port per destination (topo.sh standin_up).
	plan='[{"path": "/", "expect": ["web-a", "web-b"]},
	       {"path": "/", "port": 81, "expect": ["alice"]},
	       {"path": "/api/x", "port": 82, "expect": ["bob"]},
	       {"path": "/v2/x", "port": 83, "expect": ["api"]}]'
else
	plan='[{"path": "/", "expect": ["web-a", "web-b"]},
	       {"path": "/", "headers": {"x-telepresence-intercept-id": "7f3a:alice-web"}, "expect": ["alice"]},
	       {"path": "/api/x", "headers": {"x-user": "bob7"}, "expect": ["bob"]},
	       {"path": "/", "headers": {"baggage": "devid=carol"}, "expect": ["bob"]},
	       {"path": "/v2/x", "headers": {"Host": "api.example.test"}, "expect": ["api"]},
	       {"path": "/", "headers": {"Host": "alice-7f3a.preview.example.test"}, "expect": ["alice"]}]'
fi

sum=$(client_many --count 1000 --hold --sources 198.18.0.10-20 --timeout 60 --plan "$plan")
ok=$(json_get "$sum" ok)
if [ "$ok" = 1000 ]; then
	pass "1000/1000 concurrent requests answered by the right server in $(json_get "$sum" elapsed_s) s"
else
	fail "${ok:-0}/1000 concurrent requests right"
	say "      first failures: $(json_get "$sum" failures)"
fi
say "      served by: $(json_get "$sum" served_by)"

stats=$(stats_json)
check_counter "$stats" counters.flows_created -ge 1000 "flows created"
check_counter "$stats" drops.flow_table_full -eq 0 "no SYN refused for a full table"
check_counter "$stats" drops.hdr_buffers_full -eq 0 "no SYN refused for header buffers"
if ! standin; then
	# Not a verdict: print the drop reasons that fired, for the log.
	say "      drops: $("$E2E_PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]).get("drops",{}); print({k:v for k,v in d.items() if v} or "none")' "$stats")"
fi
e2e_end
