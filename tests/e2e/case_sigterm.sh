#!/usr/bin/env bash
# SIGUSR1 writes the counters as JSON; SIGTERM makes steerd exit 0 within
# 5 s, even with a client connection half-way through its header, and
# write the counters once more.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "signals are steerd's"
e2e_begin sigterm
cfg=$(e2e_config)
start_steerd "$cfg"

check_route "a request before the signal" 'web-a|web-b'

stats=$(stats_json)
if [ "$(json_get "$stats" counters)" != "" ]; then
	pass "SIGUSR1: stats file holds a JSON object with counters"
else
	fail "SIGUSR1: no JSON object with \"counters\" in $STEER_STATS: $(head -c 300 "$STEER_STATS" 2>/dev/null)"
fi
check_counter "$stats" counters.flows_created -ge 1 "flows counted"

# A client stuck in the header phase (header_ms is 10 s) must not hold up
# the exit.
client_raw --wait 8 --data 'GET / HTTP/1.1\r\nHost: a\r\n' >/dev/null 2>&1 &
disown $!   # the teardown kills it; no "Terminated" notice
sleep 0.5
pid=$STEERD_PID
t0=$(date +%s%N)
stop_steerd 5
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$STEERD_RC" = 0 ]; then
	pass "SIGTERM: steerd (pid $pid) exited 0 after $ms ms"
else
	fail "SIGTERM: exit status '$STEERD_RC' after $ms ms (expected 0 within 5 s)"
fi
final=$(_json_last "$STEER_STATS" 2>/dev/null || true)
if [ -n "$(json_get "$final" counters)" ]; then
	pass "counters written at exit"
else
	fail "no counters JSON in $STEER_STATS after exit"
fi
check_counter "$final" counters.flows_created -ge 2 "exit counters include the pending flow"
e2e_end
