#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The agent's HTTPS client, enrollment and spool against a real TLS server on loopback (a
# small Python stand-in for mamorid, throwaway CAs from openssl): the right CA works, another
# CA or a TLS 1.1-only server is refused with a clear message, each reply status is handled
# as docs/agent.md says.
set -u
bin=$(realpath "$1") src=$(realpath "$2") py=${3:-/usr/bin/python3}
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
expect_rc() { # expected-rc description command...
	local want=$1 what=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else bad "$what: exit $rc, expected $want ($(head -c 600 "$tmp/err"))"; fi
}
has() { # file text description
	grep -qF -- "$2" "$1" && ok || bad "$3: '$2' not in $(head -c 600 "$1")"
}

# Throwaway CAs: ours (ca1) and a stranger's (ca2); the server certificate from ca1.
cd "$tmp" || exit 2
for ca in ca1 ca2; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $ca.key \
		-out $ca.crt -days 2 -subj "/CN=test $ca" 2>/dev/null || { echo "openssl failed"; exit 2; }
done
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
	-out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
openssl x509 -req -in server.csr -CA ca1.crt -CAkey ca1.key -CAcreateserial -days 2 \
	-extfile san.ext -out server.crt 2>/dev/null || { echo "openssl failed"; exit 2; }
fp=$(openssl x509 -in ca1.crt -outform DER | sha256sum | cut -c1-64)
fp2=$(openssl x509 -in ca2.crt -outform DER | sha256sum | cut -c1-64)

cat >server.py <<'EOF'
# A stand-in for mamorid: /v1/ca, /v1/enroll (signs the CSR with openssl), /v1/reports
# (answers what the file "mode" says). tls11: speak TLS 1.1 only.
import json, os, ssl, subprocess, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

d, tls11 = sys.argv[1], len(sys.argv) > 2 and sys.argv[2] == "tls11"
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, status, body, ctype="application/json"):
        b = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        if self.path == "/v1/ca":
            pem = open(os.path.join(d, "ca1.crt")).read()
            if open(os.path.join(d, "mode")).read().strip() == "two-cas":
                pem += open(os.path.join(d, "ca2.crt")).read()
            return self.reply(200, pem, "application/x-pem-file")
        self.reply(404, {"error": "no such page"})
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with open(os.path.join(d, "log"), "a") as f:
            f.write("%s %s %s\n" % (self.path, self.headers.get("Content-Type"), self.headers.get("User-Agent")))
        if self.path == "/v1/enroll":
            req = json.loads(body)
            if req.get("token") != "tok-1":
                return self.reply(403, {"error": "token unknown, used or expired"})
            open(os.path.join(d, "enroll.json"), "w").write(json.dumps(req))
            open(os.path.join(d, "dev.csr"), "w").write(req["csr"])
            subprocess.run(["openssl", "x509", "-req", "-in", os.path.join(d, "dev.csr"),
                            "-CA", os.path.join(d, "ca1.crt"), "-CAkey", os.path.join(d, "ca1.key"),
                            "-CAcreateserial", "-days", "2", "-out", os.path.join(d, "dev.crt")],
                           check=True, capture_output=True)
            return self.reply(201, {"device_id": "0123456789abcdef0123456789abcdef",
                                    "certificate": open(os.path.join(d, "dev.crt")).read(),
                                    "ca": open(os.path.join(d, "ca1.crt")).read()})
        if self.path != "/v1/reports":
            return self.reply(404, {"error": "no such page"})
        if not self.connection.getpeercert():
            return self.reply(401, {"error": "a device certificate is needed"})
        mode = open(os.path.join(d, "mode")).read().strip()
        if mode in ("422", "503", "403", "429"):
            return self.reply(int(mode), {"error": "mode %s: report_id: expected 32 hex digits" % mode})
        rid = json.loads(body)["report_id"]
        k = len(os.listdir(os.path.join(d, "got")))
        open(os.path.join(d, "got", "%03d.json" % k), "wb").write(body)
        self.reply(201, {"report_id": rid, "stored": True, "duplicate": False,
                         "send_inventory": mode == "send_inventory"})

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
if tls11:
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1_1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
ctx.load_cert_chain(os.path.join(d, "server.crt"), os.path.join(d, "server.key"))
ctx.load_verify_locations(os.path.join(d, "ca1.crt"))
ctx.verify_mode = ssl.CERT_OPTIONAL
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(os.path.join(d, "port" + ("11" if tls11 else "")), "w").write(str(srv.server_address[1]))
srv.serve_forever()
EOF
mkdir got
echo ok >mode
"$py" server.py "$tmp" & pids+=($!)
"$py" -W ignore server.py "$tmp" tls11 & pids+=($!)
for _ in $(seq 50); do [ -s port ] && [ -s port11 ] && break; sleep 0.1; done
[ -s port ] && [ -s port11 ] || { echo "the test server did not start"; exit 2; }
url=https://127.0.0.1:$(cat port)
url11=https://127.0.0.1:$(cat port11)
st=$tmp/state
export MAMORI_STATE_DIR=$st

