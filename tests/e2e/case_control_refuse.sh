#!/usr/bin/env bash
# Changes that must be refused, each with a clear message and a non-zero
# exit, while the running rules keep serving unchanged (docs/control.md: "A
# change that fails validation is refused whole"): a conflicting intercept
# (the message names the one in the way), an invalid regex (Hyperscan's own
# message), an unknown service or tunnel, removing a tunnel still in use,
# reloading a file that changes a port or the EAL arguments ("need a
# restart"), reloading a syntactically broken file. The generation never
# moves, and after every refusal the old rules still route.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerctl
e2e_begin control_refuse
cfg=$(e2e_config)
start_steerd "$cfg"

H=x-telepresence-intercept-id
gen0=$(generation)
if [[ $gen0 =~ ^[0-9]+$ ]]; then
	pass "status answers, generation $gen0"
else
	die "steerctl status: no generation (got '$gen0')"
fi

# still_serving WHAT: the demo rules still hold, and the generation is the
# one we started with.
still_serving() {
	local what=$1 g ok=1 code name
	g=$(generation)
	read -r code name < <(served_by -H "$H: 7f3a:alice-web" "http://$ROUTER/")
	[[ $code == 2?? && $name == alice ]] || ok=0
	local a=$name
	read -r code name < <(served_by -H "x-user: bob1" "http://$ROUTER/api/x")
	[[ $code == 2?? && $name == bob ]] || ok=0
	local b=$name
	read -r code name < <(served_by "http://$ROUTER/")
	[[ $code == 2?? && $name =~ ^(web-a|web-b)$ ]] || ok=0
	local c=$name
	if [ "$ok" = 1 ] && [ "$g" = "$gen0" ]; then
		pass "after $what: generation still $g; alice-web -> $a, bob-api -> $b, plain -> $c"
	else
		fail "after $what: generation '$g' (was $gen0); alice-web -> $a, bob-api -> $b, plain -> $c"
	fi
}

# refused DESC REGEX CMD...: CMD must exit non-zero with a message (stdout
# or stderr) matching the extended regex REGEX.
refused() {
	local desc=$1 re=$2 out rc
	shift 2
	rc=0
	out=$("$@" 2>&1) || rc=$?
	out=$(printf '%s' "$out" | tr '\n' ' ')
	if [ "$rc" = 0 ]; then
		fail "$desc: accepted (exit 0): $out"
	elif [[ $out =~ $re ]]; then
		pass "$desc: refused (exit $rc): $out"
	else
		fail "$desc: exit $rc but the message does not match /$re/: '$out'"
	fi
}

refused "intercept with alice-web's matcher" "conflicts with intercept 'alice-web'" \
	steerctl_run intercept add alice2 --service web --tunnel bob \
	--header "$H=7f3a:alice-web"
still_serving "the conflicting intercept"

# Hyperscan's message for an unclosed group (see docs/configuration.md).
refused "invalid regex '(abc'" "invalid regex: .*[Mm]issing close parenthesis" \
	steerctl_run intercept add badre --service web --tunnel bob \
	--header-regex 'x-user=(abc'
still_serving "the invalid regex"

refused "unknown service" "unknown service 'nope'" \
	steerctl_run intercept add x1 --service nope --tunnel bob --header x-a=1
refused "unknown tunnel" "unknown tunnel 'nope'" \
	steerctl_run intercept add x2 --service web --tunnel nope --header x-a=1
still_serving "unknown service and tunnel"

refused "removing tunnel bob while bob-api uses it" "tunnel 'bob' is used by intercept '(bob-api|carol-bg)'" \
	steerctl_run tunnel remove bob
refused "removing an intercept that does not exist" "no intercept named 'nobody'" \
	steerctl_run intercept remove nobody
still_serving "the tunnel in use"

# Reloads: the file is read by steerd, whole, and checked against what
# only a restart can change.
port_cfg="$E2E_TMP/port-changed.conf"
sed 's|address = "198.18.0.1/24"|address = "198.18.0.2/24"|' "$cfg" >"$port_cfg"
grep -q '198.18.0.2/24' "$port_cfg" || die "could not edit the edge port address in $port_cfg"
refused "reload with the edge port's address changed" "need a restart" \
	steerctl_run reload "$port_cfg"

eal_cfg="$E2E_TMP/eal-changed.conf"
sed 's|"-m", "512"|"-m", "256"|' "$cfg" >"$eal_cfg"
grep -q '"-m", "256"' "$eal_cfg" || die "could not edit the EAL -m in $eal_cfg"
refused "reload with other EAL arguments" "need a restart" \
	steerctl_run reload "$eal_cfg"
still_serving "the reloads that need a restart"

broken_cfg="$E2E_TMP/broken.conf"
# An unterminated group in the middle of the file: libconfig's syntax
# error, named with the file and a line.
awk '{ print } /^intercepts = \(/ { print "  { name = \"oops\"; service = \"web\"" }' \
	"$cfg" >"$broken_cfg"
refused "reload of a syntactically broken file" "broken\\.conf:[0-9]+: .*syntax error" \
	steerctl_run reload "$broken_cfg"
refused "reload of a file that does not exist" "cannot read" \
	steerctl_run reload "$E2E_TMP/no-such.conf"
still_serving "the broken reloads"

# The same requests through the raw protocol: a refusal is ok:false with
# an error, never a partial change.
resp=$(steerctl_run --json intercept add alice3 --service web --tunnel bob \
	--header "$H=7f3a:alice-web" 2>/dev/null || true)
if [ "$(json_get "$resp" ok)" = false ] && [ -n "$(json_get "$resp" error)" ]; then
	pass "--json: refusal is {\"ok\":false,\"error\":...}"
else
	fail "--json refusal: '$resp'"
fi
n=$(steerctl_run --json intercept list | "$E2E_PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["intercepts"]))')
if [ "$n" = 3 ]; then
	pass "intercept list still holds the 3 intercepts of the file"
else
	fail "intercept list holds $n intercepts, expected 3"
fi
e2e_end
