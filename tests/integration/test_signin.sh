#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Dashboard sign-in against the real mamorid over real TLS, on SQLite or a real PostgreSQL:
# `mamorid admin add`, password + TOTP, one-time recovery codes, a TOTP code used twice, the
# lockout after 10 failures, session cookies, CSRF and same-origin checks, security headers,
# sign-out, and the hash-chained audit log (`mamorid audit verify`) against edited, removed,
# reordered and cut-off entries.
# usage: test_signin.sh MAMORID PYTHON sqlite|postgresql [PG_URL_FILE]
set -euo pipefail
MAMORID=$1 PYTHON=$2 BACKEND=$3 PG_URL_FILE=${4:-}
MAMORI=/bin/false
WORK=$(mktemp -d)
export MAMORID MAMORI WORK
. "$(dirname "$0")/lib.sh"
cleanup() {
	stop_server A KILL
	rm -rf "$WORK"
}
trap cleanup EXIT

backend_db si
mkdir -p "$WORK/srv"
printf 'log_format: json\n' >"$WORK/mamorid.yaml"
M=("$MAMORID" --data-dir "$WORK/srv" --db "$DB" --config "$WORK/mamorid.yaml")
start_server A "$DB" 0 --config "$WORK/mamorid.yaml"
URL="https://127.0.0.1:$PORT_A"
JAR="$WORK/cookies"

