package alerting_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/jackc/pgx/v5"
)

// openPostgres opens a store in a fresh schema of the database at
// HINDSIGHT_TEST_POSTGRES_URL (skipping without it, failing when it is set
// but unreachable) and drops the schema at the end.
func openPostgres(t *testing.T, clock func() time.Time) alertStore {
	t.Helper()
	url := os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("HINDSIGHT_TEST_POSTGRES_URL is not set: skipping PostgreSQL tests")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "hs_alerting_" + hex.EncodeToString(b[:])
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
		if c, err := pgx.Connect(ctx, url); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	st, err := postgres.Open(context.Background(), url, postgres.Options{Render: markdown.Render, Clock: clock, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestPostgres runs the receivers' main paths on PostgreSQL.
func TestPostgres(t *testing.T) {
	t.Run("AlertmanagerLifecycle", func(t *testing.T) { alertmanagerLifecycle(t, newEnvWith(t, openPostgres)) })
	t.Run("PagerDutyLifecycle", func(t *testing.T) { pagerDutyLifecycle(t, newEnvWith(t, openPostgres)) })
	t.Run("ConcurrentDuplicateDeliveries", func(t *testing.T) { concurrentDuplicates(t, newEnvWith(t, openPostgres)) })
	t.Run("ImportChat", func(t *testing.T) { importChat(t, newEnvWith(t, openPostgres)) })
	// TestCrashRecovery, TestBurstOneGroup and TestSeveralAppliers have
	// PostgreSQL subtests of their own.
}
