#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# House rules a compiler does not enforce: an SPDX line in every source file, none of the
# banned string functions (as curl's checksrc), and the docs listing every policy parameter.
set -u
src=$1
cd "$src" || exit 2
pass=0 fail=0
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }

while IFS= read -r f; do
	head -3 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' && pass=$((pass + 1)) || bad "$f: no SPDX line"
done < <(git ls-files '*.c' '*.h' '*.sh' '*.yaml' 'CMakeLists.txt' '*.cmake' 'Makefile' '.ci/run' 2>/dev/null | grep -v '^tests/fixtures/' | grep -v '^fuzz/corpus/')

banned='\b(strcpy|strcat|strncpy|sprintf|vsprintf|sscanf|strtok|gets|atoi|atol)[[:space:]]*\('
if hits=$(git ls-files '*.c' '*.h' | xargs grep -nE "$banned" 2>/dev/null); then
	bad "banned functions used:"; echo "$hits" >&2
else
	pass=$((pass + 1))
fi

for p in $(sed -n 's/^  \([a-z_][a-z0-9_]*\):$/\1/p' catalog/params.yaml); do
	grep -q "\`$p\`" docs/policy.md && pass=$((pass + 1)) || bad "docs/policy.md does not list parameter $p"
done

echo "lint: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
