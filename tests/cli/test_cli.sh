#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Command-line behaviour: exit codes, formats, languages, bad input; the JSON report is
# validated against schema/report.schema.json by an independent validator (python3-jsonschema).
set -u
bin=$1 src=$2 py=${3:-/usr/bin/python3}
fx=$src/tests/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
expect_rc() { # expected-rc description command...
	local want=$1 what=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else bad "$what: exit $rc, expected $want ($(head -c 300 "$tmp/err"))"; fi
}
now=--now=2026-11-23T00:00:00Z

expect_rc 0 "help" "$bin" --help
expect_rc 2 "no command" "$bin"
expect_rc 2 "unknown command" "$bin" frobnicate
expect_rc 2 "bad format" "$bin" scan --format xml
expect_rc 2 "bad fail-on" "$bin" scan --fail-on worst
expect_rc 2 "bad lang" "$bin" scan --lang fr
expect_rc 2 "bad topic" "$bin" scan --only nosuch
expect_rc 2 "missing root" "$bin" scan --root /nonexistent/root
expect_rc 2 "missing policy" "$bin" scan --root "$fx/good/root" --policy /nonexistent.yaml

# A good host passes at --fail-on low; the bad host fails.
expect_rc 0 "good host passes" "$bin" scan --root "$fx/good/root" $now --fail-on low
expect_rc 1 "bad host fails" "$bin" scan --root "$fx/bad/root" $now --fail-on low
grep -q "How to fix" "$tmp/out" && ok || bad "English report lacks 'How to fix'"
expect_rc 1 "bad host in Japanese" env LANG=ja_JP.UTF-8 "$bin" scan --root "$fx/bad/root" $now
grep -q "対処方法" "$tmp/out" && ok || bad "Japanese report lacks 対処方法"
expect_rc 1 "--lang overrides LANG" env LANG=ja_JP.UTF-8 "$bin" scan --lang en --root "$fx/bad/root" $now
grep -q "How to fix" "$tmp/out" && ok || bad "--lang en not honoured"

# Formats
expect_rc 1 "json" "$bin" scan --root "$fx/bad/root" $now --format json -o "$tmp/bad.json"
expect_rc 0 "json good" "$bin" scan --root "$fx/good/root" $now --format json -o "$tmp/good.json"
expect_rc 1 "html" "$bin" scan --root "$fx/bad/root" $now --format html -o "$tmp/bad.html"
grep -q "<!DOCTYPE html>" "$tmp/bad.html" && ok || bad "html output is not a document"
if grep -Eq '<(script|link|img)[ >]' "$tmp/bad.html"; then bad "html report is not self-contained"; else ok; fi
"$bin" scan >/dev/null 2>&1 --root "$fx/good/root" $now --format json -o "$tmp/live-good.json"
for f in bad good; do
	if "$py" - "$src/schema/report.schema.json" "$tmp/$f.json" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.validate(json.load(open(sys.argv[2])), schema, cls=jsonschema.Draft202012Validator)
PY
	then ok; else bad "$f.json does not validate against the schema"; fi
done
# A scan of this machine also validates.
"$bin" scan --format json -o "$tmp/live.json" >/dev/null 2>&1
rc=$?
if [ $rc -le 1 ] && "$py" -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' "$src/schema/report.schema.json" "$tmp/live.json"; then ok; else bad "live scan json (rc $rc) does not validate"; fi

# --only and --fail-on
expect_rc 1 "only ssh on bad host" "$bin" scan --root "$fx/bad/root" $now --only ssh --format json -o "$tmp/ssh.json"
"$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["findings"] and all(f["topic"]=="ssh" for f in r["findings"])' "$tmp/ssh.json" && ok || bad "--only ssh reported other topics"

# facts and explain
expect_rc 0 "facts" "$bin" facts --root "$fx/good/root" $now
"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "host.hostname" in d' "$tmp/out" && ok || bad "facts output lacks host.hostname"
expect_rc 0 "explain" "$bin" explain ssh-password-auth --lang en
grep -q "Expression" "$tmp/out" && ok || bad "explain lacks the expression"
expect_rc 2 "explain unknown" "$bin" explain no-such-check

# A malformed policy gets a clear error naming file and line, exit 2.
printf 'params:\n  min_password_length: "twelve"\n' >"$tmp/p.yaml"
expect_rc 2 "policy type error" "$bin" scan --root "$fx/good/root" --policy "$tmp/p.yaml"
grep -q "p.yaml:2" "$tmp/err" && ok || bad "policy error does not name file:line: $(cat "$tmp/err")"
printf 'disabled:\n  - check: ssh-password-auth\n' >"$tmp/p2.yaml"
expect_rc 2 "disabled without reason" "$bin" scan --root "$fx/good/root" --policy "$tmp/p2.yaml"
printf 'disabled:\n  - check: ssh-password-auth\n    reason: "No SSH server on laptops (IT, 2026-11)"\n' >"$tmp/p3.yaml"
# The bad host fails other ssh checks, so exit 1; the switched-off check must show as disabled.
expect_rc 1 "disabled with reason" "$bin" scan --root "$fx/bad/root" $now --only ssh --policy "$tmp/p3.yaml" --format json -o "$tmp/p3.json"
"$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); f=[x for x in r["findings"] if x["check"]=="ssh-password-auth"][0]; assert f["status"]=="disabled" and "laptops" in f["reason"]' "$tmp/p3.json" && ok || bad "disabled check not reported as disabled with its reason"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
