#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make install's part: binaries, systemd units naming the installed binaries, the example
# configuration and docs, into a DESTDIR. usage: test_install.sh BUILD_DIR
set -euo pipefail
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
DESTDIR=$dest cmake --install "$build" >/dev/null
units=$dest$prefix/lib/systemd/system
for f in "$dest$prefix/bin/mamori" "$dest$prefix/bin/mamorid" "$units/mamorid.service" \
	"$units/mamori-agent.service" "$units/mamori-push.service" "$units/mamori-push.timer" \
	"$dest$prefix/share/doc/mamori/server.md"; do
	[ -e "$f" ] || { echo "FAIL: $f not installed" >&2; exit 1; }
done
for u in "$units"/*.service; do
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
	[ -x "$dest$exe" ] || { echo "FAIL: $u runs $exe, which is not installed" >&2; exit 1; }
	if grep -q '@[A-Z]*@' "$u"; then echo "FAIL: $u has an unfilled @VAR@" >&2; exit 1; fi
done
[ -n "$(find "$dest" -path '*/mamori/mamorid.yaml.example')" ] ||
	{ echo "FAIL: no mamorid.yaml.example" >&2; exit 1; }
echo "install: ok ($prefix)"
