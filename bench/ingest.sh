#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Report ingest: reports/s and p50/p99 latency at 1, 16 and 64 concurrent agents, each with its
# own enrolled certificate and kept-alive TLS connection, on SQLite and on PostgreSQL. The
# report is this machine's real scan in the wire form agents send. Budget: >= 1000 reports/s
# with SQLite at 16 agents on the 2-core CI machine.
# usage: bench/ingest.sh [BUILD_DIR] [SECONDS]   (default build, 10)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
seconds=${2:-10}
for b in mamorid mamori bench/bench_ingest; do
	[ -x "$build/$b" ] || { echo "bench/ingest.sh: $build/$b missing: make build first" >&2; exit 2; }
done
work=$(mktemp -d)
chmod 755 "$work" # the PostgreSQL instance in it runs as the postgres user
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	"$root/scripts/pg-test.sh" stop "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

"$build/mamori" scan --format json -o "$work/report.json" >/dev/null 2>&1 || true
[ -s "$work/report.json" ] || { echo "bench/ingest.sh: the scan wrote no report" >&2; exit 2; }
printf 'log_level: info\nmax_connections: 256\nmax_connections_per_ip: 128\ndb_readers: 8\n' >"$work/mamorid.yaml"

# Durable commits, as in production: the SQLite store fsyncs too.
PG_TEST_FSYNC=on "$root/scripts/pg-test.sh" start "$work/pg" >/dev/null
pg_url=$(cat "$work/pg/url")

run_backend() {
	local name=$1 db=$2
	local data="$work/$name"
	mkdir -p "$data"
	"$build/mamorid" --config "$work/mamorid.yaml" --data-dir "$data" --db "$db" --listen 127.0.0.1:0 \
		2>"$data/server.log" &
	srv_pid=$!
	local port=""
	for _ in $(seq 1 100); do
		port=$(grep -o '"port":"[0-9]*"' "$data/server.log" | grep -o '[0-9][0-9]*' || true)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$data/server.log" >&2; exit 2; }
	local fp
	fp=$("$build/mamorid" --config "$work/mamorid.yaml" --data-dir "$data" --db "$db" ca fingerprint)
	local agents=()
	for i in $(seq 1 64); do
		local tok
		tok=$("$build/mamorid" --config "$work/mamorid.yaml" --data-dir "$data" --db "$db" token create 2>/dev/null)
		"$build/mamori" enroll --server "https://127.0.0.1:$port" --token "$tok" --ca-fingerprint "$fp" \
			--state-dir "$data/agent-$i" --hostname "bench-$i" >/dev/null 2>&1
		agents+=("$data/agent-$i")
	done
	for n in 1 16 64; do
		printf '%-10s ' "$name"
		"$build/bench/bench_ingest" "https://127.0.0.1:$port" "$data/ca.crt" "$seconds" "$work/report.json" \
			"${agents[@]:0:$n}"
	done
	kill "$srv_pid"
	wait "$srv_pid" 2>/dev/null || true
	srv_pid=
}

echo "report: $(wc -c <"$work/report.json") bytes as scanned; wire size in the \"bytes\" field"
echo "machine: $(nproc) cores; $seconds s per run"
run_backend sqlite "sqlite:$work/sqlite/mamorid.db"
run_backend postgresql "$pg_url"
