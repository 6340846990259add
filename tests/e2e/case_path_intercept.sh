#!/usr/bin/env bash
# bob-api: header x-user matching regex ^bob AND path prefix /api/ (all
# matchers of an intercept must hold) -> bob's direct tunnel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "path intercepts are L7 decisions"
e2e_begin path_intercept
cfg=$(e2e_config)
start_steerd "$cfg"

check_route "x-user: bob1, /api/x" bob -H 'x-user: bob1' "http://$ROUTER/api/x"
check_route "x-user: bob1, /api/x?q=1 (query string)" bob -H 'x-user: bob1' "http://$ROUTER/api/x?q=1"
check_route "X-USER: bobby, /api/ (name case)" bob -H 'X-USER: bobby' "http://$ROUTER/api/"
check_route "x-user: bob1, /other (path does not hold)" 'web-a|web-b' -H 'x-user: bob1' "http://$ROUTER/other"
check_route "x-user: bob1, /apix (prefix is /api/)" 'web-a|web-b' -H 'x-user: bob1' "http://$ROUTER/apix"
check_route "x-user: alice, /api/x (regex does not hold)" 'web-a|web-b' -H 'x-user: alice' "http://$ROUTER/api/x"
check_route "x-user: xbob, /api/x (regex anchored)" 'web-a|web-b' -H 'x-user: xbob' "http://$ROUTER/api/x"
check_route "no x-user, /api/x" 'web-a|web-b' "http://$ROUTER/api/x"

stats=$(stats_json)
check_counter "$stats" intercepts.bob-api -ge 3 "bob-api's own counter"
e2e_end
