package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/followup"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/tracker"
	"github.com/hindsight-pm/hindsight/web"
)

// BenchmarkTrackerPage measures what the action item tracker's ticket
// column costs (withTrackers: the page's incidents' tracker state from the
// store, FindItemTrackers; before, each incident's document read whole):
// GET /action-items?status=any (50 items of about 15 incidents) over 200
// generated incidents on a real SQLite file, served by
// a service without a tracker ("none", the page as before) and by one with
// a GitHub tracker configured ("github"), in two interleaved rounds; the
// page cache is not involved (the tracker page is not cached).
//
//	go test ./web -run '^$' -bench TrackerPage -benchtime 100x
func BenchmarkTrackerPage(b *testing.B) {
	ctx := context.Background()
	clock := func() time.Time { return now }
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	g := gen.NewWithOptions(3, gen.Options{Now: now})
	var cs []hindsight.IncidentCreate
	for range 200 {
		cs = append(cs, hindsight.IncidentCreate{Doc: g.Postmortem(), Author: "bench"})
	}
	if _, err := st.CreateIncidents(ctx, cs); err != nil {
		b.Fatal(err)
	}
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte("trackers:\n  github:\n    repo: org/repo\n"))
	if err != nil {
		b.Fatal(err)
	}
	handler := func(c *lint.Config) http.Handler {
		svc := app.New(st, app.Options{Now: clock, Lint: c})
		svc.UseTrackers(app.TrackerOptions{NewClient: func(tracker.Config, *http.Client) (tracker.Client, error) { return &webTracker{}, nil }})
		actor := func(*http.Request) app.Actor {
			return app.Actor{ID: "reader", Name: "reader", Viewer: hindsight.Viewer{UserID: "reader"}}
		}
		fu, err := followup.New(svc, st, followup.Options{Actor: actor})
		if err != nil {
			b.Fatal(err)
		}
		ui, err := web.New(svc, web.Options{Actor: actor, FollowUp: fu})
		if err != nil {
			b.Fatal(err)
		}
		return ui.Handler()
	}
	hs := []struct {
		name string
		h    http.Handler
	}{{"none", handler(nil)}, {"github", handler(cfg)}}
	for round := range 2 {
		for _, h := range hs {
			b.Run(fmt.Sprintf("%s-%d", h.name, round), func(b *testing.B) {
				c := benchCPU()
				for b.Loop() {
					rec := httptest.NewRecorder()
					h.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/action-items?status=any", nil))
					if rec.Code != 200 {
						b.Fatal(rec.Code)
					}
				}
				b.ReportMetric(float64(benchCPU()-c)/float64(b.N)/1e6, "cpu-ms/op")
			})
		}
	}
}

// benchCPU is the process's CPU time (user + system) so far.
func benchCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
