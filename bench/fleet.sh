#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Fleet simulation for mamorid's store (bench/fleet.c): enrolls DEVICES devices, stores one
# report of 55 findings over 21 topics for each (THREADS concurrent callers, group commit),
# a second report for a fifth of them, then times the ledger's first page and the topic
# summary (median and max of 20 runs; budget: each < 100 ms).
#
# Usage: bench/fleet.sh [sqlite|pg|URL] [DEVICES] [THREADS]
#   sqlite   (default) a new SQLite file in a temporary directory
#   pg       a private PostgreSQL started with scripts/pg-test.sh (fsync on) in a temporary
#            directory, stopped afterwards
#   URL      an existing, empty database: sqlite:PATH or postgresql://...
#   DEVICES  default 100000; THREADS default 16
# Env: BUILD   the build directory (default <repo>/build); bench_fleet is built there
#      KEEP=1  keep the temporary directory (the database) afterwards
# The output is also written to bench/results/fleet-<backend>-<UTC timestamp>.txt.

set -euo pipefail
export LC_ALL=C

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
build=${BUILD:-$root/build}
target=${1:-sqlite}
devices=${2:-100000}
threads=${3:-16}

die() { printf 'fleet.sh: %s\n' "$*" >&2; exit 2; }
[[ $devices =~ ^[0-9]+$ && $devices -ge 1 ]] || die "DEVICES must be a positive number"
[[ $threads =~ ^[0-9]+$ && $threads -ge 1 && $threads -le 256 ]] || die "THREADS must be in [1, 256]"
[ -f "$build/CMakeCache.txt" ] || die "no build in $build (configure it first, or set BUILD)"
cmake --build "$build" --target bench_fleet >/dev/null || die "cannot build bench_fleet"
bin=$build/bench/bench_fleet

tmp=
pgdir=
cleanup() {
	[ -n "$pgdir" ] && "$root/scripts/pg-test.sh" stop "$pgdir" >/dev/null 2>&1 || true
	if [ -n "$tmp" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			echo "fleet.sh: kept $tmp"
		else
			rm -rf -- "$tmp"
		fi
	fi
}
trap cleanup EXIT

case $target in
sqlite)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-fleet.XXXXXX")
	url=sqlite:$tmp/fleet.db
	backend=sqlite
	;;
pg | postgresql)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-fleet.XXXXXX")
	chmod 755 "$tmp" # the postgres user must reach $tmp/pg
	pgdir=$tmp/pg
	PG_TEST_FSYNC=on "$root/scripts/pg-test.sh" start "$pgdir" >/dev/null
	url=$(cat "$pgdir/url")
	backend=postgresql
	;;
sqlite:* | postgresql://* | postgres://*)
	url=$target
	backend=${target%%:*}
	;;
*)
	die "unknown target $target (sqlite, pg or a URL)"
	;;
esac

mkdir -p "$root/bench/results"
out=$root/bench/results/fleet-$backend-$(date -u +%Y%m%dT%H%M%SZ).txt
echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) CPUs; bench_fleet $devices devices, $threads threads" |
	tee "$out"
set +e
"$bin" "$url" "$devices" "$threads" 2>&1 | tee -a "$out"
status=${PIPESTATUS[0]}
set -e
if [ -n "$tmp" ] && [ -z "$pgdir" ]; then
	echo "database size: $(du -sh "$tmp" | cut -f1)" | tee -a "$out"
fi

# The same two answers through the real server, as an administrator gets them: HTTPS with an
# admin certificate, a kept-alive connection, 20 requests each (curl's time_total).
if [ "$status" -eq 0 ] && [ -x "$build/mamorid" ]; then
	srv=$(mktemp -d "${TMPDIR:-/tmp}/mamori-fleet-srv.XXXXXX")
	"$build/mamorid" --data-dir "$srv" --db "$url" --listen 127.0.0.1:0 2>"$srv/log" &
	spid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(grep -o '"port":"[0-9]*"' "$srv/log" | grep -o '[0-9][0-9]*' || true)
		[ -n "$port" ] && break
		sleep 0.1
	done
	if [ -n "$port" ] && "$build/mamorid" --data-dir "$srv" --db "$url" admin-cert bench --out "$srv/adm" >/dev/null; then
		# The dashboard's endpoints too (docs/server.md, "Dashboard API").
		for path in "/v1/devices?limit=50" /v1/summary /v1/overview "/v1/trend?days=30" \
			"/v1/devices?status=fail&limit=50" "/v1/devices?sort=worst&limit=50" \
			"/v1/devices?sort=last_seen&limit=50" "/v1/devices?stale=1&limit=50" \
			"/v1/devices?q=pc-00&limit=50" "/v1/devices?topic=firewall&limit=50" \
			"/v1/devices?check=firewall-active&limit=50" \
			"/v1/devices?status=unknown&q=pc-1&sort=worst&limit=50" \
			"/v1/checks/firewall-active/devices?limit=50" \
			"/v1/controls/csaj-5.1.1/devices?limit=50" /v1/catalog /v1/register \
			/v1/checklist "/v1/checklist.csv" "/v1/checklist.xlsx" /; do
			args=()
			for _ in $(seq 1 20); do args+=("https://127.0.0.1:$port$path" -o /dev/null); done
			curl -s --cacert "$srv/ca.crt" --cert "$srv/adm/bench.crt" --key "$srv/adm/bench.key" \
				-w '%{http_code} %{time_total}\n' "${args[@]}" >"$srv/times"
			bad=$(awk '$1 != 200' "$srv/times" | wc -l)
			awk '{ printf "%.3f\n", $2 * 1000 }' "$srv/times" | sort -n >"$srv/ms"
			printf 'HTTPS %-52s median %7.2f ms   max %7.2f ms   (%s of 20 not 200)\n' "$path" \
				"$(sed -n 10p "$srv/ms")" "$(tail -1 "$srv/ms")" "$bad" | tee -a "$out"
		done
	fi
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null || true
	rm -rf -- "$srv"
fi
echo "fleet.sh: written to ${out#"$root"/}"
exit "$status"
