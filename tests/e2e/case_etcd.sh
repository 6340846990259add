#!/usr/bin/env bash
# case_etcd: two steerd nodes follow one cluster's rules in etcd
# (docs/scale-out.md). A real etcd 3.4 on 127.0.0.1 (temp data dir, ports
# 23790/23800), and per node a namespace with a client, a backend and a
# developer's machine on one segment; both segments use the same
# addresses, so one tunnel object is right for both nodes:
#
#   se-h1: 198.18.10.10 client, .20:8080 web1, .21:9000 dev1, .22:8080 new1 -- se-e1 in se-n1: steerd n1 (198.18.10.1)
#   se-h2: 198.18.10.10 client, .20:8080 web2, .21:9000 dev2, .22:8080 new2 -- se-e2 in se-n2: steerd n2 (198.18.10.1)
#
# Each steerd runs in a namespace of its own (se-n1, se-n2): DPDK's
# af_packet PMD joins a PACKET_FANOUT group, and two processes' groups in
# one namespace collide. steer-etcd and etcd stay in the root namespace
# (steer-etcd reaches steerd over its unix socket); the metrics are read
# inside se-nN.
#
# Checks: an intercept added with steerctl --etcd is in force on both nodes
# (ms from the write returning to the first request it routes, per node);
# a bad rule put straight into etcd is refused by both and the old rules
# keep serving; with etcd stopped both keep serving and say so in status
# and the metrics, and take changes again once it is back; an intercept
# with --ttl 3s disappears from both by itself; the service web imported
# into etcd, a backend added and the old one drained there reach both
# nodes (and status says the rules are etcd's), and when the service
# leaves etcd each node has its file's web again. Everything this case makes
# is named se-* and removed at exit, failure or not.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${STEER_SRC:-$(cd "$E2E_DIR/../.." && pwd)}
STEERD=${STEERD:-$SRC/build/dataplane/steerd}
STEERCTL=${STEERCTL:-$SRC/build/ctrl/steerctl}
STEER_ETCD=${STEER_ETCD:-$SRC/build/ctrl/steer-etcd}
CLUSTER=se-e2e
EP=http://127.0.0.1:23790

skip() { echo "SKIP  $*"; exit 77; }
say() { echo "$*"; }
die() { echo "FAIL  $*"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, veths)"
for b in "$STEERD" "$STEERCTL" "$STEER_ETCD"; do
	[ -x "$b" ] || skip "no $b"
done
command -v etcd >/dev/null && command -v etcdctl >/dev/null ||
	skip "no etcd/etcdctl (apt-get install etcd-server etcd-client)"
if ss -ltn | grep -Eq '127.0.0.1:(23790|23800)\b|\*:(23790|23800)\b'; then
	skip "port 23790 or 23800 is taken"
fi
for n in se-h1 se-h2 se-n1 se-n2; do
	[ -e "/run/netns/$n" ] && die "namespace $n exists (another run?)"
done

