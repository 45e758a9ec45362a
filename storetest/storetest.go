// Package storetest is the conformance suite every hindsight.Store runs:
// sqlite/ and postgres/ call Run from their tests against a real database.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// Config is what the suite asks of a new store.
type Config struct {
	// Render is markdown.Render.
	Render hindsight.RenderFunc
	// Clock is the suite's clock; stores must use it for every timestamp.
	Clock func() time.Time
	// MaxDocBytes is 0 (the default limit) unless a test sets it.
	MaxDocBytes int
	// SearchWindow is how many matches a search ranks at most (the most
	// recent): 0, the store's default, unless a test sets it.
	SearchWindow int
}

// Opener returns a new, empty store configured by c; it registers its own
// cleanup with t.
type Opener func(t *testing.T, c Config) hindsight.Store

// Run runs the conformance suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"CreateAndFind", testCreateAndFind},
		{"IncidentIDs", testIncidentIDs},
		{"KeepIDOnImport", testKeepID},
		{"CreateIncidentsOneTransaction", testCreateIncidents},
		{"CreateIncidentsAsOneByOne", testCreateIncidentsAsOneByOne},
		{"Verbatim", testVerbatim},
		{"UnvalidatedValuesStoredVerbatim", testUnvalidated},
		{"BadInput", testBadInput},
		{"UpdateAndRevisions", testUpdate},
		{"StaleRevisionConflict", testConflict},
		{"DeleteIfMatch", testDeleteIfMatch},
		{"ConcurrentCreatesOneDay", testConcurrentCreates},
		{"ConcurrentWritersOneIncident", testConcurrentUpdates},
		{"SearchWhileWriting", testSearchWhileWriting},
		{"ListFilters", testListFilters},
		{"ListSortAndPages", testListSort},
		{"ListByService", testListByService},
		{"ListByDue", testListByDue},
		{"Search", testSearch},
		{"SearchWindow", testSearchWindow},
		{"ActionItems", testActionItems},
		{"Delete", testDelete},
		{"Restricted", testRestricted},
		{"Migrations", testMigrations},
		{"Generation", testGeneration},
		{"Settings", testSettings},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// Clock is a deterministic clock: every call returns a time one second
// after the previous one.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock starting at start.
func NewClock(start time.Time) *Clock { return &Clock{t: start.UTC()} }

// Now returns the next time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// Advance moves the clock d forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Epoch is when the suite's clock starts.
var Epoch = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func newStore(t *testing.T, open Opener) hindsight.Store {
	return open(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now})
}

func ctx(t *testing.T) context.Context { return t.Context() }

func tm(s string) hindsight.Time {
	v, ok := hindsight.ParseTime(s)
	if !ok {
		panic("bad test time " + s)
	}
	return v
}

func date(s string) hindsight.Date {
	v, ok := hindsight.ParseDate(s)
	if !ok {
		panic("bad test date " + s)
	}
	return v
}

// spec describes a test incident briefly.
type spec struct {
	title, start, sev, status, owner, commander string
	services                                    []string
	items                                       []hindsight.ActionItem
	body                                        string
}

func (s spec) doc() *hindsight.Postmortem {
	p := &hindsight.Postmortem{
		Title:            s.title,
		Version:          "1.0",
		Status:           hindsight.Status(s.status),
		Owner:            s.owner,
		ExecutiveSummary: s.body,
		ActionItems:      s.items,
	}
	p.Summary.Severity = hindsight.Severity(s.sev)
	if s.start != "" {
		p.Summary.Start = tm(s.start)
		p.Summary.End = hindsight.TimeOf(p.Summary.Start.T.Add(90 * time.Minute))
		p.Summary.Duration = hindsight.Minutes(90)
		p.Detection.DetectionTime = hindsight.TimeOf(p.Summary.Start.T.Add(5 * time.Minute))
		p.Timeline = []hindsight.Event{
			{Time: p.Summary.Start, Event: "First alert fired"},
			{Time: p.Summary.End, Event: "Mitigated"},
		}
	}
	p.Detection.Commander = s.commander
	p.Detection.DetectedBy = "Monitoring (Prometheus alert)"
	p.Detection.TTA = hindsight.Minutes(4)
	p.Detection.TTM = hindsight.Minutes(85)
	for _, n := range s.services {
		p.Summary.Services = append(p.Summary.Services, hindsight.Service{Name: n, Impact: "degraded"})
	}
	return p
}

func mustCreate(t *testing.T, s hindsight.Store, p *hindsight.Postmortem) *hindsight.Incident {
	t.Helper()
	inc, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: p, Author: "alice", Message: "created"})
	if err != nil {
		t.Fatalf("CreateIncident(%q): %v", p.Title, err)
	}
	return inc
}

func wantCode(t *testing.T, what string, err error, code hindsight.Code) {
	t.Helper()
	if got := hindsight.ErrorCode(err); got != code {
		t.Fatalf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withID returns a copy of p with its Incident ID set.
func withID(p *hindsight.Postmortem, id string) *hindsight.Postmortem {
	c := *p
	c.Summary.IncidentID = id
	return &c
}

func ids(xs []hindsight.IncidentSummary) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, x.ID)
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func isNotFound(err error) bool { return hindsight.ErrorCode(err) == hindsight.ENotFound }

func fmtIDs(day string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("INC-%s-%03d", day, i))
	}
	return out
}
