#!/usr/bin/env bash
# Two workers: each port gets two af_packet queue pairs (the kernel's
# fanout hash spreads frames over them), so a backend's reply often
# arrives at the worker that does not own the flow's source port and must
# be handed over the owner's ring. Plain, intercepted (VXLAN) and large
# requests must all still work, and the hand-off must have happened.
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

stats=$(stats_json)
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
