#!/usr/bin/env bash
# The one entry script of Hindsight's benchmarks.
#
#   bench/run.sh [--size N] [--quick] [--only NAMES]
#
# Seeds databases of N incidents (default 10,000) with the deterministic
# generator (seed 1), runs every benchmark of the other issues that exists
# (Markdown parse vs goldmark, lint vs markdownlint-cli2, store, search vs
# grep -ril, web, insights, webhook intake and outbound isolation) and writes the "run" section of
# docs/benchmarks.md: the machine, the date, each figure with its goal,
# pass/fail and the command that measured it. Every figure that compares
# against a baseline measures both in the same run. The sections of
# bench/soak/run.sh and bench/fuzz.sh in the same file are left alone.
#
# --quick: short durations and at most 2,000 incidents (a smoke run).
# --only: a comma-separated subset of reliability,markdown,lint,store,grep,web,
# insights,webhooks,issue16. "issue16" runs bench/issue16/run.sh (search,
# tracker and insights at 8 clients with the server's CPU per request,
# import of 10,000 documents with the WAL's peak, on both stores) and
# bench/api/run.sh (incident by id as JSON and Markdown, the lists, the
# server's peak RSS, each against an in-memory handler) on a database of
# --size incidents it seeds with bench/web/load (or ISSUE16_DB), with
# ISSUE16_BASE (a binary of an earlier commit) as "before" and
# ISSUE16_PG (a PostgreSQL database of ISSUE16_PG_N generated incidents;
# ISSUE16_PG_BEFORE, a copy the "before" binary serves)
# when set: every goal of issue 16. It takes about 15 minutes at 10,000
# incidents on 2 CPUs (20 with ISSUE16_PG and ISSUE16_BASE). "reliability" runs go test ./reliability -v (the crash,
# two-instance, hostile-input and backup tests; HINDSIGHT_RELIABILITY_FULL=1
# for their long form, HINDSIGHT_TEST_POSTGRES_URL for PostgreSQL) and
# records what each one measured.
# Benchmarks that write their own RESULTS.md (bench/lint, bench/web) get
# their file back as it was: the figures of this run go to docs/benchmarks.md.
# The raw output of each benchmark is kept in $BENCH_LOGS (default
# /tmp/hindsight-bench-logs).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"

SIZE=10000
QUICK=0
ALL="reliability,markdown,lint,store,grep,web,insights,webhooks,issue16"
ONLY="$ALL"
while [ $# -gt 0 ]; do
	case "$1" in
	--size) SIZE="$2"; shift 2 ;;
	--quick) QUICK=1; shift ;;
	--only) ONLY="$2"; shift 2 ;;
	-h | --help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "bench/run.sh: unknown argument $1 (want --size N, --quick, --only NAMES)" >&2; exit 2 ;;
	esac
done
case "$SIZE" in '' | *[!0-9]*) echo "bench/run.sh: --size $SIZE: want a number of incidents" >&2; exit 2 ;; esac
if [ $QUICK -eq 1 ] && [ "$SIZE" -gt 2000 ]; then SIZE=2000; fi
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hindsight-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG="$WORK/log"
mkdir -p "$LOG"
ROWS="$WORK/rows"
: >"$ROWS"
NOTES="$WORK/notes"
: >"$NOTES"

