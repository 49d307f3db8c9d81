#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dashboard's data API and files (docs/server.md, "Dashboard API") against the real mamorid
# on loopback, SQLite or a real PostgreSQL, with real agents' reports: the answers agree with
# each other and with the stored reports, hostile and malformed requests get their 4xx, the
# register follows docs/register.md, downloads and static files carry their headers.
# usage: test_dashboard_api.sh MAMORID MAMORI PYTHON sqlite|postgresql [PG_URL_FILE]
set -euo pipefail
MAMORID=$1 MAMORI=$2 PYTHON=$3 BACKEND=$4 PG_URL_FILE=${5:-}
WORK=$(mktemp -d)
export MAMORID MAMORI WORK
. "$(dirname "$0")/lib.sh"
cleanup() {
	stop_server A KILL
	rm -rf "$WORK"
}
trap cleanup EXIT

backend_db dash
mkdir -p "$WORK/srv"
printf 'log_format: json\ngate_max_report_age: 24h\n' >"$WORK/mamorid.yaml"
CONF=(--config "$WORK/mamorid.yaml")
start_server A "$DB" 0 "${CONF[@]}"
P=$PORT_A
run() { "$MAMORID" --data-dir "$WORK/srv" --db "$DB" "${CONF[@]}" "$@"; }
FP=$(run ca fingerprint)
run admin-cert admin --out "$WORK/admin" >/dev/null
for s in a b c; do
	"$MAMORI" enroll --server "https://127.0.0.1:$P" --token "$(run token create 2>/dev/null)" \
		--ca-fingerprint "$FP" --state-dir "$WORK/$s" >/dev/null 2>"$WORK/err" || fail "enroll $s: $(cat "$WORK/err")"
done
"$MAMORI" push --state-dir "$WORK/a" 2>"$WORK/err" || fail "push a: $(cat "$WORK/err")"
"$MAMORI" scan --format json -o "$WORK/scan.json" >/dev/null 2>&1 || true
"$PYTHON" - "$WORK/scan.json" "$WORK/b.json" <<'PY' || fail "cannot derive a report"
import datetime, json, sys, uuid
r = json.load(open(sys.argv[1]))
r["report_id"] = uuid.uuid4().hex
r["host"]["hostname"] = "pc-stale"
t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)
r["generated_at"] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
json.dump(r, open(sys.argv[2], "w"))
PY
"$MAMORI" push --state-dir "$WORK/b" --report "$WORK/b.json" 2>"$WORK/err" || fail "push b: $(cat "$WORK/err")"

get() { api "$P" admin GET "$@"; }
code() { api "$P" "$@" | status_of; }
json_ok() { # PATH PYTHON-CODE (d = the answer)
	local out
	out=$(get "$1")
	[ "$(status_of <<<"$out")" = 200 ] || fail "$1: $out"
	body_of <<<"$out" | "$PYTHON" -c "import json, sys
d = json.load(sys.stdin)
$2" || fail "$1: $(body_of <<<"$out" | head -c 600)"
}

# --- the answers agree --------------------------------------------------------------------
json_ok /v1/overview '
c = d["devices"]
assert c == {"pass": 0, "fail": 2, "unknown": 0, "none": 1, "revoked": 0, "stale": 1, "total": 3} or (c["pass"] + c["fail"] + c["unknown"] == 2 and c["none"] == 1 and c["stale"] == 1 and c["total"] == 3), c
assert d["policy"]["max_report_age"] == 86400
assert [x["hostname"] for x in d["stale"]] == ["pc-stale"], d["stale"]
assert all(x["counts"]["fail"] > 0 for x in d["worst"])
assert len(d["categories"]) >= 10 and all(x["failing_findings"] >= 0 for x in d["categories"])
assert d["checks"] == sorted(d["checks"], key=lambda x: -x["fail"])'
json_ok "/v1/devices?stale=1" 'assert d["total"] == 1 and d["order"] == "stale" and d["devices"][0]["hostname"] == "pc-stale", d'
json_ok "/v1/devices?status=none" 'assert d["total"] == 1 and d["devices"][0]["last_seen"] is None, d'
json_ok "/v1/devices?q=pc-st" 'assert [x["hostname"] for x in d["devices"]] == ["pc-stale"] and d["total"] is None, d'
json_ok "/v1/devices?sort=worst" 'f = [x["counts"]["fail"] for x in d["devices"]]; assert f == sorted(f, reverse=True) and d["order"] == "worst", d'
json_ok "/v1/devices?sort=last_seen" 'assert d["devices"][-1]["last_seen"] is None, d'
json_ok "/v1/devices?limit=1" 'assert d["total"] == 3 and d["next"], d'
# Every check failing on some device lists exactly that many devices.
get /v1/overview | body_of | "$PYTHON" -c '
import json, sys
for c in json.load(sys.stdin)["checks"]:
    if c["fail"]:
        print(c["check"], c["fail"])' >"$WORK/failing"
