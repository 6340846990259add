# What the cases with a topology of their own share (case_bgp, case_owner,
# case_ecmp3: several steerd nodes, a router, their own name prefix), where
# lib.sh and topo.sh serve the cases of the one st-* topology. Sourced;
# the case sets CHECKS=0 and FAILS=0 first.

say() { printf '%s\n' "$*"; }
pass() { CHECKS=$((CHECKS + 1)); say "ok    $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); say "FAIL  $*"; }
skip() { say "SKIP  $*"; exit 77; }
die() { fail "$*"; exit 1; }

# _alive PID: running and not a zombie.
_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# _kill PID [SIG]: SIG (TERM), then KILL after 5 s.
_kill() {
	local p=$1 sig=${2:-TERM}
	[ -n "$p" ] || return 0
	kill "-$sig" "$p" 2>/dev/null || return 0
	for _ in $(seq 50); do _alive "$p" || break; sleep 0.1; done
	_alive "$p" && kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null || true
}

# ns_up NS: a namespace, IPv6 off, no reverse-path filter, lo up.
ns_up() {
	ip netns add "$1"
	ip netns exec "$1" sh -c '
		sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		sysctl -qw net.ipv4.conf.all.rp_filter=0
		sysctl -qw net.ipv4.conf.default.rp_filter=0'
	ip -n "$1" link set lo up
}

# veth NS_A A NS_B B: a pair, up, offloads off (steerd reads raw frames).
veth() {
	ip -n "$1" link add "$2" mtu 1500 type veth peer name "$4" mtu 1500 netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off rx off >/dev/null 2>&1 || true
	ip netns exec "$3" ethtool -K "$4" tx off tso off gso off gro off rx off >/dev/null 2>&1 || true
}

# fence NS IF: steerd's side of a veth; that namespace's kernel must not
# answer ARP on it or forward what arrives there.
fence() {
	ip netns exec "$1" sh -c "
		sysctl -qw net.ipv4.conf.$2.arp_ignore=8
		sysctl -qw net.ipv4.conf.$2.forwarding=0"
}
