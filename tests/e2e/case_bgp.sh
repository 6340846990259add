#!/usr/bin/env bash
# Two Steer nodes behind an ECMP router, their VIP announced over BGP
# (docs/scale-out.md, "Routing: BGP and ECMP"):
#
#   sbc  client 198.18.3.2 (+ .3-.9), default via 198.18.3.1
#    |
#   sbr  router: BIRD (AS 65000) with "merge paths on",
#        fib_multipath_hash_policy = 1; bridge sbbr0 198.18.0.254/24
#    |         |  (one BGP session per node)
#   sbn1      sbn2   node: steerd (edge 198.18.0.1 / .2 on sbnNe, inner
#    |         |     198.18.1.1 / .2 on sbnNi, af_packet), BIRD (AS 6500N,
#    |         |     198.18.0.11 / .12 on sbnNm) and steer-bgp-hook
#   sbb  backends web-a 198.18.1.10:8080, web-b 198.18.1.11:8080 on
#        bridge sbbb0
#
# Checks: the VIP 198.18.2.1/32 gets two next hops on the router; requests
# from many client ports spread over both nodes (each node's flows_created)
# and each is served by a backend; stopping one steerd withdraws its next
# hop (time measured and printed) and new requests still succeed; starting
# it again re-announces. Its own topology: every name starts with "sb", so
# it cannot collide with the main suite's st-* or others' names. Needs root,
# bird2 (bird, birdc), curl, python3; else exits 77.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STEER_SRC=${STEER_SRC:-$(cd "$E2E_DIR/../.." && pwd)}
if [ -z "${STEERCTL:-}" ] && [ -n "${STEERD:-}" ] &&
	[ -x "$(dirname "$STEERD")/../ctrl/steerctl" ]; then
	STEERCTL=$(cd "$(dirname "$STEERD")/../ctrl" && pwd)/steerctl
fi
HOOK=$STEER_SRC/ctrl/steer-bgp-hook
VIP=198.18.2.1
NS=(sbc sbr sbn1 sbn2 sbb)
CHECKS=0
FAILS=0
TMP=
declare -A STEERD_PID=() HOOK_PID=()

. "$E2E_DIR/nodes.sh"

say "== e2e bgp"
# The harness self-test's kernel stand-in router cannot stand in for two
# nodes and BGP.
[ "${STEER_STANDIN:-0}" = 1 ] && skip "stand-in mode: needs two steerd nodes"
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, veths)"
for t in ip bird birdc curl python3 setsid timeout ethtool; do
	command -v "$t" >/dev/null || skip "needs $t (bird2 for bird/birdc)"
done
[ -x "${STEERD:-}" ] || skip "needs STEERD (meson passes it)"
[ -x "${STEERCTL:-}" ] || skip "needs STEERCTL"

