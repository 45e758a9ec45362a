package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// testSearchWindow: a search ranks the window most recent matches only (a
// window of 4 here), wherever they are: all of them old, fewer than the
// window, more than a page, and with deleted and restricted incidents
// among them, which never show.
func testSearchWindow(t *testing.T, open Opener) {
	const window = 4
	s := open(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now, SearchWindow: window})
	// IDs in creation order: one incident a day
	var ids []string
	add := func(body string) string {
		n := len(ids)
		id := mustCreate(t, s, spec{title: fmt.Sprintf("incident %d", n), start: fmt.Sprintf("2026-03-%02d 10:00", 1+n%28),
			body: body}.doc()).ID
		if n >= 28 {
			t.Fatal("one incident a day: at most 28")
		}
		ids = append(ids, id)
		return id
	}
	// 0..5 walrus (the oldest), then 6..26 filler, every third a heron,
	// two puffins
	for range 6 {
		add("the walrus queue stalled")
	}
	for i := 6; i < 27; i++ {
		body := "filler text"
		if i%3 == 0 {
			body += "; a heron"
		}
		if i == 10 || i == 20 {
			body += "; a puffin"
		}
		add(body)
	}
	all := func(v hindsight.Viewer, text string, limit int) (got []string, total int) {
		t.Helper()
		cursor := ""
		for range 20 {
			page, err := s.SearchIncidents(ctx(t), v, hindsight.SearchQuery{Text: text, Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatalf("search %q: %v", text, err)
			}
			for i, h := range page.Hits {
				if slices.Contains(got, h.ID) {
					t.Errorf("search %q: %s on two pages", text, h.ID)
				}
				if i > 0 && h.Rank > page.Hits[i-1].Rank {
					t.Errorf("search %q: hits not in rank order", text)
				}
				got = append(got, h.ID)
			}
			total = page.Total
			if cursor = page.Next; cursor == "" {
				return got, total
			}
		}
		t.Fatalf("search %q: paging does not end", text)
		return nil, 0
	}
	cases := []struct {
		name, text string
		limit      int
		want       []string // as a set
	}{
		{"AllMatchesOld", "walrus", 0, ids[2:6]},
		{"FewerThanTheWindow", "puffin", 0, []string{ids[10], ids[20]}},
		{"PagesAcrossTheWindow", "heron", 3, []string{ids[15], ids[18], ids[21], ids[24]}},
		{"OnePerPage", "walrus", 1, ids[2:6]},
		{"NoMatch", "narwhal", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, total := all(hindsight.SystemViewer, c.text, c.limit)
			if !sameSet(got, c.want) || total != len(c.want) {
				t.Errorf("hits %v (total %d), want %v", got, total, c.want)
			}
		})
	}
	t.Run("DeletedAndRestricted", func(t *testing.T) {
		// the most recent walrus deleted, the next restricted to sam
		if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: ids[5], Author: "alice"}); err != nil {
			t.Fatal(err)
		}
		on, members := true, []string{"sam"}
		cur, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, ids[4])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: ids[4], BaseRevision: cur.Revision, Doc: cur.Doc, Restricted: &on, Members: &members}); err != nil {
			t.Fatal(err)
		}
		// the window is the 4 most recent matches either of all the
		// incidents searched (SQLite: the deleted one takes a place) or of
		// those the reader may see (PostgreSQL)
		for _, c := range []struct {
			name  string
			v     hindsight.Viewer
			wants [][]string
		}{
			{"Member", hindsight.Viewer{UserID: "sam"}, [][]string{ids[2:5], ids[1:5]}},
			{"NonMember", hindsight.Viewer{UserID: "mallory"}, [][]string{ids[2:4], ids[0:4]}},
		} {
			got, total := all(c.v, "walrus", 1)
			if !slices.ContainsFunc(c.wants, func(w []string) bool { return sameSet(got, w) }) || total != len(got) {
				t.Errorf("%s: hits %v (total %d), want one of %v", c.name, got, total, c.wants)
			}
		}
	})
}
