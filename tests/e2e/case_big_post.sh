#!/usr/bin/env bash
# A 10 MB POST arrives intact (sha256 and length) at a cluster backend and,
# through VXLAN, at alice — with Content-Length and chunked bodies. The
# body is far beyond the header buffer, so this is the splice path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin big_post
cfg=$(e2e_config)
start_steerd "$cfg"

N=$((10 * 1024 * 1024))
body="$E2E_TMP/post.bin"
"$E2E_PYTHON" "$E2E_DIR/server.py" --pattern "$N" >"$body"
want=$(sha256sum "$body" | cut -d' ' -f1)

# post DESC EXPECT URL [CURL ARGS...]
post() {
	local desc=$1 expect=$2 url=$3 t0 out sb sum len
	shift 3
	t0=$SECONDS
	out=$(curl_from_client --max-time 120 --data-binary "@$body" \
		-H 'Content-Type: application/octet-stream' "$@" "$url/upload" 2>&1 || true)
	sb=$(json_get "$out" served_by)
	sum=$(json_get "$out" sha256)
	len=$(json_get "$out" length)
	if [[ $sb =~ ^($expect)$ ]] && [ "$sum" = "$want" ] && [ "$len" = "$N" ]; then
		pass "$desc: $N bytes, sha256 matches, served by $sb ($((SECONDS - t0)) s)"
	else
		fail "$desc: served by '$sb', length '$len', sha256 '$sum' (want $N, $want); got: ${out:0:300}"
	fi
}

post "POST 10 MB to the cluster" 'web-a|web-b' "http://$ROUTER"
post "POST 10 MB chunked to the cluster" 'web-a|web-b' "http://$ROUTER" \
	-H 'Transfer-Encoding: chunked'
post "POST 10 MB to alice over VXLAN" alice "$ALICE_URL" "${ALICE_ARGS[@]}"
post "POST 10 MB chunked to alice over VXLAN" alice "$ALICE_URL" "${ALICE_ARGS[@]}" \
	-H 'Transfer-Encoding: chunked'

stats=$(stats_json)
check_counter "$stats" drops.tx_full -eq 0 "no TX queue drops"
e2e_end
