package reliability

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/jackc/pgx/v5"
)

// alertToken is the generic receiver's token in these tests.
const alertToken = "reliability-generic-token"

// alertEnv configures serve's generic receiver, with a short inbox lease so
// that the entries a killed applier held are taken over within seconds (a
// save must end within half the lease: the long form's incidents grow to
// over a thousand rows).
var alertEnv = []string{"HINDSIGHT_GENERIC_TOKEN=" + alertToken, "HINDSIGHT_ALERT_INBOX_LEASE=6s"}

// alertConfig sizes an alert crash run: at least events alerts, sent until
// the kills are done.
type alertConfig struct {
	kills, events, senders, groups int
	maxGap                         time.Duration
}

func alertSize() alertConfig {
	if full() {
		return alertConfig{kills: 60, events: 4000, senders: 8, groups: 20, maxGap: 1500 * time.Millisecond}
	}
	return alertConfig{kills: 8, events: 300, senders: 4, groups: 6, maxGap: 600 * time.Millisecond}
}

// TestAlertInboxCrashSQLite SIGKILLs `hindsight serve` at random moments
// while senders post alerts to the generic receiver (each retried until a
// 2xx answer, as Alertmanager and PagerDuty retry), restarts it each time,
// and checks at the end that every alert is in a timeline exactly once,
// each alert group in one incident, and that the inbox is empty. Kills land
// between the inbox commit and the apply (the inbox is not empty at most
// kills) and between the save and the finish (the next applier settles
// those entries from the revision history).
func TestAlertInboxCrashSQLite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "alerts.db")
	in := startServeEnv(t, "sqlite", db, alertEnv...)
	alertCrash(t, in)
	if got := integrityCheck(t, db); got != "ok" {
		t.Fatalf("PRAGMA integrity_check: %s", got)
	}
}

// TestAlertInboxCrashPostgres is TestAlertInboxCrashSQLite on PostgreSQL.
func TestAlertInboxCrashPostgres(t *testing.T) {
	in := startServeEnv(t, "postgres", postgresURL(t), alertEnv...)
	alertCrash(t, in)
}

// settledLine is the applier's log line for entries a killed applier saved.
const settledLine = "deliveries left unfinished were saved"

var evPattern = regexp.MustCompile(`alert ev-(\d{6}) fired`)

func alertCrash(t *testing.T, in *instance) {
	cfg := alertSize()
	var (
		killed                                    atomic.Bool // the kills are done: the senders may stop
		next                                      atomic.Int64
		accepted, duplicates, noAnswer, refused   atomic.Int64
		queuedAtKill, killsWithQueue, killsSample atomic.Int64
		mu                                        sync.Mutex
		problems                                  []string
	)
	problem := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	base := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for range cfg.senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Load())
				if n >= cfg.events && killed.Load() {
					return
				}
				if !next.CompareAndSwap(int64(n), int64(n+1)) {
					continue
				}
				g := n % cfg.groups
				body, _ := json.Marshal(map[string]any{
					"title": fmt.Sprintf("Crash group %d", g), "group": fmt.Sprintf("crash-%d", g),
					"event": fmt.Sprintf("alert ev-%06d fired", n), "dedup_key": fmt.Sprintf("ev-%06d", n),
					"time": base.Add(time.Duration(n) * time.Second).Format(time.RFC3339),
				})
				deadline := time.Now().Add(2 * time.Minute)
				for {
					res, err := do(http.MethodPost, in.url+"/hooks/generic", map[string]string{"Authorization": "Bearer " + alertToken, "Content-Type": "application/json"}, body)
					if err == nil && (res.status == http.StatusAccepted || res.status == http.StatusOK) {
						var r struct{ Accepted, Duplicates int }
						_ = json.Unmarshal(res.body, &r)
						accepted.Add(int64(r.Accepted))
						duplicates.Add(int64(r.Duplicates))
						break
					}
					if err != nil {
						noAnswer.Add(1)
					} else {
						refused.Add(1)
						if res.status < 500 {
							problem("event %d: %d %s", n, res.status, res.body)
							break
						}
					}
					if time.Now().After(deadline) {
						problem("event %d: no 2xx answer in 2 minutes (last: %v)", n, err)
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 8))
	kills, settled := 0, 0
	for kills < cfg.kills {
		time.Sleep(time.Duration(r.Int64N(int64(cfg.maxGap))))
		if q := inboxEntries(t, in.db); q >= 0 {
			killsSample.Add(1)
			queuedAtKill.Add(int64(q))
			if q > 0 {
				killsWithQueue.Add(1)
			}
		}
		settled += strings.Count(in.logs(), settledLine)
		in.kill()
		kills++
		in.start()
	}
	killed.Store(true)
	<-done
	events := int(next.Load())
	for _, p := range problems {
		t.Error(p)
	}

	// every alert lands once, within the lease and a few passes
	var seen map[int]int
	var ids []string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		seen, ids = alertTimelines(t, in.url)
		missing := 0
		for n := range events {
			if seen[n] == 0 {
				missing++
			}
		}
		q := inboxEntries(t, in.db)
		if missing == 0 && q == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes: %d of %d alerts not in a timeline, %d inbox entries left:\n%s\n%s", missing, events, q, inboxHeads(t, in.db), in.logs())
		}
		time.Sleep(250 * time.Millisecond)
	}
	settled += strings.Count(in.logs(), settledLine)
	twice := 0
	for n, c := range seen {
		if c != 1 {
			twice++
			if twice <= 10 {
				t.Errorf("alert %d is in the timelines %d times", n, c)
			}
		}
	}
	t.Logf("%d SIGKILLs (%d with entries waiting in the inbox, %d entries in all; %d runs of entries saved by a killed applier settled after restart); %d alerts sent by %d senders: %d accepted, %d duplicates (retries after a kill), %d requests without an answer, %d refused (5xx while starting); %d incidents for %d groups",
		kills, killsWithQueue.Load(), queuedAtKill.Load(), settled, events, cfg.senders, accepted.Load(), duplicates.Load(), noAnswer.Load(), refused.Load(), len(ids), cfg.groups)
	if twice > 0 {
		t.Fatalf("%d alerts are in the timelines more than once", twice)
	}
	if len(ids) != cfg.groups {
		t.Errorf("%d incidents for %d alert groups", len(ids), cfg.groups)
	}
	// each alert's last answer says accepted, or duplicate when an earlier
	// attempt was committed but its answer cut by a kill
	if accepted.Load()+duplicates.Load() != int64(events) || duplicates.Load() > noAnswer.Load() {
		t.Errorf("%d alerts answered accepted and %d duplicate (%d requests cut); want %d in all, duplicates only after a cut", accepted.Load(), duplicates.Load(), noAnswer.Load(), events)
	}
	if noAnswer.Load() == 0 {
		t.Error("no request was cut by a kill: the kills missed the intake")
	}
	if killsWithQueue.Load() == 0 && killsSample.Load() > 0 {
		t.Error("the inbox was empty at every kill: no kill fell between the inbox commit and the apply")
	}
}

