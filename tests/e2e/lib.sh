# shellcheck shell=bash
# shellcheck disable=SC2034  # variables here are for the sourcing cases
# Shared helpers for tests/e2e/case_*.sh. A case looks like:
#
#   . "$(dirname "$0")/lib.sh"
#   e2e_begin my_case            # root? steerd? -> 77; topology + servers up
#   start_steerd "$(e2e_config)" # or e2e_config 's/header_ms = [0-9]*/.../'
#   check_route "plain request goes to the cluster" 'web-a|web-b'
#   e2e_end                      # exit 0 when every check passed, else 1
#
# Everything is torn down on exit, whatever happens (trap EXIT).
#
# Environment:
#   STEERD         absolute path of steerd (meson passes it)
#   STEER_SRC      source root (default: two levels up from here)
#   STEER_STANDIN  1: no steerd; the kernel stand-in router (topo.sh) takes
#                  its place. Cases that need L7 routing skip. Self-test of
#                  the harness only.
#   E2E_KEEP_TMP   1: keep the per-run temp dir (configs, logs, stats)
#   STEERCTL       absolute path of steerctl (meson passes it; default: next
#                  to STEERD in a build dir, ../ctrl/steerctl). Only the
#                  control cases need it (needs_steerctl).

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STEER_SRC=${STEER_SRC:-$(cd "$E2E_DIR/../.." && pwd)}
# shellcheck source=SCRIPTDIR/topo.sh
. "$E2E_DIR/topo.sh"

ROUTER=198.18.0.1
CLIENT=198.18.0.10
E2E_CHECKS=0
E2E_FAILS=0
E2E_NAME=
E2E_TMP=
STEERD_PID=
STEERD_RC=
STEER_STATS=
# The control socket e2e_config writes into the config (set by e2e_begin;
# a case that moves the socket sets it too) and the metrics endpoint of
# config/demo.conf (steerd runs in the root namespace).
STEER_SOCK=
STEER_METRICS=127.0.0.1:9870
if [ -z "${STEERCTL:-}" ] && [ -n "${STEERD:-}" ] &&
	[ -x "$(dirname "$STEERD")/../ctrl/steerctl" ]; then
	STEERCTL=$(cd "$(dirname "$STEERD")/../ctrl" && pwd)/steerctl
fi
# Commands e2e_cleanup runs first (e2e_on_exit).
E2E_EXIT_HOOKS=()

# --- reporting ------------------------------------------------------------

say() { printf '%s\n' "$*"; }
pass() { E2E_CHECKS=$((E2E_CHECKS + 1)); say "ok    $*"; }
fail() { E2E_CHECKS=$((E2E_CHECKS + 1)); E2E_FAILS=$((E2E_FAILS + 1)); say "FAIL  $*"; }
# warn: something the contract does not promise (an optional counter, an
# injected header the design names only as an example) is missing.
warn() { say "warn  $*"; }
skip() { say "SKIP  $*"; exit 77; }
# die: a precondition broke; nothing after it can be checked.
die() { fail "$*"; exit 1; }

standin() { [ "${STEER_STANDIN:-0}" = 1 ]; }

# needs_steerd WHY: skip in stand-in mode (the kernel does no L7 routing).
needs_steerd() { if standin; then skip "stand-in mode: $*"; fi; }

# --- life cycle -----------------------------------------------------------

# e2e_begin NAME: preconditions (77 when unmet), temp dir, exit trap, the
# topology (after removing leftovers of a crashed run) and the servers.
e2e_begin() {
	E2E_NAME=$1
	say "== e2e $E2E_NAME$(standin && echo ' (stand-in router)')"
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, veths)"
	local t
	for t in ip ethtool curl "$E2E_PYTHON" setsid timeout; do
		command -v "$t" >/dev/null || skip "needs $t"
	done
	if standin; then
		command -v nft >/dev/null || skip "stand-in needs nft (apt-get install nftables)"
	else
		[ -n "${STEERD:-}" ] && [ -x "$STEERD" ] ||
			skip "STEERD is not an executable (got '${STEERD:-}')"
		[ -r "$STEER_SRC/config/demo.conf" ] ||
			skip "no $STEER_SRC/config/demo.conf"
	fi
	# Another run, the demo, or a steerd started by hand may be using the
	# topology: then fail without touching it.
	topo_claim || die "the st-* network is in use (see above)"
	# A run killed with SIGKILL leaves its temp and DPDK runtime dirs; the
	# next run removes them (topo_up below removes the rest).
	local old
	if [ -r "$E2E_STATE/dirs" ]; then
		while read -r old; do
			case $old in /tmp/steer-e2e.* | /var/run/dpdk/steer-e2e-*) rm -rf "$old" ;; esac
		done <"$E2E_STATE/dirs"
	fi
	E2E_TMP=$(mktemp -d /tmp/steer-e2e.XXXXXX)
	printf '%s\n' "$E2E_TMP" "/var/run/dpdk/steer-e2e-$$" >"$E2E_STATE/dirs"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# Clients and servers here open 1000+ sockets.
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	topo_up || die "topology up"
	servers_up || die "servers up"
	STEER_SOCK="$E2E_TMP/steer.sock"
	ALICE_URL="http://$ROUTER"
	ALICE_ARGS=(-H 'x-telepresence-intercept-id: 7f3a:alice-web')
	if standin; then
		# The stand-in has a port per destination instead of rules.
		ALICE_URL="http://$ROUTER:81"
		ALICE_ARGS=()
	fi
}

