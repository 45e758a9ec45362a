package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/storetest"
)

// pair opens two stores on one database file (two server processes).
func pair(t *testing.T, c storetest.Config) (hindsight.Store, hindsight.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hindsight.db")
	var out [2]hindsight.Store
	for i := range out {
		s, err := sqlite.Open(context.Background(), path, sqlite.Options{Render: c.Render, Clock: c.Clock, MaxDocBytes: c.MaxDocBytes})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out[0], out[1]
}

func TestReviewsConformance(t *testing.T) {
	storetest.RunReviews(t, open, pair)
}
