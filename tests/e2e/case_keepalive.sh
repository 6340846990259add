#!/usr/bin/env bash
# Per-request routing on keep-alive connections (listeners[].routing =
# "request", the default): every request on one client connection is
# decided by its own header, gets its own injected lines (X-Forwarded-For,
# a preview's intercept header) and may go to another destination than the
# request before it; the router closes the old backend leg and connects the
# new one between responses. Each scenario below is ONE client connection
# (the client port is checked on every request): http.client sequences
# (cluster/alice/bob), a preview browser session, curl with several URLs,
# three pipelined requests in one send(), POST bodies (Content-Length and
# chunked) and 3 MB responses before a switch, and an intercept added and
# removed while the connection stays open. keepalive.py holds the clients.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "per-request decisions are L7 decisions"
e2e_begin keepalive
cfg=$(e2e_config)
start_steerd "$cfg"

SENT=0   # requests sent, for counters.requests

# result LINE: one of keepalive.py's lines as a check (ok/FAIL), context
# (info) or its request count; RESULTS counts the checks of a scenario.
RESULTS=0
result() {
	case $1 in
	ok\ *) pass "${1#ok }"; RESULTS=$((RESULTS + 1)) ;;
	FAIL\ *) fail "${1#FAIL }"; RESULTS=$((RESULTS + 1)) ;;
	info\ *) say "      ${1#info }" ;;
	requests\ *) SENT=$((SENT + ${1#requests })) ;;
	*) say "      $1" ;;
	esac
}

# scenario NAME: one keepalive.py scenario in st-client; one that printed
# no check at all failed.
scenario() {
	local line t0
	say "   -- $1"
	t0=$(now_s)
	RESULTS=0
	while IFS= read -r line; do
		result "$line"
	done < <(ip netns exec st-client "$E2E_PYTHON" "$E2E_DIR/keepalive.py" \
		"$1" 2>"$E2E_TMP/$1.err" || true)
	[ "$RESULTS" -gt 0 ] || fail "$1: no result"
	say "      ($1: $(awk -v a="$t0" -v b="$(now_s)" 'BEGIN { printf "%.2f", b - a }') s)"
	if [ -s "$E2E_TMP/$1.err" ]; then
		say "      $1 stderr: $(head -c 600 "$E2E_TMP/$1.err")"
	fi
}

# ARP for every destination first: the first flow to a new next hop waits
# for it, and these checks are about keep-alive, not about that wait.
check_route "warm-up: cluster" 'web-a|web-b'
check_route "warm-up: alice" alice "${ALICE_ARGS[@]}"
check_route "warm-up: bob" bob -H 'x-user: bob' "http://$ROUTER/api/"
SENT=3

scenario sequence
scenario preview

# curl, five URLs on one connection; --next resets the per-URL options, so
# each URL carries its own headers.
say "   -- curl"
W='%{local_port} %{num_connects} %{http_code} %header{x-served-by}\n'
one=(-sS --max-time 10 -o /dev/null -w "$W")
curl_out=$(curl_from_client "${one[@]}" "http://$ROUTER/headers" \
	--next "${one[@]}" -H 'x-telepresence-intercept-id: 7f3a:alice-web' "http://$ROUTER/headers" \
	--next "${one[@]}" -H 'Host: alice-7f3a.preview.example.test' "http://$ROUTER/headers" \
	--next "${one[@]}" -H 'x-user: bob' "http://$ROUTER/api/items" \
	--next "${one[@]}" "http://$ROUTER/headers" 2>"$E2E_TMP/curl.err") || true
SENT=$((SENT + 5))
mapfile -t rows <<<"$curl_out"
want=(cluster alice alice bob cluster)
what=("plain" "intercept header" "preview host" "x-user: bob + /api/" "plain again")
port0='' web0=''
for i in 0 1 2 3 4; do
	read -r lport nconn code by <<<"${rows[$i]:-- - 000 -}"
	[ -n "$port0" ] || port0=$lport
	exp=${want[$i]}
	if [ "$exp" = cluster ]; then
		[ -n "$web0" ] || web0=$by
		exp=$web0
		[[ $exp =~ ^web-[ab]$ ]] || exp='web-a|web-b'
	fi
	conns=$([ "$i" = 0 ] && echo 1 || echo 0)
	if [[ $code == 2?? ]] && [[ $by =~ ^($exp)$ ]] && [ "$lport" = "$port0" ] &&
		[ "$nconn" = "$conns" ]; then
		pass "curl URL $((i + 1)) (${what[$i]}) -> $by (port $lport, new connections $nconn)"
	else
		fail "curl URL $((i + 1)) (${what[$i]}) -> HTTP $code from '$by', port $lport, new connections $nconn (expected $exp, port $port0, $conns)"
	fi
done
[ -s "$E2E_TMP/curl.err" ] && say "      curl stderr: $(head -c 300 "$E2E_TMP/curl.err")"

scenario pipeline
scenario post
scenario big

# An intercept added and removed while one connection stays open: the
# request after each change is decided by the rules then in force.
say "   -- rules"
if [ -n "${STEERCTL:-}" ] && [ -x "$STEERCTL" ]; then
	mkfifo "$E2E_TMP/rules.in" "$E2E_TMP/rules.out"
	ip netns exec st-client "$E2E_PYTHON" "$E2E_DIR/keepalive.py" rules \
		<"$E2E_TMP/rules.in" >"$E2E_TMP/rules.out" 2>"$E2E_TMP/rules.err" &
	RULES_PID=$!
	e2e_on_exit "kill $RULES_PID"
	# The same order as the child's opens: no deadlock on the FIFOs.
	exec {to_ka}>"$E2E_TMP/rules.in" {from_ka}<"$E2E_TMP/rules.out"
	# change ARGS...: one steerctl call, checked; then the client goes on.
	change() {
		local out rc=0
		out=$(steerctl_run "$@" 2>&1) || rc=$?
		if [ "$rc" = 0 ]; then
			pass "steerctl $* (generation $(generation))"
		else
			fail "steerctl $*: exit $rc: $out"
		fi
		echo go >&"$to_ka"
	}
	RESULTS=0
	while IFS= read -r -t 30 -u "$from_ka" line; do
		case $line in
		"wait add") change intercept add dave-web --service web --tunnel bob --header x-dave=1 ;;
		"wait remove") change intercept remove dave-web ;;
		*) result "$line" ;;
		esac
	done
	[ "$RESULTS" -gt 0 ] || fail "rules: no result"
	exec {to_ka}>&- {from_ka}<&-
	wait "$RULES_PID" || true
	[ -s "$E2E_TMP/rules.err" ] && say "      rules stderr: $(head -c 600 "$E2E_TMP/rules.err")"