say() { printf '\n== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
# row FIGURE VALUE GOAL RESULT COMMAND
row() { printf '| %s | %s | %s | %s | `%s` |\n' "$1" "$2" "$3" "$4" "$5" >>"$ROWS"; }
note() { printf -- '- %s\n' "$*" >>"$NOTES"; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo pass; else echo "**FAIL**"; fi; }
# keep FILE: restore FILE as it was when the script ends this step.
keep() { [ -f "$1" ] && cp "$1" "$WORK/keep.$(echo "$1" | tr / _)"; }
restore() { [ -f "$WORK/keep.$(echo "$1" | tr / _)" ] && cp "$WORK/keep.$(echo "$1" | tr / _)" "$1"; }

say "building hindsight"
go build -o "$WORK/hindsight" ./cmd/hindsight || exit 1
HS="$WORK/hindsight"

# --- reliability tests: what each measured, from their -v log ---
if want reliability; then
	say "reliability: go test ./reliability -v"
	form="reduced form"; [ "${HINDSIGHT_RELIABILITY_FULL:-}" = 1 ] && form="long form"
	go test ./reliability -count=1 -v -timeout 60m >"$LOG/reliability" 2>&1
	rel() { # TEST GOAL
		local t="$1" goal="$2" res value
		if grep -q -- "--- PASS: $t " "$LOG/reliability"; then res=pass
		elif grep -q -- "--- SKIP: $t " "$LOG/reliability"; then res=skipped
		elif grep -q -- "--- FAIL: $t " "$LOG/reliability"; then res="**FAIL**"
		else res="not run"; fi
		# The test's own log lines (t.Logf / t.Skip), between its RUN line and the next RUN.
		value=$(awk -v t="$t" '$0 == "=== RUN   " t || $0 == "=== NAME  " t { on = 1; next } /^=== (RUN|NAME|CONT)/ { on = 0 } on && /^ +[a-z_]+_test\.go:[0-9]+: / { sub(/^ +[a-z_]+_test\.go:[0-9]+: /, ""); printf "%s%s", sep, $0; sep = "; " }' "$LOG/reliability" | tr '|' '/' | cut -c1-400)
		local subs
		subs=$(grep -c -- "--- PASS: $t/" "$LOG/reliability")
		[ "$subs" -gt 0 ] && value="$subs cases passed; $value"
		row "$t ($form)" "${value:--}" "$goal" "$res" "go test ./reliability -run '^${t%%/*}\$' -v"
	}
	rel TestCrashSQLite "every 2xx save there unchanged after SIGKILLs; integrity_check ok"
	rel TestCrashPostgres "every 2xx save there unchanged after SIGKILLs"
	rel TestTwoInstancesPostgres/SameIncidents "history = the acknowledged saves (no lost update)"
	rel TestTwoInstancesPostgres/SameDayCreates "no duplicate Incident ID, consecutive"
	rel TestTwoInstancesPostgres/WebhooksOnce "each delivery once"
	rel TestHostileInput "clear error for each; nothing stored changes"
	rel TestBackupUnderLoad "opens, integrity_check ok, every revision acknowledged before it"
	rel TestAlertInboxCrashSQLite "every alert answered 2xx in a timeline exactly once after SIGKILLs; inbox empty; integrity_check ok"
	rel TestAlertInboxCrashPostgres "every alert answered 2xx in a timeline exactly once after SIGKILLs; inbox empty"
	if ! grep -q '^ok' "$LOG/reliability"; then tail -30 "$LOG/reliability"; fi
fi

# --- Markdown parse vs goldmark (same loop, same bytes) ---
if want markdown; then
	say "markdown: Parse vs the goldmark baseline"
	bt=3s; [ $QUICK -eq 1 ] && bt=1s
	cmd="go test ./markdown -run '^\$' -bench ParseVsGoldmark -benchtime $bt -count 3"
	if go test ./markdown -run '^$' -bench ParseVsGoldmark -benchtime $bt -count 3 >"$LOG/markdown" 2>&1; then
		ratio=$(awk '/^BenchmarkParseVsGoldmark/ { for (i = 1; i <= NF; i++) if ($(i+1) == "x-goldmark") print $i }' "$LOG/markdown" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR+1)/2)] }')
		docs=$(awk '/^BenchmarkParseVsGoldmark/ { for (i = 1; i <= NF; i++) if ($(i+1) == "docs/s") print $i }' "$LOG/markdown" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR+1)/2)] }')
		row "Markdown Parse time / goldmark parse time (median of 3)" "${ratio}x (${docs} docs/s)" "≤ 2x" "$(verdict "$ratio <= 2")" "$cmd"
	else
		row "Markdown Parse vs goldmark" "failed (see log)" "≤ 2x" "**FAIL**" "$cmd"
		tail -20 "$LOG/markdown"
	fi
fi

