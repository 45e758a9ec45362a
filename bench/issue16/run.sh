#!/usr/bin/env bash
# Issue 16's server figures: CPU per request and latency of search, the
# action item tracker, insights and the lists by postmortem due date at CONNS concurrent clients (default 8),
# the time of `hindsight import` of IMPORT generated documents (default
# 10,000) and the SQLite WAL's peak during it.
#
#   DB=/tmp/hs-bench/bench-100000.db bench/issue16/run.sh
#   DB=bench.db BASE=/tmp/hindsight-before PG='postgres://postgres@127.0.0.1:5432/hsbench100k?sslmode=disable' bench/issue16/run.sh
#   ONLY='search|insights' ROUNDS=2 IMPORT=0 DB=... BASE=... PG=... PG_BEFORE=... bench/issue16/run.sh
#
# DB (required) is a SQLite database of generated incidents (bench/web/load
# seed); it is copied, never written. BASE, a hindsight binary built from
# an earlier commit, is measured on its own copy in the same run ("before").
# PG, a PostgreSQL database of generated incidents, is served and measured
# too (read only); the PostgreSQL import goes into a fresh schema of
# PG_IMPORT (default the test database), dropped at the end. PG_BEFORE, a
# copy of PG, is served by BASE ("before, PostgreSQL"). ROUNDS repeats the
# measurements, after and before in turn; ONLY (a regular expression)
# picks the endpoints; IMPORT=0 skips the import. On PostgreSQL the CPU of
# the database's backends per request is reported beside the server's
# (/proc/PID/stat of the backends pg_stat_activity lists). CPU per
# request is the server process's user + system time (/proc/PID/stat, what process_cpu_seconds_total reports) over the
# measured requests. Each server is driven only once its startup work is
# over (its CPU time grows by less than 30 ms in a second, 90 s at most):
# serve's first webhook pass (the overdue check and due events) takes
# 2-3 s of CPU at 100,000 incidents after /readyz answers, and counted in
# the first endpoint's figures and competed with its requests. Without DB only PostgreSQL is measured (PG, with
# PG_BEFORE for BASE); BASE's imports run beside this tree's on both stores.
# "insights API, a save every second" and "search API, a save every second"
# drive them while an editor creates an incident every second through the
# API (the example postmortem): the response cache, on unless
# CACHE_BYTES=0, is stale after each save.
# Run time: about a minute per build and store measured (a round), plus the
# imports of 10,000 documents (half a minute to a few minutes each,
# depending on the machine's load). CACHE_BYTES is passed to serve as
# HINDSIGHT_CACHE_BYTES (e.g. CACHE_BYTES=0: no response cache, so every
# search runs in the store; builds before the knob ignore it and never
# cached searches); the runs' names then say so. Prints one JSON line per run (bench/web/load drive)
# into $WORK/results.jsonl and a Markdown table on stdout.
set -euo pipefail
: "${DB:=}" # without DB, PostgreSQL (PG) only
[ -n "$DB" ] || [ -n "${PG:-}" ] || { echo "bench/issue16/run.sh: set DB (a SQLite database of generated incidents) or PG" >&2; exit 2; }
CONNS=${CONNS:-8}
DURATION=${DURATION:-10s}
IMPORT=${IMPORT:-10000}
WORK=${WORK:-/tmp/hindsight-bench-issue16}
PORT=${PORT:-18160}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$WORK"
cd "$ROOT"
go build -o "$WORK/hindsight" ./cmd/hindsight
go build -o "$WORK/load" ./bench/web/load
RES="$WORK/results.jsonl"
: >"$RES"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# token BIN DSN: a read token of a bench account on DSN
token() {
	if ! "$1" --db "$2" user list 2>/dev/null | grep -q bench@example.test; then
		printf '%s\n' "bench password 0123456789" | "$1" --db "$2" user add bench@example.test --role viewer --password-stdin >/dev/null
	fi
	"$1" --db "$2" token create --user bench@example.test --name "bench $(date +%s%N)" --scope read --expires-in-days 1 | grep -o 'hst_[A-Za-z0-9_-]*' | head -1
}

# wtoken BIN DSN: a read-write token of a bench editor on DSN (the
# saves of "insights API, a save every second")
wtoken() {
	if ! "$1" --db "$2" user list 2>/dev/null | grep -q bench-writer@example.test; then
		printf '%s\n' "bench password 0123456789" | "$1" --db "$2" user add bench-writer@example.test --role editor --password-stdin >/dev/null
	fi
	"$1" --db "$2" token create --user bench-writer@example.test --name "bench writer $(date +%s%N)" --scope read-write --expires-in-days 1 | grep -o 'hst_[A-Za-z0-9_-]*' | head -1
}