[ -s "$WORK/failing" ] || fail "no failing check in a real scan"
while read -r check n; do
	json_ok "/v1/checks/$check/devices" "assert len(d['devices']) == $n == d['counts']['fail'], d
assert all(x['failing_since'] for x in d['devices'])"
	json_ok "/v1/devices?check=$check" "assert d['total'] == $n == len(d['devices']), d"
done <"$WORK/failing"
json_ok /v1/catalog 'assert len(d["checks"]) >= 50 and len(d["controls"]) >= 100 and d["checks"][0]["title"]["ja"], len(d["checks"])'
json_ok /v1/controls/csaj-5.1.1/devices 'assert len(d["checks"]) >= 2 and all("since" in f for x in d["devices"] for f in x["failing"]), d'
json_ok /v1/checks/no-such-check/devices 'assert d["devices"] == [] and d["counts"]["fail"] == 0, d'
json_ok "/v1/trend?days=7" 'import time; assert d["days"][-1]["day"] == time.strftime("%Y-%m-%d", time.gmtime()) and d["days"][-1]["stale"] == 1, d'
ok "overview, ledger filters, per-check and per-control lists, trend and catalog agree"

# --- refused requests -----------------------------------------------------------------------
for q in "status=maybe" "sort=up" "after=xyz" "after=0123456789abcdef0123456789abcdef" "limit=0" \
	"limit=1001" "topic=nope" "stale=2" "q=%ff%fe"; do
	c=$(code admin GET "/v1/devices?$q")
	case $q in after=0123*) want=404 ;; *) want=400 ;; esac
	[ "$c" = "$want" ] || fail "/v1/devices?$q: $c, expected $want"
