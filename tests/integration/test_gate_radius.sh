#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The access gate deciding a VPN login through a real FreeRADIUS (rlm_rest over TLS to
# mamorid), configured with the shipped docs/integrations/freeradius-rest files (address, port
# and paths replaced), asked by radclient as a VPN would ask: the allowed device gets
# Access-Accept (in its grace period with the reason), failing, stale, revoked, unknown and
# never-reported devices get Access-Reject, a wrong password too, and mamorid down rejects.
# Then EAP-TLS (eapol_test) with the devices' own enrolled certificates: the gate is asked
# about the certificate FreeRADIUS verified (check-eap-tls, by serial).
# usage: test_gate_radius.sh MAMORID MAMORI PYTHON   (exit 77: FreeRADIUS is not installed)
set -euo pipefail
MAMORID=$1 MAMORI=$2 PYTHON=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
RADIUSD=${RADIUSD:-$(command -v freeradius || echo /usr/sbin/freeradius)}
RADCLIENT=${RADCLIENT:-$(command -v radclient || echo /usr/bin/radclient)}
LIBDIR=${FREERADIUS_LIBDIR:-/usr/lib/freeradius}
EAPOL_TEST=${EAPOL_TEST:-$(command -v eapol_test || echo /usr/bin/eapol_test)}
for b in "$RADIUSD" "$RADCLIENT" "$EAPOL_TEST"; do
	if [ ! -x "$b" ]; then
		echo "SKIP: no $b: apt-get install freeradius freeradius-rest freeradius-utils eapoltest (scripts/install-deps.sh does)"
		exit 77
	fi
done
if [ ! -e "$LIBDIR/rlm_rest.so" ]; then
	echo "SKIP: no $LIBDIR/rlm_rest.so: apt-get install freeradius-rest (scripts/install-deps.sh does)"
	exit 77
