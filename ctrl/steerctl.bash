# bash completion for steerctl(8): commands, sub-commands and options, and
# from a running steerd the names an argument wants (intercepts, tunnels,
# services, a service's backends). Installed into bash-completion's
# completions directory (docs/operations.md, "Shell completion"); needs
# nothing from bash-completion itself.
#
# Live names come from `steerctl ... list` with the socket given on the
# line (else $STEER_SOCKET, else the default), a half-second timeout, and
# no output at all when no steerd answers: read-only requests, parsed from
# the tables steerctl prints (names are 1..63 of A-Z a-z 0-9 . _ -, so a
# table's first column is one word).
#
# The word lists below follow `steerctl --help`;
# tests/unit/steerctl_completion_test.sh fails when they drift apart.

_steerctl_global_opts='--socket --json --timeout --etcd --cluster --config --help'
_steerctl_commands='status stats intercept tunnel backend reload dump watch flows check help'

# The verbs of a noun; the options of a command ("noun verb" or a single
# word), and those of them that take a value (whose value is not a
# positional argument).
_steerctl_verbs() {
	case $1 in
	intercept) echo 'add remove list renew' ;;
	tunnel) echo 'add remove list' ;;
	backend) echo 'add remove drain list' ;;
	esac
}

_steerctl_opts() {
	case $1 in
	stats) echo '--per-worker' ;;
	flows) echo '--limit' ;;
	'intercept add')
		echo '--service --tunnel --header --header-prefix --header-regex' \
			'--header-present --baggage --baggage-prefix' \
			'--baggage-regex --baggage-present --path-equal' \
			'--path-prefix --path-regex --preview --ttl' ;;
	'intercept renew') echo '--ttl' ;;
	'tunnel add')
		echo '--type --target --remote --vni --source --no-fail-open' ;;
	'backend add') echo '--weight' ;;
	esac
}

_steerctl_value_opts() {
	case $1 in
	flows) echo '--limit' ;;
	'intercept add' | 'intercept renew') _steerctl_opts "$1" ;;
	'tunnel add') echo '--type --target --remote --vni --source' ;;
	'backend add') echo '--weight' ;;
	esac
}

# Ask the running steerd: steerctl [--socket S] --timeout 0.5 "$@", its
# table on stdout without the header line; nothing when no steerd
# answers, or the answer is not a table with header HEAD.
_steerctl_ask() {
	local head=$1 out
	shift
	command -v -- "$_steerctl_prog" >/dev/null 2>&1 || return 0
	out=$("$_steerctl_prog" "${_steerctl_socket[@]}" --timeout 0.5 "$@" \
		</dev/null 2>/dev/null) || return 0
	case $out in
	"$head "*$'\n'*) printf '%s\n' "${out#*$'\n'}" ;;
	esac
}

_steerctl_intercepts() { _steerctl_ask NAME intercept list | awk '{ print $1 }'; }
_steerctl_tunnels() { _steerctl_ask NAME tunnel list | awk '{ print $1 }'; }
_steerctl_services() {
	{
		_steerctl_ask SERVICE backend list | awk '{ print $1 }'
		_steerctl_ask NAME intercept list | awk '{ print $2 }'
	} | sort -u
}
_steerctl_backends() {
	_steerctl_ask SERVICE backend list | awk -v s="$1" '$1 == s { print $2 }'
}

