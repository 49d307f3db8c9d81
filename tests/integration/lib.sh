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