fi
WORK=$(mktemp -d)
export MAMORID MAMORI WORK PYTHON
. "$(dirname "$0")/lib.sh"
RAD_PID=
cleanup() {
	stop_server A KILL
	[ -n "$RAD_PID" ] && kill "$RAD_PID" 2>/dev/null && wait "$RAD_PID" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# --- mamorid, and devices in every state ------------------------------------------------
mkdir -p "$WORK/srv"
DB="sqlite:$WORK/srv/mamorid.db"
# A failing check is tolerated for an hour (grace), a report for three.
cat >"$WORK/mamorid.yaml" <<YAML
log_format: json
log_level: debug
gate_min_severity: high
gate_max_report_age: 3h
gate_grace: 1h
gate_trusted_proxies: [127.0.0.1]
YAML
CONF=(--config "$WORK/mamorid.yaml")
start_server A "$DB" 0 "${CONF[@]}"
P=$PORT_A
"$MAMORI" scan --format json -o "$WORK/scan.json" >/dev/null 2>&1 || true
[ -s "$WORK/scan.json" ] || fail "the scan wrote no report"
for d in good grace bad worse stale gone silent; do
	enroll_device "$P" "$WORK/$d" >"$WORK/$d.id"
done
craft_report "$WORK/scan.json" "$WORK/good.json" pass
GRACE=$(craft_report "$WORK/scan.json" "$WORK/grace.json" fail)
FAILING=$(craft_report "$WORK/scan.json" "$WORK/bad.json" fail 7200) # failing for 2 h
craft_report "$WORK/scan.json" "$WORK/worse.json" fail 7200 >/dev/null  # and stays so
craft_report "$WORK/scan.json" "$WORK/stale.json" pass 18000
craft_report "$WORK/scan.json" "$WORK/gone.json" pass
for d in good grace bad worse stale gone; do push_report "$WORK/$d" "$WORK/$d.json"; done
mamorid_cli device revoke "$(cat "$WORK/gone.id")" >/dev/null
ok "mamorid: passing, in grace ($GRACE), failing for 2 h ($FAILING), stale, revoked, no report"

# --- FreeRADIUS with the shipped module, policy and site -----------------------------------
RADDB=$WORK/raddb
RPORT=$(free_port)
SECRET=gate-test-$RANDOM$RANDOM
mkdir -p "$RADDB"/{mods-enabled,policy.d,sites-enabled} "$WORK/radrun" "$WORK/radlog"
# Every value the test changes must be in the shipped file: a replacement of nothing fails.
install_templated() { # SRC DST FROM TO [FROM TO]...
	local text from to
	text=$(cat "$1")
	local dst=$2
	shift 2
	while [ $# -gt 0 ]; do
		from=$1 to=$2
		shift 2
		grep -qF -- "$from" <<<"$text" || fail "${1:-file} no longer has: $from"
		text=${text//"$from"/"$to"}
	done
	printf '%s\n' "$text" >"$dst"
}
D=$SRC/docs/integrations/freeradius-rest
install_templated "$D/mods-available/mamori_gate" "$RADDB/mods-enabled/mamori_gate" \
	'connect_uri = "https://127.0.0.1:8443"' "connect_uri = \"https://127.0.0.1:$P\"" \
	"/var/lib/mamorid/ca.crt" "$WORK/srv/ca.crt"
install_templated "$D/policy.d/mamori_gate" "$RADDB/policy.d/mamori_gate"
install_templated "$D/sites-available/mamori-vpn" "$RADDB/sites-enabled/mamori-vpn" \
	"port = 1812" "port = $RPORT"
install_templated "$D/sites-available/mamori-check-eap-tls" "$RADDB/sites-enabled/mamori-check-eap-tls"
# EAP-TLS: FreeRADIUS's own server certificate (a CA of its own) and mamorid's CA for the
# devices' certificates; the VPN's RADIUS front end for EAP on a second port.
EPORT=$(free_port)
mkdir -p "$RADDB/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=radius-ca -days 2 \
	-keyout "$RADDB/certs/ca.key" -out "$RADDB/certs/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=radius.test \
	-keyout "$RADDB/certs/server.key" -out "$RADDB/certs/server.csr" 2>/dev/null
printf 'extendedKeyUsage=serverAuth\n' >"$RADDB/certs/ext"
openssl x509 -req -in "$RADDB/certs/server.csr" -CA "$RADDB/certs/ca.crt" -CAkey "$RADDB/certs/ca.key" \
	-days 1 -extfile "$RADDB/certs/ext" -out "$RADDB/certs/server.crt" 2>/dev/null
cat >"$RADDB/mods-enabled/eap" <<CONF
eap {
	default_eap_type = tls
	timer_expire = 60
	ignore_unknown_eap_types = no
	max_sessions = 64
	tls-config tls-common {
		private_key_file = $RADDB/certs/server.key
		certificate_file = $RADDB/certs/server.crt
		ca_file = $WORK/srv/ca.crt
		cipher_list = "DEFAULT"
		tls_min_version = "1.2"
		tls_max_version = "1.2"
		ecdh_curve = "prime256v1"
	}
	tls {
		tls = tls-common
		virtual_server = check-eap-tls
	}
}
CONF
cat >"$RADDB/sites-enabled/eap-vpn" <<CONF
server eap-vpn {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $EPORT
	}
	authorize {
		eap {
			ok = return
		}
	}
	authenticate {
		Auth-Type EAP {
			eap
		}
	}
}
CONF
cat >"$RADDB/radiusd.conf" <<CONF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = $WORK/radlog
raddbdir = $RADDB
radacctdir = \${logdir}/radacct
name = freeradius
confdir = \${raddbdir}
modconfdir = \${confdir}/mods-config
certdir = \${confdir}/certs
cadir = \${confdir}/certs
run_dir = $WORK/radrun
db_dir = \${raddbdir}
libdir = $LIBDIR
pidfile = \${run_dir}/\${name}.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no
log {
	destination = files
	colourise = no
	file = \${logdir}/radius.log
	auth = yes
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = no
}
proxy_requests = no
client localhost {
	ipaddr = 127.0.0.1
	secret = $SECRET
}
thread pool {
	start_servers = 2
	max_servers = 4
	min_spare_servers = 1
	max_spare_servers = 2
	max_requests_per_server = 0
}
modules {
	\$INCLUDE mods-enabled/
}
policy {
	\$INCLUDE policy.d/
}
\$INCLUDE sites-enabled/
CONF
: >"$RADDB/dictionary"
cat >"$RADDB/mods-enabled/base" <<CONF
pap {
}
files {
	filename = $RADDB/users
}
always ok {
	rcode = ok
}
always reject {
	rcode = reject
}
CONF
# The VPN user's own password; the gate decides on top of it.
printf 'DEFAULT Cleartext-Password := "vpn-password"\n' >"$RADDB/users"
"$RADIUSD" -C -d "$RADDB" -n radiusd >"$WORK/radcheck.log" 2>&1 || fail "freeradius -C: $(tail -20 "$WORK/radcheck.log")"
"$RADIUSD" -X -d "$RADDB" -n radiusd >"$WORK/radius-debug.log" 2>&1 &
RAD_PID=$!
for _ in $(seq 1 100); do
	grep -q "Ready to process requests" "$WORK/radius-debug.log" && break
	kill -0 "$RAD_PID" 2>/dev/null || fail "freeradius did not start: $(tail -20 "$WORK/radius-debug.log")"
	sleep 0.1
done
grep -q "Ready to process requests" "$WORK/radius-debug.log" || fail "freeradius is not ready"
ok "FreeRADIUS $("$RADIUSD" -v | sed -n 's/.*Version \([0-9.]*\).*/\1/p' | head -1) on port $RPORT with the shipped module, policy and site"

# The gate's last answer, as FreeRADIUS logged it: a reject must be the gate's, not another module's.
last_gate() { grep -o 'mamori_gate: ERROR: {"allow":false,"code":"[a-z-]*"' "$WORK/radius-debug.log" | tail -1 | sed 's/.*"code":"//; s/"$//'; }
# login USER [PASSWORD]: Access-Request as a VPN sends it; prints radclient's answer.
login() {
	printf 'User-Name = "%s", User-Password = "%s", NAS-Identifier = "vpn-gw"\n' "$1" "${2:-vpn-password}" |
		"$RADCLIENT" -x -r 1 -t 10 "127.0.0.1:$RPORT" auth "$SECRET" 2>&1 || true
}
expect() { # WHAT ANSWER OUTPUT
	grep -q "Received $2 " <<<"$3" || fail "$1: expected $2, got: $(grep -E 'Received|Reply-Message|rror' <<<"$3")"
}

out=$(login "$(cat "$WORK/good.id")")
expect "passing device" Access-Accept "$out"
! grep -q Reply-Message <<<"$out" || fail "passing device: a message: $out"
out=$(login "$(cat "$WORK/good.id" | tr a-f A-F)")
expect "passing device, User-Name in upper case" Access-Accept "$out"
out=$(login "$(cat "$WORK/grace.id")")
expect "device in its grace period" Access-Accept "$out"
grep -q "Reply-Message = \"allowed in the grace period, fix before it ends: $GRACE\"" <<<"$out" ||
	fail "grace: the reason is not in the reply: $out"
ok "passing device and a device in its grace period (told what to fix) get Access-Accept"

out=$(login "$(cat "$WORK/good.id")" wrong-password)
expect "wrong password" Access-Reject "$out"
ok "a good posture does not replace the password"

for d in bad:failing worse:failing stale:stale gone:revoked silent:no-report; do
	out=$(login "$(cat "$WORK/${d%%:*}.id")")
	expect "${d%%:*} device" Access-Reject "$out"
	[ "$(last_gate)" = "${d#*:}" ] || fail "${d%%:*}: the gate said $(last_gate), expected ${d#*:}"
	grep -q 'Reply-Message = "Access denied: this device does not meet the security policy' <<<"$out" ||
		fail "${d%%:*}: no reason in the reject: $out"
done
# The last: a User-Name that tries to add the passing device's serial to the query.
for u in 0123456789abcdef0123456789abcdef alice "$(cat "$WORK/good.id")x" \
	"x&serial=$(cert_serial "$WORK/good")"; do
	expect "unknown device $u" Access-Reject "$(login "$u")"
done
ok "failing, stale, revoked, never-reported and unknown devices get Access-Reject (HTTP 403)"

# Fixed: the failing device sends a passing report and may log in again.
craft_report "$WORK/scan.json" "$WORK/fixed.json" pass
push_report "$WORK/bad" "$WORK/fixed.json"
expect "fixed device" Access-Accept "$(login "$(cat "$WORK/bad.id")")"
ok "the fixed device may log in again"

# mamorid down: no answer is a reject, not an accept.
# --- EAP-TLS: the device's own certificate, verified by FreeRADIUS, asked about by serial ---
# eap_login DIR: an EAP-TLS login with DIR's enrolled certificate and key; prints the outcome.
eap_login() {
	cat >"$WORK/eapol.conf" <<CONF
network={
	key_mgmt=IEEE8021X
	eap=TLS
	eapol_flags=0
	identity="$(cat "$1.id" 2>/dev/null || echo device)"
	ca_cert="$RADDB/certs/ca.crt"
	client_cert="$1/device.crt"
	private_key="$1/device.key"
}
CONF
	if "$EAPOL_TEST" -c "$WORK/eapol.conf" -a 127.0.0.1 -p "$EPORT" -s "$SECRET" -t 10 -n \
		>"$WORK/eapol.log" 2>&1; then echo SUCCESS; else echo FAILURE; fi
}
[ "$(eap_login "$WORK/good")" = SUCCESS ] || fail "EAP-TLS, passing device: $(grep -E 'FAIL|Reject|error' "$WORK/eapol.log" | tail -5)"
grep -q "Access-Accept" "$WORK/eapol.log" || fail "EAP-TLS: no Access-Accept: $(tail -5 "$WORK/eapol.log")"
grep -q "/v1/gate?serial=$(cert_serial "$WORK/good" | tr A-F a-f)" "$WORK/radius-debug.log" ||
	fail "EAP-TLS: the gate was not asked by the certificate's serial"
for d in worse:failing stale:stale gone:refused silent:no-report; do
	[ "$(eap_login "$WORK/${d%%:*}")" = FAILURE ] || fail "EAP-TLS: the ${d%%:*} device logged in"
	grep -q "Access-Reject" "$WORK/eapol.log" || fail "EAP-TLS ${d%%:*}: no Access-Reject: $(tail -5 "$WORK/eapol.log")"
	[ "$(last_gate)" = "${d#*:}" ] || fail "EAP-TLS ${d%%:*}: the gate said $(last_gate), expected ${d#*:}"
done
# The failing device's User-Name claims the passing device: the certificate decides.
cp "$WORK/good.id" "$WORK/liar.id"
mkdir -p "$WORK/liar"
cp "$WORK/stale/device.crt" "$WORK/stale/device.key" "$WORK/liar/"
[ "$(eap_login "$WORK/liar")" = FAILURE ] || fail "EAP-TLS: a User-Name of another device let a stale one in"
[ "$(last_gate)" = stale ] || fail "EAP-TLS with another device's User-Name: the gate said $(last_gate)"
ok "EAP-TLS with the enrolled certificates: passing device accepted; failing, stale, revoked, unreported rejected, whatever the User-Name"

# A clean stop (requests on their own threads drained first); a sanitizer build reports here.
stop_server A TERM
! grep -q "Sanitizer\|runtime error" "$WORK/server-A.log" || fail "mamorid: $(grep -A5 "Sanitizer\|runtime error" "$WORK/server-A.log")"
out=$(login "$(cat "$WORK/good.id")")
expect "mamorid down" Access-Reject "$out"
grep -q 'Reply-Message = "Access denied: the device posture check is unavailable' <<<"$out" ||
	fail "mamorid down: reason: $out"
ok "mamorid down: Access-Reject (fails closed)"
echo "PASS"
