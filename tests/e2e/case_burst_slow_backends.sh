#!/usr/bin/env bash
# A burst at slow backends (issue 9): 300 connections at once to web-a and
# web-b, restarted with a listen backlog of 5 and a 20 ms answer, with
# connect_ms = 1000. The backends' kernels drop SYNs their full accept
# queues cannot take; the router retransmits its SYN (doubling from
# syn_rto_ms) and retries, as a kernel client would, so every request is
# answered and none gets a 503. One round with one worker; two with two
# workers and max_conns, where the router's queue smooths the burst.
# (A backend kernel whose accept queue is full also drops the handshake's
# last ACK and retransmits its SYN-ACK seconds later: some requests take
# that long, for a kernel client too; the clients wait up to 60 s.)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerd "the router's connect policy"
e2e_begin burst_slow_backends

for b in web-a web-b; do
	server_restart "$b" --backlog 5 --delay-ms 20 || die "restart $b with backlog 5"
done

burst() {                 # burst ROUND-NAME
	local sum ok
	sum=$(client_many --count 300 --hold --sources 198.18.0.10-20 --timeout 60 \
		--plan '{"path": "/", "expect": ["web-a", "web-b"]}')
	ok=$(json_get "$sum" ok)
	if [ "$ok" = 300 ]; then
		pass "$1: 300/300 answered by web-a/web-b in $(json_get "$sum" elapsed_s) s"
	else
		fail "$1: ${ok:-0}/300 answered; first failures: $(json_get "$sum" failures)"
		steerctl_run flows --limit 10 2>&1 | sed 's/^/      /'
		steerctl_run backend list 2>&1 | sed 's/^/      /'
		steerctl_run stats 2>&1 | sed 's/^/      /'
	fi
}

cfg=$(e2e_config 's/connect_ms = [0-9]*/connect_ms = 1000/')
grep -q 'connect_ms = 1000' "$cfg" || die "config edit failed"
start_steerd "$cfg"
burst "one worker"
stats=$(stats_json)
check_counter "$stats" counters.http_503 -eq 0 "no 503"
check_counter "$stats" counters.syn_retransmits -ge 1 "SYNs were retransmitted (the backlog did overflow)"
say "      retries: $(json_get "$stats" counters.backend_retries), SYN retransmissions: $(json_get "$stats" counters.syn_retransmits)"
stop_steerd

ncpu=$(nproc)
# Two workers, and the web backends limited to 16 connections each
# (max_conns, split between the workers): the burst waits in the router's
# queue instead of overflowing the backends' accept queues.
cfg=$(e2e_config 's/connect_ms = [0-9]*/connect_ms = 1000/' \
	's|{ address = "198.18.1.1\([01]\):8080";|{ address = "198.18.1.1\1:8080"; max_conns = 16;|g' \
	's/workers = 1;/workers = 2;/' \
	's/iface=st-edge0"/iface=st-edge0,qpairs=2"/' \
	's/iface=st-inner0"/iface=st-inner0,qpairs=2"/' \
	"s/\"--no-pci\",/\"--no-pci\", \"--lcores=(0-2)@(0-$((ncpu - 1)))\",/")
grep -q 'workers = 2;' "$cfg" && [ "$(grep -c 'max_conns = 16;' "$cfg")" = 2 ] ||
	die "config edit failed"
start_steerd "$cfg"
burst "two workers, max_conns 16"
burst "two workers, max_conns 16, again"
stats=$(stats_json)
check_counter "$stats" counters.http_503 -eq 0 "no 503 with two workers"
check_counter "$stats" drops.tcp_no_flow -le 2 "no segment of a live flow reset"
check_counter "$stats" counters.queued -ge 1 "requests waited for a backend connection"
e2e_end