# --- lint vs markdownlint-cli2 ---
if want lint; then
	if [ -x bench/lint/run.sh ]; then
		n=$SIZE; [ "$n" -gt 10000 ] && n=10000
		say "lint: hindsight lint vs markdownlint-cli2 on $n files"
		keep bench/lint/RESULTS.md
		if bench/lint/run.sh "$n" 1 >"$LOG/lint" 2>&1; then
			wall=$(grep -o '\*\*[0-9.]*x\*\* faster' bench/lint/RESULTS.md | grep -o '[0-9.]*' | head -1)
			cpu=$(grep -o 'and \*\*[0-9.]*x\*\* in CPU' bench/lint/RESULTS.md | grep -o '[0-9.]*' | head -1)
			hs=$(awk -F'|' '/`hindsight lint`/ { gsub(/ /, "", $4); print $4 }' bench/lint/RESULTS.md)
			ml=$(awk -F'|' '/`markdownlint-cli2`/ { gsub(/ /, "", $4); print $4 }' bench/lint/RESULTS.md)
			row "hindsight lint vs markdownlint-cli2, $n files, wall-clock" "${hs} s vs ${ml} s: ${wall}x" "≥ 20x" "$(verdict "${wall:-0} >= 20")" "bench/lint/run.sh $n 1"
			row "hindsight lint vs markdownlint-cli2, $n files, CPU time" "${cpu}x" "≥ 20x" "$(verdict "${cpu:-0} >= 20")" "bench/lint/run.sh $n 1"
		else
			row "hindsight lint vs markdownlint-cli2" "failed (see log)" "≥ 20x" "**FAIL**" "bench/lint/run.sh $n 1"
			tail -20 "$LOG/lint"
		fi
		restore bench/lint/RESULTS.md
	else
		note "bench/lint/run.sh is not there yet: lint benchmark skipped."
	fi
fi

# --- store: seed, lists, searches ---
STOREDB="$WORK/store.db"
if want store || want grep; then
	if [ -f bench/store/main.go ]; then
		say "store: seeding $SIZE incidents, lists and searches"
		reps=20; [ $QUICK -eq 1 ] && reps=8
		cmd="go run ./bench/store -n $SIZE -reps $reps -db DB"
		if go run ./bench/store -n "$SIZE" -reps "$reps" -db "$STOREDB" >"$LOG/store" 2>&1; then
			imp=$(grep -o 'imported [0-9]* incidents in [^:]*: [0-9]* incidents/s' "$LOG/store" | head -1)
			size=$(grep -o 'database size: [0-9.]* MiB' "$LOG/store" | grep -o '[0-9.]* MiB')
			read -r lp50 lp95 < <(awk '/^ALL LISTS/ { print $3, $4 }' "$LOG/store")
			read -r sp50 sp95 < <(awk '/^ALL SEARCHES/ { print $3, $4 }' "$LOG/store")
			[ -n "$imp" ] && row "store: seed (app.Service, SQLite)" "$imp; database $size" "-" "-" "$cmd"
			row "store: list p50 / p95, $SIZE incidents" "$lp50 / $lp95 ms" "p95 < 10 ms (at 100,000)" "$(verdict "${lp95:-999} < 10")" "$cmd"
			row "store: search p50 / p95, $SIZE incidents" "$sp50 / $sp95 ms" "p95 < 25 ms (at 100,000)" "$(verdict "${sp95:-999} < 25")" "$cmd"
		else
			row "store" "failed (see log)" "-" "**FAIL**" "$cmd"
			tail -20 "$LOG/store"
		fi
	else
		note "bench/store is not there yet: store benchmark skipped."
	fi
fi

