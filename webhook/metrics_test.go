package webhook_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/webhook"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// TestQueueMetrics: /metrics shows each webhook's pending deliveries, the
// oldest one's age and whether it is enabled, and this process's attempts
// by outcome, labelled by webhook ID and never by URL.
func TestQueueMetrics(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	failing := newReceiver(t, "k", clk, 1000)
	ok := newReceiver(t, "k", clk, 0)
	a := subscribe(t, w, failing.srv.URL+"/token-in-path", "k", "json", hindsight.EventIncidentCreated)
	b := subscribe(t, w, ok.srv.URL, "k", "json", hindsight.EventIncidentCreated)
	off := false
	paused := subscribe(t, w, ok.srv.URL+"/paused", "k", "json", hindsight.EventIncidentCreated)
	if _, err := w.Update(ctx, paused.ID, webhook.Input{Active: &off}); err != nil {
		t.Fatal(err)
	}
	openIncident(t, st, clk, false)
	if _, err := w.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Add(90 * time.Second)
	reg := prometheus.NewRegistry()
	reg.MustRegister(w.Collector())
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	id := func(s *hindsight.WebhookSubscription) string { return itoa(s.ID) }
	for _, want := range []string{
		`hindsight_webhook_pending_deliveries{webhook="` + id(a) + `"} 1`,
		`hindsight_webhook_pending_deliveries{webhook="` + id(b) + `"} 0`,
		`hindsight_webhook_pending_deliveries{webhook="` + id(paused) + `"} 1`,
		`hindsight_webhook_oldest_pending_age_seconds{webhook="` + id(a) + `"} 90`,
		`hindsight_webhook_oldest_pending_age_seconds{webhook="` + id(b) + `"} 0`,
		`hindsight_webhook_active{webhook="` + id(paused) + `"} 0`,
		`hindsight_webhook_active{webhook="` + id(a) + `"} 1`,
		`hindsight_webhook_attempts_total{outcome="retry",webhook="` + id(a) + `"} 1`,
		`hindsight_webhook_attempts_total{outcome="delivered",webhook="` + id(b) + `"} 1`,
		"hindsight_webhook_scrape_error 0",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "token-in-path") || strings.Contains(body, "127.0.0.1") {
		t.Errorf("/metrics shows a webhook URL:\n%s", body)
	}
}
