package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/jackc/pgx/v5"
)

// TestMailLateCommit: an outbox event whose transaction commits after a
// later event was read by the mail consumer (its ID is below the cursor)
// is still queued, once: the consumer remembers the gap and looks again.
func TestMailLateCommit(t *testing.T) {
	url, schema := freshSchema(t)
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, postgres.Options{Render: markdown.Render, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	notify := func(ev hindsight.MailEvent) []string {
		var p struct{ Notify []string }
		_ = json.Unmarshal(ev.Payload, &p)
		return p.Notify
	}
	consume := func() int {
		n, err := s.ConsumeMailEvents(ctx, hindsight.MailConsume{Now: time.Now(), RetryFor: time.Hour, Recipients: notify})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	insert := `INSERT INTO ` + schema + `.outbox (at, incident_id, event, payload) VALUES (now(), 'INC-20261201-001', 'comment.created', $1)`
	// the slow transaction takes its ID first and commits last
	slow, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := slow.Exec(ctx, insert, []byte(`{"notify":["usr_late"]}`)); err != nil {
		t.Fatal(err)
	}
	conn2, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close(ctx)
	if _, err := conn2.Exec(ctx, insert, []byte(`{"notify":["usr_early"]}`)); err != nil {
		t.Fatal(err)
	}
	if n := consume(); n != 1 {
		t.Fatalf("first pass read %d events, want the committed one", n)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := consume(); n != 1 {
		t.Fatalf("after the late commit read %d events, want it", n)
	}
	if n := consume(); n != 0 {
		t.Fatalf("a third pass read %d events, want none", n)
	}
	ms, err := s.FindMail(ctx, hindsight.MailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range ms {
		got[m.AccountID]++
	}
	if len(ms) != 2 || got["usr_late"] != 1 || got["usr_early"] != 1 {
		t.Fatalf("queued %v, want one message each", got)
	}
}