# --- search vs grep -ril on the same incidents, same run ---
if want grep && [ -f "$STOREDB" ] && [ -s "$LOG/store" ]; then
	say "grep: grep -ril over the exported incidents vs search"
	"$HS" --db "$STOREDB" export "$WORK/export" >"$LOG/export" 2>&1 || { tail "$LOG/export"; }
	files=$(ls "$WORK/export" | wc -l)
	cat "$WORK/export"/*.md >/dev/null 2>&1 # warm the page cache for grep
	: >"$WORK/grep.tsv"
	# The store benchmark's queries, each with its search p50 from the same run.
	awk '/^search \(20 hits\)/ { on = 1; next } on && /^ALL SEARCHES/ { on = 0 } on && NF >= 4 { q = $1; for (i = 2; i <= NF - 3; i++) q = q " " $i; print q "\t" $(NF-2) }' "$LOG/store" >"$WORK/queries.tsv"
	while IFS=$'\t' read -r q p50; do
		best=""
		for _ in 1 2 3; do
			s=$(date +%s%N)
			grep -ril -- "$q" "$WORK/export" >/dev/null
			e=$(( ($(date +%s%N) - s) / 1000 ))
			if [ -z "$best" ] || [ "$e" -lt "$best" ]; then best=$e; fi
		done
		printf '%s\t%s\t%s\n' "$q" "$p50" "$(awk -v us="$best" 'BEGIN { printf "%.2f", us / 1000 }')" >>"$WORK/grep.tsv"
	done <"$WORK/queries.tsv"
	if [ -s "$WORK/grep.tsv" ]; then
		read -r gsum ssum minr < <(awk -F'\t' '{ g += $3; s += $2; r = ($2 > 0) ? $3 / $2 : 0; if (NR == 1 || r < m) m = r } END { printf "%.2f %.2f %.1f\n", g, s, m }' "$WORK/grep.tsv")
		ratio=$(awk -v g="$gsum" -v s="$ssum" 'BEGIN { printf "%.1f", (s > 0) ? g / s : 0 }')
		row "search p50 vs \`grep -ril\` over $files exported files (${SIZE} incidents), sum of $(wc -l <"$WORK/grep.tsv") queries" "grep $gsum ms vs search $ssum ms: ${ratio}x (worst query ${minr}x)" "≥ 100x" "$(verdict "$ratio >= 100")" "hindsight export DIR; grep -ril WORD DIR (best of 3) vs go run ./bench/store"
		{
			echo
			echo "Per query (search p50 from bench/store; grep -ril best of 3 over the export of the same database):"
			echo
			echo "| query | search p50 ms | grep -ril ms | ratio |"
			echo "| --- | ---: | ---: | ---: |"
			awk -F'\t' '{ printf "| %s | %s | %s | %.0fx |\n", $1, $2, $3, ($2 > 0) ? $3 / $2 : 0 }' "$WORK/grep.tsv"
		} >"$WORK/grep.md"
	fi
fi

# --- web ---
if want web; then
	if [ -x bench/web/run.sh ]; then
		d=10s; [ $QUICK -eq 1 ] && d=3s
		say "web: N=$SIZE DURATION=$d"
		keep bench/web/RESULTS.md
		cmd="N=$SIZE DURATION=$d WORK=DIR bench/web/run.sh"
		if N=$SIZE DURATION=$d WORK="$WORK/web" bench/web/run.sh >"$LOG/web" 2>&1; then
			inc=$(grep '^| incident page (one incident' bench/web/RESULTS.md)
			ratio=$(awk -F'|' '{ gsub(/[ x]/, "", $4); print $4 }' <<<"$inc")
			p99=$(awk -F'|' '{ gsub(/ /, "", $6); print $6 }' <<<"$inc")
			rss=$(awk -F'|' '{ gsub(/ /, "", $10); print $10 }' <<<"$inc")
			row "web: incident page requests/s vs in-memory net/http baseline, $SIZE incidents" "${ratio}x" "≥ 0.5x" "$(verdict "${ratio:-0} >= 0.5")" "$cmd"
			row "web: incident page p99 under 32 connections" "$p99 ms" "< 20 ms" "$(verdict "${p99:-999} < 20")" "$cmd"
			row "web: server peak RSS under load" "$rss MiB" "< 150 MiB" "$(verdict "${rss:-999} < 150")" "$cmd"
			{
				echo
				echo "Web runs (bench/web, 32 connections, $SIZE incidents):"
				echo
				sed -n '/^| run /,/^$/p' bench/web/RESULTS.md
			} >"$WORK/web.md"
		else
			row "web" "failed (see log)" "-" "**FAIL**" "$cmd"
			tail -20 "$LOG/web"
		fi
		restore bench/web/RESULTS.md
	else
		note "bench/web/run.sh is not there yet: web benchmark skipped."
	fi
fi

# --- insights ---
if want insights; then
	if [ -f bench/insights/main.go ]; then
		say "insights: $SIZE incidents"
		reps=30; [ $QUICK -eq 1 ] && reps=8
		cmd="go run ./bench/insights -n $SIZE -reps $reps -db DB"
		if go run ./bench/insights -n "$SIZE" -reps "$reps" -db "$WORK/insights.db" >"$LOG/insights" 2>&1; then
			read -r ip50 ip95 < <(awk '/^ALL INSIGHTS/ { print $3, $4 }' "$LOG/insights")
			read -r ap50 ap95 < <(awk '/^ALL ACTION ITEM PAGES/ { print $5, $6 }' "$LOG/insights")
			row "insights: figures p50 / p95, $SIZE incidents" "$ip50 / $ip95 ms" "p95 < 100 ms (at 100,000)" "$(verdict "${ip95:-999} < 100")" "$cmd"
			row "insights: action item page p50 / p95" "$ap50 / $ap95 ms" "p95 < 100 ms (at 100,000)" "$(verdict "${ap95:-999} < 100")" "$cmd"
		else
			row "insights" "failed (see log)" "-" "**FAIL**" "$cmd"
			tail -20 "$LOG/insights"
		fi
	else
		note "bench/insights is not there yet: insights benchmark skipped."
	fi
fi

# --- webhook intake ---
if want webhooks; then
	if [ -f bench/webhooks/main.go ]; then
		d=30s; [ $QUICK -eq 1 ] && d=5s
		say "webhooks: Alertmanager intake for $d"
		cmd="go run ./bench/webhooks -rate 500 -duration $d"
		if go run ./bench/webhooks -rate 500 -duration "$d" >"$LOG/webhooks" 2>&1; then
			sent=$(grep '^sent ' "$LOG/webhooks")
			# Requests that failed for good: "N gave up" (or "N errors" in older versions).
			errs=$(sed -nE 's/.*[;,] ([0-9]+) gave up.*/\1/p' <<<"$sent")
			[ -z "$errs" ] && errs=$(sed -nE 's/.*; ([0-9]+) errors.*/\1/p' <<<"$sent")
			resent=$(sed -nE 's/.*; ([0-9]+) requests failed and were sent again.*/\1/p' <<<"$sent")
			rate=$(sed -nE 's/.*\(([0-9]+) alerts\/s\).*/\1/p' <<<"$sent")
			lat=$(sed -n 's/^intake latency: //p' "$LOG/webhooks")
			# p99 in ms, from "p99 4.99ms" (or µs, s)
			p99=$(sed -nE 's/.* p99 ([0-9.]+)(µs|ms|s) .*/\1 \2/p' <<<"$lat" | awk '{ f = ($2 == "µs") ? 0.001 : ($2 == "s") ? 1000 : 1; printf "%.3f", $1 * f }')
			lag=$(sed -n 's/^timeline lag ([^)]*): //p' "$LOG/webhooks")
			inbox=$(sed -n 's/^inbox: //p' "$LOG/webhooks")
			tl=$(grep '^timeline:' "$LOG/webhooks")
			miss=$(sed -nE 's/.*; ([0-9]+) alerts missing.*/\1/p' <<<"$tl")
			dbl=$(sed -nE 's/.*, ([0-9]+) more than once.*/\1/p' <<<"$tl")
			row "webhooks: Alertmanager intake at 500/s for $d (client round trip, answer 202)" "$rate alerts/s; ${errs:-?} requests failed for good${resent:+, $resent failed and were sent again}; $lat" "500/s, 0 failed, p99 < 10 ms" "$(verdict "${errs:-1} == 0 && ${rate:-0} >= 475 && ${p99:-999} < 10")" "$cmd"
			[ -n "$lag" ] && row "webhooks: timeline lag (first send to the commit of the revision holding the alert)" "$lag; $inbox" "-" "-" "$cmd"
			row "webhooks: every alert in a timeline exactly once" "$miss missing, $dbl more than once" "0 and 0" "$(verdict "${miss:-1} == 0 && ${dbl:-1} == 0")" "$cmd"
		else
			row "webhooks" "failed (see log)" "-" "**FAIL**" "$cmd"
			tail -20 "$LOG/webhooks"
		fi
		# outbound delivery isolation (issue 15): a healthy receiver's lag
		# alone and next to a hanging and a failing one, in the same run
		n=30; [ $QUICK -eq 1 ] && n=10
		say "webhooks: outbound isolation, $n incidents"
		cmd="go run ./bench/webhooks -outbound -incidents $n -incident-rate 10"
		if go run ./bench/webhooks -outbound -incidents "$n" -incident-rate 10 >"$LOG/webhooks-outbound" 2>&1; then
			base=$(sed -nE 's/^baseline [^:]*: (.*)$/\1/p' "$LOG/webhooks-outbound")
			iso=$(sed -nE 's/^isolation [^:]*: (.*)$/\1/p' "$LOG/webhooks-outbound")
			ratio=$(sed -nE 's/^healthy receiver p99 lag with bad receivers \/ alone: ([0-9.]+).*/\1/p' "$LOG/webhooks-outbound")
			# p99 in s, from "p99 1.013s" (or ms)
			p99=$(sed -nE 's/.* p99 ([0-9.]+)(ms|s) .*/\1 \2/p' <<<"$iso" | awk '{ f = ($2 == "ms") ? 0.001 : 1; printf "%.3f", $1 * f }')
			row "webhooks: outbound, healthy receiver's delivery lag next to a hanging and a failing receiver" "$iso; alone: $base; p99 ratio ${ratio:-?}" "p99 < 2 s" "$(verdict "${p99:-999} < 2")" "$cmd"
		else
			row "webhooks: outbound isolation" "failed (see log)" "-" "**FAIL**" "$cmd"
			tail -20 "$LOG/webhooks-outbound"
		fi
	else
		note "bench/webhooks is not there yet: webhook intake benchmark skipped."
	fi
