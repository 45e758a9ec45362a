package storetest

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

func ai(id, owner string, pr hindsight.Priority, target, status string) hindsight.ActionItem {
	a := hindsight.ActionItem{ID: id, Action: "do " + id, Owner: owner, Priority: pr, Status: hindsight.ItemStatus(status)}
	if target != "" {
		a.TargetDate = date(target)
	}
	return a
}

// seed creates a small, varied set of incidents and returns their IDs by
// title.
func seed(t *testing.T, s hindsight.Store) map[string]string {
	t.Helper()
	specs := []spec{
		{title: "alpha", start: "2026-01-10 08:00", sev: "SEV-1", status: "Published", owner: "Dana", commander: "Eve", services: []string{"checkout", "payments"},
			body: "The payments database ran out of connections.", items: []hindsight.ActionItem{ai("AI-001", "dana", "P0", "2026-02-01", "Open"), ai("AI-002", "eve", "P1", "2026-03-01", "Closed")}},
		{title: "bravo", start: "2026-02-15 12:30", sev: "SEV-2", status: "Draft", owner: "Eve", commander: "Dana", services: []string{"search"},
			body: "Elasticsearch cluster went red after a bad mapping.", items: []hindsight.ActionItem{ai("AI-001", "Dana", "P2", "2026-12-31", "Open")}},
		{title: "charlie", start: "2026-03-20 23:10", sev: "SEV-3", status: "In Review", owner: "dana", commander: "Frank", services: []string{"Checkout"},
			body: "Certificate expired on the partner API.", items: []hindsight.ActionItem{ai("AI-001", "frank", "P1", "", "Open")}},
		{title: "delta", start: "2026-04-01 00:00", sev: "SEV-4", status: "Published", owner: "Gus", commander: "Eve", services: nil,
			body: "Nightly billing export was delayed.", items: []hindsight.ActionItem{ai("AI-001", "gus", "P2", "2026-04-15", "Closed")}},
		{title: "echo", start: "", sev: "SEV-2", status: "Draft", owner: "Gus", commander: "", services: []string{"cdn"},
			body: "CDN cached customer exports for the wrong tenant."},
	}
	out := map[string]string{}
	for _, sp := range specs {
		out[sp.title] = mustCreate(t, s, sp.doc()).ID
	}
	return out
}

func titles(xs []hindsight.IncidentSummary) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, x.Title)
	}
	return out
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func testListFilters(t *testing.T, open Opener) {
	s := newStore(t, open)
	ids := seed(t, s)
	cases := []struct {
		name string
		f    hindsight.IncidentFilter
		want []string
	}{
		{"All", hindsight.IncidentFilter{}, []string{"alpha", "bravo", "charlie", "delta", "echo"}},
		{"Severity", hindsight.IncidentFilter{Severity: []hindsight.Severity{"SEV-2"}}, []string{"bravo", "echo"}},
		{"SeverityList", hindsight.IncidentFilter{Severity: []hindsight.Severity{"SEV-1", "SEV-4"}}, []string{"alpha", "delta"}},
		{"Status", hindsight.IncidentFilter{Status: []hindsight.Status{hindsight.StatusPublished}}, []string{"alpha", "delta"}},
		{"ServiceIgnoresCase", hindsight.IncidentFilter{Service: "checkout"}, []string{"alpha", "charlie"}},
		{"OwnerIgnoresCase", hindsight.IncidentFilter{Owner: "DANA"}, []string{"alpha", "charlie"}},
		{"Commander", hindsight.IncidentFilter{Commander: "eve"}, []string{"alpha", "delta"}},
		{"StartFrom", hindsight.IncidentFilter{StartFrom: time.Date(2026, 3, 20, 23, 10, 0, 0, time.UTC)}, []string{"charlie", "delta"}},
		{"StartBefore", hindsight.IncidentFilter{StartBefore: time.Date(2026, 2, 15, 12, 30, 0, 0, time.UTC)}, []string{"alpha"}},
		{"StartRange", hindsight.IncidentFilter{StartFrom: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), StartBefore: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}, []string{"bravo", "charlie"}},
		{"HasOpenItems", hindsight.IncidentFilter{HasOpenActionItems: yes()}, []string{"alpha", "bravo", "charlie"}},
		{"NoOpenItems", hindsight.IncidentFilter{HasOpenActionItems: no()}, []string{"delta", "echo"}},
		{"Query", hindsight.IncidentFilter{Query: "certificate"}, []string{"charlie"}},
		{"QueryStemmed", hindsight.IncidentFilter{Query: "connection"}, []string{"alpha"}},
		{"Combined", hindsight.IncidentFilter{Owner: "gus", Severity: []hindsight.Severity{"SEV-2"}}, []string{"echo"}},
		{"NothingMatches", hindsight.IncidentFilter{Owner: "nobody"}, []string{}},
		{"IDs", hindsight.IncidentFilter{IDs: []string{ids["bravo"], ids["delta"], "INC-20990101-001"}}, []string{"bravo", "delta"}},
		{"IDsEmpty", hindsight.IncidentFilter{IDs: []string{}}, []string{}},
		{"IDsAndSeverity", hindsight.IncidentFilter{IDs: []string{ids["bravo"], ids["delta"]}, Severity: []hindsight.Severity{"SEV-2"}}, []string{"bravo"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, c.f)
			if err != nil {
				t.Fatal(err)
			}
			got := titles(page.Incidents)
			if !sameSet(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if page.Next != "" {
				t.Errorf("a single page has a next cursor")
			}
		})
	}
}

