#!/usr/bin/env bash
# A 100 MB response arrives intact (sha256 over the servers' deterministic
# pattern) from a cluster backend and, through VXLAN, from alice.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin big_get
cfg=$(e2e_config)
start_steerd "$cfg"

N=$((100 * 1024 * 1024))
want=$(pattern_sha256 "$N")

# get DESC EXPECT URL [CURL ARGS...]
get() {
	local desc=$1 expect=$2 url=$3 t0 sum sb hdr="$E2E_TMP/get.hdr"
	shift 3
	rm -f "$hdr"
	t0=$SECONDS
	sum=$(curl_from_client --max-time 240 -D "$hdr" "$@" "$url/bytes/$N" |
		sha256sum | cut -d' ' -f1) || true
	sb=$(tr -d '\r' <"$hdr" 2>/dev/null | sed -n 's/^[Xx]-[Ss]erved-[Bb]y: *//p' | tail -n 1)
	if [[ $sb =~ ^($expect)$ ]] && [ "$sum" = "$want" ]; then
		pass "$desc: sha256 matches, served by $sb ($((SECONDS - t0)) s)"
	else
		fail "$desc: served by '$sb', sha256 $sum (want $want)"
	fi
}

get "GET 100 MB from the cluster" 'web-a|web-b' "http://$ROUTER"
get "GET 100 MB from alice over VXLAN" alice "$ALICE_URL" "${ALICE_ARGS[@]}"

stats=$(stats_json)
check_counter "$stats" drops.tx_full -eq 0 "no TX queue drops"
e2e_end
