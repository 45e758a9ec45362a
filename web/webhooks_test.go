package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
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

// TestWebhookPageStaleForms: two admins have the webhooks page open; the
// first deletes a webhook, the second (on the stale page) then presses its
// Disable, Delete or a delivery's Redeliver. Each is sent back to the page
// with a message saying the webhook or delivery does not exist, never a
// dead-end 404 page.
func TestWebhookPageStaleForms(t *testing.T) {
	e := newShellEnv(t)
	ctx := context.Background()
	admin := []string{"X-User", "ann", "X-Admin", "1"}
	u, events := "https://hooks.example.com/stale", []string{"*"}
	s, err := e.wh.Create(ctx, webhook.Input{URL: &u, Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.CreateIncident(ctx, hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: "queued"}, Author: "t",
		Outbox: []hindsight.OutboxEvent{{Event: hindsight.EventIncidentCreated, Payload: []byte(`{}`)}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.st.FanOutOutbox(ctx, followNow, time.Hour, 100); err != nil || n != 1 {
		t.Fatalf("fan-out: %d %v", n, err)
	}
	ds, err := e.wh.Deliveries(ctx, hindsight.DeliveryFilter{})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries: %d %v", len(ds), err)
	}
	id := itoa(s.ID)
	if st, _, _ := e.do(t, "POST", "/admin/webhooks/"+id+"/delete", url.Values{}, admin...); st != 303 {
		t.Fatalf("the first admin's delete: %d", st)
	}
	for _, c := range []struct{ path, kind, want string }{
		{"/admin/webhooks/" + id + "/toggle?", "error", "Webhook " + id + " not disabled: it does not exist (another administrator may have deleted it)."},
		{"/admin/webhooks/" + id + "/delete", "error", "Webhook " + id + " not deleted: it does not exist (another administrator may have deleted it)."},
		{"/admin/webhook-deliveries/" + itoa(ds[0].ID) + "/redeliver", "error", "Delivery " + itoa(ds[0].ID) + " not queued again: it does not exist (deleting a webhook deletes its deliveries)."},
	} {
		form := url.Values{}
		if strings.HasSuffix(c.path, "?") {
			c.path = strings.TrimSuffix(c.path, "?")
			form.Set("active", "0")
		}
		st, body, h := e.do(t, "POST", c.path, form, admin...)
		if st != 303 || h.Get("Location") != "/admin/webhooks" {
			t.Errorf("POST %s on a deleted webhook answers %d (Location %q), want 303 to /admin/webhooks:\n%.300s", c.path, st, h.Get("Location"), body)
			continue
		}
		if got := flashOf(t, h); got != c.kind+": "+c.want {
			t.Errorf("POST %s says %q, want %q", c.path, got, c.kind+": "+c.want)
		}
	}
}

// flashOf reads the flash message a redirect sets ("ok: ..." or "error: ...").
func flashOf(t *testing.T, h http.Header) string {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name != "hindsight_flash" {
			continue
		}
		kind, enc, _ := strings.Cut(c.Value, ".")
		msg, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil {
			t.Fatalf("flash cookie %q: %v", c.Value, err)
		}
		return kind + ": " + string(msg)
	}
	return ""
}