func testListSort(t *testing.T, open Opener) {
	s := newStore(t, open)
	seed(t, s)
	// touch bravo last so it is the most recently updated
	bravo, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Owner: "eve"})
	if err != nil || len(bravo.Incidents) != 1 {
		t.Fatalf("find bravo: %v", err)
	}
	b := bravo.Incidents[0]
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: b.ID, BaseRevision: 1, Doc: spec{title: "bravo", start: "2026-02-15 12:30", sev: "SEV-2", owner: "Eve"}.doc()}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		sort hindsight.IncidentSort
		desc bool
		want []string
	}{
		{"StartAsc", hindsight.SortStart, false, []string{"echo", "alpha", "bravo", "charlie", "delta"}},
		{"StartDesc", hindsight.SortStart, true, []string{"delta", "charlie", "bravo", "alpha", "echo"}},
		{"DefaultIsStart", "", false, []string{"echo", "alpha", "bravo", "charlie", "delta"}},
		{"SeverityAsc", hindsight.SortSeverity, false, nil}, // checked by level below
		{"UpdatedDesc", hindsight.SortUpdated, true, []string{"bravo", "echo", "delta", "charlie", "alpha"}},
		{"IDAsc", hindsight.SortID, false, nil},
		{"IDDesc", hindsight.SortID, true, nil},
	}
	for _, c := range cases {
		for _, limit := range []int{1, 2, 50} {
			t.Run(c.name+"/Limit"+strings.Repeat("I", 0)+itoa(limit), func(t *testing.T) {
				var all []hindsight.IncidentSummary
				cursor := ""
				for pages := 0; ; pages++ {
					if pages > 10 {
						t.Fatal("paging does not end")
					}
					page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: c.sort, Desc: c.desc, Limit: limit, Cursor: cursor})
					if err != nil {
						t.Fatal(err)
					}
					if len(page.Incidents) > limit {
						t.Fatalf("page of %d with limit %d", len(page.Incidents), limit)
					}
					all = append(all, page.Incidents...)
					if page.Next == "" {
						break
					}
					cursor = page.Next
				}
				got := titles(all)
				switch {
				case c.want != nil:
					if !slices.Equal(got, c.want) {
						t.Errorf("order %v, want %v", got, c.want)
					}
				case c.sort == hindsight.SortSeverity:
					if len(all) != 5 || !slices.IsSortedFunc(all, func(a, b hindsight.IncidentSummary) int {
						if d := a.Severity.Level() - b.Severity.Level(); d != 0 {
							return d
						}
						return strings.Compare(a.ID, b.ID)
					}) {
						t.Errorf("not sorted by severity then ID: %v", got)
					}
				default:
					idl := ids(all)
					sorted := slices.Clone(idl)
					slices.Sort(sorted)
					if c.desc {
						slices.Reverse(sorted)
					}
					if len(idl) != 5 || !slices.Equal(idl, sorted) {
						t.Errorf("not sorted by ID: %v", idl)
					}
				}
			})
		}
	}
	t.Run("CursorOfOtherSort", func(t *testing.T) {
		page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1, Sort: hindsight.SortSeverity, Cursor: page.Next})
		wantCode(t, "cursor of another sort", err, hindsight.EMalformed)
	})
	// a cursor is what a page's Next was: base64 JSON of other fields, of
	// none, or of a negative offset is refused naming the cursor, not read
	// as no cursor (the first page again) or passed to the database
	t.Run("ForeignCursor", func(t *testing.T) {
		for _, raw := range []string{`{"x":1}`, `{}`, `[]`, `{"o":-5}`, `{"s":"start","k":1,"i":"INC-1","x":2}`, `{"o":20} `} {
			cur := base64.RawURLEncoding.EncodeToString([]byte(raw))
			_, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1, Cursor: cur})
			wantCode(t, "list cursor "+raw, err, hindsight.EMalformed)
			_, err = s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "database", Cursor: cur})
			wantCode(t, "search cursor "+raw, err, hindsight.EMalformed)
			if is, ok := s.(hindsight.InsightStore); ok {
				_, err = is.TrackActionItems(ctx(t), hindsight.SystemViewer, hindsight.ActionItemQuery{Cursor: cur})
				wantCode(t, "tracker cursor "+raw, err, hindsight.EMalformed)
			}
		}
		// and the cursors the store makes still page
		page, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "the", Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if page.Next != "" {
			if _, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "the", Limit: 1, Cursor: page.Next}); err != nil {
				t.Errorf("search's own next cursor: %v", err)
			}
		}
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

