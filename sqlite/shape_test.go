package sqlite_test

import (
	"database/sql"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/storetest"
)

func TestShapeConformance(t *testing.T) {
	storetest.RunShape(t, open, func(t *testing.T, s hindsight.Store, stmts ...string) {
		db, err := sql.Open("sqlite", s.(*sqlite.Store).Path()+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range stmts {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
}

func TestKeySpellingConformance(t *testing.T) {
	storetest.RunKeySpellings(t, pair)
}
