#!/usr/bin/env bash
# The control socket as a boundary (docs/control.md): mode 0600 owned by
# root, or 0660 with control.group; a user outside that group cannot
# connect. The protocol survives bad input: malformed JSON, an unknown
# command and an oversized (> 64 KiB) line each get ok:false and the same
# connection keeps working; a client that sends half a line and stalls is
# cut off after ~5 s while others are served. The metrics listener is on
# 127.0.0.1 only.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
needs_steerctl
e2e_begin control_socket
SYSPY=/usr/bin/python3   # what an unprivileged user can run (not a pyenv shim)
for t in setpriv groupadd groupdel stat ss; do
	command -v "$t" >/dev/null || skip "needs $t"
done
[ -x "$SYSPY" ] || skip "needs $SYSPY"
id nobody >/dev/null 2>&1 || skip "needs the user nobody"
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)

# The socket's directory must be reachable for other users, so that only
# the socket's own mode keeps them out.
chmod 0711 "$E2E_TMP"
mkdir -m 0755 "$E2E_TMP/ctl"
STEER_SOCK="$E2E_TMP/ctl/steer.sock"
cfg=$(e2e_config "s|socket = \"[^\"]*\"|socket = \"$STEER_SOCK\"|")
start_steerd "$cfg"

[ -S "$STEER_SOCK" ] || die "no socket at $STEER_SOCK"
mode=$(stat -c '%a %U %G' "$STEER_SOCK")
if [ "$mode" = "600 root root" ]; then
	pass "socket is mode 0600, owner root ($mode)"
else
	fail "socket: mode/owner/group '$mode', expected '600 root root'"
fi

# as_nobody GROUPS...: connect as nobody (supplementary groups GROUPS, or
# none) and ask for status; prints "ok", "EACCES" or what went wrong.
as_nobody() {
	local groups=(--clear-groups)
	[ $# -gt 0 ] && groups=(--groups "$(IFS=,; echo "$*")")
	setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" "${groups[@]}" \
		"$SYSPY" -c '
import errno, json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e)))
    sys.exit(0)
s.sendall(b"{\"cmd\":\"status\"}\n")
line = s.makefile("rb").readline()
print("ok" if json.loads(line).get("ok") else "refused: %r" % line)' "$STEER_SOCK" 2>&1
}

r=$(as_nobody)
if [ "$r" = EACCES ]; then
	pass "nobody cannot connect to the 0600 socket (EACCES)"
else
	fail "nobody connecting to the 0600 socket: '$r', expected EACCES"
fi

