package sqlite

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/internal/sqlstore"
	"github.com/hindsight-pm/hindsight/markdown"
)

// oneStatement is the SQLite dialect without its sqlstore.SearchRanker
// methods: a store over it searches with SearchSQL, the one statement.
type oneStatement struct{ sqlstore.Dialect }

// TestSearchRanksAsSQL checks that a search through SearchRanksSQL and
// SearchPageSQL (the window's ranks in one value, the page ordered in Go)
// answers what SearchSQL's one statement answers, page for page: the same
// hits in the same order, ranks bit for bit, snippets, totals and next
// cursors, for a window smaller than the matches and one larger, every
// page of several sizes (so every position is a page's first and last,
// ties of rank among them: the same document three times ranks the same),
// pages past the end, and viewers who see every incident, those of their
// memberships, and none restricted, with deleted and restricted incidents
// among the matches.
func TestSearchRanksAsSQL(t *testing.T) {
	ctx := t.Context()
	for _, window := range []int{25, 1000} {
		t.Run(fmt.Sprintf("window %d", window), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "h.db")
			s, err := Open(ctx, path, Options{Render: markdown.Render, SearchWindow: window})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ref, err := sqlstore.New(s.writer, s.reader, oneStatement{dialect{window: window, store: s.store}}, sqlstore.Options{Render: markdown.Render})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := sqlstore.Dialect(oneStatement{}).(sqlstore.SearchRanker); ok {
				t.Fatal("the reference store's dialect is a SearchRanker: it would not test SearchSQL")
			}
			g := gen.New(5)
			var ids []string
			for i := range 90 {
				p := g.Postmortem()
				p.Summary.IncidentID = ""
				c := hindsight.IncidentCreate{Doc: p, Author: "t"}
				if i%7 == 3 {
					c.Restricted, c.Members = true, []string{"sam"}
				}
				copies := 1
				if i%10 == 0 {
					copies = 3 // the same text: the same rank
				}
				for range copies {
					inc, err := s.CreateIncident(ctx, c)
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, inc.ID)
				}
			}
			for _, id := range append(ids[5:15:15], ids[80:84]...) {
				if err := s.DeleteIncident(ctx, hindsight.IncidentDelete{ID: id, Author: "t"}); err != nil {
					t.Fatal(err)
				}
			}
			viewers := map[string]hindsight.Viewer{"admin": {UserID: "root", Admin: true}, "member": {UserID: "sam"}, "other": {UserID: "kim"}, "anonymous": {}}
			queries := []string{"database", "latency", "certificate expired", "deploy OR rollback", "dns -cache", `"connection pool"`, "incident", "zzzunknown"}
			pages, hitsSeen, tied := 0, 0, 0
			for vname, v := range viewers {
				for _, q := range queries {
					for _, limit := range []int{1, 3, 7, 20, 200} {
						cursor := ""
						for range 400 {
							sq := hindsight.SearchQuery{Text: q, Limit: limit, Cursor: cursor}
							got, err := s.SearchIncidents(ctx, v, sq)
							if err != nil {
								t.Fatal(err)
							}
							want, err := ref.SearchIncidents(ctx, v, sq)
							if err != nil {
								t.Fatal(err)
							}
							if !reflect.DeepEqual(got, want) {
								t.Fatalf("%s, %q, limit %d, cursor %q:\n got %+v\nwant %+v", vname, q, limit, cursor, got, want)
							}
							pages++
							hitsSeen += len(got.Hits)
							for i := 1; i < len(got.Hits); i++ {
								if got.Hits[i].Rank == got.Hits[i-1].Rank {
									tied++
								}
							}
							if got.Next == "" {
								break
							}
							cursor = got.Next
						}
					}
					// past the last hit: no hits, a total of 0
					past := hindsight.SearchQuery{Text: q, Limit: 5, Cursor: offsetCursor(window + 5)}
					got, err := s.SearchIncidents(ctx, v, past)
					if err != nil {
						t.Fatal(err)
					}
					want, err := ref.SearchIncidents(ctx, v, past)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) || len(got.Hits) != 0 {
						t.Fatalf("%s, %q past the end:\n got %+v\nwant %+v", vname, q, got, want)
					}
				}
			}
			if hitsSeen < 1000 || tied < 20 {
				t.Fatalf("only %d hits in %d pages compared, %d ties of rank", hitsSeen, pages, tied)
			}
		})
	}
}

