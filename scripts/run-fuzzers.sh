#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, on a copy of its corpus, and
# fails if any target finds a crash (the crasher is kept under fuzz/crashes/ for replay).
set -u
build=$1 seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$build"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	work=$(mktemp -d)
	cp -r "$root/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
	mkdir -p "$root/fuzz/crashes/$name"
	echo "fuzz: $name for ${seconds}s"
	if ! "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=5 -rss_limit_mb=1024 \
		-artifact_prefix="$root/fuzz/crashes/$name/" "$work" >"$work.log" 2>&1; then
		echo "fuzz: $name FAILED"; tail -40 "$work.log"; status=1
	else
		grep -E '^Done|#[0-9]+.*DONE' "$work.log" | tail -1
	fi
	rmdir "$root/fuzz/crashes/$name" 2>/dev/null || true
	rm -rf "$work" "$work.log"
done
exit $status