fi

# --- issue 16: search, tracker, insights at 8 clients; import; WAL peak ---
if want issue16; then
	if [ -x bench/issue16/run.sh ]; then
		d=10s; imp=10000; [ $QUICK -eq 1 ] && { d=3s; imp=500; }
		db="${ISSUE16_DB:-}"
		if [ -z "$db" ]; then
			go build -o "$WORK/load" ./bench/web/load && "$WORK/load" seed -db "$WORK/issue16.db" -n "$SIZE" >"$LOG/issue16-seed" 2>&1
			db="$WORK/issue16.db"
		fi
		say "issue16: $db, 8 clients, $d each, import of $imp"
		cmd="DB=DB BASE=OLD-BINARY PG=URL bench/issue16/run.sh"
		if DB="$db" BASE="${ISSUE16_BASE:-}" PG="${ISSUE16_PG:-}" PG_BEFORE="${ISSUE16_PG_BEFORE:-}" DURATION=$d IMPORT=$imp WORK="$WORK/issue16" bench/issue16/run.sh >"$LOG/issue16" 2>&1; then
			res="$WORK/issue16/results.jsonl"
			# fig NAME: "p95 / CPU ms" of a run
			fig() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["name"] == sys.argv[2]:
        print("%.1f ms p95, %.2f ms CPU/request" % (r["p95_ms"], r["cpu_ms_per_request"]) if "rps" in r else "%s s, WAL peak %.1f MiB" % (r["seconds"], r["wal_peak_mib"]))' "$res" "$1"; }
			p95() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["name"] == sys.argv[2]: print(r.get("p95_ms", r.get("seconds", 999)))' "$res" "$1"; }
			for what in "search API (12 queries in turn)|p95 < 25 ms at 100,000, CPU/request half of before|25" \
				"tracker API (default page)|p95 < 20 ms at 100,000, CPU/request half of before|20" \
				"tracker page (/action-items)|p95 < 20 ms at 100,000|20" "insights page (/insights)|p95 < 100 ms at 100,000|100"; do
				IFS='|' read -r name goal lim <<<"$what"
				for st in SQLite PostgreSQL; do
					a=$(fig "after, $st: $name"); [ -z "$a" ] && continue
					b=$(fig "before, $st: $name")
					row "issue 16: $name, $SIZE incidents, 8 clients, $st" "after: $a${b:+; before: $b}" "$goal" "$(verdict "$(p95 "after, $st: $name") < $lim")" "$cmd"
				done
			done
			for st in SQLite PostgreSQL; do
				a=$(fig "after, $st: import of $imp documents"); [ -z "$a" ] && continue
				b=$(fig "before, $st: import of $imp documents")
				lim=30; [ $st = PostgreSQL ] && lim=60
				row "issue 16: hindsight import of $imp generated documents, $st" "after: $a${b:+; before: $b}" "< $lim s (10,000); WAL bounded" "$(verdict "$(p95 "after, $st: import of $imp documents") < $lim")" "$cmd"
			done
			note "issue 16 ran at load average $(awk '/^load average/ { print $3, $4, $5 }' "$LOG/issue16") (2 shared cores: latencies under load are not the quiet machine's)."
		else
			row "issue16" "failed (see log)" "-" "**FAIL**" "$cmd"
			tail -20 "$LOG/issue16"
		fi
		# incident by id (JSON, Markdown), the incident lists and the
		# server's memory, each against an in-memory handler serving the
		# same bytes in the same run (bench/api/run.sh: wrk, 32 connections)
		if command -v wrk >/dev/null; then
			for st in SQLite PostgreSQL; do
				adb=$db an=$SIZE lim=0.5
				if [ $st = PostgreSQL ]; then adb=${ISSUE16_PG:-} an=${ISSUE16_PG_N:-$SIZE} lim=0.35; fi
				[ -z "$adb" ] && continue
				say "issue16: bench/api/run.sh on $st, $an incidents"
				acmd="DB=DB N=$an bench/api/run.sh"
				ad=8s; [ $QUICK -eq 1 ] && ad=3s
				api="$WORK/api-$st/results.md"
				if DB="$adb" N="$an" DURATION=$ad WORK="$WORK/api-$st" OUT="$api" bench/api/run.sh >"$LOG/api-$st" 2>&1; then
					# apirow NAME: "ratio p99" of a run of the table
					apirow() { awk -F'|' -v n="$1" '{ gsub(/^ +| +$/, "", $4) } $4 == n { gsub(/[ x]/, "", $6); gsub(/ /, "", $8); print $6, $8; exit }' "$api"; }
					for kind in JSON Markdown; do
						read -r r1 q1 < <(apirow "GET incident $kind (one incident)")
						read -r r2 q2 < <(apirow "GET incident $kind (1000 incidents in turn)")
						row "issue 16: incident by id as $kind vs in-memory handler, $an incidents, 32 connections, $st" "${r1}x / ${r2}x (one / 1,000 in turn), p99 $q1 / $q2 ms" "≥ ${lim}x, p99 < 20 ms" \
							"$(verdict "${r1:-0} >= $lim && ${r2:-0} >= $lim && ${q1:-999} < 20 && ${q2:-999} < 20")" "$acmd"
					done
					read -r lmin lmax < <(awk -F'|' '$4 ~ /^ list (JSON|page HTML)/ { gsub(/[ x]/, "", $6); v = $6 + 0; if (n++ == 0 || v < lo) lo = v; if (v > hi) hi = v } END { print lo, hi }' "$api")
					row "issue 16: incident lists (JSON default and 9 filters, HTML page) vs in-memory handler, $an incidents, $st" "${lmin}x to ${lmax}x" "≥ 0.3x" "$(verdict "${lmin:-0} >= 0.3")" "$acmd"
					rss=$(awk -F'|' '$4 !~ /baseline/ { gsub(/ /, "", $10); if ($10 + 0 > m) m = $10 + 0 } END { print m + 0 }' "$api")
					row "issue 16: server peak RSS under the by-id and list runs, $an incidents, $st" "$rss MiB" "< 150 MiB (at 100,000)" "$(verdict "${rss:-999} < 150")" "$acmd"
				else
					row "issue 16: bench/api on $st" "failed (see log)" "-" "**FAIL**" "$acmd"
					tail -20 "$LOG/api-$st"
				fi
			done
		else
			note "wrk is not installed: the incident-by-id and list figures of issue 16 (bench/api/run.sh) were skipped."
		fi
	else
		note "bench/issue16/run.sh is not there yet: issue 16 benchmark skipped."
	fi
