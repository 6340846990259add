#!/usr/bin/env bash
# The bash completion of steerctl (ctrl/steerctl.bash), driven as bash
# drives it: COMP_WORDS split at COMP_WORDBREAKS, COMP_CWORD, then
# COMPREPLY compared. The commands, sub-commands and options it must offer
# are read from `steerctl --help`, so a command or option added there and
# not here fails. Live names come from the real steerctl talking to
# fake_steerd.py on a Unix socket in a temporary directory.
#
# usage: steerctl_completion_test.sh COMPLETION STEERCTL PYTHON FAKE_STEERD
set -u

completion=$1 bin=$2 python=$3 fake=$4
tmp=$(mktemp -d)
fake_pid=
cleanup() {
	[[ -n $fake_pid ]] && kill "$fake_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export STEER_SOCKET=$tmp/no-steerd.sock     # nothing real is ever asked
fails=0 checks=0

# shellcheck source=/dev/null
source "$completion" || { echo "FAIL: cannot source $completion"; exit 1; }
complete -p steerctl | grep -q -- '-F _steerctl' ||
	{ echo "FAIL: no completion registered for steerctl"; exit 1; }

# Complete LINE (the text before the cursor) as bash would and set REPLY
# to the sorted candidates, one line each; stderr of the completion goes
# to $tmp/stderr.
complete_line() {
	local line=$1 w part ch
	local -a ws
	COMP_LINE=$line COMP_POINT=${#line}
	COMP_WORDS=()
	read -ra ws <<<"$line"
	[[ $line == *' ' ]] && ws+=('')
	for w in "${ws[@]}"; do
		if [[ -z $w ]]; then
			COMP_WORDS+=('')
			continue
		fi
		while [[ $w == *[=:]* ]]; do
			part=${w%%[=:]*}
			ch=${w:${#part}:1}
			[[ -n $part ]] && COMP_WORDS+=("$part")
			COMP_WORDS+=("$ch")
			w=${w:${#part}+1}
		done
		[[ -n $w ]] && COMP_WORDS+=("$w")
	done
	COMP_WORDS[0]=$bin
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_steerctl steerctl "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD - 1]}" 2>"$tmp/stderr"
	REPLY=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort)
}

words() { tr ' ' '\n' <<<"$*" | sed '/^$/d' | sort -u; }

# expect LINE WANTED...: the candidates are exactly WANTED (any order)
expect() {
	local line=$1 want
	shift
	want=$(words "$@")
	complete_line "$line"
	checks=$((checks + 1))
	if [[ $REPLY != "$want" ]]; then
		echo "FAIL: '$line': got [${REPLY//$'\n'/ }], want [${want//$'\n'/ }]"
		fails=$((fails + 1))
	fi
	if [[ -s $tmp/stderr ]]; then
		echo "FAIL: '$line' wrote to stderr: $(cat "$tmp/stderr")"
		fails=$((fails + 1))
	fi
}

# ---- what steerctl --help lists ----

help=$("$bin" --help) || { echo "FAIL: $bin --help"; exit 1; }
# a command's syntax is the part of its line before the description
# (two spaces or more); continuation lines are indented further
syntax=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
	on && /^  [a-z]/ { s = substr($0, 3); sub(/  .*/, "", s)
		split(s, w, " "); key = w[1]; if (w[2] ~ /^[a-z]+$/) key = key " " w[2]
		print key "\t" s; next }
	on { print key "\t" $0 }' <<<"$help")
commands=$(cut -f1 <<<"$syntax" | awk '{ print $1 }' | sort -u)
keys=$(cut -f1 <<<"$syntax" | sort -u)
[[ $(wc -l <<<"$commands") -ge 8 ]] ||
	{ echo "FAIL: read too few commands from --help: $commands"; exit 1; }

expect 'steerctl ' "$commands"
expect 'steerctl -' "$(grep -o -- '--[a-z-]*' <<<"${help%%$'\n'*}")" --help
while read -r cmd; do
	verbs=$(awk -v c="$cmd" '$1 == c && NF > 1 { print $2 }' <<<"$keys")
	[[ -n $verbs ]] && expect "steerctl $cmd " "$verbs"
done <<<"$commands"
while read -r key; do
	[[ $key == help ]] && continue
	opts=$(awk -F'\t' -v k="$key" '$1 == k { print $2 }' <<<"$syntax" |
		grep -o -- '--[a-z][a-z-]*')
	expect "steerctl $key -" "$opts"
done <<<"$keys"

# ---- words, prefixes and values ----

expect 'steerctl st' stats status
expect 'steerctl --json --timeout 2 st' stats status
expect 'steerctl --socket /x st' stats status
expect 'steerctl --socket=/x --json intercept re' remove renew
expect 'steerctl backend d' drain
expect 'steerctl --j' --json
expect 'steerctl stats --p' --per-worker
expect 'steerctl tunnel add t --type ' direct vxlan
expect 'steerctl tunnel add t --type=v' vxlan
expect 'steerctl tunnel add t --no-' --no-fail-open
expect 'steerctl intercept add x --header-p' --header-prefix --header-present
expect 'steerctl flows --limit ' ''
expect 'steerctl status ' ''
f=$tmp/files
mkdir "$f" && touch "$f/a.conf" "$f/b.conf" "$f/sfile"
expect "steerctl check $f/a" "$f/a.conf"
expect "steerctl watch $f/" "$f/a.conf" "$f/b.conf" "$f/sfile"
expect "steerctl reload $f/b" "$f/b.conf"
expect "steerctl check $f/a.conf " ''
expect "steerctl --socket $f/sf" "$f/sfile"
expect "steerctl --socket=$f/sf" "$f/sfile"

# ---- live names: none, and silence, without steerd ----

expect 'steerctl intercept remove ' ''
expect "steerctl --socket $tmp/none.sock tunnel remove " ''
expect 'steerctl backend drain ' ''
expect 'steerctl intercept add x --service ' ''

# ---- live names from a steerd ----

"$python" "$fake" "$tmp/sock" "$tmp/requests" &
fake_pid=$!
for _ in $(seq 100); do
	[[ -S $tmp/sock ]] && break
	sleep 0.05
done
[[ -S $tmp/sock ]] || { echo "FAIL: fake steerd did not start"; exit 1; }

s="--socket $tmp/sock"
expect "steerctl $s intercept remove " alice-web bob-api all
expect "steerctl $s intercept remove a" alice-web all
expect "steerctl $s intercept remove all " ''
expect "steerctl --socket=$tmp/sock tunnel remove " alice bob
expect "steerctl $s intercept add x --service " api search web
expect "steerctl $s intercept add x --tunnel b" bob
expect "steerctl $s intercept add x --service web --tunnel " alice bob
expect "steerctl $s backend remove " api search web
expect "steerctl $s backend drain web " 198.18.1.10:8080 198.18.1.11:8080
expect "steerctl $s backend drain web 198.18.1.1" 198.18.1.10:8080 198.18.1.11:8080
# bash replaces only what follows the ':' it split at
expect "steerctl $s backend drain web 198.18.1.11:" 8080
expect "steerctl $s backend remove api " 198.18.1.12:8080
expect "steerctl $s backend add web " ''
STEER_SOCKET=$tmp/sock expect 'steerctl tunnel remove ' alice bob

checks=$((checks + 1))
if [[ ! -s $tmp/requests ]] || grep -qv '\.list$' "$tmp/requests"; then
	echo "FAIL: completion asked steerd: $(sort -u "$tmp/requests" 2>/dev/null | tr '\n' ' ')"
	fails=$((fails + 1))
fi

echo "$checks checks, $fails failed"
((fails == 0))
