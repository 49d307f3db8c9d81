#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The access gate's speed: GET /v1/gate on a real mamorid (SQLite) as a trusted proxy asks it
# (X-Mamori-Client-Serial, DEVICES enrolled devices in turn, each with a passing report),
# against a static 200 from nginx on the same machine with the same TLS (1.3, kept-alive
# connections), and the realistic path: nginx auth_request asking mamorid before serving
# that static page. wrk, one run each; prints requests/s and p50/p99 latency per target and
# the gate/nginx ratio. Goal: gate >= 0.5 x nginx static requests/s, gate p99 < 5 ms.
#
# Usage: bench/gate.sh [BUILD_DIR]                  (default <repo>/build)
# Env: DURATION (10s), THREADS (2), CONNS (32): wrk's -d, -t, -c
#      DEVICES (8)   enrolled devices the requests rotate over
#      STRICT=1      exit 1 when the goal is missed
# Needs nginx and wrk (scripts/install-deps.sh installs both). The output is also written to
# bench/results/gate-<UTC timestamp>.txt. wrk shares the machine's cores with the servers.
set -euo pipefail
export LC_ALL=C
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
build=${1:-$root/build}
duration=${DURATION:-10s}
threads=${THREADS:-2}
conns=${CONNS:-32}
devices=${DEVICES:-8}
die() { printf 'gate.sh: %s\n' "$*" >&2; exit 2; }
for b in mamorid mamori; do
	[ -x "$build/$b" ] || die "$build/$b missing: build first (make build)"
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || die "no nginx: apt-get install nginx (scripts/install-deps.sh)"
command -v wrk >/dev/null || die "no wrk: apt-get install wrk (scripts/install-deps.sh)"
[[ $devices =~ ^[0-9]+$ && $devices -ge 1 && $devices -le 60 ]] || die "DEVICES must be in [1, 60]"

