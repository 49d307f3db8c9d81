# SPDX-License-Identifier: Apache-2.0
# Shared by the integration tests: start and stop a real mamorid on loopback, talk to it with
# curl and client certificates. Sourced; expects MAMORID, MAMORI and WORK to be set.

fail() { echo "FAIL: $*" >&2; [ -f "$WORK/server.log" ] && tail -20 "$WORK/server.log" >&2; exit 1; }
ok() { echo "ok: $*"; }

# start_server NAME DB [PORT] [extra mamorid args...]: sets SERVER_PID_<NAME>, PORT_<NAME>.
start_server() {
	local name=$1 db=$2 port=${3:-0}
	shift 3 || shift $#
	local log="$WORK/server-$name.log"
	: >"$log"
	"$MAMORID" --data-dir "$WORK/srv" --db "$db" --listen "127.0.0.1:$port" "$@" 2>>"$log" &
	local pid=$!
	local bound=""
	for _ in $(seq 1 100); do
		bound=$(grep -o '"msg":"listening".*"port":"[0-9]*"' "$log" | tail -1 | grep -o '"port":"[0-9]*"' | grep -o '[0-9]*' || true)
		[ -n "$bound" ] && break
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "mamorid $name did not start"; }
		sleep 0.1
	done
	[ -n "$bound" ] || fail "mamorid $name is not listening"
	ln -sf "$log" "$WORK/server.log"
	eval "SERVER_PID_$name=$pid PORT_$name=$bound"
}

stop_server() {
	local name=$1 sig=${2:-TERM}
	local pid
	eval "pid=\${SERVER_PID_$name:-}"
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	eval "SERVER_PID_$name="
}

# api PORT CERTDIR-PREFIX METHOD PATH [curl args...]: prints the body, then the status on the
# last line. CERT: "admin" (the admin certificate), a state dir of an enrolled agent, or "none".
api() {
	local port=$1 who=$2 method=$3 path=$4
	shift 4
	local cert=()
	case $who in
	none) ;;
	admin) cert=(--cert "$WORK/admin/admin.crt" --key "$WORK/admin/admin.key") ;;
	*) cert=(--cert "$who/device.crt" --key "$who/device.key") ;;
	esac
	curl -sS --cacert "$WORK/srv/ca.crt" "${cert[@]}" -X "$method" -w '\n%{http_code}\n' \
		"https://127.0.0.1:$port$path" "$@"
}
status_of() { tail -1; }
body_of() { sed '$d'; }

# free_port: a TCP port on 127.0.0.1 that nobody listens on now (for nginx, FreeRADIUS...).
free_port() {
	"${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# For the gate tests: mamorid's command-line tool on the running server's data and database.
# Expects DB and CONF (an array of --config args).
mamorid_cli() { "$MAMORID" --data-dir "$WORK/srv" --db "$DB" "${CONF[@]}" "$@"; }

# enroll_device PORT DIR: a new agent with its state in DIR, through the real enrollment (a
# fresh one-time token); prints its device id.
enroll_device() {
	local port=$1 dir=$2 fp tok
	fp=$(mamorid_cli ca fingerprint)
	tok=$(mamorid_cli token create 2>/dev/null)
	"$MAMORI" enroll --server "https://127.0.0.1:$port" --token "$tok" --ca-fingerprint "$fp" \
		--state-dir "$dir" >/dev/null 2>"$WORK/err" || fail "enroll $dir: $(cat "$WORK/err")"
	grep -o '"device_id": *"[0-9a-f]*"' "$dir/agent.json" | grep -o '[0-9a-f]\{32\}'
}

# cert_serial DIR: the serial of DIR's device certificate, as nginx's $ssl_client_serial.
cert_serial() { openssl x509 -in "$1/device.crt" -noout -serial | cut -d= -f2; }

# craft_report IN OUT MODE [AGE]: a new report from the real scan IN, for the gate,
# generated AGE seconds ago (default: now). MODE:
#   pass   every check that fails or is unknown passes
#   fail   as pass, but the first check of high or critical severity fails (its id is
#          printed) and one low or medium check fails too (below the gate severity)
craft_report() {
	"${PYTHON:-python3}" - "$@" <<'PY'
import datetime, json, sys, uuid
src, dst, mode = sys.argv[1:4]
age = int(sys.argv[4]) if len(sys.argv) > 4 else 0
r = json.load(open(src))
r["report_id"] = uuid.uuid4().hex
for f in r["findings"]:
    if f["status"] in ("fail", "unknown"):
        f["status"] = "pass"
if mode == "fail":
    hi = next(f for f in r["findings"] if f["severity"] in ("high", "critical") and f["status"] == "pass")
    hi["status"] = "fail"
    med = [f for f in r["findings"] if f["severity"] in ("low", "medium") and f["status"] == "pass"]
    if med:
        med[0]["status"] = "fail"
    print(hi["check"])
elif mode != "pass":
    sys.exit("craft_report: unknown mode " + mode)
t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=age)
r["generated_at"] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
json.dump(r, open(dst, "w"))
PY
}

# push_report DIR FILE: the agent in DIR sends FILE (mamori push --report).
push_report() {
	"$MAMORI" push --state-dir "$1" --report "$2" >/dev/null 2>"$WORK/err" || fail "push $2 from $1: $(cat "$WORK/err")"
}

# backend_db PREFIX: sets DB for $BACKEND. PostgreSQL ($PG_URL_FILE from the pg_start fixture):
# a fresh database PREFIX_PID_RANDOM (also in $dbname, its server's URL in $base), so reruns
# and the sanitizer build do not see each other; SQLite: $WORK/srv/mamorid.db.
backend_db() {
	if [ "$BACKEND" = postgresql ]; then
		[ -s "$PG_URL_FILE" ] || fail "no PostgreSQL: $PG_URL_FILE is missing (the pg_start fixture)"
		base=$(cat "$PG_URL_FILE")
		dbname="${1}_$$_$RANDOM"
		psql "$base" -qc "CREATE DATABASE $dbname" >/dev/null || fail "cannot create database $dbname"
		DB="${base/\/mamori_test?//$dbname?}"
	else
		DB="sqlite:$WORK/srv/mamorid.db"
	fi
}