fi

# --- rows of the steps this run left out (--only), from the previous run ---
# Each row is recognised by its command; the per-query and web tables go
# with their step.
pattern() { # the start of the command cell of the step's rows
	case "$1" in
	reliability) echo '| `go test ./reliability' ;; markdown) echo '| `go test ./markdown' ;;
	lint) echo '| `bench/lint/run.sh' ;; store) echo '| `go run ./bench/store' ;; grep) echo '| `hindsight export DIR; grep' ;;
	web) echo 'bench/web/run.sh`' ;; insights) echo '| `go run ./bench/insights' ;; webhooks) echo '| `go run ./bench/webhooks' ;;
	issue16) echo 'bench/issue16/run.sh`' ;;
	esac
}
# block FIRST-LINE-REGEX: a paragraph line and the table after it.
block() { awk -v re="$1" '$0 ~ re { on = 1 } on { print; if ($0 ~ /^\|/) t = 1; else if (t && $0 == "") exit }' "$WORK/old.md"; }
KEPT=""
if [ -f docs/benchmarks.md ]; then
	sed -n '/<!-- run:begin -->/,/<!-- run:end -->/p' docs/benchmarks.md >"$WORK/old.md"
	for step in reliability markdown lint store grep web insights webhooks issue16; do
		want "$step" && continue
		if grep -F "$(pattern "$step")" "$WORK/old.md" | grep '^| ' >>"$WORK/kept"; then
			KEPT="$KEPT $step"
			[ "$step" = grep ] && { echo; block '^Per query'; } >"$WORK/grep.md"
			[ "$step" = web ] && { echo; block '^Web runs'; } >"$WORK/web.md"
		fi
	done
	OLDWHEN=$(sed -nE 's/^Measured by `(.*)` on (.*)\.$/`\1` on \2/p' "$WORK/old.md" | head -1)
	[ -s "$WORK/kept" ] && { cat "$WORK/kept" >>"$ROWS"; note "Rows of$KEPT are kept from the previous run ($OLDWHEN); this run measured $ONLY."; }
