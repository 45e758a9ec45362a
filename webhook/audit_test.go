package webhook_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/webhook"
)

// TestAuditTrail: adding, changing and deleting a subscription (where
// incident data is posted) is in the audit log with the admin who did it,
// their address and the receiver's host, and never the secret nor the
// rest of the URL (a Slack incoming webhook's URL is its credential).
func TestAuditTrail(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	st := openStore(t, filepath.Join(t.TempDir(), "hs.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	ctx := app.WithActor(context.Background(), app.Actor{ID: "usr_ann", Name: "ann@example.com", Address: "203.0.113.9"})
	u, events, format, secret := "https://hooks.slack.example/services/T0001/B0002/credentialpart", []string{"incident.created"}, "slack", "a signing secret 123"
	s, err := w.Create(ctx, webhook.Input{URL: &u, Events: &events, Format: &format, Secret: &secret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.SetActive(ctx, s.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Update(ctx, s.ID, webhook.Input{RotateSecret: true}); err != nil {
		t.Fatal(err)
	}
	// the CLI's changes are the system's
	if _, err := w.Remove(context.Background(), s.ID); err != nil {
		t.Fatal(err)
	}
	got, err := st.FindAudit(context.Background(), hindsight.AuditFilter{Action: "webhook."})
	if err != nil {
		t.Fatal(err)
	}
	target := "webhook:" + itoa(s.ID)
	want := []hindsight.AuditEntry{ // newest first
		{Actor: "system", Action: "webhook.delete", Target: target, Detail: "was to hooks.slack.example; 0 pending deliveries discarded"},
		{Actor: "usr_ann", Action: "webhook.update", Target: target, Address: "203.0.113.9", Detail: "new secret"},
		{Actor: "usr_ann", Action: "webhook.update", Target: target, Address: "203.0.113.9", Detail: "disabled"},
		{Actor: "usr_ann", Action: "webhook.create", Target: target, Address: "203.0.113.9", Detail: "to hooks.slack.example, slack, active, events incident.created"},
	}
	if len(got) != len(want) {
		t.Fatalf("audit log has %d webhook entries, want %d: %+v", len(got), len(want), got)
	}
	for i, e := range got {
		x := want[i]
		if e.Actor != x.Actor || e.Action != x.Action || e.Target != x.Target || e.Address != x.Address || e.Detail != x.Detail {
			t.Errorf("entry %d: %s %s %s %s %q, want %s %s %s %s %q", i, e.Actor, e.Action, e.Target, e.Address, e.Detail, x.Actor, x.Action, x.Target, x.Address, x.Detail)
		}
		for _, secretPart := range []string{"credentialpart", secret, s.Secret} {
			if strings.Contains(e.Detail, secretPart) {
				t.Errorf("entry %d holds a secret: %q", i, e.Detail)
			}
		}
	}
}