done
[ "$(code admin GET "/v1/trend?days=0")" = 400 ] || fail "trend days=0"
[ "$(code admin GET "/v1/trend?days=367")" = 400 ] || fail "trend days=367"
[ "$(code admin GET /v1/controls/nope/devices)" = 404 ] || fail "unknown control"
[ "$(code none GET /v1/overview)" = 401 ] || fail "overview without a certificate"
[ "$(code "$WORK/a" GET /v1/overview)" = 403 ] || fail "overview with a device certificate"
# A known path with a method it does not take is 405; HEAD is answered as GET.
for mp in "POST /v1/gate" "POST /healthz" "GET /v1/tokens" "POST /v1/summary" "DELETE /v1/audit"; do
	[ "$(code admin ${mp% *} "${mp#* }")" = 405 ] || fail "$mp: expected 405"
done
[ "$(code admin GET /v1/no-such-thing)" = 404 ] || fail "an unknown path: expected 404"
for path in /healthz / /v1/overview; do
	[ "$(code admin HEAD "$path" -I)" = 200 ] || fail "HEAD $path: expected 200"
done
# Whatever else a request carries, and however its names are written, the parameter is read.
many=$(printf 'x%d=1&' $(seq 1 150))
[ "$(code admin GET "/v1/devices?${many}limit=abc")" = 400 ] || fail "limit=abc after 150 other arguments"
[ "$(code admin GET "/v1/devices?LIMIT=abc")" = 400 ] || fail "LIMIT=abc (names as MHD compares them)"
[ "$(code none GET /v1/register)" = 401 ] || fail "register without a certificate"
ok "bad parameters 400/404, no or a device certificate 401/403"

# --- the register -------------------------------------------------------------------------------
putreg() { api "$P" "$1" PUT "/v1/register/$2" -H "Content-Type: ${4:-application/json}" --data-binary "$3"; }
[ "$(putreg none csaj-5.1.1 '{}' | status_of)" = 401 ] || fail "register put without a certificate"
[ "$(putreg "$WORK/a" csaj-5.1.1 '{}' | status_of)" = 403 ] || fail "register put by a device"
[ "$(putreg admin csaj-5.1.1 '{}' text/plain | status_of)" = 415 ] || fail "register put as text"
[ "$(putreg admin csaj-5.1.1 '{"state":' | status_of)" = 400 ] || fail "register put malformed"
[ "$(putreg admin no-such-control '{}' | status_of)" = 404 ] || fail "register put unknown control"
out=$(putreg admin csaj-5.1.1 '{"decision":"will-do"}')
[ "$(status_of <<<"$out")" = 422 ] && grep -q 'deadline: required when the decision is will-do' <<<"$out" || fail "will-do without deadline: $out"
out=$(putreg admin csaj-5.1.1 '{"colour":"red"}')
[ "$(status_of <<<"$out")" = 422 ] && grep -q "unknown key" <<<"$out" || fail "unknown key: $out"
out=$(putreg admin csaj-5.1.1 '{"deadline":"2026-02-30","decision":"will-do"}')
[ "$(status_of <<<"$out")" = 422 ] && grep -q "no such day" <<<"$out" || fail "bad date: $out"
out=$(putreg admin csaj-5.1.1 '{"state":5}')
[ "$(status_of <<<"$out")" = 422 ] || fail "a number as state: $out"
for ctl in '\u009b2J' '\u2028' '\u0007' '\u007f'; do
	out=$(putreg admin csaj-5.1.1 "{\"state\":\"ok${ctl}x\"}")
	[ "$(status_of <<<"$out")" = 422 ] && grep -q "state: control characters other than tab and line breaks" <<<"$out" ||
		fail "a control character ($ctl) in a state: $out"
done
out=$(putreg admin csaj-5.1.1 '{"control":"csaj-5.1.3"}')
[ "$(status_of <<<"$out")" = 422 ] || fail "another control in the body: $out"
"$PYTHON" -c 'print("{\"state\": \"" + "x" * 300000 + "\"}")' >"$WORK/big.json"
[ "$(putreg admin csaj-5.1.1 "@$WORK/big.json" | status_of)" = 413 ] || fail "a 300 KB entry"
out=$(putreg admin csaj-5.1.1 '{"state":"貸与時に確認","impact":{"confidentiality":"極めて重大","integrity":""},"decision":"実施予定","deadline":"2026-12-31","owner":"佐藤","reason":null}')
[ "$(status_of <<<"$out")" = 200 ] || fail "register put: $out"
body_of <<<"$out" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
assert d["decision"] == "will-do" and d["deadline"] == "2026-12-31" and d["state"] == "貸与時に確認", d
assert d["impact"] == {"confidentiality": "critical"} and d["owner"] == "佐藤" and d["updated_by"] == "cert:admin", d' ||
	fail "the stored entry: $out"
out=$(putreg admin mic-governance-risk-executive-1 '{"decision":"not-needed","reason":"=HYPERLINK(\"https://evil.example\") no PCs at home"}')
[ "$(status_of <<<"$out")" = 200 ] || fail "register put 2: $out"
[ "$(code admin POST /v1/register/csaj-5.1.1)" = 405 ] || fail "POST on a register entry"
json_ok /v1/register 'assert [e["control"] for e in d["entries"]] == ["csaj-5.1.1", "mic-governance-risk-executive-1"], d'
# Each change that was stored is in the audit log, by whom and what it now says; refused ones
# are not.
json_ok /v1/audit '
import re
ch = [(x["actor"], x["target"], re.sub("entry-sha256=[0-9a-f]{16}$", "entry-sha256=H", x["detail"])) for x in d["entries"] if x["action"] == "register-change"]
assert ch == [("cert:admin", "mic-governance-risk-executive-1", "decision=not-needed deadline=- entry-sha256=H"),
              ("cert:admin", "csaj-5.1.1", "decision=will-do deadline=2026-12-31 entry-sha256=H")], ch'
# A state of several lines, tabs and any length is stored and audited (the log keeps its hash).
long=$("$PYTHON" -c 'import json; print(json.dumps({"state": "line one\n\tline two " + "あ" * 300, "decision": "will-do", "deadline": "2026-12-31", "owner": "佐藤"}))')
out=$(putreg admin csaj-5.1.1 "$long")
[ "$(status_of <<<"$out")" = 200 ] || fail "a multi-line state: $out"
json_ok /v1/checklist '
rows = {r["id"]: r for r in d["rows"]}
assert rows["csaj-5.1.1"]["entry"]["decision"] == "will-do" and rows["mic-governance-risk-executive-1"]["entry"]["reason"] == "=HYPERLINK(\"https://evil.example\") no PCs at home"
assert d["devices"] == 2 and d["progress"]["planned"] == 1 and d["progress"]["not_needed"] == 1, d["progress"]
m = rows["csaj-5.1.1"]["measured"]; assert m["devices"] == 2 and m["fail"] >= 1, m'
ok "register entries validated as docs/register.md says, stored, in the checklist"

# --- downloads and files ------------------------------------------------------------------------
curl -sS --cacert "$WORK/srv/ca.crt" --cert "$WORK/admin/admin.crt" --key "$WORK/admin/admin.key" \
	-D "$WORK/h" -o "$WORK/reg.csv" "https://127.0.0.1:$P/v1/register.csv?lang=ja"
grep -qi '^content-disposition: attachment; filename="mamori-register.csv"' "$WORK/h" || fail "csv disposition: $(cat "$WORK/h")"
head -c 3 "$WORK/reg.csv" | od -An -tx1 | grep -q 'ef bb bf' || fail "a Japanese CSV starts with a BOM"
"$PYTHON" -c 'import csv, sys; rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline=""))); assert rows[0][0] == "ID" and sorted(r[0] for r in rows[1:]) == ["csaj-5.1.1", "mic-governance-risk-executive-1"], rows' \
	"$WORK/reg.csv" || fail "register CSV: the header and two entries"
grep -q '"実施予定","2026-12-31","佐藤"' "$WORK/reg.csv" || fail "register CSV in Japanese: $(cat "$WORK/reg.csv")"
# A cell a spreadsheet would run as a formula is written with a ' before it.
grep -qF '"'"'"'=HYPERLINK(""https://evil.example"") no PCs at home"' "$WORK/reg.csv" || fail "formula not guarded: $(cat "$WORK/reg.csv")"
curl -sS --cacert "$WORK/srv/ca.crt" --cert "$WORK/admin/admin.crt" --key "$WORK/admin/admin.key" \
	-D "$WORK/h" -o "$WORK/cl.xlsx" "https://127.0.0.1:$P/v1/checklist.xlsx"
grep -qi '^content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' "$WORK/h" || fail "xlsx type"
"$PYTHON" - "$WORK/cl.xlsx" <<'PY' || fail "the checklist workbook"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
sheet = z.read("xl/worksheets/sheet1.xml").decode()
strings = z.read("xl/sharedStrings.xml").decode()
assert "csaj-5.1.1" in strings and "will-do" in strings and "fail on" in strings, "entries and results"
PY
curl -sS --cacert "$WORK/srv/ca.crt" -D "$WORK/h" -o "$WORK/index.html" "https://127.0.0.1:$P/"
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'" "$WORK/h" || fail "CSP: $(cat "$WORK/h")"
grep -qi '^x-frame-options: DENY' "$WORK/h" && grep -qi '^referrer-policy: no-referrer' "$WORK/h" &&
	grep -qi '^cache-control: no-cache' "$WORK/h" || fail "asset headers: $(cat "$WORK/h")"
etag=$(grep -i '^etag:' "$WORK/h" | cut -d' ' -f2 | tr -d '\r')
[ -n "$etag" ] || fail "no ETag"
[ "$(curl -sS --cacert "$WORK/srv/ca.crt" -H "If-None-Match: $etag" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P/")" = 304 ] || fail "no 304"
grep -q '<script type="module" src="/static/app.js">' "$WORK/index.html" || fail "index.html"
if grep -qiE '<script>|style=|onclick=|onload=' "$WORK/index.html"; then fail "inline script or style in index.html"; fi
[ "$(code none GET /static/app.js)" = 200 ] || fail "app.js"
[ "$(code none GET /static/i18n/ja.json)" = 200 ] || fail "ja.json"
[ "$(code none GET /static/nope.js)" = 404 ] || fail "a missing file"
[ "$(code none GET /static/../mamorid.db)" = 404 ] || fail "a path out of web/"
ok "downloads, static files, CSP, ETag and 304"

# The page's code builds the DOM from elements and text only (device data is untrusted) and
# has nothing the CSP would refuse.
WEB=$(cd "$(dirname "$0")/../../web" && pwd)
if hits=$(grep -rnE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|setAttribute\(.(style|on)|<style|style=' "$WEB"); then
	fail "web/ builds HTML from strings or has inline style: $hits"
fi
ok "no HTML from strings, no inline script or style in web/"

# A clean stop: under the sanitizers, leaks and undefined behaviour of the whole run show here.
stop_server A TERM
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$WORK/server-A.log"; then
	fail "sanitizer report: $(grep -m3 -E "Sanitizer|runtime error:" "$WORK/server-A.log")"
fi
ok "mamorid stopped cleanly"
