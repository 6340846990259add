#!/bin/bash
# steer-gen's attack modes against steerd over memif (no namespaces, no
# veths: the memif run's topology): real clients at a fixed rate while a
# spoofed SYN flood (sources in 198.19.128.0/17) and a reconnecting
# slowloris run for a few seconds. Asserts what the generator must get
# right, not what the router withstands: the flood was sent at no more
# than its rate and its answers were seen and never answered, the
# slowloris connections were cut by 408 after header_ms and came back,
# the real clients were counted, and the addresses stayed inside. The
# private steerd config gets enough header buffers and a short header_ms
# so that the attack does not starve the clients (the router's own limits
# are the e2e suite's business).
# Needs root (DPDK's runtime directories); exits 77 without it.
#   STEERD, STEERGEN  absolute paths (meson passes them)
#   STEER_SRC         source root (default: two levels up)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
STEER_SRC=${STEER_SRC:-$(cd "$HERE/../.." && pwd)}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x "${STEERD:-}" ] && [ -x "${STEERGEN:-}" ] || { echo "SKIP: STEERD and STEERGEN must be set"; exit 77; }

TMP=$(mktemp -d /tmp/steer-gen-attack.XXXXXX)
TAG=sga$$
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

RATE=1000 SECS=6 SLOW=500 HEADER_MS=2000
MPORT=$((20000 + $$ % 20000))
sed -e "s|/tmp/steer-gen|$TMP|g" -e "s|--file-prefix=steer-memif|--file-prefix=$TAG-d|" \
    -e "s|127.0.0.1:9871|127.0.0.1:$MPORT|" \
    -e "s|header_max = 16384;|header_max = 16384; header_buffers = 16384;|" \
    -e "s|header_ms = [0-9]*|header_ms = $HEADER_MS|" \
    "$STEER_SRC/tests/gen/memif.conf" > "$TMP/steerd.conf"
sed -e "s|/tmp/steer-gen|$TMP|g" -e "s|--file-prefix=steer-gen|--file-prefix=$TAG-g|" \
    "$STEER_SRC/tests/gen/gen.conf" > "$TMP/gen.conf"
grep -q "header_buffers = 16384" "$TMP/steerd.conf" && grep -q "header_ms = $HEADER_MS" "$TMP/steerd.conf" ||
	{ echo "FAIL: could not adapt memif.conf"; exit 1; }

"$STEERD" -c "$TMP/steerd.conf" --stats-file "$TMP/stats.json" > "$TMP/steerd.log" 2>&1 &
STEERD_PID=$!
for _ in $(seq 100); do
	grep -q "^steerd: serving" "$TMP/steerd.log" && break
	kill -0 "$STEERD_PID" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "^steerd: serving" "$TMP/steerd.log"; then
	echo "FAIL: steerd did not start"; cat "$TMP/steerd.log"; exit 1
fi

# The limits first: each of these must be refused before EAL starts.
fail=0
refuse() { # WHY ARGS...
	local why=$1; shift
	"$STEERGEN" -c "$TMP/gen.conf" -d 1 "$@" > /dev/null 2> "$TMP/refused.log"
	local rc=$?
	if [ $rc -eq 2 ] && grep -q "refusing\|must\|at most\|wants" "$TMP/refused.log"; then
		echo "ok    refused: $why"
	else
		echo "FAIL  not refused (exit $rc): $why"; cat "$TMP/refused.log"; fail=1
	fi
}
refuse "sources outside 198.19.128.0/17" --syn-flood 10 --flood-src 10.0.0.0/8
refuse "sources wider than 198.19.128.0/17" --syn-flood 10 --flood-src 198.19.0.0/16
sed "s|listener = \"198.18.0.1:80\"|listener = \"192.0.2.1:80\"|" "$TMP/gen.conf" > "$TMP/outside.conf"
refuse "a flood target outside 198.18.0.0/15" -c "$TMP/outside.conf" --syn-flood 10
refuse "a slowloris target outside 198.18.0.0/15" -c "$TMP/outside.conf" --slowloris 10

"$STEERGEN" -c "$TMP/gen.conf" --duration $SECS --rate 300 --concurrency 64 --requests 2 \
	--syn-flood $RATE --slowloris $SLOW --min-success 99 --json --backoff \
	> "$TMP/gen.json" 2> "$TMP/gen.log"
rc=$?
cat "$TMP/gen.json"
check() { # NAME PYTHON-EXPR (d: steer-gen's JSON)
	if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" \
		"$TMP/gen.json" 2>/dev/null; then
		echo "ok    $1"
	else
		echo "FAIL  $1: $2"; fail=1
	fi
}
check "steer-gen exits 0 ($rc): >= 99% of the real clients' requests succeed" "$rc == 0"
check "the success rate adds up" \
	"d['legit']['attempted'] >= d['requests']['answered'] > 0 and d['legit']['succeeded'] == d['requests']['answered'] - d['misroutes']"
check "zero misroutes" "d['misroutes'] == 0"
check "the flood never went above its rate" "0 < d['flood']['syns_sent'] <= $RATE * $SECS"
check "the flood reached half its rate at least (not a timing claim: is it on at all?)" \
	"d['flood']['syns_sent'] >= $RATE * $SECS / 2"
check "the router's SYN-ACKs to spoofed sources were seen" "d['flood']['synacks_seen'] > 0"
check "no spoofed frame was refused by the builder" "d['flood']['refused'] == 0"
check "every frame to a spoofed source was taken for the flood's" \
	"d['notes']['unknown_frames'] == 0"
check "every slowloris connection was opened" "d['slowloris']['established'] >= $SLOW"
check "the router cut them with 408" "d['slowloris']['cut_408'] >= $SLOW"
check "cut after header_ms, on average" \
	"abs(d['slowloris']['avg_lifetime_s'] * 1000 - $HEADER_MS) < 500"
check "and they came back" "d['slowloris']['opened'] > $SLOW"
check "header lines went out between" "d['slowloris']['lines_sent'] > 0"
if [ $fail -ne 0 ]; then
	echo "--- steer-gen stderr"; tail -20 "$TMP/gen.log"
	echo "--- steerd"; tail -20 "$TMP/steerd.log"
	kill -USR1 "$STEERD_PID" 2>/dev/null && sleep 0.5
	cat "$TMP/stats.json" 2>/dev/null
fi
exit $fail
