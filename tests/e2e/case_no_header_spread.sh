#!/usr/bin/env bash
# Requests with no developer context go to the web service's cluster
# backends; 50 new connections (from 11 client addresses, in case the hash
# only looks at the client address) must use both web-a and web-b.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin no_header_spread
cfg=$(e2e_config)
start_steerd "$cfg"

sum=$(client_many --count 50 --concurrency 1 --sources 198.18.0.10-20 \
	--plan '{"path": "/", "expect": ["web-a", "web-b"]}')
ok=$(json_get "$sum" ok)
a=$(json_get "$sum" served_by.web-a)
b=$(json_get "$sum" served_by.web-b)
if [ "$ok" = 50 ]; then
	pass "50/50 plain requests answered by web-a/web-b (web-a ${a:-0}, web-b ${b:-0})"
else
	fail "only ${ok:-0}/50 plain requests answered by web-a/web-b: $(json_get "$sum" served_by)"
	say "$(json_get "$sum" failures)"
fi
if [ "${a:-0}" -gt 0 ] && [ "${b:-0}" -gt 0 ]; then
	pass "both cluster backends used"
else
	fail "backends not spread: web-a ${a:-0}, web-b ${b:-0}"
fi

# FullNAT: the backend sees the router's inner address, not the client.
body=$(curl_from_client "http://$ROUTER/headers" || true)
client=$(json_get "$body" client)
if [[ $client == 198.18.1.1:* ]]; then
	pass "backend sees the router's address 198.18.1.1 ($client)"
else
	fail "backend sees '$client', expected 198.18.1.1:* (FullNAT)"
fi
# The design names X-Forwarded-For as an injected header (an example, so
# its absence is only a warning).
xff=$(json_get "$body" h.x-forwarded-for)
if standin; then
	:
elif [ -z "$xff" ]; then
	warn "no X-Forwarded-For injected"
elif [[ $xff == *"$CLIENT"* ]]; then
	pass "X-Forwarded-For: $xff"
else
	fail "X-Forwarded-For is '$xff', expected to contain $CLIENT"
fi

stats=$(stats_json)
check_counter "$stats" counters.decisions_default -ge 51 "default decisions"
check_counter "$stats" counters.decisions_intercept -eq 0 "no intercept decisions"
e2e_end
