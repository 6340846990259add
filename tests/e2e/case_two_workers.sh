#!/usr/bin/env bash
# Two workers: each port gets two af_packet queue pairs (the kernel's
# fanout hash spreads frames over them), so a backend's reply often
# arrives at the worker that does not own the flow's source port and must
# be handed over the owner's ring; so may a client's segment (the fanout
# does not keep a flow on one queue), which goes to the worker that owns
# its tuple. Plain, intercepted (VXLAN) and large requests, 8 MB uploads
# and keep-alive connections switching targets must all work, nothing may
# be reset, and the hand-off must have happened.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin two_workers
needs_steerd "two workers"
# Three lcores (main + 2 workers) on this machine's CPUs.
ncpu=$(nproc)
cfg=$(e2e_config \
	's/workers = 1;/workers = 2;/' \
	's/iface=st-edge0"/iface=st-edge0,qpairs=2"/' \
	's/iface=st-inner0"/iface=st-inner0,qpairs=2"/' \
	"s/\"--no-pci\",/\"--no-pci\", \"--lcores=(0-2)@(0-$((ncpu - 1)))\",/")
grep -q 'workers = 2;' "$cfg" || die "config edit failed"
start_steerd "$cfg"

sum=$(client_many --count 200 --concurrency 20 --sources 198.18.0.10-20 \
	--plan '{"path": "/", "expect": ["web-a", "web-b"]}')
ok=$(json_get "$sum" ok)
if [ "$ok" = 200 ]; then
	pass "200/200 plain requests over 2 workers"
else
	fail "only ${ok:-0}/200 plain requests: $(json_get "$sum" failures)"
fi

sum=$(client_many --count 50 --concurrency 10 --sources 198.18.0.10-20 \
	--plan '{"path": "/", "headers": {"x-telepresence-intercept-id": "7f3a:alice-web"}, "expect": ["alice"]}')
ok=$(json_get "$sum" ok)
if [ "$ok" = 50 ]; then
	pass "50/50 intercepted requests reach alice over VXLAN"
else
	fail "only ${ok:-0}/50 intercepted requests: $(json_get "$sum" failures)"
fi

want=$(pattern_sha256 20000000)
got=$(ip netns exec st-client curl -s --max-time 60 "http://$ROUTER/bytes/20000000" | sha256sum | cut -d' ' -f1)
if [ "$got" = "$want" ]; then
	pass "20 MB GET intact"
else
	fail "20 MB GET sha256 $got, expected $want"
fi

# Issue 9: with two workers, 5 of 8 uploads of 8 MB were reset (client
# segments on the worker that did not own their flow got an RST).
N=$((8 * 1024 * 1024))
body="$E2E_TMP/post.bin"
"$E2E_PYTHON" "$E2E_DIR/server.py" --pattern "$N" >"$body"
want=$(sha256sum "$body" | cut -d' ' -f1)
good=0
for i in 1 2 3 4 5 6 7 8; do
	extra=()
	[ $((i % 2)) = 0 ] && extra=(-H 'Transfer-Encoding: chunked')
	out=$(curl_from_client --max-time 60 --data-binary "@$body" \
		-H 'Content-Type: application/octet-stream' "${extra[@]}" \
		"http://$ROUTER/upload" 2>&1 || true)
	if [ "$(json_get "$out" sha256)" = "$want" ] && [ "$(json_get "$out" length)" = "$N" ]; then
		good=$((good + 1))
	else
		say "      upload $i: ${out:0:200}"
	fi
done
if [ "$good" = 8 ]; then
	pass "8/8 uploads of 8 MB intact over 2 workers (Content-Length and chunked)"
else
	fail "only $good/8 uploads of 8 MB intact"
fi

# Keep-alive connections whose requests switch between the cluster and
# the tunnels: each request decided on the worker that owns the flow.
ka=$(ip netns exec st-client "$E2E_PYTHON" - "$ROUTER" <<'PY'
import http.client, json, sys
host = sys.argv[1]
ok = bad = 0
for c in range(20):
    conn = http.client.HTTPConnection(host, timeout=10)
    for i in range(6):
        h = {"x-telepresence-intercept-id": "7f3a:alice-web"} if i % 2 else {}
        conn.request("GET", "/headers", headers=h)
        r = conn.getresponse()
        sb = json.loads(r.read()).get("served_by")
        want = ("alice",) if i % 2 else ("web-a", "web-b")
        ok, bad = (ok + 1, bad) if sb in want else (ok, bad + 1)
    conn.close()
print(ok, bad)
PY
)
read -r ka_ok ka_bad <<<"$ka"
if [ "${ka_ok:-0}" = 120 ] && [ "${ka_bad:-1}" = 0 ]; then
	pass "120/120 keep-alive requests switching targets routed right over 2 workers"
else
	fail "keep-alive over 2 workers: ${ka_ok:-0} right, ${ka_bad:-?} wrong"
fi

stats=$(stats_json)
check_counter "$stats" counters.rebinds -gt 0 "keep-alive requests re-bound"
# The readiness probe may be cut mid-handshake: allow its two.
check_counter "$stats" drops.tcp_no_flow -le 2 "no segment of a live flow met no flow"
check_counter "$stats" counters.closed_rst_client -eq 0 "no client reset a flow"
check_counter "$stats" counters.handoffs -gt 0 "backend replies handed to the owning worker"
w0=$(json_get "$stats" workers.0.counters.flows_created)
w1=$(json_get "$stats" workers.1.counters.flows_created)
if [ "${w0:-0}" -gt 0 ] && [ "${w1:-0}" -gt 0 ]; then
	pass "both workers created flows (worker 0: $w0, worker 1: $w1)"
else
	fail "flows not spread over workers: worker 0 ${w0:-0}, worker 1 ${w1:-0}"
fi
check_counter "$stats" drops.handoff_full -eq 0 "no hand-off ring overflow"
e2e_end
