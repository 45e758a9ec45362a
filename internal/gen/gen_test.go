package gen

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

func generate(t testing.TB, g *Generator, n int) []*hindsight.Postmortem {
	t.Helper()
	out := make([]*hindsight.Postmortem, n)
	for i := range out {
		out[i] = g.Postmortem()
	}
	return out
}

func jsonOf(t testing.TB, ps []*hindsight.Postmortem) string {
	t.Helper()
	b, err := json.Marshal(ps)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}

func TestDeterminism(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"Valid", Options{}},
		{"Messy", Options{Messy: 0.5}},
		{"OtherNow", Options{Now: time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := jsonOf(t, generate(t, NewWithOptions(42, tc.opts), 200))
			b := jsonOf(t, generate(t, NewWithOptions(42, tc.opts), 200))
			if a != b {
				t.Fatal("same seed produced different documents")
			}
			c := jsonOf(t, generate(t, NewWithOptions(43, tc.opts), 200))
			if a == c {
				t.Fatal("seeds 42 and 43 produced the same documents")
			}
		})
	}
	// New(seed) is NewWithOptions(seed, Options{}).
	if jsonOf(t, generate(t, New(7), 20)) != jsonOf(t, generate(t, NewWithOptions(7, Options{}), 20)) {
		t.Fatal("New and NewWithOptions with zero options differ")
	}
}

