#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dashboard in a real Chromium (Playwright, tests/browser/run.mjs) against the real
# mamorid on loopback: agents enrolled with one-time tokens push real scan reports (one of
# them three days old, so stale; one enrolled without a report), an admin certificate opens
# the dashboard; administrators sign in with password and TOTP, one is locked out, and
# cross-site and token-less state changes are refused. Screenshots go to $MAMORI_BINARY_DIR/artifacts/screenshots/.
# Skips (77) only when tests/browser/node_modules is missing: npm ci --prefix tests/browser.
# usage: test_dashboard.sh MAMORID MAMORI PYTHON
set -euo pipefail
MAMORID=$1 MAMORI=$2 PYTHON=$3
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
	echo "SKIP: $HERE/node_modules is missing (run: npm ci --prefix tests/browser)"
	exit 77
fi
command -v node >/dev/null || { echo "FAIL: node is not installed" >&2; exit 1; }
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "FAIL: $CHROMIUM is not installed (scripts/install-deps.sh)" >&2; exit 1; }
SHOTS=${MAMORI_BINARY_DIR:-$PWD}/artifacts/screenshots
WORK=$(mktemp -d)
export MAMORID MAMORI WORK
. "$HERE/../integration/lib.sh"
cleanup() {
	stop_server A KILL
	rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/srv"
DB="sqlite:$WORK/srv/mamorid.db"
printf 'log_format: json\ngate_max_report_age: 24h\n' >"$WORK/mamorid.yaml"
CONF=(--config "$WORK/mamorid.yaml")
start_server A "$DB" 0 "${CONF[@]}"
URL="https://127.0.0.1:$PORT_A"
run() { "$MAMORID" --data-dir "$WORK/srv" --db "$DB" "${CONF[@]}" "$@"; }
FP=$(run ca fingerprint)
run admin-cert admin --out "$WORK/admin" >/dev/null
for s in a b c d; do
	"$MAMORI" enroll --server "$URL" --token "$(run token create 2>/dev/null)" --ca-fingerprint "$FP" \
		--state-dir "$WORK/$s" --user "user-$s" >/dev/null 2>"$WORK/err" || fail "enroll $s: $(cat "$WORK/err")"
done

# a: this machine's scan, pushed as the agent does. b and c: the same scan as other PCs, b
# made three days ago (stale) with one more failing check, c with its failures fixed but one.
"$MAMORI" push --state-dir "$WORK/a" 2>"$WORK/err" || fail "push a: $(cat "$WORK/err")"
"$MAMORI" scan --format json -o "$WORK/scan.json" >/dev/null 2>&1 || true
"$PYTHON" - "$WORK/scan.json" "$WORK" <<'PY' || fail "cannot derive the reports"
import datetime, json, sys, uuid
src, work = sys.argv[1], sys.argv[2]
base = json.load(open(src))
def variant(name, host, age_days, change):
    r = json.loads(json.dumps(base))
    r["report_id"] = uuid.uuid4().hex
    r["host"]["hostname"] = host
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=age_days)
    r["generated_at"] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    change(r["findings"])
    json.dump(r, open(f"{work}/{name}.json", "w"))
def one_more_fail(fs):
    next(f for f in fs if f["status"] == "pass")["status"] = "fail"
def fixed_but_one(fs):
    failing = [f for f in fs if f["status"] == "fail"]
    for f in failing[1:]:
        f["status"] = "pass"
variant("b", "pc-old-017", 3, one_more_fail)
variant("c", "pc-good-001", 0, fixed_but_one)
PY
"$MAMORI" push --state-dir "$WORK/b" --report "$WORK/b.json" 2>"$WORK/err" || fail "push b: $(cat "$WORK/err")"
"$MAMORI" push --state-dir "$WORK/c" --report "$WORK/c.json" 2>"$WORK/err" || fail "push c: $(cat "$WORK/err")"
ok "4 devices enrolled, 3 reports pushed"

# Two administrators who sign in with a password and TOTP: sato uses the dashboard, tanaka is
# locked out by ten wrong passwords. Their TOTP keys are read off `admin add`'s output.
for who in sato tanaka; do
	run admin add "$who" --password-stdin <<<"long password of $who" >"$WORK/$who.txt" ||
		fail "admin add $who"
	key=$(awk '/^  key: /{print $2}' "$WORK/$who.txt")
	[ ${#key} -ge 32 ] || fail "no TOTP key for $who"
	eval "KEY_$who=\$key"
done
export MAMORI_SIGNIN_NAME=sato MAMORI_SIGNIN_PASSWORD="long password of sato" MAMORI_SIGNIN_KEY="$KEY_sato"
export MAMORI_LOCKOUT_NAME=tanaka MAMORI_LOCKOUT_PASSWORD="long password of tanaka" MAMORI_LOCKOUT_KEY="$KEY_tanaka"
export MAMORI_URL="$URL" MAMORI_ADMIN_CERT="$WORK/admin/admin.crt" MAMORI_ADMIN_KEY="$WORK/admin/admin.key"
export SCREENSHOTS="$SHOTS" CHROMIUM NODE_EXTRA_CA_CERTS="$WORK/srv/ca.crt"
node "$HERE/run.mjs"
stop_server A TERM
# Everything the browsers did is in an intact audit log.
run audit verify >"$WORK/verify" 2>&1 || fail "audit verify: $(cat "$WORK/verify")"
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$WORK/server-A.log"; then
	fail "sanitizer report: $(grep -m3 -E "Sanitizer|runtime error:" "$WORK/server-A.log")"
fi
