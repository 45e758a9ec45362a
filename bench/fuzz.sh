#!/usr/bin/env bash
# Long fuzz runs: every fuzz target of Hindsight for a given time each, one
# after another, then the interesting inputs the fuzzer found are copied from
# the Go fuzz cache into the package's testdata/fuzz/<Target>/ (small files
# only, at most $FUZZ_KEEP per target) so they are committed and replayed by
# every `go test`. The figures (execs, new interesting inputs, failures) go
# into the "fuzz" section of docs/benchmarks.md.
#
#   bench/fuzz.sh                          # every target, 10 minutes each
#   bench/fuzz.sh -t 30s markdown:FuzzParse api:FuzzAPIJSON
#
# Environment: FUZZ_PARALLEL (fuzz workers, default: nproc), FUZZ_KEEP
# (corpus files kept per target, default 300), FUZZ_MAXBYTES (largest corpus
# file kept, default 8192).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"

fuzztime=10m
while [ $# -gt 0 ]; do
	case "$1" in
	-t | --time) fuzztime="$2"; shift 2 ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	--) shift; break ;;
	-*) echo "bench/fuzz.sh: unknown flag $1 (want -t DURATION [pkg:Target...])" >&2; exit 2 ;;
	*) break ;;
	esac
done

all=(markdown:FuzzParse lint:FuzzLint lint:FuzzBlameless lint:FuzzParseConfig lint:FuzzReviewConfig .:FuzzAnchorResolve api:FuzzAPIJSON
	alerting:FuzzAlertmanager alerting:FuzzPagerDuty alerting:FuzzGeneric
	web:FuzzWordDiff sqlite:FuzzSnippet sqlite:FuzzDocSize sqlite:FuzzWebsearch postgres:FuzzSearchTerms markdown:FuzzNesting .:FuzzParseValues internal/httpx:FuzzDecode api:FuzzLintEndpoint
	internal/htmldoc:FuzzToMarkdown mail:FuzzParseSMTPURL chat:FuzzParse auth:FuzzSSOParsers
	lint:FuzzParseShape internal/httpx:FuzzShapeParams
	tracker:FuzzParseGitHub tracker:FuzzParseGitLab tracker:FuzzParseJira)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

parallel="${FUZZ_PARALLEL:-$(nproc)}"
keep="${FUZZ_KEEP:-300}"
maxbytes="${FUZZ_MAXBYTES:-8192}"
module=$(go list -m)
cache="$(go env GOCACHE)/fuzz"
logdir=$(mktemp -d)
rows=()
failed=0

