#!/usr/bin/env bash
# Web benchmark: hindsight serve over a SQLite database of N generated
# incidents (default 100,000), driven from a second process on loopback at
# CONNS connections (default 32) for the incident page, the list page and the
# search API; and, in the same run, a minimal Go net/http handler serving the
# incident page's bytes from memory (the baseline). Reports requests/s, p50,
# p99, the ratio to the baseline and the server's peak VmRSS under load, and
# writes bench/web/RESULTS.md.
#
#   bench/web/run.sh                       # N=100000 CONNS=32 DURATION=10s
#   N=20000 DURATION=5s bench/web/run.sh   # quicker
#
# The database is kept in $WORK (default /tmp/hindsight-bench-web) and
# reused by later runs; seeding 100,000 incidents takes several minutes.
set -euo pipefail

N=${N:-100000}
CONNS=${CONNS:-32}
DURATION=${DURATION:-10s}
WORK=${WORK:-/tmp/hindsight-bench-web}
PORT=${PORT:-18080}
BPORT=${BPORT:-18081}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DB="$WORK/bench-$N.db"
OUT="$ROOT/bench/web/RESULTS.md"

mkdir -p "$WORK"
cd "$ROOT"
echo "building..."
go build -o "$WORK/hindsight" ./cmd/hindsight
go build -o "$WORK/load" ./bench/web/load
LOAD="$WORK/load"

"$LOAD" seed -db "$DB" -n "$N"

# serve puts every route behind sign-in: an account and a read token for the
# load generator (the baseline ignores it)
if ! "$WORK/hindsight" --db "$DB" user list 2>/dev/null | grep -q bench@example.test; then
	printf '%s\n' "bench password 0123456789" | "$WORK/hindsight" --db "$DB" user add bench@example.test --role viewer --password-stdin >/dev/null
fi
HINDSIGHT_TOKEN=$("$WORK/hindsight" --db "$DB" token create --user bench@example.test --name "bench $(date +%s)" --scope read --expires-in-days 1 | grep -o 'hst_[A-Za-z0-9_-]*' | head -1)
export HINDSIGHT_TOKEN

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
	"$WORK/hindsight" serve --db "$DB" --addr "127.0.0.1:$PORT" --log-level warn >"$WORK/serve.log" 2>&1 &
	SPID=$!
	pids+=("$SPID")
	for _ in $(seq 1 100); do
		curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
		sleep 0.2
	done
	curl -fsS "$BASE/readyz" >/dev/null
}
start_server

echo "picking incidents..."
"$LOAD" urls -base "$BASE" -n 1000 -total "$N" >"$WORK/incidents.txt"
FIRST=$(head -n 1 "$WORK/incidents.txt")
curl -fsS -H "Authorization: Bearer $HINDSIGHT_TOKEN" "$FIRST" >"$WORK/page.html"
: >"$WORK/search.txt"
for q in database latency certificate failover deploy timeout queue replica cache rollback dns memory; do
	echo "$BASE/api/v1/search?q=$q" >>"$WORK/search.txt"
done

# a fresh server for the measurements: picking the URLs walked the whole list
kill "$SPID"
wait "$SPID" 2>/dev/null || true
start_server
IDLE_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$SPID/status")

"$LOAD" baseline -addr "127.0.0.1:$BPORT" -page "$WORK/page.html" >"$WORK/baseline.log" 2>&1 &
BPID=$!
pids+=("$BPID")
for _ in $(seq 1 50); do
	curl -fsS "http://127.0.0.1:$BPORT/" >/dev/null 2>&1 && break
	sleep 0.1
done

RES="$WORK/results.jsonl"
: >"$RES"
drive() { "$LOAD" drive -conns "$CONNS" -duration "$DURATION" "$@" | tee -a "$RES"; }
echo "driving at $CONNS connections for $DURATION each..."
drive -name baseline -pid "$BPID" "http://127.0.0.1:$BPORT/"
drive -name "incident page (one incident, as the baseline)" -pid "$SPID" "$FIRST"
drive -name "incident page (1000 incidents in turn)" -pid "$SPID" -urls "$WORK/incidents.txt"
drive -name "list page (/incidents)" -pid "$SPID" "$BASE/incidents"
drive -name "search API (12 queries in turn)" -pid "$SPID" -urls "$WORK/search.txt"

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
# notes written by hand below the marker survive a new run
NOTES=""
if [ -f "$OUT" ] && grep -q '^<!-- notes -->$' "$OUT"; then
	NOTES=$(sed -n '/^<!-- notes -->$/,$p' "$OUT")
fi
{
	echo "# Web benchmark results"
	echo
	echo "Produced by \`bench/web/run.sh\` (N=$N CONNS=$CONNS DURATION=$DURATION) on $(date -u +%Y-%m-%d),"
	echo "$(nproc) CPUs ($CPU), $(go version | cut -d' ' -f3). The load generator runs on the same machine"
	echo "as the server (loopback), so both share the CPUs. Load average at the end of the run: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "(other work on the machine competes for the CPUs when it is above the CPU count)."
	echo
	"$LOAD" report -n "$N" -note "Server VmRSS idle after start: $((IDLE_RSS / 1024)) MiB. VmRSS counts the pages of the SQLite file the store maps into memory (mmap_size); RssAnon is the process's own memory. Goals: incident page >= 0.5x baseline, p99 < 20 ms, RSS < 150 MiB." "$RES"
	if [ -n "$NOTES" ]; then
		echo
		echo "$NOTES"
	fi
} >"$OUT"
cat "$OUT"
