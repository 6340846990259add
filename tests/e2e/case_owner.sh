#!/usr/bin/env bash
# case_owner: a flow that the network moves to another node keeps working
# (docs/scale-out.md "Flows that move"). Two steerd nodes, one worker each,
# idle back-off on, the same VIP; the client reaches the VIP through node
# A until the test switches its route to node B mid-connection (what an
# ECMP rehash does when a node joins):
#
#   so-c  client 198.18.40.10 (lo); VIP 198.18.44.1 via so-ca (A) or so-cb (B)
#    | so-ca 198.18.41.2            | so-cb 198.18.42.2
#   so-na steerd A                 so-nb steerd B
#         edge 198.18.41.1/24            edge 198.18.42.1/24
#         inner 198.18.43.1/24           inner 198.18.43.2/24
#    |                               |
#   so-i  bridge so-br: backend web 198.18.43.20:8080
#
# Checks: a keep-alive connection opened through A carries requests; after
# the route moves to B its next requests still succeed (B forwards the
# client's segments to A in VXLAN, A answers the client directly), the
# counters say so (B owner_forwarded, A owner_received), and the latency
# through B -> A against straight to A is printed; then A is killed and
# the moved connection's next request gets an RST from B within the
# client's 10 s timeout, not silence. Every name starts with so-; all of
# it is removed at exit.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${STEER_SRC:-$(cd "$E2E_DIR/../.." && pwd)}
STEERD=${STEERD:-$SRC/build/dataplane/steerd}
VIP=198.18.44.1
NS=(so-c so-na so-nb so-i)
CHECKS=0
FAILS=0
TMP=
declare -A PID=()

. "$E2E_DIR/nodes.sh"

say "== e2e owner"
[ "${STEER_STANDIN:-0}" = 1 ] && skip "stand-in mode: needs two steerd nodes"
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, veths)"
for t in ip curl python3 setsid ethtool; do
	command -v "$t" >/dev/null || skip "needs $t"
done
[ -x "$STEERD" ] || skip "needs STEERD (meson passes it)"

