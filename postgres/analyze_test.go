package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
)

// TestAnalyze: Store.Analyze (run by hindsight import after a bulk import)
// gives every table of the store's schema planner statistics, and no table
// of another schema.
func TestAnalyze(t *testing.T) {
	url, schema := freshSchema(t)
	_, other := freshSchema(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE "+other+".bystander (n int)"); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(ctx, url, postgres.Options{Render: markdown.Render, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: "analyzed"}, Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	var tables, analyzed, others int
	err = conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE last_analyze IS NOT NULL) FROM pg_stat_user_tables WHERE schemaname = $1`, schema).Scan(&tables, &analyzed)
	if err != nil {
		t.Fatal(err)
	}
	if tables < 20 || analyzed != tables {
		t.Errorf("%d of the schema's %d tables analyzed, want all (at least 20)", analyzed, tables)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = $1 AND last_analyze IS NOT NULL`, other).Scan(&others); err != nil {
		t.Fatal(err)
	}
	if others != 0 {
		t.Errorf("%d tables of another schema analyzed", others)
	}
}
