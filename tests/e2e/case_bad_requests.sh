#!/usr/bin/env bash
# The router answers bad request headers itself and closes; no backend ever
# sees them: 400 malformed, 431 header beyond header_max (16384), 408 header
# not complete within header_ms (1000 here, from 10000 in demo.conf).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "the router's own 400/408/431 answers"
e2e_begin bad_requests
cfg=$(e2e_config 's/header_ms *= *[0-9]*/header_ms = 1000/')
grep -q 'header_ms = 1000' "$cfg" || die "could not set header_ms in the config copy"
start_steerd "$cfg"

# backend_requests: requests answered by all servers so far.
backend_requests() {
	local line ns addr port n total=0
	for line in "${STEER_SERVERS[@]}"; do
		IFS='|' read -r _ ns addr port <<<"$line"
		n=$(json_get "$(ip netns exec "$ns" curl -s --max-time 5 "http://$addr:$port/stats" || true)" requests)
		total=$((total + ${n:-0}))
	done
	echo "$total"
}

# expect_status DESC CODE RESULT_JSON
expect_status() {
	local desc=$1 code=$2 r=$3 st closed
	st=$(json_get "$r" status)
	closed=$(json_get "$r" closed)
	if [ "$st" = "$code" ]; then
		pass "$desc -> $code"
	else
		fail "$desc -> '${st:-none}', expected $code (${r:0:300})"
	fi
	if [ "$closed" = true ]; then
		pass "$desc: router closed the connection"
	else
		fail "$desc: connection still open after the answer"
	fi
}

before=$(backend_requests)

r=$(client_raw --wait 5 --data 'GET / HTTP/1.1\r\nHost: a\r\nthis line has no colon\r\n\r\n')
expect_status "header line without a colon" 400 "$r"
r=$(client_raw --wait 5 --data 'HELLO\r\n\r\n')
expect_status "request line 'HELLO'" 400 "$r"
r=$(client_raw --wait 5 --data 'GET / HTTP/1.1\r\nHost: a\r\nX-Big: {A*20480}\r\n\r\n')
expect_status "20 KB header field" 431 "$r"
r=$(client_raw --wait 6 --data 'GET / HTTP/1.1\r\nHost: a\r\nX-Half: ')
expect_status "half a header, then silence" 408 "$r"
el_ms=$("$E2E_PYTHON" -c 'import json,sys; print(int(json.loads(sys.argv[1]).get("elapsed", 0)*1000))' "$r")
# Not before header_ms; not much after it either (1 ms timer ticks, plus
# whatever granularity the idle scan has).
if [ "$el_ms" -ge 900 ] && [ "$el_ms" -le 3500 ]; then
	pass "408 came after header_ms ($el_ms ms, header_ms 1000)"
else
	fail "408 after $el_ms ms, expected 1000-3500 (header_ms 1000)"
fi

after=$(backend_requests)
if [ "$after" = "$before" ]; then
	pass "no backend saw any of them ($after requests before and after)"
else
	fail "backends answered $((after - before)) requests during the bad ones"
fi
check_route "a good request still works" 'web-a|web-b'

stats=$(stats_json)
check_counter "$stats" counters.http_400 -ge 2 "400 counter"
check_counter "$stats" counters.http_431 -ge 1 "431 counter"
check_counter "$stats" counters.http_408 -ge 1 "408 counter"
check_counter "$stats" counters.backend_connects -le 1 "one backend connect (the good request)"
e2e_end
