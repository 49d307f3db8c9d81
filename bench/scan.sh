#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Time `mamori scan` against `lynis audit system --quick` on this machine and
# print the medians side by side, the lynis/mamori ratios and the budget verdict
# (mamori: median wall <= 50 ms, peak RSS <= 10 MiB).
#
# Usage: bench/scan.sh [MAMORI_BINARY]      (default: <repo>/build/mamori)
# Env:   RUNS=N        measured runs per tool (default 5, at least 5)
#        LYNIS_RUNS=N  measured lynis runs (default RUNS; < 5 only for quick trials)
#        STRICT=1      exit 1 when mamori is over budget
#
# Needs root to install lynis and GNU time if they are missing (Debian/Ubuntu).
# See bench/README.md.

set -euo pipefail
export LC_ALL=C # "." as the decimal point in `time` output and awk

readonly BUDGET_WALL_MS=50
readonly BUDGET_RSS_KIB=$((10 * 1024))

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${1:-$root/build/mamori}
[[ $bin == /* ]] || bin=$PWD/$bin # relative to the caller's cwd

die() { printf 'scan.sh: %s\n' "$*" >&2; exit 2; }
warn() { printf 'scan.sh: warning: %s\n' "$*" >&2; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

runs=${RUNS:-5}
lynis_runs=${LYNIS_RUNS:-$runs}
is_uint "$runs" || die "RUNS must be an integer >= 5 (got '$runs')"
is_uint "$lynis_runs" || die "LYNIS_RUNS must be a positive integer (got '$lynis_runs')"
runs=$((10#$runs)) lynis_runs=$((10#$lynis_runs))
((runs >= 5)) || die "RUNS must be >= 5 (got $runs)"
((lynis_runs >= 1)) || die "LYNIS_RUNS must be >= 1 (got $lynis_runs)"
((lynis_runs >= 5)) || warn "LYNIS_RUNS=$lynis_runs < 5: lynis medians are not meaningful"

[[ -x $bin ]] || die "mamori binary not found or not executable: $bin (build it first)"

# --- dependencies --------------------------------------------------------------

apt_install() {
	((EUID == 0)) || die "$1 is missing and we are not root; install it with: apt-get install $1"
	printf 'installing %s...\n' "$1" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y "$1" >&2 || { apt-get update >&2 && apt-get install -y "$1" >&2; } ||
		die "could not install $1"
}

[[ -x /usr/bin/time ]] || apt_install time
command -v lynis >/dev/null || apt_install lynis
lynis=$(command -v lynis)
lynis_version=$("$lynis" --version 2>/dev/null || echo '?')

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

# --no-log keeps /var/log/lynis.log untouched; --report-file keeps the report
# (which lynis also reads back during the scan) out of /var/log too.
lynis_cmd=("$lynis" audit system --quick --no-colors --no-log --report-file "$tmp/lynis-report.dat")
mamori_cmd=("$bin" scan -o /dev/null) # the default: the terminal report, as a user runs it

results_dir=$root/bench/results
mkdir -p "$results_dir"
[[ -e $results_dir/.gitignore ]] || printf '*\n!.gitignore\n' >"$results_dir/.gitignore"
tsv=$results_dir/scan-$(date -u +%Y%m%dT%H%M%SZ).tsv
# On exit, drop the temp dir, and the TSV too if no run got into it.
trap 'rm -rf -- "$tmp"; [[ $(wc -l <"$tsv") -gt 1 ]] || rm -f -- "$tsv"' EXIT
printf 'tool\trun\twall_ms\tcpu_ms\tuser_ms\tsys_ms\tmax_rss_kib\texit_status\n' >"$tsv"

# --- measurement ---------------------------------------------------------------

# measure TOOL RUN_LABEL CMD...: run CMD once and set the globals wall_ms, user_ms,
# sys_ms, rss_kib and status. Wall and CPU come from bash's `time` keyword
# (1 ms resolution; GNU time's %e/%U/%S only have 10 ms, too coarse for a 50 ms
# budget) and include the ~1-2 ms of /usr/bin/time itself, so they err high.
# The peak RSS is GNU time's %M: the largest single process in the tree, in KiB.
# The command's stdout and stderr go to $tmp/TOOL.out and $tmp/TOOL.err.
measure() {
	local tool=$1 label=$2
	shift 2
	local TIMEFORMAT='%3R %3U %3S' t r u s
	status=0
	{ time /usr/bin/time -f '%M' -o "$tmp/gnutime" "$@" \
		<"/dev/null" >"$tmp/$tool.out" 2>"$tmp/$tool.err"; } 2>"$tmp/bashtime" || status=$?
	read -r r u s <"$tmp/bashtime"
	t=$(tail -n 1 "$tmp/gnutime") # GNU time may prepend "Command exited with ..."
	wall_ms=$(awk -v x="$r" 'BEGIN { printf "%.1f", x * 1000 }')
	user_ms=$(awk -v x="$u" 'BEGIN { printf "%.1f", x * 1000 }')
	sys_ms=$(awk -v x="$s" 'BEGIN { printf "%.1f", x * 1000 }')
	cpu_ms=$(awk -v a="$u" -v b="$s" 'BEGIN { printf "%.1f", (a + b) * 1000 }')
	if is_uint "$t"; then rss_kib=$t; else rss_kib=0; fi
	printf '  %-6s %-6s wall %10s ms  cpu %10s ms  rss %7s KiB  exit %s\n' \
		"$tool" "$label" "$wall_ms" "$cpu_ms" "$rss_kib" "$status" >&2
}

# bench TOOL N OK_STATUS_REGEX CMD...: one warm-up run, then N measured runs
# appended to the TSV. Aborts if the command's exit status does not match.
bench() {
	local tool=$1 n=$2 ok=$3 i
	shift 3
	for ((i = 0; i <= n; i++)); do
		if ((i == 0)); then measure "$tool" warmup "$@"; else measure "$tool" "$i/$n" "$@"; fi
		if [[ ! $status =~ ^($ok)$ ]]; then
			tail -n 20 "$tmp/$tool.err" >&2
			die "$tool exited with status $status: $*"
		fi
		((i == 0)) && continue
		printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$i" "$wall_ms" "$cpu_ms" \
			"$user_ms" "$sys_ms" "$rss_kib" "$status" >>"$tsv"
	done
}

# values TOOL FIELD: the measured values of one TSV column for one tool
values() { awk -F '\t' -v t="$1" -v f="$2" 'NR > 1 && $1 == t { print $f }' "$tsv"; }
median() { sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f\n", m }'; }
maximum() { sort -g | tail -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf(a / b < 10 ? "%.1fx" : "%.0fx", a / b) }'; }

echo "mamori: $bin" >&2
echo "lynis:  ${lynis_cmd[*]} (lynis $lynis_version)" >&2
echo "$(uname -sr), $(nproc) CPUs; results: $tsv" >&2
echo >&2

# mamori exits 0 (all pass) or 1 (findings); 2 is an error.
bench mamori "$runs" '0|1' "${mamori_cmd[@]}"
echo >&2
bench lynis "$lynis_runs" '0' "${lynis_cmd[@]}"
echo >&2

# --- what each tool checked ----------------------------------------------------

# mamori: count .findings in a JSON report from one extra, unmeasured run.
mamori_checks=n/a
"$bin" scan --format json -o "$tmp/report.json" <"/dev/null" >"$tmp/report.stdout" 2>/dev/null || true
report=$tmp/report.json
[[ -s $report ]] || report=$tmp/report.stdout # the binary may print the report instead
if [[ -s $report ]]; then
	if [[ -x /usr/bin/python3 ]]; then
		mamori_checks=$(/usr/bin/python3 -c 'import json, sys
f = json.load(open(sys.argv[1])).get("findings")
print(len(f) if isinstance(f, (list, dict)) else "n/a")' "$report" 2>/dev/null) || mamori_checks=n/a
	elif command -v jq >/dev/null; then
		mamori_checks=$(jq -er '.findings | length' "$report" 2>/dev/null) || mamori_checks=n/a
	fi
fi

# lynis: "  Tests performed : 238" near the end of its output (last measured run).
lynis_tests=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$tmp/lynis.out" |
	sed -n 's/^[[:space:]]*Tests performed[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | tail -n 1)
lynis_tests=${lynis_tests:-n/a}

# --- report --------------------------------------------------------------------

m_wall=$(values mamori 3 | median)
m_cpu=$(values mamori 4 | median)
m_rss=$(values mamori 7 | median)
m_rss_max=$(values mamori 7 | maximum)
l_wall=$(values lynis 3 | median)
l_cpu=$(values lynis 4 | median)
l_rss=$(values lynis 7 | median)
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

printf 'medians over %d mamori / %d lynis runs (after one warm-up each)\n\n' "$runs" "$lynis_runs"
printf '%-14s %12s %12s %14s %8s\n' tool 'wall ms' 'CPU ms' 'peak RSS MiB' checks
printf '%-14s %12.1f %12.1f %14s %8s\n' mamori "$m_wall" "$m_cpu" "$(mib "$m_rss")" "$mamori_checks"
printf '%-14s %12.1f %12.1f %14s %8s\n' lynis "$l_wall" "$l_cpu" "$(mib "$l_rss")" "$lynis_tests"
printf '%-14s %12s %12s %14s\n' lynis/mamori "$(ratio "$l_wall" "$m_wall")" \
	"$(ratio "$l_cpu" "$m_cpu")" "$(ratio "$l_rss" "$m_rss")"
echo

# Budget: median wall time, and the worst peak RSS of any measured run.
if awk -v w="$m_wall" -v r="$m_rss_max" -v bw="$BUDGET_WALL_MS" -v br="$BUDGET_RSS_KIB" \
	'BEGIN { exit !(w <= bw && r <= br) }'; then
	verdict='within budget'
else
	verdict='OVER BUDGET'
fi
printf 'budget (median wall <= %d ms, peak RSS <= %d MiB): mamori median wall %.1f ms, worst peak RSS %s MiB: %s\n' \
	"$BUDGET_WALL_MS" $((BUDGET_RSS_KIB / 1024)) "$m_wall" "$(mib "$m_rss_max")" "$verdict"
printf 'raw runs: %s\n' "$tsv"

[[ ${STRICT:-0} == 1 && $verdict == 'OVER BUDGET' ]] && exit 1
exit 0
