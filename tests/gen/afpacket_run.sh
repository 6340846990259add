#!/usr/bin/env bash
# steer-gen against steerd over net_af_packet on veths (the memif run's
# twin): two veth pairs in the root namespace, steerd on one end of each,
# steer-gen on the other, no kernel host involved and no address on any of
# them. Keep-alive connections of 10 requests, each of its own mix entry.
# Asserts zero errors and zero misroutes, not a rate.
#   STEERD, STEERGEN  absolute paths (meson passes them)
#   STEER_SRC         source root
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (veths)"; exit 77; }
[ -x "${STEERD:-}" ] && [ -x "${STEERGEN:-}" ] || { echo "SKIP: STEERD and STEERGEN must be set"; exit 77; }
STEER_SRC=${STEER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/steer-gen-afp.XXXXXX)
TAG=steer-gafp-$$
STEERD_PID=
LINKS=(st-gedge0 st-ginner0)
# steer-gen's ends live in a namespace of their own: af_packet names its
# PACKET_FANOUT group (pid ^ ifindex) per network namespace, and two DPDK
# processes whose values collide on different interfaces of one
# namespace fail with EINVAL (seen: "could not set PACKET_FANOUT ... for
# st-gedge1").
GNS=st-gafp$$

cleanup() {
	set +e
	if [ -n "$STEERD_PID" ] && kill -0 "$STEERD_PID" 2>/dev/null; then
		kill -TERM "$STEERD_PID"
		wait "$STEERD_PID" 2>/dev/null
	fi
	for l in "${LINKS[@]}"; do ip link del "$l" 2>/dev/null; done
	ip netns del "$GNS" 2>/dev/null
	rm -rf "$TMP" "/var/run/dpdk/$TAG-d" "/var/run/dpdk/$TAG-g"
}
trap cleanup EXIT INT TERM

# Leftovers of a crashed run, then the two pairs.
for l in "${LINKS[@]}"; do ip link del "$l" 2>/dev/null || true; done
ip netns add "$GNS"
for p in edge inner; do
	ip link add "st-g${p}0" type veth peer name "st-g${p}1" netns "$GNS"
	for e in 0 1; do
		ifc="st-g${p}${e}"
		ns=()
		[ "$e" = 1 ] && ns=(ip netns exec "$GNS")
		"${ns[@]}" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" || true
		"${ns[@]}" ip link set "$ifc" up
		# The router reads raw frames: finished checksums, no super-frames.
		"${ns[@]}" ethtool -K "$ifc" tx off tso off gso off gro off rx off >/dev/null 2>&1 || true
	done
done

MPORT=$((20000 + $$ % 20000))
sed -e "s|--vdev=net_memif0,[^\"]*|--vdev=net_af_packet0,iface=st-gedge0|" \
    -e "s|--vdev=net_memif1,[^\"]*|--vdev=net_af_packet1,iface=st-ginner0|" \
    -e "s|net_memif0|net_af_packet0|; s|net_memif1|net_af_packet1|" \
    -e "s|/tmp/steer-gen|$TMP|g" -e "s|--file-prefix=steer-memif|--file-prefix=$TAG-d|" \
    -e "s|127.0.0.1:9871|127.0.0.1:$MPORT|" "$STEER_SRC/tests/gen/memif.conf" > "$TMP/steerd.conf"
sed -e "s|--vdev=net_memif0,[^\"]*|--vdev=net_af_packet0,iface=st-gedge1|" \
    -e "s|--vdev=net_memif1,[^\"]*|--vdev=net_af_packet1,iface=st-ginner1|" \
    -e "s|net_memif0|net_af_packet0|; s|net_memif1|net_af_packet1|" \
    -e "s|/tmp/steer-gen|$TMP|g" -e "s|--file-prefix=steer-gen|--file-prefix=$TAG-g|" \
    "$STEER_SRC/tests/gen/gen.conf" > "$TMP/gen.conf"
if grep -v "^ *#" "$TMP/steerd.conf" "$TMP/gen.conf" | grep -q "net_memif"; then
	echo "FAIL: could not turn the memif configs into af_packet ones"
	grep -n memif "$TMP/steerd.conf" "$TMP/gen.conf"
	exit 1
fi

"$STEERD" -c "$TMP/steerd.conf" --stats-file "$TMP/stats.json" > "$TMP/steerd.log" 2>&1 &
STEERD_PID=$!
for _ in $(seq 1 100); do
	grep -q "steerd: serving" "$TMP/steerd.log" && break
	kill -0 "$STEERD_PID" 2>/dev/null || { cat "$TMP/steerd.log"; echo "FAIL: steerd exited"; exit 1; }
	sleep 0.1
done

rc=0
# 600 connections of 10 requests, each request of its own class.
ip netns exec "$GNS" "$STEERGEN" -c "$TMP/gen.conf" --connections 600 --concurrency 64 \
	--requests 10 --classes request --backoff --json \
	> "$TMP/gen.json" 2> "$TMP/gen.log" || rc=$?
python3 - "$TMP/gen.json" <<'PY' || rc=1
import json, sys
d = json.load(open(sys.argv[1]))
print("connections", json.dumps(d["connections"]), "errors", d["errors"],
      "misroutes", d["misroutes"], "class_changes", d["notes"]["class_changes"])
print("responses by class:", " ".join("%s=%d" % (k, v["responses"]) for k, v in d["mix"].items()))
bad = [k for k, v in d["errors_by_kind"].items() if v]
if bad:
    print("errors:", " ".join("%s=%d" % (k, d["errors_by_kind"][k]) for k in bad))
ok = (d["errors"] == 0 and d["misroutes"] == 0 and
      d["connections"]["completed"] == 600 and d["requests"]["answered"] == 6000 and
      all(v["responses"] > 0 for v in d["mix"].values()))
sys.exit(0 if ok else 1)
PY
if [ "$rc" -ne 0 ]; then
	echo "FAIL: steer-gen over af_packet (exit $rc)"
	tail -5 "$TMP/gen.log"; tail -5 "$TMP/steerd.log"
	kill -USR1 "$STEERD_PID" 2>/dev/null && sleep 0.5
	cat "$TMP/gen.json" "$TMP/stats.json" 2>/dev/null
	exit 1
fi
echo "ok: steer-gen over net_af_packet: 6000 requests of their own classes, no error, no misroute"
