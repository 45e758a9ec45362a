package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// exampleDoc is the parsed example postmortem the workload starts from:
// every created incident starts on its day, 2026-03-12.
var exampleDoc = sync.OnceValues(func() ([]byte, error) {
	return os.ReadFile("../examples/INC-20260312-001-checkout-database-failover.md")
})

// exampleDay is the start day of the example, the day of every Incident ID
// the workload creates.
const exampleDay = "20260312"

// newDocument is a Draft copy of the example with its own title and token
// and no Incident ID, as canonical Markdown.
func newDocument(t testing.TB, title, token string) []byte {
	t.Helper()
	src, err := exampleDoc()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := markdown.Parse(src)
	p.Title = title
	p.Status = hindsight.StatusDraft
	p.Summary.IncidentID = ""
	p.ExecutiveSummary = token
	return markdown.Render(p)
}

// withToken is src with its Executive Summary replaced by token.
func withToken(src []byte, token string) []byte {
	p, _ := markdown.Parse(src)
	p.ExecutiveSummary = token
	return markdown.Render(p)
}

// tokenOf is the Executive Summary of a document.
func tokenOf(src []byte) string {
	p, _ := markdown.Parse(src)
	return p.ExecutiveSummary
}

// ledger records what the server told the clients: every acknowledged
// revision with the Markdown the answer carried, and every token sent.
type ledger struct {
	mu       sync.Mutex
	acked    map[string]map[int][]byte // incident -> revision -> Markdown acknowledged
	sent     map[string]bool           // every Executive Summary token sent
	ids      []string                  // incidents acknowledged as created, in order
	problems []string

	saves, conflicts, unknown, errors atomic.Int64
}

func newLedger() *ledger {
	return &ledger{acked: map[string]map[int][]byte{}, sent: map[string]bool{}}
}

func (l *ledger) send(token string) {
	l.mu.Lock()
	l.sent[token] = true
	l.mu.Unlock()
}

// ack records an acknowledged revision; the same revision acknowledged
// twice with different content is a lost update.
func (l *ledger) ack(id string, rev int, body []byte, created bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.acked[id]
	if m == nil {
		m = map[int][]byte{}
		l.acked[id] = m
	}
	if old, ok := m[rev]; ok && string(old) != string(body) {
		l.problems = append(l.problems, fmt.Sprintf("lost update: %s revision %d was acknowledged to two different saves", id, rev))
	}
	m[rev] = body
	if created {
		l.ids = append(l.ids, id)
	}
}

func (l *ledger) problem(format string, args ...any) {
	l.mu.Lock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

// incidents returns the acknowledged incidents.
func (l *ledger) incidents() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ids...)
}

// acks is the number of acknowledged revisions.
func (l *ledger) acks() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.acked {
		n += len(m)
	}
	return n
}

// create posts a new incident through base; ok is false when the answer
// did not come (a kill) or was not 201.
func (l *ledger) create(t testing.TB, base, title, token string) (string, bool) {
	doc := newDocument(t, title, token)
	l.send(token)
	res, err := do(http.MethodPost, base+"/api/v1/incidents", md(), doc)
	if err != nil {
		l.unknown.Add(1)
		return "", false
	}
	if res.status != http.StatusCreated {
		if res.status < 500 {
			l.problem("create %q: %d %s", title, res.status, res.body)
		}
		l.errors.Add(1)
		return "", false
	}
	loc := res.header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]
	if rev := revisionOf(res.header); rev != 1 {
		l.problem("create %s: ETag revision %d, want 1", id, rev)
	}
	l.ack(id, 1, res.body, true)
	return id, true
}

