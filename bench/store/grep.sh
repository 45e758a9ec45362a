#!/usr/bin/env bash
# Search vs grep -ril at a chosen size, in one run: seeds (or reuses) a SQLite
# database of N incidents with bench/store, exports it with hindsight export,
# then for each query of bench/store's search set times grep -ril over the
# exported files (best of 3, page cache warm) beside the search p50 that
# bench/store measured in the same run.
#
#   bench/store/grep.sh [N] [DB] [EXPORT_DIR]    (defaults: 100000, /tmp/hindsight-bench-100000.db, DB's dir/export-N)
set -euo pipefail
N=${1:-100000}
DB=${2:-/tmp/hindsight-bench-$N.db}
EXP=${3:-$(dirname "$DB")/export-$N}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
go build -o /tmp/hindsight-grep-bench ./cmd/hindsight
LOG=$(mktemp)
go run ./bench/store -n "$N" -db "$DB" -reps 12 | tee "$LOG"
[ -d "$EXP" ] || /tmp/hindsight-grep-bench --db "$DB" export "$EXP" >/dev/null
cat "$EXP"/*.md >/dev/null 2>&1 || find "$EXP" -name '*.md' -exec cat {} + >/dev/null
printf '\n%-28s %10s %10s %8s\n' query "grep ms" "search ms" ratio
total_g=0; total_s=0
while IFS= read -r q; do
	best=""
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		grep -ril -- "$q" "$EXP" >/dev/null || true
		t1=$(date +%s%N)
		d=$(((t1 - t0) / 1000))
		if [ -z "$best" ] || [ "$d" -lt "$best" ]; then best=$d; fi
	done
	s=$(grep -E "^$q +[0-9]" "$LOG" | awk '{print $(NF-2)}')
	g=$(awk -v us="$best" 'BEGIN { printf "%.1f", us / 1000 }')
	printf '%-28s %10s %10s %7.0fx\n' "$q" "$g" "$s" "$(awk -v g="$g" -v s="$s" 'BEGIN { print g / s }')"
	total_g=$(awk -v a="$total_g" -v b="$g" 'BEGIN { print a + b }')
	total_s=$(awk -v a="$total_s" -v b="$s" 'BEGIN { print a + b }')
done < <(grep -A10 '^search (20 hits)' "$LOG" | tail -n +2 | grep -v '^ALL' | sed -E 's/ +[0-9.]+ +[0-9.]+ +[0-9]+$//')
printf '%-28s %10.1f %10.2f %7.0fx\n' "ALL (sum)" "$total_g" "$total_s" "$(awk -v g="$total_g" -v s="$total_s" 'BEGIN { print g / s }')"
rm -f "$LOG"
