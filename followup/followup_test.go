package followup_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/followup"
	"github.com/hindsight-pm/hindsight/sqlite"
)

var now = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

type env struct {
	srv  *httptest.Server
	st   *sqlite.Store
	svc  *app.Service
	a, b string // incident IDs: a (public), b (restricted to bob)
}

// newEnv serves the follow-up routes over a real SQLite store. The
// request header X-User picks the viewer: "" anonymous, "bob" a member of
// b.
func newEnv(t *testing.T) *env {
	t.Helper()
	clock := func() time.Time { return now }
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := app.New(st, app.Options{Now: clock})
	h, err := followup.New(svc, st, followup.Options{Actor: func(r *http.Request) app.Actor {
		u := r.Header.Get("X-User")
		return app.Actor{ID: u, Name: u, Viewer: hindsight.Viewer{UserID: u}}
	}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, rt := range h.Routes() {
		if rt.Name == "" || rt.Handler == nil {
			t.Fatalf("route %q has no name or handler", rt.Pattern)
		}
		mux.Handle(rt.Pattern, rt.Handler)
	}
	e := &env{srv: httptest.NewServer(mux), st: st, svc: svc}
	t.Cleanup(e.srv.Close)
	mk := func(title, start string, restricted bool, items ...hindsight.ActionItem) string {
		p := &hindsight.Postmortem{Title: title, Status: hindsight.StatusDraft}
		p.Summary.Start, _ = hindsight.ParseTime(start)
		p.Summary.End = hindsight.TimeOf(p.Summary.Start.T.Add(2 * time.Hour))
		p.Detection.DetectionTime = hindsight.TimeOf(p.Summary.Start.T.Add(10 * time.Minute))
		p.Detection.DetectedBy = "Monitoring"
		p.Summary.Severity = hindsight.Sev2
		p.Summary.Services = []hindsight.Service{{Name: "checkout"}}
		p.ActionItems = items
		c := hindsight.IncidentCreate{Doc: p, Author: "t", Restricted: restricted}
		if restricted {
			c.Members = []string{"bob"}
		}
		inc, err := st.CreateIncident(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	due, _ := hindsight.ParseDate("2026-06-01")
	e.a = mk("Checkout <errors>", "2026-05-01 10:00", false,
		hindsight.ActionItem{ID: "AI-001", Action: "=add alert", Owner: "alice", Priority: hindsight.P0, TargetDate: due, Status: hindsight.ItemOpen},
		hindsight.ActionItem{ID: "AI-002", Action: "Write runbook", Owner: "carol", Priority: hindsight.P2, Status: hindsight.ItemOpen})
	e.b = mk("Secret outage", "2026-07-01 10:00", true,
		hindsight.ActionItem{ID: "AI-001", Action: "Secret fix", Owner: "alice", Priority: hindsight.P1, Status: hindsight.ItemOpen})
	return e
}

func (e *env) do(t *testing.T, method, path, user string, form url.Values, hx bool) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.Header.Set("X-User", user)
	}
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestAPI(t *testing.T) {
	e := newEnv(t)
	st, body, _ := e.do(t, "GET", "/api/v1/insights?from=2026-01-01&to=2026-12-31", "bob", nil, false)
	if st != 200 {
		t.Fatalf("insights: %d %s", st, body)
	}
	var in hindsight.Insights
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if in.Incidents != 2 || in.TimeToDetect.N != 2 || in.TimeToDetect.Median != 10 || in.ActionItems.Total != 3 {
		t.Errorf("insights = %+v", in)
	}
	// to=9999-12-31, the last date, is no end (it was a 500: the
	// filter's JSON held year 10000; found by QA10)
	for _, q := range []string{"from=2026-01-01&to=9999-12-31", "to=9999-12-31", "from=2026-01-01&to=9999-12-30"} {
		st, body, _ := e.do(t, "GET", "/api/v1/insights?"+q, "bob", nil, false)
		var late hindsight.Insights
		if st != 200 || json.Unmarshal([]byte(body), &late) != nil || late.Incidents != in.Incidents || late.ActionItems.Total != in.ActionItems.Total {
			t.Errorf("insights?%s: %d %.300s; want the figures of 2026 (%d incidents)", q, st, body, in.Incidents)
		}
	}
	st, body, _ = e.do(t, "GET", "/api/v1/insights?severity=SEV-9", "", nil, false)
	if st != 400 || !strings.Contains(body, `"field":"severity"`) {
		t.Errorf("bad severity: %d %s", st, body)
	}
	st, body, _ = e.do(t, "GET", "/api/v1/insights?format=csv&from=2026-01-01&to=2026-12-31", "", nil, false)
	if st != 200 || !strings.Contains(body, "time_to_detect,,median_minutes,10") {
		t.Errorf("insights CSV: %d %s", st, body)
	}
	st, body, _ = e.do(t, "GET", "/api/v1/action-items/tracker?owner=alice", "bob", nil, false)
	var page hindsight.ActionItemPage
	if err := json.Unmarshal([]byte(body), &page); err != nil || st != 200 {
		t.Fatalf("tracker: %d %v %s", st, err, body)
	}
	if page.Total != 2 || page.Items[0].Objective.String() != "2026-05-15" {
		t.Errorf("tracker = %+v", page)
	}
	st, body, hdr := e.do(t, "GET", "/api/v1/action-items/tracker?format=csv", "", nil, false)
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if st != 200 || err != nil || len(recs) != 3 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %v %q", st, err, recs)
	}
	if recs[1][6] != "'=add alert" {
		t.Errorf("CSV action cell = %q, want a defused formula", recs[1][6])
	}
	st, body, _ = e.do(t, "GET", "/api/v1/action-items/owners", "", nil, false)
	if st != 200 || !strings.Contains(body, `"owner":"alice"`) || !strings.Contains(body, `"owner":"carol"`) {
		t.Errorf("owners: %d %s", st, body)
	}
	st, body, _ = e.do(t, "GET", "/api/v1/incidents/"+e.b+"/related", "bob", nil, false)
	if st != 200 || !strings.Contains(body, `"recurrences":[]`) || !strings.Contains(body, e.a) {
		t.Errorf("related: %d %s", st, body)
	}
	st, _, _ = e.do(t, "GET", "/api/v1/incidents/"+e.b+"/related", "", nil, false)
	if st != 404 {
		t.Errorf("related of hidden: %d", st)
	}
}

// TestTrackerCursor pages the tracker API through its cursors (limit 1):
// every item the viewer may see once, a restricted incident's only to its
// member; a cursor with an offset, or a bad one, is 400 naming cursor.
func TestTrackerCursor(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		user string
		want int
	}{{"", 2}, {"bob", 3}} {
		var got []string
		path := "/api/v1/action-items/tracker?limit=1"
		for range 5 {
			st, body, _ := e.do(t, "GET", path, tc.user, nil, false)
			var page hindsight.ActionItemPage
			if err := json.Unmarshal([]byte(body), &page); err != nil || st != 200 {
				t.Fatalf("%s: %d %v %s", path, st, err, body)
			}
			for _, it := range page.Items {
				got = append(got, it.IncidentID+":"+it.ID)
			}
			if page.Next == "" {
				break
			}
			path = "/api/v1/action-items/tracker?limit=1&cursor=" + url.QueryEscape(page.Next)
		}
		if len(got) != tc.want || len(got) != len(slices.Compact(slices.Sorted(slices.Values(got)))) {
			t.Errorf("viewer %q: pages %v, want %d items once each", tc.user, got, tc.want)
		}
		if tc.user == "" && slices.Contains(got, e.b+":AI-001") {
			t.Errorf("the restricted incident's item paged to an anonymous viewer")
		}
	}
	for _, q := range []string{"cursor=abc&offset=2", "cursor=!!"} {
		st, body, _ := e.do(t, "GET", "/api/v1/action-items/tracker?"+q, "", nil, false)
		if st != 400 || !strings.Contains(body, `"field":"cursor"`) {
			t.Errorf("%s: %d %s, want 400 naming cursor", q, st, body)
		}
	}
}