# e2e_on_exit CMD: run CMD (eval'd) at exit, before steerd stops and the
# topology goes: background processes a case started in the root namespace
# (a `steerctl watch`), groups it created.
e2e_on_exit() { E2E_EXIT_HOOKS+=("$1"); }

e2e_cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	local hook
	for hook in "${E2E_EXIT_HOOKS[@]}"; do
		eval "$hook" >/dev/null 2>&1
	done
	if [ -n "$STEERD_PID" ] && _alive "$STEERD_PID"; then
		stop_steerd 5 >/dev/null
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$E2E_TMP" ]; then
		e2e_dump_logs
	fi
	topo_release
	if [ -n "$E2E_TMP" ]; then
		if [ "${E2E_KEEP_TMP:-0}" = 1 ]; then
			say "kept $E2E_TMP"
		else
			rm -rf "$E2E_TMP"
		fi
	fi
	# DPDK's runtime directory for our unique --file-prefix.
	rm -rf "/var/run/dpdk/steer-e2e-$$"
	rm -f "$E2E_STATE/dirs"
	rmdir "$E2E_STATE" 2>/dev/null
	exit "$rc"
}

e2e_dump_logs() {
	local f
	if [ -s "$E2E_TMP/steerd.log" ]; then
		say "--- steerd log (last 40 lines)"
		tail -n 40 "$E2E_TMP/steerd.log"
	fi
	for f in "$E2E_STATE"/server-*.log; do
		[ -s "$f" ] || continue
		say "--- $(basename "$f") (last 5 lines)"
		tail -n 5 "$f"
	done
}

# e2e_end: the verdict.
e2e_end() {
	say "== $E2E_NAME: $E2E_CHECKS checks, $E2E_FAILS failed"
	[ "$E2E_FAILS" -eq 0 ] || exit 1
	[ "$E2E_CHECKS" -gt 0 ] || { say "no checks ran"; exit 1; }
	exit 0
}

# --- steerd ---------------------------------------------------------------

# e2e_config [SED_EXPR...]: a copy of config/demo.conf for this run: unique
# EAL --file-prefix, control socket in the temp dir, then the given sed
# expressions (e.g. shorter timeouts). Prints its path. Use it as
# `cfg=$(e2e_config ...)` so that a failure stops the case (set -e).
# shellcheck disable=SC2120  # most cases pass no expressions
e2e_config() {
	local out="$E2E_TMP/steer.conf" args=() e
	if standin; then echo -; return 0; fi
	for e in "$@"; do args+=(-e "$e"); done
	sed -e "s/--file-prefix=[A-Za-z0-9_.-]*/--file-prefix=steer-e2e-$$/" \
		-e "s|socket *= *\"[^\"]*\"|socket = \"$E2E_TMP/steer.sock\"|" \
		"${args[@]}" "$STEER_SRC/config/demo.conf" >"$out"
	if ! grep -q -- "--file-prefix=steer-e2e-$$" "$out"; then
		echo "config: no --file-prefix to replace in config/demo.conf" >&2
		return 1
	fi
	if [ "${STEER_E2E_PMD:-af_packet}" = af_xdp ]; then
		# The same veths through AF_XDP sockets (docs/operations.md,
		# "AF_XDP"): one queue each, so the cases that give af_packet
		# two queue pairs for two workers have no AF_XDP twin here.
		if grep -q "qpairs=" "$out"; then
			# (stderr: this runs in the caller's $(...); set -e
			# passes the 77 on)
			echo "SKIP  STEER_E2E_PMD=af_xdp: this case's two queues per port are af_packet's (qpairs)" >&2
			exit 77
		fi
		sed -i -e 's/net_af_packet\([0-9]\)/net_af_xdp\1/g' "$out"
		grep -q "net_af_xdp0" "$out" && echo "      ports: net_af_xdp" >&2
	fi
	echo "$out"
}

