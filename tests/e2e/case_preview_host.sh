#!/usr/bin/env bash
# Preview URLs: Host alice-7f3a.preview.example.test -> alice, with the
# intercept header (x-telepresence-intercept-id: 7f3a:alice-web) injected so
# that services deeper in the stack can propagate it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "preview hosts are L7 decisions"
e2e_begin preview_host
cfg=$(e2e_config)
start_steerd "$cfg"

P=alice-7f3a.preview.example.test
check_route "Host: $P" alice -H "Host: $P"
# RFC 9110 4.2.3: host names compare case-insensitively.
check_route "Host: ALICE-7F3A.Preview.Example.Test" alice -H "Host: ALICE-7F3A.Preview.Example.Test"
check_route "Host: bob-0000.preview.example.test (no such preview)" 'web-a|web-b' -H "Host: bob-0000.preview.example.test"
check_route "Host: alice-7f3a.example.test (not under the domain)" 'web-a|web-b' -H "Host: alice-7f3a.example.test"
read -r code name < <(served_by -H "Host: $P:80" "http://$ROUTER/")
if [ "$name" = alice ]; then
	pass "Host: $P:80 (explicit port) -> alice"
else
	warn "Host: $P:80 (explicit port) -> HTTP $code from '$name', expected alice"
fi

body=$(curl_from_client -H "Host: $P" "http://$ROUTER/headers" || true)
sb=$(json_get "$body" served_by)
hv=$(json_get "$body" h.x-telepresence-intercept-id)
if [ "$sb" = alice ] && [ "$hv" = "7f3a:alice-web" ]; then
	pass "alice received the injected x-telepresence-intercept-id: $hv"
else
	fail "GET /headers via preview: served by '$sb', x-telepresence-intercept-id '$hv' (expected alice, 7f3a:alice-web)"
	say "      headers: $(json_get "$body" headers)"
fi
host=$(json_get "$body" h.host)
if [ "$host" = "$P" ]; then
	pass "Host header kept: $host"
else
	fail "Host header changed to '$host'"
fi

stats=$(stats_json)
check_counter "$stats" counters.decisions_preview -ge 3 "preview decisions"
e2e_end
