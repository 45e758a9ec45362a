// Package demo seeds the data of `hindsight serve --demo`: the example
// postmortems of examples/ and generated ones (internal/gen), so that a
// first look at the app shows a team's year of incidents. The browser
// tests seed the same data.
package demo

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/examples"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
)

// Generated and GenSeed make the generated part of the demo data: the same
// incidents on every machine for the same clock.
const (
	Generated = 12
	GenSeed   = 2026
	// Span is how far back the generated incidents start: a team's year.
	Span = 365 * 24 * time.Hour
)

// Postmortems returns the demo postmortems for the clock now: the examples
// then the generated ones, which start over the year before now, have
// open, overdue and closed action items, and timelines that agree with
// their detection, acknowledgement and mitigation times.
func Postmortems(now time.Time) ([]*hindsight.Postmortem, error) {
	var out []*hindsight.Postmortem
	names, err := fs.Glob(examples.FS, "*.md")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	for _, name := range names {
		src, err := fs.ReadFile(examples.FS, name)
		if err != nil {
			return nil, err
		}
		p, _ := markdown.Parse(src)
		out = append(out, p)
	}
	g := gen.NewWithOptions(GenSeed, gen.Options{Now: now, Span: Span, Overdue: 0.3})
	taken := map[string]bool{}
	for _, p := range out {
		taken[p.Summary.IncidentID] = true
	}
	for range Generated {
		p := g.Postmortem()
		// a generated incident can start on an example's day (the days
		// move with now): the next free number of that day, not a
		// duplicate ID that makes the seed fail
		if day, seq, ok := hindsight.ParseIncidentID(p.Summary.IncidentID); ok {
			for taken[p.Summary.IncidentID] {
				seq++
				p.Summary.IncidentID = hindsight.FormatIncidentID(day, seq)
			}
		}
		taken[p.Summary.IncidentID] = true
		out = append(out, p)
	}
	return out, nil
}

// Seed stores the demo postmortems when the database holds no incident at
// all, deleted ones included. It returns how many it stored.
func Seed(ctx context.Context, svc *app.Service, now time.Time) (int, error) {
	page, err := svc.Store().FindIncidents(ctx, hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1, Deleted: hindsight.WithDeleted})
	if err != nil {
		return 0, err
	}
	if len(page.Incidents) > 0 {
		return 0, nil
	}
	ps, err := Postmortems(now)
	if err != nil {
		return 0, err
	}
	for i, p := range ps {
		if _, err := svc.Create(ctx, app.System, p, app.CreateOptions{KeepID: true, Message: "demo data"}); err != nil {
			return i, fmt.Errorf("--demo: incident %d (%s): %w", i+1, p.Summary.IncidentID, err)
		}
	}
	return len(ps), nil
}
