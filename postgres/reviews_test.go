package postgres_test

import (
	"context"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/storetest"
)

// pair opens two stores on one new schema (two server instances).
func pair(t *testing.T, c storetest.Config) (hindsight.Store, hindsight.Store) {
	t.Helper()
	url, schema := freshSchema(t)
	var out [2]hindsight.Store
	for i := range out {
		s, err := postgres.Open(context.Background(), url, postgres.Options{Render: c.Render, Clock: c.Clock, MaxDocBytes: c.MaxDocBytes, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out[0], out[1]
}

func TestReviewsConformance(t *testing.T) {
	testURL(t)
	storetest.RunReviews(t, open, pair)
}