# --- the protocol, spoken raw ---------------------------------------------
proto_out=$("$E2E_PYTHON" - "$STEER_SOCK" <<'PY'
import json, socket, sys, time
path = sys.argv[1]

def conn():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    return s, s.makefile("rb")

def ask(s, f, raw):
    s.sendall(raw)
    line = f.readline()
    try:
        return json.loads(line)
    except ValueError:
        return {"unparsable": line[:200].decode("latin-1")}

def check(desc, cond, detail):
    print(("ok %s" if cond else "FAIL %s") % desc + (": %s" % detail if detail else ""))

s, f = conn()
STATUS = b'{"cmd":"status"}\n'
for desc, raw in [
        ("malformed JSON", b'{"cmd": "status",,}\n'),
        ("not JSON at all", b'hello\n'),
        ("a JSON array", b'["status"]\n'),
        ("no cmd", b'{"command":"status"}\n'),
        ("unknown command", b'{"cmd":"frobnicate"}\n'),
        ("cmd of the wrong type", b'{"cmd":42}\n')]:
    r = ask(s, f, raw)
    check("%s -> ok:false with an error" % desc,
          r.get("ok") is False and isinstance(r.get("error"), str) and r["error"],
          r.get("error", r))
    r = ask(s, f, STATUS)
    check("... and the same connection answers status next", r.get("ok") is True, "" if r.get("ok") else r)

# Oversized: 70 000 bytes on one line (limit: 65 536). One error reply, the
# rest of the line discarded, the connection still usable.
big = b'{"cmd":"status","pad":"' + b"a" * 70000 + b'"}\n'
r = ask(s, f, big)
check("a 70 000-byte line -> ok:false", r.get("ok") is False and "error" in r, r.get("error", r))
r = ask(s, f, STATUS)
check("... and the next request on that connection is answered (no second error)",
      r.get("ok") is True and "generation" in r, "" if r.get("ok") else r)
# Under the limit either way the newline is counted: 65 535 bytes + LF.
pad = 65535 - len(b'{"cmd":"status"}')
r = ask(s, f, b'{"cmd":"status"}' + b" " * pad + b"\n")
check("a 65 535-byte line (within the limit) is served", r.get("ok") is True, "" if r.get("ok") else r)
# Two requests in one write: two replies, in order.
s.sendall(b'{"cmd":"frobnicate"}\n{"cmd":"status"}\n')
a, b = json.loads(f.readline()), json.loads(f.readline())
check("two pipelined requests -> two replies in order",
      a.get("ok") is False and b.get("ok") is True, "%s / %s" % (a.get("ok"), b.get("ok")))
s.close()

# A client that sends half a line and stalls is disconnected after ~5 s;
# meanwhile another client is served promptly.
stall, sf = conn()
stall.sendall(b'{"cmd":"sta')
t0 = time.monotonic()
stall.settimeout(0.05)
closed_at, worst, served = None, 0.0, 0
while time.monotonic() - t0 < 10 and closed_at is None:
    o, of = conn()
    t = time.monotonic()
    r = ask(o, of, STATUS)
    worst = max(worst, time.monotonic() - t)
    served += r.get("ok") is True
    o.close()
    try:
        d = stall.recv(4096)
        if d == b"":
            closed_at = time.monotonic() - t0
        else:
            print("FAIL the stalled client got data: %r" % d[:100])
            break
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed_at = time.monotonic() - t0
    time.sleep(0.2)
check("a client stalled mid-line is disconnected after ~5 s",
      closed_at is not None and 4.0 <= closed_at <= 7.5,
      "after %s s" % (None if closed_at is None else round(closed_at, 2)))
check("another client is served meanwhile", served >= 10 and worst < 1.0,
      "%d status requests, slowest %.3f s" % (served, worst))
PY
) || true
while IFS= read -r line; do
	case $line in
	ok\ *) pass "${line#ok }" ;;
	FAIL\ *) fail "${line#FAIL }" ;;
	*) say "      $line" ;;
	esac
done <<<"$proto_out"

# steerctl still works after all that.
if steerctl_run status >/dev/null; then
	pass "steerctl status after the raw clients"
else
	fail "steerctl status after the raw clients"
fi

listen=$(ss -Hltn "sport = :${STEER_METRICS##*:}" | awk '{print $4}' | sort -u | tr '\n' ' ')
if [ "$listen" = "$STEER_METRICS " ]; then
	pass "metrics listener is on $STEER_METRICS only"
else
	fail "metrics listeners on port ${STEER_METRICS##*:}: '$listen', expected $STEER_METRICS only"
fi

# --- control.group ---------------------------------------------------------
GRP="steer-e2e-$$"
groupadd "$GRP" || die "groupadd $GRP"
e2e_on_exit "groupdel $GRP"
GID=$(getent group "$GRP" | cut -d: -f3)
stop_steerd 5
[ "$STEERD_RC" = 0 ] || fail "steerd exit status '$STEERD_RC' on SIGTERM"
if [ -e "$STEER_SOCK" ]; then
	fail "socket $STEER_SOCK left behind after steerd exited"
else
	pass "socket removed when steerd exits"
fi
gcfg="$E2E_TMP/steer-group.conf"
sed "s|^control = {|control = { group = \"$GRP\";|" "$cfg" >"$gcfg"
grep -q "group = \"$GRP\"" "$gcfg" || die "could not add control.group to $gcfg"
start_steerd "$gcfg"
mode=$(stat -c '%a %U %G' "$STEER_SOCK")
if [ "$mode" = "660 root $GRP" ]; then
	pass "with control.group: mode 0660, group $GRP ($mode)"
else
	fail "with control.group = $GRP: '$mode', expected '660 root $GRP'"
fi
r=$(as_nobody)
if [ "$r" = EACCES ]; then
	pass "nobody outside $GRP still cannot connect (EACCES)"
else
	fail "nobody outside $GRP: '$r', expected EACCES"
fi
r=$(as_nobody "$GID")
if [ "$r" = ok ]; then
	pass "nobody with supplementary group $GRP connects and gets status"
else
	fail "nobody in $GRP: '$r', expected a status reply"
fi
e2e_end
