package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/mailtest"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/jackc/pgx/v5"
)

// pgSchema makes a schema of its own for t on HINDSIGHT_TEST_POSTGRES_URL
// (the test skips without it) and drops it at the end.
func pgSchema(t *testing.T) (url, schema string) {
	t.Helper()
	url = os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("HINDSIGHT_TEST_POSTGRES_URL is not set: skipping PostgreSQL tests (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "hs_mail_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("HINDSIGHT_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return url, schema
}

// TestTwoWorkersSendOnce: two processes (two stores on one PostgreSQL,
// each with its own mailer) working at once send every message exactly
// once, digests included.
func TestTwoWorkersSendOnce(t *testing.T) {
	url, schema := pgSchema(t)
	mp := mailtest.StartMailpit(t)
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	var stores []*postgres.Store
	var mailers []*Mailer
	for range 2 {
		st, err := postgres.Open(t.Context(), url, postgres.Options{Render: markdown.Render, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores = append(stores, st)
		mailers = append(mailers, newMailer(t, st, mp.SMTPURL, clk))
	}
	st := stores[0]
	const accounts = 12
	var ids []string
	for i := range accounts {
		u := addUser(t, st, fmt.Sprintf("usr_%02d", i), fmt.Sprintf("User %d", i))
		ids = append(ids, u.ID)
	}
	// two accounts on the digest
	for _, id := range ids[:2] {
		if _, err := mailers[0].SetPreference(t.Context(), id, hindsight.MailDigest, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	const incidents = 3
	for i := range incidents {
		inc := incident(t, st, fmt.Sprintf("Incident %d", i), false, nil)
		queue(t, stores[i%2], inc, ev("review.requested", inc, ids, nil))
	}
	run := func() {
		var wg sync.WaitGroup
		for _, m := range mailers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					if _, err := m.Tick(context.Background()); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	}
	run()
	clk.Set(time.Date(2026, 12, 2, 8, 1, 0, 0, time.UTC))
	run()
	want := (accounts-2)*incidents + 2
	mp.Wait(t, want, 60*time.Second)
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive now
	msgs := mp.Messages(t)
	if len(msgs) != want {
		t.Fatalf("mailpit got %d messages, want %d (each once)", len(msgs), want)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		k := m.To[0].Address + " " + m.Subject
		if seen[k] {
			t.Fatalf("sent twice: %s", k)
		}
		seen[k] = true
	}
	for _, id := range ids[:2] {
		if got := mailtest.To(msgs, id+"@example.com"); len(got) != 1 || got[0].Subject != "[Hindsight] Your daily digest: 3 notifications" {
			t.Fatalf("%s got %d messages, want one digest of 3", id, len(got))
		}
	}
	counts, err := st.CountMail(t.Context())
	if err != nil || counts[hindsight.MailSent] != want || counts[hindsight.MailPending] != 0 {
		t.Fatalf("counts %v, %v; want %d sent", counts, err, want)
	}
}