cleanup() {
	local rc=$? k ns
	trap - EXIT
	exec 3>&- 4<&- 2>/dev/null || true
	for k in "${!PID[@]}"; do _kill "${PID[$k]}"; done
	for ns in "${NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "/var/run/dpdk/so-owner-$$-a" "/var/run/dpdk/so-owner-$$-b"
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

for ns in "${NS[@]}"; do
	[ -e "/run/netns/$ns" ] && die "namespace $ns exists (another run?)"
done
TMP=$(mktemp -d /tmp/so-owner.XXXXXX)

# --- topology -------------------------------------------------------------

for ns in "${NS[@]}"; do ns_up "$ns"; done
ip -n so-c addr add 198.18.40.10/32 dev lo
veth so-c so-ca so-na so-nae
veth so-c so-cb so-nb so-nbe
ip -n so-c addr add 198.18.41.2/24 dev so-ca
ip -n so-c addr add 198.18.42.2/24 dev so-cb
ip -n so-c route add $VIP/32 via 198.18.41.1 src 198.18.40.10
ip -n so-i link add so-br type bridge
ip -n so-i addr add 198.18.43.20/24 dev so-br
ip -n so-i link set so-br up
veth so-na so-nai so-i so-ia
veth so-nb so-nbi so-i so-ib
ip -n so-i link set so-ia master so-br
ip -n so-i link set so-ib master so-br
for n in a b; do fence "so-n$n" "so-n${n}e"; fence "so-n$n" "so-n${n}i"; done

setsid ip netns exec so-i python3 "$E2E_DIR/server.py" --name web \
	--bind 198.18.43.20 --port 8080 </dev/null >"$TMP/web.log" 2>&1 &
PID[web]=$!

# --- steerd ---------------------------------------------------------------

cfg_of() {
	local n=$1 id=$2 edge=$3
	cat <<CONF
dataplane = {
  eal = [ "--no-huge", "-m", "256", "--no-pci", "--file-prefix=so-owner-$$-$n",
          "--vdev=net_af_packet0,iface=so-n${n}e",
          "--vdev=net_af_packet1,iface=so-n${n}i" ];
  workers = 1;
  idle_backoff = true;
};
ports = (
  { name = "edge";  device = "net_af_packet0"; address = "198.18.$edge.1/24"; },
  { name = "inner"; device = "net_af_packet1"; address = "198.18.43.$id/24"; }
);
routes = ( { prefix = "198.18.40.0/24"; via = "198.18.$edge.2"; } );
listeners = ( { name = "web"; address = "$VIP:80"; default_service = "web"; } );
services = ( { name = "web"; backends = ( { address = "198.18.43.20:8080"; } ); } );
control = { socket = "$TMP/$n.sock"; metrics = "127.0.0.1:9870"; };
cluster = { name = "so-e2e"; etcd = "127.0.0.1:2379"; node = "$n"; id = $id;
  nodes = ( { id = 1; address = "198.18.43.1"; }, { id = 2; address = "198.18.43.2"; } ); };
CONF
}
cfg_of a 1 41 >"$TMP/a.conf"
cfg_of b 2 42 >"$TMP/b.conf"
for n in a b; do
	"$STEERD" --check -c "$TMP/$n.conf" >/dev/null || die "config $n refused"
	setsid ip netns exec "so-n$n" "$STEERD" -c "$TMP/$n.conf" </dev/null \
		>"$TMP/steerd-$n.log" 2>&1 &
	PID[$n]=$!
done

# metric N NAME: a counter of node N (0 when absent)
metric() {
	ip netns exec "so-n$1" curl -s --max-time 3 http://127.0.0.1:9870/metrics |
		awk -v m="steer_$2" '$1 == m { print $2; f = 1 } END { if (!f) print 0 }'
}

for _ in $(seq 150); do
	ip netns exec so-c curl -s --max-time 2 -o /dev/null http://$VIP/ && break
	sleep 0.2
done
ip netns exec so-c curl -s --max-time 2 -o /dev/null http://$VIP/ || die "node a does not serve"
# node b's view of a: alive by ARP (owner.c probes every 0.5 s)
sleep 2

# --- the connection -------------------------------------------------------

mkfifo "$TMP/in" "$TMP/out"
setsid ip netns exec so-c python3 "$E2E_DIR/owner_client.py" --vip $VIP \
	--src 198.18.40.10 <"$TMP/in" >"$TMP/out" 2>"$TMP/client.log" &
PID[client]=$!
exec 3>"$TMP/in" 4<"$TMP/out"
ask() {
	local line
	echo "$1" >&3
	read -r -t 60 line <&4 || line="no answer"
	echo "$line"
}
read -r -t 30 conn <&4 || die "client did not connect"
say "      client $conn"

r=$(ask "req 50")
case $r in ok\ 50\ *) pass "50 keep-alive requests through node a" ;; *) die "through a: $r" ;; esac
read -r _ _ med_a p90_a _ <<<"$r"
fa0=$(metric b owner_forwarded_total)

ip -n so-c route replace $VIP/32 via 198.18.42.1 src 198.18.40.10
r=$(ask "req 50")
case $r in ok\ 50\ *) pass "route moved to node b: the same connection's next 50 requests succeed" ;;
	*) die "after the move: $r" ;; esac
read -r _ _ med_b p90_b _ <<<"$r"
fwd=$(metric b owner_forwarded_total)
rcv=$(metric a owner_received_total)
if [ "$((fwd - fa0))" -ge 50 ] && [ "$rcv" -ge 50 ]; then
	pass "node b forwarded $fwd segments to a, node a took $rcv in"
else
	fail "counters: b owner_forwarded $fwd (was $fa0), a owner_received $rcv"
fi
[ "$(metric b flows_created_total)" = 0 ] &&
	pass "node b opened no flow of its own for the moved connection" ||
	fail "node b created flows: $(metric b flows_created_total)"
say "      latency per request (median / p90): straight to a ${med_a} / ${p90_a} us, b -> a ${med_b} / ${p90_b} us"

# --- node a killed --------------------------------------------------------

_kill "${PID[a]}" KILL 2>/dev/null
unset "PID[a]"
sleep 3                        # b stops counting a live after 1.6 s
t0=$(date +%s%3N)
r=$(ask expect_reset)
t1=$(date +%s%3N)
[ "$r" = reset ] && pass "node a killed: the moved connection gets an RST from b in $((t1 - t0)) ms" ||
	fail "node a killed: the moved connection got '$r' after $((t1 - t0)) ms"
down=$(metric b owner_node_down_total)
[ "$down" -ge 1 ] && pass "node b counted owner_node_down ($down)" ||
	fail "node b owner_node_down $down"
# a new connection through b works (b's own flow)
ip netns exec so-c curl -s --max-time 5 -o /dev/null http://$VIP/ &&
	pass "a new connection through node b is served" || fail "node b does not serve new connections"

say "== owner: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