// alertTimelines reads every incident's Markdown through the API and
// counts the alerts (alert ev-NNNNNN fired) in it.
func alertTimelines(t *testing.T, base string) (map[int]int, []string) {
	t.Helper()
	seen := map[int]int{}
	var ids []string
	cursor := ""
	for {
		u := base + "/api/v1/incidents?limit=200"
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		res, err := do(http.MethodGet, u, nil, nil)
		if err != nil || res.status != http.StatusOK {
			return seen, ids // restarting: the caller polls again
		}
		var page struct {
			Incidents []hindsight.IncidentSummary `json:"incidents"`
			Next      string                      `json:"next"`
		}
		if err := json.Unmarshal(res.body, &page); err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Incidents {
			ids = append(ids, s.ID)
			res, err := do(http.MethodGet, base+"/api/v1/incidents/"+s.ID, map[string]string{"Accept": "text/markdown"}, nil)
			if err != nil || res.status != http.StatusOK {
				return map[int]int{}, nil
			}
			for _, m := range evPattern.FindAllStringSubmatch(string(res.body), -1) {
				var n int
				fmt.Sscanf(m[1], "%d", &n)
				seen[n]++
			}
		}
		if page.Next == "" {
			return seen, ids
		}
		cursor = page.Next
	}
}

// inboxEntries counts the alert inbox's entries in db (a SQLite path or a
// postgres:// URL), -1 when it cannot be read.
func inboxEntries(t *testing.T, db string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := -1
	if strings.HasPrefix(db, "postgres") {
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			return -1
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM alert_inbox").Scan(&n); err != nil {
			return -1
		}
		return n
	}
	h, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return -1
	}
	defer h.Close()
	if err := h.QueryRowContext(ctx, "SELECT COUNT(*) FROM alert_inbox").Scan(&n); err != nil {
		return -1
	}
	return n
}

// inboxHeads describes the oldest entry of each group left in the inbox.
func inboxHeads(t *testing.T, db string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const q = `SELECT group_key, COUNT(*), MIN(id), MAX(attempts), MAX(COALESCE(CAST(lease_until AS TEXT), '')), MAX(last_error) FROM alert_inbox GROUP BY group_key ORDER BY MIN(id)`
	var b strings.Builder
	scan := func(next func() bool, sc func(...any) error) {
		for next() {
			var g, lease, lastErr string
			var n, id, attempts int64
			if err := sc(&g, &n, &id, &attempts, &lease, &lastErr); err != nil {
				fmt.Fprintf(&b, "scan: %v\n", err)
				return
			}
			fmt.Fprintf(&b, "  group %s: %d entries from id %d, attempts %d, lease until %s, last error %q\n", g, n, id, attempts, lease, lastErr)
		}
	}
	if strings.HasPrefix(db, "postgres") {
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			return err.Error()
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, q)
		if err != nil {
			return err.Error()
		}
		defer rows.Close()
		scan(rows.Next, rows.Scan)
		return b.String()
	}
	h, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return err.Error()
	}
	defer h.Close()
	rows, err := h.QueryContext(ctx, q)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	scan(rows.Next, rows.Scan)
	return b.String()
}