# The words as the user sees them: bash splits "--socket=/x" and
# "10.0.0.1:80" at COMP_WORDBREAKS ('=' and ':' become words of their
# own); glue them back into _steerctl_words, _steerctl_cword.
_steerctl_glue() {
	local i w glue=0
	_steerctl_words=()
	_steerctl_cword=-1
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		if ((${#_steerctl_words[@]} > 0)) &&
			{ ((glue)) || [[ $w == = || $w == : ]]; }; then
			_steerctl_words[-1]+=$w
			glue=0
			[[ $w == = || $w == : ]] && glue=1
		else
			_steerctl_words+=("$w")
		fi
		((i == COMP_CWORD)) && _steerctl_cword=$((${#_steerctl_words[@]} - 1))
	done
	((_steerctl_cword >= 0)) || {
		_steerctl_words+=('')
		_steerctl_cword=$((${#_steerctl_words[@]} - 1))
	}
}

# COMPREPLY: the words of $1 that start with $2 (the glued word being
# completed), less what bash does not replace: the text up to the last
# '=' or ':' it split at.
_steerctl_reply() {
	local cur=$2 keep='' w IFS=$' \t\n'
	[[ $COMP_WORDBREAKS == *[=:]* ]] && keep=${cur%"${cur##*[=:]}"}
	COMPREPLY=()
	for w in $1; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("${w#"$keep"}")
	done
}

_steerctl_files() {
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
	compopt -o filenames 2>/dev/null
	return 0
}

_steerctl() {
	local -a _steerctl_words _steerctl_socket=()
	local _steerctl_cword _steerctl_prog cur prev cmd='' ctx i w
	local -a pos=()
	local vopts

	COMPREPLY=()
	_steerctl_glue
	_steerctl_prog=${_steerctl_words[0]}
	cur=${_steerctl_words[_steerctl_cword]}
	prev=
	((_steerctl_cword > 0)) && prev=${_steerctl_words[_steerctl_cword - 1]}

	# the global options, the command and its positional words before
	# the one being completed
	for ((i = 1; i < _steerctl_cword; i++)); do
		w=${_steerctl_words[i]}
		if [[ -z $cmd ]]; then
			case $w in
			--socket | --timeout | --etcd | --cluster | --config)
				[[ $w == --socket ]] &&
					_steerctl_socket=(--socket "${_steerctl_words[i + 1]}")
				((i++))
				;;
			--socket=*) _steerctl_socket=(--socket "${w#*=}") ;;
			-*) ;;
			*) cmd=$w ctx=$w ;;
			esac
			continue
		fi
		if [[ -n $(_steerctl_verbs "$cmd") && $ctx == "$cmd" ]]; then
			ctx="$cmd $w"
			continue
		fi
		vopts=" $(_steerctl_value_opts "$ctx") "
		if [[ $w == -* && $w != *=* && $vopts == *" $w "* ]]; then
			((i++))
		elif [[ $w != -* ]]; then
			pos+=("$w")
		fi
	done

	if [[ -z $cmd ]]; then
		case $prev in
		--socket | --config) _steerctl_files "$cur"; return 0 ;;
		--timeout | --etcd | --cluster) return 0 ;;
		esac
		case $cur in
		--socket=*) _steerctl_files "${cur#*=}"; return 0 ;;
		-*) _steerctl_reply "$_steerctl_global_opts" "$cur" ;;
		*) _steerctl_reply "$_steerctl_commands" "$cur" ;;
		esac
		return 0
	fi
	if [[ -n $(_steerctl_verbs "$cmd") && $ctx == "$cmd" ]]; then
		_steerctl_reply "$(_steerctl_verbs "$cmd")" "$cur"
		return 0
	fi

	# an option's value, "--opt V" or "--opt=V" (bash replaces only V)
	vopts=" $(_steerctl_value_opts "$ctx") "
	if [[ $cur == --*=* && $vopts == *" ${cur%%=*} "* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
	fi
	if [[ $prev == -* && $vopts == *" $prev "* ]]; then
		case $prev in
		--service) _steerctl_reply "$(_steerctl_services)" "$cur" ;;
		--tunnel) _steerctl_reply "$(_steerctl_tunnels)" "$cur" ;;
		--type) _steerctl_reply 'direct vxlan' "$cur" ;;
		esac
		return 0
	fi
	if [[ $cur == -* ]]; then
		_steerctl_reply "$(_steerctl_opts "$ctx")" "$cur"
		return 0
	fi

	# a positional argument
	case $ctx in
	reload | check | watch)
		((${#pos[@]} == 0)) && _steerctl_files "$cur" ;;
	'intercept remove' | 'intercept renew')
		((${#pos[@]} == 0)) && _steerctl_reply "$(_steerctl_intercepts)" "$cur" ;;
	'tunnel remove')
		((${#pos[@]} == 0)) && _steerctl_reply "$(_steerctl_tunnels)" "$cur" ;;
	'backend add' | 'backend remove' | 'backend drain')
		if ((${#pos[@]} == 0)); then
			_steerctl_reply "$(_steerctl_services)" "$cur"
		elif ((${#pos[@]} == 1)) && [[ $ctx != 'backend add' ]]; then
			_steerctl_reply "$(_steerctl_backends "${pos[0]}")" "$cur"
		fi
		;;
	esac
	return 0
}

complete -F _steerctl steerctl
