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

t0=$(now)
set +e
"$HS" lint --today 2026-11-01 --format text "$CORPUS" >"$WORK/hindsight.out" 2>"$WORK/hindsight.err"
hs_code=$?
set -e
t1=$(now)
hs_time=$(elapsed "$t0" "$t1")
hs_findings=$(wc -l <"$WORK/hindsight.out" | tr -d ' ')

t0=$(now)
set +e
(cd "$CORPUS" && "$MDL" "**/*.md" >"$WORK/mdl.out" 2>&1)
mdl_code=$?
set -e
t1=$(now)
mdl_time=$(elapsed "$t0" "$t1")
mdl_findings=$(grep -c ' MD[0-9][0-9][0-9]' "$WORK/mdl.out" || true)

ratio=$(awk -v a="$mdl_time" -v b="$hs_time" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }')
rules=$(grep -c '^## HS[0-9]' "$ROOT/docs/lint-rules.md" || echo "?")

printf '\n%-22s %10s %10s %10s\n' "tool" "seconds" "findings" "exit"
printf '%-22s %10s %10s %10s\n' "hindsight lint" "$hs_time" "$hs_findings" "$hs_code"
printf '%-22s %10s %10s %10s\n' "markdownlint-cli2" "$mdl_time" "$mdl_findings" "$mdl_code"
printf '\nhindsight lint is %sx faster than markdownlint-cli2 (goal: 20x)\n' "$ratio"

GOV=$(go version | awk '{print $3}')
NODEV=$(node --version)
MDLV=$("$MDL" --help 2>/dev/null | sed -n 1p || true)
cat >"$HERE/RESULTS.md" <<EOF
# hindsight lint benchmark

Measured by \`bench/lint/run.sh $N $SEED\` on $(date -u +%Y-%m-%d): $FILES generated
postmortems ($BYTES bytes, seed $SEED, 20% with flaws), $CPUS CPUs, $GOV,
Node.js $NODEV, $MDLV. Wall-clock time of one run of each tool over the same
files, page cache warm.

| Tool | Seconds | Findings | Checks |
| --- | ---: | ---: | --- |
| \`hindsight lint\` | $hs_time | $hs_findings | $rules postmortem rules (placeholders, formats, arithmetic, timeline, action items, completeness, blameless wording) |
| \`markdownlint-cli2\` | $mdl_time | $mdl_findings | generic Markdown style (repository settings) |

hindsight lint is **${ratio}x** faster than markdownlint-cli2 (goal: at least 20x).
EOF
echo "wrote $HERE/RESULTS.md"
