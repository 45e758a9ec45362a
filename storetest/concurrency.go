package storetest

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func testConcurrentCreates(t *testing.T, open Opener) {
	s := newStore(t, open)
	const n = 100
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inc, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: spec{title: fmt.Sprintf("parallel %d", i), start: "2026-11-26 12:00"}.doc(), Author: "bot"})
			errs[i] = err
			if err == nil {
				got[i] = inc.ID
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	sort.Strings(got)
	want := fmtIDs("20261126", 1, n)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("IDs of %d parallel creates are not %s..%s: %v", n, want[0], want[n-1], got)
		}
	}
	page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Incidents) != n {
		t.Errorf("%d incidents stored, want %d", len(page.Incidents), n)
	}
}

func testConcurrentUpdates(t *testing.T, open Opener) {
	s := newStore(t, open)
	inc := mustCreate(t, s, spec{title: "contended", start: "2026-11-26 12:00"}.doc())
	const rounds, writers = 5, 8
	for round := 1; round <= rounds; round++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, conflicts := []string{}, 0
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				author := fmt.Sprintf("writer-%d-%d", round, w)
				_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: round, Doc: spec{title: author}.doc(), Author: author})
				mu.Lock()
				defer mu.Unlock()
				switch hindsight.ErrorCode(err) {
				case "":
					won = append(won, author)
				case hindsight.EConflict:
					conflicts++
				default:
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
		if len(won) != 1 || conflicts != writers-1 {
			t.Fatalf("round %d: %d winners %v and %d conflicts, want 1 and %d", round, len(won), won, conflicts, writers-1)
		}
		got, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Revision != round+1 || got.Doc.Title != won[0] || got.UpdatedBy != won[0] {
			t.Fatalf("round %d: revision %d title %q, want %d by %s", round, got.Revision, got.Doc.Title, round+1, won[0])
		}
	}
	revs, err := s.FindRevisions(ctx(t), hindsight.SystemViewer, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != rounds+1 {
		t.Fatalf("%d revisions, want %d", len(revs), rounds+1)
	}
	for i, r := range revs {
		if r.N != i+1 {
			t.Errorf("revision %d numbered %d", i+1, r.N)
		}
	}
}

func testSearchWhileWriting(t *testing.T, open Opener) {
	s := newStore(t, open)
	inc := mustCreate(t, s, spec{title: "kafka lag", start: "2026-11-26 12:00", body: "consumer lag on kafka"}.doc())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= 30; i++ {
			if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: i,
				Doc: spec{title: "kafka lag", body: fmt.Sprintf("consumer lag on kafka, edit %d", i)}.doc(), Author: "w"}); err != nil {
				t.Errorf("update %d: %v", i, err)
				return
			}
			if _, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: spec{title: fmt.Sprintf("kafka other %d", i), body: "kafka"}.doc()}); err != nil {
				t.Errorf("create %d: %v", i, err)
				return
			}
		}
	}()
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				page, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "kafka lag"})
				if err != nil {
					t.Errorf("reader %d search %d: %v", r, i, err)
					return
				}
				if len(page.Hits) == 0 || page.Hits[0].ID != inc.ID {
					t.Errorf("reader %d search %d: the incident is not the first hit", r, i)
					return
				}
				if _, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Query: "kafka"}); err != nil {
					t.Errorf("reader %d list %d: %v", r, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