# _alive PID: running and not a zombie (kill -0 succeeds on zombies, and
# steerd is our child until we wait for it).
_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# start_steerd CONFIG: --check it, run steerd in the background with its
# stats file in the temp dir, wait until it accepts TCP on the listener.
# In stand-in mode it only waits for the stand-in router.
start_steerd() {
	local cfg=$1
	if ! standin; then
		[ -s "$cfg" ] || die "no config file '$cfg'"
		if ! "$STEERD" --check -c "$cfg" >"$E2E_TMP/check.log" 2>&1; then
			cat "$E2E_TMP/check.log"
			die "steerd --check -c $cfg"
		fi
		STEER_STATS="$E2E_TMP/stats.json"
		rm -f "$STEER_STATS"
		# setsid: a terminal's Ctrl-C reaches the script, whose trap stops
		# steerd in order. It does not fork here (we are not a group
		# leader), so $! is steerd's pid.
		setsid "$STEERD" -c "$cfg" --stats-file "$STEER_STATS" \
			</dev/null >"$E2E_TMP/steerd.log" 2>&1 &
		STEERD_PID=$!
		echo "$STEERD_PID" >"$E2E_STATE/steerd.pid"
	fi
	wait_ready 30 || die "router ready on $ROUTER:80 within 30 s"
	say "      router ready"
}

