#!/usr/bin/env bash
# `[ test ] && ok ... || bad ...` below is safe: ok always returns 0.
# shellcheck disable=SC2015
# Harness self-test: checks the e2e topology, servers, clients and case
# scripts without steerd, with the kernel as a stand-in router
# (STEER_STANDIN=1, see topo.sh standin_up). It says nothing about steerd.
#
#   1. topology for steerd: namespaces, root-side veth ends fenced off from
#      the root kernel, offloads off, MTUs, servers answering in place;
#   2. stand-in router: every destination reachable from st-client through
#      it, alice through the VXLAN overlay;
#   3. every case in stand-in mode: pass, or skip when it needs L7;
#   4. nothing left behind (namespaces, links, processes).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fails=0
ok() { say "ok    $*"; }
bad() { say "FAIL  $*"; fails=$((fails + 1)); }

say "== e2e harness self-test"
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v nft >/dev/null || skip "stand-in needs nft (apt-get install nftables)"
topo_claim || { bad "the st-* network is in use (see above)"; exit 1; }
trap 'topo_release; rmdir "$E2E_STATE" 2>/dev/null || true' EXIT

# --- 1. the topology steerd will run on -----------------------------------
STEER_STANDIN=0 topo_up
servers_up || bad "servers up"
for l in st-edge0 st-inner0; do
	if ip -o -4 addr show dev "$l" | grep -q inet; then
		bad "$l has an IPv4 address in the root namespace"
	else
		ok "$l in the root namespace, no address"
	fi
	[ "$(sysctl -n "net.ipv4.conf.$l.forwarding")" = 0 ] &&
		ok "$l: root kernel does not forward what arrives there" ||
		bad "$l: forwarding on"
	[ "$(cat "/sys/class/net/$l/mtu")" = 1500 ] && ok "$l: MTU 1500" || bad "$l: MTU"
done
# offloads_report NS IF: which of the offloads are still on.
offloads_on() {
	local pre=()
	[ "$1" != - ] && pre=(ip netns exec "$1")
	"${pre[@]}" ethtool -k "$2" | grep -E '^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|rx-checksumming): on' || true
}
for pair in -:st-edge0 -:st-inner0 st-client:st-edge1 st-sw:st-inner1 st-sw:st-be-sw \
	st-sw:st-bob-sw st-sw:st-alice-sw st-be:st-be0 st-bob:st-bob0 st-alice:st-alice0 st-alice:vx42; do
	on=$(offloads_on "${pair%%:*}" "${pair#*:}")
	[ -z "$on" ] && ok "offloads off: ${pair#*:}" || bad "offloads on for ${pair#*:}: $on"
done
[ "$(ip netns exec st-alice cat /sys/class/net/vx42/mtu)" = 1450 ] && ok "vx42 MTU 1450" || bad "vx42 MTU"
for line in "${STEER_SERVERS[@]}"; do
	IFS='|' read -r name ns addr port <<<"$line"
	got=$(ip netns exec "$ns" curl -s --max-time 3 -D - -o /dev/null "http://$addr:$port/" |
		tr -d '\r' | sed -n 's/^X-Served-By: //p')
	[ "$got" = "$name" ] && ok "$name answers on $addr:$port in $ns" || bad "$name on $addr:$port: '$got'"
done
# The pattern: /bytes/N from a server equals server.py --pattern N.
n=3000017
a=$(ip netns exec st-be curl -s --max-time 10 "http://198.18.1.10:8080/bytes/$n" | sha256sum | cut -d' ' -f1)
b=$("$E2E_PYTHON" "$E2E_DIR/server.py" --pattern "$n" | sha256sum | cut -d' ' -f1)
c=$(pattern_sha256 "$n")
[ "$a" = "$b" ] && [ "$b" = "$c" ] && ok "byte pattern agrees (server, --pattern, --pattern-sha256)" ||
	bad "byte pattern: $a / $b / $c"
topo_down
topo_status >/dev/null && ok "topology down: nothing left" || bad "left after topo_down: $(topo_status)"

# --- 2. the stand-in router ------------------------------------------------
STEER_STANDIN=1 topo_up
servers_up || bad "servers up (stand-in)"
for route in 80:web-a 80:web-b 81:alice 82:bob 83:api; do
	port=${route%%:*}
	want=${route#*:}
	# Port 80 alternates between web-a and web-b; ask until the wanted one
	# answers (at most 4 times).
	got=
	for _ in 1 2 3 4; do
		got=$(ip netns exec st-client curl -s --max-time 5 -D - -o /dev/null "http://$ROUTER:$port/" |
			tr -d '\r' | sed -n 's/^X-Served-By: //p')
		[ "$got" = "$want" ] && break
	done
	[ "$got" = "$want" ] && ok "stand-in :$port -> $want" || bad "stand-in :$port -> '$got', expected $want"
done
peer=$(json_get "$(ip netns exec st-router curl -s --max-time 5 http://198.19.0.2:8080/)" client)
[[ $peer == 198.19.0.1:* ]] && ok "overlay: router 198.19.0.1 reaches alice over VXLAN" ||
	bad "overlay from the router: '$peer'"
topo_down

# --- 3. every case, stand-in mode ------------------------------------------
for c in "$E2E_DIR"/case_*.sh; do
	name=$(basename "$c" .sh)
	rc=0
	out=$(STEER_STANDIN=1 bash "$c" 2>&1) || rc=$?
	case $rc in
	0) ok "$name passes on the stand-in" ;;
	77) ok "$name skips on the stand-in ($(echo "$out" | sed -n 's/^SKIP *//p'))" ;;
	*) bad "$name: exit $rc"; echo "$out" | sed 's/^/      /' ;;
	esac
done

# --- 4. nothing left -------------------------------------------------------
if left=$(topo_status); then
	ok "nothing left: no st-* namespaces, links or processes"
else
	bad "left behind: $left"
fi
strays=$(ls -d /tmp/steer-e2e.* /var/run/dpdk/steer-e2e-* 2>/dev/null || true)
[ -z "$strays" ] && ok "no temp or DPDK runtime dirs left" || bad "left: $strays"

say "== self-test: $fails failed"
[ "$fails" -eq 0 ]