else
	warn "no STEERCTL: the rule change on an open connection is not checked"
fi

# Counters: every request was framed and counted, connections switched
# legs and kept them, and nothing was reset on the way.
stats=$(stats_json)
check_counter "$stats" counters.requests -ge "$SENT" "every request counted ($SENT sent)"
check_counter "$stats" counters.rebinds -gt 0 "requests moved a connection to another leg"
check_counter "$stats" counters.pool_reuses -gt 0 "requests went on an idle backend leg from the pool (no handshake)"
check_counter "$stats" counters.requests_same_leg -gt 0 "requests stayed on the connection's leg"
check_counter "$stats" counters.closed_rst_client -eq 0 "no client reset a flow"
check_counter "$stats" counters.closed_rst_backend -eq 0 "no backend reset a flow"
check_counter "$stats" counters.http_502 -eq 0 "no 502"
check_counter "$stats" counters.fail_opens -eq 0 "no tunnel failed open"
check_counter "$stats" drops.req_framing -eq 0 "no request framing error"
check_counter "$stats" drops.resp_framing -eq 0 "no response framing error"
check_counter "$stats" drops.resp_unsolicited -eq 0 "no unsolicited backend bytes"
# Not 0: wait_ready's probe may be cut (timeout 1) in its handshake.
check_counter "$stats" drops.tcp_no_flow -le 2 "segments of no flow"
check_counter "$stats" counters.rst_sent -le 2 "resets sent"
# Recovered by the client's retransmissions, so not a verdict; but each
# costs the connection at least one retransmission timeout (200 ms+).
for d in tcp_out_of_window frame_ooo req_wait; do
	v=$(json_get "$stats" "drops.$d")
	if [ -n "$v" ] && [ "$v" != 0 ]; then
		warn "drops.$d = $v (client segments refused; the client had to retransmit them)"
	fi
done
say "      counters: $("$E2E_PYTHON" -c 'import json,sys; c=json.loads(sys.argv[1]).get("counters",{}); print({k:c.get(k) for k in ("requests","requests_same_leg","rebinds","requests_held","legs_closed","legs_backend_closed","pool_parked","pool_reuses","backend_connects","flows_created","rst_sent","retransmits")})' "$stats")"
say "      drops: $("$E2E_PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]).get("drops",{}); print({k:v for k,v in d.items() if v} or "none")' "$stats")"
e2e_end
