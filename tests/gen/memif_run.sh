#!/bin/bash
# A short steer-gen run against steerd over memif: a thousand keep-alive
# connections of 10 requests, each request of its own mix entry
# (tests/gen/gen.conf), every response checked against its request;
# asserts zero misroutes and zero errors (never a rate). steerd is the
# memif server, steer-gen the client; both get a private copy of their
# config with a unique file prefix, socket directory, control socket and
# metrics port.
# Needs root (DPDK's runtime directories); exits 77 without it.
#   STEERD, STEERGEN  absolute paths (meson passes them)
#   STEER_SRC         source root (default: two levels up)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
STEER_SRC=${STEER_SRC:-$(cd "$HERE/../.." && pwd)}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x "${STEERD:-}" ] && [ -x "${STEERGEN:-}" ] || { echo "SKIP: STEERD and STEERGEN must be set"; exit 77; }

TMP=$(mktemp -d /tmp/steer-gen-run.XXXXXX)
TAG=sg$$
STEERD_PID=
cleanup() {
	if [ -n "$STEERD_PID" ] && kill -0 "$STEERD_PID" 2>/dev/null; then
		kill -TERM "$STEERD_PID"
		for _ in $(seq 50); do kill -0 "$STEERD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$STEERD_PID" 2>/dev/null
	fi
	rm -rf "$TMP" "/var/run/dpdk/$TAG-d" "/var/run/dpdk/$TAG-g"
}
trap cleanup EXIT

# 198.18.x only; the metrics port is picked per run so parallel suites
# (e2e runs steerd on 9870) do not collide.
MPORT=$((20000 + $$ % 20000))
sed -e "s|/tmp/steer-gen|$TMP|g" -e "s|--file-prefix=steer-memif|--file-prefix=$TAG-d|" \
    -e "s|127.0.0.1:9871|127.0.0.1:$MPORT|" "$STEER_SRC/tests/gen/memif.conf" > "$TMP/steerd.conf"
sed -e "s|/tmp/steer-gen|$TMP|g" -e "s|--file-prefix=steer-gen|--file-prefix=$TAG-g|" \
    "$STEER_SRC/tests/gen/gen.conf" > "$TMP/gen.conf"

"$STEERD" -c "$TMP/steerd.conf" --stats-file "$TMP/stats.json" > "$TMP/steerd.log" 2>&1 &
STEERD_PID=$!
# DPDK 22.11's memif puts its sockets in the abstract namespace by
# default (socket-abstract=yes): no file appears, so wait for steerd to
# say it serves (its ports are started by then).
for _ in $(seq 100); do
	grep -q "^steerd: serving" "$TMP/steerd.log" && break
	kill -0 "$STEERD_PID" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "^steerd: serving" "$TMP/steerd.log"; then
	echo "FAIL: steerd did not start"; cat "$TMP/steerd.log"; exit 1
fi

# 1000 connections of 10 requests each, 128 at a time, for at most 20 s.
# Each request draws its own class (--classes request, the default), so
# steerd re-decides, re-injects and moves the connection between backends
# and tunnels within it.
"$STEERGEN" -c "$TMP/gen.conf" --connections 1000 --concurrency 128 \
	--requests 10 --classes request --duration 20 --json --backoff \
	> "$TMP/gen.json" 2> "$TMP/gen.log"
rc=$?
cat "$TMP/gen.json"
fail=0
check() { # NAME JSON-PATH-EXPR EXPECTED
	local got
	got=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$TMP/gen.json" 2>/dev/null)
	if [ "$got" = "$3" ]; then echo "ok    $1"; else echo "FAIL  $1: got '$got', want '$3'"; fail=1; fi
}
check "steer-gen exits 0" "'$rc'" 0
check "all 1000 connections completed" "d['connections']['completed']" 1000
check "every request answered" "d['requests']['answered']" 10000
check "zero misroutes" "d['misroutes']" 0
check "zero errors" "d['errors']" 0
check "every mix entry was exercised" "all(v['responses'] > 0 for v in d['mix'].values())" True
check "requests changed class within connections" "d['notes']['class_changes'] > 0" True
check "steerd opened backend connections per request class" \
	"d['notes']['server_conns'] > d['connections']['completed']" True
echo "responses by class:" $(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(' '.join('%s=%d' % (k, v['responses']) for k, v in d['mix'].items()))" "$TMP/gen.json")
if [ $fail -ne 0 ]; then
	echo "--- steer-gen stderr"; tail -20 "$TMP/gen.log"
	echo "--- steerd"; tail -20 "$TMP/steerd.log"
	echo "--- steerd stats"
	kill -USR1 "$STEERD_PID" 2>/dev/null && sleep 0.5
	cat "$TMP/stats.json" 2>/dev/null
fi
exit $fail
