#!/usr/bin/env bash
# The default Telepresence intercept header, x-telepresence-intercept-id:
# 7f3a:alice-web, sends a request to alice's workstation through the VXLAN
# tunnel (VNI 42); any other value, or none, stays in the cluster.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "header intercepts are L7 decisions"
e2e_begin intercept_header
cfg=$(e2e_config)
start_steerd "$cfg"

H=x-telepresence-intercept-id
check_route "$H: 7f3a:alice-web" alice -H "$H: 7f3a:alice-web"
# RFC 9110 5.1: field names are case-insensitive.
check_route "same header, mixed-case name" alice -H "X-Telepresence-Intercept-Id: 7f3a:alice-web"
# RFC 9110 5.5: whitespace around a field value is not part of it.
check_route "same header, padded value" alice -H "$H:   7f3a:alice-web  "
check_route "another session's id (0000:alice-web)" 'web-a|web-b' -H "$H: 0000:alice-web"
check_route "value with a suffix (exact match)" 'web-a|web-b' -H "$H: 7f3a:alice-web2"
check_route "no intercept header" 'web-a|web-b'

# Alice's server sees the router's overlay address (tunnel source), since
# spliced packets leave as inner frames from 'source' (DESIGN: tunnels).
body=$(curl_from_client -H "$H: 7f3a:alice-web" "http://$ROUTER/headers" || true)
client=$(json_get "$body" client)
if [[ $client == 198.19.0.1:* ]]; then
	pass "alice sees the tunnel source 198.19.0.1 ($client)"
else
	fail "alice sees client '$client', expected 198.19.0.1:*"
fi
hv=$(json_get "$body" "h.$H")
if [ "$hv" = "7f3a:alice-web" ]; then
	pass "the intercept header reaches alice unchanged"
else
	fail "alice got $H='$hv'"
fi

stats=$(stats_json)
check_counter "$stats" counters.decisions_intercept -ge 4 "intercept decisions"
check_counter "$stats" intercepts.alice-web -ge 4 "alice-web's own counter"
# steerd started afresh: its first frames to each next hop (web backends,
# alice inside the overlay, the VTEP) waited for ARP instead of being lost
check_counter "$stats" drops.neigh_unresolved -eq 0 "no frame to a fresh next hop dropped"
e2e_end
