package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

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

// TestListenForChanges: an instance that listens (the default) remembers
// "which revision is latest" while it hears every commit, and forgets it
// when another instance's commit is notified; one opened with NoListen reads
// it from the database every time, so sees the other's commit at once.
func TestListenForChanges(t *testing.T) {
	url, schema := freshSchema(t)
	open := func(noListen bool) *postgres.Store {
		s, err := postgres.Open(context.Background(), url, postgres.Options{Render: markdown.Render, Schema: schema, NoListen: noListen})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	listening, strict, writer := open(false), open(true), open(true)
	in, err := writer.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: "listen", Status: hindsight.StatusDraft}, Author: "a"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*postgres.Store{listening, strict} {
		if rev, _, err := s.FindIncidentVersion(t.Context(), hindsight.SystemViewer, in.ID); err != nil || rev != 1 {
			t.Fatalf("revision %d, %v", rev, err)
		}
	}
	if _, err := writer.UpdateIncident(t.Context(), hindsight.IncidentUpdate{ID: in.ID, BaseRevision: 1, Doc: &hindsight.Postmortem{Title: "listen 2", Status: hindsight.StatusDraft}, Author: "b"}); err != nil {
		t.Fatal(err)
	}
	if rev, _, err := strict.FindIncidentVersion(t.Context(), hindsight.SystemViewer, in.ID); err != nil || rev != 2 {
		t.Errorf("NoListen: revision %d, %v; want 2 at once", rev, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rev, _, err := listening.FindIncidentVersion(t.Context(), hindsight.SystemViewer, in.ID)
		if err == nil && rev == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("listening: revision %d, %v; never heard of revision 2", rev, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
