package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/storetest"
	"github.com/jackc/pgx/v5"
)

// testURL returns HINDSIGHT_TEST_POSTGRES_URL, or skips the test.
func testURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("HINDSIGHT_TEST_POSTGRES_URL is not set: skipping PostgreSQL tests (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return u
}

// freshSchema creates a schema of its own for t and drops it at the end. It
// fails when the database is unreachable.
// schemaConn is a connection to url whose search_path is schema, closed
// when the test ends.
func schemaConn(t *testing.T, url, schema string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = schema
	conn, err := pgx.ConnectConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func freshSchema(t *testing.T) (url, schema string) {
	t.Helper()
	url = testURL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "hs_test_" + hex.EncodeToString(b[:])
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

func open(t *testing.T, c storetest.Config) hindsight.Store {
	t.Helper()
	url, schema := freshSchema(t)
	s, err := postgres.Open(context.Background(), url, postgres.Options{Render: c.Render, Clock: c.Clock, MaxDocBytes: c.MaxDocBytes, Schema: schema, SearchWindow: c.SearchWindow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	testURL(t)
	storetest.Run(t, open)
}

func TestConcurrentOpenersMigrateOnce(t *testing.T) {
	url, schema := freshSchema(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]*postgres.Store, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = postgres.Open(t.Context(), url, postgres.Options{Render: markdown.Render, Schema: schema})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("opener %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	// each migration was recorded exactly once
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	rows, err := conn.Query(t.Context(), "SELECT version_id, count(*) FROM "+schema+".goose_db_version WHERE version_id > 0 GROUP BY version_id ORDER BY version_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	versions := 0
	for rows.Next() {
		var v, c int64
		if err := rows.Scan(&v, &c); err != nil {
			t.Fatal(err)
		}
		if c != 1 {
			t.Errorf("migration %d recorded %d times", v, c)
		}
		versions++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if versions < 2 {
		t.Errorf("%d migrations recorded, want 2 or more", versions)
	}
	if _, err := stores[0].CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: "t"}}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	cases := []struct {
		name string
		url  string
		code hindsight.Code
	}{
		{"BadURL", "postgres://%zz", hindsight.EInvalid},
		{"Unreachable", "postgres://nobody:secret@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", hindsight.EUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := postgres.Open(t.Context(), c.url, postgres.Options{Render: markdown.Render})
			if err == nil {
				s.Close()
			}
			if got := hindsight.ErrorCode(err); got != c.code {
				t.Errorf("code %q (%v), want %q", got, err, c.code)
			}
			if err != nil && contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestAuditAndOutbox(t *testing.T) {
	url, schema := freshSchema(t)
	opener := func(t *testing.T, c storetest.Config) hindsight.Store {
		s, err := postgres.Open(t.Context(), url, postgres.Options{Render: c.Render, Clock: c.Clock, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	storetest.RunSideTables(t, opener, func(t *testing.T, _ hindsight.Store, table, id string) int {
		conn, err := pgx.Connect(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		var n int
		if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM `+schema+`.`+table+` WHERE incident_id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}

// TestWriteProbe: the readiness check's write probe commits on a healthy
// database, again and again (it keeps one row).
func TestWriteProbe(t *testing.T) {
	testURL(t)
	s := open(t, storetest.Config{Render: markdown.Render}).(*postgres.Store)
	for range 3 {
		if err := s.WriteProbe(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}
