#!/usr/bin/env bash
# bench/section.sh FILE NAME CONTENT-FILE: replaces the section NAME of FILE
# (the lines between "<!-- NAME:begin -->" and "<!-- NAME:end -->") with the
# contents of CONTENT-FILE, or appends it when FILE has no such section.
# bench/run.sh, bench/fuzz.sh and bench/soak/run.sh each own one section of
# docs/benchmarks.md, so each can be rerun alone.
set -euo pipefail
file="$1" name="$2" content="$3"
begin="<!-- $name:begin -->" end="<!-- $name:end -->"
mkdir -p "$(dirname "$file")"
touch "$file"
tmp=$(mktemp "$file.XXXXXX")
if grep -qF -- "$begin" "$file"; then
	awk -v b="$begin" -v e="$end" -v c="$content" '
		$0 == b { print; while ((getline line < c) > 0) print line; skip = 1; next }
		$0 == e { skip = 0 }
		!skip { print }' "$file" >"$tmp"
else
	{ cat "$file"; [ -s "$file" ] && echo; echo "$begin"; cat "$content"; echo "$end"; } >"$tmp"
fi
mv "$tmp" "$file"