for t in "${targets[@]}"; do
	pkg="${t%%:*}" name="${t##*:}"
	if ! grep -qs "func ${name}(" "$pkg"/*_test.go; then
		echo "== $pkg $name: no such fuzz target, skipped"
		rows+=("| \`$pkg\` | \`$name\` | $(date -u +%F) | - | - | - | - | skipped: target not found |")
		continue
	fi
	before=$(ls "$pkg/testdata/fuzz/$name" 2>/dev/null | wc -l)
	echo "== $pkg $name for $fuzztime ($parallel workers), from $(date -u +%H:%M:%S)"
	log="$logdir/$pkg-$name.log"
	start=$(date +%s)
	# minimizing each new input takes up to a minute by default, during which
	# the worker does not fuzz: a large seed corpus spends most of a short run
	# on it, so it is bounded to 10 tries
	go test "./$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 10x -parallel "$parallel" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	tail -n 3 "$log"
	last=$(grep -E 'fuzz: elapsed: .*execs:' "$log" | tail -n 1)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
	rate=""
	[ -n "$execs" ] && [ "$secs" -gt 0 ] && rate=$((execs / secs)) # over the whole run
	newi=$(sed -nE 's/.*new interesting: ([0-9]+) \(total: ([0-9]+)\).*/\1 (total \2)/p' <<<"$last")
	result="ok"
	if [ $rc -ne 0 ]; then
		failed=1
		result="FAIL: $(grep -m1 -E -- '--- FAIL|panic:|Failing input' "$log" | tr '|' '/' | cut -c1-120)"
		input=$(sed -nE 's/.*Failing input written to (testdata\/fuzz\/[^ ]+).*/\1/p' "$log" | head -n 1)
		quoted=$(grep -m1 -E '^ +input ' "$log" | sed -E 's/^ +input //' | tr '|' '/' | cut -c1-80)
		[ -n "$input" ] && result="$result; failing input $pkg/$input${quoted:+ ($quoted)}"
		cp "$log" "/tmp/fuzz-$pkg-$name.log"
		echo "   failure log kept in /tmp/fuzz-$pkg-$name.log"
	fi
	# Copy the interesting inputs from the cache: small ones, up to $keep in all.
	src="$cache/$module/$pkg/$name"
	dst="$pkg/testdata/fuzz/$name"
	copied=0
	if [ -d "$src" ]; then
		mkdir -p "$dst"
		have=$(ls "$dst" | wc -l)
		while IFS= read -r f; do
			[ "$have" -ge "$keep" ] && break
			b=$(basename "$f")
			[ -e "$dst/$b" ] && continue
			cp "$f" "$dst/$b.tmp" && mv "$dst/$b.tmp" "$dst/$b"
			have=$((have + 1)) copied=$((copied + 1))
		done < <(find "$src" -type f -size -"$((maxbytes + 1))"c -printf '%s %p\n' | sort -n | cut -d' ' -f2-)
	fi
	# The cache is shared with every fuzz run on this machine, perhaps of
	# other versions of the code: keep only copied inputs that pass now.
	if [ "$copied" -gt 0 ]; then
		for _ in 1 2 3 4 5; do
			bad=$(go test "./$pkg" -run "^${name}\$" -count=1 2>&1 | sed -nE "s/.*--- FAIL: ${name}\/([0-9a-f]+) .*/\1/p")
			[ -z "$bad" ] && break
			for b in $bad; do
				if git ls-files --error-unmatch "$dst/$b" >/dev/null 2>&1; then continue; fi # committed: a known failure, not ours to drop
				[ $rc -ne 0 ] && grep -q "$b" "$log" && continue                             # this run's own failing input stays
				mkdir -p /tmp/fuzz-failures && mv "$dst/$b" "/tmp/fuzz-failures/$pkg-$name-$b"
				echo "   $dst/$b from the cache fails with this code: moved to /tmp/fuzz-failures"
				copied=$((copied - 1))
			done
		done
	fi
	after=$(ls "$dst" 2>/dev/null | wc -l)
	echo "   execs ${execs:-?} (${rate:-?}/s), new interesting ${newi:-?}, corpus $before -> $after files in $dst"
	rows+=("| \`$pkg\` | \`$name\` | $(date -u +%F) | ${secs} s, $parallel workers | ${execs:-?} (${rate:-?}/s) | ${newi:-?} | $before → $after | $result |")
done

# The fuzz section of docs/benchmarks.md: this run's rows, and the rows of
# earlier runs for the targets this run left alone.
section="$logdir/section.md"
old=()
if [ -f docs/benchmarks.md ]; then
	while IFS= read -r line; do
		cells=$(cut -d'|' -f2-3 <<<"$line")
		rerun=0
		for r in "${rows[@]}"; do [ "$(cut -d'|' -f2-3 <<<"$r")" = "$cells" ] && rerun=1; done
		[ $rerun -eq 0 ] && old+=("$line")
	done < <(sed -n '/<!-- fuzz:begin -->/,/<!-- fuzz:end -->/p' docs/benchmarks.md | grep '^| `')
fi
{
	echo "## Long fuzz runs"
	echo
	echo "Measured on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
	echo "with \`bench/fuzz.sh [-t DURATION] [pkg:Target...]\` (one target after another; the default is"
	echo "every target for 10 minutes each)."
	echo "\"New interesting\" counts the inputs that widened coverage during the run (total: the"
	echo "whole corpus the fuzzer worked from); the committed corpus under \`testdata/fuzz/<Target>/\`"
	echo "is replayed by every \`go test\`."
	echo
	echo "| package | target | date | time | execs (rate) | new interesting | committed corpus | result |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	printf '%s\n' "${old[@]}" "${rows[@]}" | grep -v '^$' | sort -t'|' -k2,3
} >"$section"
bench/section.sh docs/benchmarks.md fuzz "$section"
echo "wrote the fuzz section of docs/benchmarks.md"
rm -rf "$logdir"
exit $failed
