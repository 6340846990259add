#!/usr/bin/env bash
# `steerctl watch FILE` re-applies FILE whenever it changes: an edit in
# place and a save via rename (write a temporary file, rename it over) are
# each in force within 2 s (a request shows it); a broken edit is reported
# as refused and the previous rules keep serving; a fixed file is applied
# again; watch exits 0 on SIGTERM.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerctl
e2e_begin control_watch
cfg=$(e2e_config)
start_steerd "$cfg"

# The watched file lives in its own directory (watch follows the
# directory's events).
mkdir "$E2E_TMP/etc"
wfile="$E2E_TMP/etc/steer.conf"
cp "$cfg" "$wfile"
wlog="$E2E_TMP/watch.log"

# with_intercepts GROUP...: the base config with these intercept groups
# put first in its intercepts list.
with_intercepts() {
	local extra="" g
	for g in "$@"; do extra+="  $g,"$'\n'; done
	awk -v extra="$extra" '{ print } /^intercepts = \(/ { printf "%s", extra }' "$cfg"
}
W1='{ name = "watch-1"; service = "web"; tunnel = "bob"; headers = ( { name = "x-watch"; value = "one"; } ); }'
W2='{ name = "watch-2"; service = "web"; tunnel = "alice"; headers = ( { name = "x-watch"; value = "two"; } ); }'

# watch_lines: how many result lines ("applied"/"refused") watch printed.
watch_lines() { grep -cE 'applied generation|refused:' "$wlog" 2>/dev/null || true; }

# wait_watch_line N SECONDS: until watch has printed N result lines; the
# last one on stdout.
wait_watch_line() {
	local n=$1 deadline=$((SECONDS + $2))
	while [ "$(watch_lines)" -lt "$n" ] && [ $SECONDS -lt $deadline ]; do
		sleep 0.05
	done
	grep -E 'applied generation|refused:' "$wlog" | sed -n "${n}p"
}

# until_served EXPECT SECONDS CURL_ARGS...: repeat one request until a
# server matching EXPECT answers it; prints the seconds that took (from
# the call), or "never".
until_served() {
	local expect=$1 limit=$2 t0 code name
	shift 2
	t0=$(now_s)
	while :; do
		read -r code name < <(served_by "$@" "http://$ROUTER/")
		if [[ $code == 2?? && $name =~ ^($expect)$ ]]; then
			"$E2E_PYTHON" -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(now_s)"
			return 0
		fi
		if "$E2E_PYTHON" -c "import sys; sys.exit(float(sys.argv[2]) - float(sys.argv[1]) < float(sys.argv[3]))" "$t0" "$(now_s)" "$limit"; then
			echo never
			return 0
		fi
		sleep 0.05
	done
}

# in_time DESC SECONDS: pass when SECONDS is a number <= 2.
in_time() {
	if [ "$2" != never ] && "$E2E_PYTHON" -c "import sys; sys.exit(float(sys.argv[1]) > 2.0)" "$2"; then
		pass "$1 within 2 s (${2} s)"
	else
		fail "$1: not in force within 2 s (waited 5 s)"
	fi
}

check_route "before watch: x-watch: one -> cluster" 'web-a|web-b' -H 'x-watch: one'
# The first flow to a new next hop waits for ARP (its SYN is retransmitted
# after 1 s): resolve bob and alice now, so the 2 s below measure the rule
# change only.
check_route "warm-up: bob resolved" bob -H 'x-user: bob1' "http://$ROUTER/api/"
check_route "warm-up: alice resolved" alice -H 'x-telepresence-intercept-id: 7f3a:alice-web'
gen0=$(generation)

"$STEERCTL" --socket "$STEER_SOCK" watch "$wfile" >"$wlog" 2>&1 &
WATCH_PID=$!
e2e_on_exit "kill -TERM $WATCH_PID"
# It applies the file once at start.
first=$(wait_watch_line 1 5)
if [[ $first == *"applied generation $((gen0 + 1))"* ]]; then
	pass "watch applies the file at start: $first"
else
	fail "watch's first line: '$first' (generation was $gen0); log: $(tr '\n' ' ' <"$wlog" | head -c 400)"
fi

# 1. Edit in place (truncate and write, as `cat > file` or most editors'
# plain save).
with_intercepts "$W1" >"$E2E_TMP/next.conf"
cat "$E2E_TMP/next.conf" >"$wfile"
t=$(until_served bob 5 -H 'x-watch: one')
in_time "edit in place: watch-1 (x-watch: one -> bob)" "$t"
line=$(wait_watch_line 2 3)
if [[ $line == *"applied generation"* ]]; then pass "watch reports: $line"; else fail "watch's line after the edit: '$line'"; fi

# 2. Save via rename: a new inode under the same name.
with_intercepts "$W1" "$W2" >"$E2E_TMP/etc/.steer.conf.tmp"
mv "$E2E_TMP/etc/.steer.conf.tmp" "$wfile"
t=$(until_served alice 5 -H 'x-watch: two')
in_time "save via rename: watch-2 (x-watch: two -> alice)" "$t"
check_route "watch-1 still in force" bob -H 'x-watch: one'
line=$(wait_watch_line 3 3)
if [[ $line == *"applied generation"* ]]; then pass "watch reports: $line"; else fail "watch's line after the rename: '$line'"; fi
sleep 0.5   # nothing else pending
n_before=$(watch_lines)
gen1=$(generation)

# 3. A broken edit: refused, reported, and the previous rules serve on.
{ with_intercepts "$W1" "$W2"; echo 'intercepts_oops = ( { name = '; } >"$wfile"
line=$(wait_watch_line $((n_before + 1)) 3)
if [[ $line == *"refused:"*"steer.conf:"*"syntax error"* ]]; then
	pass "broken edit reported: ${line#* * }"
else
	fail "broken edit: watch printed '$line', expected 'refused: ...steer.conf:LINE: syntax error'"
fi
g=$(generation)
if [ "$g" = "$gen1" ]; then
	pass "generation unchanged after the refused edit ($g)"
else
	fail "generation $gen1 -> $g after a refused edit"
fi
check_route "after the broken edit: watch-1 still -> bob" bob -H 'x-watch: one'
check_route "after the broken edit: watch-2 still -> alice" alice -H 'x-watch: two'
check_route "after the broken edit: plain -> cluster" 'web-a|web-b'

# 4. Fixed again, without watch-1: applied, and watch-1 is gone.
with_intercepts "$W2" >"$E2E_TMP/etc/.steer.conf.tmp"
mv "$E2E_TMP/etc/.steer.conf.tmp" "$wfile"
t=$(until_served 'web-a|web-b' 5 -H 'x-watch: one')
in_time "fixed file without watch-1 (x-watch: one -> cluster again)" "$t"
check_route "watch-2 still -> alice" alice -H 'x-watch: two'

# 5. SIGTERM: exit 0, promptly.
kill -TERM "$WATCH_PID"
rc=timeout
for _ in $(seq 40); do
	if ! _alive "$WATCH_PID"; then
		rc=0
		wait "$WATCH_PID" || rc=$?
		break
	fi
	sleep 0.05
done
if [ "$rc" = 0 ]; then
	pass "watch exits 0 on SIGTERM"
else
	fail "watch on SIGTERM: exit status '$rc' (within 2 s)"
	kill -KILL "$WATCH_PID" 2>/dev/null || true
fi
say "      watch log:"
sed 's/^/        /' "$wlog"
e2e_end