// problems lists every way p breaks the consistency rules valid documents
// must keep.
func problems(p *hindsight.Postmortem, now time.Time) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	s, d := p.Summary, p.Detection
	if p.Title == "" || p.Owner == "" || p.Version == "" || !p.LastUpdated.IsSet() {
		bad("metadata not filled")
	}
	if !p.Status.Valid() {
		bad("status %q", p.Status)
	}
	if !s.Start.IsSet() || !s.End.IsSet() || !s.End.T.After(s.Start.T) {
		bad("start %v end %v", s.Start, s.End)
		return out
	}
	dur := int(s.End.T.Sub(s.Start.T) / time.Minute)
	if !s.Duration.Valid || s.Duration.Minutes != dur {
		bad("duration %v, want %s", s.Duration, hindsight.HHMM(dur))
	}
	if dur < 5 || dur > 3*24*60+150 {
		bad("duration %d minutes out of range", dur)
	}
	if s.Start.T.Before(now.AddDate(-3, 0, -1)) || !s.End.T.Before(now) {
		bad("start %v not in the three years before %v", s.Start, now)
	}
	day, seq, ok := hindsight.ParseIncidentID(s.IncidentID)
	if !ok || seq < 1 || !day.Equal(hindsight.DateOf(s.Start.T).T) {
		bad("incident id %q for start %v", s.IncidentID, s.Start)
	}
	if !s.Severity.Valid() {
		bad("severity %q", s.Severity)
	}
	if len(s.Services) == 0 {
		bad("no services")
	}
	for _, sv := range s.Services {
		if !slices.Contains(services, sv.Name) || sv.Impact == "" || strings.ContainsAny(sv.Impact, "()") {
			bad("service %+v", sv)
		}
	}
	if s.CustomerImpact.UsersAffected == "" || s.CustomerImpact.Regions == "" || s.CustomerImpact.Symptoms == "" {
		bad("customer impact %+v", s.CustomerImpact)
	}
	if !d.DetectionTime.IsSet() || d.DetectionTime.T.Before(s.Start.T) || d.DetectionTime.T.After(s.End.T) {
		bad("detection %v outside start..end", d.DetectionTime)
	} else {
		left := int(s.End.T.Sub(d.DetectionTime.T) / time.Minute)
		if !d.TTA.Valid || !d.TTM.Valid || d.TTA.Minutes < 0 || d.TTA.Minutes > d.TTM.Minutes || d.TTM.Minutes > left {
			bad("tta %v ttm %v with %d minutes from detection to end", d.TTA, d.TTM, left)
		}
	}
	if d.DetectedBy == "" || d.Source() == "" || d.Commander == "" || d.Responders == "" || d.Channels == "" {
		bad("detection %+v", d)
	}
	if n := len(p.Timeline); n < 3 || n > 40 {
		bad("%d timeline rows", n)
	}
	for i, e := range p.Timeline {
		if !e.Time.IsSet() || e.Time.T.Before(s.Start.T) || e.Time.T.After(s.End.T) || e.Event == "" {
			bad("timeline[%d] %v %q outside start..end", i, e.Time, e.Event)
		}
		if i > 0 && e.Time.T.Before(p.Timeline[i-1].Time.T) {
			bad("timeline[%d] before the row above", i)
		}
	}
	if p.RootCause.Primary == "" || p.Resolution.Immediate == "" || p.Resolution.LongTerm == "" || p.Resolution.Rollback.IsZero() {
		bad("root cause or resolution not filled")
	}
	if p.Status != hindsight.StatusDraft && len(p.RootCause.Factors) == 0 {
		bad("no contributing factors in a %s postmortem", p.Status)
	}
	if p.ExecutiveSummary == "" || len(p.WentWell) == 0 || len(p.WentPoorly) == 0 || len(p.References) == 0 {
		bad("a section is empty")
	}
	c, v := p.Communication, p.Prevention
	if c.StatusPage == "" || c.Direct == "" || c.FollowUp == "" || v.Monitoring == "" || v.Process == "" || v.Documentation == "" || v.Training == "" {
		bad("communication or prevention not filled")
	}
	dm := p.Impact.Data
	for _, a := range []hindsight.Answer{dm.Loss, dm.Exposure, dm.Compliance, p.Resolution.Rollback} {
		if a.Value != hindsight.Yes && a.Value != hindsight.No {
			bad("answer %+v", a)
		}
	}
	if n := len(p.ActionItems); n > 12 || (n == 0 && p.Status != hindsight.StatusDraft) {
		bad("%d action items in a %s postmortem", n, p.Status)
	}
	urgent := false
	endDay := hindsight.DateOf(s.End.T).T
	for i, a := range p.ActionItems {
		if a.ID != hindsight.FormatActionID(i+1) || a.Action == "" || !slices.Contains(names, a.Owner) ||
			!a.Priority.Valid() || !a.Status.Valid() || !a.TargetDate.IsSet() {
			bad("action item %+v", a)
			continue
		}
		urgent = urgent || a.Priority != hindsight.P2
		if !a.TargetDate.T.After(endDay) {
			bad("%s due %v, not after the end", a.ID, a.TargetDate)
		}
		if a.Priority == hindsight.P0 && a.TargetDate.T.After(endDay.AddDate(0, 0, 7)) {
			bad("P0 %s due %v, more than 7 days after the end", a.ID, a.TargetDate)
		}
		if a.Status == hindsight.ItemOpen && a.TargetDate.T.Before(now) {
			bad("open %s overdue at %v", a.ID, now)
		}
	}
	if s.Severity.Level() <= 2 && p.Status != hindsight.StatusDraft && !urgent {
		bad("%s without a P0 or P1 action item", s.Severity)
	}
	if dm.Exposure.Value == hindsight.Yes && dm.Compliance.Value != hindsight.Yes && dm.Compliance.Value != hindsight.No {
		bad("data exposure without a compliance answer")
	}
	text, _ := json.Marshal(p)
	for _, w := range []string{"human error", "careless", "fault", "blame", "should have", "forgot to", "mistake", "negligen"} {
		if strings.Contains(strings.ToLower(string(text)), w) {
			bad("blameful wording %q", w)
		}
	}
	if strings.Contains(string(text), "{") && strings.Contains(string(text), "}\"") {
		for _, ph := range []string{"{svc}", "{dep}", "{region}", "{name}", "{n}", "{pct}", "{ver}", "{ticket}"} {
			if strings.Contains(string(text), ph) {
				bad("unfilled bank placeholder %s", ph)
			}
		}
	}
	return out
}

func TestConsistency(t *testing.T) {
	for _, tc := range []struct {
		name string
		seed int64
		now  time.Time
	}{
		{"Seed1", 1, DefaultNow},
		{"Seed2026", 2026, DefaultNow},
		{"NegativeSeed", -99, DefaultNow},
		{"LeapDayNow", 5, time.Date(2024, 2, 29, 23, 59, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithOptions(tc.seed, Options{Now: tc.now})
			ids := map[string]bool{}
			for i := range 2000 {
				p := g.Postmortem()
				for _, pr := range problems(p, tc.now) {
					t.Errorf("document %d (%s): %s", i, p.Summary.IncidentID, pr)
				}
				if ids[p.Summary.IncidentID] {
					t.Errorf("document %d: duplicate incident id %s", i, p.Summary.IncidentID)
				}
				ids[p.Summary.IncidentID] = true
				if t.Failed() {
					return
				}
			}
		})
	}
}