# TOTP (RFC 6238, SHA-1, 6 digits, 30 s) computed independently of mamorid.
totp() { # totp BASE32 [STEP-OFFSET]
	"$PYTHON" - "$1" "${2:-0}" <<'PY'
import base64, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
step = int(time.time()) // 30 + int(sys.argv[2])
mac = hmac.new(key, struct.pack(">Q", step), "sha1").digest()
off = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 1000000))
PY
}
# signin NAME PASSWORD CODE [curl args...]: body, then the status.
signin() {
	local body
	body=$("$PYTHON" -c 'import json,sys; print(json.dumps({"name":sys.argv[1],"password":sys.argv[2],"code":sys.argv[3]}))' "$1" "$2" "$3")
	shift 3
	curl -sS --cacert "$WORK/srv/ca.crt" -c "$JAR" -b "$JAR" -D "$WORK/headers" -w '\n%{http_code}\n' \
		-H 'Content-Type: application/json' -X POST --data-binary "$body" "$URL/v1/session" "$@"
}
# web METHOD PATH [curl args...]: with the cookie jar, no certificate.
web() {
	local method=$1 path=$2
	shift 2
	curl -sS --cacert "$WORK/srv/ca.crt" -c "$JAR" -b "$JAR" -D "$WORK/headers" -w '\n%{http_code}\n' \
		-X "$method" "$URL$path" "$@"
}
json_field() { "$PYTHON" -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"; }

"${M[@]}" admin-cert auditor --out "$WORK/cert" >/dev/null

# --- creating an administrator ---------------------------------------------------------
out=$("${M[@]}" admin add alice --password-stdin <<<"short pass" 2>&1) && fail "an 10-character password was taken"
grep -q "12" <<<"$out" || fail "the refusal does not name the rule: $out"
out=$("${M[@]}" admin add 'bad name!' --password-stdin <<<"correct horse battery" 2>&1) && fail "a bad name was taken"
PW="correct horse battery staple"
"${M[@]}" admin add alice --password-stdin <<<"$PW" >"$WORK/alice.txt" || fail "admin add"
KEY=$(awk '/^  key: /{print $2}' "$WORK/alice.txt")
[ ${#KEY} -ge 32 ] || fail "no TOTP key in the output"
grep -q '^  uri: otpauth://totp/mamori:alice?secret=' "$WORK/alice.txt" || fail "no otpauth URI"
grep -q '█\|▀\|▄' "$WORK/alice.txt" || fail "no QR code drawn"
mapfile -t RECOVERY < <(grep -E '^  [a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$' "$WORK/alice.txt" | tr -d ' ')
[ ${#RECOVERY[@]} -eq 10 ] || fail "expected 10 recovery codes, got ${#RECOVERY[@]}"
"${M[@]}" admin add alice --password-stdin <<<"$PW" >/dev/null 2>&1 && fail "a second alice was added"
ok "admin add: policy, QR code, key, 10 recovery codes, no duplicates"

# --- not signed in ---------------------------------------------------------------------
r=$(web GET /v1/session)
[ "$(status_of <<<"$r")" = 401 ] || fail "session without a cookie: $r"
r=$(web GET /v1/devices)
[ "$(status_of <<<"$r")" = 401 ] || fail "ledger without sign-in: $r"
grep -qi '^content-security-policy: default-src .none.; script-src .self.' "$WORK/headers" || fail "no CSP"
grep -qi '^x-frame-options: DENY' "$WORK/headers" || fail "no X-Frame-Options"
grep -qi '^strict-transport-security: max-age=' "$WORK/headers" || fail "no HSTS"
grep -qi '^referrer-policy: no-referrer' "$WORK/headers" || fail "no Referrer-Policy"
r=$(curl -sS --cacert "$WORK/srv/ca.crt" -w '\n%{http_code}\n' -X POST --data 'name=alice' "$URL/v1/session")
[ "$(status_of <<<"$r")" = 415 ] || fail "a form post signed in: $r"
r=$(signin alice "$PW" "$(totp "$KEY")" -H 'Origin: https://evil.example')
[ "$(status_of <<<"$r")" = 403 ] || fail "a cross-site sign-in was taken: $r"
r=$(signin alice "$PW" "$(totp "$KEY")" -H 'Sec-Fetch-Site: cross-site')
[ "$(status_of <<<"$r")" = 403 ] || fail "a cross-site (Sec-Fetch-Site) sign-in was taken: $r"
ok "not signed in: 401, security headers, form posts and cross-site sign-ins refused"

# --- sign in with password and TOTP -------------------------------------------------------
CODE=$(totp "$KEY")
r=$(signin alice "wrong password here" "$CODE")
[ "$(status_of <<<"$r")" = 401 ] || fail "a wrong password: $r"
r=$(signin alice "$PW" 000000)
[ "$(status_of <<<"$r")" = 401 ] || fail "a wrong code: $r"
r=$(signin nobody "$PW" "$CODE")
[ "$(status_of <<<"$r")" = 401 ] || fail "an unknown admin: $r"
grep -q 'wrong name, password or code' <<<"$r" || fail "the refusal tells more than it should: $r"
# A name with control characters reaches the audit log only as "-".
r=$(signin $'x\e[1A\rcli:root' "$PW" "$CODE")
[ "$(status_of <<<"$r")" = 401 ] || fail "a control-character name: $r"
r=$(signin alice "$PW" "$CODE")
[ "$(status_of <<<"$r")" = 200 ] || fail "sign-in with password and TOTP: $r"
CSRF=$(body_of <<<"$r" | json_field csrf)
[ ${#CSRF} -eq 64 ] || fail "no CSRF token: $r"
cookie=$(grep -i '^set-cookie:' "$WORK/headers" | tr -d '\r')
for attr in '__Host-mamori=' 'Secure' 'HttpOnly' 'SameSite=Strict' 'Path=/'; do
	grep -q "$attr" <<<"$cookie" || fail "the session cookie lacks $attr: $cookie"
done
r=$(web GET /v1/session)
[ "$(body_of <<<"$r" | json_field admin)" = alice ] || fail "session: $r"
r=$(web GET /v1/devices)
[ "$(status_of <<<"$r")" = 200 ] || fail "the ledger with a session: $r"
ok "password + TOTP signs in; the cookie is __Host-, Secure, HttpOnly, SameSite=Strict"

# The same code again, from another browser: refused (each code works once).
mv "$JAR" "$WORK/alice.jar"
r=$(signin alice "$PW" "$CODE")
[ "$(status_of <<<"$r")" = 401 ] || fail "a TOTP code was taken twice: $r"
mv "$WORK/alice.jar" "$JAR"
ok "a TOTP code works once"

# Activity keeps a session open: a request records it (on the worker, at most once a minute),
# and 30 minutes without any end it.
live_sql() { # SQL: on the running server's database
	if [ "$BACKEND" = sqlite ]; then
		"$PYTHON" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=10); r=c.execute(sys.argv[2]).fetchall(); c.commit(); print(r[0][0] if r else "")' "$WORK/srv/mamorid.db" "$1"
	else
		psql "${DB}" -qtAc "$1"
	fi
}
now=$(date +%s)
live_sql "UPDATE sessions SET last_seen = $((now - 25 * 60)) WHERE admin = 'alice'" >/dev/null
r=$(web GET /v1/devices)
[ "$(status_of <<<"$r")" = 200 ] || fail "a session idle for 25 minutes: $r"
seen=$(live_sql "SELECT MAX(last_seen) FROM sessions WHERE admin = 'alice'")
[ "$seen" -ge "$now" ] || fail "the request did not record the session's activity ($seen < $now)"
live_sql "UPDATE sessions SET last_seen = $((now - 31 * 60)) WHERE admin = 'alice'" >/dev/null
r=$(web GET /v1/devices)
[ "$(status_of <<<"$r")" = 401 ] || fail "a session idle for 31 minutes was taken: $r"
live_sql "UPDATE sessions SET last_seen = $now WHERE admin = 'alice'" >/dev/null
r=$(web GET /v1/session)
[ "$(status_of <<<"$r")" = 200 ] || fail "the session again: $r"
ok "a request records the session's activity; 30 minutes idle end it"

# --- CSRF ------------------------------------------------------------------------------
r=$(web POST /v1/tokens -H 'Content-Type: application/json' --data '{}')
[ "$(status_of <<<"$r")" = 403 ] || fail "a token without the CSRF token: $r"
WRONG=$([ "${CSRF:0:1}" = 0 ] && echo 1 || echo 0)${CSRF:1}
r=$(web POST /v1/tokens -H 'Content-Type: application/json' -H "X-CSRF-Token: $WRONG" --data '{}')
[ "$(status_of <<<"$r")" = 403 ] || fail "a token with a wrong CSRF token: $r"
r=$(web POST /v1/tokens -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -H 'Origin: https://evil.example' --data '{}')
[ "$(status_of <<<"$r")" = 403 ] || fail "a cross-origin request with the token: $r"
r=$(web POST /v1/tokens -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -H "Origin: https://127.0.0.1:$PORT_A" --data '{"expires":"2h"}')
[ "$(status_of <<<"$r")" = 201 ] || fail "a token with the CSRF token: $r"
TOK=$(body_of <<<"$r" | json_field token)
[ ${#TOK} -eq 32 ] || fail "no token: $r"
ok "state changes need the session's CSRF token and the same origin"

# --- sign out ---------------------------------------------------------------------------
r=$(web DELETE /v1/session)
[ "$(status_of <<<"$r")" = 403 ] || fail "sign-out without the CSRF token: $r"
cp "$JAR" "$WORK/old.jar"
r=$(web DELETE /v1/session -H "X-CSRF-Token: $CSRF")
[ "$(status_of <<<"$r")" = 204 ] || fail "sign-out: $r"
r=$(curl -sS --cacert "$WORK/srv/ca.crt" -b "$WORK/old.jar" -w '\n%{http_code}\n' "$URL/v1/devices")
[ "$(status_of <<<"$r")" = 401 ] || fail "the old cookie still works after sign-out: $r"
ok "sign-out ends the session on the server"

# --- recovery codes ---------------------------------------------------------------------
r=$(signin alice "$PW" "${RECOVERY[0]^^}")
[ "$(status_of <<<"$r")" = 200 ] || fail "sign-in with a recovery code (typed in capitals): $r"
[ "$(body_of <<<"$r" | json_field recovery_left)" = 9 ] || fail "recovery codes left: $r"
rm -f "$JAR"
r=$(signin alice "$PW" "${RECOVERY[0]}")
[ "$(status_of <<<"$r")" = 401 ] || fail "a recovery code was taken twice: $r"
ok "a recovery code signs in once"

# --- lockout: 10 failures lock for 30 minutes ---------------------------------------------
# The failure above counts as the first one.
for i in $(seq 2 9); do
	r=$(signin alice "wrong password $i" 123456)
	[ "$(status_of <<<"$r")" = 401 ] || fail "failure $i: $r"
done
r=$(signin alice "wrong password 10" 123456)
[ "$(status_of <<<"$r")" = 401 ] || fail "the 10th failure: $r"
# The next step's code: the current one was used (the window takes one step either side).
r=$(signin alice "$PW" "$(totp "$KEY" 1)")
[ "$(status_of <<<"$r")" = 401 ] || fail "the right password while locked: $r"
grep -q 'locked for 30 minutes' <<<"$r" || fail "the refusal does not mention the lockout rule: $r"
"${M[@]}" admin list >"$WORK/admins"
grep -q '^alice .* locked ' "$WORK/admins" || fail "admin list does not show the lock"
until=$("$PYTHON" -c 'import json,sys; print(max(e["detail"] for e in json.load(sys.stdin)["entries"] if e["action"]=="lockout"))' < <(curl -sS --cacert "$WORK/srv/ca.crt" "$URL/v1/audit" --cert "$WORK/cert/auditor.crt" --key "$WORK/cert/auditor.key"))
now=$(date +%s)
until=${until#locked until }
[ $((until - now)) -ge 1790 ] && [ $((until - now)) -le 1800 ] || fail "locked for $((until - now)) s, not 30 minutes"
# An unknown name answers the same way all along: the lock tells nothing about who exists.
for i in $(seq 1 11); do
	r=$(signin nobody "wrong password $i" 123456)
	[ "$(status_of <<<"$r")" = 401 ] || fail "unknown name, attempt $i: $r"
done
"${M[@]}" admin unlock alice >/dev/null || fail "admin unlock"
r=$(signin alice "$PW" "$(totp "$KEY" 1)")
[ "$(status_of <<<"$r")" = 200 ] || fail "sign-in after unlock: $r"
ok "10 failures lock for 30 minutes, even the right password; unlock from the command line"

# --- removal ------------------------------------------------------------------------------
"${M[@]}" admin add bob --password-stdin <<<"another long password" >/dev/null
"${M[@]}" admin remove alice >/dev/null || fail "admin remove"
r=$(web GET /v1/devices)
[ "$(status_of <<<"$r")" = 401 ] || fail "a removed admin's session still works: $r"
ok "removing an admin ends its sessions"

# --- the audit log ------------------------------------------------------------------------
out=$("${M[@]}" audit verify) || fail "audit verify on an untouched log: $out"
grep -q 'chain intact' <<<"$out" || fail "audit verify: $out"
HEAD=$(awk '/^head: /{print $2}' <<<"$out")
# An admin certificate with the longest name there is can act: its actor "cert:NAME" fits.
long=$(printf 'a%.0s' $(seq 1 64))
"${M[@]}" admin-cert "$long" --out "$WORK/longcert" >/dev/null || fail "admin-cert with a 64-character name"
r=$(curl -sS --cacert "$WORK/srv/ca.crt" --cert "$WORK/longcert/$long.crt" --key "$WORK/longcert/$long.key" \
	-w '\n%{http_code}\n' -X POST "$URL/v1/tokens" -H 'Content-Type: application/json' -d '{}')
[ "$(status_of <<<"$r")" = 201 ] || fail "a token by an admin certificate with a 64-character name: $r"
list=$("${M[@]}" audit list --limit 100)
grep -q "cert:$long *token-create" <<<"$list" || fail "the long actor is not in the audit log"
for action in admin-add signin signin-failed lockout signin-refused admin-unlock token-create signout admin-remove; do
	grep -q " $action " <<<"$list" || fail "the audit log has no $action entry"
done
grep -q $'\e' <<<"$list" && fail "audit list printed an escape character"
grep -q 'admin-cert-issue *auditor' <<<"$list" || fail "admin-cert issue not audited"
ok "the audit log records every action and verifies ($HEAD)"


stop_server A
if [ "$BACKEND" = sqlite ]; then
	tamper() { # tamper SQL...: on a copy; prints verify's output, fails if it passes
		cp "$WORK/srv/mamorid.db" "$WORK/t.db"
		rm -f "$WORK/t.db-wal" "$WORK/t.db-shm"
		"$PYTHON" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [c.execute(s) for s in sys.argv[2:]]; c.commit()' "$WORK/t.db" "$@"
		"$MAMORID" --data-dir "$WORK/srv" --db "sqlite:$WORK/t.db" --config "$WORK/mamorid.yaml" audit verify "${HEADARG[@]}" && return 1
		return 0
	}
else
	tamper() {
		local copy="${dbname}_t"
		psql "$base" -qc "DROP DATABASE IF EXISTS $copy" -c "CREATE DATABASE $copy TEMPLATE $dbname" >/dev/null
		local url="${base/\/mamori_test?//$copy?}" s
		for s in "$@"; do psql "$url" -qc "$s" >/dev/null; done
		"$MAMORID" --data-dir "$WORK/srv" --db "$url" --config "$WORK/mamorid.yaml" audit verify "${HEADARG[@]}" && return 1
		return 0
	}
fi
HEADARG=()
out=$(tamper "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 3") || fail "an edited entry passed"
grep -q 'entry 3' <<<"$out" || fail "edited: $out"
out=$(tamper "DELETE FROM audit_log WHERE seq = 4") || fail "a removed entry passed"
grep -q 'entry [45]' <<<"$out" || fail "removed: $out"
out=$(tamper "UPDATE audit_log SET seq = -5 WHERE seq = 5" "UPDATE audit_log SET seq = 5 WHERE seq = 6" "UPDATE audit_log SET seq = 6 WHERE seq = -5") || fail "reordered entries passed"
out=$(tamper "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2") || fail "a changed actor passed"
last=${HEAD%%:*}
out=$(tamper "DELETE FROM audit_log WHERE seq = $last") || fail "a removed last entry passed"
# Rewriting the head along with the cut goes unnoticed by the database alone; the head noted
# elsewhere catches it.
prev=$((last - 1))
cut=("DELETE FROM audit_log WHERE seq = $last" "UPDATE audit_head SET seq = $prev, hash = (SELECT hash FROM audit_log WHERE seq = $prev)")
HEADARG=(--head "$HEAD")
out=$(tamper "${cut[@]}") || fail "a cut tail with a rewritten head passed --head"
grep -q 'removed' <<<"$out" || fail "cut tail: $out"
"${M[@]}" audit verify --head "$HEAD" >/dev/null || fail "the untouched log fails --head"
ok "audit verify finds edited, removed, reordered and cut-off entries"
# An entry edited to hold control characters is printed without them (the store refuses them
# on the way in, so only an edited database can hold them).
if [ "$BACKEND" = sqlite ]; then
	cp "$WORK/srv/mamorid.db" "$WORK/e.db"
	"$PYTHON" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE audit_log SET detail = ? WHERE seq = 2", ("x\x1b[1A\rforged",)); c.commit()' "$WORK/e.db"
	out=$("$MAMORID" --data-dir "$WORK/srv" --db "sqlite:$WORK/e.db" --config "$WORK/mamorid.yaml" audit list --limit 1000)
	grep -q 'x?\[1A?forged' <<<"$out" || fail "the edited entry is not shown escaped: $out"
	grep -q $'\e' <<<"$out" && fail "audit list printed an escape character from the database"
fi

# --- sign-in attempts per address are limited ---------------------------------------------
start_server A "$DB" 0 --config "$WORK/mamorid.yaml"
URL="https://127.0.0.1:$PORT_A"
# 90 at once: the first 60 are checked (and refused), the rest find the bucket empty.
export PYTHON URL
seq 1 90 | xargs -P 60 -I{} sh -c 'curl -sS --cacert "$0/srv/ca.crt" -o /dev/null -D "$0/h{}" -w "%{http_code}\n" -H "Content-Type: application/json" --data "{\"name\":\"bob\",\"password\":\"wrong password {}\",\"code\":\"123456\"}" "$URL/v1/session"' "$WORK" >"$WORK/codes"
n429=$(grep -c '^429$' "$WORK/codes" || true)
n401=$(grep -c '^401$' "$WORK/codes" || true)
[ "$n429" -ge 1 ] && [ "$n401" -ge 50 ] && [ $((n401 + n429)) -eq 90 ] || fail "rate limit: $n401 x 401, $n429 x 429 of 90"
grep -qi '^retry-after: ' $(grep -li '^HTTP/[0-9.]* 429' "$WORK"/h* | head -1) || fail "no Retry-After on a 429"
ok "sign-in attempts per address are limited ($n429 of 90 refused)"
