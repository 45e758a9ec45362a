package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
)

// seed stores n documents with varied severities, statuses and services.
func seed(t *testing.T, e *env) []*hindsight.Incident {
	t.Helper()
	var out []*hindsight.Incident
	docs := []struct {
		title   string
		sev     hindsight.Severity
		status  hindsight.Status
		service string
		day     int
		closed  bool
	}{
		{"Checkout database failover", hindsight.Sev1, hindsight.StatusPublished, "checkout", 3, true},
		{"Partner API certificate expiry", hindsight.Sev2, hindsight.StatusInReview, "partner-api", 5, false},
		{"Nightly billing export delay", hindsight.Sev3, hindsight.StatusDraft, "billing", 7, false},
		{"CDN cached customer exports", hindsight.Sev2, hindsight.StatusDraft, "cdn", 9, false},
	}
	for _, d := range docs {
		p := sampleDoc(d.title)
		p.Summary.Severity, p.Status = d.sev, d.status
		p.Summary.Services = []hindsight.Service{{Name: d.service, Impact: "degraded"}}
		start := time.Date(2026, 11, d.day, 10, 0, 0, 0, time.UTC)
		p.Summary.Start, p.Summary.End = hindsight.TimeOf(start), hindsight.TimeOf(start.Add(68*time.Minute))
		if d.closed {
			for i := range p.ActionItems {
				p.ActionItems[i].Status = hindsight.ItemClosed
			}
		}
		p.ActionItems[0].TargetDate = hindsight.DateOf(start.AddDate(0, 0, 7))
		in, err := e.svc.Create(context.Background(), app.System, p, app.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	return out
}

func TestListIncidents(t *testing.T) {
	e := newEnv(t)
	seed(t, e)
	tests := []struct {
		query string
		want  []string // titles, in order
		next  bool
	}{
		{"", []string{"CDN cached customer exports", "Nightly billing export delay", "Partner API certificate expiry", "Checkout database failover"}, false},
		{"?order=asc&limit=2", []string{"Checkout database failover", "Partner API certificate expiry"}, true},
		{"?severity=SEV-2", []string{"CDN cached customer exports", "Partner API certificate expiry"}, false},
		{"?severity=SEV-1&severity=SEV-3", []string{"Nightly billing export delay", "Checkout database failover"}, false},
		{"?severity=sev1,SEV-3&status=Published", []string{"Checkout database failover"}, false},
		{"?status=Draft,In%20Review&service=billing", []string{"Nightly billing export delay"}, false},
		{"?from=2026-11-05&before=2026-11-09", []string{"Nightly billing export delay", "Partner API certificate expiry"}, false},
		{"?from=2026-11-05&to=2026-11-07&dir=asc", []string{"Partner API certificate expiry", "Nightly billing export delay"}, false},
		// the last date has no day after it: no end (it was a 500, the
		// filter's JSON holding year 10000; found by QA10)
		{"?to=9999-12-31", []string{"CDN cached customer exports", "Nightly billing export delay", "Partner API certificate expiry", "Checkout database failover"}, false},
		{"?from=2026-11-05&to=9999-12-31&dir=asc", []string{"Partner API certificate expiry", "Nightly billing export delay", "CDN cached customer exports"}, false},
		{"?to=9999-12-30&dir=asc&limit=1", []string{"Checkout database failover"}, true},
		{"?open_action_items=false", []string{"Checkout database failover"}, false},
		{"?owner=dana%20kim&commander=Dana%20Kim&sort=severity&order=asc", []string{"Checkout database failover", "Partner API certificate expiry", "CDN cached customer exports", "Nightly billing export delay"}, false},
		{"?q=certificate", []string{"Partner API certificate expiry"}, false},
		{"?sort=id&order=asc&limit=1000", []string{"Checkout database failover", "Partner API certificate expiry", "Nightly billing export delay", "CDN cached customer exports"}, false},
		{"?sort=updated&service=nothing", []string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := e.do(req{method: "GET", path: "/api/v1/incidents" + tt.query})
			var page hindsight.IncidentPage
			res.json(t, &page)
			if res.status != 200 {
				t.Fatalf("%d %s", res.status, res.body)
			}
			got := []string{}
			for _, s := range page.Incidents {
				got = append(got, s.Title)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
			if (page.Next != "") != tt.next {
				t.Errorf("next %q", page.Next)
			}
		})
	}
	// the cursor pages on
	res := e.do(req{method: "GET", path: "/api/v1/incidents?order=asc&limit=3"})
	var p1, p2 hindsight.IncidentPage
	res.json(t, &p1)
	res = e.do(req{method: "GET", path: "/api/v1/incidents?order=asc&limit=3&cursor=" + p1.Next})
	res.json(t, &p2)
	if len(p2.Incidents) != 1 || p2.Incidents[0].Title != "CDN cached customer exports" || p2.Next != "" {
		t.Fatalf("page 2: %s", res.body)
	}
}

func TestSearch(t *testing.T) {
	e := newEnv(t)
	seed(t, e)
	tests := []struct {
		q     string
		want  int
		first string
	}{
		{"certificate", 1, "Partner API certificate expiry"},
		{"failover", 4, ""}, // every sample's executive summary says failover
		{"zebra", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			res := e.do(req{method: "GET", path: "/api/v1/search?q=" + tt.q + "&limit=10"})
			var sr api.SearchResult
			res.json(t, &sr)
			if res.status != 200 || len(sr.Hits) != tt.want {
				t.Fatalf("%d %s", res.status, res.body)
			}
			if tt.first != "" && sr.Hits[0].Title != tt.first {
				t.Errorf("first hit %q", sr.Hits[0].Title)
			}
			for _, h := range sr.Hits {
				if strings.ContainsAny(h.Snippet, hindsight.MarkStart+hindsight.MarkEnd) || len(h.Highlights) == 0 {
					t.Errorf("snippet %q highlights %v", h.Snippet, h.Highlights)
					continue
				}
				r := []rune(h.Snippet)
				if w := strings.ToLower(string(r[h.Highlights[0][0]:h.Highlights[0][1]])); !strings.HasPrefix(w, tt.q[:4]) {
					t.Errorf("highlight %q in %q", w, h.Snippet)
				}
			}
		})
	}
}

// TestSearchCached: a search is served from the list-page cache while
// nothing is written (one entry for each normalized query: text, limit,
// cursor), and a write shows in the next search at once.
func TestSearchCached(t *testing.T) {
	e := newEnv(t)
	seed(t, e)
	search := func(q string) api.SearchResult {
		t.Helper()
		res := e.do(req{method: "GET", path: "/api/v1/search?" + q})
		var sr api.SearchResult
		res.json(t, &sr)
		if res.status != 200 {
			t.Fatalf("%s: %d %s", q, res.status, res.body)
		}
		return sr
	}
	entries := func() int { n, _ := e.svc.CacheStats(); return n }
	n0 := entries()
	if got := search("q=certificate"); len(got.Hits) != 1 {
		t.Fatalf("certificate: %d hits", len(got.Hits))
	}
	if n := entries(); n != n0+1 {
		t.Fatalf("after the first search: %d cache entries, want %d", n, n0+1)
	}
	for _, q := range []string{"q=certificate", "q=certificate&limit=20"} { // limit 20 is the default, but a query of its own
		search(q)
	}
	if n := entries(); n != n0+2 {
		t.Errorf("after the same search and one with a limit: %d cache entries, want %d", n, n0+2)
	}
	p := sampleDoc("Internal certificate rotation")
	if _, err := e.svc.Create(context.Background(), app.System, p, app.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := search("q=certificate"); len(got.Hits) != 2 {
		t.Errorf("certificate after a create: %d hits, want 2", len(got.Hits))
	}
	// a page boundary: two pages of one hit, then the same from the cache
	first := search("q=certificate&limit=1")
	if len(first.Hits) != 1 || first.Next == "" {
		t.Fatalf("page 1: %+v", first)
	}
	second := search("q=certificate&limit=1&cursor=" + first.Next)
	again := search("q=certificate&limit=1&cursor=" + first.Next)
	if len(second.Hits) != 1 || second.Hits[0].ID == first.Hits[0].ID || again.Hits[0].ID != second.Hits[0].ID {
		t.Errorf("page 2: %+v, again %+v (page 1 %s)", second.Hits, again.Hits, first.Hits[0].ID)
	}
}

func TestActionItems(t *testing.T) {
	e := newEnv(t)
	ins := seed(t, e)
	tests := []struct {
		query string
		want  int
	}{
		{"", 8},
		{"?status=Open", 6},
		{"?status=closed", 2},
		{"?priority=P1", 4},
		{"?owner=Sam%20Lee&severity=SEV-2", 2},
		{"?service=billing", 2},
		{"?overdue=true&as_of=2026-11-15", 2},
		{"?due_before=2026-11-13", 2},
		{"?incident=" + ins[1].ID + "&limit=1", 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := e.do(req{method: "GET", path: "/api/v1/action-items" + tt.query})
			var ai api.ActionItems
			res.json(t, &ai)
			if res.status != 200 || len(ai.ActionItems) != tt.want {
				t.Fatalf("%d: %d items, want %d: %s", res.status, len(ai.ActionItems), tt.want, res.body)
			}
		})
	}
	res := e.do(req{method: "GET", path: "/api/v1/incidents/" + ins[0].ID + "/action-items?status=Closed"})
	var ai api.ActionItems
	if res.json(t, &ai); res.status != http.StatusOK || len(ai.ActionItems) != 2 || ai.ActionItems[0].IncidentID != ins[0].ID {
		t.Fatalf("incident items: %s", res.body)
	}
}

func TestLint(t *testing.T) {
	e := newEnv(t)
	clean := sampleDoc("Lint me")
	tests := []struct {
		name     string
		header   map[string]string
		body     string
		rule     string // a rule that must be found ("" for none expected)
		wantLine bool
	}{
		{"template markdown", mdHeader, templateMarkdown(), "HS001", true},
		{"json document", jsonHeader, mustJSON(t, clean), "", false},
		{"json with wrong duration", jsonHeader, strings.Replace(mustJSON(t, clean), `"minutes":68`, `"minutes":99`, 1), "HS009", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do(req{method: "POST", path: "/api/v1/lint", header: tt.header, body: tt.body})
			var lr api.LintResult
			res.json(t, &lr)
			if res.status != 200 {
				t.Fatalf("%d %s", res.status, res.body)
			}
			if lr.Errors+lr.Warnings+lr.Infos != len(lr.Findings) {
				t.Errorf("counts %d+%d+%d for %d findings", lr.Errors, lr.Warnings, lr.Infos, len(lr.Findings))
			}
			if tt.rule == "" {
				return
			}
			for _, f := range lr.Findings {
				if f.Rule == tt.rule {
					if tt.wantLine && f.Line == 0 {
						t.Errorf("finding %+v has no line", f)
					}
					return
				}
			}
			t.Errorf("no %s finding in %s", tt.rule, res.body)
		})
	}
}

func TestMetaEndpoints(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/healthz", "/readyz", "/api/v1/openapi.json"} {
		res := e.do(req{method: "GET", path: path})
		if res.status != 200 || res.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s", path, res.status, res.header.Get("Content-Type"))
		}
	}
}
