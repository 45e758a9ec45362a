#!/usr/bin/env bash
# The soak test: bench/soak/run.sh [flags of go run ./bench/soak]
# (default: 10 minutes at 40 requests/s over 2,000 incidents). Writes the
# "soak" section of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go run ./bench/soak -out "$out" "$@"
cat "$out"
bench/section.sh docs/benchmarks.md soak "$out"
echo "wrote the soak section of docs/benchmarks.md"