fi

# --- the section ---
say "writing docs/benchmarks.md"
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
os=$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -s)
load=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "## Benchmarks"
	echo
	echo "Measured by \`bench/run.sh --size $SIZE$([ $QUICK -eq 1 ] && echo ' --quick')$([ "$ONLY" != "$ALL" ] && echo " --only $ONLY")\` on $(date -u +'%Y-%m-%d %H:%M UTC')."
	echo
	echo "| machine | |"
	echo "| --- | --- |"
	echo "| CPUs (nproc) | $(nproc) ($cpu) |"
	echo "| memory | $mem |"
	echo "| OS | $os, Linux $(uname -r) |"
	echo "| Go | $(go env GOVERSION) |"
	echo "| load average at the end | $load |"
	echo
	echo "Each figure that compares with a baseline measured both in this run. Goals marked \"at 100,000\""
	echo "are set for a database of 100,000 incidents; this run used $SIZE."
	echo
	echo "| figure | value | goal | result | command |"
	echo "| --- | --- | --- | --- | --- |"
	cat "$ROWS"
	if [ -s "$WORK/grep.md" ]; then cat "$WORK/grep.md"; fi
	if [ -s "$WORK/web.md" ]; then cat "$WORK/web.md"; fi
	if [ -s "$NOTES" ]; then
		echo
		cat "$NOTES"
	fi
} >"$WORK/section.md"
cat "$WORK/section.md"
# The header of the file, once.
if [ ! -s docs/benchmarks.md ] || ! grep -q '^# Benchmarks' docs/benchmarks.md; then
	{
		echo "# Benchmarks and reliability figures"
		echo
		echo "Every figure here is measured by a script in \`bench/\` that anyone can rerun. Three scripts each"
		echo "own one section: \`bench/run.sh\` (the benchmarks of every issue), \`bench/soak/run.sh\` (10 minutes"
		echo "of mixed load) and \`bench/fuzz.sh\` (long fuzz runs). The reliability tests (crash, several"
		echo "instances, hostile input, backups) are in \`reliability/\` and run with \`go test ./...\`; see"
		echo "[operations.md](operations.md)."
		[ -s docs/benchmarks.md ] && { echo; cat docs/benchmarks.md; }
	} >"$WORK/full.md"
	cp "$WORK/full.md" docs/benchmarks.md
fi
bench/section.sh docs/benchmarks.md run "$WORK/section.md"
keep_logs="${BENCH_LOGS:-/tmp/hindsight-bench-logs}"
rm -rf "$keep_logs" && cp -r "$LOG" "$keep_logs"
echo "wrote the run section of docs/benchmarks.md; the logs of each benchmark are in $keep_logs"
