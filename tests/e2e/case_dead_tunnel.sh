#!/usr/bin/env bash
# A dead developer tunnel fails open to the cluster, as Telepresence does:
# with bob's server killed, requests intercepted for bob (bob-api, carol-bg)
# are served by web-a/web-b; the same for alice's VXLAN tunnel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "fail-open is a steerd decision"
e2e_begin dead_tunnel
cfg=$(e2e_config)
start_steerd "$cfg"

check_route "before: x-user: bob1, /api/x" bob -H 'x-user: bob1' "http://$ROUTER/api/x"
check_route "before: intercept header" alice -H 'x-telepresence-intercept-id: 7f3a:alice-web'

server_kill bob
say "      killed bob's server (198.18.1.21:9000 now answers SYN with RST)"
check_route "x-user: bob1, /api/x fails open" 'web-a|web-b' -H 'x-user: bob1' "http://$ROUTER/api/x"
check_route "baggage: devid=carol fails open" 'web-a|web-b' -H 'baggage: devid=carol'
check_route "again: x-user: bob2, /api/y" 'web-a|web-b' -H 'x-user: bob2' "http://$ROUTER/api/y"

server_kill alice
say "      killed alice's server (RST from inside the overlay)"
check_route "intercept header fails open" 'web-a|web-b' -H 'x-telepresence-intercept-id: 7f3a:alice-web'
check_route "preview host fails open" 'web-a|web-b' -H 'Host: alice-7f3a.preview.example.test'

stats=$(stats_json)
check_counter "$stats" counters.fail_opens -ge 5 "fail-opens counted"
e2e_end