cleanup() {
	local rc=$? n ns
	trap - EXIT
	for n in "${!HOOK_PID[@]}"; do _kill "${HOOK_PID[$n]}"; done
	for n in "${!STEERD_PID[@]}"; do _kill "${STEERD_PID[$n]}"; done
	for ns in sbr sbn1 sbn2; do
		[ -n "$TMP" ] || continue
		# The pid first: "down" removes the pid file as BIRD exits.
		bp=$(cat "$TMP/$ns.bird.pid" 2>/dev/null || true)
		if [ -S "$TMP/$ns.bird.ctl" ]; then
			birdc -s "$TMP/$ns.bird.ctl" down >/dev/null 2>&1 || true
		fi
		[ -z "$bp" ] || _kill "$bp"
	done
	for p in "$TMP"/*.srv.pid; do
		[ -r "$p" ] && _kill "$(cat "$p")"
	done
	for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "/var/run/dpdk/sbn1-e2e-$$" "/var/run/dpdk/sbn2-e2e-$$"
	if [ $FAILS -gt 0 ] && [ -n "$TMP" ]; then
		for f in "$TMP"/*.log; do
			[ -s "$f" ] && { say "--- $f"; tail -n 20 "$f"; }
		done
	fi
	[ -n "$TMP" ] && [ "${E2E_KEEP_TMP:-0}" != 1 ] && rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Leftovers of a crashed run of this case (names are ours alone).
for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
TMP=$(mktemp -d /tmp/steer-e2e-bgp.XXXXXX)

# --- topology -------------------------------------------------------------

for ns in "${NS[@]}"; do ns_up "$ns"; done
ip netns exec sbr sysctl -qw net.ipv4.ip_forward=1
# ECMP over L4: each client port may take another node.
ip netns exec sbr sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ip -n sbr link add sbbr0 type bridge
ip -n sbr addr add 198.18.0.254/24 dev sbbr0
ip -n sbr link set sbbr0 up
veth sbc sbc0 sbr sbrc
ip -n sbc addr add 198.18.3.2/24 dev sbc0
for i in 3 4 5 6 7 8 9; do ip -n sbc addr add "198.18.3.$i/24" dev sbc0; done
ip -n sbc route add default via 198.18.3.1
ip -n sbr addr add 198.18.3.1/24 dev sbrc
ip -n sbb link add sbbb0 type bridge
ip -n sbb addr add 198.18.1.10/24 dev sbbb0
ip -n sbb addr add 198.18.1.11/24 dev sbbb0
ip -n sbb link set sbbb0 up
for n in 1 2; do
	veth "sbn$n" "sbn${n}e" sbr "sbr${n}e"
	veth "sbn$n" "sbn${n}m" sbr "sbr${n}m"
	veth "sbn$n" "sbn${n}i" sbb "sbb${n}i"
	ip -n sbr link set "sbr${n}e" master sbbr0
	ip -n sbr link set "sbr${n}m" master sbbr0
	ip -n sbb link set "sbb${n}i" master sbbb0
	ip -n "sbn$n" addr add "198.18.0.1$n/24" dev "sbn${n}m"
	fence "sbn$n" "sbn${n}e"
	fence "sbn$n" "sbn${n}i"
done

# --- backends -------------------------------------------------------------

for b in web-a:198.18.1.10 web-b:198.18.1.11; do
	setsid ip netns exec sbb python3 "$E2E_DIR/server.py" --name "${b%%:*}" \
		--bind "${b#*:}" --port 8080 --pidfile "$TMP/${b%%:*}.srv.pid" \
		</dev/null >"$TMP/${b%%:*}.log" 2>&1 &
done

# --- BIRD -----------------------------------------------------------------

# The router: a session to each node's BIRD, routes merged into one ECMP
# route in the kernel.
cat >"$TMP/sbr.bird.conf" <<EOF
router id 198.18.0.254;
log "$TMP/sbr.bird.log" all;
protocol device { scan time 1; }
protocol direct { ipv4; interface "sbbr0"; }
protocol kernel {
	ipv4 { export where source = RTS_BGP; };
	merge paths on;
}
template bgp node {
	local 198.18.0.254 as 65000;
	hold time 3;
	keepalive time 1;
	connect retry time 1;
	ipv4 { import all; export none; };
}
protocol bgp n1 from node { neighbor 198.18.0.11 as 65001; }
protocol bgp n2 from node { neighbor 198.18.0.12 as 65002; }
EOF
bird_start() {
	local ns=$1
	: >"$TMP/$ns.vips.conf"
	ip netns exec "$ns" bird -c "$TMP/$ns.bird.conf" -s "$TMP/$ns.bird.ctl" \
		-P "$TMP/$ns.bird.pid" >"$TMP/$ns.birdd.log" 2>&1 ||
		die "bird in $ns did not start: $(cat "$TMP/$ns.birdd.log")"
}
bird_start sbr
# Each node: the shipped template with this node's values.
for n in 1 2; do
	sed -e "s|^router id .*;|router id 198.18.0.1$n;|" \
		-e "s|^define STEER_EDGE = .*;|define STEER_EDGE = 198.18.0.$n;|" \
		-e "s|^define LOCAL_AS = .*;|define LOCAL_AS = 6500$n;|" \
		-e "s|^log syslog all;|log \"$TMP/sbn$n.bird.log\" all;|" \
		-e "s|@vipsfile@|$TMP/sbn$n.vips.conf|" \
		"$STEER_SRC/config/bird/steer-bird.conf.in" >"$TMP/sbn$n.bird.conf"
	grep -q "STEER_EDGE = 198.18.0.$n;" "$TMP/sbn$n.bird.conf" || die "template edit failed"
	bird_start "sbn$n"
done

# --- steerd ---------------------------------------------------------------

cfg_of() {
	local n=$1
	cat <<EOF
dataplane = {
  eal = [ "--no-huge", "-m", "256", "--no-pci", "--file-prefix=sbn$n-e2e-$$",
          "--vdev=${pmd}0,iface=sbn${n}e",
          "--vdev=${pmd}1,iface=sbn${n}i" ];
  workers = 1;
  max_flows = 4096;
  idle_backoff = true;
};
ports = (
  { name = "edge";  device = "${pmd}0"; address = "198.18.0.$n/24"; },
  { name = "inner"; device = "${pmd}1"; address = "198.18.1.$n/24"; }
);
routes = ( { prefix = "198.18.3.0/24"; via = "198.18.0.254"; } );
listeners = ( { name = "web"; address = "$VIP:80"; default_service = "web"; } );
services = (
  { name = "web"; backends = ( { address = "198.18.1.10:8080"; },
                               { address = "198.18.1.11:8080"; } ); }
);
control = { socket = "$TMP/sbn$n.sock"; };
EOF
}
# STEER_E2E_PMD=af_xdp (meson test --setup af_xdp): the same veths through
# AF_XDP sockets, as lib.sh's cases do.
pmd=net_af_packet
[ "${STEER_E2E_PMD:-af_packet}" = af_xdp ] && pmd=net_af_xdp
say "      ports: $pmd"

start_node() {
	local n=$1
	cfg_of "$n" >"$TMP/sbn$n.conf"
	setsid ip netns exec "sbn$n" "$STEERD" -c "$TMP/sbn$n.conf" \
		</dev/null >>"$TMP/sbn$n.steerd.log" 2>&1 &
	STEERD_PID[$n]=$!
}

stop_node() {
	_kill "${STEERD_PID[$1]}"
	unset "STEERD_PID[$1]"
}

start_hook() {
	local n=$1
	setsid ip netns exec "sbn$n" "$HOOK" --steer-socket "$TMP/sbn$n.sock" \
		--bird-socket "$TMP/sbn$n.bird.ctl" --vips-file "$TMP/sbn$n.vips.conf" \
		--interval 0.2 --steerctl "$STEERCTL" \
		</dev/null >>"$TMP/sbn$n.hook.log" 2>&1 &
	HOOK_PID[$n]=$!
}

# hops: the next hops of the VIP's route in the router's kernel, sorted.
hops() {
	ip -n sbr route show "$VIP/32" 2>/dev/null |
		grep -o 'via 198\.18\.0\.[0-9]*' | awk '{print $2}' | sort | tr '\n' ' ' | sed 's/ $//'
}

# wait_hops WANT SECONDS: until the route's next hops are WANT; prints the
# seconds it took.
wait_hops() {
	local want=$1 t0 now
	t0=$(date +%s.%N)
	while :; do
		[ "$(hops)" = "$want" ] && break
		now=$(date +%s.%N)
		if awk -v a="$t0" -v b="$now" -v l="$2" 'BEGIN { exit !(b - a > l) }'; then
			return 1
		fi
		sleep 0.05
	done
	awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}

# flows N: node N's flows_created.
flows() {
	"$STEERCTL" --socket "$TMP/sbn$1.sock" --json stats |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["counters"].get("flows_created", 0))'
}

# requests COUNT FIRST_PORT: COUNT requests from distinct client ports and
# addresses; prints "ok bad".
requests() {
	local count=$1 port=$2 ok=0 bad=0 i out src
	for i in $(seq 0 $((count - 1))); do
		src=198.18.3.$((2 + i % 8))
		out=$(ip netns exec sbc curl -s --max-time 3 --interface "$src" \
			--local-port $((port + i)) "http://$VIP/" 2>/dev/null || true)
		case $out in
		*'"served_by": "web-a"'*|*'"served_by": "web-b"'*) ok=$((ok + 1)) ;;
		*) bad=$((bad + 1)) ;;
		esac
	done
	echo "$ok $bad"
}

for n in 1 2; do start_node "$n"; start_hook "$n"; done

# --- checks ---------------------------------------------------------------

if t=$(wait_hops "198.18.0.1 198.18.0.2" 30); then
	pass "VIP $VIP/32 has two next hops on the router (after ${t}s)"
else
	fail "VIP next hops: '$(hops)', want both nodes; $(ip -n sbr route show "$VIP/32")"
	birdc -s "$TMP/sbr.bird.ctl" show protocols all >"$TMP/sbr.protocols.log" 2>&1 || true
	die "no ECMP route: nothing more to check"
fi

f1=$(flows 1)
f2=$(flows 2)
read -r ok bad < <(requests 64 40000)
d1=$(($(flows 1) - f1))
d2=$(($(flows 2) - f2))
if [ "$ok" = 64 ]; then
	pass "64/64 requests from 64 client ports served by a backend"
else
	fail "requests: $ok served, $bad not"
fi
say "      node 1: $d1 flows, node 2: $d2 flows"
if [ "$d1" -ge 8 ] && [ "$d2" -ge 8 ] && [ $((d1 + d2)) -ge 64 ]; then
	pass "requests spread over both nodes ($d1 / $d2)"
else
	fail "requests not spread: node 1 $d1, node 2 $d2"
fi

# A reload adding a listener on a second VIP: announced by node 1, while
# the first VIP keeps both next hops throughout (no withdraw-and-back when
# the hook has BIRD re-read its routes).
VIP2=198.18.2.2
cfg_of 1 | sed "s|^listeners = ( \(.*\) );|listeners = ( \1,\n  { name = \"web2\"; address = \"$VIP2:80\"; default_service = \"web\"; } );|" \
	>"$TMP/sbn1.conf"
grep -q "$VIP2:80" "$TMP/sbn1.conf" || die "config edit failed"
"$STEERCTL" --socket "$TMP/sbn1.sock" reload "$TMP/sbn1.conf" >/dev/null || die "reload of node 1"
flap=0
v2=
for _ in $(seq 40); do
	[ "$(hops)" = "198.18.0.1 198.18.0.2" ] || flap=$((flap + 1))
	[ -z "$v2" ] && ip -n sbr route show "$VIP2/32" 2>/dev/null | grep -q "via 198.18.0.1" && v2=yes
	sleep 0.05
done
if [ "$v2" = yes ] && [ $flap = 0 ]; then
	pass "listener added by reload: $VIP2 announced by node 1, $VIP kept both next hops"
else
	fail "after the reload: $VIP2 route '$(ip -n sbr route show "$VIP2/32")', $flap samples of $VIP without both next hops"
fi

# Node 2's steerd stops: the hook withdraws its route.
t0=$(date +%s.%N)
stop_node 2
if t=$(wait_hops "198.18.0.1" 10); then
	w=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	say "      withdrawn ${w}s after SIGTERM to steerd (hook interval 0.2 s)"
	pass "stopped node's next hop withdrawn within 10 s (${w}s)"
else
	fail "after stopping node 2 the VIP next hops are '$(hops)'"
fi
read -r ok bad < <(requests 32 41000)
if [ "$ok" = 32 ]; then
	pass "32/32 new requests served with one node left"
else
	fail "with one node left: $ok served, $bad not"
fi

# Started again: announced once its rules are loaded.
t0=$(date +%s.%N)
start_node 2
if t=$(wait_hops "198.18.0.1 198.18.0.2" 30); then
	w=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	pass "restarted node re-announced (${w}s after start)"
else
	fail "after restarting node 2 the VIP next hops are '$(hops)'"
fi
f2=$(flows 2)
read -r ok bad < <(requests 32 42000)
d2=$(($(flows 2) - f2))
if [ "$ok" = 32 ] && [ "$d2" -ge 1 ]; then
	pass "32/32 requests served, $d2 of them by the restarted node"
else
	fail "after re-announce: $ok served, $bad not, $d2 on node 2"
fi

# Draining node 1: stopping its hook withdraws its routes, steerd still up.
_kill "${HOOK_PID[1]}"
unset "HOOK_PID[1]"
if t=$(wait_hops "198.18.0.2" 10); then
	if [ -s "$TMP/sbn1.vips.conf" ] && grep -q '^route' "$TMP/sbn1.vips.conf"; then
		fail "node 1 drained but its VIP file still lists routes"
	else
		pass "stopping node 1's hook drains it (${t}s), its VIP file emptied"
	fi
else
	fail "after stopping node 1's hook the VIP next hops are '$(hops)'"
fi

say "== bgp: $((CHECKS - FAILS)) passed, $FAILS failed"
[ $FAILS -eq 0 ]