// offsetCursor is a search cursor at offset, as the store encodes it.
func offsetCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"o":%d}`, offset))
}

// TestSearchRanksConcurrentFirst runs many searches at once on a store
// that has prepared none of their statements yet, more than the reader
// pool's connections: each holds a connection for its read transaction,
// and one that prepared a statement on the pool waited for another
// connection, held by a search waiting the same way (the requests of a
// fresh server with 8 clients ended after 30 s with 503). Each search must
// answer, and answer what it answers alone.
func TestSearchRanksConcurrentFirst(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a deadlock fails, not hangs
	defer cancel()
	words := []string{"database", "latency", "certificate", "failover", "deploy", "timeout", "queue", "replica", "cache", "rollback", "dns", "memory"}
	for round := range 5 { // the waits depend on the goroutines' timing: a new store each round
		s, _, add := generatedStore(t, int64(9+round))
		add(20)
		const n = 48
		pages := make([]*hindsight.SearchPage, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				pages[i], errs[i] = s.SearchIncidents(ctx, hindsight.Viewer{UserID: "kim"}, hindsight.SearchQuery{Text: words[i%len(words)]})
			})
		}
		wg.Wait()
		found := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, search %d (%s): %v", round, i, words[i%len(words)], errs[i])
			}
			alone, err := s.SearchIncidents(t.Context(), hindsight.Viewer{UserID: "kim"}, hindsight.SearchQuery{Text: words[i%len(words)]})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(pages[i], alone) {
				t.Fatalf("round %d, search %d (%s) at once:\n%+v\nalone:\n%+v", round, i, words[i%len(words)], pages[i], alone)
			}
			found += len(alone.Hits)
		}
		if found == 0 {
			t.Fatalf("round %d: no search found anything", round)
		}
	}
}

// TestSearchAndInsightsConcurrentFirst: a fresh store answers searches
// and insights asked all at once (more than the reader pool's connections)
// as it answers each alone. The statement cache prepared a new statement
// on the pool while holding its lock: an insights query waited there for a
// connection that searches held in their read transactions, and they
// waited for the lock to read their statement (a fresh server at 100,000
// incidents with 16 searches and 4 insights at once: every request ended
// after 2 minutes; found by QA10).
func TestSearchAndInsightsConcurrentFirst(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a deadlock fails, not hangs
	defer cancel()
	words := []string{"database", "latency", "certificate", "failover", "deploy", "timeout", "queue", "replica", "cache", "rollback", "dns", "memory", "disk", "network", "config", "checkout"}
	year := func(y int) (time.Time, time.Time) {
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	var filters []hindsight.InsightsFilter
	for _, sev := range []hindsight.Severity{hindsight.Sev1, hindsight.Sev2, hindsight.Sev3, ""} {
		for _, y := range []int{2024, 2025, 2026} {
			f := hindsight.InsightsFilter{AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
			f.From, f.Before = year(y)
			if sev != "" {
				f.Severity = []hindsight.Severity{sev}
			}
			if y == 2025 {
				f.Service = "checkout-api"
			}
			filters = append(filters, f)
		}
	}
	viewer := hindsight.Viewer{UserID: "kim"}
	for round := range 5 { // the waits depend on the goroutines' timing: a new store each round
		_, path, add := generatedStore(t, int64(20+round))
		add(40)
		// a freshly opened store: nothing prepared, no connection open
		s, err := Open(t.Context(), path, Options{Render: markdown.Render})
		if err != nil {
			t.Fatal(err)
		}
		n := len(words) + len(filters)
		got := make([]any, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if i < len(words) {
					got[i], errs[i] = s.SearchIncidents(ctx, viewer, hindsight.SearchQuery{Text: words[i]})
				} else {
					got[i], errs[i] = s.Insights(ctx, viewer, filters[i-len(words)])
				}
			})
		}
		wg.Wait()
		found := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, request %d at once: %v", round, i, errs[i])
			}
			var alone any
			if i < len(words) {
				p, err := s.SearchIncidents(t.Context(), viewer, hindsight.SearchQuery{Text: words[i]})
				if err != nil {
					t.Fatal(err)
				}
				found += len(p.Hits)
				alone = p
			} else {
				in, err := s.Insights(t.Context(), viewer, filters[i-len(words)])
				if err != nil {
					t.Fatal(err)
				}
				found += in.Incidents
				alone = in
			}
			if !reflect.DeepEqual(got[i], alone) {
				t.Fatalf("round %d, request %d at once:\n%+v\nalone:\n%+v", round, i, got[i], alone)
			}
		}
		if found == 0 {
			t.Fatalf("round %d: nothing found or counted", round)
		}
		s.Close()
	}
}