# wait_ready SECONDS: until st-client completes a TCP handshake with the
# listener. steerd answers the SYN itself (delayed binding), so this needs
# ARP and the listener, not the backends; no request is sent.
wait_ready() {
	local deadline=$((SECONDS + $1))
	while [ $SECONDS -lt $deadline ]; do
		if [ -n "$STEERD_PID" ] && ! _alive "$STEERD_PID"; then
			say "steerd exited during start-up:"
			tail -n 30 "$E2E_TMP/steerd.log"
			return 1
		fi
		if ip netns exec st-client timeout 1 \
			bash -c "exec 3<>/dev/tcp/$ROUTER/80" 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# stop_steerd [SECONDS]: SIGTERM and wait; STEERD_RC is its exit status, or
# "timeout" when it had to be killed.
stop_steerd() {
	local t=${1:-5} i
	[ -n "$STEERD_PID" ] || return 0
	kill -TERM "$STEERD_PID" 2>/dev/null || true
	for i in $(seq $((t * 10))); do
		_alive "$STEERD_PID" || break
		sleep 0.1
	done
	if _alive "$STEERD_PID"; then
		kill -KILL "$STEERD_PID" 2>/dev/null
		wait "$STEERD_PID" 2>/dev/null
		STEERD_RC=timeout
	else
		STEERD_RC=0
		wait "$STEERD_PID" 2>/dev/null || STEERD_RC=$?
	fi
	STEERD_PID=
	rm -f "$E2E_STATE/steerd.pid"
}

# stats_json: SIGUSR1, then print the fresh counters JSON ("{}" in stand-in
# mode). The file may be rewritten in place or replaced; a change of its
# content is what tells us it is fresh.
stats_json() {
	if standin || [ -z "$STEERD_PID" ]; then
		[ -n "$STEER_STATS" ] && [ -s "$STEER_STATS" ] &&
			_json_last "$STEER_STATS" && return 0
		echo '{}'
		return 0
	fi
	local before
	before=$(cat "$STEER_STATS" 2>/dev/null | md5sum)
	kill -USR1 "$STEERD_PID"
	local i
	for i in $(seq 50); do
		sleep 0.1
		[ "$(cat "$STEER_STATS" 2>/dev/null | md5sum)" != "$before" ] || continue
		_json_last "$STEER_STATS" 2>/dev/null && return 0
	done
	# Unchanged (identical counters) or unparsable: take what is there.
	_json_last "$STEER_STATS" || echo '{}'
}

# _json_last FILE: the last complete JSON object in FILE (whether steerd
# truncates or appends, this is the newest snapshot).
_json_last() {
	"$E2E_PYTHON" - "$1" <<'PY'
import json, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
dec = json.JSONDecoder()
i, last = 0, None
while True:
    j = text.find("{", i)
    if j < 0:
        break
    try:
        obj, end = dec.raw_decode(text, j)
    except ValueError:
        i = j + 1
        continue
    if isinstance(obj, dict):
        last = obj
    i = end
if last is None:
    sys.exit(1)
print(json.dumps(last))
PY
}

# json_get JSON PATH: the value at a dotted path ("counters.http_400",
# "intercepts.alice-web"), empty when absent. Integral numbers print as
# integers (counters may come as 3 or 3.0), objects and lists as JSON.
json_get() {
	"$E2E_PYTHON" - "$1" "$2" <<'PY'
import json, sys
try:
    v = json.loads(sys.argv[1])
except ValueError:
    sys.exit(0)
for k in sys.argv[2].split("."):
    if isinstance(v, dict) and k in v:
        v = v[k]
    elif isinstance(v, list) and k.isdigit() and int(k) < len(v):
        v = v[int(k)]
    else:
        sys.exit(0)
if isinstance(v, bool):
    print("true" if v else "false")
elif isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
    print(int(v))
elif isinstance(v, float):
    print(v)
elif isinstance(v, str):
    print(v)
else:
    print(json.dumps(v))
PY
}

# check_counter STATS PATH OP N DESC: soft when the key is absent (steerd's
# counter set may differ from counters.h), hard when present and wrong.
# OP is a test(1) operator: -ge, -eq, -le ...
check_counter() {
	local stats=$1 path=$2 op=$3 n=$4 desc=$5 v
	if standin; then return 0; fi
	v=$(json_get "$stats" "$path")
	if [ -z "$v" ]; then
		warn "$desc: counter $path not reported"
	elif ! [[ $v =~ ^[0-9]+$ ]]; then
		fail "$desc: $path = '$v', not a count"
	elif test "$v" "$op" "$n"; then
		pass "$desc: $path = $v ($op $n)"
	else
		fail "$desc: $path = $v, expected $op $n"
	fi
}

# --- steerctl and metrics ------------------------------------------------

# needs_steerctl: skip (77) without an executable STEERCTL, or in stand-in
# mode (no control socket there).
needs_steerctl() {
	needs_steerd "the control socket is steerd's"
	[ -n "${STEERCTL:-}" ] && [ -x "$STEERCTL" ] ||
		skip "STEERCTL is not an executable (got '${STEERCTL:-}')"
}

# steerctl_run ARGS...: steerctl on this run's socket; its status is the
# command's.
steerctl_run() {
	"$STEERCTL" --socket "$STEER_SOCK" "$@"
}

# generation: the running ruleset's generation (empty when steerd does not
# answer).
generation() {
	local st
	st=$(steerctl_run --json status 2>/dev/null) || true
	json_get "$st" generation
}

# metrics_scrape: the Prometheus text from steerd's metrics endpoint.
metrics_scrape() {
	curl -sS --max-time 5 "http://$STEER_METRICS/metrics"
}

# now_s: wall-clock seconds with ns digits (comparable with Python's
# time.time() in any namespace: CLOCK_REALTIME is not namespaced).
now_s() { date +%s.%N; }

# --- clients --------------------------------------------------------------

# curl_from_client ARGS...: curl inside st-client, 10 s cap unless the
# arguments give their own --max-time later (curl takes the last one).
curl_from_client() {
	ip netns exec st-client curl --max-time 10 -sS "$@"
}

# served_by ARGS...: "CODE NAME" of one request (NAME from X-Served-By,
# "-" when absent); "000 -" when the request failed.
served_by() {
	local out
	out=$(curl_from_client -o /dev/null -w '%{http_code} %header{x-served-by}' "$@" 2>/dev/null) || true
	set -- $out
	echo "${1:-000} ${2:--}"
}

# check_route DESC EXPECT [CURL ARGS...]: one request (default URL: the
# listener) must get a 2xx from a server whose name matches the extended
# regex EXPECT (whole name), e.g. 'web-a|web-b'.
check_route() {
	local desc=$1 expect=$2
	shift 2
	local has_url=0 a
	for a in "$@"; do case $a in http://*) has_url=1 ;; esac; done
	[ $has_url = 1 ] || set -- "$@" "http://$ROUTER/"
	local code name
	read -r code name < <(served_by "$@")
	if [[ $code == 2?? ]] && [[ $name =~ ^($expect)$ ]]; then
		pass "$desc -> $name"
	else
		fail "$desc -> HTTP $code from '$name', expected $expect"
	fi
}

# client_many ARGS...: client.py many inside st-client (see client.py);
# prints its JSON summary.
client_many() {
	ip netns exec st-client "$E2E_PYTHON" "$E2E_DIR/client.py" many "$@" || true
}

# client_raw ARGS...: client.py raw inside st-client.
client_raw() {
	ip netns exec st-client "$E2E_PYTHON" "$E2E_DIR/client.py" raw "$@" || true
}

# pattern_sha256 N: sha256 of the servers' /bytes/N body.
pattern_sha256() {
	"$E2E_PYTHON" "$E2E_DIR/server.py" --pattern-sha256 "$1"
}
