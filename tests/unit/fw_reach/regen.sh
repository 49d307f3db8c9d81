#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates each NAME.json from NAME.nft with the real nft: loads the script in a network
# namespace of its own and saves `nft -j list ruleset`. Needs root and nft. The JSON is what
# test_fw_reach.c reads (and the seeds of fuzz/corpus/fuzz_fw_reach).
set -eu
cd "$(dirname "$0")"
ns=fwreach_regen_$$
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
for f in *.nft; do
	ip netns exec "$ns" nft -f "$f"
	ip netns exec "$ns" nft -j list ruleset | python3 -m json.tool --indent 1 > "${f%.nft}.json"
	ip netns exec "$ns" nft flush ruleset
done
