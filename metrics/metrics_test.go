package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/metrics"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// openStore opens a SQLite store in a temporary file whose clock stands at
// now.
func openStore(t *testing.T, now time.Time) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), sqlite.Options{Render: markdown.Render, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestMetrics(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	st := openStore(t, now)
	due, _ := hindsight.ParseDate("2026-01-01")
	for i, sev := range []hindsight.Severity{hindsight.Sev1, hindsight.Sev1, hindsight.Sev3} {
		p := &hindsight.Postmortem{Title: "x", Status: hindsight.StatusDraft}
		p.Summary.Severity = sev
		if i == 0 {
			p.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Status: hindsight.ItemOpen, TargetDate: due}, {ID: "AI-002", Status: hindsight.ItemOpen}, {ID: "AI-003", Status: hindsight.ItemClosed}}
		}
		if _, err := st.CreateIncident(context.Background(), hindsight.IncidentCreate{Doc: p, Restricted: i == 2}); err != nil {
			t.Fatal(err)
		}
	}
	m := metrics.New(metrics.Options{Store: st, Pools: st.PoolStats, Now: func() time.Time { return now }})
	rt := m.Route()
	if rt.Pattern != "GET /metrics" || rt.Access != httpx.Read {
		t.Errorf("route = %q %v", rt.Pattern, rt.Access)
	}
	routes := m.Wrap([]httpx.Route{{Pattern: "GET /teapot", Name: "teapot", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})}, rt})
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.Handle(r.Pattern, r.Handler)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for range 2 {
		resp, err := http.Get(srv.URL + "/teapot")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	for _, want := range []string{
		`hindsight_incidents{severity="SEV-1",status="Draft"} 2`,
		`hindsight_incidents{severity="SEV-3",status="Draft"} 1`,
		`hindsight_action_items_open 2`,
		`hindsight_action_items_overdue 1`,
		`hindsight_store_scrape_error 0`,
		`hindsight_http_requests_total{code="418",method="GET",route="teapot"} 2`,
		`hindsight_http_request_duration_seconds_count{method="GET",route="teapot"} 2`,
		`hindsight_db_max_open_connections{pool="writer"} 1`,
		`hindsight_db_open_connections{pool="reader"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

// TestAlertInboxFigures: the inbox figures on /metrics are the real inbox
// of a SQLite store, and a failing query shows as a scrape error.
func TestAlertInboxFigures(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	st := openStore(t, now)
	scrape := func(o metrics.Options) string {
		t.Helper()
		o.Now, o.Public = func() time.Time { return now }, true
		srv := httptest.NewServer(metrics.New(o).Handler())
		defer srv.Close()
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	inbox := func(ctx context.Context) (hindsight.AlertInboxStats, error) { return st.AlertInboxStats(ctx, now) }
	body := scrape(metrics.Options{AlertInbox: inbox})
	for _, want := range []string{"hindsight_alert_inbox_entries 0", "hindsight_alert_inbox_events 0", "hindsight_alert_inbox_oldest_age_seconds 0", "hindsight_alert_inbox_scrape_error 0"} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("empty inbox: no %q in\n%s", want, body)
		}
	}
	for i, keys := range [][]string{{"a", "b"}, {"c"}} {
		e := hindsight.AlertInboxEntry{Source: "alertmanager", Group: "g", Delivery: fmt.Sprint("d", i), ReceivedAt: now.Add(-time.Duration(90-60*i) * time.Second)}
		if _, err := st.EnqueueAlert(context.Background(), e, keys, func([]string) ([]byte, error) { return []byte("{}"), nil }); err != nil {
			t.Fatal(err)
		}
	}
	body = scrape(metrics.Options{AlertInbox: inbox})
	for _, want := range []string{"hindsight_alert_inbox_entries 2", "hindsight_alert_inbox_events 3", "hindsight_alert_inbox_claimed_entries 0", "hindsight_alert_inbox_oldest_age_seconds 90"} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("two deliveries: no %q in\n%s", want, body)
		}
	}
	body = scrape(metrics.Options{AlertInbox: func(context.Context) (hindsight.AlertInboxStats, error) {
		return hindsight.AlertInboxStats{}, fmt.Errorf("database is locked")
	}})
	if !strings.Contains(body, "hindsight_alert_inbox_scrape_error 1\n") || strings.Contains(body, "hindsight_alert_inbox_entries") {
		t.Errorf("failing query: want only the scrape error, got\n%s", body)
	}
}