func TestVariety(t *testing.T) {
	g := New(11)
	var (
		sev                         = map[hindsight.Severity]int{}
		status                      = map[hindsight.Status]int{}
		minDur, maxDur              = 1 << 30, 0
		minRows, maxRows            = 1 << 30, 0
		minItems, maxItems          = 1 << 30, 0
		exposed, noFactors, withDay int
		titles                      = map[string]bool{}
		years                       = map[int]bool{}
	)
	const n = 3000
	for range n {
		p := g.Postmortem()
		sev[p.Summary.Severity]++
		status[p.Status]++
		d := p.Summary.Duration.Minutes
		minDur, maxDur = min(minDur, d), max(maxDur, d)
		minRows, maxRows = min(minRows, len(p.Timeline)), max(maxRows, len(p.Timeline))
		minItems, maxItems = min(minItems, len(p.ActionItems)), max(maxItems, len(p.ActionItems))
		if p.Impact.Data.Exposure.Value == hindsight.Yes {
			exposed++
		}
		if len(p.RootCause.Factors) == 0 {
			noFactors++
		}
		if _, seq, _ := hindsight.ParseIncidentID(p.Summary.IncidentID); seq > 1 {
			withDay++
		}
		titles[p.Title] = true
		years[p.Summary.Start.T.Year()] = true
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{fmt.Sprintf("SEV-3 most common %v", sev), sev[hindsight.Sev3] > sev[hindsight.Sev1] && sev[hindsight.Sev3] > sev[hindsight.Sev2] && sev[hindsight.Sev3] > sev[hindsight.Sev4]},
		{fmt.Sprintf("every severity %v", sev), len(sev) == 4 && sev[hindsight.Sev1] > 0},
		{fmt.Sprintf("every status %v", status), len(status) == 3},
		{fmt.Sprintf("durations from minutes (%d) to days (%d)", minDur, maxDur), minDur < 30 && maxDur > 48*60},
		{fmt.Sprintf("timeline rows %d..%d", minRows, maxRows), minRows <= 4 && maxRows >= 30},
		{fmt.Sprintf("action items %d..%d", minItems, maxItems), minItems == 0 && maxItems >= 10},
		{fmt.Sprintf("data exposure in %d documents", exposed), exposed > 0 && exposed < n/5},
		{fmt.Sprintf("%d drafts without contributing factors", noFactors), noFactors > 0},
		{fmt.Sprintf("%d second incidents of a day", withDay), withDay > 0},
		{fmt.Sprintf("%d distinct titles", len(titles)), len(titles) > 100},
		{fmt.Sprintf("start years %v", years), len(years) >= 3},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("not varied enough: %s", c.name)
		}
	}
}

func TestMessy(t *testing.T) {
	for _, tc := range []struct {
		name      string
		messy     float64
		wantFlaws bool
	}{
		{"Zero", 0, false},
		{"Half", 0.5, true},
		{"All", 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithOptions(3, Options{Messy: tc.messy})
			flawed := 0
			for range 500 {
				if len(problems(g.Postmortem(), DefaultNow)) > 0 {
					flawed++
				}
			}
			if tc.wantFlaws && flawed < 100 {
				t.Errorf("Messy %v: only %d of 500 documents have flaws", tc.messy, flawed)
			}
			if !tc.wantFlaws && flawed != 0 {
				t.Errorf("Messy %v: %d documents have flaws", tc.messy, flawed)
			}
		})
	}
}

func TestSlugAndFileName(t *testing.T) {
	for _, tc := range []struct {
		title, want string
	}{
		{"Expired TLS certificate on cdn-edge", "expired-tls-certificate-on-cdn-edge"},
		{"  Disk full: event-broker (eu-west-1)!  ", "disk-full-event-broker-eu-west-1"},
		{"Überlastung des DNS", "berlastung-des-dns"},
		{"", "postmortem"},
		{"!!!", "postmortem"},
		{strings.Repeat("abc ", 40), strings.TrimRight(strings.Repeat("abc-", 15), "-")},
	} {
		if got := Slug(tc.title); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.title, got, tc.want)
		}
	}
	p := &hindsight.Postmortem{Title: "Disk full", Summary: hindsight.Summary{IncidentID: "INC-20260101-002"}}
	if got := FileName(p); got != "INC-20260101-002-disk-full.md" {
		t.Errorf("FileName = %q", got)
	}
	p.Summary.IncidentID = "../../etc/passwd"
	if got := FileName(p); strings.ContainsAny(got, "/\\") || got != "etc-passwd-disk-full.md" {
		t.Errorf("FileName of a bad id = %q", got)
	}
}

func BenchmarkPostmortem(b *testing.B) {
	g := New(1)
	for b.Loop() {
		g.Postmortem()
	}
}
