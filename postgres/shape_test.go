package postgres_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/storetest"
	"github.com/jackc/pgx/v5"
)

func TestShapeConformance(t *testing.T) {
	testURL(t)
	schemas := map[hindsight.Store]string{}
	var url string
	opener := func(t *testing.T, c storetest.Config) hindsight.Store {
		u, schema := freshSchema(t)
		url = u
		s, err := postgres.Open(t.Context(), u, postgres.Options{Render: c.Render, Clock: c.Clock, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		schemas[s] = schema
		return s
	}
	storetest.RunShape(t, opener, func(t *testing.T, s hindsight.Store, stmts ...string) {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuntimeParams["search_path"] = schemas[s]
		conn, err := pgx.ConnectConfig(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		for _, q := range stmts {
			if _, err := conn.Exec(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
}

func TestKeySpellingConformance(t *testing.T) {
	testURL(t)
	storetest.RunKeySpellings(t, pair)
}
