#!/usr/bin/env bash
# case_ecmp3: three Steer nodes behind one ECMP router, their VIP announced
# over BGP, owner forwarding on (docs/scale-out.md, "Routing: BGP and
# ECMP" and "Flows that move"):
#
#   s3c  clients 198.18.53.2 (+ .3-.9), default via 198.18.53.1
#    |
#   s3r  router: BIRD (AS 65000), "merge paths on",
#        fib_multipath_hash_policy = 1; bridge s3br0 198.18.50.254/24
#    |        |        |   (one BGP session per node, hold 3 s, keepalive 1 s)
#   s3n1     s3n2     s3n3  node: steerd (edge 198.18.50.N on s3nNe, inner
#    |        |        |    198.18.51.N on s3nNi, af_packet, one worker,
#    |        |        |    idle back-off, cluster id N of nodes 1-3),
#    |        |        |    BIRD (AS 6500N, 198.18.50.1N on s3nNm) from
#    |        |        |    config/bird/steer-bird.conf.in, steer-bgp-hook
#   s3b  backends web-a 198.18.51.10:8080, web-b 198.18.51.11:8080 on
#        bridge s3bb0 (the nodes' VXLAN to each other crosses it too)
#
# Each steerd has a namespace of its own (af_packet fanout groups collide in
# one namespace). Every node has a `cluster` section, so steer-bgp-hook
# announces it only once steer-etcd's first apply is in force
# (cluster.etcd_applied_revision > 0): a real etcd 3.4 runs on 127.0.0.1
# (ports 23990/24000, temp dir) with one steer-etcd per node; the prefix
# holds no rules, so each node serves its file's rules, as etcd's.
#
# Checks: (a) requests from many client ports spread over all three nodes
# (each node's flows_created) and each is served by a backend; (b) with two
# nodes announced, long rate-limited downloads run, then node 3 starts: its
# announcement rehashes some of them onto it, and it forwards their
# segments to the owners (owner_forwarded); every download finishes with
# the right SHA-256; (c) node 1's steerd is stopped under load: its next
# hop is withdrawn (time printed), new requests all succeed, and every
# download it owned ends (an RST or done), none hangs to curl's timeout.
# Every name starts with s3; all of it is removed at exit. Needs root,
# bird2, etcd-server/etcd-client, curl, python3; else exits 77.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${STEER_SRC:-$(cd "$E2E_DIR/../.." && pwd)}
STEERD=${STEERD:-$SRC/build/dataplane/steerd}
STEERCTL=${STEERCTL:-$(dirname "$STEERD")/../ctrl/steerctl}
STEER_ETCD=${STEER_ETCD:-$(dirname "$STEERD")/../ctrl/steer-etcd}
HOOK=$SRC/ctrl/steer-bgp-hook
VIP=198.18.52.1
EP=http://127.0.0.1:23990
NS=(s3c s3r s3n1 s3n2 s3n3 s3b)
SIZE=$((20 * 1024 * 1024))     # bytes per long download
RATE=2M                        # curl --limit-rate: about 10 s each
CHECKS=0
FAILS=0
TMP=
ETCD_PID=
declare -A PID=()

. "$E2E_DIR/nodes.sh"

say "== e2e ecmp3"
[ "${STEER_STANDIN:-0}" = 1 ] && skip "stand-in mode: needs three steerd nodes"
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, veths)"
for t in ip bird birdc etcd etcdctl curl python3 setsid ethtool sha256sum ss; do
	command -v "$t" >/dev/null || skip "needs $t (bird2, etcd-server, etcd-client)"
done
for b in "$STEERD" "$STEERCTL" "$STEER_ETCD"; do
	[ -x "$b" ] || skip "no $b"
done
if ss -ltn | grep -Eq '127.0.0.1:(23990|24000)\b|\*:(23990|24000)\b'; then
	skip "port 23990 or 24000 is taken"
fi
for ns in "${NS[@]}"; do
	[ -e "/run/netns/$ns" ] && die "namespace $ns exists (another run?)"
done

