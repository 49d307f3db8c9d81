#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A private PostgreSQL instance for the tests and benchmarks.
#
#   scripts/pg-test.sh start DIR   initdb + start in DIR on a free port (127.0.0.1 and a unix
#                                  socket in DIR, trust auth), create database mamori_test,
#                                  write its URL to DIR/url
#   scripts/pg-test.sh stop DIR    stop it and remove DIR
#
# As root the PostgreSQL binaries run as the postgres user (they refuse root), and DIR is
# owned by postgres. Env: PGBIN (default: the newest /usr/lib/postgresql/*/bin),
# PG_TEST_FSYNC=on for durable commits (default off: test data is thrown away).
set -euo pipefail

die() { printf 'pg-test.sh: %s\n' "$*" >&2; exit 2; }
[ $# -eq 2 ] || die "usage: pg-test.sh start|stop DIR"
cmd=$1
mkdir -p -- "$2"
dir=$(cd -- "$2" && pwd -P)

if [ -z "${PGBIN:-}" ]; then
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$PGBIN" ] || die "PostgreSQL server binaries not found (scripts/install-deps.sh installs them)"
fi
[ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] || die "no initdb/pg_ctl in $PGBIN"

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# PostgreSQL's own files (data, socket, log) live in DIR, or, when the postgres user cannot
# reach DIR (a build tree under a private directory), in a /tmp directory DIR/pgdir names.
pg=$dir
[ -s "$dir/pgdir" ] && pg=$(cat "$dir/pgdir")

stop() {
	if [ -f "$pg/data/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$pg/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
			as_pg "$PGBIN/pg_ctl" -D "$pg/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	[ "$pg" != "$dir" ] && rm -rf -- "$pg"
	return 0
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case $cmd in
start)
	stop # a previous run that died before its stop
	find "$dir" -mindepth 1 -delete
	pg=$dir
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "no postgres user (install the postgresql package)"
		chown postgres: "$dir"
		pg=$dir
		if ! runuser -u postgres -- test -w "$dir"; then
			pg=$(mktemp -d /tmp/mamori-pg.XXXXXX)
			chmod 755 "$pg"
			chown postgres: "$pg"
			echo "$pg" >"$dir/pgdir"
		fi
	fi
	as_pg "$PGBIN/initdb" -D "$pg/data" -A trust -U postgres -E UTF8 --no-locale --no-sync \
		>"$pg/initdb.log" 2>&1 || { cat "$pg/initdb.log" >&2; die "initdb failed"; }
	fsync=${PG_TEST_FSYNC:-off}
	started=
	for _ in $(seq 1 20); do
		port=$((20000 + RANDOM % 30000))
		port_free "$port" || continue
		if as_pg "$PGBIN/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 \
			-o "-p $port -k $pg -h 127.0.0.1 -c fsync=$fsync -c max_connections=200" \
			start >/dev/null 2>&1; then
			started=1
			break
		fi
	done
	[ -n "$started" ] || { tail -n 20 "$pg/server.log" >&2 || true; die "postgres did not start"; }
	as_pg "$PGBIN/psql" -X -q -h "$pg" -p "$port" -U postgres -d postgres \
		-c "CREATE DATABASE mamori_test" >/dev/null || die "cannot create database mamori_test"
	printf 'postgresql://postgres@/mamori_test?host=%s&port=%s\n' "$pg" "$port" >"$dir/url.tmp"
	mv "$dir/url.tmp" "$dir/url"
	echo "pg-test.sh: postgres on port $port, socket in $pg"
	;;
stop)
	stop
	rm -rf -- "$dir"
	;;
*)
	die "usage: pg-test.sh start|stop DIR"
	;;
esac
