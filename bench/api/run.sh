#!/usr/bin/env bash
# API and list benchmark (issue 16): an incident by ID as JSON and as
# Markdown, and the incident list (JSON API with default filters and each
# filter, and the web list page), each against an in-memory net/http handler
# serving the same bytes (bench/web/load baseline), measured in the same run
# with wrk at CONNS connections, over SQLite or PostgreSQL. Reports
# requests/s, the ratio to the baseline, p50/p99 and the server's peak VmRSS,
# as a Markdown table on standard output and appended to $OUT.
#
#   DB=/tmp/hs-bench/bench-100000.db bench/api/run.sh
#   DB='postgres://postgres@127.0.0.1:5432/hsbench100k?sslmode=disable' bench/api/run.sh
#   BIN=/tmp/hindsight-old LABEL=before DB=... bench/api/run.sh   # an older build
#
# Environment: DB (required: a SQLite file with incidents, e.g. made by
# `go run ./bench/web/load seed -db F -n 100000`, or a postgres:// URL),
# N (required: the incidents in DB, to spread the picks), CONNS (32), THREADS (2),
# DURATION (8s), WARMUP (2s: a run before each measured one, filling the caches), PORT (18180), BPORT (18181..18184), BIN (hindsight binary;
# built from this tree when unset), LABEL (names the build in the table),
# WORK (/tmp/hindsight-bench-api), OUT ($WORK/results.md).
set -euo pipefail

: "${DB:?set DB to a SQLite file or a postgres:// URL}"
: "${N:?set N to the number of incidents in DB (to spread the 1000 picked incidents over it)}"
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-2s}
PORT=${PORT:-18180}
BPORT=${BPORT:-18181}
WORK=${WORK:-/tmp/hindsight-bench-api}
OUT=${OUT:-$WORK/results.md}
LABEL=${LABEL:-this tree}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v wrk >/dev/null || { echo "bench/api/run.sh needs wrk (apt-get install wrk)" >&2; exit 2; }

mkdir -p "$WORK"
cd "$ROOT"
if [ -z "${BIN:-}" ]; then
	go build -o "$WORK/hindsight" ./cmd/hindsight
	BIN="$WORK/hindsight"
fi
go build -o "$WORK/load" ./bench/web/load
LOAD="$WORK/load"
STORE=sqlite
case "$DB" in postgres://* | postgresql://*) STORE=postgres ;; esac

if ! "$BIN" --db "$DB" user list 2>/dev/null | grep -q bench@example.test; then
	printf '%s\n' "bench password 0123456789" | "$BIN" --db "$DB" user add bench@example.test --role viewer --password-stdin >/dev/null
fi
HINDSIGHT_TOKEN=$("$BIN" --db "$DB" token create --user bench@example.test --name "bench $(date +%s%N)" --scope read --expires-in-days 1 | grep -o 'hst_[A-Za-z0-9_-]*' | head -1)
export HINDSIGHT_TOKEN
AUTH="Authorization: Bearer $HINDSIGHT_TOKEN"

pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

BASE="http://127.0.0.1:$PORT"
start_server() {
	"$BIN" serve --db "$DB" --addr "127.0.0.1:$PORT" --log-level warn >"$WORK/serve.log" 2>&1 &
	SPID=$!
	pids+=("$SPID")
	for _ in $(seq 1 300); do
		curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
		sleep 0.2
	done
	curl -fsS "$BASE/readyz" >/dev/null
}
start_server

