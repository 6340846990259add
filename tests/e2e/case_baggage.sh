#!/usr/bin/env bash
# carol-bg: W3C baggage member devid=carol -> bob's tunnel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "baggage intercepts are L7 decisions"
e2e_begin baggage
cfg=$(e2e_config)
start_steerd "$cfg"

check_route "baggage: devid=carol" bob -H 'baggage: devid=carol'
check_route "baggage: userid=x,devid=carol (second member)" bob -H 'baggage: userid=x,devid=carol'
# W3C Baggage: list-member = key OWS "=" OWS value *( OWS ";" OWS property )
check_route "baggage: devid=carol;ttl=30 (member property)" bob -H 'baggage: devid=carol;ttl=30'
check_route "baggage: a=1, devid = carol (OWS)" bob -H 'baggage: a=1, devid = carol'
check_route "Baggage: devid=carol (name case)" bob -H 'Baggage: devid=carol'
check_route "baggage: devid=carolyn (other value)" 'web-a|web-b' -H 'baggage: devid=carolyn'
check_route "baggage: xdevid=carol (other key)" 'web-a|web-b' -H 'baggage: xdevid=carol'
check_route "x-devid: carol (not baggage)" 'web-a|web-b' -H 'x-devid: carol'
check_route "no baggage" 'web-a|web-b'

stats=$(stats_json)
check_counter "$stats" intercepts.carol-bg -ge 5 "carol-bg's own counter"
e2e_end