// save reads the latest revision of id through base, changes its token and
// sends it with If-Match. A 2xx is recorded; 409/412 are conflicts.
func (l *ledger) save(base, id, token string) {
	res, err := do(http.MethodGet, base+"/api/v1/incidents/"+id, map[string]string{"Accept": "text/markdown"}, nil)
	if err != nil {
		l.unknown.Add(1)
		return
	}
	if res.status != http.StatusOK {
		l.errors.Add(1)
		if res.status < 500 {
			l.problem("get %s: %d %s", id, res.status, res.body)
		}
		return
	}
	base0 := revisionOf(res.header)
	doc := withToken(res.body, token)
	l.send(token)
	res, err = do(http.MethodPut, base+"/api/v1/incidents/"+id+"?message="+strings.ReplaceAll(token, " ", "+"),
		md("If-Match", fmt.Sprintf(`"%d"`, base0)), doc)
	if err != nil {
		l.unknown.Add(1)
		return
	}
	switch {
	case res.status == http.StatusOK || res.status == http.StatusCreated:
		rev := revisionOf(res.header)
		if rev <= base0 {
			l.problem("save of %s from revision %d acknowledged as revision %d", id, base0, rev)
		}
		if got := tokenOf(res.body); got != token {
			l.problem("save of %s acknowledged with another document: token %q, sent %q", id, got, token)
		}
		l.saves.Add(1)
		l.ack(id, rev, res.body, false)
	case res.status == http.StatusConflict || res.status == http.StatusPreconditionFailed:
		l.conflicts.Add(1)
	default:
		l.errors.Add(1)
		if res.status < 500 {
			l.problem("save of %s: %d %s", id, res.status, res.body)
		}
	}
}

// editors runs n editors until ctx ends: editor e sends through
// bases[e%len(bases)], saves to random acknowledged incidents and, one time
// in createEvery, creates a new one.
func (l *ledger) editors(t testing.TB, ctx context.Context, run string, bases []string, n, createEvery int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for e := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(e), 42))
			base := bases[e%len(bases)]
			for k := 0; ctx.Err() == nil; k++ {
				token := fmt.Sprintf("Run %s editor %d save %d.", run, e, k)
				ids := l.incidents()
				if createEvery > 0 && (len(ids) == 0 || r.IntN(createEvery) == 0) {
					if _, ok := l.create(t, base, fmt.Sprintf("Reliability %s editor %d incident %d", run, e, k), token); !ok {
						time.Sleep(20 * time.Millisecond)
					}
					continue
				}
				before := l.unknown.Load()
				l.save(base, ids[r.IntN(len(ids))], token)
				if l.unknown.Load() != before {
					time.Sleep(20 * time.Millisecond) // the server is down: wait for the restart
				}
			}
		}()
	}
	return &wg
}

// verify checks through base that every acknowledged revision is stored
// unchanged, that every stored revision is one a client sent, and, when
// exact, that the history holds nothing but the acknowledged saves (no
// answer was lost on the way, so nothing may have landed unacknowledged).
func (l *ledger) verify(t testing.TB, base string, exact bool) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.problems {
		t.Error(p)
	}
	ids := make([]string, 0, len(l.acked))
	for id := range l.acked {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	checked := 0
	for _, id := range ids {
		res, err := do(http.MethodGet, base+"/api/v1/incidents/"+id+"/revisions", nil, nil)
		if err != nil || res.status != http.StatusOK {
			t.Errorf("revisions of %s: %v %d %s", id, err, res.status, res.body)
			continue
		}
		var revs struct {
			Revisions []hindsight.Revision `json:"revisions"`
		}
		if err := json.Unmarshal(res.body, &revs); err != nil {
			t.Fatalf("revisions of %s: %v", id, err)
		}
		stored := map[int]bool{}
		for _, rv := range revs.Revisions {
			stored[rv.N] = true
			res, err := do(http.MethodGet, fmt.Sprintf("%s/api/v1/incidents/%s/revisions/%d", base, id, rv.N), map[string]string{"Accept": "text/markdown"}, nil)
			if err != nil || res.status != http.StatusOK {
				t.Errorf("%s revision %d: %v %d %s", id, rv.N, err, res.status, res.body)
				continue
			}
			checked++
			if want, ok := l.acked[id][rv.N]; ok {
				if string(res.body) != string(want) {
					t.Errorf("%s revision %d changed after it was acknowledged:\nacknowledged token %q\nstored token       %q", id, rv.N, tokenOf(want), tokenOf(res.body))
				}
			} else if exact {
				t.Errorf("%s revision %d (%q) is in the history but no client was told it was saved", id, rv.N, tokenOf(res.body))
			}
			if tok := tokenOf(res.body); !l.sent[tok] {
				t.Errorf("%s revision %d holds a document no client sent (token %q): corrupted", id, rv.N, tok)
			}
		}
		for rev := range l.acked[id] {
			if !stored[rev] {
				t.Errorf("%s revision %d was acknowledged but is missing after restart", id, rev)
			}
		}
	}
	t.Logf("verified %d incidents, %d stored revisions, %d acknowledged", len(ids), checked, l.acksLocked())
}

func (l *ledger) acksLocked() int {
	n := 0
	for _, m := range l.acked {
		n += len(m)
	}
	return n
}