# dbticks DSN: the CPU clock ticks (user + system) so far of the
# PostgreSQL backends connected to DSN's database (other than this query's)
dbticks() {
	local t=0 p v
	for p in $(psql "$1" -Atc "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"); do
		v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# measure LABEL BIN DSN: serve DSN with BIN and drive each endpoint
measure() {
	local label=$1 bin=$2 dsn=$3 base="http://127.0.0.1:$PORT"
	local tok wtok=""
	tok=$(token "$bin" "$dsn")
	want "a save every second" && wtok=$(wtoken "$bin" "$dsn")
	[ -n "${CACHE_BYTES:-}" ] && label="$label, HINDSIGHT_CACHE_BYTES=$CACHE_BYTES"
	HINDSIGHT_CACHE_BYTES=${CACHE_BYTES:-} "$bin" serve --db "$dsn" --addr "127.0.0.1:$PORT" --log-level warn >"$WORK/serve.log" 2>&1 &
	local spid=$!
	pids+=("$spid")
	for _ in $(seq 1 150); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
	local t0 t1
	for _ in $(seq 1 90); do
		t0=$(awk '{print $14 + $15}' "/proc/$spid/stat")
		sleep 1
		t1=$(awk '{print $14 + $15}' "/proc/$spid/stat")
		[ $((t1 - t0)) -lt 3 ] && break
	done
	: >"$WORK/search.txt"
	for q in database latency certificate failover deploy timeout queue replica cache rollback dns memory; do
		echo "$base/api/v1/search?q=$q" >>"$WORK/search.txt"
	done
	# on PostgreSQL the database's own CPU too: the user + system time of
	# the backends serving the database during the run
	local pg=0
	case "$dsn" in postgres://* | postgresql://*) pg=1 ;; esac
	d() {
		local t0 out
		[ $pg = 1 ] && t0=$(dbticks "$dsn")
		out=$(HINDSIGHT_TOKEN=$tok "$WORK/load" drive -conns "$CONNS" -duration "$DURATION" -pid "$spid" -name "$label: $1" "${@:2}")
		if [ $pg = 1 ]; then
			out=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["db_cpu_ms_per_request"]=(int(sys.argv[3])-int(sys.argv[2]))*1000/int(sys.argv[4])/max(r["requests"],1); print(json.dumps(r))' "$out" "$t0" "$(dbticks "$dsn")" "$(getconf CLK_TCK)")
		fi
		echo "$out" | tee -a "$RES"
	}
	# a query string of its own for every request: each one misses the
	# insights cache (the figures are those of the default page)
	seq 1 50000 | sed "s#^#$base/insights?miss=$RANDOM-#" >"$WORK/insights-miss.txt"
	want "search API (12 queries in turn)" && d "search API (12 queries in turn)" -urls "$WORK/search.txt"
	want "tracker API (default page)" && d "tracker API (default page)" "$base/api/v1/action-items/tracker"
	want "tracker page (/action-items)" && d "tracker page (/action-items)" "$base/action-items"
	want "insights page (/insights)" && d "insights page (/insights)" "$base/insights"
	want "insights page, every request a cache miss" && d "insights page, every request a cache miss" -urls "$WORK/insights-miss.txt"
	want "insights API (/api/v1/insights)" && d "insights API (/api/v1/insights)" "$base/api/v1/insights"
	# the insights and the search as a team reads them while postmortems are
	# written: an incident created every second (the example postmortem, in
	# the default year) bumps the store generation, so the response cache
	# (unless CACHE_BYTES=0) is stale each second and recomputed once
	saving() { # NAME URL...
		: >"$WORK/saves.txt"
		(while :; do
			curl -fsS -o /dev/null -X POST "$base/api/v1/incidents" -H "Authorization: Bearer $wtok" -H 'Content-Type: text/markdown' \
				--data-binary @"$ROOT/examples/INC-20260312-001-checkout-database-failover.md" && echo >>"$WORK/saves.txt"
			sleep 1
		done) &
		local wpid=$!
		d "$@"
		kill "$wpid" 2>/dev/null || true
		wait "$wpid" 2>/dev/null || true
		echo "$label: $1: $(wc -l <"$WORK/saves.txt") saves during the run" >&2
	}
	want "insights API, a save every second" && saving "insights API, a save every second" "$base/api/v1/insights"
	want "search API, a save every second" && saving "search API, a save every second" -urls "$WORK/search.txt"
	want "due list API (sort=due)" && d "due list API (sort=due)" "$base/api/v1/incidents?sort=due"
	want "overdue list API (due=overdue)" && d "overdue list API (due=overdue)" "$base/api/v1/incidents?due=overdue"
	want "due this week list API (due=this_week)" && d "due this week list API (due=this_week)" "$base/api/v1/incidents?due=this_week"
	want "my reviews API (/api/v1/me/reviews)" && d "my reviews API (/api/v1/me/reviews)" "$base/api/v1/me/reviews"
	kill "$spid"
	wait "$spid" 2>/dev/null || true
}

# want NAME: NAME is one of the endpoints to drive (ONLY, a regular
# expression; all by default)
want() { [[ $1 =~ ${ONLY:-.} ]]; }

if [ -n "$DB" ]; then
	cp "$DB" "$WORK/after.db"
	[ -n "${BASE:-}" ] && cp "$DB" "$WORK/before.db"
fi
# ROUNDS rounds (default 1), each measuring after and before in turn
for round in $(seq 1 "${ROUNDS:-1}"); do
	r=""
	[ "${ROUNDS:-1}" -gt 1 ] && r=" (round $round)"
	[ -n "$DB" ] && measure "after, SQLite$r" "$WORK/hindsight" "$WORK/after.db"
	if [ -n "$DB" ] && [ -n "${BASE:-}" ]; then
		measure "before, SQLite$r" "$BASE" "$WORK/before.db"
	fi
	if [ -n "${PG:-}" ]; then
		measure "after, PostgreSQL$r" "$WORK/hindsight" "$PG"
	fi
	if [ -n "${BASE:-}" ] && [ -n "${PG_BEFORE:-}" ]; then
		measure "before, PostgreSQL$r" "$BASE" "$PG_BEFORE"
	fi
done
[ "$IMPORT" = 0 ] && SKIP_IMPORT=1

# import of generated documents, and the WAL's peak meanwhile
if [ -z "${SKIP_IMPORT:-}" ]; then
rm -rf "$WORK/corpus"
"$WORK/hindsight" generate --count "$IMPORT" --seed 1 --out "$WORK/corpus" >/dev/null
imp() { # LABEL BIN DSN
	local t0 t1 peak=0 s
	t0=$(date +%s.%N)
	"$2" --db "$3" import "$WORK/corpus" >"$WORK/import.log" 2>&1 &
	local ipid=$!
	while kill -0 "$ipid" 2>/dev/null; do
		s=$(stat -c %s "$3-wal" 2>/dev/null || echo 0)
		[ "$s" -gt "$peak" ] && peak=$s
		sleep 0.1
	done
	wait "$ipid" || true
	t1=$(date +%s.%N)
	printf '{"name":"%s: import of %d documents","seconds":%.1f,"wal_peak_mib":%.1f,"load":"%s","summary":"%s"}\n' "$1" "$IMPORT" "$(echo "$t1 - $t0" | bc)" "$(echo "$peak / 1048576" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(tail -1 "$WORK/import.log")" | tee -a "$RES"
}
if [ -n "$DB" ]; then
rm -f "$WORK/import.db"*
imp "after, SQLite" "$WORK/hindsight" "$WORK/import.db"
fi
if [ -n "$DB" ] && [ -n "${BASE:-}" ]; then
	rm -f "$WORK/import-before.db"*
	imp "before, SQLite" "$BASE" "$WORK/import-before.db"
fi
if [ -n "${PG:-}" ]; then
	PGI=${PG_IMPORT:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
	schema="hs_import_$(date +%s)"
	psql "$PGI" -qc "CREATE SCHEMA $schema"
	sep='?'; case "$PGI" in *\?*) sep='&' ;; esac
	imp "after, PostgreSQL" "$WORK/hindsight" "$PGI${sep}search_path=$schema"
	psql "$PGI" -qc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
	if [ -n "${BASE:-}" ]; then
		psql "$PGI" -qc "CREATE SCHEMA ${schema}_b"
		imp "before, PostgreSQL" "$BASE" "$PGI${sep}search_path=${schema}_b"
		psql "$PGI" -qc "DROP SCHEMA ${schema}_b CASCADE" >/dev/null 2>&1 || true
	fi
fi
fi

echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | requests/s | p50 ms | p95 ms | CPU ms per request (server) | CPU ms per request (PostgreSQL backends) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
python3 - "$RES" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "rps" in r:
        db = f"{r['db_cpu_ms_per_request']:.2f}" if "db_cpu_ms_per_request" in r else "-"
        print(f"| {r['name']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r.get('cpu_ms_per_request', 0):.2f} | {db} |")
    else:
        print(f"| {r['name']} | {r['seconds']} s, WAL peak {r['wal_peak_mib']:.1f} MiB | | | | |")
PY
