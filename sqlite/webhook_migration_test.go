package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestMigrationRevivesDeliveriesFailedByDisable: migration 00091 makes the
// deliveries that earlier versions failed only because their webhook was
// disabled pending again (paused), for webhooks still disabled; enabling
// the webhook then resumes them. Other failed deliveries stay failed.
func TestMigrationRevivesDeliveriesFailedByDisable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{Render: markdown.Render})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	off := &hindsight.WebhookSubscription{URL: "https://hooks.example.com/off", Events: []string{"*"}, Format: "json", Active: false}
	on := &hindsight.WebhookSubscription{URL: "https://hooks.example.com/on", Events: []string{"*"}, Format: "json", Active: true}
	for _, w := range []*hindsight.WebhookSubscription{off, on} {
		if err := st.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.CreateIncident(ctx, hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: "old"}, Author: "t",
		Outbox: []hindsight.OutboxEvent{{Event: hindsight.EventIncidentCreated, Payload: []byte(`{}`)}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.FanOutOutbox(ctx, time.Now(), time.Hour, 10); err != nil || n != 1 {
		t.Fatalf("fan-out: %d %v", n, err)
	}
	// what an earlier version left: both failed, one because it was disabled
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,
last_error = CASE WHEN subscription_id = ? THEN 'the subscription is disabled' ELSE 'HTTP 500 Internal Server Error' END`, off.ID); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("migrations", "00091_webhook_paused_deliveries.sql"))
	if err != nil {
		t.Fatal(err)
	}
	up := string(src)
	up = up[strings.Index(up, "-- +goose Up")+len("-- +goose Up") : strings.Index(up, "-- +goose Down")]
	if _, err := db.Exec(up); err != nil {
		t.Fatalf("00091 up: %v", err)
	}
	for _, tc := range []struct {
		sub  int64
		want string
	}{{off.ID, hindsight.DeliveryPending}, {on.ID, hindsight.DeliveryFailed}} {
		ds, err := st.FindDeliveries(ctx, hindsight.DeliveryFilter{SubscriptionID: tc.sub})
		if err != nil || len(ds) != 1 || ds[0].Status != tc.want {
			t.Fatalf("webhook %d after 00091: %+v %v; want one %s", tc.sub, ds, err, tc.want)
		}
	}
	off.Active = true
	if err := st.UpdateWebhook(ctx, off); err != nil {
		t.Fatal(err)
	}
	if ds, err := st.ClaimDeliveries(ctx, hindsight.DeliveryClaim{Subscription: off.ID, Now: time.Now(), Lease: time.Minute}); err != nil || len(ds) != 1 {
		t.Fatalf("claim after enabling: %d %v; want the revived delivery", len(ds), err)
	}
}