# A report with a package list, made elsewhere (the fuzz corpus keeps a real one).
report=$src/fuzz/corpus/fuzz_report_wire/real-report.json
with_id() { # id -> a copy of the real report with that report_id
	"$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); r["report_id"]=sys.argv[2]; print(json.dumps(r))' "$report" "$1" >"$tmp/r-$1.json"
	echo "$tmp/r-$1.json"
}

# ---- enroll ----
expect_rc 2 "enroll: wrong fingerprint" "$bin" enroll --server "$url" --token tok-1 --ca-fingerprint "$fp2"
has "$tmp/err" "$fp" "the CA's real fingerprint is shown"
has "$tmp/err" "nothing was written" "a mismatch says nothing was written"
[ -e "$st" ] && bad "the state directory was made on a fingerprint mismatch" || ok
echo two-cas >mode
expect_rc 2 "enroll: a second CA slipped into /v1/ca" "$bin" enroll --server "$url" --token tok-1 --ca-fingerprint "$fp"
has "$tmp/err" "more than one PEM block" "only the fingerprinted CA is ever trusted"
echo ok >mode
expect_rc 2 "enroll: bad token" "$bin" enroll --server "$url/" --token nope --ca-fingerprint "$fp"
has "$tmp/err" "token unknown, used or expired" "the server's error text is shown"
[ -e "$st/agent.json" ] || [ -e "$st/device.key" ] && bad "files left after a refused enrollment" || ok
echo tok-1 >token
expect_rc 0 "enroll" "$bin" enroll --server "$url/" --token - --ca-fingerprint "sha256:${fp^^}" --hostname pc-042 --user taro <token
has "$tmp/out" "0123456789abcdef0123456789abcdef" "enroll names the device id"
has enroll.json '"hostname": "pc-042"' "the host name is sent"
has enroll.json '"user": "taro"' "the user is sent"
has "$st/agent.json" "\"server\": \"$url\"" "agent.json names the server without a trailing slash"
[ "$(stat -c %a "$st")" = 700 ] && ok || bad "state dir mode $(stat -c %a "$st")"
[ "$(stat -c %a "$st/device.key")" = 600 ] && ok || bad "device.key mode $(stat -c %a "$st/device.key")"
cmp -s "$st/ca.crt" ca1.crt && ok || bad "ca.crt is not the server's CA"
ls -a "$st" | grep -q '^\.enroll' && bad "staging directory left behind" || ok
expect_rc 2 "enroll again without --force" "$bin" enroll --server "$url" --token tok-1 --ca-fingerprint "$fp"
has "$tmp/err" "--force" "a second enrollment points at --force"

# ---- push: right CA ----
expect_rc 0 "push with the right CA" "$bin" push --report "$(with_id aaaa0001)"
has "$tmp/err" "stored by the server" "push logs the outcome"
n=$(ls got | wc -l)
[ "$n" -eq 1 ] && ok || bad "server got $n reports, expected 1"
has log "/v1/reports application/json mamori/" "content type and user agent"
"$py" - "$tmp/got/000.json" "$st/inventory.sha256" <<'EOF' && ok || bad "first report on the wire"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema_version"] == 2 and r["report_id"] == "aaaa0001"
assert all("title" not in f and "remediation" not in f for f in r["findings"])
assert isinstance(r["facts"]["software.packages"]["value"], list)
assert r["inventory"]["count"] == len(r["facts"]["software.packages"]["value"])
assert open(sys.argv[2]).read().strip() == r["inventory"]["sha256"]
EOF
expect_rc 0 "second push" "$bin" push --report "$(with_id aaaa0002)"
"$py" - "$tmp/got/001.json" <<'EOF' && ok || bad "a known package list is left out"
import json, sys
r = json.load(open(sys.argv[1]))
p = r["facts"]["software.packages"]
assert "value" not in p and p["omitted"] == "inventory" and r["inventory"]["count"] > 100
EOF
has "$tmp/err" "already known" "the log says the list was left out"

# ---- the server asks for the package list again ----
echo send_inventory >mode
expect_rc 0 "push, server wants the list" "$bin" push --report "$(with_id aaaa0003)"
[ -e "$st/inventory.sha256" ] && bad "inventory.sha256 kept after send_inventory" || ok
echo ok >mode
expect_rc 0 "push after send_inventory" "$bin" push --report "$(with_id aaaa0004)"
"$py" -c 'import json,sys; assert isinstance(json.load(open(sys.argv[1]))["facts"]["software.packages"]["value"], list)' got/003.json && ok || bad "the list is sent again"

