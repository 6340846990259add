#!/usr/bin/env bash
# Listener routes pick the service before intercepts are looked at:
# Host api.example.test + path prefix /v2/ -> service api (198.18.1.12).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "listener routes are L7 decisions"
e2e_begin listener_routes
cfg=$(e2e_config)
start_steerd "$cfg"

A=api.example.test
check_route "Host: $A, /v2/x" api -H "Host: $A" "http://$ROUTER/v2/x"
check_route "Host: $A, /v2/ (prefix itself)" api -H "Host: $A" "http://$ROUTER/v2/"
check_route "Host: API.Example.Test, /v2/x (host case)" api -H "Host: API.Example.Test" "http://$ROUTER/v2/x"
check_route "Host: $A, /v1/x (path does not hold)" 'web-a|web-b' -H "Host: $A" "http://$ROUTER/v1/x"
check_route "Host: www.example.test, /v2/x (host does not hold)" 'web-a|web-b' -H "Host: www.example.test" "http://$ROUTER/v2/x"
# alice-web intercepts service web; this request belongs to service api.
check_route "Host: $A, /v2/x with alice's intercept header" api \
	-H "Host: $A" -H 'x-telepresence-intercept-id: 7f3a:alice-web' "http://$ROUTER/v2/x"
check_route "no Host match: default service web" 'web-a|web-b' "http://$ROUTER/v2/x"

# FullNAT towards the api backend too (the default GET answer names the
# peer it saw).
body=$(curl_from_client -H "Host: $A" "http://$ROUTER/v2/whoami" || true)
sb=$(json_get "$body" served_by)
client=$(json_get "$body" client)
if [ "$sb" = api ] && [[ $client == 198.18.1.1:* ]]; then
	pass "api sees the router's address ($client)"
else
	fail "Host: $A /v2/whoami: served by '$sb', peer '$client' (expected api, 198.18.1.1:*)"
fi

stats=$(stats_json)
check_counter "$stats" counters.decisions_intercept -eq 0 "no intercept decisions"
e2e_end