fetch() { curl -fsS -H "$AUTH" "$@"; }
echo "picking incidents..."
"$LOAD" urls -base "$BASE" -n 1000 -total "$N" -path /api/v1/incidents/ >"$WORK/incidents.txt"
sed "s#^$BASE##" "$WORK/incidents.txt" >"$WORK/paths.txt"
FIRST=$(head -n 1 "$WORK/incidents.txt")
fetch "$FIRST" >"$WORK/incident.json"
fetch -H "Accept: text/markdown" "$FIRST" >"$WORK/incident.md"
fetch "$BASE/api/v1/incidents" >"$WORK/list.json"
fetch "$BASE/incidents" >"$WORK/list.html"
# a service and an owner the list shows, for their filters
read -r SERVICE OWNER < <(python3 -c 'import json,sys,urllib.parse as u
l=json.load(open(sys.argv[1]))["incidents"]
s=next((i["services"][0] for i in l if i.get("services")), "api")
o=next((i["owner"] for i in l if i.get("owner")), "dana")
print(u.quote(s), u.quote(o))' "$WORK/list.json")

# a fresh server for the measurements: picking the incidents walked the
# whole list, 1,000 at a time
kill "$SPID"
wait "$SPID" 2>/dev/null || true
start_server
IDLE_RSS=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$SPID/status")

baseline() { # port file type
	"$LOAD" baseline -addr "127.0.0.1:$1" -page "$2" -type "$3" >/dev/null 2>&1 &
	pids+=("$!")
	BPIDS+=("$!")
}
BPIDS=()
baseline "$BPORT" "$WORK/incident.json" "application/json"
baseline $((BPORT + 1)) "$WORK/incident.md" "text/markdown; charset=utf-8"
baseline $((BPORT + 2)) "$WORK/list.json" "application/json"
baseline $((BPORT + 3)) "$WORK/list.html" "text/html; charset=utf-8"
for p in 0 1 2 3; do
	for _ in $(seq 1 50); do
		curl -fsS "http://127.0.0.1:$((BPORT + p))/" >/dev/null 2>&1 && break
		sleep 0.1
	done
done

# peak VmRSS of the server while a run lasts
rss_watch() {
	local peak=0 v
	while [ -e "$WORK/watching" ]; do
		v=$(awk '/VmRSS/ {print $2}' "/proc/$SPID/status" 2>/dev/null || echo 0)
		[ "${v:-0}" -gt "$peak" ] && peak=$v
		sleep 0.2
	done
	echo $((peak / 1024)) >"$WORK/peak"
}

# ms converts wrk's latency (850.00us, 1.20ms, 2.01s) to milliseconds
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

declare -A BASE_RPS
ROWS=()
# run NAME KIND(baseline|server) BASEKEY URL|@pathsfile [extra wrk args...]
run() {
	local name=$1 kind=$2 key=$3 target=$4
	shift 4
	local args=(-t "$THREADS" -c "$CONNS" -d "$DURATION" --latency -H "$AUTH" "$@")
	local url=$target
	if [[ $target == @* ]]; then
		args+=(-s "$ROOT/bench/api/urls.lua")
		export URLS=${target#@}
		url=$BASE
	fi
	if [ "$kind" != baseline ]; then # warm up: fill the caches, not measured
		wrk "${args[@]/#$DURATION/$WARMUP}" "$url" >/dev/null 2>&1 || true
	fi
	touch "$WORK/watching"
	rss_watch &
	local wpid=$!
	wrk "${args[@]}" "$url" >"$WORK/wrk.out" 2>&1 || true
	rm -f "$WORK/watching"
	wait "$wpid"
	local rps p50 p99 errs bytes peak ratio
	rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$WORK/wrk.out")
	p50=$(ms "$(awk '$1 == "50%" {print $2}' "$WORK/wrk.out")")
	p99=$(ms "$(awk '$1 == "99%" {print $2}' "$WORK/wrk.out")")
	errs=$(awk '/Non-2xx or 3xx responses:/ {print $NF} /Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$WORK/wrk.out" | paste -sd+ | bc 2>/dev/null || echo 0)
	errs=${errs:-0}
	peak=$(cat "$WORK/peak")
	if [ "$kind" = baseline ]; then
		BASE_RPS[$key]=$rps
		ratio="1.00x"
		peak="-"
	else
		ratio=$(awk -v a="$rps" -v b="${BASE_RPS[$key]}" 'BEGIN { printf "%.2fx", a / b }')
	fi
	local row="| $STORE | $LABEL | $name | $rps | $ratio | $p50 | $p99 | $errs | $peak |"
	echo "$row"
	ROWS+=("$row")
}

B="http://127.0.0.1"
A="$BASE/api/v1/incidents"
MDH=(-H "Accept: text/markdown")
echo "driving at $CONNS connections, $DURATION each..."
run "baseline: incident JSON bytes" baseline json "$B:$BPORT/"
run "GET incident JSON (one incident)" server json "$FIRST"
run "GET incident JSON (1000 incidents in turn)" server json "@$WORK/paths.txt"
run "baseline: incident Markdown bytes" baseline md "$B:$((BPORT + 1))/"
run "GET incident Markdown (one incident)" server md "$FIRST" "${MDH[@]}"
run "GET incident Markdown (1000 incidents in turn)" server md "@$WORK/paths.txt" "${MDH[@]}"
run "baseline: list JSON bytes" baseline list "$B:$((BPORT + 2))/"
run "list JSON, default filters" server list "$A"
for f in "severity=SEV-1" "status=published" "service=$SERVICE" "owner=$OWNER" "open_action_items=true" \
	"from=2025-01-01&before=2026-01-01" "sort=severity" "sort=updated" "q=database"; do
	run "list JSON, $f" server list "$A?$f"
done
run "baseline: list page HTML bytes" baseline html "$B:$((BPORT + 3))/"
run "list page HTML (/incidents)" server html "$BASE/incidents"
run "list page HTML, severity=SEV-1" server html "$BASE/incidents?severity=SEV-1"

{
	echo
	echo "### $STORE, $N incidents, $LABEL ($(date -u '+%Y-%m-%d %H:%M UTC'))"
	echo
	echo "\`DB=$DB bench/api/run.sh\` (CONNS=$CONNS THREADS=$THREADS DURATION=$DURATION, wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}'))," \
		"$(nproc) CPUs, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); server VmRSS idle $IDLE_RSS MiB."
	echo
	echo "| store | build | run | requests/s | ratio to baseline | p50 ms | p99 ms | errors | peak VmRSS MiB |"
	echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	printf '%s\n' "${ROWS[@]}"
} | tee -a "$OUT"
