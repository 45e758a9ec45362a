#!/usr/bin/env bash
# Benchmark: hindsight lint against markdownlint-cli2 on the same postmortems.
#
# Generates N postmortems with the seeded generator (hindsight generate), then
# lints all of them once with `hindsight lint` and once with
# `markdownlint-cli2` (the generic Markdown linter a team would otherwise run
# in CI), in one run, and prints both wall-clock times and their ratio. The
# figures are written to bench/lint/RESULTS.md.
#
# Usage: bench/lint/run.sh [N] [SEED]      (defaults: 10000 1)
# Needs: Go, Node.js and npm (markdownlint-cli2 is installed from
# bench/lint/package.json into bench/lint/node_modules on first run).
set -euo pipefail

N=${1:-10000}
SEED=${2:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hindsight-bench-lint.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "building hindsight..."
(cd "$ROOT" && go build -o "$WORK/hindsight" ./cmd/hindsight)
HS="$WORK/hindsight"

if [ ! -x "$HERE/node_modules/.bin/markdownlint-cli2" ]; then
	echo "installing markdownlint-cli2 (npm ci in bench/lint)..."
	(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
MDL="$HERE/node_modules/.bin/markdownlint-cli2"

CORPUS="$WORK/corpus"
echo "generating $N postmortems (seed $SEED, 20% with flaws)..."
"$HS" generate --count "$N" --seed "$SEED" --messy 0.2 --now 2026-11-01 --out "$CORPUS" >/dev/null
# markdownlint gets the repository's settings (MD013 line length off), as in CI.
cp "$ROOT/.markdownlint-cli2.yaml" "$CORPUS/.markdownlint-cli2.yaml"
FILES=$(find "$CORPUS" -name '*.md' | wc -l | tr -d ' ')
BYTES=$(find "$CORPUS" -name '*.md' -print0 | xargs -0 cat | wc -c | tr -d ' ')

CPUS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")
echo "linting $FILES files ($BYTES bytes) on $CPUS CPUs..."

# Warm the page cache so neither tool pays for the first read.
cat "$CORPUS"/*.md >/dev/null

# /usr/bin/time gives CPU time too (user+sys), which other load on the
# machine disturbs less than wall-clock time.
cpu() { awk 'END { printf "%.2f", $2 + $3 }' "$1"; } # last line: time prepends a note on exit status
wall() { awk 'END { printf "%.2f", $1 }' "$1"; }

set +e
/usr/bin/time -f '%e %U %S' -o "$WORK/hs.time" \
	"$HS" lint --today 2026-11-01 --format text "$CORPUS" >"$WORK/hindsight.out" 2>"$WORK/hindsight.err"
hs_code=$?
(cd "$CORPUS" && /usr/bin/time -f '%e %U %S' -o "$WORK/mdl.time" "$MDL" "**/*.md" >"$WORK/mdl.out" 2>&1)
mdl_code=$?
set -e
hs_time=$(wall "$WORK/hs.time")
hs_cpu=$(cpu "$WORK/hs.time")
mdl_time=$(wall "$WORK/mdl.time")
mdl_cpu=$(cpu "$WORK/mdl.time")
hs_findings=$(wc -l <"$WORK/hindsight.out" | tr -d ' ')
mdl_findings=$(grep -c ' MD[0-9][0-9][0-9]' "$WORK/mdl.out" || true)
mdl_files=$(sed -n 's/^Linting: \([0-9]*\) file.*/\1/p' "$WORK/mdl.out")
hs_skipped=$(sed -n 's/^skipped \([0-9]*\).*/\1/p' "$WORK/hindsight.err")
hs_files=$((FILES - ${hs_skipped:-0}))

ratio=$(awk -v a="$mdl_time" -v b="$hs_time" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }')
cpu_ratio=$(awk -v a="$mdl_cpu" -v b="$hs_cpu" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }')
rules=$(grep -c '^## HS[0-9]' "$ROOT/docs/lint-rules.md" || echo "?")

printf '\n%-20s %8s %8s %8s %9s %5s\n' "tool" "files" "wall s" "cpu s" "findings" "exit"
printf '%-20s %8s %8s %8s %9s %5s\n' "hindsight lint" "$hs_files" "$hs_time" "$hs_cpu" "$hs_findings" "$hs_code"
printf '%-20s %8s %8s %8s %9s %5s\n' "markdownlint-cli2" "$mdl_files" "$mdl_time" "$mdl_cpu" "$mdl_findings" "$mdl_code"
printf '\nhindsight lint is %sx faster than markdownlint-cli2 in wall-clock time (%sx in CPU time; goal: 20x)\n' "$ratio" "$cpu_ratio"
printf 'load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

GOV=$(go version | awk '{print $3}')
NODEV=$(node --version)
MDLV=$("$MDL" --help 2>/dev/null | sed -n 1p || true)
cat >"$HERE/RESULTS.md" <<EOF
# hindsight lint benchmark

Measured by \`bench/lint/run.sh $N $SEED\` on $(date -u +%Y-%m-%d): $FILES generated
postmortems ($BYTES bytes, seed $SEED, 20% with flaws), $CPUS CPUs, $GOV,
Node.js $NODEV, $MDLV. Wall-clock time of one run of each tool over the same
files, page cache warm.

| Tool | Files linted | Wall s | CPU s | Findings | Checks |
| --- | ---: | ---: | ---: | ---: | --- |
| \`hindsight lint\` | $hs_files | $hs_time | $hs_cpu | $hs_findings | $rules postmortem rules (placeholders, formats, arithmetic, timeline, action items, completeness, blameless wording) |
| \`markdownlint-cli2\` | $mdl_files | $mdl_time | $mdl_cpu | $mdl_findings | generic Markdown style (repository settings) |

hindsight lint is **${ratio}x** faster than markdownlint-cli2 in wall-clock time
and **${cpu_ratio}x** in CPU time (goal: at least 20x). hindsight lint spreads the
files over all cores. Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
(other work on the machine slows both tools; compare CPU times when it is high).
EOF
echo "wrote $HERE/RESULTS.md"
