package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
)

func newShapedService(t *testing.T, shapeYAML string) *app.Service {
	t.Helper()
	clock := func() time.Time { return day }
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte(shapeYAML))
	if err != nil {
		t.Fatal(err)
	}
	return app.New(st, app.Options{Now: clock, Lint: cfg})
}

const openShape = `fields:
  - {name: Region, type: enum, values: [us-east-1, eu-west-1]}
  - {name: Disclosure deadline, type: date}
tags: {suggested: [dns]}
templates:
  security:
    sections: [Data Exposure Assessment, Regulatory Notifications]
    fields: [Disclosure deadline]
    restricted: true
  privacy: {extends: security, fields: [DPO]}
  game-day: {sections: [Scenario]}
`

// TestOpenWithTemplate: Open applies the template variant: its field lines
// (empty) and sections (empty: hints are only written by hindsight new),
// and a restricted variant (or one extending it) makes the incident
// restricted.
func TestOpenWithTemplate(t *testing.T) {
	s := newShapedService(t, openShape)
	tests := []struct {
		template   string
		fields     []string
		sections   []string
		restricted bool
	}{
		{"", []string{"Region", "Tags"}, nil, false},
		{"default", []string{"Region", "Tags"}, nil, false},
		{"Security", []string{"Region", "Disclosure deadline", "Tags"}, []string{"Data Exposure Assessment", "Regulatory Notifications"}, true},
		{"privacy", []string{"Region", "Disclosure deadline", "DPO", "Tags"}, []string{"Data Exposure Assessment", "Regulatory Notifications"}, true},
		{"game-day", []string{"Region", "Tags"}, []string{"Scenario"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			in, err := s.Open(context.Background(), alice, app.NewIncident{Title: "Leaked key", Severity: hindsight.Sev2, Template: tt.template})
			if err != nil {
				t.Fatal(err)
			}
			var labels []string
			for _, f := range in.Doc.Extras[hindsight.SecSummary].Fields {
				labels = append(labels, f.Label)
				if f.Value != "" {
					t.Errorf("field %q = %q, want empty", f.Label, f.Value)
				}
			}
			if strings.Join(labels, "|") != strings.Join(tt.fields, "|") {
				t.Errorf("field lines %q, want %q", labels, tt.fields)
			}
			var secs []string
			for _, c := range in.Doc.Custom {
				secs = append(secs, c.Heading)
				if c.Body != "" {
					t.Errorf("section %q body %q, want empty", c.Heading, c.Body)
				}
			}
			if strings.Join(secs, "|") != strings.Join(tt.sections, "|") {
				t.Errorf("sections %q, want %q", secs, tt.sections)
			}
			if in.Restricted != tt.restricted {
				t.Errorf("restricted = %v, want %v", in.Restricted, tt.restricted)
			}
			for _, sec := range tt.sections {
				if !strings.Contains(string(in.Markdown), "\n## "+sec+"\n") {
					t.Errorf("markdown lacks section %q", sec)
				}
			}
		})
	}
}

func TestOpenUnknownTemplate(t *testing.T) {
	s := newShapedService(t, openShape)
	_, err := s.Open(context.Background(), alice, app.NewIncident{Title: "X", Template: "secret"})
	if hindsight.ErrorCode(err) != hindsight.EInvalid || !strings.Contains(err.Error(), `unknown template "secret"; expected default, security, privacy, game-day`) {
		t.Fatalf("err = %v", err)
	}
	var e *hindsight.Error
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "template" {
		t.Fatalf("fields = %+v", e)
	}
	// without a shape only default exists
	if _, err := newService(t).Open(context.Background(), alice, app.NewIncident{Title: "X", Template: "security"}); hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Fatalf("err = %v", err)
	}
}