func testSearch(t *testing.T, open Opener) {
	s := newStore(t, open)
	byTitle := seed(t, s)
	// one incident names the word in its title, another only in the body
	inTitle := mustCreate(t, s, spec{title: "Certificate rotation failed", start: "2026-05-05 05:05", body: "Rotation job crashed."}.doc()).ID
	cases := []struct {
		name  string
		text  string
		want  []string // IDs in rank order when order matters
		order bool
	}{
		{"Word", "elasticsearch", []string{byTitle["bravo"]}, false},
		{"Stemmed", "expiring certificates", []string{byTitle["charlie"]}, false},
		{"AllWordsMustMatch", "billing export", []string{byTitle["delta"]}, false},
		{"TitleRanksFirst", "certificate", []string{inTitle, byTitle["charlie"]}, true},
		{"ActionItemText", "AI-002", []string{byTitle["alpha"]}, false},
		{"CaseInsensitive", "CDN TENANT", []string{byTitle["echo"]}, false},
		{"NoMatch", "zeppelin", []string{}, false},
		// websearch syntax, the same on both stores
		{"Excluded", "connections -payments", []string{}, false},
		{"ExcludedOther", "bad -payments", []string{byTitle["bravo"]}, false},
		{"Or", "red or expired", []string{byTitle["bravo"], byTitle["charlie"]}, false},
		{"OrExcluded", "red or expired -certificate", []string{byTitle["bravo"]}, false},
		{"OrSplitsAlternatives", "database red or expired", []string{byTitle["charlie"]}, false},
		{"Phrase", `"partner API"`, []string{byTitle["charlie"]}, false},
		{"PhraseOrder", `"API partner"`, []string{}, false},
		{"ExcludedPhrase", `database -"ran out"`, []string{}, false},
		// dashes where a word may start each negate, as
		// websearch_to_tsquery reads them (SQLite found bravo for the
		// first two and nothing for the last)
		{"ExcludedDashes", "bad ---payments", []string{byTitle["bravo"]}, false},
		{"ExcludedDashSpace", "connections - payments", []string{}, false},
		{"DoubleDash", "bad --payments", []string{}, false},
		{"ExcludedOrIsNothing", "red - or expired", []string{}, false},
		// many exclusions (SQLite's NOT chain passed FTS5's expression
		// depth of 256: a 500; found by QA10)
		{"ManyExclusions", "bad" + strings.Repeat(" -zeppelin -\"ran out\"", 200), []string{byTitle["bravo"]}, false},
		{"ManyExclusionsOne", "bad" + strings.Repeat(" -zeppelin", 150) + " -payments", []string{byTitle["bravo"]}, false},
		{"ManyExclusionsAll", "connections" + strings.Repeat(" -zeppelin", 300) + " -payments", []string{}, false},
		{"ManyExclusionsOr", "bad" + strings.Repeat(" -zeppelin", 300) + " or expired" + strings.Repeat(" -zeppelin", 300), []string{byTitle["bravo"], byTitle["charlie"]}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: c.text})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range page.Hits {
				got = append(got, h.ID)
			}
			if got == nil {
				got = []string{}
			}
			if c.order && !slices.Equal(got, c.want) || !c.order && !sameSet(got, c.want) {
				t.Fatalf("hits %v, want %v", got, c.want)
			}
			for i, h := range page.Hits {
				if !strings.Contains(h.Snippet, hindsight.MarkStart) || !strings.Contains(h.Snippet, hindsight.MarkEnd) {
					t.Errorf("snippet of %s has no marked hit: %q", h.ID, h.Snippet)
				}
				if strings.Contains(h.Snippet, hindsight.MarkStart+"payments") || strings.Contains(h.Snippet, hindsight.MarkStart+"certificate") && strings.Contains(c.text, "-certificate") {
					t.Errorf("snippet of %s marks an excluded word: %q", h.ID, h.Snippet)
				}
				if i > 0 && h.Rank > page.Hits[i-1].Rank {
					t.Errorf("hits not in rank order")
				}
				if h.Title == "" {
					t.Errorf("hit %s lacks its summary", h.ID)
				}
			}
		})
	}
	t.Run("SnippetMarksTheWord", func(t *testing.T) {
		page, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "elasticsearch"})
		if err != nil || len(page.Hits) != 1 {
			t.Fatalf("search: %v", err)
		}
		if !strings.Contains(strings.ToLower(page.Hits[0].Snippet), hindsight.MarkStart+"elasticsearch"+hindsight.MarkEnd) {
			t.Errorf("snippet %q does not mark elasticsearch", page.Hits[0].Snippet)
		}
	})
	t.Run("SnippetLeavesOutTheHeader", func(t *testing.T) {
		// the search text begins with the Incident ID, severity, status and
		// owner, which a result shows already: a hit in the services below
		// them gives a snippet of what follows the header
		page, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "payments"})
		if err != nil || len(page.Hits) != 1 || page.Hits[0].ID != byTitle["alpha"] {
			t.Fatalf("search payments: %v %+v", err, page)
		}
		sn := page.Hits[0].Snippet
		if !strings.HasPrefix(sn, "…") || strings.Contains(sn, byTitle["alpha"]) || strings.Contains(sn, "SEV-1") || strings.Contains(sn, "Published") ||
			!strings.Contains(sn, hindsight.MarkStart+"payments"+hindsight.MarkEnd) {
			t.Errorf("snippet %q: want the text after the header, its first hit marked", sn)
		}
		// a word found only in the header (echo's owner) is shown there; delta's
		// owner owns an action item too, which the snippet shows instead
		page, err = s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "Gus"})
		if err != nil || len(page.Hits) != 2 {
			t.Fatalf("search Gus: %v %+v", err, page)
		}
		for _, h := range page.Hits {
			marked := strings.Contains(strings.ToLower(h.Snippet), hindsight.MarkStart+"gus"+hindsight.MarkEnd)
			if header := strings.Contains(h.Snippet, h.ID); !marked || header != (h.ID == byTitle["echo"]) {
				t.Errorf("snippet of %s %q: want Gus marked, the header shown only for echo", h.ID, h.Snippet)
			}
		}
	})
	t.Run("Pages", func(t *testing.T) {
		for i := range 5 {
			mustCreate(t, s, spec{title: "outage " + itoa(i), body: "zebra outage"}.doc())
		}
		seen := map[string]bool{}
		cursor := ""
		for range 10 {
			page, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "zebra", Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range page.Hits {
				if seen[h.ID] {
					t.Errorf("%s on two pages", h.ID)
				}
				seen[h.ID] = true
			}
			if page.Total != 5 {
				t.Errorf("page %d: total %d, want 5", len(seen), page.Total)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if len(seen) != 5 {
			t.Errorf("paged search found %d, want 5", len(seen))
		}
	})
}

func testActionItems(t *testing.T, open Opener) {
	s := newStore(t, open)
	byTitle := seed(t, s)
	type key struct{ title, item string }
	titleOf := map[string]string{}
	for k, v := range byTitle {
		titleOf[v] = k
	}
	asOf := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		f    hindsight.ActionItemFilter
		want []key
	}{
		{"All", hindsight.ActionItemFilter{}, []key{{"alpha", "AI-001"}, {"alpha", "AI-002"}, {"bravo", "AI-001"}, {"charlie", "AI-001"}, {"delta", "AI-001"}}},
		{"OwnerIgnoresCase", hindsight.ActionItemFilter{Owner: "DANA"}, []key{{"alpha", "AI-001"}, {"bravo", "AI-001"}}},
		{"Priority", hindsight.ActionItemFilter{Priority: []hindsight.Priority{"P1"}}, []key{{"alpha", "AI-002"}, {"charlie", "AI-001"}}},
		{"Status", hindsight.ActionItemFilter{Status: []hindsight.ItemStatus{hindsight.ItemClosed}}, []key{{"alpha", "AI-002"}, {"delta", "AI-001"}}},
		{"OverdueAsOf", hindsight.ActionItemFilter{Overdue: true, OverdueAsOf: asOf}, []key{{"alpha", "AI-001"}}},
		{"OverdueOnTargetDayIsNot", hindsight.ActionItemFilter{Overdue: true, OverdueAsOf: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}, []key{}},
		{"OverdueByClock", hindsight.ActionItemFilter{Overdue: true}, []key{{"alpha", "AI-001"}}},
		{"Service", hindsight.ActionItemFilter{Service: "CHECKOUT"}, []key{{"alpha", "AI-001"}, {"alpha", "AI-002"}, {"charlie", "AI-001"}}},
		{"Severity", hindsight.ActionItemFilter{Severity: []hindsight.Severity{"SEV-2", "SEV-4"}}, []key{{"bravo", "AI-001"}, {"delta", "AI-001"}}},
		{"DueBefore", hindsight.ActionItemFilter{DueBefore: asOf}, []key{{"alpha", "AI-001"}}},
		{"DueFrom", hindsight.ActionItemFilter{DueFrom: asOf}, []key{{"alpha", "AI-002"}, {"bravo", "AI-001"}, {"delta", "AI-001"}}},
		{"DueWindow", hindsight.ActionItemFilter{DueFrom: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), DueBefore: asOf}, []key{{"alpha", "AI-001"}}},
		// the overdue check's window: only the recently overdue, even
		// with a limit that older overdue items would fill first
		{"OverdueSince", hindsight.ActionItemFilter{Overdue: true, OverdueAsOf: time.Date(2027, 1, 3, 0, 0, 0, 0, time.UTC), DueFrom: time.Date(2026, 12, 27, 0, 0, 0, 0, time.UTC), Limit: 1}, []key{{"bravo", "AI-001"}}},
		{"OverdueOldestFirst", hindsight.ActionItemFilter{Overdue: true, OverdueAsOf: time.Date(2027, 1, 3, 0, 0, 0, 0, time.UTC), Limit: 1}, []key{{"alpha", "AI-001"}}},
		{"Incident", hindsight.ActionItemFilter{IncidentID: byTitle["alpha"]}, []key{{"alpha", "AI-001"}, {"alpha", "AI-002"}}},
		{"Combined", hindsight.ActionItemFilter{Owner: "dana", Status: []hindsight.ItemStatus{"Open"}, Priority: []hindsight.Priority{"P2"}}, []key{{"bravo", "AI-001"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, err := s.FindActionItems(ctx(t), hindsight.SystemViewer, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, r := range rows {
				if titleOf[r.IncidentID] != r.IncidentTitle {
					t.Errorf("row of %s carries title %q", r.IncidentID, r.IncidentTitle)
				}
				got = append(got, r.IncidentTitle+"/"+r.ID)
			}
			for _, k := range c.want {
				want = append(want, k.title+"/"+k.item)
			}
			if !sameSet(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
	t.Run("RowFields", func(t *testing.T) {
		rows, err := s.FindActionItems(ctx(t), hindsight.SystemViewer, hindsight.ActionItemFilter{IncidentID: byTitle["alpha"]})
		if err != nil || len(rows) != 2 {
			t.Fatalf("%v %d", err, len(rows))
		}
		r := rows[0]
		if r.ID != "AI-001" || r.Action != "do AI-001" || r.Owner != "dana" || r.Priority != "P0" || r.TargetDate.String() != "2026-02-01" ||
			r.Status != "Open" || r.Position != 0 || r.IncidentSeverity != "SEV-1" {
			t.Errorf("row: %+v", r)
		}
	})
	t.Run("DueDateOrder", func(t *testing.T) {
		rows, err := s.FindActionItems(ctx(t), hindsight.SystemViewer, hindsight.ActionItemFilter{})
		if err != nil {
			t.Fatal(err)
		}
		last := rows[len(rows)-1]
		if !last.TargetDate.T.IsZero() {
			t.Errorf("items without a target date should come last: %+v", last)
		}
	})
}
