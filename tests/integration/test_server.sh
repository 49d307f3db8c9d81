#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The real mamorid and real agents on loopback, real TLS, against SQLite or a real PostgreSQL:
# enrollment, certificates refused (none, other CA, expired, revoked), used and expired
# tokens, reports stored once, the ledger, hostile input, and durability across kill -9.
# usage: test_server.sh MAMORID MAMORI PYTHON sqlite|postgresql [PG_URL_FILE]
set -euo pipefail
MAMORID=$1 MAMORI=$2 PYTHON=$3 BACKEND=$4 PG_URL_FILE=${5:-}
WORK=$(mktemp -d)
export MAMORID MAMORI WORK
. "$(dirname "$0")/lib.sh"
cleanup() {
	for n in A B; do stop_server "$n" KILL; done
	jobs -p | xargs -r kill 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

backend_db it
mkdir -p "$WORK/srv"
cat >"$WORK/mamorid.yaml" <<YAML
max_report_bytes: 1048576
log_format: json
log_level: debug
gate_min_severity: high
gate_grace: "0"
gate_trusted_proxies: [127.0.0.1]
YAML
CONF=(--config "$WORK/mamorid.yaml")

start_server A "$DB" 0 "${CONF[@]}"
P=$PORT_A
URL="https://127.0.0.1:$P"
FP=$("$MAMORID" --data-dir "$WORK/srv" --db "$DB" "${CONF[@]}" ca fingerprint)
[ ${#FP} -eq 64 ] || fail "fingerprint: $FP"
"$MAMORID" --data-dir "$WORK/srv" --db "$DB" "${CONF[@]}" admin-cert admin --out "$WORK/admin" >/dev/null
[ "$(stat -c %a "$WORK/admin/admin.key")" = 600 ] || fail "admin key mode"
token() { "$MAMORID" --data-dir "$WORK/srv" --db "$DB" "${CONF[@]}" token create "$@" 2>/dev/null; }

# --- enrollment -------------------------------------------------------------------------
T=$(token)
[ ${#T} -eq 32 ] || fail "token: $T"
if "$MAMORI" enroll --server "$URL" --token "$T" --ca-fingerprint "$(echo "$FP" | tr a-f A-F)00" \
	--state-dir "$WORK/bad" 2>"$WORK/err"; then fail "a wrong fingerprint enrolled"; fi
grep -qi fingerprint "$WORK/err" || fail "wrong fingerprint: no clear message: $(cat "$WORK/err")"
[ ! -e "$WORK/bad/device.key" ] || fail "a wrong fingerprint left a key behind"
ok "wrong CA fingerprint refused, nothing written"

"$MAMORI" enroll --server "$URL" --token "$T" --ca-fingerprint "$FP" --state-dir "$WORK/a" \
	--user alice >/dev/null 2>"$WORK/err" || fail "enroll: $(cat "$WORK/err")"
[ "$(stat -c %a "$WORK/a/device.key")" = 600 ] || fail "device key mode"
grep -q "BEGIN CERTIFICATE" "$WORK/a/device.crt" || fail "no device certificate"
ok "enrolled with a one-time token"

if "$MAMORI" enroll --server "$URL" --token "$T" --ca-fingerprint "$FP" --state-dir "$WORK/b" 2>"$WORK/err"; then
	fail "a used token enrolled again"
fi
grep -q "unknown, used or expired" "$WORK/err" || fail "used token: $(cat "$WORK/err")"
T2=$(token --expires 1s)
sleep 2
if "$MAMORI" enroll --server "$URL" --token "$T2" --ca-fingerprint "$FP" --state-dir "$WORK/b" 2>"$WORK/err"; then
	fail "an expired token enrolled"
fi
grep -q "unknown, used or expired" "$WORK/err" || fail "expired token: $(cat "$WORK/err")"
ok "used and expired tokens refused"
for s in b c d; do
	"$MAMORI" enroll --server "$URL" --token "$(token)" --ca-fingerprint "$FP" --state-dir "$WORK/$s" \
		>/dev/null 2>"$WORK/err" || fail "enroll $s: $(cat "$WORK/err")"
done
DEV_A=$(grep -o '"device_id": *"[0-9a-f]*"' "$WORK/a/agent.json" | grep -o '[0-9a-f]\{32\}')

# --- a real scan pushed ----------------------------------------------------------------
"$MAMORI" push --state-dir "$WORK/a" 2>"$WORK/err" || fail "push: $(cat "$WORK/err")"
out=$(api "$P" admin GET /v1/devices)
[ "$(echo "$out" | status_of)" = 200 ] || fail "devices: $out"
echo "$out" | body_of | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
assert d["total"] == 4, d["total"]
a = [x for x in d["devices"] if x["id"] == sys.argv[1]][0]
assert a["user"] == "alice", a
assert a["status"] in ("pass", "fail", "unknown"), a
assert a["counts"]["pass"] + a["counts"]["fail"] + a["counts"]["unknown"] > 0, a
assert a["last_report_id"], a
assert a["packages"] > 0, a
' "$DEV_A" || fail "ledger content"
ok "a real scan reached the ledger"
for path in "/v1/devices/$DEV_A" "/v1/devices/$DEV_A/findings" "/v1/devices/$DEV_A/reports" /v1/summary; do
	out=$(api "$P" admin GET "$path")
	[ "$(echo "$out" | status_of)" = 200 ] || fail "$path: $out"
done
api "$P" admin GET "/v1/devices/$DEV_A/findings" | body_of | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["findings"]) >= 50, len(d["findings"])
assert all(f["status"] in ("pass","fail","unknown","not_applicable","disabled") for f in d["findings"])'
api "$P" admin GET /v1/summary | body_of | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
t = {x["topic"]: x for x in d["topics"]}
assert "firewall" in t and "patch" in t, sorted(t)
assert all(x["pass"] + x["fail"] + x["unknown"] + x["not_applicable"] == 1 for x in d["topics"]), d'
csv=$(api "$P" admin GET /v1/devices.csv)
[ "$(echo "$csv" | status_of)" = 200 ] || fail "csv"
# Here-strings, not pipes into grep -q / head: under pipefail a writer cut short by an early
# exit (SIGPIPE) would fail the check at random.
csv_header=$(body_of <<<"$csv" | sed -n 1p)
grep -q '"id","hostname"' <<<"$csv_header" || fail "csv header: $csv_header"
[ "$(echo "$csv" | body_of | grep -c "^\"")" -eq 5 ] || fail "csv rows"
ok "device, findings, history, summary and CSV answer"

# The same report twice is stored once.
"$MAMORI" scan --format json -o "$WORK/r1.json" >/dev/null 2>&1 || true
"$MAMORI" push --state-dir "$WORK/b" --report "$WORK/r1.json" 2>"$WORK/err" || fail "push r1: $(cat "$WORK/err")"
"$MAMORI" push --state-dir "$WORK/b" --report "$WORK/r1.json" 2>"$WORK/err" || fail "push r1 again: $(cat "$WORK/err")"
DEV_B=$(grep -o '"device_id": *"[0-9a-f]*"' "$WORK/b/agent.json" | grep -o '[0-9a-f]\{32\}')
n=$(api "$P" admin GET "/v1/devices/$DEV_B/reports" | body_of | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["reports"]))')
[ "$n" = 1 ] || fail "a report sent twice is stored $n times"
m=$(api "$P" admin GET /metrics)
grep -q '^mamorid_reports_duplicate_total 1$' <<<"$m" || fail "duplicate not counted"
# Another device sending that report id: 409.
if "$MAMORI" push --state-dir "$WORK/c" --report "$WORK/r1.json" 2>"$WORK/err"; then :; fi
grep -qi "another device" "$WORK/err" || fail "conflict: $(cat "$WORK/err")"
ok "a report is stored once; another device cannot reuse its id"

# --- certificates ------------------------------------------------------------------------
wire() { "$PYTHON" - "$1" <<'PY'
import json, sys, uuid
r = json.load(open(sys.argv[1]))
r["report_id"] = uuid.uuid4().hex
for f in r["findings"]:
    for k in ("title", "rationale", "remediation"):
        f.pop(k, None)
r["facts"].pop("software.packages", None)
print(json.dumps(r))
PY
}
wire "$WORK/r1.json" >"$WORK/w.json"
post() { api "$P" "$1" POST /v1/reports -H 'Content-Type: application/json' --data-binary "@$2" "${@:3}" | status_of; }
[ "$(post none "$WORK/w.json")" = 401 ] || fail "no certificate accepted"
# Another CA and a client certificate from it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=evil-ca -days 2 \
	-keyout "$WORK/evil-ca.key" -out "$WORK/evil-ca.crt" 2>/dev/null
mkdir -p "$WORK/evil"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$DEV_A" \
	-keyout "$WORK/evil/device.key" -out "$WORK/evil.csr" 2>/dev/null
openssl x509 -req -in "$WORK/evil.csr" -CA "$WORK/evil-ca.crt" -CAkey "$WORK/evil-ca.key" -days 1 \
	-set_serial "0x$(openssl x509 -in "$WORK/a/device.crt" -noout -serial | cut -d= -f2)" \
	-out "$WORK/evil/device.crt" 2>/dev/null
[ "$(post "$WORK/evil" "$WORK/w.json")" = 403 ] || fail "a certificate of another CA accepted"
grep -q "not issued by this server's CA" "$WORK/server-A.log" || fail "other CA: reason not logged"
# An expired certificate from our own CA, with the serial of an enrolled device.
mkdir -p "$WORK/old/db"
: >"$WORK/old/db/index.txt"
cat >"$WORK/old/ca.cnf" <<CNF
[ca]
default_ca = old
[old]
database = $WORK/old/db/index.txt
new_certs_dir = $WORK/old/db
serial = $WORK/old/db/serial
certificate = $WORK/srv/ca.crt
private_key = $WORK/srv/ca.key
default_md = sha256
policy = any
email_in_dn = no
copy_extensions = none
x509_extensions = client
[any]
commonName = supplied
[client]
extendedKeyUsage = clientAuth
CNF
serial_a=$(openssl x509 -in "$WORK/a/device.crt" -noout -serial | cut -d= -f2)
echo "$serial_a" >"$WORK/old/db/serial"
openssl req -new -key "$WORK/a/device.key" -subj "/CN=$DEV_A" -out "$WORK/old.csr" 2>/dev/null
mkdir -p "$WORK/expired"
cp "$WORK/a/device.key" "$WORK/expired/device.key"
openssl ca -batch -config "$WORK/old/ca.cnf" -in "$WORK/old.csr" -startdate 20200101000000Z \
	-enddate 20210101000000Z -out "$WORK/expired/device.crt" >/dev/null 2>&1 || fail "openssl ca"
[ "$(post "$WORK/expired" "$WORK/w.json")" = 403 ] || fail "an expired certificate accepted"
grep -q "has expired" "$WORK/server-A.log" || fail "expired: reason not logged"
# A device certificate cannot read the ledger.
[ "$(api "$P" "$WORK/a" GET /v1/devices | status_of)" = 403 ] || fail "a device read the ledger"
[ "$(api "$P" none GET /v1/devices | status_of)" = 401 ] || fail "the ledger without a certificate"
# Revocation takes effect at once, even on a connection's next request.
"$MAMORID" --data-dir "$WORK/srv" --db "$DB" "${CONF[@]}" device revoke "$DEV_A" >/dev/null
[ "$(post "$WORK/a" "$WORK/w.json")" = 403 ] || fail "a revoked certificate accepted"
if "$MAMORI" push --state-dir "$WORK/a" --report "$WORK/r1.json" 2>"$WORK/err"; then fail "revoked push succeeded"; fi
grep -qi "revoked\|refused" "$WORK/err" || fail "revoked push: $(cat "$WORK/err")"
ok "no certificate, another CA, expired and revoked certificates refused"

# --- hostile input -----------------------------------------------------------------------
W=$WORK/b
st() { api "$P" "$W" POST /v1/reports "$@" | status_of; }
[ "$(st -H 'Content-Type: application/json' --data-binary '{"schema_version": 2, ')" = 400 ] || fail "truncated"
[ "$(st -H 'Content-Type: application/json' --data-binary 'not json')" = 400 ] || fail "malformed"
"$PYTHON" -c 'print("[" * 100000 + "]" * 100000)' >"$WORK/deep.json"
[ "$(st -H 'Content-Type: application/json' --data-binary "@$WORK/deep.json")" = 400 ] || fail "deep"
[ "$(st -H 'Content-Type: application/json' --data-binary '{"schema_version": 2}')" = 422 ] || fail "not a report"
[ "$(st -H 'Content-Type: text/plain' --data-binary "@$WORK/w.json")" = 415 ] || fail "media type"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
[ "$(st -H 'Content-Type: application/json' --data-binary "@$WORK/big.json")" = 413 ] || fail "oversized"
[ "$(st -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "@$WORK/big.json")" = 413 ] || fail "oversized chunked"
# A body that never ends is dropped after a bounded amount and the connection closed.
s=$(head -c 30000000 /dev/zero | api "$P" "$W" POST /v1/reports -H 'Content-Type: application/json' \
	-H 'Transfer-Encoding: chunked' --data-binary @- 2>/dev/null | status_of || true)
[ "$s" != 200 ] || fail "an endless body was accepted"
s=$(st -H 'Content-Type: application/json' -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' a)" --data-binary "@$WORK/w.json" || true)
case $s in 4*) ;; *) fail "a 100 KB header got $s" ;; esac
# Settled before the body is read: no certificate, a huge announced body.
[ "$(api "$P" none POST /v1/reports -H 'Content-Type: application/json' --data-binary "@$WORK/big.json" | status_of)" = 401 ] ||
	fail "a body without a certificate"
[ "$(api "$P" none POST /v1/enroll -H 'Content-Length: 18446744073709551615' --data-binary '{}' | status_of)" = 413 ] ||
	fail "an absurd Content-Length"
[ "$(api "$P" none POST /v1/enroll -H 'Content-Type: application/json' --data-binary "@$WORK/big.json" | status_of)" = 413 ] ||
	fail "an enrollment over 64 KiB"
[ "$(api "$P" none POST /v1/enroll -H 'Content-Type: application/json' \
	--data-binary '{"token":"nope","csr":"garbage","hostname":"x"}' | status_of)" = 403 ] || fail "a bad token is checked first"
# Raw control characters and repeated members are refused, not half-stored.
"$PYTHON" -c 'import sys; s = open(sys.argv[1]).read(); sys.stdout.write(s.replace("\"hostname\": \"", "\"hostname\": \"a\u0000", 1))' "$WORK/w.json" >"$WORK/nul.json"
"$PYTHON" -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.stdout.buffer.write(d.replace(b"\\u0000", b"\x00"))' "$WORK/nul.json" >"$WORK/rawnul.json"
[ "$(st -H 'Content-Type: application/json' --data-binary "@$WORK/rawnul.json")" = 400 ] || fail "a raw NUL in a string"
[ "$(st -H 'Content-Type: application/json' --data-binary "@$WORK/nul.json")" = 400 ] || fail "a \\u0000 escape"
"$PYTHON" -c 'import sys; s = open(sys.argv[1]).read(); sys.stdout.write(s.replace("\"os.pretty_name\": {", "\"os.pretty_name\": {\"value\": \"=cmd|x\",", 1))' "$WORK/w.json" >"$WORK/dupval.json"
[ "$(st -H 'Content-Type: application/json' --data-binary "@$WORK/dupval.json")" = 422 ] || fail "a repeated member in a ledger fact"
"$PYTHON" -c '
import json, sys
r = json.load(open(sys.argv[1]))
r["findings"][0]["status"] = "maybe"
print(json.dumps(r))' "$WORK/w.json" >"$WORK/bad.json"
[ "$(st -H 'Content-Type: application/json' --data-binary "@$WORK/bad.json")" = 422 ] || fail "bad status"
# A raw TLS connection that sends garbage, and one that hangs up mid-request.
printf 'GARBAGE\r\n\r\n' | timeout 5 openssl s_client -quiet -connect "127.0.0.1:$P" >/dev/null 2>&1 || true
printf 'POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"' |
	timeout 5 openssl s_client -quiet -connect "127.0.0.1:$P" >/dev/null 2>&1 || true
# TLS 1.1 is refused.
if echo | timeout 5 openssl s_client -tls1_1 -connect "127.0.0.1:$P" >/dev/null 2>&1; then fail "TLS 1.1 accepted"; fi
[ "$(api "$P" none GET /healthz | status_of)" = 200 ] || fail "the server stopped serving"
n=$(api "$P" admin GET "/v1/devices/$DEV_B/reports" | body_of | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["reports"]))')
[ "$n" = 1 ] || fail "hostile input changed the store"
m=$(api "$P" none GET /metrics)
grep -q 'mamorid_reports_rejected_total{reason="too_large"} [1-9]' <<<"$m" || fail "rejections not counted"
grep -q 'mamorid_request_duration_seconds_bucket{endpoint="reports",le="+Inf"} [1-9]' <<<"$m" || fail "latency histogram"
grep -q 'mamorid_devices{status="fail"}\|mamorid_devices{status="pass"}' <<<"$m" || fail "devices by status"
ok "malformed, truncated, deep, oversized, wrong type and header floods get 4xx; server serves on"

# --- durability: kill -9 in the middle of a stream ---------------------------------------
N=40
for s in b c d; do
	mkdir -p "$WORK/stream-$s"
	for i in $(seq -w 1 $N); do
		"$PYTHON" - "$WORK/r1.json" >"$WORK/stream-$s/$i.json" <<'PY'
import json, sys, uuid
r = json.load(open(sys.argv[1]))
r["report_id"] = uuid.uuid4().hex
print(json.dumps(r))
PY
	done
done
stream() {
	local s=$1
	for f in "$WORK"/stream-"$s"/*.json; do
		"$MAMORI" push --state-dir "$WORK/$s" --report "$f" --timeout 5 2>>"$WORK/agent-$s.log" || true
	done
}
for s in b c d; do stream "$s" & done
# Kill once the stream is well under way (some reports acknowledged, most still to come).
for _ in $(seq 1 400); do
	[ "$(cat "$WORK"/agent-*.log 2>/dev/null | grep -c 'stored by the server')" -ge 12 ] && break
	sleep 0.05
done
stop_server A KILL
wait
grep -q "not sent, kept in the spool" "$WORK"/agent-*.log ||
	fail "the kill did not interrupt the stream (no agent had to spool)"
start_server A "$DB" "$P" "${CONF[@]}"
for s in b c d; do
	"$MAMORI" push --state-dir "$WORK/$s" --no-scan 2>>"$WORK/agent-$s.log" || fail "flush $s: $(tail -3 "$WORK/agent-$s.log")"
	[ -z "$(ls "$WORK/$s/spool" | grep '\.json$' || true)" ] || fail "spool of $s not empty"
done
for s in b c d; do
	dev=$(grep -o '"device_id": *"[0-9a-f]*"' "$WORK/$s/agent.json" | grep -o '[0-9a-f]\{32\}')
	got=$(api "$P" admin GET "/v1/devices/$dev/reports?limit=1000" | body_of |
		"$PYTHON" -c 'import json,sys; print("\n".join(sorted(r["report_id"] for r in json.load(sys.stdin)["reports"])))')
	files=("$WORK"/stream-"$s"/*.json)
	[ "$s" = b ] && files+=("$WORK/r1.json")
	want=$("$PYTHON" -c 'import json,sys; print("\n".join(sorted(json.load(open(f))["report_id"] for f in sys.argv[1:])))' "${files[@]}")
	[ "$got" = "$want" ] || fail "device $s: stored reports differ from the ones sent: $(diff <(echo "$want") <(echo "$got") | head -5)"
done
grep -q '"msg":"listening"' "$WORK/server-A.log" || fail "restart"
ok "kill -9 mid-stream: every report stored exactly once after the agents' spools drained"

# --- the access gate ---------------------------------------------------------------------
gate() { local who=$1; shift; api "$P" "$who" GET /v1/gate -D "$WORK/gate.h" "$@"; }
out=$(gate "$WORK/d")
[ "$(status_of <<<"$out")" = 403 ] || fail "gate: a device failing high checks was let in: $out"
body_of <<<"$out" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); assert d["allow"] is False and d["code"] == "failing", d'
grep -qi '^X-Mamori-Gate: failing; failing: ' "$WORK/gate.h" || fail "gate: no reason header"
"$MAMORI" enroll --server "$URL" --token "$(token)" --ca-fingerprint "$FP" --state-dir "$WORK/e" >/dev/null 2>&1 || fail "enroll e"
"$PYTHON" -c '
import json, sys, uuid
r = json.load(open(sys.argv[1]))
r["report_id"] = uuid.uuid4().hex
for f in r["findings"]:
    if f["status"] in ("fail", "unknown"):
        f["status"] = "pass"
print(json.dumps(r))' "$WORK/w.json" >"$WORK/good.json"
[ "$(api "$P" "$WORK/e" POST /v1/reports -H 'Content-Type: application/json' --data-binary "@$WORK/good.json" | status_of)" = 200 ] || fail "good report"
out=$(gate "$WORK/e")
[ "$(status_of <<<"$out")" = 200 ] || fail "gate: a passing device was refused: $out"
[ "$(gate "$WORK/a" | status_of)" = 403 ] || fail "gate: a revoked device was let in"
grep -qi '^X-Mamori-Gate: refused; the client certificate has been revoked' "$WORK/gate.h" || fail "gate: revoked reason"
[ "$(gate admin | status_of)" = 401 ] || fail "gate: an admin certificate is not a device"
serial_e=$(openssl x509 -in "$WORK/e/device.crt" -noout -serial | cut -d= -f2)
out=$(gate none -H "X-Mamori-Client-Serial: $serial_e")
[ "$(status_of <<<"$out")" = 200 ] || fail "gate: trusted proxy header ($serial_e): $out"
[ "$(gate none -H "X-Mamori-Client-Serial: 00$serial_e" | status_of)" = 200 ] || fail "gate: a leading zero byte in the serial"
[ "$(gate none -H 'X-Mamori-Client-Serial: 1234' | status_of)" = 403 ] || fail "gate: unknown serial"
ok "gate: failing device denied with its reason, passing device allowed, revoked and unknown denied, proxy header"

# --- several instances on one PostgreSQL ---------------------------------------------------
if [ "$BACKEND" = postgresql ]; then
	start_server B "$DB" 0 "${CONF[@]}"
	wire "$WORK/r1.json" >"$WORK/w2.json"
	[ "$(api "$PORT_B" "$WORK/d" POST /v1/reports -H 'Content-Type: application/json' --data-binary "@$WORK/w2.json" | status_of)" = 200 ] ||
		fail "instance B refused a report"
	[ "$(api "$PORT_B" admin GET /v1/devices | status_of)" = 200 ] || fail "instance B ledger"
	a=$(api "$P" admin GET /v1/summary | body_of)
	b=$(api "$PORT_B" admin GET /v1/summary | body_of)
	[ "$a" = "$b" ] || fail "two instances disagree"
	"$MAMORID" --data-dir "$WORK/srv" --db "$DB" "${CONF[@]}" device revoke \
		"$(grep -o '"device_id": *"[0-9a-f]*"' "$WORK/c/agent.json" | grep -o '[0-9a-f]\{32\}')" >/dev/null
	wire "$WORK/r1.json" >"$WORK/w3.json"
	[ "$(api "$PORT_B" "$WORK/c" POST /v1/reports -H 'Content-Type: application/json' --data-binary "@$WORK/w3.json" | status_of)" = 403 ] ||
		fail "a revocation through one instance is not honoured by the other"
	ok "two instances on one PostgreSQL agree; revocation reaches both"
fi
# An admin certificate can be revoked too; issuing into an existing file changes nothing.
if "$MAMORID" --data-dir "$WORK/srv" --db "$DB" "${CONF[@]}" admin-cert admin --out "$WORK/admin" 2>/dev/null; then
	fail "admin-cert overwrote an existing key"
fi
"$MAMORID" --data-dir "$WORK/srv" --db "$DB" "${CONF[@]}" admin-cert revoke admin >/dev/null
[ "$(api "$P" admin GET /v1/devices | status_of)" = 403 ] || fail "a revoked admin certificate accepted"
ok "admin certificates: never overwritten, revoked at once"
stop_server A TERM
echo "all integration tests passed ($BACKEND)"
