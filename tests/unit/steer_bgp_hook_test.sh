#!/usr/bin/env bash
# steer-bgp-hook (ctrl/steer-bgp-hook) against stand-ins for steerctl and
# birdc: what it writes into the VIP file and which BIRD commands it gives,
# round by round (--once), for each thing steerd may say. No root, no
# BIRD, no steerd; tests/e2e/case_bgp.sh runs it against the real ones.
# Usage: steer_bgp_hook_test.sh HOOK
set -uo pipefail
hook=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
failed=0
ok() { pass=$((pass + 1)); echo "ok    $*"; }
bad() { failed=$((failed + 1)); echo "FAIL  $*"; }

# steerctl: prints $T/status, exits with $T/status.rc.
cat >"$T/steerctl" <<EOF
#!/bin/sh
[ -r "$T/status" ] && cat "$T/status"
exit \$(cat "$T/status.rc" 2>/dev/null || echo 0)
EOF
# birdc: keeps the protocol's state in $T/bird.state and logs each
# command to $T/bird.log; "configure" leaves the protocol up, as BIRD
# does with a protocol not disabled in its file. $T/bird.dead: BIRD down.
cat >"$T/birdc" <<EOF
#!/bin/sh
[ -e "$T/bird.dead" ] && { echo "Unable to connect" >&2; exit 1; }
shift 2
echo "\$*" >>"$T/bird.log"
case \$1 in
show) echo "BIRD 2.0.12 ready."
      echo "Name       Proto      Table      State  Since         Info"
      echo "steer_vips Static     master4    \$(cat "$T/bird.state")   07:00:00.000" ;;
enable) echo up >"$T/bird.state" ;;
disable) echo down >"$T/bird.state" ;;
configure) echo up >"$T/bird.state" ;;
esac
EOF
chmod +x "$T/steerctl" "$T/birdc"

# round: one --once run; RC is its exit status.
round() {
	: >"$T/bird.log"
	"$hook" --steer-socket "$T/s.sock" --bird-socket "$T/b.ctl" \
		--vips-file "$T/vips.conf" --steerctl "$T/steerctl" --birdc "$T/birdc" \
		--once 2>>"$T/hook.log"
	RC=$?
}
routes() { grep '^route' "$T/vips.conf" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
cmds() { grep -v '^show' "$T/bird.log" | tr '\n' ',' | sed 's/,$//'; }
# status SERVING LISTENERS [CLUSTER]: CLUSTER is status's cluster member
# (without it, a single node).
status() {
	printf '{"ok":true,"version":"0.1.0","workers":1,"serving":%s,"ports":[{"name":"edge","device":"net_af_packet0","address":"198.18.0.1/24"}],"generation":1,"intercepts":0,"listeners":[%s],"config":"/etc/steer/steer.conf"%s}\n' \
		"$1" "$2" "${3:+,\"cluster\":$3}" >"$T/status"
	echo 0 >"$T/status.rc"
}
L1='{"name":"web","address":"198.18.2.1:80"}'
L2='{"name":"tls","address":"198.18.2.2:443"}'
L3='{"name":"alt","address":"198.18.2.1:8080"}'

# expect WHY RC ROUTES CMDS: the last round's exit status, the VIP
# file's routes and BIRD's commands (show excluded).
expect() {
	local why=$1 rc=$2 r=$3 c=$4
	if [ "$RC" = "$rc" ] && [ "$(routes)" = "$r" ] && [ "$(cmds)" = "$c" ]; then
		ok "$why"
	else
		bad "$why: exit $RC (want $rc), routes '$(routes)' (want '$r'), birdc '$(cmds)' (want '$c')"
	fi
}

echo down >"$T/bird.state"
rm -f "$T/vips.conf"
echo 1 >"$T/status.rc"
round
expect "steerd not answering at start: file made empty, nothing enabled" 1 "" ""
[ -e "$T/vips.conf" ] && ok "the VIP file exists for BIRD's include" || bad "no VIP file"

status false "$L1"
round
expect "steerd answering but not serving: nothing announced" 1 "" ""

status true "$L1,$L3"
round
expect "serving: one route per VIP (two listeners on one address), configure, enable" 0 \
	"route 198.18.2.1/32 blackhole;" "configure"
# The stand-in's configure brought it up; a real BIRD may still be
# reconfiguring: the next round makes sure.
echo down >"$T/bird.state"
round
expect "serving, protocol found down: enabled again, file untouched" 0 \
	"route 198.18.2.1/32 blackhole;" "enable steer_vips"
round
expect "serving and up: no command" 0 "route 198.18.2.1/32 blackhole;" ""

status true "$L1,$L2"
round
expect "a listener added: the file gets its VIP, configure" 0 \
	"route 198.18.2.1/32 blackhole; route 198.18.2.2/32 blackhole;" "configure"

status false "$L1,$L2"
round
expect "serving no more: disable first, then the file emptied (configure), disable again" 1 "" \
	"disable steer_vips,configure,disable steer_vips"
round
expect "still not serving and down: no command" 1 "" ""

status true "$L2"
round
echo 1 >"$T/status.rc"
: >"$T/status"
round
expect "steerd gone: withdrawn and emptied" 1 "" "disable steer_vips,configure,disable steer_vips"

status true "$L1"
touch "$T/bird.dead"
round
expect "BIRD down: the file is still written (BIRD reads it when it starts)" 0 \
	"route 198.18.2.1/32 blackhole;" ""
rm -f "$T/bird.dead"

printf '{"ok":true,"serving":true,"listeners":[]}\n' >"$T/status"
round
expect "serving with no listeners: no routes" 0 "" "configure"

# A node of a cluster: silent until steer-etcd's first apply is in force.
status false "$L1"
round
CL0='{"rules_source":"file","etcd_applied_revision":0,"name":"c1","etcd_endpoints":"http://127.0.0.1:2379","last_error":"steer-etcd has not reported: the rules are the file'"'"'s"}'
status true "$L1" "$CL0"
round
expect "cluster node serving its file's rules before steer-etcd applied: nothing announced" 1 "" ""
CL1='{"rules_source":"file","etcd_applied_revision":0,"name":"c1","node":"n1","etcd_endpoints":"e","revision":12,"etcd_last_reachable_s":0}'
status true "$L1" "$CL1"
round
expect "steer-etcd reports but has applied nothing (etcd unreachable at boot): still silent" 1 "" ""
grep -q "steer-etcd has not applied" "$T/hook.log" && ok "the hook says why it waits" ||
	bad "no log line saying the hook waits for steer-etcd"
CL2='{"rules_source":"etcd","etcd_applied_revision":12,"name":"c1","node":"n1","etcd_endpoints":"e","revision":12,"etcd_last_reachable_s":0}'
status true "$L1" "$CL2"
round
expect "the cluster's rules applied: announced" 0 "route 198.18.2.1/32 blackhole;" "configure"
CL3='{"rules_source":"file","etcd_applied_revision":12,"name":"c1","node":"n1","etcd_endpoints":"e","revision":12,"etcd_last_reachable_s":0}'
status true "$L1" "$CL3"
round
expect "after a reload (the set is being sent again): stays announced" 0 \
	"route 198.18.2.1/32 blackhole;" ""
status true "$L1" "$CL0"
round
expect "steerd restarted, cluster not applied yet: withdrawn" 1 "" \
	"disable steer_vips,configure,disable steer_vips"

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
