package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
)

// TestPoolSize: the pool's size comes from Options.MaxConns, else the URL's
// pool_max_conns, else DefaultMaxConns; and database/sql keeps the pool's
// connections idle between queries (so their prepared statements live)
// instead of giving each back after every query.
func TestPoolSize(t *testing.T) {
	url, schema := freshSchema(t)
	withParam := func(u, p string) string {
		if strings.Contains(u, "?") {
			return u + "&" + p
		}
		return u + "?" + p
	}
	for _, tc := range []struct {
		name string
		url  string
		max  int32
		want int
	}{
		{"default", url, 0, int(postgres.DefaultMaxConns())},
		{"url", withParam(url, "pool_max_conns=3"), 0, 3},
		{"option over url", withParam(url, "pool_max_conns=3"), 5, 5},
		{"option", url, 12, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := postgres.Open(context.Background(), tc.url, postgres.Options{Render: markdown.Render, Schema: schema, MaxConns: tc.max})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for range 20 {
				if _, _, err := s.FindIncidentVersion(t.Context(), hindsight.SystemViewer, "INC-20260101-001"); hindsight.ErrorCode(err) != hindsight.ENotFound {
					t.Fatalf("FindIncidentVersion: %v, want not found", err)
				}
			}
			st := s.PoolStats()["pool"]
			if st.MaxOpenConnections != tc.want {
				t.Errorf("MaxOpenConnections = %d, want %d", st.MaxOpenConnections, tc.want)
			}
			if st.Idle < 1 || st.MaxIdleClosed != 0 {
				t.Errorf("after 20 queries: %d idle connections, %d closed for want of idle room; want the connection kept idle", st.Idle, st.MaxIdleClosed)
			}
		})
	}
	if postgres.DefaultMaxConns() < 8 {
		t.Errorf("DefaultMaxConns() = %d, want at least 8", postgres.DefaultMaxConns())
	}
	_, err := postgres.Open(context.Background(), url, postgres.Options{Render: markdown.Render, Schema: schema, MaxConns: -1})
	if hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Errorf("MaxConns -1: %v, want invalid", err)
	}
}