cleanup() {
	local rc=$? k ns bp
	trap - EXIT
	# hooks first (they withdraw), then steer-etcd, steerd, the rest
	for k in "${!PID[@]}"; do [[ $k == hook* ]] && _kill "${PID[$k]}"; done
	for k in "${!PID[@]}"; do [[ $k == hook* ]] || _kill "${PID[$k]}"; done
	_kill "$ETCD_PID"
	for ns in s3r s3n1 s3n2 s3n3; do
		[ -n "$TMP" ] || continue
		bp=$(cat "$TMP/$ns.bird.pid" 2>/dev/null || true)
		[ -S "$TMP/$ns.bird.ctl" ] && { birdc -s "$TMP/$ns.bird.ctl" down >/dev/null 2>&1 || true; }
		[ -z "$bp" ] || _kill "$bp"
	done
	for ns in "${NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf /var/run/dpdk/s3-ecmp3-$$-*
	if [ $FAILS -gt 0 ] && [ -n "$TMP" ]; then
		for f in "$TMP"/*.log; do
			[ -s "$f" ] && { say "--- $f"; tail -n 15 "$f"; }
		done
	fi
	[ -n "$TMP" ] && [ "${E2E_KEEP_TMP:-0}" != 1 ] && rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TMP=$(mktemp -d /tmp/s3-ecmp3.XXXXXX)

# --- topology (case_bgp's, three nodes) ------------------------------------

for ns in "${NS[@]}"; do ns_up "$ns"; done
ip netns exec s3r sysctl -qw net.ipv4.ip_forward=1
ip netns exec s3r sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ip -n s3r link add s3br0 type bridge
ip -n s3r addr add 198.18.50.254/24 dev s3br0
ip -n s3r link set s3br0 up
veth s3c s3c0 s3r s3rc
for i in 2 3 4 5 6 7 8 9; do ip -n s3c addr add "198.18.53.$i/24" dev s3c0; done
ip -n s3c route add default via 198.18.53.1
ip -n s3r addr add 198.18.53.1/24 dev s3rc
ip -n s3b link add s3bb0 type bridge
ip -n s3b addr add 198.18.51.10/24 dev s3bb0
ip -n s3b addr add 198.18.51.11/24 dev s3bb0
ip -n s3b link set s3bb0 up
for n in 1 2 3; do
	veth "s3n$n" "s3n${n}e" s3r "s3r${n}e"
	veth "s3n$n" "s3n${n}m" s3r "s3r${n}m"
	veth "s3n$n" "s3n${n}i" s3b "s3b${n}i"
	ip -n s3r link set "s3r${n}e" master s3br0
	ip -n s3r link set "s3r${n}m" master s3br0
	ip -n s3b link set "s3b${n}i" master s3bb0
	ip -n "s3n$n" addr add "198.18.50.1$n/24" dev "s3n${n}m"
	fence "s3n$n" "s3n${n}e"
	fence "s3n$n" "s3n${n}i"
done

for b in web-a:198.18.51.10 web-b:198.18.51.11; do
	setsid ip netns exec s3b python3 "$E2E_DIR/server.py" --name "${b%%:*}" \
		--bind "${b#*:}" --port 8080 </dev/null >"$TMP/${b%%:*}.log" 2>&1 &
	PID[${b%%:*}]=$!
done
WANT=$(python3 "$E2E_DIR/server.py" --pattern-sha256 "$SIZE")

# --- etcd -----------------------------------------------------------------

setsid etcd --name s3 --data-dir "$TMP/etcd" \
	--listen-client-urls $EP --advertise-client-urls $EP \
	--listen-peer-urls http://127.0.0.1:24000 \
	--initial-advertise-peer-urls http://127.0.0.1:24000 \
	--initial-cluster s3=http://127.0.0.1:24000 \
	</dev/null >"$TMP/etcd.log" 2>&1 &
ETCD_PID=$!
for _ in $(seq 100); do
	etcdctl --endpoints=$EP --dial-timeout=200ms endpoint health >/dev/null 2>&1 && break
	sleep 0.1
done
etcdctl --endpoints=$EP --dial-timeout=500ms endpoint health >/dev/null 2>&1 || die "etcd did not come up"

# --- BIRD -----------------------------------------------------------------

cat >"$TMP/s3r.bird.conf" <<EOF
router id 198.18.50.254;
log "$TMP/s3r.bird.log" all;
protocol device { scan time 1; }
protocol direct { ipv4; interface "s3br0"; }
protocol kernel {
	ipv4 { export where source = RTS_BGP; };
	merge paths on;
}
template bgp node {
	local 198.18.50.254 as 65000;
	hold time 3;
	keepalive time 1;
	connect retry time 1;
	ipv4 { import all; export none; };
}
protocol bgp n1 from node { neighbor 198.18.50.11 as 65001; }
protocol bgp n2 from node { neighbor 198.18.50.12 as 65002; }
protocol bgp n3 from node { neighbor 198.18.50.13 as 65003; }
EOF
bird_start() {
	: >"$TMP/$1.vips.conf"
	ip netns exec "$1" bird -c "$TMP/$1.bird.conf" -s "$TMP/$1.bird.ctl" \
		-P "$TMP/$1.bird.pid" >"$TMP/$1.birdd.log" 2>&1 ||
		die "bird in $1 did not start: $(cat "$TMP/$1.birdd.log")"
}
bird_start s3r
for n in 1 2 3; do
	sed -e "s|^router id .*;|router id 198.18.50.1$n;|" \
		-e "s|^define STEER_EDGE = .*;|define STEER_EDGE = 198.18.50.$n;|" \
		-e "s|^define LOCAL_AS = .*;|define LOCAL_AS = 6500$n;|" \
		-e "s|^define PEER_ADDR = .*;|define PEER_ADDR = 198.18.50.254;|" \
		-e "s|^log syslog all;|log \"$TMP/s3n$n.bird.log\" all;|" \
		-e "s|@vipsfile@|$TMP/s3n$n.vips.conf|" \
		"$SRC/config/bird/steer-bird.conf.in" >"$TMP/s3n$n.bird.conf"
	grep -q "PEER_ADDR = 198.18.50.254;" "$TMP/s3n$n.bird.conf" || die "template edit failed"
	bird_start "s3n$n"
done

# --- steerd, steer-etcd, hook ------------------------------------------------

cfg_of() {
	local n=$1
	cat <<EOF
dataplane = {
  eal = [ "--no-huge", "-m", "256", "--no-pci", "--file-prefix=s3-ecmp3-$$-$n",
          "--vdev=net_af_packet0,iface=s3n${n}e",
          "--vdev=net_af_packet1,iface=s3n${n}i" ];
  workers = 1;
  max_flows = 4096;
  idle_backoff = true;
};
ports = (
  { name = "edge";  device = "net_af_packet0"; address = "198.18.50.$n/24"; },
  { name = "inner"; device = "net_af_packet1"; address = "198.18.51.$n/24"; }
);
routes = ( { prefix = "198.18.53.0/24"; via = "198.18.50.254"; } );
listeners = ( { name = "web"; address = "$VIP:80"; default_service = "web"; } );
services = (
  { name = "web"; backends = ( { address = "198.18.51.10:8080"; },
                               { address = "198.18.51.11:8080"; } ); }
);
control = { socket = "$TMP/s3n$n.sock"; metrics = "127.0.0.1:9870"; };
cluster = { name = "s3-e2e"; etcd = "$EP"; node = "n$n"; id = $n;
  nodes = ( { id = 1; address = "198.18.51.1"; }, { id = 2; address = "198.18.51.2"; },
            { id = 3; address = "198.18.51.3"; } ); };
EOF
}

start_node() {
	local n=$1
	cfg_of "$n" >"$TMP/s3n$n.conf"
	"$STEERD" --check -c "$TMP/s3n$n.conf" >/dev/null || die "config $n refused"
	setsid ip netns exec "s3n$n" "$STEERD" -c "$TMP/s3n$n.conf" \
		</dev/null >>"$TMP/s3n$n.steerd.log" 2>&1 &
	PID[steerd$n]=$!
	for _ in $(seq 100); do
		"$STEERCTL" --socket "$TMP/s3n$n.sock" status >/dev/null 2>&1 && break
		sleep 0.2
	done
	setsid "$STEER_ETCD" --config "$TMP/s3n$n.conf" \
		</dev/null >>"$TMP/s3n$n.steer-etcd.log" 2>&1 &
	PID[etcd$n]=$!
	setsid ip netns exec "s3n$n" "$HOOK" --steer-socket "$TMP/s3n$n.sock" \
		--bird-socket "$TMP/s3n$n.bird.ctl" --vips-file "$TMP/s3n$n.vips.conf" \
		--interval 0.2 --steerctl "$STEERCTL" \
		</dev/null >>"$TMP/s3n$n.hook.log" 2>&1 &
	PID[hook$n]=$!
}

hops() {
	ip -n s3r route show "$VIP/32" 2>/dev/null |
		grep -o 'via 198\.18\.50\.[0-9]*' | awk '{print $2}' | sort | tr '\n' ' ' | sed 's/ $//'
}
# wait_hops WANT SECONDS: prints the seconds it took; fails on timeout
wait_hops() {
	local want=$1 t0
	t0=$(date +%s.%N)
	while [ "$(hops)" != "$want" ]; do
		awk -v a="$t0" -v b="$(date +%s.%N)" -v l="$2" 'BEGIN { exit !(b - a > l) }' && return 1
		sleep 0.05
	done
	awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}
# metric N NAME: node N's counter (0 when absent or the node is down)
metric() {
	local v
	v=$(ip netns exec "s3n$1" curl -s --max-time 3 http://127.0.0.1:9870/metrics 2>/dev/null |
		awk -v m="steer_$2" '$1 == m { print $2; f = 1 } END { if (!f) print 0 }')
	echo "${v:-0}"
}
# requests COUNT FIRST_PORT: prints "ok bad"
requests() {
	local count=$1 port=$2 ok=0 bad=0 i out
	for i in $(seq 0 $((count - 1))); do
		out=$(ip netns exec s3c curl -s --max-time 5 --interface "198.18.53.$((2 + i % 8))" \
			--local-port $((port + i)) "http://$VIP/" 2>/dev/null || true)
		case $out in
		*'"served_by": "web-a"'*|*'"served_by": "web-b"'*) ok=$((ok + 1)) ;;
		*) bad=$((bad + 1)) ;;
		esac
	done
	echo "$ok $bad"
}
# dl TAG I BASE: one long download from client port BASE+I (background);
# TAG.I.rc gets curl's exit code, TAG.I.sum the SHA-256. No TCP keepalive:
# a download whose node stops receives nothing more and sends nothing, so
# only the stopping steerd's own RST (tcp_shutdown) can end it in time
# (docs/scale-out.md, "A node leaving").
dl() {
	set +e +o pipefail
	ip netns exec s3c curl -s -S --max-time 90 --speed-limit 1 --speed-time 30 \
		--limit-rate $RATE --interface "198.18.53.$((2 + $2 % 8))" \
		--local-port $(($3 + $2)) "http://$VIP/bytes/$SIZE" \
		2>"$TMP/$1.$2.err" | sha256sum | cut -d' ' -f1 >"$TMP/$1.$2.sum"
	echo "${PIPESTATUS[0]}" >"$TMP/$1.$2.rc"
}

# --- (a) three nodes, requests spread ----------------------------------------

for n in 1 2 3; do start_node "$n"; done
if t=$(wait_hops "198.18.50.1 198.18.50.2 198.18.50.3" 60); then
	pass "VIP $VIP/32 has three next hops on the router (after ${t}s)"
else
	for n in 1 2 3; do tail -n 3 "$TMP/s3n$n.hook.log" | sed "s/^/      n$n: /"; done
	die "VIP next hops: '$(hops)', want all three nodes"
fi
sleep 2                        # each node hears the others by ARP (0.5 s probes)
for n in 1 2 3; do f0[$n]=$(metric "$n" flows_created_total); done
read -r ok bad < <(requests 96 40000)
[ "$ok" = 96 ] && pass "96/96 requests from 96 client ports served by a backend" ||
	fail "requests: $ok served, $bad not"
spread=1
for n in 1 2 3; do
	d[$n]=$(($(metric "$n" flows_created_total) - f0[n]))
	[ "${d[$n]}" -gt 0 ] || spread=0
done
say "      flows per node: ${d[1]} / ${d[2]} / ${d[3]}"
[ $spread = 1 ] && pass "requests spread over all three nodes" ||
	fail "not every node got flows: ${d[1]} / ${d[2]} / ${d[3]}"

# --- (b) a node joins mid-load -----------------------------------------------

_kill "${PID[hook3]}"; unset "PID[hook3]"
_kill "${PID[etcd3]}"; unset "PID[etcd3]"
_kill "${PID[steerd3]}"; unset "PID[steerd3]"
wait_hops "198.18.50.1 198.18.50.2" 20 >/dev/null || die "node 3 not withdrawn: '$(hops)'"
sleep 3                        # the others stop counting node 3 live
NB=${ECMP3_DOWNLOADS:-12}
say "      $NB downloads of $SIZE bytes at $RATE/s through nodes 1 and 2"
DL=()
for i in $(seq "$NB"); do dl b "$i" 46000 & DL+=($!); done
sleep 3
t0=$(date +%s.%N)
start_node 3
if t=$(wait_hops "198.18.50.1 198.18.50.2 198.18.50.3" 60); then
	w=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	pass "node 3 joined under load: announced ${w}s after its start"
else
	fail "node 3 not announced: '$(hops)'"
fi
wait "${DL[@]}" || true
good=0
for i in $(seq "$NB"); do
	rc=$(cat "$TMP/b.$i.rc" 2>/dev/null || echo -)
	sum=$(cat "$TMP/b.$i.sum" 2>/dev/null || echo -)
	if [ "$rc" = 0 ] && [ "$sum" = "$WANT" ]; then
		good=$((good + 1))
	else
		say "      download $i: curl $rc, $(head -c 200 "$TMP/b.$i.err")"
	fi
done
[ "$good" = "$NB" ] && pass "$NB/$NB downloads running while node 3 joined finished with the right SHA-256" ||
	fail "$good/$NB downloads intact while node 3 joined"
fwd3=$(metric 3 owner_forwarded_total)
fwd=$((fwd3 + $(metric 1 owner_forwarded_total) + $(metric 2 owner_forwarded_total)))
rcv=$(($(metric 1 owner_received_total) + $(metric 2 owner_received_total)))
say "      owner_forwarded: node 3 $fwd3, all nodes $fwd; owner_received (1+2) $rcv"
if [ "$fwd3" -gt 0 ]; then
	pass "node 3 forwarded $fwd3 segments of moved flows to their owners"
else
	fail "node 3 forwarded nothing: no flow moved to it (run with ECMP3_DOWNLOADS=24)"
fi

# --- (c) a node stops mid-load ------------------------------------------------

sleep 2
for n in 1 2 3; do f0[$n]=$(metric "$n" flows_created_total); done
DL=()
for i in $(seq "$NB"); do dl c "$i" 47000 & DL+=($!); done
sleep 3
own1=$(($(metric 1 flows_created_total) - f0[1]))
t0=$(date +%s.%N)
_kill "${PID[steerd1]}"; unset "PID[steerd1]"
if t=$(wait_hops "198.18.50.2 198.18.50.3" 20); then
	w=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	say "      withdrawn ${w}s after SIGTERM to node 1's steerd (hook interval 0.2 s, BGP hold 3 s / keepalive 1 s)"
	pass "stopped node's next hop withdrawn (${w}s)"
else
	fail "after stopping node 1 the next hops are '$(hops)'"
fi
read -r ok bad < <(requests 48 41000)
[ "$ok" = 48 ] && pass "48/48 new requests served right after the withdrawal" ||
	fail "after the withdrawal: $ok served, $bad not"
wait "${DL[@]}" || true
good=0 reset=0 hung=0
for i in $(seq "$NB"); do
	rc=$(cat "$TMP/c.$i.rc" 2>/dev/null || echo -)
	sum=$(cat "$TMP/c.$i.sum" 2>/dev/null || echo -)
	if [ "$rc" = 0 ] && [ "$sum" = "$WANT" ]; then
		good=$((good + 1))
	elif [ "$rc" = 28 ] || [ "$rc" = 0 ]; then
		hung=$((hung + 1))
		say "      download $i: curl $rc (timeout or bad data): $(head -c 200 "$TMP/c.$i.err")"
	else
		reset=$((reset + 1))
		rt=$(awk -v a="$t0" -v b="$(date -r "$TMP/c.$i.rc" +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		say "      download $i ended ${rt}s after the SIGTERM: curl $rc: $(head -c 120 "$TMP/c.$i.err")"
	fi
done
say "      node 1 had $own1 of the $NB downloads; $good finished intact, $reset reset, $hung hung"
[ "$hung" = 0 ] && pass "no download hung after node 1 stopped ($reset ended early, $good intact)" ||
	fail "$hung downloads hung or went bad after node 1 stopped"
[ "$good" -ge $((NB - own1)) ] && pass "the other nodes' downloads all finished ($good >= $((NB - own1)))" ||
	fail "only $good downloads intact, node 1 owned $own1"
down=$(($(metric 2 owner_node_down_total) + $(metric 3 owner_node_down_total)))
say "      owner_node_down (nodes 2+3): $down"

say "== ecmp3: $((CHECKS - FAILS)) passed, $FAILS failed"
[ $FAILS -eq 0 ]
