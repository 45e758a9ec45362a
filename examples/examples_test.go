// Package examples_test checks the example postmortems: each is canonical
// (rendering its parse gives it back byte for byte), lint-clean as of its
// Last Updated date, and internally consistent.
package examples_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
)

func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("want at least 4 examples, found %d", len(files))
	}
	return files
}

func TestExamplesCanonical(t *testing.T) {
	for _, f := range examples(t) {
		t.Run(f, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, sm := markdown.Parse(src)
			if len(p.Extras) != 0 || len(p.Custom) != 0 {
				t.Errorf("content outside the template: extras %v, custom %v", p.Extras, p.Custom)
			}
			for _, u := range sm.Unknown {
				t.Errorf("line %d: unknown %s %q", u.Line, u.Kind, u.Name)
			}
			for _, ph := range sm.Placeholders {
				t.Errorf("line %d: placeholder %q left in %s", ph.Line, ph.Text, ph.Field)
			}
			if out := markdown.Render(p); !bytes.Equal(out, src) {
				t.Errorf("not canonical: Render(Parse(file)) differs\n%s", firstDiff(src, out))
			}
		})
	}
}

func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n file:   " + w + "\n render: " + g
		}
	}
	return ""
}

func TestExamplesLintClean(t *testing.T) {
	for _, f := range examples(t) {
		t.Run(f, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, sm := markdown.Parse(src)
			if !p.LastUpdated.IsSet() {
				t.Fatal("Last Updated not set")
			}
			for _, fd := range lint.Lint(p, sm, nil, lint.Options{Today: p.LastUpdated.T}) {
				t.Errorf("%d: %s %s %s: %s", fd.Line, fd.Level, fd.Rule, fd.Name, fd.Message)
			}
		})
	}
}

func TestExamplesConsistent(t *testing.T) {
	sevs := map[hindsight.Severity]bool{}
	for _, f := range examples(t) {
		t.Run(f, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := markdown.Parse(src)
			s, d := p.Summary, p.Detection
			sevs[s.Severity] = true
			if !strings.HasPrefix(f, s.IncidentID+"-") {
				t.Errorf("file name %s does not start with the Incident ID %s", f, s.IncidentID)
			}
			day, _, ok := hindsight.ParseIncidentID(s.IncidentID)
			if !ok || !day.Equal(hindsight.DateOf(s.Start.T).T) {
				t.Errorf("Incident ID %s does not match the start date %v", s.IncidentID, s.Start)
			}
			mins := func(a, b hindsight.Time) int { return int(b.T.Sub(a.T) / time.Minute) }
			if !s.Duration.Valid || s.Duration.Minutes != mins(s.Start, s.End) {
				t.Errorf("Duration %v, End - Start is %s", s.Duration, hindsight.HHMM(mins(s.Start, s.End)))
			}
			if d.DetectionTime.T.Before(s.Start.T) || d.DetectionTime.T.After(s.End.T) {
				t.Errorf("Detection Time %v outside Start..End", d.DetectionTime)
			}
			if !(d.TTA.Minutes <= d.TTM.Minutes && d.TTM.Minutes <= mins(d.DetectionTime, s.End)) {
				t.Errorf("TTA %v, TTM %v, End - Detection %s", d.TTA, d.TTM, hindsight.HHMM(mins(d.DetectionTime, s.End)))
			}
			for i, e := range p.Timeline {
				if !e.Time.IsSet() || e.Time.T.Before(s.Start.T) || e.Time.T.After(s.End.T) ||
					(i > 0 && e.Time.T.Before(p.Timeline[i-1].Time.T)) {
					t.Errorf("timeline row %d (%v) out of order or outside Start..End", i+1, e.Time)
				}
			}
			ids := map[string]bool{}
			for _, a := range p.ActionItems {
				if ids[a.ID] || !hindsight.ValidActionID(a.ID) {
					t.Errorf("action item ID %q duplicated or malformed", a.ID)
				}
				ids[a.ID] = true
			}
			if len(s.Services) == 0 || s.Services[0].Impact == "" {
				t.Errorf("services affected without impact: %+v", s.Services)
			}
			if p.Impact.Data.Loss.IsZero() || p.Impact.Data.Exposure.IsZero() || p.Impact.Data.Compliance.IsZero() {
				t.Errorf("data impact not answered: %+v", p.Impact.Data)
			}
		})
	}
	for _, s := range hindsight.Severities[:3] {
		if !sevs[s] {
			t.Errorf("no example of %s", s)
		}
	}
}

// TestLongExample pins the shape the brief asks of the SEV-1 example.
func TestLongExample(t *testing.T) {
	src, err := os.ReadFile("INC-20260312-001-checkout-database-failover.md")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := markdown.Parse(src)
	open, closed := 0, 0
	for _, a := range p.ActionItems {
		switch a.Status {
		case hindsight.ItemOpen:
			open++
		case hindsight.ItemClosed:
			closed++
		}
	}
	tl := p.Timeline
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{"severity SEV-1", p.Summary.Severity == hindsight.Sev1},
		{"status Published", p.Status == hindsight.StatusPublished},
		{"40 timeline rows", len(tl) == 40},
		{"timeline crosses midnight UTC", len(tl) > 0 && tl[0].Time.T.Day() != tl[len(tl)-1].Time.T.Day()},
		{"12 action items", len(p.ActionItems) == 12},
		{"open and closed action items", open > 0 && closed > 0},
		{"data loss answered Yes", p.Impact.Data.Loss.Value == hindsight.Yes},
		{"customer communication filled", p.Communication.StatusPage != "" && p.Communication.Direct != "" && p.Communication.FollowUp != ""},
	} {
		if !c.ok {
			t.Errorf("SEV-1 example: want %s", c.what)
		}
	}
}
