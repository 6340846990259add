# shellcheck shell=bash
# Network namespaces for Steer's end-to-end tests and the demo.
#
# Sourced (by lib.sh and tools/demo), or run: `topo.sh up|down|status`.
#
#   st-client  st-edge1 198.18.0.10/24 (+ .11-.20), default via 198.18.0.1
#        |
#   st-edge0   root namespace, no IP: steerd's net_af_packet0
#   st-inner0  root namespace, no IP: steerd's net_af_packet1
#        |
#   st-sw      bridge st-br0: st-inner1 + one port per host below
#     +- st-be     198.18.1.10/.11/.12 :8080  web-a, web-b, api
#     +- st-bob    198.18.1.21 :9000          bob (direct tunnel)
#     +- st-alice  198.18.1.20, VXLAN vx42 (VNI 42, remote 198.18.1.1)
#                  198.19.0.2/16 :8080        alice (vxlan tunnel)
#
# STEER_STANDIN=1 adds a harness self-test mode: st-edge0/st-inner0 move into
# a namespace st-router where the kernel plays the router (plain DNAT +
# masquerade, see standin_up). It checks the topology, servers and clients,
# nothing of steerd.
#
# Every address is in 198.18.0.0/15 (RFC 2544); every name starts with "st-".

E2E_DIR=${E2E_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# Pid files and server logs of the running topology; fixed so that a later
# run finds what a crashed one left.
E2E_STATE=${E2E_STATE:-/run/steer-e2e}
STEER_NETNS=(st-client st-sw st-be st-bob st-alice st-router)
STEER_ROOT_LINKS=(st-edge0 st-inner0)
TOPO_CLAIMED=0
E2E_PYTHON=${E2E_PYTHON:-python3}

# name|namespace|bind address|port: what servers_up starts.
STEER_SERVERS=(
	"web-a|st-be|198.18.1.10|8080"
	"web-b|st-be|198.18.1.11|8080"
	"api|st-be|198.18.1.12|8080"
	"bob|st-bob|198.18.1.21|9000"
	"alice|st-alice|198.19.0.2|8080"
)

_topo_log() { echo "topo: $*" >&2; }

_ns_exists() { [ -e "/run/netns/$1" ]; }

# _offloads_off NS IF: the router reads raw frames, so the kernel must hand
# over finished checksums and MTU-sized segments (DESIGN: Running without
# NICs). NS "-" is the root namespace.
_offloads_off() {
	local ns=$1 ifc=$2 pre=()
	[ "$ns" != - ] && pre=(ip netns exec "$ns")
	"${pre[@]}" ethtool -K "$ifc" tx off tso off gso off gro off rx off >/dev/null 2>&1 || true
	# Verify instead of trusting the exit status: ethtool fails when any one
	# feature is fixed even if the rest changed.
	local k
	k=$("${pre[@]}" ethtool -k "$ifc" 2>/dev/null) || return 0
	if echo "$k" | grep -Eq '^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload): on'; then
		_topo_log "offloads still on for $ifc ($ns)"
		return 1
	fi
}

# _ns_sysctls NS: quiet, predictable hosts. No IPv6 (router solicitations
# and MLD reports would only be drops in steerd's counters), no reverse
# path filtering (the router's FullNAT source is on-link anyway), and
# removing one backend address must not remove the others of its subnet
# (promote_secondaries; case_dead_backend removes 198.18.1.10).
_ns_sysctls() {
	ip netns exec "$1" sh -c '
		sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		sysctl -qw net.ipv4.conf.all.rp_filter=0
		sysctl -qw net.ipv4.conf.default.rp_filter=0
		sysctl -qw net.ipv4.conf.all.promote_secondaries=1
		sysctl -qw net.ipv4.conf.default.promote_secondaries=1
		sysctl -qw net.core.somaxconn=4096
		sysctl -qw net.ipv4.tcp_max_syn_backlog=4096' || true
	ip -n "$1" link set lo up
}

# _veth NS_A IF_A MAC_A NS_B IF_B MAC_B: a veth pair, MTU 1500, both ends
# up with offloads off. NS "-" is the root namespace. Fixed MACs make
# captures readable (02:53: locally administered).
_veth() {
	local na=$1 a=$2 ma=$3 nb=$4 b=$5 mb=$6
	local where_a=() where_b=()
	[ "$na" != - ] && where_a=(-n "$na")
	[ "$nb" != - ] && where_b=(netns "$nb")
	ip "${where_a[@]}" link add "$a" address "$ma" mtu 1500 type veth \
		peer name "$b" address "$mb" mtu 1500 "${where_b[@]}"
	# The root end is steerd's: fence the root kernel off before it is up.
	[ "$na" = - ] && _root_port "$a"
	ip "${where_a[@]}" link set "$a" up
	ip -n "$nb" link set "$b" up
	_offloads_off "$na" "$a"
	_offloads_off "$nb" "$b"
}

# _root_port IF: steerd's side of a veth in the root namespace. The kernel
# there must not act on what it sees: no IPv6, no forwarding of frames sent
# to this MAC (198.18/15 would otherwise follow the root default route out
# of the machine), no ARP answers.
_root_port() {
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" || true
	sysctl -qw "net.ipv4.conf.$1.forwarding=0"
	sysctl -qw "net.ipv4.conf.$1.rp_filter=1" || true
	sysctl -qw "net.ipv4.conf.$1.arp_ignore=8" || true
}

# _packet_users: pids holding AF_PACKET sockets on st-edge0/st-inner0 (a
# steerd, testpmd, tcpdump ... on the root-side ends).
_packet_users() {
	local l idx=() inodes expr=() i
	for l in "${STEER_ROOT_LINKS[@]}"; do
		[ -r "/sys/class/net/$l/ifindex" ] && idx+=("$(cat "/sys/class/net/$l/ifindex")")
	done
	[ ${#idx[@]} -gt 0 ] || return 0
	inodes=$(awk -v list=" ${idx[*]} " 'NR > 1 && index(list, " " $5 " ") { print $9 }' /proc/net/packet)
	[ -n "$inodes" ] || return 0
	for i in $inodes; do
		[ ${#expr[@]} -gt 0 ] && expr+=(-o)
		expr+=(-lname "socket:\[$i\]")
	done
	find /proc/[0-9]*/fd \( "${expr[@]}" \) 2>/dev/null | cut -d/ -f3 | sort -u
}

# topo_claim: refuse to tear down a topology someone else is using: another
# run of this harness or the demo (owner file), or a process we did not
# start that reads the root-side veths (a steerd started by hand). Without
# this, two sessions on one machine silently break each other's runs.
# STEER_E2E_FORCE=1 takes the topology over anyway.
topo_claim() {
	mkdir -p "$E2E_STATE"
	if [ "${STEER_E2E_FORCE:-0}" = 1 ]; then
		echo $$ >"$E2E_STATE/owner"
		TOPO_CLAIMED=1
		return 0
	fi
	local owner ours users p busy=
	owner=$(cat "$E2E_STATE/owner" 2>/dev/null || true)
	if [ -n "$owner" ] && [ "$owner" != $$ ] && [ -d "/proc/$owner" ]; then
		busy="pid $owner ($(tr '\0\n' '  ' <"/proc/$owner/cmdline" | cut -c1-80)) owns it"
	fi
	ours=$(cat "$E2E_STATE/steerd.pid" 2>/dev/null || true)
	users=$(_packet_users)
	for p in $users; do
		[ "$p" = "$ours" ] && continue
		busy="${busy:+$busy; }pid $p ($(tr '\0\n' '  ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80)) reads st-edge0/st-inner0"
	done
	if [ -n "$busy" ]; then
		_topo_log "the st-* topology is in use: $busy"
		_topo_log "stop that first (sudo ./tools/demo --down for the demo), or set STEER_E2E_FORCE=1"
		return 1
	fi
	echo $$ >"$E2E_STATE/owner"
	TOPO_CLAIMED=1
}

# topo_release: topo_down, but only if this process claimed the topology.
# Exit traps use it, so that a run refused by topo_claim leaves the owner's
# topology alone.
topo_release() {
	if [ "${TOPO_CLAIMED:-0}" = 1 ]; then
		topo_down
		TOPO_CLAIMED=0
	fi
}

topo_up() {
	topo_claim || return 1
	topo_down
	echo $$ >"$E2E_STATE/owner"
	mkdir -p "$E2E_STATE"
	local ns
	for ns in st-client st-sw st-be st-bob st-alice; do
		ip netns add "$ns"
		_ns_sysctls "$ns"
	done

	# Client side.
	_veth - st-edge0 02:53:00:00:00:01 st-client st-edge1 02:53:00:00:00:0a
	ip -n st-client addr add 198.18.0.10/24 dev st-edge1
	local k
	for k in $(seq 11 20); do
		ip -n st-client addr add "198.18.0.$k/24" dev st-edge1
	done
	ip -n st-client route add default via 198.18.0.1 src 198.18.0.10

	# Switch: one bridge, no STP (no loops; STP would hold ports in
	# listening state for seconds), no multicast snooping.
	ip -n st-sw link add st-br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	ip -n st-sw link set st-br0 up
	_veth - st-inner0 02:53:00:00:01:01 st-sw st-inner1 02:53:00:00:01:81
	ip -n st-sw link set st-inner1 master st-br0
	_veth st-sw st-be-sw 02:53:00:00:01:82 st-be st-be0 02:53:00:00:01:0a
	_veth st-sw st-bob-sw 02:53:00:00:01:83 st-bob st-bob0 02:53:00:00:01:15
	_veth st-sw st-alice-sw 02:53:00:00:01:84 st-alice st-alice0 02:53:00:00:01:14
	ip -n st-sw link set st-be-sw master st-br0
	ip -n st-sw link set st-bob-sw master st-br0
	ip -n st-sw link set st-alice-sw master st-br0

	# Cluster backends. With FullNAT they see 198.18.1.1 (on-link) as the
	# source; the route to the client net only matters for the stand-in
	# and for anyone testing a non-NAT mode.
	for k in 10 11 12; do
		ip -n st-be addr add "198.18.1.$k/24" dev st-be0
	done
	ip -n st-be route add 198.18.0.0/24 via 198.18.1.1

	# Bob's tunnel gateway (a direct tunnel is just a TCP endpoint).
	ip -n st-bob addr add 198.18.1.21/24 dev st-bob0
	ip -n st-bob route add 198.18.0.0/24 via 198.18.1.1

	# Alice's workstation: underlay address and a VXLAN segment (RFC 7348)
	# whose only remote VTEP is the router. 1450 = 1500 - 50 bytes of outer
	# Ethernet/IPv4/UDP/VXLAN headers.
	ip -n st-alice addr add 198.18.1.20/24 dev st-alice0
	ip -n st-alice link add vx42 type vxlan id 42 local 198.18.1.20 \
		remote 198.18.1.1 dstport 4789 dev st-alice0 nolearning
	ip -n st-alice link set vx42 mtu 1450 address 02:53:00:19:00:02 up
	_offloads_off st-alice vx42
	ip -n st-alice addr add 198.19.0.2/16 dev vx42

	if [ "${STEER_STANDIN:-0}" = 1 ]; then
		standin_up
	fi
}

# standin_up: the kernel as a stand-in router (harness self-test only).
#   198.18.0.1:80 -> web-a / web-b (round robin)
#   198.18.0.1:81 -> alice 198.19.0.2:8080 through VXLAN VNI 42
#   198.18.0.1:82 -> bob 198.18.1.21:9000
#   198.18.0.1:83 -> api 198.18.1.12:8080
# Sources are masqueraded, as steerd's FullNAT does.
standin_up() {
	command -v nft >/dev/null || { _topo_log "stand-in needs nft (apt-get install nftables)"; return 1; }
	ip netns add st-router
	_ns_sysctls st-router
	ip link set st-edge0 netns st-router
	ip link set st-inner0 netns st-router
	ip -n st-router addr add 198.18.0.1/24 dev st-edge0
	ip -n st-router addr add 198.18.1.1/24 dev st-inner0
	ip -n st-router link set st-edge0 up
	ip -n st-router link set st-inner0 up
	_offloads_off st-router st-edge0
	_offloads_off st-router st-inner0
	ip -n st-router link add vx42 type vxlan id 42 local 198.18.1.1 \
		remote 198.18.1.20 dstport 4789 dev st-inner0 nolearning
	ip -n st-router link set vx42 mtu 1450 up
	_offloads_off st-router vx42
	ip -n st-router addr add 198.19.0.1/16 dev vx42
	ip netns exec st-router sysctl -qw net.ipv4.ip_forward=1
	ip netns exec st-router nft -f - <<'NFT'
table ip steer_standin {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 198.18.0.1 tcp dport 80 dnat ip addr . port to numgen inc mod 2 map { 0 : 198.18.1.10 . 8080, 1 : 198.18.1.11 . 8080 }
		ip daddr 198.18.0.1 tcp dport 81 dnat ip to 198.19.0.2:8080
		ip daddr 198.18.0.1 tcp dport 82 dnat ip to 198.18.1.21:9000
		ip daddr 198.18.0.1 tcp dport 83 dnat ip to 198.18.1.12:8080
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname { "st-inner0", "vx42" } masquerade
	}
}
NFT
}

# servers_up: one server.py per STEER_SERVERS line, each in its namespace,
# with a pid file and a log in $E2E_STATE; waits until each answers.
servers_up() {
	mkdir -p "$E2E_STATE"
	local line name ns addr port
	for line in "${STEER_SERVERS[@]}"; do
		IFS='|' read -r name ns addr port <<<"$line"
		server_start "$name" "$ns" "$addr" "$port"
	done
	for line in "${STEER_SERVERS[@]}"; do
		IFS='|' read -r name ns addr port <<<"$line"
		server_wait "$name" "$ns" "$addr" "$port" || return 1
	done
}

# server_start NAME NS ADDR PORT [SERVER.PY ARGS...]
server_start() {
	local name=$1 ns=$2 addr=$3 port=$4
	shift 4
	# 1000+ connections need more descriptors than the usual 1024; setsid
	# keeps a terminal's Ctrl-C (meant for the script) away from it.
	(ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	 exec setsid ip netns exec "$ns" "$E2E_PYTHON" "$E2E_DIR/server.py" \
		--bind "$addr" --port "$port" --name "$name" \
		--pidfile "$E2E_STATE/server-$name.pid" "$@" \
		</dev/null >"$E2E_STATE/server-$name.log" 2>&1) &
	# Not a job of ours: no "Killed" notice when a case kills it.
	disown $!
}

# server_wait NAME NS ADDR PORT: until the server answers (10 s).
server_wait() {
	local name=$1 ns=$2 addr=$3 port=$4 i
	for i in $(seq 100); do
		if ip netns exec "$ns" curl -s --max-time 1 -o /dev/null \
			"http://$addr:$port/stats" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	_topo_log "server $name on $addr:$port did not come up:"
	tail -n 20 "$E2E_STATE/server-$name.log" >&2 2>/dev/null || true
	return 1
}

# server_restart NAME [SERVER.PY ARGS...]: the server of STEER_SERVERS line
# NAME again, with ARGS (a small backlog, a delay, a health file).
server_restart() {
	local want=$1 line name ns addr port
	shift
	for line in "${STEER_SERVERS[@]}"; do
		IFS='|' read -r name ns addr port <<<"$line"
		[ "$name" = "$want" ] || continue
		server_kill "$name"
		sleep 0.2
		server_start "$name" "$ns" "$addr" "$port" "$@"
		server_wait "$name" "$ns" "$addr" "$port"
		return
	done
	return 1
}

# server_kill NAME: stop one server (the dead-backend cases).
server_kill() {
	local pid
	pid=$(cat "$E2E_STATE/server-$1.pid" 2>/dev/null) || return 1
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$E2E_STATE/server-$1.pid"
}

# _pid_is PID NAME: true when PID is alive and its command line mentions
# NAME (a pid file may outlive its process and the pid be reused).
_pid_is() {
	[ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"
}

# steerd_kill_stale: a steerd a crashed run left (pid file from lib.sh or
# the demo). Only that pid, never by name.
steerd_kill_stale() {
	local pid i
	pid=$(cat "$E2E_STATE/steerd.pid" 2>/dev/null) || return 0
	if _pid_is "$pid" steerd; then
		_topo_log "stopping steerd (pid $pid, started by this harness or the demo)"
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 50); do _pid_is "$pid" steerd || break; sleep 0.1; done
		_pid_is "$pid" steerd && kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$E2E_STATE/steerd.pid"
}

# topo_down: remove everything topo_up (or a crashed run) made. Safe to run
# any number of times.
topo_down() {
	steerd_kill_stale
	local ns pids i
	for ns in "${STEER_NETNS[@]}"; do
		_ns_exists "$ns" || continue
		# A namespace with live processes outlives `ip netns del` (with its
		# interfaces), so its processes go first: our servers and clients.
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill -TERM $pids 2>/dev/null || true
			for i in $(seq 30); do
				[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
				sleep 0.1
			done
			pids=$(ip netns pids "$ns" 2>/dev/null || true)
			# shellcheck disable=SC2086
			[ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
		fi
		ip netns del "$ns" 2>/dev/null || true
	done
	local l
	for l in "${STEER_ROOT_LINKS[@]}"; do
		ip link show "$l" >/dev/null 2>&1 && ip link del "$l" 2>/dev/null
	done
	rm -f "$E2E_STATE"/server-*.pid "$E2E_STATE"/server-*.log "$E2E_STATE/owner"
	return 0
}

# topo_status: what exists now (exit 1 if anything of ours is left).
topo_status() {
	local left=0 ns
	for ns in "${STEER_NETNS[@]}"; do
		if _ns_exists "$ns"; then echo "netns $ns"; left=1; fi
	done
	if ip -o link show | grep -q ': st-'; then
		ip -o link show | grep ': st-' | cut -d: -f2 | sed 's/^/link/'
		left=1
	fi
	local pid
	for pid in $(cat "$E2E_STATE"/*.pid 2>/dev/null); do
		if [ -d "/proc/$pid" ]; then echo "process $pid"; left=1; fi
	done
	return $left
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case "${1:-}" in
	up) topo_up && servers_up ;;
	down) topo_down ;;
	status) topo_status && echo "nothing left" ;;
	*) echo "usage: $0 up|down|status   (STEER_STANDIN=1: kernel stand-in router)" >&2; exit 2 ;;
	esac
fi