TMP=$(mktemp -d /tmp/se-etcd.XXXXXX)
PIDS=()
ETCD_PID=
cleanup() {
	local rc=$? p
	[ $rc -ne 0 ] && [ $rc -ne 77 ] && for f in "$TMP"/*.log; do
		[ -s "$f" ] || continue
		echo "--- $f (last 15 lines)"; tail -n 15 "$f"
	done
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	[ -n "$ETCD_PID" ] && kill -TERM "$ETCD_PID" 2>/dev/null || true
	for p in "${PIDS[@]}" $ETCD_PID; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	for n in 1 2; do
		ip netns pids "se-h$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
		ip netns pids "se-n$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
		ip netns del "se-h$n" 2>/dev/null || true
		ip netns del "se-n$n" 2>/dev/null || true
		ip link del "se-e$n" 2>/dev/null || true
	done
	# the EAL's runtime directories of our two steerds (--file-prefix)
	rm -rf "/var/run/dpdk/se-etcd-$$-1" "/var/run/dpdk/se-etcd-$$-2"
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now_ms() { date +%s%3N; }

# --- etcd ---
start_etcd() {
	setsid etcd --name se --data-dir "$TMP/etcd" \
		--listen-client-urls $EP --advertise-client-urls $EP \
		--listen-peer-urls http://127.0.0.1:23800 \
		--initial-advertise-peer-urls http://127.0.0.1:23800 \
		--initial-cluster se=http://127.0.0.1:23800 \
		</dev/null >>"$TMP/etcd.log" 2>&1 &
	ETCD_PID=$!
	for _ in $(seq 100); do
		etcdctl --endpoints=$EP --dial-timeout=200ms endpoint health \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "etcd did not come up"
}
stop_etcd() {
	kill -TERM "$ETCD_PID"
	for _ in $(seq 50); do kill -0 "$ETCD_PID" 2>/dev/null || break; sleep 0.1; done
	ETCD_PID=
}

# --- topology ---
for n in 1 2; do
	ns=se-h$n
	ip netns add $ns
	ip netns add se-n$n
	ip link add se-e$n type veth peer name se-p$n
	ip link set se-p$n netns $ns
	ip link set se-e$n netns se-n$n
	ip netns exec $ns sh -c "
		sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip link set lo up
		ip addr add 198.18.10.10/24 dev se-p$n
		ip addr add 198.18.10.20/24 dev se-p$n
		ip addr add 198.18.10.21/24 dev se-p$n
		ip addr add 198.18.10.22/24 dev se-p$n
		ip link set se-p$n up
		ethtool -K se-p$n tx off tso off gso off gro off rx off >/dev/null 2>&1 || true"
	ip netns exec se-n$n sh -c "
		sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip link set lo up
		ethtool -K se-e$n tx off tso off gso off gro off rx off >/dev/null 2>&1 || true
		ip link set se-e$n up"
	for s in "web$n 198.18.10.20 8080" "dev$n 198.18.10.21 9000" "new$n 198.18.10.22 8080"; do
		read -r name addr port <<<"$s"
		setsid ip netns exec $ns python3 "$E2E_DIR/server.py" --bind "$addr" \
			--port "$port" --name "$name" </dev/null >"$TMP/$name.log" 2>&1 &
		PIDS+=($!)
	done
	cat >"$TMP/n$n.conf" <<CONF
dataplane = {
  eal = [ "--no-huge", "-m", "256", "--no-pci", "--file-prefix=se-etcd-$$-$n",
          "--vdev=net_af_packet0,iface=se-e$n" ];
  workers = 1;
  idle_backoff = true;
};
ports = ( { name = "edge"; device = "net_af_packet0"; address = "198.18.10.1/24"; } );
listeners = ( { name = "web"; address = "198.18.10.1:80"; default_service = "web"; } );
services = ( { name = "web"; backends = ( { address = "198.18.10.20:8080"; } ); } );
control = { socket = "$TMP/n$n.sock"; metrics = "127.0.0.1:$((19880 + n))"; };
cluster = { name = "$CLUSTER"; etcd = "$EP"; node = "n$n"; };
CONF
done

start_etcd
say "      etcd up on $EP"

for n in 1 2; do
	"$STEERD" --check -c "$TMP/n$n.conf" >/dev/null
	setsid ip netns exec se-n$n "$STEERD" -c "$TMP/n$n.conf" </dev/null \
		>"$TMP/steerd$n.log" 2>&1 &
	PIDS+=($!)
done

# served_by N [HEADER...]: the name of the server that answered a request
# from node N's client
served_by() {
	local n=$1
	shift
	# the X-Served-By header (server.py), without a python per request
	ip netns exec se-h$n curl -s --max-time 2 -o /dev/null \
		-w '%header{x-served-by}\n' "$@" http://198.18.10.1/ 2>/dev/null || echo -
}

for n in 1 2; do
	for _ in $(seq 150); do
		[ "$(served_by $n)" = "web$n" ] && break
		sleep 0.2
	done
	[ "$(served_by $n)" = "web$n" ] || die "node $n does not serve web$n"
done
say "      both nodes serve"

for n in 1 2; do
	setsid "$STEER_ETCD" --config "$TMP/n$n.conf" </dev/null >"$TMP/steer-etcd$n.log" 2>&1 &
	PIDS+=($!)
done
CTL=("$STEERCTL" --config "$TMP/n1.conf")
for _ in $(seq 50); do
	[ "$("${CTL[@]}" status --cluster | grep -c '"revision"')" = 2 ] && break
	sleep 0.2
done
"${CTL[@]}" status --cluster | grep -q '^n2 ' || die "nodes did not register"
say "ok    both nodes registered under /steer/$CLUSTER/nodes/"

# until_served N WANT HEADER: ms until node N's request with HEADER is
# answered by WANT (10 s at most; "timeout" then)
until_served() {
	local n=$1 want=$2 h=$3 t0
	t0=$(now_ms)
	for _ in $(seq 1000); do
		if [ "$(served_by "$n" -H "$h")" = "$want" ]; then
			echo $(($(now_ms) - t0))
			return 0
		fi
		sleep 0.01
	done
	echo timeout
}

# --- 1. an intercept through etcd is in force on both nodes ---
"${CTL[@]}" tunnel add dev --type direct --target 198.18.10.21:9000 >/dev/null
"${CTL[@]}" intercept add alice --service web --tunnel dev --header x-user=alice >/dev/null
until_served 1 dev1 "x-user: alice" >"$TMP/t1" &
w1=$!
until_served 2 dev2 "x-user: alice" >"$TMP/t2" &
w2=$!
wait $w1 $w2
t1=$(cat "$TMP/t1") t2=$(cat "$TMP/t2")
[ "$t1" != timeout ] && [ "$t2" != timeout ] || die "alice not in force (n1 $t1, n2 $t2)"
say "ok    intercept added through etcd in force: n1 after ${t1} ms, n2 after ${t2} ms (write returned -> first request routed, incl. one curl)"
[ "$(served_by 1 -H 'x-user: bob')" = web1 ] || die "an unmatched request left web"

# --- 2. a bad rule put straight into etcd is refused by both ---
etcdctl --endpoints=$EP put "/steer/$CLUSTER/intercepts/bad" \
	'{"name":"bad","service":"nope","tunnel":"dev"}' >/dev/null
refused() {
	"$STEERCTL" --socket "$TMP/n$1.sock" --json status |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["cluster"]["changes_refused"])'
}
for n in 1 2; do
	for _ in $(seq 50); do [ "$(refused $n)" -ge 1 ] && break; sleep 0.1; done
	[ "$(refused $n)" -ge 1 ] || die "node $n did not refuse the bad rule"
	"$STEERCTL" --socket "$TMP/n$n.sock" intercept list | grep -q '^bad ' &&
		die "node $n runs the bad rule"
	[ "$(served_by $n -H 'x-user: alice')" = "dev$n" ] || die "node $n lost alice"
done
say "ok    a bad rule written into etcd is refused by both nodes; the old rules serve"
etcdctl --endpoints=$EP del "/steer/$CLUSTER/intercepts/bad" >/dev/null

# --- 3. etcd stopped: both keep serving and say so; then resume ---
stop_etcd
sleep 3
for n in 1 2; do
	[ "$(served_by $n -H 'x-user: alice')" = "dev$n" ] || die "node $n stopped serving alice without etcd"
	ago=$("$STEERCTL" --socket "$TMP/n$n.sock" --json status |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["cluster"]["etcd_last_reachable_s"])')
	[ "$ago" -ge 2 ] || die "node $n says etcd answered ${ago}s ago"
	m=$(ip netns exec se-n$n curl -s "http://127.0.0.1:$((19880 + n))/metrics" |
		awk '$1 == "steer_cluster_etcd_last_reachable_seconds" { print int($2) }')
	[ "${m:-0}" -ge 2 ] || die "node $n metrics: etcd last reachable '${m:-}'"
done
say "ok    etcd stopped: both nodes serve their last rules; status and metrics say etcd was last reachable >= 2 s ago"
start_etcd
"${CTL[@]}" intercept add carol --service web --tunnel dev --header x-user=carol >/dev/null
for n in 1 2; do
	t=$(until_served $n dev$n "x-user: carol")
	[ "$t" != timeout ] || die "node $n did not take a change after etcd came back"
done
grep -h "applied" "$TMP"/steer-etcd*.log | sed 's/^/      /'
say "ok    etcd back: both nodes take the next change"

# --- 4. an intercept with --ttl 3s disappears from both ---
"${CTL[@]}" intercept add tmp --service web --tunnel dev --header x-user=tmp --ttl 3s >/dev/null
t0=$(now_ms)
for n in 1 2; do
	[ "$(until_served $n dev$n 'x-user: tmp')" != timeout ] || die "tmp not on node $n"
done
for n in 1 2; do
	t=$(until_served $n web$n "x-user: tmp")
	[ "$t" != timeout ] || die "tmp did not expire on node $n"
done
say "ok    --ttl 3s: gone from both nodes $(($(now_ms) - t0)) ms after the write"

# --- 5. the same on one node without etcd: steerd keeps the deadline ---
C1=("$STEERCTL" --socket "$TMP/n1.sock")
"${C1[@]}" intercept add solo --service web --tunnel dev --header x-user=solo --ttl 2s >/dev/null
t0=$(now_ms)
[ "$(until_served 1 dev1 'x-user: solo')" != timeout ] || die "solo not in force"
"${C1[@]}" intercept list | grep -Eq '^solo .* [12]s ' || die "intercept list shows no time left"
sleep 1
"${C1[@]}" intercept renew solo --ttl 3s >/dev/null
sleep 2.5
[ "$(served_by 1 -H 'x-user: solo')" = dev1 ] || die "renew did not extend solo"
t=$(until_served 1 web1 "x-user: solo")
[ "$t" != timeout ] || die "solo did not expire"
say "ok    single node: --ttl 2s renewed to 3s at 1 s, gone $(($(now_ms) - t0)) ms after the add"

# --- 6. a reload of the file drops the cluster's rules; steer-etcd
# notices at its next report and sends them again ---
"${C1[@]}" reload >/dev/null
t=$(until_served 1 dev1 "x-user: alice")
[ "$t" != timeout ] || die "alice did not come back after a reload"
say "ok    after a reload of the file the cluster's rules are back within ${t} ms"

# --- 7. services through etcd: the file's web imported, a backend added
# and the old one drained with steerctl --etcd reach both nodes; the
# service leaving etcd gives each node its file's web back ---
"${CTL[@]}" import "$TMP/n1.conf" >/dev/null || die "import failed"
"${CTL[@]}" backend add web 198.18.10.22:8080 >/dev/null || die "backend add through etcd failed"
"${CTL[@]}" backend drain web 198.18.10.20:8080 >/dev/null || die "backend drain through etcd failed"
until_served 1 new1 "x-user: nobody" >"$TMP/t1" &
w1=$!
until_served 2 new2 "x-user: nobody" >"$TMP/t2" &
w2=$!
wait $w1 $w2
t1=$(cat "$TMP/t1") t2=$(cat "$TMP/t2")
[ "$t1" != timeout ] && [ "$t2" != timeout ] || die "the drain did not reach both nodes (n1 $t1, n2 $t2)"
for n in 1 2; do
	for _ in $(seq 5); do
		[ "$(served_by $n)" = "new$n" ] || die "node $n: a request went to the drained backend"
	done
	"$STEERCTL" --socket "$TMP/n$n.sock" backend list | grep -q '198.18.10.22:8080' ||
		die "node $n does not list the backend added through etcd"
	st=$("$STEERCTL" --socket "$TMP/n$n.sock" --json status)
	printf '%s' "$st" | grep -q '"rules_source":"etcd"' || die "node $n: status does not say etcd: $st"
	printf '%s' "$st" | grep -Eq '"etcd_applied_revision":[1-9]' || die "node $n: no applied revision: $st"
done
say "ok    backend added and the old one drained through etcd: every new request on new1/new2 (n1 after ${t1} ms, n2 after ${t2} ms)"
"${CTL[@]}" dump | grep -q 'address = "198.18.10.22:8080"' || die "dump from etcd lacks the new backend"
etcdctl --endpoints=$EP del "/steer/$CLUSTER/services/web" >/dev/null
for n in 1 2; do
	t=$(until_served $n web$n "x-user: nobody")
	[ "$t" != timeout ] || die "node $n did not get its file's web back"
done
[ "$(served_by 1 -H 'x-user: alice')" = dev1 ] || die "alice lost with the service change"
say "ok    the service removed from etcd: both nodes serve their file's web again; steerctl --etcd dump shows what a node runs"
exit 0
