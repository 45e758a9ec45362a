package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/webhook"
)

// TestWebhookPagePauseAndDeleteCount: the page shows a webhook's pending
// deliveries, a disabled one as paused with its deliveries kept, and the
// delete confirmation names how many pending deliveries it discards.
func TestWebhookPagePauseAndDeleteCount(t *testing.T) {
	e := newShellEnv(t)
	ctx := context.Background()
	admin := []string{"X-User", "ann", "X-Admin", "1"}
	u, events := "https://hooks.example.com/q", []string{"*"}
	s, err := e.wh.Create(ctx, webhook.Input{URL: &u, Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"queued one", "queued two"} {
		if _, err := e.st.CreateIncident(ctx, hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: title}, Author: "t",
			Outbox: []hindsight.OutboxEvent{{Event: hindsight.EventIncidentCreated, Payload: []byte(`{}`)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := e.st.FanOutOutbox(ctx, followNow, time.Hour, 100); err != nil || n != 2 {
		t.Fatalf("fan-out: %d %v", n, err)
	}
	st, body, _ := e.do(t, "GET", "/admin/webhooks", nil, admin...)
	if st != 200 || !strings.Contains(body, "2 pending") || !strings.Contains(body, "Delete webhook "+itoa(s.ID)+" and discard its 2 pending deliveries") {
		t.Fatalf("page does not show the pending count in the delete confirmation: %d\n%s", st, body)
	}
	if st, _, _ := e.do(t, "POST", "/admin/webhooks/"+itoa(s.ID)+"/toggle", url.Values{}, admin...); st != 303 {
		t.Fatalf("toggle: %d", st)
	}
	_, body, _ = e.do(t, "GET", "/admin/webhooks", nil, admin...)
	if !strings.Contains(body, ">paused<") || !strings.Contains(body, "2 pending") {
		t.Fatalf("a disabled webhook is not shown paused with its deliveries kept:\n%s", body)
	}
	if st, _, _ := e.do(t, "POST", "/admin/webhooks/"+itoa(s.ID)+"/delete", url.Values{}, admin...); st != 303 {
		t.Fatalf("delete: %d", st)
	}
	if ds, _ := e.wh.Deliveries(ctx, hindsight.DeliveryFilter{}); len(ds) != 0 {
		t.Fatalf("%d deliveries left after the delete", len(ds))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