work=$(mktemp -d "${TMPDIR:-/tmp}/mamori-gate.XXXXXX")
chmod 755 "$work" # nginx's workers run as nobody under root
srv_pid=
ngx_pid=
cleanup() {
	[ -n "$ngx_pid" ] && kill "$ngx_pid" 2>/dev/null && wait "$ngx_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "gate.sh: kept $work (servers stopped)"; else rm -rf -- "$work"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- mamorid with DEVICES enrolled, passing devices ---------------------------------------
db="sqlite:$work/srv/mamorid.db"
mkdir -p "$work/srv"
cat >"$work/mamorid.yaml" <<YAML
log_level: info
max_connections_per_ip: 256
gate_trusted_proxies: [127.0.0.1]
YAML
cli() { "$build/mamorid" --config "$work/mamorid.yaml" --data-dir "$work/srv" --db "$db" "$@"; }
"$build/mamorid" --config "$work/mamorid.yaml" --data-dir "$work/srv" --db "$db" --listen 127.0.0.1:0 \
	2>"$work/server.log" &
srv_pid=$!
port=
for _ in $(seq 1 100); do
	port=$(grep -o '"port":"[0-9]*"' "$work/server.log" | grep -o '[0-9][0-9]*' || true)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$work/server.log" >&2; die "mamorid did not start"; }
"$build/mamori" scan --format json -o "$work/scan.json" >/dev/null 2>&1 || true
[ -s "$work/scan.json" ] || die "the scan wrote no report"
fp=$(cli ca fingerprint)
serials=()
for i in $(seq 1 "$devices"); do
	a=$work/agent-$i
	"$build/mamori" enroll --server "https://127.0.0.1:$port" --token "$(cli token create 2>/dev/null)" \
		--ca-fingerprint "$fp" --state-dir "$a" --hostname "bench-$i" >/dev/null 2>&1 || die "enroll $i"
	# This machine's scan with every failing check passing: the gate's answer is 200.
	python3 - "$work/scan.json" "$a/report.json" <<'PY'
import json, sys, uuid
r = json.load(open(sys.argv[1]))
r["report_id"] = uuid.uuid4().hex
for f in r["findings"]:
    if f["status"] in ("fail", "unknown"):
        f["status"] = "pass"
json.dump(r, open(sys.argv[2], "w"))
PY
	"$build/mamori" push --state-dir "$a" --report "$a/report.json" >/dev/null 2>&1 || die "push $i"
	serials+=("$(openssl x509 -in "$a/device.crt" -noout -serial | cut -d= -f2)")
done
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/srv/ca.crt" \
	-H "X-Mamori-Client-Serial: ${serials[0]}" "https://127.0.0.1:$port/v1/gate")
[ "$code" = 200 ] || die "the gate answers $code for an enrolled, passing device"

# --- nginx: a static 200, and the same behind auth_request --------------------------------
ng=$work/nginx
mkdir -p "$ng/www" "$ng/tmp"
echo ok >"$ng/www/index.html"
chmod -R a+rX "$ng"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -days 2 \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$ng/site.key" -out "$ng/site.crt" 2>/dev/null
nport=$(free_port)
cat >"$ng/nginx.conf" <<CONF
worker_processes auto;
error_log $ng/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $ng/tmp/body;
	proxy_temp_path $ng/tmp/proxy;
	fastcgi_temp_path $ng/tmp/fastcgi;
	uwsgi_temp_path $ng/tmp/uwsgi;
	scgi_temp_path $ng/tmp/scgi;
	keepalive_requests 1000000;
	# As docs/integrations/nginx-auth-request.conf, less the client certificate (wrk has
	# none): the serial comes from the benchmark's own header.
	upstream mamorid_gate {
		server 127.0.0.1:$port;
		keepalive 32;
		keepalive_timeout 15s;
	}
	server {
		listen 127.0.0.1:$nport ssl;
		ssl_certificate $ng/site.crt;
		ssl_certificate_key $ng/site.key;
		ssl_protocols TLSv1.3;
		root $ng/www;
		location = /static { try_files /index.html =404; }
		location = /gated {
			auth_request /_mamori_gate;
			try_files /index.html =404;
		}
		location = /_mamori_gate {
			internal;
			proxy_pass https://mamorid_gate/v1/gate;
			proxy_method HEAD;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header X-Mamori-Client-Serial \$http_x_mamori_client_serial;
			proxy_pass_request_body off;
			proxy_set_header Content-Length "";
			proxy_ssl_protocols TLSv1.3;
			proxy_ssl_trusted_certificate $work/srv/ca.crt;
			proxy_ssl_verify on;
			proxy_ssl_name localhost;
			proxy_ssl_session_reuse on;
		}
	}
}
CONF
"$nginx" -p "$ng" -e "$ng/error.log" -c "$ng/nginx.conf" -g "daemon off; pid $ng/nginx.pid;" &
ngx_pid=$!
for _ in $(seq 1 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$nport") 2>/dev/null && break
	kill -0 "$ngx_pid" 2>/dev/null || die "nginx did not start: $(tail -5 "$ng/error.log")"
	sleep 0.1
done
code=$(curl -sk -o /dev/null -w '%{http_code}' -H "X-Mamori-Client-Serial: ${serials[0]}" "https://127.0.0.1:$nport/gated")
[ "$code" = 200 ] || die "nginx auth_request answers $code"

# --- wrk ---------------------------------------------------------------------------------
# Each request names the next device, as a proxy in front of a fleet would.
cat >"$work/serials.lua" <<'LUA'
local serials, i = {}, 0
function init(args)
	for _, s in ipairs(args) do serials[#serials + 1] = s end
end
function request()
	i = i + 1
	return wrk.format("GET", nil, { ["X-Mamori-Client-Serial"] = serials[i % #serials + 1] })
end
LUA
mkdir -p "$root/bench/results"
out=$root/bench/results/gate-$(date -u +%Y%m%dT%H%M%SZ).txt
# run NAME URL [SERIAL...]: one wrk run (the requests name the serials in turn); prints a
# result line, and "NAME rps p50 p99 non2xx" to $work/results.
run() {
	local name=$1 url=$2 log=$work/wrk.txt
	shift 2
	local script=()
	[ $# -gt 0 ] && script=(-s "$work/serials.lua" "$url" --)
	[ $# -gt 0 ] || script=("$url")
	wrk -t "$threads" -c "$conns" -d "$duration" --latency "${script[@]}" "$@" >"$log" 2>&1 ||
		die "wrk $name: $(cat "$log")"
	cat "$log" >>"$work/wrk-all.txt"
	# wrk prints latencies in us, ms or s.
	awk -v name="$name" '
		function ms(v) {
			if (v ~ /us$/) return v * 0.001
			if (v ~ /ms$/) return v + 0
			if (v ~ /s$/) return v * 1000
			return v + 0
		}
		/^ +50%/ { p50 = ms($2) }
		/^ +99%/ { p99 = ms($2) }
		/^Requests\/sec:/ { rps = $2 }
		/Non-2xx or 3xx responses:/ { bad = $NF }
		/Socket errors:/ { err = $0 }
		END {
			printf "%-28s %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms   non-2xx %s%s\n",
				name, rps, p50, p99, bad ? bad : 0, err ? "   (" err ")" : ""
			printf "%s %f %f %f %d\n", name, rps, p50, p99, bad + 0 > "/dev/stderr"
		}' "$log" 2>>"$work/results"
}
{
	echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) CPUs, load $(cut -d" " -f1-3 /proc/loadavg); wrk -t$threads -c$conns -d$duration; $devices devices; $("$nginx" -v 2>&1 | sed 's/.*: //')"
	run "nginx static 200" "https://127.0.0.1:$nport/static"
	run "mamorid /v1/gate" "https://127.0.0.1:$port/v1/gate" "${serials[@]}"
	run "nginx auth_request + gate" "https://127.0.0.1:$nport/gated" "${serials[@]}"
} | tee "$out"
read -r _ _ n_rps _ _ _ < <(grep '^nginx static' "$work/results" | sed 's/^nginx static 200/x x/')
read -r _ _ g_rps _ g_p99 g_bad < <(grep '^mamorid /v1/gate' "$work/results" | sed 's/^mamorid \/v1\/gate/x x/')
verdict=$(awk -v g="$g_rps" -v n="$n_rps" -v p="$g_p99" -v bad="$g_bad" 'BEGIN {
	r = n > 0 ? g / n : 0
	ok = r >= 0.5 && p < 5 && bad == 0
	printf "gate/nginx %.2f (goal >= 0.50), gate p99 %.3f ms (goal < 5 ms): %s\n", r, p, ok ? "goal met" : "GOAL MISSED"
}')
echo "$verdict" | tee -a "$out"
echo "gate.sh: written to ${out#"$root"/}"
[ "${STRICT:-0}" = 1 ] && grep -q "GOAL MISSED" <<<"$verdict" && exit 1
exit 0
