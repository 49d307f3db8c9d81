#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The access gate behind a real nginx (auth_request), configured with the shipped
# docs/integrations/nginx-auth-request.conf (ports and paths replaced): devices with their own
# enrolled certificates reach a protected page only while their posture passes. A failing,
# stale, revoked or unreported device gets 403 with the reason; a certificate of another CA
# or none is refused by nginx; a fixed device is let in again; mamorid down denies.
# usage: test_gate_nginx.sh MAMORID MAMORI PYTHON   (exit 77: nginx is not installed)
set -euo pipefail
MAMORID=$1 MAMORI=$2 PYTHON=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
if [ ! -x "$NGINX" ]; then
	echo "SKIP: no nginx binary ($NGINX): apt-get install nginx (scripts/install-deps.sh does)"
	exit 77
fi
WORK=$(mktemp -d)
export MAMORID MAMORI WORK PYTHON
. "$(dirname "$0")/lib.sh"
NGINX_PID=
cleanup() {
	stop_server A KILL
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# nginx's workers run as nobody when started by root: they read the page and write temp files.
chmod 755 "$WORK"

# --- mamorid, and devices in every state ------------------------------------------------
mkdir -p "$WORK/srv"
DB="sqlite:$WORK/srv/mamorid.db"
cat >"$WORK/mamorid.yaml" <<YAML
log_format: json
log_level: debug
gate_min_severity: high
gate_max_report_age: 1h
gate_grace: "0"
gate_trusted_proxies: [127.0.0.1]
YAML
CONF=(--config "$WORK/mamorid.yaml")
start_server A "$DB" 0 "${CONF[@]}"
P=$PORT_A

"$MAMORI" scan --format json -o "$WORK/scan.json" >/dev/null 2>&1 || true
[ -s "$WORK/scan.json" ] || fail "the scan wrote no report"
for d in good bad stale gone silent; do
	enroll_device "$P" "$WORK/$d" >"$WORK/$d.id"
done
craft_report "$WORK/scan.json" "$WORK/good.json" pass
FAILING=$(craft_report "$WORK/scan.json" "$WORK/bad.json" fail)
craft_report "$WORK/scan.json" "$WORK/stale.json" pass 10800
craft_report "$WORK/scan.json" "$WORK/gone.json" pass
for d in good bad stale gone; do push_report "$WORK/$d" "$WORK/$d.json"; done
ok "mamorid with 5 enrolled devices: passing, failing $FAILING, stale, to be revoked, no report"

# --- nginx with the shipped configuration --------------------------------------------------
NG=$WORK/nginx
mkdir -p "$NG/www" "$NG/tmp" "$NG/site"
echo "protected content $RANDOM$RANDOM" >"$NG/www/index.html"
chmod -R a+rX "$NG"
# The site's own server certificate, from a CA of its own (not mamorid's).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=site-ca -days 2 \
	-keyout "$NG/site/ca.key" -out "$NG/site/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
	-keyout "$NG/site/site.key" -out "$NG/site/site.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$NG/site/ext"
openssl x509 -req -in "$NG/site/site.csr" -CA "$NG/site/ca.crt" -CAkey "$NG/site/ca.key" -days 1 \
	-extfile "$NG/site/ext" -out "$NG/site/site.crt" 2>/dev/null
NPORT=$(free_port)
# Every value the test changes must be in the shipped file: a sed that replaces nothing fails.
conf=$(cat "$SRC/docs/integrations/nginx-auth-request.conf")
subst() {
	grep -qF -- "$1" <<<"$conf" || fail "docs/integrations/nginx-auth-request.conf no longer has: $1"
	conf=${conf//"$1"/"$2"}
}
subst "server 127.0.0.1:8443;" "server 127.0.0.1:$P;"
subst "listen 443 ssl;" "listen 127.0.0.1:$NPORT ssl;"
subst "/etc/nginx/tls/intranet.crt" "$NG/site/site.crt"
subst "/etc/nginx/tls/intranet.key" "$NG/site/site.key"
subst "/var/lib/mamorid/ca.crt" "$WORK/srv/ca.crt"
subst "/var/www/intranet" "$NG/www"
printf '%s\n' "$conf" >"$NG/gate.conf"
cat >"$NG/nginx.conf" <<CONF
worker_processes 1;
error_log $NG/error.log info;
events { worker_connections 256; }
http {
	access_log $NG/access.log;
	client_body_temp_path $NG/tmp/body;
	proxy_temp_path $NG/tmp/proxy;
	fastcgi_temp_path $NG/tmp/fastcgi;
	uwsgi_temp_path $NG/tmp/uwsgi;
	scgi_temp_path $NG/tmp/scgi;
	include $NG/gate.conf;
}
CONF
"$NGINX" -t -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf" -g "pid $NG/nginx.pid;" 2>"$WORK/err" ||
	fail "nginx -t: $(cat "$WORK/err")"
"$NGINX" -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf" -g "daemon off; pid $NG/nginx.pid;" &
NGINX_PID=$!
for _ in $(seq 1 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$NPORT") 2>/dev/null && break
	kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx did not start: $(tail -5 "$NG/error.log")"
	sleep 0.1
done
ok "nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') on port $NPORT with the shipped configuration"

# site WHO [curl args]: GET / through nginx as WHO (a device's state dir, "none", or a dir
# with device.crt/key); body, then the status on the last line; headers in $WORK/site.h.
site() {
	local who=$1 cert=()
	shift
	[ "$who" = none ] || cert=(--cert "$who/device.crt" --key "$who/device.key")
	: >"$WORK/site.h"
	curl -sS --cacert "$NG/site/ca.crt" "${cert[@]}" -D "$WORK/site.h" -w '\n%{http_code}\n' \
		"https://127.0.0.1:$NPORT/" "$@" 2>"$WORK/curl.err" || echo 000
}
gate_header() { grep -i '^X-Mamori-Gate:' "$WORK/site.h" | tr -d '\r' | sed 's/^[^:]*: *//'; }
page=$(cat "$NG/www/index.html")

# --- the answers, through nginx ----------------------------------------------------------
out=$(site "$WORK/good")
[ "$(status_of <<<"$out")" = 200 ] || fail "a passing device was refused: $out $(gate_header)"
[ "$(body_of <<<"$out")" = "$page" ] || fail "a passing device did not get the page: $out"
[ "$(gate_header)" = "allow; posture meets the policy" ] || fail "allow header: $(gate_header)"
ok "passing device (a medium check failing) gets the page"

out=$(site "$WORK/bad")
[ "$(status_of <<<"$out")" = 403 ] || fail "a failing device got in: $out"
[ "$(gate_header)" = "failing; failing: $FAILING" ] || fail "failing reason: $(gate_header)"
grep -q "^failing; failing: $FAILING$" <<<"$out" || fail "the denial page lacks the reason: $out"
! grep -qF "$page" <<<"$out" || fail "a failing device saw the content"
# Its own X-Mamori-Client-Serial (the passing device's) is replaced by nginx.
out=$(site "$WORK/bad" -H "X-Mamori-Client-Serial: $(cert_serial "$WORK/good")")
[ "$(status_of <<<"$out")" = 403 ] || fail "a device passed another's serial through nginx: $out"
ok "failing device denied, the reason names $FAILING; it cannot pose as another device"

out=$(site "$WORK/stale")
[ "$(status_of <<<"$out")" = 403 ] || fail "a stale device got in: $out"
grep -q '^stale; the latest report is 3 h old' <<<"$(gate_header)" || fail "stale reason: $(gate_header)"
out=$(site "$WORK/silent")
[ "$(status_of <<<"$out")" = 403 ] || fail "a device without a report got in: $out"
grep -q '^no-report; ' <<<"$(gate_header)" || fail "no-report reason: $(gate_header)"
ok "stale and never-reported devices denied"

[ "$(site "$WORK/gone" | status_of)" = 200 ] || fail "the device to revoke was not let in first"
mamorid_cli device revoke "$(cat "$WORK/gone.id")" >/dev/null
out=$(site "$WORK/gone")
[ "$(status_of <<<"$out")" = 403 ] || fail "a revoked device got in: $out"
[ "$(gate_header)" = "refused; the client certificate has been revoked" ] || fail "revoked reason: $(gate_header)"
ok "revocation takes effect at the next request (nginx itself does not know it)"

# A certificate from another CA with the serial of the passing device, and no certificate.
mkdir -p "$WORK/evil"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=evil-ca -days 2 \
	-keyout "$WORK/evil-ca.key" -out "$WORK/evil-ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$(cat "$WORK/good.id")" \
	-keyout "$WORK/evil/device.key" -out "$WORK/evil.csr" 2>/dev/null
openssl x509 -req -in "$WORK/evil.csr" -CA "$WORK/evil-ca.crt" -CAkey "$WORK/evil-ca.key" -days 1 \
	-set_serial "0x$(cert_serial "$WORK/good")" -out "$WORK/evil/device.crt" 2>/dev/null
out=$(site "$WORK/evil")
[ "$(status_of <<<"$out")" = 400 ] || fail "another CA's certificate: $out"
grep -q "SSL certificate error" <<<"$out" || fail "another CA's certificate: not nginx's refusal: $out"
! grep -qF "$page" <<<"$out" || fail "another CA's certificate saw the content"
out=$(site none)
[ "$(status_of <<<"$out")" = 400 ] || fail "no certificate: $out"
grep -q "No required SSL certificate was sent" <<<"$out" || fail "no certificate: not nginx's refusal: $out"
grep -q "client SSL certificate verify error" "$NG/error.log" || fail "nginx did not log the bad certificate"
ok "a certificate of another CA (with a valid serial) and none are refused by nginx"

# Loses access by itself until it is fixed: the failing device sends a passing report.
craft_report "$WORK/scan.json" "$WORK/fixed.json" pass
push_report "$WORK/bad" "$WORK/fixed.json"
out=$(site "$WORK/bad")
[ "$(status_of <<<"$out")" = 200 ] && [ "$(body_of <<<"$out")" = "$page" ] || fail "the fixed device is still refused: $out"
FAILING2=$(craft_report "$WORK/scan.json" "$WORK/bad2.json" fail)
push_report "$WORK/good" "$WORK/bad2.json"
[ "$(site "$WORK/good" | status_of)" = 403 ] || fail "a device that starts failing keeps access"
[ "$(gate_header)" = "failing; failing: $FAILING2" ] || fail "reason after the change: $(gate_header)"
ok "the fixed device is let in again; a device that starts failing loses access at once"

# --- the proxy header is believed only from gate_trusted_proxies ---------------------------
serial_fixed=$(cert_serial "$WORK/bad")
gate_direct() { curl -sS --cacert "$WORK/srv/ca.crt" -w '\n%{http_code}\n' "https://127.0.0.1:$P/v1/gate" "$@"; }
[ "$(gate_direct -H "X-Mamori-Client-Serial: $serial_fixed" | status_of)" = 200 ] ||
	fail "the header from 127.0.0.1 (trusted)"
# The query forms (for RADIUS): ?serial= as the header, ?device= by device id.
out=$(gate_direct --get --data "serial=$serial_fixed")
[ "$(status_of <<<"$out")" = 200 ] || fail "?serial=: $out"
grep -q "\"device\":\"$(cat "$WORK/bad.id")\"" <<<"$out" || fail "?serial= answered for another device: $out"
[ "$(gate_direct --get --data "device=$(cat "$WORK/bad.id")" | status_of)" = 200 ] || fail "?device="
out=$(gate_direct --get --data "device=$(cat "$WORK/gone.id")")
grep -q '"code":"revoked"' <<<"$out" && [ "$(status_of <<<"$out")" = 403 ] || fail "?device= of a revoked device: $out"
out=$(gate_direct -H "X-Mamori-Client-Serial: $(cert_serial "$WORK/gone")")
grep -q '"code":"refused","reason":"the client certificate has been revoked"' <<<"$out" ||
	fail "the serial of a revoked certificate: $out"
[ "$(gate_direct --get --data device=0123456789abcdef0123456789abcdef | status_of)" = 403 ] || fail "?device= unknown"
[ "$(gate_direct --get --data device=../../etc | status_of)" = 403 ] || fail "?device= not an id"
out=$(gate_direct --get --data "device=$(cat "$WORK/bad.id")" -H "X-Mamori-Client-Serial: $(cert_serial "$WORK/good")")
[ "$(status_of <<<"$out")" = 400 ] || fail "two names for the device: $out"
# HEAD (what the shipped configuration sends, so that nginx keeps its connection): the same
# answer in the status and header, no body.
out=$(gate_direct -I -D "$WORK/head.h" -H "X-Mamori-Client-Serial: $(cert_serial "$WORK/good")")
[ "$(status_of <<<"$out")" = 403 ] || fail "HEAD: $out"
grep -qi "^X-Mamori-Gate: failing; failing: $FAILING2" "$WORK/head.h" || fail "HEAD: header: $(cat "$WORK/head.h")"
ok "?serial= and ?device= from a trusted proxy; revoked and unknown denied; two names at once: 400; HEAD"
# From 127.0.0.2: same host, an address not in gate_trusted_proxies.
out=$(gate_direct --interface 127.0.0.2 -H "X-Mamori-Client-Serial: $serial_fixed")
[ "$(status_of <<<"$out")" = 401 ] || fail "the header from an untrusted address: $out"
grep -q "believed only from gate_trusted_proxies" <<<"$out" || fail "untrusted: reason: $out"
[ "$(gate_direct --interface 127.0.0.2 "--get" --data "device=$(cat "$WORK/bad.id")" | status_of)" = 401 ] ||
	fail "?device= from an untrusted address"
ok "X-Mamori-Client-Serial and ?device= from an address not in gate_trusted_proxies get 401"

# --- mamorid down: closed, not open ----------------------------------------------------------
# A clean stop (requests on their own threads drained first); a sanitizer build reports here.
stop_server A TERM
! grep -q "Sanitizer\|runtime error" "$WORK/server-A.log" || fail "mamorid: $(grep -A5 "Sanitizer\|runtime error" "$WORK/server-A.log")"
out=$(site "$WORK/bad")
[ "$(status_of <<<"$out")" = 500 ] || fail "mamorid down: $out"
! grep -qF "$page" <<<"$out" || fail "mamorid down let a device in"
ok "with mamorid down nginx answers 500: the gate fails closed"
echo "PASS"
