package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/jackc/pgx/v5"
)

// TestPostgresSmoke runs the incident lifecycle and the lists through the
// API over PostgreSQL (HINDSIGHT_TEST_POSTGRES_URL), in a schema of its own.
func TestPostgresSmoke(t *testing.T) {
	url := os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("HINDSIGHT_TEST_POSTGRES_URL is not set: skipping the PostgreSQL smoke test (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("HINDSIGHT_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "hs_api_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	st, err := postgres.Open(ctx, url, postgres.Options{Render: app.Render, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnvWith(t, app.New(st, app.Options{Now: func() time.Time { return clock }}), api.Options{})
	lifecycle(t, e)
	seed(t, e)
	res := e.do(req{method: "GET", path: "/api/v1/incidents?severity=SEV-2&order=asc"})
	var page struct {
		Incidents []struct{ Title string } `json:"incidents"`
	}
	if res.json(t, &page); res.status != 200 || len(page.Incidents) != 2 || page.Incidents[0].Title != "Partner API certificate expiry" {
		t.Fatalf("list: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "GET", path: "/api/v1/search?q=certificate"})
	var sr api.SearchResult
	if res.json(t, &sr); res.status != 200 || len(sr.Hits) != 1 {
		t.Fatalf("search: %d %s", res.status, res.body)
	}
}