# ---- rejected for good ----
echo 422 >mode
expect_rc 0 "push, server rejects" "$bin" push --report "$(with_id aaaa0005)"
has "$tmp/err" "rejected by the server (422)" "rejection logged"
ls "$st"/spool/rejected/*-aaaa0005.json >/dev/null 2>&1 && ok || bad "rejected report not kept"
has "$(ls "$st"/spool/rejected/*-aaaa0005.reason)" "report_id: expected 32 hex digits" "the server's reason is kept"

# ---- unreachable / busy: kept, exit 3, sent later ----
echo 503 >mode
expect_rc 3 "push, server failing" "$bin" push --report "$(with_id aaaa0006)"
has "$tmp/err" "answered 503" "503 logged"
echo 429 >mode
expect_rc 3 "push --no-scan, server busy" "$bin" push --no-scan
echo 403 >mode
expect_rc 2 "push, certificate refused" "$bin" push --no-scan
has "$tmp/err" "refused this device's certificate (revoked?)" "403 explained"
[ "$(ls "$st"/spool/*.json | wc -l)" -eq 1 ] && ok || bad "the report left the spool"
echo ok >mode
expect_rc 0 "push --no-scan, server back" "$bin" push --no-scan
[ -e got/004.json ] && grep -q aaaa0006 got/004.json && ok || bad "the spooled report was not sent"

# ---- the wrong CA: the server is not trusted ----
cp ca2.crt "$st/ca.crt"
expect_rc 3 "push with another CA" "$bin" push --report "$(with_id aaaa0007)" --timeout 5s
has "$tmp/err" "not the one the mamori CA issued" "a clear message for the wrong CA"
cp ca1.crt "$st/ca.crt"

# ---- a TLS 1.1-only server ----
sed -i "s|$url|$url11|" "$st/agent.json"
expect_rc 3 "push to a TLS 1.1 server" "$bin" push --no-scan --timeout 5s
has "$tmp/err" "TLS handshake failed" "a TLS 1.1 server is refused"
sed -i "s|$url11|$url|" "$st/agent.json"
expect_rc 0 "and the spool drains again" "$bin" push --no-scan

# ---- enroll --force keeps the old files ----
expect_rc 0 "enroll --force" "$bin" enroll --server "$url" --token tok-1 --ca-fingerprint "$fp" --force
old=$(ls -d "$st"/old-* 2>/dev/null | head -1)
[ -n "$old" ] && [ -e "$old/device.key" ] && [ -e "$old/agent.json" ] && ok || bad "--force did not keep the old key"
[ -e "$st/device.key" ] && [ -e "$st/agent.json" ] && ok || bad "--force did not enroll"

# ---- push scans this machine by default ----
expect_rc 0 "push (scan)" "$bin" push
has "$tmp/err" "stored by the server" "a scan's report is sent"

# ---- agent: retries with backoff while the server fails, sends when it is back, ends
# cleanly on SIGTERM ----
echo 503 >mode
before=$(ls got | wc -l)
"$bin" agent --interval 1h --retry 1s 2>agent.log & apid=$!
for _ in $(seq 100); do grep -q "answered 503" agent.log && break; sleep 0.1; done
echo ok >mode
for _ in $(seq 60); do [ "$(ls got | wc -l)" -gt "$before" ] && break; sleep 0.1; done
[ "$(ls got | wc -l)" -eq $((before + 1)) ] && ok || bad "the agent did not send after the server came back"
kill -TERM "$apid"
wait "$apid"; arc=$?
[ "$arc" -eq 0 ] && ok || bad "agent exit $arc after SIGTERM"
has agent.log "answered 503" "the agent logs the failure"
has agent.log "trying again in" "the agent logs its retry"
has agent.log "stored by the server" "the agent logs the success"
has agent.log "agent stopping (SIGTERM)" "the agent logs its end"
[ "$(ls "$st"/spool/*.json 2>/dev/null | wc -l)" -eq 0 ] && ok || bad "the agent left reports in the spool"

# ---- usage errors ----
expect_rc 2 "agent: bad interval" "$bin" agent --interval 0s
expect_rc 2 "agent: not enrolled" env MAMORI_STATE_DIR="$tmp/none" "$bin" agent
expect_rc 2 "push: bad timeout" "$bin" push --timeout 5x
expect_rc 2 "enroll: http server" "$bin" enroll --server http://x --token t --ca-fingerprint "$fp"
expect_rc 2 "push: not enrolled" env MAMORI_STATE_DIR="$tmp/none" "$bin" push --no-scan
has "$tmp/err" "mamori enroll" "not enrolled explained"
expect_rc 2 "push: report not JSON" "$bin" push --report "$tmp/mode"

echo "http client: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
